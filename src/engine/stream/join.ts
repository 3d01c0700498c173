/**
 * Stream-stream joins (Spark's StreamingSymmetricHashJoinExec): inner, left/right/full outer and
 * left semi, in append mode. Each side's rows are kept in state by their equality join key
 * (join-state.ts), in the key's state partition. In a batch, each new left row is joined with
 * the right rows in state, then stored; then each new right row is joined with the left rows in
 * state, which now include this batch's: every pair is joined exactly once, whichever batch each
 * row came in. The condition's parts that read one side filter that side before the lookup (a
 * preserved row failing them is emitted null-padded at once); the rest is checked on each pair.
 *
 * The watermark (the operator's input watermark) drives the rest (join-plan.ts): a row whose
 * event time is at or below the previous batch's watermark (Spark's watermark for late events)
 * is late, dropped and counted (numRowsDroppedByWatermark); state
 * rows whose watermarked join key, or whose event time bounded by the time-range condition, is
 * at or below it can match nothing any more and are evicted. An outer join emits an evicted row
 * that never matched with nulls for the other side's columns, so outer rows appear only once the
 * watermark guarantees no match can come. A left semi join emits a left row once, when it first
 * matches.
 */
import { compilePredicate, compile, ordinals, type Evaluator } from "../exec/bind.js";
import { collectAll } from "../exec/operator.js";
import type { LogicalPlan } from "../plan/logical.js";
import { optimize } from "../plan/optimizer.js";
import { physicalPlan } from "../plan/physical.js";
import type { StateStoreProvider } from "../state/store.js";
import type { Row } from "../types.js";
import { stateKeyEncoder, statePartitionOf } from "./group-state.js";
import { planStreamJoin, stateValueWatermark, type JoinSidePlan } from "./join-plan.js";
import { decodeRow, JoinPartitionState, type JoinSide } from "./join-state.js";
import { type StatefulBatchContext, type StatefulOperator, type StatefulResult, abortStores, commitStores, stateOperatorProgress } from "./operators.js";

type JoinNode = Extract<LogicalPlan, { kind: "join" }>;

/** The event time (µs) of a timestamp value, or of a window's end; null when unknown. */
function timeOf(v: unknown): number | null {
  if (typeof v === "number") return v;
  if (Array.isArray(v) && typeof v[1] === "number") return v[1];
  return null;
}

/** Runs a bound child plan to its rows. */
async function readAll(plan: LogicalPlan, signal: AbortSignal): Promise<Row[]> {
  return collectAll(await physicalPlan(optimize(plan)).open({ signal }));
}

/** What is compiled once per side. */
interface SideRuntime {
  readonly side: JoinSide;
  readonly plan: JoinSidePlan;
  readonly keys: readonly Evaluator[];
  readonly pre: ((row: Row) => boolean) | null;
  /** Whether this side's unmatched rows are emitted null-padded (the preserved side of an outer join). */
  readonly preserved: boolean;
  readonly attributeIds: ReadonlySet<number>;
  readonly otherEventTime: ReadonlySet<number>;
}

/** See the module comment. */
export class StreamStreamJoin implements StatefulOperator {
  readonly evictsByWatermark: boolean;
  private readonly providers: StateStoreProvider[];
  private readonly left: SideRuntime;
  private readonly right: SideRuntime;
  private readonly post: ((row: Row) => boolean) | null;
  private readonly encode: (values: readonly unknown[]) => string;
  private readonly nullSafe: readonly boolean[];
  /** The state bound (µs) each side was last evicted at in this run: rows at or below it are gone and never stored again. */
  private readonly evictedAt = { L: Number.NEGATIVE_INFINITY, R: Number.NEGATIVE_INFINITY };

  constructor(
    private readonly node: JoinNode,
    private readonly numPartitions: number,
    providerOf: (partition: number) => StateStoreProvider,
  ) {
    this.providers = Array.from({ length: numPartitions }, (_v, p) => providerOf(p));
    const a = planStreamJoin(node);
    const split = a.split;
    const leftAt = ordinals(node.left.output);
    const rightAt = ordinals(node.right.output);
    const how = node.how;
    this.left = {
      side: "L",
      plan: a.left,
      keys: split.leftKeys.map((k) => compile(k, leftAt)),
      pre: split.leftOnly === null ? null : compilePredicate(split.leftOnly, leftAt),
      preserved: how === "left" || how === "full",
      attributeIds: new Set(node.left.output.map((x) => x.id)),
      otherEventTime: a.rightEventTime,
    };
    this.right = {
      side: "R",
      plan: a.right,
      keys: split.rightKeys.map((k) => compile(k, rightAt)),
      pre: split.rightOnly === null ? null : compilePredicate(split.rightOnly, rightAt),
      preserved: how === "right" || how === "full",
      attributeIds: new Set(node.right.output.map((x) => x.id)),
      otherEventTime: a.leftEventTime,
    };
    this.post = split.both === null ? null : compilePredicate(split.both, ordinals([...node.left.output, ...node.right.output]));
    this.encode = stateKeyEncoder(split.leftKeys.map((k) => k.dataType));
    this.nullSafe = split.nullSafe;
    this.evictsByWatermark = a.left.eviction !== null || a.right.eviction !== null;
  }

  /** The join key of a row (its encoding), or undefined when a part that is not null-safe is null (it can match nothing). */
  private keyOf(s: SideRuntime, row: Row): string | undefined {
    const values = s.keys.map((f) => f(row));
    for (let i = 0; i < values.length; i++) if (values[i] === null && !this.nullSafe[i]) return undefined;
    return this.encode(values);
  }

  /** The state bound (µs) of a side at watermark `watermarkMs`: rows whose event time (or watermarked key) is at or below it are evicted; null when none. */
  private stateBoundUs(s: SideRuntime, watermarkMs: number): number | null {
    const e = s.plan.eviction;
    if (e === null || watermarkMs <= 0) return null;
    if (e.kind === "key") return watermarkMs * 1000;
    const w = stateValueWatermark(this.node.condition, s.attributeIds, s.otherEventTime, watermarkMs);
    return w === null ? null : w * 1000;
  }

  /** The event time (µs) a side's row is evicted by: its watermarked join key, or its event-time column; null when never. */
  private evictionTimeOf(s: SideRuntime): (row: Row) => number | null {
    const e = s.plan.eviction;
    if (e === null) return () => null;
    if (e.kind === "key") {
      const f = s.keys[e.keyIndex];
      return (row) => timeOf(f(row));
    }
    const c = e.column;
    return (row) => timeOf(row[c]);
  }

  async run(ctx: StatefulBatchContext, [leftPlan, rightPlan]: readonly LogicalPlan[]): Promise<StatefulResult> {
    const { batchId, watermarkMs, signal } = ctx;
    const how = this.node.how;
    const leftWidth = this.node.left.output.length;
    const rightWidth = this.node.right.output.length;
    const nullsLeft = new Array<unknown>(leftWidth).fill(null);
    const nullsRight = new Array<unknown>(rightWidth).fill(null);
    const leftRows = await readAll(leftPlan, signal);
    const rightRows = await readAll(rightPlan, signal);
    // Late rows are those at or below the previous batch's watermark (Spark's watermark for late events).
    const lateMs = ctx.lateEventsWatermarkMs ?? watermarkMs;
    const watermarkUs = lateMs > 0 ? lateMs * 1000 : null;
    const bounds = { L: this.stateBoundUs(this.left, watermarkMs), R: this.stateBoundUs(this.right, watermarkMs) };
    const evictionTime = { L: this.evictionTimeOf(this.left), R: this.evictionTimeOf(this.right) };
    const t0 = Date.now();
    const stores = await Promise.all(this.providers.map((p) => p.load(batchId)));
    const parts = stores.map((s) => new JoinPartitionState(s));
    const out: Row[] = [];
    let dropped = 0;
    const process = (s: SideRuntime, row: Row): void => {
      const isLeft = s.side === "L";
      const nullPadded = (r: Row): Row => (isLeft ? r.concat(nullsRight) : nullsLeft.concat(r));
      const col = s.plan.eventTimeColumn;
      if (watermarkUs !== null && col !== null) {
        const t = timeOf(row[col]);
        if (t !== null && t <= watermarkUs) {
          dropped++;
          return;
        }
      }
      if (s.pre !== null && !s.pre(row)) {
        if (s.preserved) out.push(nullPadded(row));
        return;
      }
      const key = this.keyOf(s, row);
      if (key === undefined) {
        if (s.preserved) out.push(nullPadded(row));
        return;
      }
      const part = parts[statePartitionOf(key, this.numPartitions)];
      const other: SideRuntime = isLeft ? this.right : this.left;
      let matched = false;
      for (const r of part.rows(other.side, key)) {
        // A left semi join emits each left row once: rows already matched are skipped.
        if (how === "semi" && !isLeft && r.matched) continue;
        const stored = decodeRow(r.raw);
        const joined = isLeft ? row.concat(stored) : stored.concat(row);
        if (this.post !== null && !this.post(joined)) continue;
        matched = true;
        if (how === "semi") {
          if (isLeft) break;
          out.push(stored);
          part.markMatched(other.side, r);
          continue;
        }
        out.push(joined);
        if (other.preserved && !r.matched) part.markMatched(other.side, r);
      }
      if (how === "semi" && isLeft && matched) {
        out.push(row);
        return;
      }
      const t = evictionTime[s.side](row);
      const bound = bounds[s.side];
      if (t === null || bound === null || t > bound) part.append(s.side, key, row, matched, t);
      // A preserved row that can match nothing any more (already past its state bound) is emitted at once.
      else if (!matched && s.preserved) out.push(nullPadded(row));
    };
    try {
      for (const row of leftRows) process(this.left, row);
      for (const row of rightRows) process(this.right, row);
      const updatesMs = Date.now() - t0;
      const t1 = Date.now();
      for (const s of [this.left, this.right]) {
        const bound = bounds[s.side];
        if (bound === null || bound <= this.evictedAt[s.side]) continue;
        for (const part of parts) {
          for (const r of part.evict(s.side, bound)) {
            if (s.preserved && !r.matched) out.push(s.side === "L" ? decodeRow(r.raw).concat(nullsRight) : nullsLeft.concat(decodeRow(r.raw)));
          }
        }
        this.evictedAt[s.side] = bound;
      }
      const removalsMs = Date.now() - t1;
      const total = parts.reduce((n, p) => n + p.total("L") + p.total("R"), 0);
      const appended = parts.reduce((n, p) => n + p.appended, 0);
      const removed = parts.reduce((n, p) => n + p.removed, 0);
      const committed = await commitStores(stores, this.providers, ctx.batchId);
      const stateBounds = [bounds.L, bounds.R].filter((b): b is number => b !== null).map((b) => Math.floor(b / 1000));
      return {
        rows: out,
        progress: stateOperatorProgress("symmetricHashJoin", this.numPartitions, committed, { numRowsTotal: total, numRowsUpdated: appended, numRowsRemoved: removed, numRowsDroppedByWatermark: dropped, allUpdatesTimeMs: updatesMs, allRemovalsTimeMs: removalsMs }),
        // Spark's produceOutputWatermark: rows this join emits later can be as old as its state bounds.
        outputWatermarkMs: stateBounds.length === 0 ? watermarkMs : Math.min(watermarkMs, ...stateBounds),
      };
    } catch (e) {
      abortStores(stores);
      throw e;
    }
  }
}
