/**
 * Streaming aggregation by session window (Spark's SessionWindowStateStoreRestoreExec,
 * MergingSessionsExec and SessionWindowStateStoreSaveExec): `groupBy(session_window(ts, gap),
 * ...keys).agg(...)` on a streaming DataFrame. State keeps, per value of the other grouping keys
 * (in that key's state partition, as the aggregation's), the key's open sessions: start, end and
 * accumulator states, sorted by start. Each batch folds its rows into sessions per key (the
 * batch engine's rule: sorted by start, a row starting at or before the current end joins it),
 * merges them with the stored sessions of the key (Accumulator.merge), and stores the result.
 * Batch N loads state version N and commits N+1, so a re-run batch gives the same output.
 *
 * With a watermark on the time column:
 * - a row whose own session `[ts, ts + gap)` ends at or before the previous batch's watermark
 *   (Spark's watermark for late events) is dropped and counted (numRowsDroppedByWatermark): it
 *   could only belong to sessions already emitted;
 * - append mode emits the sessions whose end is at or before the batch's watermark (they can no
 *   longer grow: any later row of the key starts after the watermark) and evicts them.
 * Complete mode emits every session each batch and evicts nothing. Update mode is refused, as
 * Spark refuses it (a session's start can change as it merges, so an updated row cannot replace
 * the previous one); so is a session window without another grouping key.
 *
 * Progress: operatorName `sessionWindowStateStoreSaveExec`; numRowsTotal counts sessions;
 * numRowsUpdated the sessions written for keys the batch touched; numRowsRemoved the sessions
 * merged away or evicted (Spark's counts).
 */
import { compileSessionAggregation, foldRowsIntoSessions, mergeSessions, type Session, type SessionRow } from "../exec/session-window.js";
import type { LogicalPlan } from "../plan/logical.js";
import { optimize } from "../plan/optimizer.js";
import { physicalPlan } from "../plan/physical.js";
import type { StateStore, StateStoreProvider } from "../state/store.js";
import type { Row } from "../types.js";
import type { EventTimeMark } from "./event-time.js";
import { type StatefulBatchContext, type StatefulOperator, type StatefulResult, abortStores, commitStores, stateOperatorProgress } from "./operators.js";
import type { OutputMode } from "./sinks.js";
import { stateKeyEncoder, statePartitionOf } from "./state-keys.js";

type AggregateNode = Extract<LogicalPlan, { kind: "aggregate" }>;

/** A stored key: the other grouping keys' values and the key's sessions, sorted by start. */
type StoredSessions = [keys: Row, sessions: [start: number, end: number, states: unknown[]][]];

/** True for an aggregation grouped by a session window. */
export function isSessionAggregate(p: LogicalPlan): p is AggregateNode & { sessionWindow: number } {
  return p.kind === "aggregate" && p.sessionWindow !== undefined;
}

/** True when the session window key of `agg` is computed from a watermarked column. */
export function sessionWindowIsWatermarked(agg: AggregateNode & { sessionWindow: number }, marks: ReadonlyMap<number, EventTimeMark>): boolean {
  const k = agg.keys[agg.sessionWindow];
  return marks.has(k.attr.id) || (k.expr.kind === "ref" && marks.has(k.expr.id));
}

function toSessions(stored: StoredSessions | undefined): Session[] {
  return stored === undefined ? [] : stored[1].map(([start, end, states]) => ({ start, end, states }));
}

function toStored(keys: Row, sessions: readonly Session[]): StoredSessions {
  return [keys, sessions.map((s) => [s.start, s.end, s.states])];
}

/** See the module comment. */
export class StreamingSessionWindow implements StatefulOperator {
  readonly evictsByWatermark: boolean;
  private readonly providers: StateStoreProvider[];
  private readonly watermarked: boolean;

  constructor(
    private readonly agg: AggregateNode & { sessionWindow: number },
    private readonly numPartitions: number,
    providerOf: (partition: number) => StateStoreProvider,
    marks: ReadonlyMap<number, EventTimeMark>,
    outputMode: OutputMode | undefined,
  ) {
    this.providers = Array.from({ length: numPartitions }, (_v, p) => providerOf(p));
    this.watermarked = sessionWindowIsWatermarked(agg, marks);
    // Spark's shouldRunAnotherBatch: append (and update) mode emit and evict when the watermark moves.
    this.evictsByWatermark = this.watermarked && outputMode !== "complete";
  }

  async run(ctx: StatefulBatchContext, [child]: readonly LogicalPlan[]): Promise<StatefulResult> {
    const physical = physicalPlan(optimize(child));
    const c = compileSessionAggregation(this.agg.keys, this.agg.aggs, this.agg.sessionWindow, physical.output);
    const encode = stateKeyEncoder(this.agg.keys.filter((_, i) => i !== this.agg.sessionWindow).map((k) => k.expr.dataType));
    const lateUs = (ctx.lateEventsWatermarkMs ?? ctx.watermarkMs) * 1000;
    const evictUs = ctx.watermarkMs * 1000;
    const t0 = Date.now();
    // The batch's rows by key (Spark's SessionWindowStateStoreRestoreExec drops the late ones).
    const local = new Map<string, { keys: Row; rows: SessionRow[] }>();
    let dropped = 0;
    const streams = await physical.open({ signal: ctx.signal });
    for (const s of streams) {
      for await (const batch of s) {
        for (const row of batch) {
          const session = c.session(row);
          if (session === null) continue;
          if (this.watermarked && session[1] <= lateUs) {
            dropped++;
            continue;
          }
          const keys = c.otherKeys(row);
          const k = encode(keys);
          let g = local.get(k);
          if (g === undefined) local.set(k, (g = { keys, rows: [] }));
          g.rows.push({ start: session[0], end: session[1], row });
        }
      }
    }
    const stores: StateStore[] = await Promise.all(this.providers.map((p) => p.load(ctx.batchId)));
    const out: Row[] = [];
    let updated = 0;
    let removed = 0;
    try {
      for (const [k, g] of local) {
        const store = stores[statePartitionOf(k, this.numPartitions)];
        const before = toSessions(store.get(k) as StoredSessions | undefined);
        const merged = mergeSessions([...before, ...foldRowsIntoSessions(g.rows, c)], c.accs);
        const starts = new Set(merged.map((s) => s.start));
        updated += merged.length;
        removed += before.filter((s) => !starts.has(s.start)).length;
        store.put(k, toStored(g.keys, merged));
      }
      const updatesMs = Date.now() - t0;
      const t1 = Date.now();
      const mode = ctx.outputMode;
      let total = 0;
      for (const st of stores) {
        const changes: [string, StoredSessions | null][] = [];
        for (const [k, v] of st.entries()) {
          const [keys, sessions] = v as StoredSessions;
          if (mode === "complete" || !this.watermarked) {
            if (mode === "complete") for (const [start, end, states] of sessions) out.push(c.output(keys, { start, end, states }));
            total += sessions.length;
            continue;
          }
          const kept = sessions.filter((s) => s[1] > evictUs);
          for (const [start, end, states] of sessions) if (end <= evictUs) out.push(c.output(keys, { start, end, states }));
          total += kept.length;
          if (kept.length < sessions.length) {
            removed += sessions.length - kept.length;
            changes.push([k, kept.length === 0 ? null : [keys, kept]]);
          }
        }
        for (const [k, v] of changes) {
          if (v === null) st.remove(k);
          else st.put(k, v);
        }
      }
      const removalsMs = Date.now() - t1;
      const committed = await commitStores(stores, this.providers, ctx.batchId);
      return {
        rows: out,
        progress: stateOperatorProgress("sessionWindowStateStoreSaveExec", this.numPartitions, committed, { numRowsTotal: total, numRowsUpdated: updated, numRowsRemoved: removed, numRowsDroppedByWatermark: dropped, allUpdatesTimeMs: updatesMs, allRemovalsTimeMs: removalsMs }),
      };
    } catch (e) {
      abortStores(stores);
      throw e;
    }
  }
}
