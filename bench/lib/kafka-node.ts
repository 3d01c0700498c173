/**
 * Apache Kafka and its tools as children of a benchmark: every JVM started here dies with this
 * process, however it ends (an exit hook, SIGINT/SIGTERM, and the kernel's parent-death signal).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cachePaths } from "../../scripts/harness/cache.js";
import { javaTool, kafkaHost, prepareKafka, recordJvmPid } from "../../scripts/harness/kafka.js";
import { probeMetadata } from "../../scripts/harness/probe.js";
import { kafkaJars } from "../../scripts/harness/versions.js";
import { procStats } from "./processes.js";
import { msSince, secondsSince } from "./stats.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const kafkaClasspath = (): string => join(cachePaths().jarSetDir(kafkaJars.name), "lib", "*");

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHooked = false;

/** Installs the exit hook that kills tracked children and removes tracked dirs (idempotent). */
export function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once("exit", () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  // bench/lib/processes.ts does the same for the Weir broker; both end in process.exit.
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => process.exit(130));
}

/** SIGKILLs every tracked child still running. */
export function killTrackedChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/** Spawns a child that the kernel kills if we die without running our exit hook (setpriv, util-linux). */
export function spawnTracked(cmd: string, args: readonly string[], cwd?: string): ChildProcess {
  hookExit();
  const [c, a] = existsSync("/usr/bin/setpriv") ? ["/usr/bin/setpriv", ["--pdeathsig", "SIGKILL", "--", cmd, ...args]] : [cmd, [...args]];
  const child = spawn(c, a, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function exitOf(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

/** SIGTERM, SIGKILL after `graceMs`; resolves once the child is gone. */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  const gone = exitOf(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(timer);
}

/** A Kafka node started by {@link startKafkaNode}. */
export interface KafkaNode {
  pid: number;
  host: string;
  port: number;
  bootstrap: string;
  /** Spawn to ready, ms. */
  readyMs: number;
  /** Formatting the storage (a JVM of its own) before the spawn, ms. */
  formatMs: number;
  stop(): Promise<void>;
}

/**
 * Starts Apache Kafka from the harness cache as a tracked child (storage formatted first, not
 * timed as start-up) and resolves when a Metadata request lists it, polled every `readyPollMs`.
 */
export async function startKafkaNode(opts: { heapMb: number; readyTimeoutMs: number; readyPollMs: number }): Promise<KafkaNode> {
  const { heapMb, readyTimeoutMs, readyPollMs } = opts;
  const t0 = process.hrtime.bigint();
  const prepared = await prepareKafka({ heapMb });
  dirs.add(prepared.dir);
  hookExit();
  const formatMs = msSince(t0);
  const t1 = process.hrtime.bigint();
  const child = spawnTracked(javaTool("java"), prepared.javaArgs, prepared.dir);
  let out = "";
  const keep = (d: Buffer): void => void (out = (out + d.toString()).slice(-8192));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const pid = child.pid!;
  recordJvmPid(prepared.dir, pid);
  const stop = async (): Promise<void> => {
    await terminate(child, 30_000);
    rmSync(prepared.dir, { recursive: true, force: true });
    dirs.delete(prepared.dir);
  };
  // Ready as the harness defines it (a Metadata answer listing the node), polled more often.
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Kafka exited before it was ready: ${out}`);
    try {
      const answer = await probeMetadata(kafkaHost, prepared.port, 1000);
      if (answer.brokers.some((x) => x.port === prepared.port)) break;
    } catch {
      // Not listening yet.
    }
    if (msSince(t1) > readyTimeoutMs) {
      await stop();
      throw new Error(`Kafka not ready within ${readyTimeoutMs} ms: ${out}`);
    }
    await sleep(readyPollMs);
  }
  const readyMs = msSince(t1);
  return { pid, host: kafkaHost, port: prepared.port, bootstrap: prepared.bootstrap, readyMs, formatMs, stop };
}


/** What a Kafka tool run gave. */
export interface ToolRun {
  seconds: number;
  stdout: string;
  /** The tool JVM's own user + system CPU seconds (sampled every 100 ms, so up to 100 ms short). */
  cpuSeconds: number;
}

/** Runs a Kafka tool main class (e.g. ProducerPerformance) from the harness cache as a tracked JVM. */
export async function runKafkaTool(mainClass: string, args: readonly string[], opts: { heap: string; timeoutMs: number }): Promise<ToolRun> {
  const t0 = process.hrtime.bigint();
  const child = spawnTracked(javaTool("java"), [opts.heap, "-cp", kafkaClasspath(), mainClass, ...args]);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => void (stdout = (stdout + d.toString()).slice(-65536)));
  child.stderr!.on("data", (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-8192)));
  let cpuSeconds = 0;
  const sampler = setInterval(() => (cpuSeconds = procStats(child.pid!)?.cpuSeconds ?? cpuSeconds), 100);
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  clearInterval(sampler);
  clearTimeout(timer);
  const name = mainClass.slice(mainClass.lastIndexOf(".") + 1);
  if (code !== 0) throw new Error(`${name} ${args.join(" ")} exited with ${code}:\n${stdout.slice(-3000)}\n${stderr}`);
  return { seconds: secondsSince(t0), stdout, cpuSeconds };
}

