/**
 * Physical operators: each opens into one stream of row batches per output partition. Narrow
 * operators (project, filter, generate) map each input partition's stream on its own, so a
 * partition is one pipeline from its scan to the first exchange (aggregate, join, sort, distinct,
 * window), which reads all of its input partitions. A pipeline holds no shared state, which keeps
 * the door open to running partitions on worker threads.
 */
import { WeirError, isWeirError } from "../../util/errors.js";
import type { Row } from "../types.js";
import type { Attribute } from "../plan/expressions.js";

/**
 * Rows per output batch of operators that build batches themselves (sort, aggregate, join) and
 * of in-memory scans. Small enough that a batch and everything computed from it die young: V8's
 * scavenger costs what survives it, so the rows in flight should stay far below the young
 * generation (16 MiB semi-spaces by default).
 */
export const BATCH_ROWS = 1024;

/**
 * Partitions an exchange reads at the same time. One thread runs every pipeline, so reading more
 * than one partition at once gains no CPU, only more rows in flight (surviving scavenges: with 8
 * partitions of 5 000-row batches at once, garbage collection was ~40 % of a Kafka group-by's
 * time, against ~4 % one at a time with 1 024-row batches). I/O still overlaps computation: a
 * Kafka scan keeps its next fetch in flight while it decodes, file reads are streams. Measured
 * (bench:engine, CPU per 1 M rows, before from_json read bytes): 1 at a time 1.23 s, 2 at a time
 * 1.3-1.5 s, 8 at a time 1.55 s.
 */
export const PARTITIONS_IN_FLIGHT_MAX = 1;

/** What an operator needs while it runs. */
export interface ExecContext {
  /** Cancels the query; scans stop reading. */
  readonly signal: AbortSignal;
}

/** A stream of row batches. */
export type BatchStream = AsyncIterable<Row[]>;

/** A physical operator. */
export interface PhysicalOp {
  /** The operator's name in explain() (`HashAggregate`, `Filter`). */
  readonly name: string;
  readonly output: readonly Attribute[];
  readonly children: readonly PhysicalOp[];
  /** The operator's arguments for explain(): `[x#1, y#2]`, the condition. */
  describe(): string;
  /** Starts the operator: one stream per output partition. Streams only do work when iterated. */
  open(ctx: ExecContext): Promise<BatchStream[]>;
}

/** Applies `f` to every batch of a stream, dropping empty results. */
export async function* mapBatches(input: BatchStream, f: (batch: Row[]) => Row[]): BatchStream {
  for await (const batch of input) {
    let out: Row[];
    try {
      out = f(batch);
    } catch (e) {
      throw locateFailure(e, batch, f);
    }
    if (out.length > 0) yield out;
  }
}

/**
 * Where the rows of a batch came from, set by a source that can say it (the Kafka source:
 * `topic events, partition 2, offset 17`), so a row that fails (a FAILFAST parse, an ANSI
 * cast) is reported by its record.
 */
export const ROW_SOURCE: unique symbol = Symbol("weir.rowSource");

/** A batch that knows where each of its rows came from. */
export type SourcedBatch = Row[] & { [ROW_SOURCE]?: (index: number) => string };

/** Marks `batch` with where its rows came from (see {@link ROW_SOURCE}). */
export function setRowSource(batch: Row[], describe: (index: number) => string): void {
  (batch as SourcedBatch)[ROW_SOURCE] = describe;
}

/**
 * A runtime error of a batch from a source that knows its rows' origin, with the failing row's
 * origin added. The batch is re-evaluated row by row to find it: only on this error path, so
 * the hot path pays nothing.
 */
function locateFailure(e: unknown, batch: Row[], f: (batch: Row[]) => Row[]): unknown {
  const source = (batch as SourcedBatch)[ROW_SOURCE];
  if (source === undefined || !isWeirError(e, "EXECUTION") || e.details.record !== undefined) return e;
  for (let i = 0; i < batch.length; i++) {
    try {
      f([batch[i]]);
    } catch {
      const record = source(i);
      return new WeirError("EXECUTION", `${e.message} (record: ${record})`, { cause: e, details: { ...e.details, record } });
    }
  }
  return e;
}

/** Cuts a row array into batches of at most {@link BATCH_ROWS}. */
export function* chunk(rows: readonly Row[]): Generator<Row[]> {
  for (let i = 0; i < rows.length; i += BATCH_ROWS) yield rows.slice(i, i + BATCH_ROWS);
}

/** A stream whose rows are computed on first iteration (the body of an exchange). */
export async function* lazyStream(compute: () => Promise<readonly Row[]>): BatchStream {
  const rows = await compute();
  yield* chunk(rows);
}

/**
 * Reads every stream to its end, {@link PARTITIONS_IN_FLIGHT_MAX} at a time, and hands each batch
 * to `onBatch` with its partition's index.
 */
export async function drainAll(streams: readonly BatchStream[], onBatch: (partition: number, batch: Row[]) => void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < streams.length) {
      const p = next++;
      for await (const batch of streams[p]) onBatch(p, batch);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARTITIONS_IN_FLIGHT_MAX, streams.length) }, worker));
}

/** Collects all rows of the streams, in partition order. */
export async function collectAll(streams: readonly BatchStream[]): Promise<Row[]> {
  const parts: Row[][][] = streams.map(() => []);
  await drainAll(streams, (p, b) => parts[p].push(b));
  const out: Row[] = [];
  for (const batches of parts) for (const b of batches) for (const r of b) out.push(r);
  return out;
}

/** A list of attributes as explain() shows it: `[a#1, b#2]`. */
export function attrList(attrs: readonly Attribute[]): string {
  return `[${attrs.map((a) => `${a.name}#${a.id}`).join(", ")}]`;
}
