// Shared fixtures of the engine-core tests: a session stand-in and a ScanSource that splits rows
// into partitions and records what the planner asked of it (columns, filters) and how much was read.
import type { ScanOptions, ScanPartition, ScanSource } from "../../../src/engine/source.js";
import { parseSchema, type Row, type StructType } from "../../../src/engine/types.js";
import { DataFrame, type SessionLike } from "../../../src/engine/api/dataframe.js";

/** A session that has no log (enough for everything but Kafka writes). */
export const session: SessionLike = {
  logClient() {
    throw new Error("no log in these tests");
  },
};

/** What a {@link RecordingSource} saw. */
export interface ScanLog {
  options: ScanOptions[];
  batchesRead: number;
  rowsRead: number;
}

/** A source over internal rows, `partitions` partitions, `batchRows` rows per batch; logs requests. */
export class RecordingSource implements ScanSource {
  readonly description = "test";
  readonly schema: StructType;
  readonly log: ScanLog = { options: [], batchesRead: 0, rowsRead: 0 };

  constructor(
    schema: StructType | string,
    private readonly parts: readonly (readonly Row[])[],
    private readonly batchRows = 2,
  ) {
    this.schema = typeof schema === "string" ? parseSchema(schema) : schema;
  }

  partitions(): Promise<ScanPartition[]> {
    return Promise.resolve(
      this.parts.map((rows, i) => ({
        description: `part ${i}`,
        rows: (opts: ScanOptions) => this.read(rows, opts),
      })),
    );
  }

  private async *read(rows: readonly Row[], opts: ScanOptions): AsyncIterable<Row[]> {
    this.log.options.push(opts);
    for (let i = 0; i < rows.length; i += this.batchRows) {
      const batch = rows.slice(i, i + this.batchRows).map((r) => (opts.columns === undefined ? r.slice() : opts.columns.map((c) => r[c])));
      this.log.batchesRead++;
      this.log.rowsRead += batch.length;
      await Promise.resolve();
      yield batch;
    }
  }
}

/** A DataFrame over a RecordingSource. */
export function frame(schema: string, parts: readonly (readonly Row[])[], batchRows = 2): { df: DataFrame; source: RecordingSource } {
  const source = new RecordingSource(schema, parts, batchRows);
  return { df: DataFrame.fromSource(session, source), source };
}

/** Rows as plain arrays, sorted by their JSON text (for order-insensitive comparisons). */
export function sorted(rows: readonly Record<string, unknown>[]): unknown[][] {
  return rows.map((r) => Object.values(r)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}

/** Builds a frame from objects (schema inferred or given). */
export function rows(data: readonly object[] | readonly unknown[][], schema?: string | readonly string[]): DataFrame {
  return DataFrame.fromRows(session, data, schema);
}
