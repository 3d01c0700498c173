/**
 * Spark's rules (UnsupportedOperationChecker) for streaming deduplication and session-window
 * aggregation, with messages that say what fits instead, and their lines of the checkpoint
 * fingerprint. Called from plan.ts (analysis, output-mode checks) and operators.ts.
 */
import { WeirError } from "../../util/errors.js";
import { planString } from "../plan/names.js";
import type { LogicalPlan } from "../plan/logical.js";
import { planChildren } from "../plan/logical.js";
import { simpleString } from "../types.js";
import { eventTimeColumnOf, eventTimeColumns } from "./event-time.js";
import { isSessionAggregate } from "./session-window.js";
import type { OutputMode } from "./sinks.js";

type DedupNode = Extract<LogicalPlan, { kind: "dedup" }>;
type AggregateNode = Extract<LogicalPlan, { kind: "aggregate" }>;

function unsupported(message: string): WeirError {
  return new WeirError("ANALYSIS", message, { details: { errorClass: "STREAMING_UNSUPPORTED_OPERATION" } });
}

function outputModeError(mode: OutputMode, what: string, fits: string): WeirError {
  return new WeirError("ANALYSIS", `[STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION] Invalid streaming output mode: ${mode}. This output mode is not supported for ${what} on streaming DataFrames/DataSets. ${fits}`, {
    details: { errorClass: "STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION", outputMode: mode },
  });
}

/** A streaming dropDuplicates / distinct / dropDuplicatesWithinWatermark: refused when Spark refuses it. */
export function checkStreamingDedup(p: DedupNode): void {
  if (p.withinWatermark === true && eventTimeColumnOf(p.child.output, eventTimeColumns(p.child)) === null) {
    throw unsupported(
      "dropDuplicatesWithinWatermark is not supported on streaming DataFrames/DataSets without watermark. " +
        'Add withWatermark("<event time column>", "<delay>") before it, or use dropDuplicates(), which keeps every key it has seen.',
    );
  }
}

/** A streaming aggregation by session window: refused without another grouping key, as Spark refuses it. */
export function checkStreamingSessionWindow(p: AggregateNode): void {
  if (isSessionAggregate(p) && p.keys.length === 1) {
    throw unsupported("Global aggregation with session window in streaming query is not supported. Group by the session window and at least one other column (a user id, a device).");
  }
}

/** True when `p` is a stateful operator that Spark's global-watermark correctness check guards. */
function guardedByWatermark(p: LogicalPlan): boolean {
  if (p.kind !== "dedup") return false;
  if (p.withinWatermark === true) return true;
  const marks = eventTimeColumns(p.child);
  return p.keys.some((k) => marks.has(k.id));
}

/**
 * The output-mode rules of this module's operators: session windows refuse update mode; a
 * deduplication that evicts by the watermark cannot sit above an aggregation that emits in update
 * or complete mode (Spark's checkStreamingQueryGlobalWatermarkLimit: the aggregation re-emits
 * rows older than the watermark, which the deduplication would drop as late).
 */
export function checkDedupAndSessionModes(plan: LogicalPlan, isStreaming: (p: LogicalPlan) => boolean, mode: OutputMode): void {
  const walk = (p: LogicalPlan): void => {
    if (isStreaming(p)) {
      if (isSessionAggregate(p) && mode === "update") {
        throw outputModeError(mode, "session window streaming aggregations", 'Use outputMode("append") with a watermark (each session once, when it closes) or outputMode("complete").');
      }
      if (mode !== "append" && guardedByWatermark(p) && planChildren(p).some(containsStreamingAggregate(isStreaming))) {
        throw unsupported(
          "Detected pattern of possible 'correctness' issue due to global watermark. The query contains stateful operation which can emit rows older than the current watermark plus allowed late record delay, " +
            `which are "late rows" in downstream stateful operations and these rows can be discarded. Use outputMode("append"), in which the aggregation emits each group once, when the watermark closes it.`,
        );
      }
    }
    planChildren(p).forEach(walk);
  };
  walk(plan);
}

function containsStreamingAggregate(isStreaming: (p: LogicalPlan) => boolean): (p: LogicalPlan) => boolean {
  const has = (p: LogicalPlan): boolean => (p.kind === "aggregate" && isStreaming(p)) || planChildren(p).some(has);
  return has;
}

/** The fingerprint line of a streaming deduplication (a change of keys or kind refuses the restart). */
export function describeDedup(p: DedupNode, numPartitions: number): string {
  const keys = p.keys.map((k) => `${k.name} ${simpleString(k.dataType)}`).join(", ");
  return `${p.withinWatermark === true ? "dedupeWithinWatermark" : "dedupe"}(keys: ${keys}; partitions: ${numPartitions})`;
}

/** The fingerprint line of a session-window aggregation. */
export function describeSessionAggregate(p: AggregateNode & { sessionWindow: number }, numPartitions: number): string {
  const keys = p.keys.filter((_, i) => i !== p.sessionWindow).map((k) => `${k.attr.name} ${simpleString(k.attr.dataType)}`).join(", ");
  const fns = p.aggs.map((a) => planString(a.expr).replace(/#\d+/g, "")).join(", ");
  return `sessionWindowAggregate(keys: ${keys}; session: ${p.keys[p.sessionWindow].attr.name}; functions: ${fns}; partitions: ${numPartitions})`;
}
