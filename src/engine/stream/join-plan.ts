/**
 * The analysis behind stream-stream joins (Spark's StreamingJoinHelper, the join rules of
 * UnsupportedOperationChecker and StreamingSymmetricHashJoinHelper): which columns carry an
 * event-time watermark, how the join condition splits into equality keys, one-side filters and
 * the rest, when each side's state may be evicted (a watermarked join key, or a time-range
 * condition solved against the other side's watermark), and the checks that refuse what cannot
 * run.
 *
 * State value watermark (Spark's getStateValueWatermark): each conjunct `a < b` (`<=`, `>`,
 * `>=`) is rewritten to `a - b < 0` and split into terms: the attribute of the side whose state
 * is being bounded (`thisTime`, which must appear negated), the other side's watermarked column,
 * and constants. Putting the watermark in place of the other side's column gives the lowest
 * `thisTime` a future row of the other side can still match; state rows at or below it are
 * evicted (one millisecond less for a non-strict comparison). For
 * `leftTime BETWEEN rightTime - INTERVAL 1 HOUR AND rightTime` the left state is bounded at
 * watermark - 1 hour - 1 ms and the right state at watermark - 1 ms.
 */
import { WeirError } from "../../util/errors.js";
import { isDeterministic, referencedIds, splitConjuncts, type RExpr } from "../plan/expressions.js";
import type { JoinType, LogicalPlan } from "../plan/logical.js";
import { planChildren } from "../plan/logical.js";
import { conjunction } from "../plan/resolve.js";
import { isStreamingRelation } from "./source.js";
import { watermarkOf } from "./watermark.js";

type JoinNode = Extract<LogicalPlan, { kind: "join" }>;

/** Spark's names of the join types, as its messages print them. */
export const SPARK_JOIN_NAMES: Readonly<Record<JoinType, string>> = {
  inner: "Inner",
  left: "LeftOuter",
  right: "RightOuter",
  full: "FullOuter",
  semi: "LeftSemi",
  anti: "LeftAnti",
  cross: "Cross",
};

function unsupported(message: string): WeirError {
  return new WeirError("ANALYSIS", message, { details: { errorClass: "STREAMING_UNSUPPORTED_OPERATION" } });
}

/** True when the plan reads a streaming source. */
function streaming(p: LogicalPlan): boolean {
  if (p.kind === "scan") return isStreamingRelation(p.source);
  return planChildren(p).some(streaming);
}

/**
 * The output attributes of `p` that carry an event-time watermark (Spark's delayKey metadata):
 * the column a `withWatermark` names, carried through projections (renamed or not), filters,
 * joins and grouping keys, and the `window` column generated from such a column.
 */
export function eventTimeIds(p: LogicalPlan): Set<number> {
  switch (p.kind) {
    case "scan":
    case "empty":
    case "flatMapGroupsWithState":
      return new Set();
    case "filter": {
      const s = eventTimeIds(p.child);
      const wm = watermarkOf(p);
      if (wm !== null) s.add(wm.attributeId);
      return s;
    }
    case "project": {
      const below = eventTimeIds(p.child);
      const s = new Set<number>();
      for (const n of p.list) if (n.expr.kind === "ref" && below.has(n.expr.id)) s.add(n.attr.id);
      return s;
    }
    case "aggregate": {
      const below = eventTimeIds(p.child);
      const s = new Set<number>();
      for (const k of p.keys) if (k.expr.kind === "ref" && below.has(k.expr.id)) s.add(k.attr.id);
      return s;
    }
    case "generate": {
      const s = eventTimeIds(p.child);
      if (p.generator === "time_window" && [...referencedIds(p.arg)].some((id) => s.has(id))) for (const a of p.generatorOutput) s.add(a.id);
      return s;
    }
    case "join": {
      const s = eventTimeIds(p.left);
      for (const id of eventTimeIds(p.right)) s.add(id);
      const out = new Set(p.output.map((a) => a.id));
      return new Set([...s].filter((id) => out.has(id)));
    }
    case "union": {
      const first = eventTimeIds(p.children[0]);
      const s = new Set<number>();
      p.children[0].output.forEach((a, i) => {
        if (first.has(a.id)) s.add(p.output[i].id);
      });
      return s;
    }
    default: {
      const s = eventTimeIds(p.child);
      const out = new Set(p.output.map((a) => a.id));
      return new Set([...s].filter((id) => out.has(id)));
    }
  }
}

/** A join condition split as Spark's ExtractEquiJoinKeys and JoinConditionSplitPredicates split it. */
export interface SplitJoinCondition {
  /** Equality keys: leftKeys[i] = rightKeys[i] (`<=>` when nullSafe[i]). */
  readonly leftKeys: readonly RExpr[];
  readonly rightKeys: readonly RExpr[];
  readonly nullSafe: readonly boolean[];
  /** Deterministic conjuncts over the left side only / the right side only (applied before the key lookup). */
  readonly leftOnly: RExpr | null;
  readonly rightOnly: RExpr | null;
  /** The other conjuncts, over the joined row (left columns then right). */
  readonly both: RExpr | null;
}

/** Splits a join's condition (see {@link SplitJoinCondition}). */
export function splitJoinCondition(j: JoinNode): SplitJoinCondition {
  const leftIds = new Set(j.left.output.map((a) => a.id));
  const rightIds = new Set(j.right.output.map((a) => a.id));
  const within = (e: RExpr, ids: ReadonlySet<number>): boolean => {
    const r = referencedIds(e);
    return r.size > 0 && [...r].every((id) => ids.has(id));
  };
  const leftKeys: RExpr[] = [];
  const rightKeys: RExpr[] = [];
  const nullSafe: boolean[] = [];
  const leftOnly: RExpr[] = [];
  const rightOnly: RExpr[] = [];
  const both: RExpr[] = [];
  for (const c of j.condition === null ? [] : splitConjuncts(j.condition)) {
    if (c.kind === "call" && (c.name === "=" || c.name === "<=>") && c.args.length === 2) {
      const [a, b] = c.args;
      if (within(a, leftIds) && within(b, rightIds)) {
        leftKeys.push(a);
        rightKeys.push(b);
        nullSafe.push(c.name === "<=>");
        continue;
      }
      if (within(b, leftIds) && within(a, rightIds)) {
        leftKeys.push(b);
        rightKeys.push(a);
        nullSafe.push(c.name === "<=>");
        continue;
      }
    }
    if (isDeterministic(c) && within(c, leftIds)) leftOnly.push(c);
    else if (isDeterministic(c) && within(c, rightIds)) rightOnly.push(c);
    else both.push(c);
  }
  const and = (xs: RExpr[]): RExpr | null => (xs.length === 0 ? null : conjunction(xs));
  return { leftKeys, rightKeys, nullSafe, leftOnly: and(leftOnly), rightOnly: and(rightOnly), both: and(both) };
}

// ---- state value watermark

/** One term of `a - b`: an attribute (µs) or a constant already in µs. */
type Term = { readonly kind: "attr"; readonly id: number; readonly negated: boolean } | { readonly kind: "const"; readonly value: number; readonly negated: boolean; readonly scale: number | null };

const EPOCH_SCALES: Readonly<Record<string, number>> = { micros: 1, millis: 1000, seconds: 1_000_000 };

/**
 * Splits `e` into commutative terms (Spark's collectTerms): sums and differences of attributes
 * and constants, through casts to numbers or timestamps and through the epoch conversions
 * (`timestamp_micros(unix_micros(t) + n)`, which is what `t + INTERVAL ...` becomes). Attributes
 * count in microseconds; a number counts in the unit of the conversion around it, or in seconds
 * (a timestamp cast to a number gives seconds). Null when `e` has another shape.
 */
function collectTerms(e: RExpr, negated: boolean, scale: number | null, units: Set<number>, out: Term[]): boolean {
  switch (e.kind) {
    case "ref":
      if (e.dataType.kind !== "timestamp") return false;
      out.push({ kind: "attr", id: e.id, negated });
      return true;
    case "lit": {
      if (e.value === null || typeof e.value !== "number") return false;
      if (e.dataType.kind === "timestamp") out.push({ kind: "const", value: e.value, negated, scale: 1 });
      else if (e.dataType.kind === "byte" || e.dataType.kind === "short" || e.dataType.kind === "int" || e.dataType.kind === "long" || e.dataType.kind === "float" || e.dataType.kind === "double") out.push({ kind: "const", value: e.value, negated, scale });
      else return false;
      return true;
    }
    case "cast": {
      const k = e.dataType.kind;
      if (!(k === "timestamp" || k === "byte" || k === "short" || k === "int" || k === "long" || k === "float" || k === "double")) return false;
      return collectTerms(e.child, negated, scale, units, out);
    }
    case "call": {
      switch (e.name) {
        case "+":
          return collectTerms(e.args[0], negated, scale, units, out) && collectTerms(e.args[1], negated, scale, units, out);
        case "-":
          return collectTerms(e.args[0], negated, scale, units, out) && collectTerms(e.args[1], !negated, scale, units, out);
        case "negative":
          return collectTerms(e.args[0], !negated, scale, units, out);
        case "positive":
          return collectTerms(e.args[0], negated, scale, units, out);
        default: {
          const m = /^(timestamp|unix)_(micros|millis|seconds)$/.exec(e.name);
          if (m === null || e.args.length !== 1) return false;
          const unit = EPOCH_SCALES[m[2]];
          if (m[1] === "timestamp") return collectTerms(e.args[0], negated, unit, units, out);
          if (scale === null) units.add(unit);
          return collectTerms(e.args[0], negated, scale, units, out);
        }
      }
    }
    default:
      return false;
  }
}

/**
 * Solves `lhs < rhs` for the lowest value (ms) of the one `find` attribute in it, given the
 * watermark in place of the one `watermarked` attribute; null when the conjunct says nothing of
 * that kind.
 */
function solveLessThan(lhs: RExpr, rhs: RExpr, find: ReadonlySet<number>, watermarked: ReadonlySet<number>, watermarkMs: number): number | null {
  const terms: Term[] = [];
  const units = new Set<number>();
  if (!collectTerms(lhs, false, null, units, terms) || !collectTerms(rhs, true, null, units, terms)) return null;
  if (units.size > 1) return null;
  const defaultScale = units.size === 1 ? [...units][0] : 1_000_000;
  const attrs = terms.filter((t) => t.kind === "attr");
  const findIds = new Set(attrs.filter((t) => find.has(t.id)).map((t) => t.id));
  const wmIds = new Set(attrs.filter((t) => watermarked.has(t.id)).map((t) => t.id));
  if (findIds.size !== 1 || wmIds.size > 1) return null;
  const constraint = attrs.filter((t) => find.has(t.id));
  if (constraint.length !== 1 || !constraint[0].negated) return null;
  let sum = 0;
  for (const t of terms) {
    if (t === constraint[0]) continue;
    if (t.kind === "attr") {
      if (!watermarked.has(t.id)) return null;
      sum += (t.negated ? -1 : 1) * watermarkMs * 1000;
    } else sum += (t.negated ? -1 : 1) * t.value * (t.scale ?? defaultScale);
  }
  return Math.trunc(sum / 1000);
}

/**
 * Spark's getStateValueWatermark: the event time (ms) at or below which rows of the side whose
 * attributes are `find` can no longer match any future row of the other side, whose watermarked
 * columns are `watermarked`, under `condition` and the watermark; null when the condition bounds
 * nothing.
 */
export function stateValueWatermark(condition: RExpr | null, find: ReadonlySet<number>, watermarked: ReadonlySet<number>, watermarkMs: number): number | null {
  if (condition === null || watermarked.size === 0) return null;
  let best: number | null = null;
  for (const c of splitConjuncts(condition)) {
    if (c.kind !== "call" || c.args.length !== 2) continue;
    const [l, r] = c.args;
    let w: number | null = null;
    if (c.name === "<") w = solveLessThan(l, r, find, watermarked, watermarkMs);
    else if (c.name === "<=") w = solveLessThan(l, r, find, watermarked, watermarkMs);
    else if (c.name === ">") w = solveLessThan(r, l, find, watermarked, watermarkMs);
    else if (c.name === ">=") w = solveLessThan(r, l, find, watermarked, watermarkMs);
    else continue;
    if (w === null) continue;
    // The removal is inclusive (`time <= W`); `thisTime >= W` must keep W itself.
    if (c.name === "<=" || c.name === ">=") w -= 1;
    best = best === null ? w : Math.min(best, w);
  }
  return best;
}

// ---- per-side plan

/** How one side's state is evicted as the watermark passes. */
export type SideEviction =
  /** Rows whose join key `keyIndex` (a timestamp, or a window whose end counts) is at or below the watermark. */
  | { readonly kind: "key"; readonly keyIndex: number }
  /** Rows whose event-time column is at or below the state value watermark of the condition. */
  | { readonly kind: "value"; readonly column: number };

/** What the operator needs to know of one side. */
export interface JoinSidePlan {
  /** The side's watermarked column (index into the side's output): late rows are dropped by it. */
  readonly eventTimeColumn: number | null;
  readonly eviction: SideEviction | null;
}

/** The analysed stream-stream join. */
export interface StreamJoinPlan {
  readonly split: SplitJoinCondition;
  readonly left: JoinSidePlan;
  readonly right: JoinSidePlan;
  /** The watermarked attributes of each side's output (for {@link stateValueWatermark}). */
  readonly leftEventTime: ReadonlySet<number>;
  readonly rightEventTime: ReadonlySet<number>;
}

/** The first key position where either side's key is a watermarked column (Spark's findJoinKeyOrdinalForWatermark). */
function watermarkKeyIndex(split: SplitJoinCondition, leftEt: ReadonlySet<number>, rightEt: ReadonlySet<number>): number | null {
  for (let i = 0; i < split.leftKeys.length; i++) {
    const l = split.leftKeys[i];
    const r = split.rightKeys[i];
    if ((l.kind === "ref" && leftEt.has(l.id)) || (r.kind === "ref" && rightEt.has(r.id))) return i;
  }
  return null;
}

/** Analyses a stream-stream join (see {@link StreamJoinPlan}). */
export function planStreamJoin(j: JoinNode): StreamJoinPlan {
  const split = splitJoinCondition(j);
  const leftEt = eventTimeIds(j.left);
  const rightEt = eventTimeIds(j.right);
  const keyIndex = watermarkKeyIndex(split, leftEt, rightEt);
  const side = (plan: LogicalPlan, keys: readonly RExpr[], et: ReadonlySet<number>, otherEt: ReadonlySet<number>): JoinSidePlan => {
    const out = plan.output;
    // The side's event-time column: its watermarked join key when there is one, else its first watermarked column.
    const key = keyIndex === null ? null : keys[keyIndex];
    let column = key !== null && key.kind === "ref" && et.has(key.id) ? out.findIndex((a) => a.id === key.id) : -1;
    if (column < 0) column = out.findIndex((a) => et.has(a.id));
    let eviction: SideEviction | null = null;
    if (keyIndex !== null) eviction = { kind: "key", keyIndex };
    else if (column >= 0 && stateValueWatermark(j.condition, new Set(out.map((a) => a.id)), otherEt, 1_000_000) !== null) eviction = { kind: "value", column };
    return { eventTimeColumn: column < 0 ? null : column, eviction };
  };
  return {
    split,
    left: side(j.left, split.leftKeys, leftEt, rightEt),
    right: side(j.right, split.rightKeys, rightEt, leftEt),
    leftEventTime: leftEt,
    rightEventTime: rightEt,
  };
}

// ---- checks

function containsStreamingAggregate(p: LogicalPlan): boolean {
  if (p.kind === "aggregate" && streaming(p.child)) return true;
  return planChildren(p).some(containsStreamingAggregate);
}

/**
 * Spark's checks of a join of two streams (UnsupportedOperationChecker and
 * checkForStreamStreamJoinWatermark), plus Weir's own: no streaming aggregation below the join,
 * and a preserved side of an outer join whose state can be evicted (else its unmatched rows would
 * never be emitted). Messages are Spark's, followed by what exactly is missing.
 */
export function checkStreamStreamJoin(j: JoinNode): void {
  const name = SPARK_JOIN_NAMES[j.how];
  if (j.how === "anti") throw unsupported("LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported");
  if (containsStreamingAggregate(j.left) || containsStreamingAggregate(j.right)) {
    throw unsupported(
      `A streaming aggregation before a stream-stream ${name} join is not supported by Weir: Spark 4 runs it in append mode with a watermark per operator, which Weir does not keep yet. ` +
        "Join the streams first and aggregate the joined rows, or write the aggregation to a topic and join that stream.",
    );
  }
  const plan = planStreamJoin(j);
  // Spark's planner (StreamingJoinStrategy) needs an equality between the sides.
  const noEquality = (): WeirError =>
    unsupported("Stream-stream join without equality predicate is not supported: add an equality between the two sides' columns to the condition (a key, or equal event-time windows).");
  if (j.how === "inner" || j.how === "cross") {
    if (plan.split.leftKeys.length === 0) throw noEquality();
    return;
  }
  const leftIds = new Set(j.left.output.map((a) => a.id));
  const rightIds = new Set(j.right.output.map((a) => a.id));
  const keyWatermark = plan.left.eviction?.kind === "key";
  const bounded = (find: ReadonlySet<number>, otherEt: ReadonlySet<number>): boolean => stateValueWatermark(j.condition, find, otherEt, 1_000_000) !== null;
  const hasValidRange =
    j.how === "left" || j.how === "semi"
      ? bounded(leftIds, plan.rightEventTime)
      : j.how === "right"
        ? bounded(rightIds, plan.leftEventTime)
        : bounded(leftIds, plan.rightEventTime) || bounded(rightIds, plan.leftEventTime);
  if (!keyWatermark && !hasValidRange) {
    const nullable = j.how === "left" || j.how === "semi" ? "right" : j.how === "right" ? "left" : "either";
    const nullableEt = nullable === "right" ? plan.rightEventTime : nullable === "left" ? plan.leftEventTime : new Set([...plan.leftEventTime, ...plan.rightEventTime]);
    const missing =
      nullableEt.size === 0
        ? `the ${nullable} side has no watermark: add withWatermark() on its event-time column`
        : `no join key is a watermarked column, and no condition bounds the ${nullable === "right" ? "left" : nullable === "left" ? "right" : "other"} side's event time by the ${nullable} side's watermarked column (e.g. leftTime >= rightTime AND leftTime <= rightTime + INTERVAL 1 HOUR)`;
    throw unsupported(
      `Stream-stream ${name} join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition: ${missing}.`,
    );
  }
  // Weir also requires the preserved side(s) of an outer join to be evictable, as Spark's guide
  // asks (watermarks on both sides): otherwise their unmatched rows could never be emitted.
  const preserved: ("left" | "right")[] = j.how === "left" ? ["left"] : j.how === "right" ? ["right"] : j.how === "full" ? ["left", "right"] : [];
  for (const s of preserved) {
    const sp = s === "left" ? plan.left : plan.right;
    if (sp.eviction !== null) continue;
    const other = s === "left" ? "right" : "left";
    const missing =
      sp.eventTimeColumn === null
        ? `the ${s} side has no watermark: add withWatermark() on its event-time column`
        : `no condition bounds the ${s} side's event time by the ${other} side's watermarked column (e.g. ${s}Time >= ${other}Time AND ${s}Time <= ${other}Time + INTERVAL 1 HOUR)`;
    throw unsupported(
      `Stream-stream ${name} join: the ${s} side's rows without a match could never be emitted, because nothing says when no match can come any more; ${missing}. Outer joins need watermarks on both sides and a time constraint (a watermarked join key, or an event-time range condition).`,
    );
  }
  if (plan.split.leftKeys.length === 0) throw noEquality();
}
