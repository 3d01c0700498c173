/**
 * Fixtures of the streaming tests: a temporary directory with an embedded log, producing records,
 * waiting for a query's progress, and the child-process machinery of the kill tests (a child
 * running a query, killed with SIGKILL at a chosen point; a producer that keeps writing meanwhile).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Weir } from "../../../src/engine/session.js";
import { buildBatch } from "../../../src/protocol/records/index.js";
import type { StreamingQuery } from "../../../src/engine/stream/query.js";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import { col, explode, split } from "../../../src/engine/api/functions.js";

/** A session over a fresh log in a temporary directory. */
export interface StreamFixture {
  readonly dir: string;
  readonly weir: Weir;
  /** Produces string values (keys optional) into `topic`/`partition`. */
  produce(topic: string, values: readonly string[], partition?: number, timestampMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function streamFixture(topics: Record<string, number> = {}): Promise<StreamFixture> {
  const dir = await mkdtemp(join(tmpdir(), "weir-stream-test-"));
  const weir = await Weir.embedded({ dataDir: join(dir, "log") });
  for (const [t, n] of Object.entries(topics)) await weir.logClient().createTopic(t, n);
  return {
    dir,
    weir,
    async produce(topic, values, partition = 0, timestampMs) {
      if (values.length === 0) return;
      await weir.logClient().produce(topic, partition, buildBatch(values.map((v) => ({ key: null, value: Buffer.from(v), ...(timestampMs === undefined ? {} : { timestamp: timestampMs }) }))));
    },
    async close() {
      await weir.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `cond` holds, polling; fails after `ms`. */
export async function eventually(cond: () => boolean | Promise<boolean>, ms = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the query has reported a progress for `batchId`. */
export async function awaitBatch(q: StreamingQuery, batchId: number, ms = 10_000): Promise<void> {
  await eventually(() => {
    const e = q.exception();
    if (e !== null) throw e;
    return q.recentProgress.some((p) => p.batchId >= batchId);
  }, ms, `batch ${batchId}`);
}

/** When {@link runStreamChild} kills its child. */
export type KillPoint =
  /** `batches` committed batches into the run (lines `batch <id> ...`; 0: once it printed `started`), then `afterMs` later: between batches or inside one. */
  | { readonly batches: number; readonly afterMs: number }
  /**
   * `batches` committed batches into the run, then as soon as `when()` holds (polled every
   * millisecond), e.g. the moment the sink's output grows: right after the sink wrote a batch
   * and before the batch's commit, where an exactly-once sink must not write it twice.
   */
  | { readonly batches: number; readonly when: () => boolean | Promise<boolean> };

/** What a child run of {@link runStreamChild} gave. */
export interface StreamChildRun {
  /** The exit code; null when the child was killed (by the kill point or the time limit). */
  readonly code: number | null;
  /** Everything the child printed on stdout. */
  readonly stdout: string;
  /** The `batch <id>` lines it printed: the batches it committed (reported by its progress listener). */
  readonly batchLines: readonly string[];
}

/**
 * Runs a TypeScript child (through tsx) that prints `started` once its query runs and one
 * `batch <id> ...` line per committed batch. With `kill`, SIGKILLs it at that point (counting
 * this run's batches only), so the kill lands inside a run however fast the machine is. A child
 * that exits non-zero rejects with its stderr; one still running after `limitMs` is killed and
 * rejects too (a query that stopped making progress must fail the test, not hang it).
 */
export function runStreamChild(script: string, args: readonly string[], kill: KillPoint | null, limitMs = 120_000): Promise<StreamChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    let killTimer: NodeJS.Timeout | null = null;
    let overLimit = false;
    const limit = setTimeout(() => {
      overLimit = true;
      child.kill("SIGKILL");
    }, limitMs);
    const batchLines = (): string[] => stdout.split("\n").filter((l) => /^batch \d+\b/.test(l));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (kill === null || killTimer !== null || !/^started$/m.test(stdout)) return;
      if (batchLines().length < kill.batches) return;
      if ("afterMs" in kill) {
        killTimer = setTimeout(() => child.kill("SIGKILL"), kill.afterMs);
        return;
      }
      const when = kill.when;
      const poll = (): void => {
        void Promise.resolve(when()).then(
          (yes) => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            if (yes) child.kill("SIGKILL");
            else killTimer = setTimeout(poll, 1);
          },
          (e: unknown) => {
            child.kill("SIGKILL");
            reject(e instanceof Error ? e : new Error(String(e)));
          },
        );
      };
      killTimer = setTimeout(poll, 0);
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(limit);
      if (killTimer !== null) clearTimeout(killTimer);
      if (overLimit) return reject(new Error(`child ${script} still ran after ${limitMs} ms; stdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr.slice(-2000)}`));
      if (signal === "SIGKILL" && kill !== null) return resolve({ code: null, stdout, batchLines: batchLines() });
      if (code !== 0) return reject(new Error(`child ${script} exited ${code ?? signal}: ${stderr.slice(-4000)}`));
      resolve({ code, stdout, batchLines: batchLines() });
    });
  });
}

/** A small deterministic random sequence in [0, 1) (so a failing kill sequence can be replayed with its seed). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Batch ids that have a `commits/<id>` file in checkpoint `cp`, ascending. */
export async function committedBatchIds(cp: string): Promise<number[]> {
  return (await readdir(join(cp, "commits")).catch(() => [] as string[]))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Produces into a topic at a steady pace while a test kills and restarts a query: every
 * `tickMs`, `perTick` more records from `record(i)` (i = 0, 1, 2, ... across the whole run), record
 * i going to partition i % partitions. `stop()` ends it after the tick in flight; `produced` is
 * the number of records written; `lines[p]` lists the record numbers of partition p in offset order.
 */
export class PacedProducer {
  produced = 0;
  readonly lines: number[][];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(
    private readonly weir: Weir,
    private readonly topic: string,
    private readonly partitions: number,
    private readonly record: (i: number) => { value: string; key?: string; timestamp?: number },
    private readonly opts: { tickMs: number; perTick: number; max: number },
  ) {
    this.lines = Array.from({ length: partitions }, () => []);
  }

  /** Starts producing. */
  start(): void {
    this.timer = setInterval(() => {
      if (this.produced >= this.opts.max) return;
      this.inFlight = this.inFlight.then(() => this.produceNext(this.opts.perTick)).catch((e: unknown) => void (this.failure ??= e instanceof Error ? e : new Error(String(e))));
    }, this.opts.tickMs);
  }

  /** Produces the next `n` records now (also usable without start()). */
  async produceNext(n: number): Promise<void> {
    const first = this.produced;
    const count = Math.min(n, this.opts.max - first);
    if (count <= 0) return;
    this.produced += count;
    const perPartition: { key: Buffer | null; value: Buffer; timestamp?: number }[][] = Array.from({ length: this.partitions }, () => []);
    for (let i = first; i < first + count; i++) {
      const r = this.record(i);
      perPartition[i % this.partitions].push({ key: r.key === undefined ? null : Buffer.from(r.key), value: Buffer.from(r.value), ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }) });
      this.lines[i % this.partitions].push(i);
    }
    for (let p = 0; p < this.partitions; p++) {
      if (perPartition[p].length > 0) await this.weir.logClient().produce(this.topic, p, buildBatch(perPartition[p]));
    }
  }

  /** Stops producing; resolves once the last tick is written; rethrows a produce failure. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
    if (this.failure !== null) throw this.failure;
  }
}

/** True when checkpoint `cp` has a planned batch without its commit (a run stopped inside that batch). */
export async function insideBatch(cp: string): Promise<boolean> {
  const offsets = (await readdir(join(cp, "offsets")).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).map(Number);
  const newest = offsets.length === 0 ? -1 : Math.max(...offsets);
  return newest > ((await committedBatchIds(cp)).at(-1) ?? -1);
}

/** The streaming word count over a topic read from its earliest offsets: `explode(split(value, "\\s+"))`, groupBy word, count. */
export async function wordCountStream(weir: Weir, topic: string): Promise<DataFrame> {
  return (await weir.readStream.format("kafka").option("subscribe", topic).option("startingOffsets", "earliest").load())
    .select(explode(split(col("value").cast("string"), "\\s+")).alias("word"))
    .groupBy("word")
    .count();
}

/**
 * Runs `df` once over what its sources hold (Trigger.AvailableNow) into the memory table
 * `table`, complete mode, on checkpoint `cp`; returns the table's rows.
 */
export async function runToMemoryOnce(weir: Weir, df: DataFrame, table: string, cp: string): Promise<Record<string, unknown>[]> {
  const q = await df.writeStream.format("memory").queryName(table).outputMode("complete").option("checkpointLocation", cp).trigger({ availableNow: true }).start();
  await q.awaitTermination();
  return weir.table(table).collect();
}

/** Word count rows as `{ word: count }`, sorted by word. */
export function byWord(rows: Record<string, unknown>[]): Record<string, number> {
  return Object.fromEntries(rows.map((r): [string, number] => [String(r.word), Number(r.count)]).sort());
}
