/**
 * Event-time watermarks (Spark's `withWatermark(eventTime, delay)`). In the plan a watermark is
 * a Filter whose condition is the marker call `event_time_watermark(eventTime, delayMs)`: always
 * true (nothing is dropped there, as in Spark, where late rows are dropped by the stateful
 * operator), non-deterministic so the optimizer leaves it in place. For each batch the executor
 * rebinds the marker to an {@link EventTimeStats} that records the largest event time seen; after
 * the batch the query's watermark becomes max(eventTime) - delay (over several watermarks, the
 * minimum or the maximum as `spark.sql.streaming.multipleWatermarkPolicy` says: see
 * {@link nextWatermark}), never moving back.
 */
import { WeirError } from "../../util/errors.js";
import type { WatermarkPolicy } from "../api/conf.js";
import type { ScalarFunction } from "../expr/ast.js";
import type { LogicalPlan } from "../plan/logical.js";
import { filterNode, planChildren, withChildren } from "../plan/logical.js";
import type { RExpr } from "../plan/expressions.js";
import { BooleanType, LongType } from "../types.js";
import { parseDuration } from "./duration.js";

/** The marker's name. */
export const WATERMARK_MARKER = "event_time_watermark";

/** A watermark declared in a plan. */
export interface EventTimeWatermark {
  readonly attributeId: number;
  readonly column: string;
  readonly delayMs: number;
}

/** The largest event time (ms) one batch saw for one watermark. */
export class EventTimeStats {
  maxMs = Number.NEGATIVE_INFINITY;
  minMs = Number.POSITIVE_INFINITY;
  sumMs = 0;
  count = 0;
}

function markerFunction(stats: EventTimeStats | null): ScalarFunction {
  return {
    name: WATERMARK_MARKER,
    minArgs: 2,
    maxArgs: 2,
    nullIntolerant: false,
    nondeterministic: true,
    resolve: () => ({ dataType: BooleanType, nullable: false }),
    build: () => (values: unknown[]) => {
      const v = values[0];
      if (stats !== null && typeof v === "number") {
        const ms = Math.floor(v / 1000);
        if (ms > stats.maxMs) stats.maxMs = ms;
        if (ms < stats.minMs) stats.minMs = ms;
        stats.sumMs += ms;
        stats.count++;
      }
      return true;
    },
  };
}

/** Adds a watermark over `plan`'s column `column` (a timestamp) with `delay` (`"10 seconds"`). */
export function watermarkPlan(plan: LogicalPlan, column: string, delay: string): LogicalPlan {
  const attr = plan.output.find((a) => a.name.toLowerCase() === column.toLowerCase());
  if (attr === undefined) {
    throw new WeirError("ANALYSIS", `[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column with name \`${column}\` cannot be resolved. Did you mean one of the following? [${plan.output.map((a) => `\`${a.name}\``).join(", ")}].`, {
      details: { column },
    });
  }
  if (attr.dataType.kind !== "timestamp") {
    throw new WeirError("ANALYSIS", `Event time must be defined on a window or a timestamp, but ${attr.name} is of type ${attr.dataType.kind}`, { details: { column } });
  }
  const delayMs = parseDuration(delay, "withWatermark delay");
  const cond: RExpr = {
    kind: "call",
    name: WATERMARK_MARKER,
    fn: markerFunction(null),
    args: [
      { kind: "ref", id: attr.id, name: attr.name, dataType: attr.dataType, nullable: attr.nullable },
      { kind: "lit", value: delayMs, dataType: LongType, nullable: false },
    ],
    dataType: BooleanType,
    nullable: false,
  };
  return filterNode(plan, cond);
}

/** The watermark a plan node declares, or null. */
export function watermarkOf(p: LogicalPlan): EventTimeWatermark | null {
  if (p.kind !== "filter") return null;
  const c = p.condition;
  if (c.kind !== "call" || c.name !== WATERMARK_MARKER) return null;
  const [ref, delay] = c.args;
  if (ref.kind !== "ref" || delay.kind !== "lit") return null;
  return { attributeId: ref.id, column: ref.name, delayMs: Number(delay.value) };
}

/**
 * `p` itself with its watermark marker bound to new batch statistics (appended to `stats`), or
 * `p` unchanged when it declares no watermark. Children are left as they are.
 */
export function bindWatermarkNode(p: LogicalPlan, stats: EventTimeStats[]): LogicalPlan {
  if (watermarkOf(p) !== null && p.kind === "filter" && p.condition.kind === "call") {
    const s = new EventTimeStats();
    stats.push(s);
    return { ...p, condition: { ...p.condition, fn: markerFunction(s) } };
  }
  return p;
}

/** The plan with every watermark marker bound to its batch statistics (in plan order). */
export function bindWatermarks(p: LogicalPlan, stats: EventTimeStats[]): LogicalPlan {
  const out = bindWatermarkNode(p, stats);
  const children = planChildren(out);
  if (children.length === 0) return out;
  return withChildren(
    out,
    children.map((c) => bindWatermarks(c, stats)),
  );
}

/**
 * The watermark after a batch, Spark's WatermarkTracker: each declared watermark's own value is
 * max(event time) - delay over the batches that saw event times (never moving back; 0 until it
 * saw one), and the query's watermark is the minimum of them (policy `min`, Spark's default
 * `spark.sql.streaming.multipleWatermarkPolicy`: the slowest input sets the pace, so no input's
 * rows are dropped as late) or the maximum (`max`: the fastest input sets it, and the slower
 * inputs' rows can become late); never below `current`.
 */
export function nextWatermark(
  current: number,
  declared: readonly EventTimeWatermark[],
  stats: readonly EventTimeStats[],
  previous: readonly number[],
  policy: WatermarkPolicy = "min",
): { watermarkMs: number; perOperator: number[] } {
  const per = declared.map((w, i) => {
    const s = stats[i];
    const candidate = s === undefined || s.maxMs === Number.NEGATIVE_INFINITY ? Number.NEGATIVE_INFINITY : s.maxMs - w.delayMs;
    return Math.max(previous[i] ?? Number.NEGATIVE_INFINITY, candidate);
  });
  if (per.length === 0) return { watermarkMs: current, perOperator: per };
  // A watermark that has seen no event time yet counts as 0, as in Spark.
  const values = per.map((v) => (v === Number.NEGATIVE_INFINITY ? 0 : v));
  const chosen = policy === "max" ? Math.max(...values) : Math.min(...values);
  return { watermarkMs: Math.max(current, chosen), perOperator: per };
}
