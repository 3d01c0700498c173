/**
 * Streaming sinks: each takes one micro-batch's output as a batch DataFrame and its batch id.
 * A sink is idempotent per batch id where it can be (memory: a re-run batch replaces its rows;
 * files: see file-sink.ts), so a re-run after a crash does not duplicate output. The Kafka sink
 * is at-least-once, as Spark's: a batch re-run after a crash produces its records again.
 */
import type { DataFrame } from "../api/dataframe.js";
import { rowToObject } from "../api/row-convert.js";
import { showString } from "../api/show.js";
import { WeirError } from "../../util/errors.js";
import type { Row, StructType } from "../types.js";
import { TopicPartitionsCache, writeKafka } from "../io/kafka-sink.js";

/** Spark's output modes. */
export type OutputMode = "append" | "update" | "complete";

/** One sink of a query. */
export interface StreamSink {
  /** Spark's sink description in progress: `MemorySink`, `FileSink[/out]`. */
  readonly description: string;
  /** Writes batch `batchId`'s output; returns the rows written (-1 when unknown, as Spark reports for foreachBatch). */
  addBatch(batchId: number, data: DataFrame, mode: OutputMode): Promise<number>;
}

/** Spark's console sink: a header with the batch id, then show(numRows, truncate). */
export class ConsoleSink implements StreamSink {
  readonly description = "org.apache.spark.sql.execution.streaming.ConsoleTable$";
  constructor(
    private readonly numRows: number,
    private readonly truncate: boolean,
    private readonly write: (s: string) => void = (s) => process.stdout.write(s),
  ) {}

  async addBatch(batchId: number, data: DataFrame): Promise<number> {
    // One run of the batch: the rows give both the count and the table.
    const rows = await data.collectRows();
    const n = Math.max(0, this.numRows);
    const text = showString(data.schema, rows.slice(0, n), n, this.truncate ? 20 : 0, false, rows.length > n);
    this.write(`-------------------------------------------\nBatch: ${batchId}\n-------------------------------------------\n${text}\n`);
    return rows.length;
  }
}

/** The rows of one memory sink table, batch by batch. */
export class MemoryTable {
  private readonly batches = new Map<number, Row[]>();
  constructor(public schema: StructType) {}
  /** Every row so far, in batch order. */
  rows(): Row[] {
    return [...this.batches.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, r]) => r);
  }
  put(batchId: number, rows: Row[], replaceAll: boolean): void {
    if (replaceAll) this.batches.clear();
    this.batches.set(batchId, rows);
  }
}

/** The memory sink tables of each session, by query name (Spark registers them as temp views). */
const tablesBySession = new WeakMap<object, Map<string, MemoryTable>>();

/** The memory tables of a session. */
export function memoryTables(session: object): Map<string, MemoryTable> {
  let m = tablesBySession.get(session);
  if (m === undefined) tablesBySession.set(session, (m = new Map<string, MemoryTable>()));
  return m;
}

/** Spark's memory sink: rows kept in memory under the query name; complete mode replaces them. */
export class MemorySink implements StreamSink {
  readonly description = "MemorySink";
  constructor(private readonly table: MemoryTable) {}

  async addBatch(batchId: number, data: DataFrame, mode: OutputMode): Promise<number> {
    const rows = await data.collectRows();
    this.table.put(batchId, rows, mode === "complete");
    return rows.length;
  }
}

/** The function of foreachBatch. */
export type ForeachBatchFunction = (df: DataFrame, batchId: number) => Promise<void> | void;

/** foreachBatch: the user's function gets each batch as a DataFrame. */
export class ForeachBatchSink implements StreamSink {
  readonly description = "ForeachBatchSink";
  constructor(private readonly fn: ForeachBatchFunction) {}
  async addBatch(batchId: number, data: DataFrame): Promise<number> {
    await this.fn(data, batchId);
    return -1;
  }
}

/** Spark's ForeachWriter: open per partition and batch (return false to skip it), process each row, close. */
export interface ForeachWriter {
  open?(partitionId: number, epochId: number): boolean | Promise<boolean>;
  process(row: Record<string, unknown>): void | Promise<void>;
  close?(error: Error | null): void | Promise<void>;
}

/** foreach: rows as objects through a {@link ForeachWriter}, one output partition at a time. */
export class ForeachSink implements StreamSink {
  readonly description = "ForeachSink";
  constructor(private readonly writer: ForeachWriter | ((row: Record<string, unknown>) => void | Promise<void>)) {}
  async addBatch(batchId: number, data: DataFrame): Promise<number> {
    const w: ForeachWriter = typeof this.writer === "function" ? { process: this.writer } : this.writer;
    const toObject = rowToObject(data.schema);
    const streams = await data.execute();
    let n = 0;
    for (let p = 0; p < streams.length; p++) {
      const go = w.open === undefined ? true : await w.open(p, batchId);
      let failure: Error | null = null;
      try {
        if (go) {
          for await (const batch of streams[p]) {
            for (const row of batch) {
              await w.process(toObject(row));
              n++;
            }
          }
        }
      } catch (e) {
        failure = e instanceof Error ? e : new Error(String(e));
      }
      if (w.close !== undefined) await w.close(failure);
      if (failure !== null) throw failure;
    }
    return n;
  }
}

/**
 * Spark's Kafka sink (at-least-once: a re-run batch writes its records again). Like the Kafka
 * producer Spark keeps per sink, it keeps the topics' partition counts across batches for
 * `kafka.metadata.max.age.ms` (default 5 minutes) rather than asking for metadata every batch.
 */
export class KafkaSink implements StreamSink {
  readonly description: string;
  private readonly partitions = new TopicPartitionsCache();
  constructor(private readonly options: ReadonlyMap<string, string>) {
    const topic = [...options].find(([k]) => k.toLowerCase() === "topic")?.[1];
    this.description = `KafkaTable[${topic ?? "topic column"}]`;
  }
  async addBatch(_batchId: number, data: DataFrame): Promise<number> {
    const r = await writeKafka(data.session.logClient(), data, this.options, this.partitions);
    return r.records;
  }
}

/** Spark's message when a sink needs a checkpoint location. */
export function checkpointRequired(sink: string): WeirError {
  return new WeirError(
    "ANALYSIS",
    `checkpointLocation must be specified either through option("checkpointLocation", ...) or SparkSession.conf.set("spark.sql.streaming.checkpointLocation", ...) (sink: ${sink})`,
  );
}
