/**
 * Streaming deduplication (Spark's StreamingDeduplicateExec and
 * StreamingDeduplicateWithinWatermarkExec): `dropDuplicates(subset)` / `distinct()` and
 * `dropDuplicatesWithinWatermark(subset)` on a streaming DataFrame. A row is emitted when its key
 * (the subset's values) is not in state, and the key is then kept, in the state partition of its
 * key (as the aggregation's). Batch N loads state version N and commits N+1, so a re-run batch
 * emits exactly what it emitted before.
 *
 * With a watermark on the input (its event-time column, see event-time.ts):
 * - rows whose event time is at or below the previous batch's watermark (Spark's watermark for
 *   late events) are dropped before deduplication and counted (numRowsDroppedByWatermark);
 * - `dropDuplicates`: when a key column is the event time (or a window of it), keys whose event
 *   time is at or below the batch's watermark are evicted after the batch; when none is, state
 *   grows without bound, as in Spark;
 * - `dropDuplicatesWithinWatermark`: a key expires at its first row's event time plus the
 *   watermark's delay, and is evicted once the batch's watermark reaches that time. It needs a
 *   watermark (refused at start otherwise).
 *
 * Progress: operatorName `dedupe` / `dedupeWithinWatermark`, customMetrics.numDroppedDuplicateRows.
 */
import type { LogicalPlan } from "../plan/logical.js";
import { optimize } from "../plan/optimizer.js";
import { physicalPlan } from "../plan/physical.js";
import { compile, ordinals } from "../exec/bind.js";
import type { Row } from "../types.js";
import type { StateStore, StateStoreProvider } from "../state/store.js";
import { eventTimeColumnOf, eventTimeValue, type EventTimeMark } from "./event-time.js";
import { type StatefulBatchContext, type StatefulOperator, type StatefulResult, abortStores, commitStores, stateOperatorProgress } from "./operators.js";
import { stateKeyEncoder, statePartitionOf } from "./state-keys.js";

type DedupNode = Extract<LogicalPlan, { kind: "dedup" }>;

/** See the module comment. */
export class StreamingDeduplicate implements StatefulOperator {
  readonly evictsByWatermark: boolean;
  private readonly providers: StateStoreProvider[];
  /** The input's event-time column, or null without a watermark. */
  private readonly eventTime: { index: number; struct: boolean; delayMs: number } | null;
  /** The key holding the event time (dropDuplicates evicts by it), or -1. */
  private readonly eventTimeKey: number;

  constructor(
    private readonly node: DedupNode,
    private readonly numPartitions: number,
    providerOf: (partition: number) => StateStoreProvider,
    marks: ReadonlyMap<number, EventTimeMark>,
  ) {
    this.providers = Array.from({ length: numPartitions }, (_v, p) => providerOf(p));
    this.eventTime = eventTimeColumnOf(node.child.output, marks);
    this.eventTimeKey = node.keys.findIndex((k) => marks.has(k.id));
    // As Spark's shouldRunAnotherBatch: any watermark move may evict (or, within watermark, expire) keys.
    this.evictsByWatermark = this.eventTime !== null;
  }

  /** `dedupe` or `dedupeWithinWatermark`, Spark's operator names in progress. */
  get operatorName(): string {
    return this.node.withinWatermark === true ? "dedupeWithinWatermark" : "dedupe";
  }

  async run(ctx: StatefulBatchContext, [child]: readonly LogicalPlan[]): Promise<StatefulResult> {
    const physical = physicalPlan(optimize(child));
    const input = ordinals(physical.output);
    const keyFns = this.node.keys.map((a) => compile({ kind: "ref", id: a.id, name: a.name, dataType: a.dataType, nullable: a.nullable }, input));
    const encode = stateKeyEncoder(this.node.keys.map((a) => a.dataType));
    const et = this.eventTime;
    const etPos = et === null ? -1 : input.get(this.node.child.output[et.index].id)!;
    const lateUs = (ctx.lateEventsWatermarkMs ?? ctx.watermarkMs) * 1000;
    const evictUs = ctx.watermarkMs * 1000;
    const within = this.node.withinWatermark === true;
    const stores: StateStore[] = await Promise.all(this.providers.map((p) => p.load(ctx.batchId)));
    const out: Row[] = [];
    let dropped = 0;
    let duplicates = 0;
    let updated = 0;
    let removed = 0;
    try {
      const t0 = Date.now();
      const streams = await physical.open({ signal: ctx.signal });
      for (const s of streams) {
        for await (const batch of s) {
          for (const row of batch) {
            const t = etPos < 0 ? null : eventTimeValue(row[etPos]);
            if (t !== null && t <= lateUs) {
              dropped++;
              continue;
            }
            const keys = keyFns.map((f) => f(row));
            const k = encode(keys);
            const store = stores[statePartitionOf(k, this.numPartitions)];
            if (store.has(k)) {
              duplicates++;
              continue;
            }
            // What eviction compares with the watermark: the expiry (within watermark), the key's event time, or nothing.
            let value: number | null = null;
            if (within) value = t === null ? null : t + et!.delayMs * 1000;
            else if (this.eventTimeKey >= 0) value = eventTimeValue(keys[this.eventTimeKey]);
            store.put(k, value);
            updated++;
            out.push(row);
          }
        }
      }
      const updatesMs = Date.now() - t0;
      const t1 = Date.now();
      // Eviction (Spark's removeKeysOlderThanWatermark / evictDupInfoFromState).
      if (et !== null && (within || this.eventTimeKey >= 0)) {
        for (const st of stores) {
          const evict: string[] = [];
          for (const [k, v] of st.entries()) if (typeof v === "number" && v <= evictUs) evict.push(k);
          for (const k of evict) st.remove(k);
          removed += evict.length;
        }
      }
      const removalsMs = Date.now() - t1;
      const committed = await commitStores(stores, this.providers, ctx.batchId);
      return {
        rows: out,
        progress: stateOperatorProgress(this.operatorName, this.numPartitions, committed, { numRowsUpdated: updated, numRowsRemoved: removed, numRowsDroppedByWatermark: dropped, allUpdatesTimeMs: updatesMs, allRemovalsTimeMs: removalsMs, customMetrics: { numDroppedDuplicateRows: duplicates } }),
      };
    } catch (e) {
      abortStores(stores);
      throw e;
    }
  }
}
