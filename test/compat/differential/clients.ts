/**
 * The client families of the differential suite, each run the same way against either target:
 * kcat and the kafka-python scripts as child processes (test/compat/helpers.ts), the Java driver
 * through the harness (test/harness/java/WeirClientDriver.java), kafkajs and @platformatic/kafka in
 * this process, and a raw socket for requests no client sends on purpose.
 */
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, logLevel, type RetryOptions } from "kafkajs";
import { javaClient, type DriverEvent } from "../../harness/harness.js";
import { python, run } from "../helpers.js";
import type { Ctx, Json } from "./framework.js";

/**
 * Polls `check` (every 250 ms, for up to `timeoutMs`) until it is true; whether it became true.
 * For what a broker makes visible asynchronously — Kafka's brokers learn of a created or deleted
 * topic from the controller a moment after the admin call answered — so the observation is the
 * outcome, not the race.
 */
export async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

/** Calls `fn` until it resolves (every 250 ms, for up to `timeoutMs`), for the same reason as {@link until}. */
export async function retrying<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(250);
    }
  }
}

// ---- kcat ----

export interface KcatResult {
  code: number | null;
  stdout: string[];
  /** stderr lines with librdkafka's log timestamps removed (`%4|1712345678.123|` → `%4|`). */
  stderr: string[];
}

/**
 * Runs kcat against the target; never throws for a non-zero exit (bad paths are observed).
 * `runForMs` runs a kcat that would not end by itself (a consumer without -e) for that long, then
 * kills it; give it -u so its output is not lost in a buffer.
 */
export async function kcat(ctx: Ctx, args: readonly string[], opts: { input?: string | Buffer; timeoutMs?: number; runForMs?: number } = {}): Promise<KcatResult> {
  const r = await run("kcat", ["-b", ctx.target.bootstrap, ...args], { input: opts.input ?? "", timeoutMs: opts.runForMs ?? opts.timeoutMs ?? 30_000 });
  if (r.timedOut && opts.runForMs === undefined) throw new Error(`kcat ${args.join(" ")} timed out on ${ctx.target.kind}\n${r.stderr.slice(-2000)}`);
  const split = (s: string): string[] => s.split("\n").filter((l) => l.length > 0);
  return { code: r.code, stdout: split(r.stdout), stderr: split(r.stderr).map((l) => l.replace(/^%(\d)\|\d+\.\d+\|/, "%$1|")) };
}

/** A record as `kcat -C -J` prints it. */
interface KcatJsonRecord {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  broker: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

/**
 * kcat's JSON records (one per line; other lines are an error). `timestamps` says how to compare
 * ts: "clock" for CreateTimes librdkafka took itself, "exact" for ones the test set.
 */
export function kcatRecords(ctx: Ctx, lines: readonly string[], timestamps: "clock" | "exact"): Json[] {
  const records = lines.map((l) => JSON.parse(l) as KcatJsonRecord);
  const ts = new Map<KcatJsonRecord, Json>();
  if (timestamps === "clock") {
    // One producer's records of a partition, in offset order, carry non-decreasing CreateTimes.
    for (const p of new Set(records.map((r) => r.partition))) {
      const mine = records.filter((r) => r.partition === p).sort((a, b) => a.offset - b.offset);
      ctx.clocks(mine.map((r) => r.ts)).forEach((c, i) => ts.set(mine[i], c));
    }
  }
  return records.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    tstype: r.tstype,
    ts: ts.get(r) ?? r.ts,
    broker: r.broker,
    headers: r.headers ?? null,
    key: r.key,
    payload: r.payload,
  }));
}

// ---- kafka-python ----

/** Runs test/compat/py/<script> with `{bootstrap, ...arg}` on stdin; its JSON answer. */
export function py<T = Json>(ctx: Ctx, script: string, arg: Record<string, unknown>): Promise<T> {
  return python<T>(script, { bootstrap: ctx.target.bootstrap, ...arg }, { timeoutMs: 60_000 });
}

// ---- the Java client ----

export interface JavaRun {
  code: number | null;
  events: DriverEvent[];
}

/** Runs a WeirClientDriver scenario against the target (client `--config`s from `config`). */
export async function java(ctx: Ctx, scenario: string, args: readonly string[], config: Record<string, string> = {}): Promise<JavaRun> {
  const r = await javaClient(scenario, ["--bootstrap", ctx.target.bootstrap, ...args], { config, timeoutMs: 90_000 });
  if (r.code === null || r.code === 2) throw new Error(`java ${scenario} on ${ctx.target.kind}: exit ${r.code}\n${r.stderr.slice(-3000)}`);
  return { code: r.code, events: r.events };
}

/** The driver's events as JSON, without those named in `drop`. */
export function events(r: JavaRun, drop: readonly string[] = []): Json[] {
  return r.events.filter((e) => !drop.includes(e.event)).map((e) => JSON.parse(JSON.stringify(e)) as Json);
}

// ---- kafkajs ----

/** A kafkajs client for the target: quiet, with short retries so bad paths end quickly. */
export function kafkajs(ctx: Ctx, retry: RetryOptions = { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 }): Kafka {
  return new Kafka({ clientId: "weir-diff", brokers: [ctx.target.bootstrap], logLevel: logLevel.NOTHING, retry });
}

// ---- raw wire ----

export interface RawAnswer {
  /** The response frame (without its size prefix), or null when the broker closed the connection instead. */
  frame: Buffer | null;
  closed: boolean;
}

/**
 * Sends one hand-encoded request (header v1: api key, version, correlation id 7, client id; header
 * v2 adds an empty tagged-field section) and `body`, and waits for its answer or the connection's
 * end. Shares no code with Weir's codec, so a codec bug cannot hide itself.
 */
export function rawRequest(ctx: Ctx, apiKey: number, version: number, body: Buffer, opts: { headerVersion?: 1 | 2; timeoutMs?: number } = {}): Promise<RawAnswer> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const clientId = Buffer.from("weir-diff", "utf8");
  const header = Buffer.alloc(10 + clientId.length + (opts.headerVersion === 2 ? 1 : 0));
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(7, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ctx.target.host, port: ctx.target.port });
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = (a: RawAnswer | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (a instanceof Error) reject(a);
      else resolve(a);
    };
    const timer = setTimeout(() => done(new Error(`no answer to api ${apiKey} v${version} from ${ctx.target.kind} in ${timeoutMs} ms`)), timeoutMs);
    socket.once("connect", () => socket.write(Buffer.concat([size, header, body])));
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) done({ frame: buf.subarray(4, 4 + buf.readInt32BE(0)), closed: false });
    });
    socket.once("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? done({ frame: null, closed: true }) : done(e)));
    socket.once("close", () => done({ frame: null, closed: true }));
  });
}
