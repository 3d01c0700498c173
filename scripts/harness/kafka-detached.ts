/**
 * The broker of `npm run kafka:start` / `npm run kafka:stop`: started detached (its own session,
 * output to a file in its data dir), its pid and address recorded in the cache's run dir so that
 * `kafka:stop` finds it. One such broker at a time; `kafka:start` while it runs prints its address.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cachePaths, formatBytes, pidAlive } from "./cache.js";
import { javaTool, prepareKafka, recordJvmPid, rssBytes, waitForKafka } from "./kafka.js";

interface DetachedState {
  pid: number;
  bootstrap: string;
  dir: string;
  startedAt: string;
}

const stateFile = (): string => join(cachePaths().runDir, "kafka.json");

function readState(): DetachedState | null {
  try {
    return JSON.parse(readFileSync(stateFile(), "utf8")) as DetachedState;
  } catch {
    return null;
  }
}

/** The pid is ours only if it still runs kafka.Kafka on our config: pids get reused. */
function isOurBroker(state: DetachedState): boolean {
  if (!pidAlive(state.pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${state.pid}/cmdline`, "utf8").split("\0");
    return cmdline.includes("kafka.Kafka") && cmdline.includes(join(state.dir, "server.properties"));
  } catch {
    return false;
  }
}

export async function startDetachedKafka(log: (line: string) => void): Promise<string> {
  const existing = readState();
  if (existing !== null) {
    if (isOurBroker(existing)) {
      log(`Kafka already running (pid ${existing.pid}, since ${existing.startedAt}); npm run kafka:stop stops it`);
      return existing.bootstrap;
    }
    rmSync(existing.dir, { recursive: true, force: true });
    rmSync(stateFile(), { force: true });
  }
  const started = Date.now();
  const prepared = await prepareKafka({ log });
  const outFile = join(prepared.dir, "kafka.out");
  const fd = openSync(outFile, "a");
  const child = spawn(javaTool("java"), prepared.javaArgs, { cwd: prepared.dir, detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  if (child.pid !== undefined) recordJvmPid(prepared.dir, child.pid);
  let exitReason: string | null = null;
  child.once("exit", (code, signal) => (exitReason = `code ${code ?? "-"}, signal ${signal ?? "-"}`));
  child.once("error", (e) => (exitReason = `spawn failed: ${e.message}`));
  try {
    await waitForKafka(prepared, () => exitReason);
  } catch (e) {
    child.kill("SIGKILL");
    const out = existsSync(outFile) ? readFileSync(outFile, "utf8").slice(-8000) : "";
    rmSync(prepared.dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}\n${out}`, { cause: e });
  }
  child.unref();
  mkdirSync(cachePaths().runDir, { recursive: true });
  const state: DetachedState = { pid: child.pid!, bootstrap: prepared.bootstrap, dir: prepared.dir, startedAt: new Date().toISOString() };
  writeFileSync(stateFile(), JSON.stringify(state, null, 2) + "\n");
  const rss = rssBytes(state.pid);
  log(`Kafka ready in ${Date.now() - started} ms: pid ${state.pid}, RSS ${rss === null ? "?" : formatBytes(rss)}, data and log in ${prepared.dir}`);
  return prepared.bootstrap;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function stopDetachedKafka(log: (line: string) => void, graceMs = 20_000): Promise<void> {
  const state = readState();
  if (state === null) {
    log("no Kafka started by npm run kafka:start is recorded; nothing to stop");
    return;
  }
  if (isOurBroker(state)) {
    const started = Date.now();
    process.kill(state.pid, "SIGTERM");
    while (pidAlive(state.pid) && Date.now() - started < graceMs) await sleep(100);
    if (pidAlive(state.pid)) {
      log(`pid ${state.pid} still running after ${graceMs} ms; killing it`);
      process.kill(state.pid, "SIGKILL");
      while (pidAlive(state.pid)) await sleep(50);
    }
    log(`Kafka on ${state.bootstrap} (pid ${state.pid}) stopped in ${Date.now() - started} ms`);
  } else {
    log(`Kafka pid ${state.pid} is gone already; cleaning up`);
  }
  rmSync(state.dir, { recursive: true, force: true });
  rmSync(stateFile(), { force: true });
}
