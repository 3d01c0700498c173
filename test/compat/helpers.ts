/**
 * Shared machinery of the compatibility suite: a broker in a temp dir on a free port, and child
 * processes (kcat, kafka-python scripts) run with a hard timeout so none outlives its test.
 *
 * The broker runs in the test process so a test can look at what was stored (the codec of a batch,
 * a topic's config); the clients therefore run asynchronously, never with spawnSync, which would
 * block the broker's event loop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Broker } from "../../src/broker/broker.js";
import type { BrokerConfig } from "../../src/broker/config.js";
import type { TopicConfig } from "../../src/log/index.js";
import { batchesIn, compressionOf, type CompressionCodec } from "../../src/protocol/records/index.js";

/** kafka-python 2.0.2 does not import on Python ≥ 3.12; Debian's python3-kafka runs on this one. */
export const PYTHON = "/usr/bin/python3";
/** Where the python driver scripts live. */
export const PY_DIR = fileURLToPath(new URL("./py/", import.meta.url));
/** Default time limit of one child process. */
export const CHILD_TIMEOUT_MS = 30_000;

/** A broker started for a test file, with the temp dir it owns. */
export interface TestBroker {
  broker: Broker;
  /** "127.0.0.1:PORT", as clients take it. */
  bootstrap: string;
  port: number;
  dataDir: string;
  /** Stops the broker and removes its temp dir. */
  stop(): Promise<void>;
}

/** Starts a broker on 127.0.0.1, port 0, in a fresh temp dir; maintenance rounds off. */
export async function startBroker(config: Partial<BrokerConfig> = {}, topicDefaults: Partial<TopicConfig> = {}): Promise<TestBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), "weir-compat-"));
  try {
    const broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir, ...config }, { maintenanceIntervalMs: 0, topicDefaults });
    const port = broker.address.port;
    return {
      broker,
      bootstrap: `127.0.0.1:${port}`,
      port,
      dataDir,
      async stop() {
        try {
          await broker.stop();
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

/** What a finished child process left behind. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the child was killed for running past its time limit. */
  timedOut: boolean;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed. */
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const live = new Set<ChildProcess>();
// A test that fails or times out must not leave a client running: kill whatever is left.
process.on("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

/** Runs `cmd args` to completion (or SIGKILL at the time limit), collecting its output. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? CHILD_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env: opts.env ?? process.env });
    live.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => {
      clearTimeout(timer);
      live.delete(child);
      reject(new Error(`cannot run ${cmd}: ${e.message}`, { cause: e }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), timedOut });
    });
    // A child that exits without reading all its input makes the write fail with EPIPE; the
    // exit code tells the story, so the stream error is only kept from crashing the test.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** The repository root, where the CLI runs from. */
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A `weir broker` process started by {@link startCliBroker}. */
export interface CliBroker {
  bootstrap: string;
  /** Sends `signal` and resolves once the process exited (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<RunResult>;
}

/**
 * Runs `weir broker --port 0 ...args` as users do (through tsx) and waits for its one line
 * `weir broker ready on HOST:PORT`. Fails, killing the process, if that line does not come.
 */
export function startCliBroker(args: readonly string[], readyTimeoutMs = 30_000): Promise<CliBroker> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "broker", "--port", "0", ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const exited = new Promise<RunResult>((resolve) => {
    child.on("close", (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut: false });
    });
  });
  const stop = async (signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<RunResult> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    try {
      const r = await exited;
      return { ...r, timedOut: r.signal === "SIGKILL" && signal !== "SIGKILL" };
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop("SIGKILL").then((r) => reject(new Error(describeFailure(`weir broker did not print its ready line in ${readyTimeoutMs} ms;`, r))));
    }, readyTimeoutMs);
    const onData = (): void => {
      const m = /^weir broker ready on (\S+):(\d+)$/m.exec(stdout);
      if (m === null) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      resolve({ bootstrap: `${m[1]}:${m[2]}`, stop });
    };
    child.stdout.on("data", onData);
    void exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(describeFailure("weir broker exited before it was ready;", r)));
    });
  });
}

/** Describes a failed child for an assertion message. */
export function describeFailure(what: string, r: RunResult): string {
  const how = r.timedOut ? "timed out" : r.signal !== null ? `died of ${r.signal}` : `exited ${r.code}`;
  return `${what} ${how}\n--- stderr ---\n${r.stderr.slice(-4000)}\n--- stdout ---\n${r.stdout.slice(-2000)}`;
}

/** Runs kcat against `bootstrap`; throws with its stderr unless it exits 0. */
export async function kcat(bootstrap: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run("kcat", ["-b", bootstrap, ...args], opts);
  if (r.code !== 0) throw new Error(describeFailure(`kcat ${args.join(" ")}`, r));
  return r.stdout;
}

/**
 * Runs test/compat/py/<script> with a JSON argument on stdin and returns the JSON it prints on
 * stdout (its last line). Throws with the script's stderr unless it exits 0.
 */
export async function python<T>(script: string, arg: unknown, opts: Omit<RunOptions, "input"> = {}): Promise<T> {
  // -B: no __pycache__ beside the scripts in the source tree.
  const r = await run(PYTHON, ["-B", join(PY_DIR, script)], { ...opts, input: JSON.stringify(arg) });
  if (r.code !== 0) throw new Error(describeFailure(`python ${script}`, r));
  const lines = r.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** The codec and record count of every batch stored in a partition, in offset order. */
export function storedBatches(broker: Broker, topic: string, partition: number): { baseOffset: number; codec: CompressionCodec; records: number }[] {
  const log = broker.log.partition(topic, partition);
  const out: { baseOffset: number; codec: CompressionCodec; records: number }[] = [];
  let offset = log.logStartOffset();
  while (offset < log.highWatermark()) {
    const { records } = log.read(offset, 16 * 1024 * 1024);
    if (records.length === 0) break;
    for (const { header } of batchesIn(records, { partialTail: "stop" })) {
      if (header.baseOffset + header.lastOffsetDelta < offset) continue;
      out.push({ baseOffset: header.baseOffset, codec: compressionOf(header.attributes), records: header.recordsCount });
      offset = header.baseOffset + header.lastOffsetDelta + 1;
    }
  }
  return out;
}


/** Parses kcat's -f output, one line per record, into space-separated fields. */
export function lines(out: string): string[] {
  return out.split("\n").filter((l) => l.length > 0);
}
