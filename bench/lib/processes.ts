/**
 * Child processes of a benchmark: the broker under test and the external tools (kcat) run as
 * children, so their CPU time and memory are their own and not the load generator's.
 *
 * Every child is registered and killed when the benchmark exits, whether it finishes, throws
 * or is interrupted (SIGINT/SIGTERM): a benchmark must never leave a broker behind. Temporary
 * directories registered with {@link removeOnExit} are removed on the same occasions.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { msSince, secondsSince } from "./stats.js";

const live = new Set<ChildProcess>();
let hooked = false;

/** Kills every registered child that is still running (SIGKILL; synchronous, safe in an exit handler). */
export function killAllChildren(): void {
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
  live.clear();
}

function track(c: ChildProcess): void {
  live.add(c);
  c.once("exit", () => live.delete(c));
  hookExit();
}

const tempPaths = new Set<string>();

/** Removes `path` (recursively) when the benchmark exits, however it exits; {@link forget} it once removed normally. */
export function removeOnExit(path: string): void {
  tempPaths.add(path);
  hookExit();
}

/** Drops a path registered with {@link removeOnExit}. */
export function forget(path: string): void {
  tempPaths.delete(path);
}

function removeTempPaths(): void {
  for (const p of tempPaths) rmSync(p, { recursive: true, force: true });
  tempPaths.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", () => {
    killAllChildren();
    removeTempPaths();
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/** Linux's USER_HZ: /proc/<pid>/stat reports CPU time in these ticks (100 on every mainstream build). */
const CLOCK_TICKS_PER_S = 100;

/** Memory and CPU of a running process, from /proc (Linux). */
export interface ProcStats {
  /** Resident set size now, KiB (VmRSS). */
  rssKiB: number;
  /** Peak resident set size, KiB (VmHWM). */
  peakRssKiB: number;
  /** User + system CPU time so far, seconds. */
  cpuSeconds: number;
}

/** {@link ProcStats} of `pid`, or null when it cannot be read (not Linux, or the process is gone). */
export function procStats(pid: number): ProcStats | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
    return { rssKiB: kib("VmRSS"), peakRssKiB: kib("VmHWM"), cpuSeconds };
  } catch {
    return null;
  }
}

/** The built CLI (npm run build), so tsx's loader is not part of what is measured. */
export const builtCli = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "cli", "weir.mjs");

/** Options of {@link startBroker}. */
export interface StartBrokerOptions {
  dataDir: string;
  /** Extra `weir broker` flags, e.g. ["--default-partitions", "6"]. */
  args?: readonly string[];
  /** Flags for node itself, e.g. ["--cpu-prof", "--cpu-prof-dir", dir]. */
  nodeArgs?: readonly string[];
  /** The CLI entry; default the built one ({@link builtCli}). */
  entry?: string;
  /** Give up waiting for the ready line after this long. Default 15 s. */
  readyTimeoutMs?: number;
}

/** A broker running as a child process. */
export interface BrokerProcess {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  /** From spawn to the `weir broker ready on` line, ms. */
  readonly readyMs: number;
  /** `host:port`, for clients. */
  readonly bootstrap: string;
  /** Memory and CPU now (null if unreadable). */
  stats(): ProcStats | null;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. Idempotent. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `weir broker --port 0` as a child and resolves once it prints its ready line. */
export function startBroker(opts: StartBrokerOptions): Promise<BrokerProcess> {
  const entry = opts.entry ?? builtCli;
  const args = [...(opts.nodeArgs ?? []), entry, "broker", "--port", "0", "--data-dir", opts.dataDir, ...(opts.args ?? [])];
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => {
    // Keep the tail only: enough to explain a failure, bounded for a long run.
    stderr = (stderr + s).slice(-8192);
  });
  return new Promise<BrokerProcess>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`broker not ready after ${opts.readyTimeoutMs ?? 15_000} ms; stderr: ${stderr}`));
    }, opts.readyTimeoutMs ?? 15_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`broker exited before ready (code ${code}, signal ${signal}); stderr: ${stderr}`));
    });
    child.stdout.setEncoding("utf8");
    const onData = (s: string): void => {
      out += s;
      const m = /weir broker ready on (\S+):(\d+)/.exec(out);
      if (m === null) return;
      const readyMs = msSince(t0);
      clearTimeout(timer);
      // Keep draining stdout so the child never blocks on a full pipe.
      child.stdout.off("data", onData);
      child.stdout.resume();
      let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
      resolve({
        pid: child.pid!,
        host: m[1],
        port: Number(m[2]),
        readyMs,
        bootstrap: `${m[1]}:${m[2]}`,
        stats: () => procStats(child.pid!),
        stop: (graceMs = 10_000) => {
          if (stopping !== null) return stopping;
          if (child.exitCode !== null || child.signalCode !== null) return (stopping = exited);
          child.kill("SIGTERM");
          const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
          stopping = exited.finally(() => clearTimeout(kill));
          return stopping;
        },
      });
    };
    child.stdout.on("data", onData);
  });
}

/** Options of {@link runTimed}. */
export interface RunTimedOptions {
  /** Kill the command (SIGKILL) after this long. */
  timeoutMs: number;
  /** Count newline bytes of stdout instead of discarding it. */
  countStdoutLines?: boolean;
}

/** The outcome of {@link runTimed}. */
export interface TimedRun {
  seconds: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Newlines on stdout (0 unless countStdoutLines). */
  stdoutLines: number;
  /** The tail of stderr. */
  stderr: string;
  /** True when the command was killed for running past timeoutMs. */
  timedOut: boolean;
  /** User + system CPU seconds of the command, sampled from /proc every 50 ms (so up to 50 ms short); null if unreadable. */
  cpuSeconds: number | null;
}

/** How often {@link runTimed} samples a command's CPU time. */
const CPU_SAMPLE_MS = 50;

/** Runs a command to completion as a registered child; times it from spawn to exit. */
export function runTimed(cmd: string, args: readonly string[], opts: RunTimedOptions): Promise<TimedRun> {
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  let lines = 0;
  let stderr = "";
  let timedOut = false;
  child.stdout.on("data", (b: Buffer) => {
    if (opts.countStdoutLines !== true) return;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++;
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => {
    stderr = (stderr + s).slice(-8192);
  });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, opts.timeoutMs);
  // Node does not report a child's rusage, so CPU time is read from /proc while it runs.
  let cpuSeconds: number | null = null;
  const sampler = setInterval(() => {
    if (child.pid !== undefined && child.exitCode === null) cpuSeconds = procStats(child.pid)?.cpuSeconds ?? cpuSeconds;
  }, CPU_SAMPLE_MS);
  return new Promise((resolve, reject) => {
    child.once("error", (e) => {
      clearTimeout(timer);
      clearInterval(sampler);
      reject(e);
    });
    // "close" (not "exit"): stdout has been read to its end, so the line count is complete.
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      clearInterval(sampler);
      resolve({ seconds: secondsSince(t0), code, signal, stdoutLines: lines, stderr, timedOut, cpuSeconds });
    });
  });
}
