/**
 * Streaming aggregation with state (Spark's StateStoreRestore/Save around a HashAggregate). The
 * batch's input is aggregated into accumulator states per group, as the batch engine's partial
 * phase does; each group's states are then merged with the ones kept in the state store of the
 * group's state partition (hash of the key modulo the fixed number of state partitions, recorded
 * in the offsets' conf as `spark.sql.shuffle.partitions`). Batch N loads state version N and
 * commits N+1, so a re-run batch starts from the same state.
 *
 * Output per mode: complete — every group; update — the groups this batch changed; append (needs
 * a watermark on a grouping key) — the groups whose event time (or window end) is at or below
 * the batch's watermark, which are then evicted. With a watermark, rows whose event time (window
 * end) is at or below the watermark are dropped and counted (numRowsDroppedByWatermark), and
 * update mode evicts groups the watermark passed.
 */
import { assert } from "../../util/assert.js";
import type { Accumulator } from "../expr/ast.js";
import { argInfo, compile, ordinals, type Evaluator } from "../exec/bind.js";
import { keyNormalizer } from "../exec/keys.js";
import type { LogicalPlan } from "../plan/logical.js";
import { optimize } from "../plan/optimizer.js";
import { physicalPlan } from "../plan/physical.js";
import { planString } from "../plan/names.js";
import type { Row } from "../types.js";
import type { StateStore, StateStoreProvider } from "../state/store.js";
import type { StatefulBatchContext, StatefulOperator, StatefulResult } from "./operators.js";

type AggregateNode = Extract<LogicalPlan, { kind: "aggregate" }>;

/** Opens the state of one operator partition. */
export type StateProviderFactory = (operatorId: number, partition: number) => StateStoreProvider;

export type { StatefulResult };

/** A stored group: its key values and one accumulator state per aggregate. */
type StoredGroup = [keys: Row, states: unknown[]];

/** A key's string form in the store (JSON, Buffers as base64). */
function encodeKey(keys: Row): string {
  return JSON.stringify(keys, (_k, v: unknown) => (Buffer.isBuffer(v) ? { $b: v.toString("base64") } : typeof v === "bigint" ? { $n: v.toString() } : (v as object)));
}

/** FNV-1a of a string: the key's state partition. */
function partitionOf(key: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % n;
}

/** See the module comment. */
export class StatefulAggregation implements StatefulOperator {
  private readonly providers: StateStoreProvider[];
  readonly evictsByWatermark: boolean;

  constructor(
    private readonly agg: AggregateNode,
    private readonly numPartitions: number,
    providerOf: (partition: number) => StateStoreProvider,
    /** The grouping key holding the event time (a timestamp, or a window struct whose end counts). */
    private readonly eventTimeKey: number | null,
  ) {
    this.providers = Array.from({ length: numPartitions }, (_v, p) => providerOf(p));
    this.evictsByWatermark = eventTimeKey !== null;
  }

  /** The event time (µs) of a group's key that the watermark is compared with. */
  private eventTimeOf(keys: Row): number | null {
    if (this.eventTimeKey === null) return null;
    const v = keys[this.eventTimeKey];
    if (typeof v === "number") return v;
    if (Array.isArray(v) && typeof v[1] === "number") return v[1]; // window: [start, end]
    return null;
  }

  /** Runs one batch over `child` (the aggregate's input, bound to the batch). */
  async run(ctx: StatefulBatchContext, [child]: readonly LogicalPlan[]): Promise<StatefulResult> {
    const { batchId, watermarkMs, outputMode: mode, signal } = ctx;
    const physical = physicalPlan(optimize(child));
    const input = ordinals(physical.output);
    const keyFns = this.agg.keys.map((k) => compile(k.expr, input));
    const norms = this.agg.keys.map((k) => keyNormalizer(k.expr.dataType));
    const accs: Accumulator[] = [];
    const argFns: Evaluator[][] = [];
    const filterFns: (Evaluator | null)[] = [];
    for (const a of this.agg.aggs) {
      const e = a.expr;
      assert(e.kind === "agg", `not an aggregate: ${planString(e)}`);
      accs.push(e.fn.build(e.args.map(argInfo), e.distinct));
      argFns.push(e.args.map((x) => compile(x, input)));
      filterFns.push(e.filter === undefined ? null : compile(e.filter, input));
    }
    const watermarkUs = watermarkMs * 1000;
    const hasWatermark = this.eventTimeKey !== null && watermarkMs > 0;
    // The batch's groups (partial aggregation).
    const local = new Map<string, StoredGroup>();
    let dropped = 0;
    const streams = await physical.open({ signal });
    for (const s of streams) {
      for await (const batch of s) {
        for (const row of batch) {
          const raw = keyFns.map((f) => f(row));
          if (hasWatermark) {
            const t = this.eventTimeOf(raw);
            if (t !== null && t <= watermarkUs) {
              dropped++;
              continue;
            }
          }
          const k = encodeKey(raw.map((v, i) => (norms[i] === null ? v : norms[i](v))));
          let g = local.get(k);
          if (g === undefined) local.set(k, (g = [raw, accs.map((a) => a.init())]));
          const states = g[1];
          for (let i = 0; i < accs.length; i++) {
            const keep = filterFns[i];
            if (keep !== null && keep(row) !== true) continue;
            states[i] = accs[i].update(states[i], argFns[i].map((f) => f(row)));
          }
        }
      }
    }
    const t0 = Date.now();
    const stores: StateStore[] = await Promise.all(this.providers.map((p) => p.load(batchId)));
    const finish = (g: StoredGroup): Row => [...g[0], ...g[1].map((s, i) => accs[i].finish(s))];
    const out: Row[] = [];
    try {
      for (const [k, g] of local) {
        const store = stores[partitionOf(k, this.numPartitions)];
        const old = store.get(k) as StoredGroup | undefined;
        const merged: StoredGroup = old === undefined ? g : [old[0], old[1].map((s, i) => accs[i].merge(s, g[1][i]))];
        store.put(k, merged);
        if (mode === "update") out.push(finish(merged));
      }
      const updatesMs = Date.now() - t0;
      const t1 = Date.now();
      if (mode === "complete") for (const st of stores) for (const [, g] of st.entries()) out.push(finish(g as StoredGroup));
      if (hasWatermark && mode !== "complete") {
        for (const st of stores) {
          const evict: string[] = [];
          for (const [k, g] of st.entries()) {
            const t = this.eventTimeOf((g as StoredGroup)[0]);
            if (t !== null && t <= watermarkUs) {
              if (mode === "append") out.push(finish(g as StoredGroup));
              evict.push(k);
            }
          }
          for (const k of evict) st.remove(k);
        }
      }
      const removalsMs = Date.now() - t1;
      const t2 = Date.now();
      const metrics = stores.map((s) => s.metrics());
      for (const s of stores) await s.commit();
      for (const p of this.providers) p.purge(100);
      const sum = (f: (m: (typeof metrics)[number]) => number): number => metrics.reduce((a, m) => a + f(m), 0);
      return {
        rows: out,
        progress: {
          operatorName: "stateStoreSave",
          numRowsTotal: sum((m) => m.numRowsTotal),
          numRowsUpdated: sum((m) => m.numRowsUpdated),
          numRowsRemoved: sum((m) => m.numRowsRemoved),
          numRowsDroppedByWatermark: dropped,
          allUpdatesTimeMs: updatesMs,
          allRemovalsTimeMs: removalsMs,
          commitTimeMs: Date.now() - t2,
          memoryUsedBytes: sum((m) => m.memoryUsedBytes),
          numShufflePartitions: this.numPartitions,
          numStateStoreInstances: this.numPartitions,
          customMetrics: {},
        },
      };
    } catch (e) {
      for (const s of stores) {
        try {
          s.abort();
        } catch {
          // already committed or aborted
        }
      }
      throw e;
    }
  }
}
