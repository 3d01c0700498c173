#!/usr/bin/env node
// The README's quick start, as CI runs it on a clean clone after `npm ci`: `npm start` in the
// repository, until it reports the demo running ("weir dev: demo running") and the local receiver
// has printed at least one notification ("[receiver] ..."); then SIGINT to its whole process group
// (what Ctrl-C in a terminal does), and checks that it exits 0 after "weir dev: stopped" and that
// nothing listens any more on the ports its banner named.
//
//   node scripts/ci-quickstart.mjs                    # what .ci/run does
//   node scripts/ci-quickstart.mjs -- --port 0 ...    # extra arguments for `npm start --` (local runs beside a broker on 9092)
//
// WEIR_QUICKSTART_TIMEOUT_MS (default 120000) bounds the wait for the first notification.
// Plain Node, no dependencies: it runs before anything else is known to work.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const startTimeoutMs = Number(process.env.WEIR_QUICKSTART_TIMEOUT_MS ?? 120_000);
const stopTimeoutMs = 60_000;
const extra = process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--"));

/** The stable lines of `weir dev` (DEV_LINES in src/demo/dev.ts; docs/demo.md). */
const RUNNING = "weir dev: demo running";
const RECEIVED = "[receiver] ";
const STOPPED = "weir dev: stopped";

const say = (s) => process.stdout.write(`[quickstart] ${s}\n`);

function fail(message, output) {
  process.stderr.write(`[quickstart] FAILED: ${message}\n`);
  if (output !== undefined) process.stderr.write(`--- output of npm start ---\n${output}\n---\n`);
  process.exit(1);
}

/** True while something accepts TCP connections on host:port. */
function listening(host, port) {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(2000);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("timeout", () => {
      s.destroy();
      resolve(false);
    });
    s.once("error", () => resolve(false));
  });
}

/** The host:port pairs the banner names (broker, ingest, receiver). */
function bannerAddresses(output) {
  const out = [];
  for (const name of ["broker", "ingest", "receiver"]) {
    const m = new RegExp(`^  ${name}\\s+(?:https?://)?(\\d+\\.\\d+\\.\\d+\\.\\d+):(\\d+)`, "m").exec(output);
    if (m !== null) out.push({ name, host: m[1], port: Number(m[2]) });
  }
  return out;
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const args = ["start", ...(extra.length > 0 ? ["--", ...extra] : [])];
say(`running: npm ${args.join(" ")} (in ${root})`);
const started = Date.now();
// Its own process group, so SIGINT reaches npm, tsx and weir at once, as Ctrl-C in a terminal does.
// npm runs scripts with sh; Debian's sh (dash) dies of the SIGINT at once instead of waiting for
// its child as bash does, so npm would report the signal whatever weir's own exit code is. With
// bash as the script shell, npm's exit code is weir's.
const env = { ...process.env, ...(process.platform === "win32" ? {} : { npm_config_script_shell: process.env.npm_config_script_shell ?? "bash" }) };
const child = spawn(npm, args, { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
let output = "";
const onData = (chunk) => {
  const text = chunk.toString("utf8");
  output += text;
  process.stdout.write(text.replace(/^(?=.)/gm, "  | "));
};
child.stdout.on("data", onData);
child.stderr.on("data", onData);
const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
let exitedEarly = null;
void exited.then((r) => (exitedEarly = r));

const killGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
};

// 1. Wait for the demo to run and a notification to reach the receiver.
const ready = () => output.split("\n").some((l) => l.startsWith(RUNNING)) && output.split("\n").some((l) => l.startsWith(RECEIVED));
while (!ready()) {
  if (exitedEarly !== null) fail(`npm start exited (code ${exitedEarly.code}, signal ${exitedEarly.signal}) before the demo reported a notification`, output);
  if (Date.now() - started > startTimeoutMs) {
    killGroup("SIGKILL");
    fail(`no "${RUNNING}" line and "${RECEIVED}..." notification within ${startTimeoutMs} ms`, output);
  }
  await new Promise((r) => setTimeout(r, 200));
}
const addresses = bannerAddresses(output);
say(`demo running and a notification received after ${((Date.now() - started) / 1000).toFixed(1)} s; listening: ${addresses.map((a) => `${a.name} ${a.host}:${a.port}`).join(", ")}`);
if (addresses.length !== 3) fail(`the banner should name the broker, ingest and receiver addresses; found ${JSON.stringify(addresses)}`, output);

// 2. Ctrl-C, and a clean exit.
say("sending SIGINT to the process group");
killGroup("SIGINT");
const timer = setTimeout(() => {
  killGroup("SIGKILL");
  fail(`npm start did not exit within ${stopTimeoutMs} ms of SIGINT`, output);
}, stopTimeoutMs);
const { code, signal } = await exited;
clearTimeout(timer);
if (code !== 0) fail(`npm start exited with code ${code}${signal === null ? "" : ` (signal ${signal})`} after SIGINT; expected 0`, output);
if (!output.split("\n").some((l) => l.startsWith(STOPPED))) fail(`no "${STOPPED}" line before the exit`, output);

// 3. Nothing left behind: no process of the group, nothing listening on its ports.
await new Promise((r) => setTimeout(r, 500));
let groupAlive = true;
try {
  process.kill(-child.pid, 0);
} catch {
  groupAlive = false;
}
if (groupAlive) {
  killGroup("SIGKILL");
  fail("processes of npm start's group were still running after it exited", output);
}
for (const a of addresses) {
  if (await listening(a.host, a.port)) fail(`something still listens on ${a.host}:${a.port} (the ${a.name}) after the exit`, output);
}
say(`OK: exit 0 after SIGINT, ports ${addresses.map((a) => a.port).join(", ")} closed (${((Date.now() - started) / 1000).toFixed(1)} s in all)`);
