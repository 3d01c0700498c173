/**
 * Spark's StreamingQueryProgress, StreamingQueryStatus and listener events, with Spark's field
 * names so that JSON from `JSON.stringify(query.lastProgress)` reads like Spark's `prettyJson`.
 */

/** Progress of one source in one batch. */
export interface SourceProgress {
  description: string;
  startOffset: unknown;
  endOffset: unknown;
  latestOffset: unknown;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  metrics: Record<string, string>;
}

/** Progress of one stateful operator in one batch. */
export interface StateOperatorProgress {
  operatorName: string;
  numRowsTotal: number;
  numRowsUpdated: number;
  numRowsRemoved: number;
  numRowsDroppedByWatermark: number;
  allUpdatesTimeMs: number;
  allRemovalsTimeMs: number;
  commitTimeMs: number;
  memoryUsedBytes: number;
  numShufflePartitions: number;
  numStateStoreInstances: number;
  customMetrics: Record<string, number>;
}

/** Spark's StreamingQueryProgress. */
export interface StreamingQueryProgress {
  id: string;
  runId: string;
  name: string | null;
  /** ISO 8601, when the trigger started. */
  timestamp: string;
  batchId: number;
  batchDuration: number;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  durationMs: Record<string, number>;
  /** `watermark` (ISO) once a watermark is defined; `max`, `min`, `avg` event times of the batch when known. */
  eventTime: Record<string, string>;
  stateOperators: StateOperatorProgress[];
  sources: SourceProgress[];
  sink: { description: string; numOutputRows: number; metrics: Record<string, string> };
  observedMetrics: Record<string, unknown>;
}

/** Spark's StreamingQueryStatus. */
export interface StreamingQueryStatus {
  message: string;
  isDataAvailable: boolean;
  isTriggerActive: boolean;
}

/** Spark's QueryStartedEvent. */
export interface QueryStartedEvent {
  id: string;
  runId: string;
  name: string | null;
  timestamp: string;
}

/** Spark's QueryProgressEvent. */
export interface QueryProgressEvent {
  progress: StreamingQueryProgress;
}

/** Spark's QueryIdleEvent (Spark 3.5+): a trigger found no new data. */
export interface QueryIdleEvent {
  id: string;
  runId: string;
  timestamp: string;
}

/** Spark's QueryTerminatedEvent; `exception` is the error's text, null after a clean stop. */
export interface QueryTerminatedEvent {
  id: string;
  runId: string;
  exception: string | null;
  errorClassOnException: string | null;
}

/** Spark's StreamingQueryListener; every method is optional. */
export interface StreamingQueryListener {
  onQueryStarted?(event: QueryStartedEvent): void;
  onQueryProgress?(event: QueryProgressEvent): void;
  onQueryIdle?(event: QueryIdleEvent): void;
  onQueryTerminated?(event: QueryTerminatedEvent): void;
}

/** Rows per second, 0 when the time is 0 (Spark reports 0.0 then, never NaN or Infinity). */
export function rate(rows: number, ms: number): number {
  return ms <= 0 ? 0 : (rows * 1000) / ms;
}
