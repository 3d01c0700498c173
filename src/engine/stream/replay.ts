/**
 * Replay mode of a session: the hook `weir replay` (src/pipeline) uses to re-run a streaming
 * pipeline as a bounded job over a past time range, without the pipeline's code knowing.
 *
 * A session opened with `replay` (see {@link StreamReplay}; `Weir.embedded({ ..., replay })`,
 * `Weir.connect({ ..., replay })`) changes two things, and nothing else:
 *
 * - every Kafka streaming source it loads (`readStream.format("kafka")`) reads, per partition,
 *   the offsets [first offset with timestamp ≥ fromMs, first offset with timestamp ≥ toMs),
 *   resolved once when the query starts (a partition with no record that late ends at its latest
 *   offset, as Spark's endingTimestamp; one with no record at or after fromMs reads nothing); the
 *   pipeline's own starting options are ignored;
 * - every `writeStream...start()` runs with Trigger.AvailableNow (so the query stops at the end
 *   of the range) and asks {@link StreamReplay.redirect} where to write: a checkpoint location
 *   (never the live one) and, for file and Kafka sinks, an output path. A Kafka sink is turned
 *   into a JSON file sink at the path it is given, so a replay never writes to a live topic.
 *
 * Batch reads (`weir.read`) are not bounded: a batch pipeline applies the range itself.
 */
import type { OutputMode } from "./sinks.js";

/** The offsets a replayed Kafka source reads, resolved when its query started. */
export interface KafkaReplayRanges {
  /** The source as progress describes it: `KafkaV2[Subscribe[clicks]]`. */
  readonly source: string;
  /** One entry per topic-partition, sorted by topic then partition: the records [fromOffset, untilOffset). */
  readonly ranges: readonly { readonly topic: string; readonly partition: number; readonly fromOffset: number; readonly untilOffset: number }[];
}

/** What a query started in replay mode would write to, as the pipeline asked. */
export interface ReplaySinkRequest {
  /** The sink format, lower-case: `parquet`, `json`, `kafka`, `memory`, `foreachbatch`, ... */
  readonly format: string;
  /** The output path of a file sink (start(path) or the `path` option), null for other sinks. */
  readonly path: string | null;
  /** The checkpoint location the pipeline set, null when none. */
  readonly checkpointLocation: string | null;
  /** The query's name (queryName), null when unnamed. */
  readonly queryName: string | null;
  /** The Kafka sink's `topic` option, null when none (or not a Kafka sink). */
  readonly topic: string | null;
  readonly outputMode: OutputMode;
}

/** Where a replayed query writes instead. */
export interface ReplaySinkDecision {
  /** The checkpoint location to use (a fresh one, never the live query's). */
  readonly checkpointLocation: string;
  /**
   * The output path for a file sink, or for a Kafka sink the directory its records go to as JSON
   * files (in every output mode, each batch appended). Ignored for other sinks.
   */
  readonly path: string | null;
}

/** See the module comment. */
export interface StreamReplay {
  /** Start of the range, ms since the epoch (inclusive). */
  readonly fromMs: number;
  /** End of the range, ms since the epoch (exclusive); greater than fromMs. */
  readonly toMs: number;
  /** Called once per Kafka streaming source when its offset ranges are resolved. */
  readonly onKafkaRanges?: (e: KafkaReplayRanges) => void;
  /** Decides where a query writes; throwing refuses the query (start() rejects with the error). */
  readonly redirect: (sink: ReplaySinkRequest) => ReplaySinkDecision;
}

const replays = new WeakMap<object, StreamReplay>();

/** Puts a session into replay mode (called by the session factories). */
export function setStreamReplay(session: object, replay: StreamReplay): void {
  replays.set(session, replay);
}

/** The replay settings of a session, or null when it runs normally. */
export function streamReplayOf(session: object): StreamReplay | null {
  return replays.get(session) ?? null;
}
