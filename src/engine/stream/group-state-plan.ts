/**
 * Spark's output-mode rules (UnsupportedOperationChecker) for the stateful operators beyond the
 * aggregation: stream-stream joins run only in append mode; mapGroupsWithState only in update
 * mode; flatMapGroupsWithState's declared mode must match the query's (or be append when the
 * query also aggregates); an event-time timeout needs a watermark; and, as Spark's global
 * watermark check does, no stateful operator may sit above an aggregation in update or complete
 * mode or above an event-time-timeout flatMapGroupsWithState (their rows may be older than the
 * watermark, so the operator above would drop them as late). Messages are Spark's.
 */
import { WeirError } from "../../util/errors.js";
import type { LogicalPlan } from "../plan/logical.js";
import { planChildren } from "../plan/logical.js";
import { operationName } from "./group-state.js";
import { eventTimeIds } from "./join-plan.js";
import type { StreamingPlan } from "./plan.js";
import type { OutputMode } from "./sinks.js";

type GroupStateNode = Extract<LogicalPlan, { kind: "flatMapGroupsWithState" }>;

function unsupported(message: string): WeirError {
  return new WeirError("ANALYSIS", message, { details: { errorClass: "STREAMING_UNSUPPORTED_OPERATION" } });
}

/** Spark's spelling of an output mode in messages (`Append`). */
function modeName(m: string): string {
  return m[0].toUpperCase() + m.slice(1);
}

/** True for a node that keeps streaming state (Spark's isStatefulOperation for the kinds Weir has). */
function isStateful(sp: StreamingPlan, p: LogicalPlan): boolean {
  return sp.stateful.includes(p);
}

/** True for a node whose output may be older than the watermark (Spark's ifCannotBeFollowedByStatefulOperation). */
function cannotBeFollowedByStateful(sp: StreamingPlan, p: LogicalPlan, mode: OutputMode): boolean {
  if (!isStateful(sp, p)) return false;
  if (p.kind === "aggregate") return mode !== "append";
  if (p.kind === "flatMapGroupsWithState") return p.spec.timeout === "eventTime";
  return false;
}

function some(p: LogicalPlan, pred: (n: LogicalPlan) => boolean): boolean {
  return pred(p) || planChildren(p).some((c) => some(c, pred));
}

/** The checks of the module comment for output mode `mode`. */
export function checkStatefulOutputModes(sp: StreamingPlan, mode: OutputMode): void {
  const joins = sp.stateful.filter((n) => n.kind === "join");
  if (joins.length > 0 && mode !== "append") {
    throw unsupported(`Join between two streaming DataFrames/Datasets is not supported in ${modeName(mode)} output mode, only in Append output mode`);
  }
  const groupStates = sp.stateful.filter((n): n is GroupStateNode => n.kind === "flatMapGroupsWithState");
  const maps = groupStates.filter((n) => n.spec.isMapGroups);
  const flatMaps = groupStates.filter((n) => !n.spec.isMapGroups);
  if (maps.length >= 2) throw unsupported("Multiple mapGroupsWithStates are not supported on a streaming DataFrames/Datasets");
  if (maps.length > 0 && flatMaps.length > 0) throw unsupported("Mixing mapGroupsWithStates and flatMapGroupsWithStates are not supported on a streaming DataFrames/Datasets");
  if (flatMaps.length >= 2 && (mode !== "append" || flatMaps.some((n) => n.spec.outputMode !== "append"))) {
    throw unsupported("Multiple flatMapGroupsWithStates are not supported when they are not all in append mode or the output mode is not append on a streaming DataFrames/Datasets");
  }
  const aggregates = sp.aggregate !== null;
  for (const n of groupStates) {
    if (n.spec.isMapGroups) {
      if (mode !== "update") throw unsupported(`mapGroupsWithState is not supported with ${modeName(mode)} output mode on a streaming DataFrame/Dataset`);
    } else if (!aggregates) {
      if (n.spec.outputMode !== mode) {
        throw unsupported(`flatMapGroupsWithState in ${n.spec.outputMode} mode is not supported with ${modeName(mode)} output mode on a streaming DataFrame/Dataset`);
      }
    } else if (n.spec.outputMode === "update") {
      throw unsupported("flatMapGroupsWithState in update mode is not supported with aggregation on a streaming DataFrame/Dataset");
    }
    if (n.spec.timeout === "eventTime" && eventTimeIds(n.child).size === 0) {
      throw unsupported(
        `Watermark must be specified in the query using '[Dataset/DataFrame].withWatermark()' for using event-time timeout in a [map|flatMap]GroupsWithState. Event-time timeout not supported without watermark. (The ${operationName(n.spec)} input has no watermarked column.)`,
      );
    }
  }
  for (const s of sp.stateful) {
    if (planChildren(s).some((c) => some(c, (d) => cannotBeFollowedByStateful(sp, d, mode)))) {
      throw unsupported(
        "Detected pattern of possible 'correctness' issue due to global watermark. The query contains stateful operation which can emit rows older than the current watermark plus allowed late record delay, " +
          'which are "late rows" in downstream stateful operations and these rows can be discarded. Please refer the programming guide doc for more details. ' +
          "(Weir: an aggregation in update or complete mode, or a flatMapGroupsWithState with an event-time timeout, is followed by another stateful operator.)",
      );
    }
  }
}
