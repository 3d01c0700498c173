/**
 * What the streaming engine needs to know of a streaming DataFrame's plan: its streaming
 * sources (in plan order: source i is `sources/<i>` in the checkpoint), its one stateful
 * aggregation, the checks Spark's UnsupportedOperationChecker makes for an output mode, the
 * checkpoint fingerprint, and the per-batch rewrite that replaces each streaming relation by the
 * bounded source of the batch's range.
 */
import { WeirError } from "../../util/errors.js";
import { referencedIds, type RExpr } from "../plan/expressions.js";
import type { LogicalPlan } from "../plan/logical.js";
import { planChildren, withChildren } from "../plan/logical.js";
import type { ScanSource } from "../source.js";
import type { QueryFingerprint } from "./checkpoint.js";
import { describeStatefulNode } from "./operators.js";
import { checkDedupAndSessionModes, checkStreamingDedup, checkStreamingSessionWindow } from "./dedup-rules.js";
import { eventTimeColumns } from "./event-time.js";
import { isSessionAggregate, sessionWindowIsWatermarked } from "./session-window.js";
import { checkStatefulOutputModes } from "./group-state-plan.js";
import { checkStreamStreamJoin } from "./join-plan.js";
import type { OutputMode } from "./sinks.js";
import { isStreamingRelation, type StreamingRelation } from "./source.js";
import type { EventTimeWatermark } from "./watermark.js";
import { watermarkOf } from "./watermark.js";

type AggregateNode = Extract<LogicalPlan, { kind: "aggregate" }>;

/** The analysed shape of a streaming query. */
export interface StreamingPlan {
  readonly plan: LogicalPlan;
  /** The streaming relations, in plan order (depth first, left to right). */
  readonly relations: readonly StreamingRelation[];
  /** The streaming aggregation, when there is one. */
  readonly aggregate: AggregateNode | null;
  /**
   * Every stateful node (the aggregation included), in post order: children before parents,
   * left to right. Node `i` is stateful operator `i` (its state lives under `state/<i>/`).
   */
  readonly stateful: readonly LogicalPlan[];
  /** Watermarks declared below the aggregation (or anywhere, for stateless queries). */
  readonly watermarks: readonly EventTimeWatermark[];
}

/** True when the plan reads a streaming source. */
export function isStreamingPlan(p: LogicalPlan): boolean {
  if (p.kind === "scan") return isStreamingRelation(p.source);
  return planChildren(p).some(isStreamingPlan);
}

function unsupported(message: string): WeirError {
  return new WeirError("ANALYSIS", message, { details: { errorClass: "STREAMING_UNSUPPORTED_OPERATION" } });
}

/** Finds the streaming relations, the aggregation and the watermarks; refuses what streaming cannot run. */
export function analyzeStreamingPlan(plan: LogicalPlan): StreamingPlan {
  const relations: StreamingRelation[] = [];
  const watermarks: EventTimeWatermark[] = [];
  const aggregates: AggregateNode[] = [];
  const stateful: LogicalPlan[] = [];
  const walk = (p: LogicalPlan): void => {
    const streaming = isStreamingPlan(p);
    if (p.kind === "scan" && isStreamingRelation(p.source)) relations.push(p.source);
    const wm = watermarkOf(p);
    if (wm !== null) watermarks.push(wm);
    let statefulHere = false;
    if (streaming) {
      switch (p.kind) {
        case "aggregate":
          aggregates.push(p);
          checkStreamingSessionWindow(p);
          statefulHere = true;
          break;
        case "join": {
          if (isStreamingPlan(p.left) && isStreamingPlan(p.right)) {
            // A stream-stream join keeps both sides in state (join.ts); Spark's checks in join-plan.ts.
            checkStreamStreamJoin(p);
            statefulHere = true;
            break;
          }
          const streamSide = isStreamingPlan(p.left) ? "left" : "right";
          const ok = p.how === "inner" || p.how === "cross" || (streamSide === "left" && (p.how === "left" || p.how === "semi" || p.how === "anti")) || (streamSide === "right" && p.how === "right");
          if (!ok) throw unsupported(`${p.how} outer join with a streaming DataFrame/Dataset on the ${streamSide === "left" ? "right" : "left"} is not supported`);
          break;
        }
        case "flatMapGroupsWithState":
          statefulHere = true;
          break;
        case "dedup":
          // dropDuplicates / distinct / dropDuplicatesWithinWatermark keep seen keys (dedup.ts).
          checkStreamingDedup(p);
          statefulHere = true;
          break;
        case "limit":
          throw unsupported("Limits are not supported on streaming DataFrames/Datasets by Weir yet.");
        case "window":
          throw unsupported("Non-time-based windows are not supported on streaming DataFrames/Datasets.");
        default:
          break;
      }
    }
    for (const c of planChildren(p)) walk(c);
    if (statefulHere) stateful.push(p);
  };
  walk(plan);
  if (aggregates.length > 1) throw unsupported("Multiple streaming aggregations are not supported with streaming DataFrames/Datasets.");
  return { plan, relations, aggregate: aggregates[0] ?? null, stateful, watermarks };
}

/** Spark's UnsupportedOperationChecker for the output mode. */
export function checkOutputMode(sp: StreamingPlan, mode: OutputMode): void {
  const agg = sp.aggregate;
  if (agg === null) {
    if (mode === "complete") throw unsupported("Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets. Use append or update.");
  } else if (mode === "append" && !aggregateHasWatermark(sp)) {
    throw unsupported(
      "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark. " +
        "Use outputMode(\"complete\") or outputMode(\"update\"), or add withWatermark() on the event-time column and group by it (or by a window of it).",
    );
  }
  const checkSorts = (p: LogicalPlan): void => {
    if (p.kind === "sort" && isStreamingPlan(p) && !(mode === "complete" && planContainsAggregate(p.child))) {
      throw unsupported("Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode");
    }
    for (const c of planChildren(p)) checkSorts(c);
  };
  checkSorts(sp.plan);
  checkDedupAndSessionModes(sp.plan, isStreamingPlan, mode);
  checkStatefulOutputModes(sp, mode);
}

function planContainsAggregate(p: LogicalPlan): boolean {
  return p.kind === "aggregate" || planChildren(p).some(planContainsAggregate);
}

/** True when the aggregation groups by a watermarked column (or a window over one). */
export function aggregateHasWatermark(sp: StreamingPlan): boolean {
  return sp.aggregate !== null && eventTimeKeyIndex(sp, sp.aggregate) !== null;
}

/**
 * The index of the aggregation key that is the watermarked event time, or a `window` struct over
 * it: the key whose end decides when a group is final. Null when there is none.
 */
export function eventTimeKeyIndex(sp: StreamingPlan, agg: AggregateNode): number | null {
  if (isSessionAggregate(agg)) return sessionWindowIsWatermarked(agg, eventTimeColumns(agg)) ? agg.sessionWindow : null;
  if (sp.watermarks.length === 0) return null;
  const ids = new Set(sp.watermarks.map((w) => w.attributeId));
  const keys = agg.keys;
  for (let i = 0; i < keys.length; i++) {
    const e = keys[i].expr;
    if (e.kind === "ref" && ids.has(e.id)) return i;
    if (keys[i].attr.dataType.kind === "struct" && watermarkedWindow(agg.child, e, ids)) return i;
  }
  return null;
}

/** True when `e` refers to a `window(...)` column generated below the aggregate from a watermarked column. */
function watermarkedWindow(child: LogicalPlan, e: RExpr, ids: ReadonlySet<number>): boolean {
  if (e.kind !== "ref") return false;
  const find = (p: LogicalPlan): boolean => {
    if (p.kind === "generate" && p.generator === "time_window" && p.generatorOutput.some((a) => a.id === e.id)) {
      return [...referencedIds(p.arg)].some((id) => ids.has(id) || derivedFromWatermark(p.child, id, ids));
    }
    return planChildren(p).some(find);
  };
  return find(child);
}

/** True when attribute `id` of `p` is a watermarked column, possibly renamed by projections. */
function derivedFromWatermark(p: LogicalPlan, id: number, ids: ReadonlySet<number>): boolean {
  if (ids.has(id)) return true;
  if (p.kind === "project") {
    const n = p.list.find((x) => x.attr.id === id);
    if (n !== undefined && n.expr.kind === "ref") return derivedFromWatermark(p.child, n.expr.id, ids);
  }
  return planChildren(p).some((c) => c.output.some((a) => a.id === id) && derivedFromWatermark(c, id, ids));
}

/** The checkpoint fingerprint: source descriptions and the stateful operators' shapes. */
export function fingerprintOf(sp: StreamingPlan, shufflePartitions: number): QueryFingerprint {
  return { sources: sp.relations.map((r) => r.description), statefulOperators: sp.stateful.map((n) => describeStatefulNode(n, shufflePartitions)) };
}

/** The plan with each streaming relation replaced by the batch's bounded source (same attributes). */
export function bindSources(p: LogicalPlan, bounded: ReadonlyMap<StreamingRelation, ScanSource>): LogicalPlan {
  if (p.kind === "scan") {
    if (!isStreamingRelation(p.source)) return p;
    const b = bounded.get(p.source);
    if (b === undefined) throw new WeirError("EXECUTION", `no batch source for ${p.source.description}`);
    return { ...p, source: b };
  }
  const children = planChildren(p);
  if (children.length === 0) return p;
  return withChildren(
    p,
    children.map((c) => bindSources(c, bounded)),
  );
}

/** Replaces one node (by identity) of a plan. */
export function replaceNode(p: LogicalPlan, target: LogicalPlan, replacement: LogicalPlan): LogicalPlan {
  if (p === target) return replacement;
  const children = planChildren(p);
  if (children.length === 0) return p;
  return withChildren(
    p,
    children.map((c) => replaceNode(c, target, replacement)),
  );
}
