/**
 * flatMapGroupsWithState / mapGroupsWithState on a stream (Spark's FlatMapGroupsWithStateExec).
 * Per batch: the batch's rows are grouped by key (in order of each key's first row) and the
 * function is called once per group with the group's stored state; then, with a timeout
 * configured, once more (with no rows, `hasTimedOut` true) for every other stored group whose
 * timeout is earlier than the batch's processing time (processingTime) or watermark
 * (eventTime), in key order. Every call clears the group's previous timeout; what the function
 * leaves (a state, a timeout, both or neither) is stored.
 *
 * State layout: one store per state partition (the key's FNV hash modulo the partition count),
 * key = the grouping key's encoding (group-state.ts `stateKeyEncoder`), value =
 * `[keyValues, state, timeoutMs]`: the grouping values as the engine holds them (to call the
 * function on a timeout), the JSON state (null when only a timeout is kept) and the timeout in
 * ms (-1 when none). Batch N loads version N and commits N+1, so a re-run batch calls the
 * function on the same state again.
 *
 * A processing-time timeout must fire even when no data comes: the executor asks
 * {@link StatefulGroupState.timersDue} before deciding a trigger has nothing to do.
 */
import { collectAll } from "../exec/operator.js";
import type { LogicalPlan } from "../plan/logical.js";
import { schemaOf } from "../plan/logical.js";
import { optimize } from "../plan/optimizer.js";
import { physicalPlan } from "../plan/physical.js";
import type { StateStore, StateStoreProvider } from "../state/store.js";
import type { Row } from "../types.js";
import { groupRows, keyToPlain } from "./group-state-exec.js";
import { callGroupFunction, GroupStateImpl, NO_TIMESTAMP, plainToRow, rowToPlain, statePartitionOf, type JsonValue } from "./group-state.js";
import { eventTimeIds } from "./join-plan.js";
import { type StatefulBatchContext, type StatefulOperator, type StatefulResult, abortStores, commitStores, stateOperatorProgress } from "./operators.js";

type GroupStateNode = Extract<LogicalPlan, { kind: "flatMapGroupsWithState" }>;

/** A stored group: its key values, its state (null: none) and its timeout (ms, or NO_TIMESTAMP). */
type StoredGroup = [keyValues: Row, state: JsonValue | null, timeoutMs: number];

/** See the module comment. */
export class StatefulGroupState implements StatefulOperator {
  readonly evictsByWatermark: boolean;
  private readonly providers: StateStoreProvider[];
  /** The child's watermarked column (late rows are dropped by it under an event-time timeout), or -1. */
  private readonly eventTimeColumn: number;
  private readonly watermarkPresent: boolean;
  /** The earliest processing-time timeout in state after the last batch; undefined until known in this run. */
  private nextTimeoutMs: number | null | undefined = undefined;

  constructor(
    private readonly node: GroupStateNode,
    private readonly numPartitions: number,
    providerOf: (partition: number) => StateStoreProvider,
  ) {
    this.providers = Array.from({ length: numPartitions }, (_v, p) => providerOf(p));
    const et = eventTimeIds(node.child);
    this.watermarkPresent = et.size > 0;
    this.eventTimeColumn = node.child.output.findIndex((a) => et.has(a.id));
    this.evictsByWatermark = node.spec.timeout === "eventTime";
  }

  /** True when a processing-time timeout is due at `nowMs`, so a batch must run even without data. */
  async timersDue(nowMs: number, nextBatchId: number): Promise<boolean> {
    if (this.node.spec.timeout !== "processingTime") return false;
    if (this.nextTimeoutMs === undefined) {
      // First question of this run: read the stored timeouts (the load is kept for the next batch).
      const stores = await Promise.all(this.providers.map((p) => p.load(nextBatchId)));
      let min: number | null = null;
      for (const s of stores) {
        for (const [, v] of s.entries()) {
          const t = (v as StoredGroup)[2];
          if (t !== NO_TIMESTAMP && (min === null || t < min)) min = t;
        }
        s.abort();
      }
      this.nextTimeoutMs = min;
    }
    return this.nextTimeoutMs !== null && this.nextTimeoutMs < nowMs;
  }

  async run(ctx: StatefulBatchContext, [child]: readonly LogicalPlan[]): Promise<StatefulResult> {
    const { batchId, watermarkMs, batchTimestampMs, signal } = ctx;
    const spec = this.node.spec;
    let rows = await collectAll(await physicalPlan(optimize(child)).open({ signal }));
    let dropped = 0;
    // Under an event-time timeout, rows at or below the previous batch's watermark are late (Spark's watermark for late events).
    const lateMs = ctx.lateEventsWatermarkMs ?? watermarkMs;
    if (spec.timeout === "eventTime" && lateMs > 0 && this.eventTimeColumn >= 0) {
      const c = this.eventTimeColumn;
      const wmUs = lateMs * 1000;
      const kept: Row[] = [];
      for (const r of rows) {
        const v = r[c];
        const t = typeof v === "number" ? v : Array.isArray(v) && typeof v[1] === "number" ? v[1] : null;
        if (t !== null && t <= wmUs) dropped++;
        else kept.push(r);
      }
      rows = kept;
    }
    const groups = groupRows(rows, this.node.keys, this.node.child.output);
    const toRow = rowToPlain(schemaOf(this.node.child.output));
    const toKey = keyToPlain(this.node.keys);
    const convert = plainToRow(spec.outputSchema);
    const watermark = this.watermarkPresent ? watermarkMs : null;
    const t0 = Date.now();
    const stores: StateStore[] = await Promise.all(this.providers.map((p) => p.load(batchId)));
    const out: Row[] = [];
    let updated = 0;
    let removed = 0;
    let nextTimeout: number | null = null;
    const noteTimeout = (t: number): void => {
      if (t !== NO_TIMESTAMP && (nextTimeout === null || t < nextTimeout)) nextTimeout = t;
    };
    /** Stores what the function left (Spark's rules: a removed state without a timeout is deleted; else written when anything changed). */
    const persist = (store: StateStore, k: string, keyValues: Row, stored: StoredGroup | undefined, state: GroupStateImpl): void => {
      const timeout = state.timeoutTimestampMs;
      const value = state.current;
      if (value === undefined && timeout === NO_TIMESTAMP) {
        if (stored !== undefined) {
          store.remove(k);
          removed++;
        }
        return;
      }
      if (stored === undefined || state.updated || state.removed || stored[2] !== timeout) {
        store.put(k, [keyValues, value ?? null, timeout] satisfies StoredGroup);
        updated++;
      }
    };
    const call = async (store: StateStore, k: string, keyValues: Row, stored: StoredGroup | undefined, groupRowsIn: Row[], timedOut: boolean): Promise<void> => {
      signal.throwIfAborted();
      const state = new GroupStateImpl({ value: stored === undefined || stored[1] === null ? undefined : stored[1], timeout: spec.timeout, batchProcessingTimeMs: batchTimestampMs, watermarkMs: watermark, hasTimedOut: timedOut });
      const emitted = await callGroupFunction(spec, convert, toKey(keyValues), groupRowsIn.map(toRow), state);
      for (const r of emitted) out.push(r);
      persist(store, k, keyValues, stored, state);
    };
    try {
      for (const [k, g] of groups) {
        const store = stores[statePartitionOf(k, this.numPartitions)];
        await call(store, k, g.keyValues, store.get(k) as StoredGroup | undefined, g.rows, false);
      }
      const updatesMs = Date.now() - t0;
      const t1 = Date.now();
      const threshold = spec.timeout === "processingTime" ? batchTimestampMs : spec.timeout === "eventTime" && watermarkMs > 0 ? watermarkMs : null;
      if (spec.timeout !== "none") {
        for (const store of stores) {
          const due: [string, StoredGroup][] = [];
          for (const [k, v] of store.entries()) {
            const g = v as StoredGroup;
            if (threshold !== null && g[2] !== NO_TIMESTAMP && g[2] < threshold) due.push([k, g]);
            else noteTimeout(g[2]);
          }
          due.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
          for (const [k, g] of due) {
            await call(store, k, g[0], g, [], true);
            const after = store.get(k) as StoredGroup | undefined;
            if (after !== undefined) noteTimeout(after[2]);
          }
        }
      }
      const removalsMs = Date.now() - t1;
      const committed = await commitStores(stores, this.providers, ctx.batchId);
      this.nextTimeoutMs = nextTimeout;
      return {
        rows: out,
        progress: stateOperatorProgress("flatMapGroupsWithState", this.numPartitions, committed, { numRowsUpdated: updated, numRowsRemoved: removed, numRowsDroppedByWatermark: dropped, allUpdatesTimeMs: updatesMs, allRemovalsTimeMs: removalsMs }),
      };
    } catch (e) {
      abortStores(stores);
      throw e;
    }
  }
}
