/**
 * Physical operators: each opens into one stream of row batches per output partition. Narrow
 * operators (project, filter, generate) map each input partition's stream on its own, so a
 * partition is one pipeline from its scan to the first exchange (aggregate, join, sort, distinct,
 * window), which reads all of its input partitions. A pipeline holds no shared state, which keeps
 * the door open to running partitions on worker threads.
 */
import type { Row } from "../types.js";
import type { Attribute } from "../plan/expressions.js";

/** Rows per output batch of operators that build batches themselves (sort, aggregate, join). */
export const BATCH_ROWS = 4096;

/** Partitions an exchange reads at the same time (bounds open files and fetches in flight). */
export const PARTITIONS_IN_FLIGHT_MAX = 8;

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
    const out = f(batch);
    if (out.length > 0) yield out;
  }
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
 * Reads every stream to its end, up to {@link PARTITIONS_IN_FLIGHT_MAX} at a time (so I/O of
 * different partitions overlaps without opening everything at once), and hands each batch to
 * `onBatch` with its partition's index.
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
