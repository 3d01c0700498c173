/**
 * Which columns of a streaming plan carry the event-time watermark: Spark marks the column of a
 * `withWatermark(col, delay)` with the delay in its metadata, and the mark follows the column
 * through projections (a rename keeps it) and into the `window(...)` and `session_window(...)`
 * columns computed from it. Stateful operators use the marked column of their input to drop
 * late rows, and a marked grouping or deduplication key to evict state (a window's or session's
 * end counts for a struct).
 *
 * Weir's plans have no metadata; attribute ids serve instead: {@link eventTimeColumns} finds
 * every marked attribute id of a plan, bottom-up.
 */
import { referencedIds } from "../plan/expressions.js";
import type { Attribute, RExpr } from "../plan/expressions.js";
import type { LogicalPlan } from "../plan/logical.js";
import { planChildren } from "../plan/logical.js";
import { watermarkOf } from "./watermark.js";

/** A column that carries the watermark, with the delay of the watermark it comes from. */
export interface EventTimeMark {
  readonly delayMs: number;
}

/** True for a `session_window(...)` call. */
export function isSessionWindowCall(e: RExpr): boolean {
  return e.kind === "call" && e.name === "session_window";
}

/** The marked attribute ids of `plan` (every node of it), with their watermark's delay. */
export function eventTimeColumns(plan: LogicalPlan): ReadonlyMap<number, EventTimeMark> {
  const marks = new Map<number, EventTimeMark>();
  const markOf = (e: RExpr): EventTimeMark | undefined => {
    // A reference keeps the mark; a window or session window over a marked column takes it.
    if (e.kind === "ref") return marks.get(e.id);
    if (e.kind === "call" && (e.name === "window" || isSessionWindowCall(e)) && e.args.length > 0) {
      for (const id of referencedIds(e.args[0])) {
        const m = marks.get(id);
        if (m !== undefined) return m;
      }
    }
    return undefined;
  };
  const walk = (p: LogicalPlan): void => {
    for (const c of planChildren(p)) walk(c);
    const wm = watermarkOf(p);
    if (wm !== null) marks.set(wm.attributeId, { delayMs: wm.delayMs });
    switch (p.kind) {
      case "project":
        for (const n of p.list) {
          const m = markOf(n.expr);
          if (m !== undefined) marks.set(n.attr.id, m);
        }
        break;
      case "aggregate":
        for (const k of p.keys) {
          const m = markOf(k.expr);
          if (m !== undefined) marks.set(k.attr.id, m);
        }
        break;
      case "generate":
        if (p.generator === "time_window") {
          const m = markOf(p.arg);
          if (m !== undefined) for (const a of p.generatorOutput) marks.set(a.id, m);
        }
        break;
      case "union":
        // The union's columns are the first input's, marked as any input's column at that position is.
        p.output.forEach((a, i) => {
          for (const c of p.children) {
            const m = marks.get(c.output[i]?.id ?? -1);
            if (m !== undefined && !marks.has(a.id)) marks.set(a.id, m);
          }
        });
        break;
      default:
        break;
    }
  };
  walk(plan);
  return marks;
}

/**
 * The event-time column of an operator's input (Spark's WatermarkSupport.findEventTimeColumn:
 * the first marked column): its position in `input`, whether it is a window struct (whose end
 * counts), and its delay. Null when the input has none.
 */
export function eventTimeColumnOf(input: readonly Attribute[], marks: ReadonlyMap<number, EventTimeMark>): { index: number; struct: boolean; delayMs: number } | null {
  for (let i = 0; i < input.length; i++) {
    const m = marks.get(input[i].id);
    if (m !== undefined) return { index: i, struct: input[i].dataType.kind === "struct", delayMs: m.delayMs };
  }
  return null;
}

/** The event time (µs) of a marked value: a timestamp, or a window struct's end. Null when unknown. */
export function eventTimeValue(v: unknown): number | null {
  if (typeof v === "number") return v;
  if (Array.isArray(v) && typeof v[1] === "number") return v[1];
  return null;
}
