/**
 * A {@link ScanSource} over rows already in memory (createDataFrame). Rows are split into
 * partitions of at most {@link MEMORY_PARTITION_ROWS} so large local data still aggregates in
 * parallel pipelines.
 */
import type { ScanOptions, ScanPartition, ScanSource } from "../source.js";
import type { Row, StructType } from "../types.js";
import { BATCH_ROWS } from "./operator.js";

/** Rows per partition of an in-memory source. */
export const MEMORY_PARTITION_ROWS = 1_000_000;

/** See the module comment. */
export class MemorySource implements ScanSource {
  readonly description = "LocalRelation";

  constructor(
    readonly schema: StructType,
    private readonly rows: readonly Row[],
  ) {}

  partitions(): Promise<ScanPartition[]> {
    const parts: ScanPartition[] = [];
    const n = Math.max(1, Math.ceil(this.rows.length / MEMORY_PARTITION_ROWS));
    for (let p = 0; p < n; p++) {
      const from = p * MEMORY_PARTITION_ROWS;
      const until = Math.min(this.rows.length, from + MEMORY_PARTITION_ROWS);
      parts.push({ description: `rows [${from}, ${until})`, rows: (opts) => scan(this.rows, from, until, opts) });
    }
    return Promise.resolve(parts);
  }
}

async function* scan(rows: readonly Row[], from: number, until: number, opts: ScanOptions): AsyncIterable<Row[]> {
  const cols = opts.columns;
  for (let i = from; i < until; i += BATCH_ROWS) {
    if (opts.signal?.aborted === true) return;
    // Yield to the event loop between batches, as a real source would, so partitions interleave.
    if (i > from) await Promise.resolve();
    const end = Math.min(until, i + BATCH_ROWS);
    const batch: Row[] = new Array<Row>(end - i);
    for (let j = i; j < end; j++) {
      const r = rows[j];
      batch[j - i] = cols === undefined ? r.slice() : cols.map((c) => r[c]);
    }
    yield batch;
  }
}
