/**
 * What running a pipeline reports: events while it runs (plain JSON-serializable objects, which
 * `weir run --json` prints one per line) and the summaries returned at the end.
 */

/** How a pipeline reaches its log. */
export type PipelineSessionOptions =
  /** The embedded log in this directory (created when missing). */
  | { readonly dataDir: string }
  /** Weir brokers or a Kafka cluster over the wire. */
  | { readonly bootstrapServers: string; readonly clientId?: string; readonly operationTimeoutMs?: number };

/** The resolved offsets of one partition in a replay: the records [fromOffset, untilOffset). */
export interface ReplayRange {
  /** The source, as progress describes it: `KafkaV2[Subscribe[clicks]]`. */
  readonly source: string;
  readonly topic: string;
  readonly partition: number;
  readonly fromOffset: number;
  readonly untilOffset: number;
}

/** An event of a running pipeline. */
export type PipelineEvent =
  | { readonly event: "started"; readonly pipeline: string; readonly mode: "run" | "replay"; readonly session: "embedded" | "remote" }
  | { readonly event: "query-started"; readonly query: string; readonly id: string; readonly runId: string }
  | {
      readonly event: "progress";
      /** The query's name, or `query-N` (N counting from 1 in start order) when unnamed. */
      readonly query: string;
      readonly id: string;
      readonly batchId: number;
      readonly inputRows: number;
      /** Rows the sink wrote; -1 when the sink cannot tell (foreachBatch). */
      readonly outputRows: number;
      readonly durationMs: number;
      /** The batch's watermark (ISO 8601), null without one. */
      readonly watermark: string | null;
      readonly sink: string;
      /** When the batch's trigger started (ISO 8601). */
      readonly timestamp: string;
    }
  | { readonly event: "query-terminated"; readonly query: string; readonly id: string; readonly error: string | null }
  | { readonly event: "log"; readonly level: "info" | "warn"; readonly message: string }
  | { readonly event: "kafka-ranges"; readonly source: string; readonly ranges: readonly ReplayRange[] };

/** One query of a finished run. */
export interface QuerySummary {
  /** Its name, or `query-N`. */
  readonly query: string;
  readonly id: string;
  readonly sink: string | null;
  readonly batches: number;
  readonly inputRows: number;
  /** Rows written, -1 when the sink cannot tell. */
  readonly outputRows: number;
  /** Why it failed, null when it did not. */
  readonly error: string | null;
}

/** What `runPipeline` returns once the pipeline has stopped. */
export interface PipelineRunSummary {
  readonly pipeline: string;
  readonly mode: "run" | "replay";
  /** `finished`: every query ended by itself; `stopped`: the run was asked to stop (Ctrl-C). */
  readonly stoppedBy: "finished" | "stopped";
  readonly durationMs: number;
  readonly batches: number;
  readonly inputRows: number;
  readonly queries: readonly QuerySummary[];
}

/** One output of a replay. */
export interface ReplayOutputSummary {
  readonly name: string;
  /** Absolute path under the replay's output directory. */
  readonly path: string;
  /** Rows written (sum of the sink's output rows over the batches). */
  readonly rows: number;
  /** `file` for a file sink named by ctx.output, `kafka` for a Kafka sink turned into JSON files. */
  readonly kind: "file" | "kafka";
}

/** What `replayPipeline` returns. */
export interface PipelineReplaySummary extends PipelineRunSummary {
  readonly fromMs: number;
  readonly toMs: number;
  readonly outputDir: string;
  /** Records the Kafka sources read (each query counts its own). */
  readonly recordsRead: number;
  /** Records in the resolved offset ranges (each query counts its own). */
  readonly recordsTotal: number;
  readonly outputs: readonly ReplayOutputSummary[];
  readonly ranges: readonly ReplayRange[];
}
