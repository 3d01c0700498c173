/**
 * Weir's public API: a Kafka-wire event log and a Spark-style engine in one package.
 *
 *   import { Weir, col, F } from "weir";
 *   const weir = await Weir.embedded({ dataDir: "./weir-data" });
 *   const df = await weir.read.format("kafka").option("subscribe", "events").load();
 *   await df.select(F.from_json(col("value").cast("string"), "user STRING, amount INT").alias("e")).show();
 *
 * Function builders are exported one by one (Spark's `from pyspark.sql.functions import col`)
 * and as the namespaces `F` and `functions` (`import pyspark.sql.functions as F`).
 */

// Sessions.
export { Weir } from "./engine/session.js";
export type { ConnectSessionOptions, EmbeddedSessionOptions } from "./engine/session.js";
export { RuntimeConfig } from "./engine/api/conf.js";
export type { ConfValue, WatermarkPolicy } from "./engine/api/conf.js";

// DataFrames, columns, functions, windows.
export { DataFrame } from "./engine/api/dataframe.js";
export { GroupedData } from "./engine/api/grouped.js";
export { Column } from "./engine/api/column.js";
export type { ColumnLike } from "./engine/api/column.js";
export { Window, WindowSpec } from "./engine/api/window.js";
export * from "./engine/api/functions.js";
export * as F from "./engine/api/functions.js";
export * as functions from "./engine/api/functions.js";
export { DataFrameReader } from "./engine/io/reader.js";
export { DataFrameWriter } from "./engine/io/writer.js";

// Structured Streaming.
export { DataStreamReader } from "./engine/stream/reader.js";
export { DataStreamWriter } from "./engine/stream/writer.js";
export type { TriggerOptions } from "./engine/stream/writer.js";
export { StreamingQuery, StreamingQueryException, StreamingQueryManager } from "./engine/stream/query.js";
export type {
  QueryIdleEvent,
  QueryProgressEvent,
  QueryStartedEvent,
  QueryTerminatedEvent,
  SourceProgress,
  StateOperatorProgress,
  StreamingQueryListener,
  StreamingQueryProgress,
  StreamingQueryStatus,
} from "./engine/stream/progress.js";
export type { ForeachBatchFunction, ForeachWriter, OutputMode } from "./engine/stream/sinks.js";
export type {
  FlatMapGroupsWithStateFunction,
  FlatMapGroupsWithStateOptions,
  GroupRow,
  GroupState,
  GroupStateOutputMode,
  GroupStateTimeout,
  JsonValue,
  MapGroupsWithStateFunction,
  MapGroupsWithStateOptions,
} from "./engine/stream/group-state.js";

// Pipelines for `weir run` and `weir replay` (docs/pipelines.md).
export { definePipeline, readReplayMarker, replayPipeline, runPipeline } from "./pipeline/index.js";
export type {
  Pipeline,
  PipelineContext,
  PipelineEvent,
  PipelineLogger,
  PipelineReplayInfo,
  PipelineReplaySummary,
  PipelineResult,
  PipelineRunSummary,
  PipelineSessionOptions,
  PipelineSpec,
  ReplayOutputSummary,
  ReplayPipelineOptions,
  ReplayRange,
  RunPipelineOptions,
} from "./pipeline/index.js";
export type { KafkaReplayRanges, ReplaySinkDecision, ReplaySinkRequest, StreamReplay } from "./engine/stream/replay.js";

// Data types and their constructors.
export {
  BinaryType,
  BooleanType,
  ByteType,
  DateType,
  DoubleType,
  FloatType,
  IntegerType,
  LongType,
  NullType,
  ShortType,
  StringType,
  TimestampType,
  arrayOf,
  field,
  mapOf,
  parseDataType,
  parseSchema,
  simpleString,
  // Top-level `struct` is Spark's functions.struct (a column); the type constructor is `structOf`.
  struct as structOf,
  treeString,
  typeName,
} from "./engine/types.js";
export type { ArrayType, AtomicType, DataType, MapType, Row, StructField, StructType, TypeKind } from "./engine/types.js";

// The log: the engine's view of it, and the broker that serves it over the Kafka protocol.
export { EmbeddedLogClient } from "./client/embedded.js";
export { RemoteLogClient } from "./client/remote.js";
export type { LogClient, LogFetchResult, LogProduceResult, LogTopicInfo, LogTopicPartition } from "./client/log-client.js";
export { Broker } from "./broker/broker.js";
export type { BrokerConfig } from "./broker/config.js";

// Connectors.
export { startHttpIngest, INGEST_ERRORS, IngestError } from "./connectors/http-ingest/index.js";
export type { HttpIngest, HttpIngestOptions, IngestErrorKind } from "./connectors/http-ingest/index.js";
export { defaultSlackMessage, sendWebhook, webhookSink } from "./connectors/webhook/index.js";
export type { SlackBlock, SlackMessage, WebhookDelivery, WebhookDeliveryOptions, WebhookSinkOptions } from "./connectors/webhook/index.js";

// The `weir dev` demo (docs/demo.md).
export { DEV_LINES, startDev } from "./demo/index.js";
export type { DevHandle, DevOptions, DevStats } from "./demo/index.js";

// Errors.
export { WeirError, isWeirError } from "./util/errors.js";
export type { WeirErrorCode } from "./util/errors.js";
