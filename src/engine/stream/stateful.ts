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
 * end) is at or below the previous batch's watermark are late: dropped, and counted as Spark
 * counts them (numRowsDroppedByWatermark: one per late key of the batch, the rows Spark's
 * StateStoreSaveExec sees after its partial aggregation); update mode evicts groups the
 * watermark passed.
 *
 * Speed. Rows are grouped by their normalised key values in nested Maps (no string per row); a
 * group's state key (JSON of the normalised values, see {@link aggregationStateKey}) is built
 * once per group and batch. A group is stored as JSON text when JSON holds it exactly (the file
 * store keeps strings as they are, where objects cost a node:v8 serialisation), else as the
 * group. Between batches of one run the operator keeps the groups of the version it committed in
 * memory, live: the next batch, which loads exactly that version, merges into them instead of
 * decoding the store's values; a batch that fails drops them, so the next batch (a restart
 * always makes a new operator) decodes the version it loads from the store, whose files stay
 * the durable copy. The partitions commit concurrently, and the run returns before their fsyncs
 * end (StatefulResult.durable: the executor waits for it before `commits/N`), so the fsyncs
 * overlap the sink's work; each partition's old files are purged once every
 * {@link STATE_PURGE_INTERVAL_BATCHES} batches, the partitions in turn.
 */
import { assert } from "../../util/assert.js";
import type { Accumulator } from "../expr/ast.js";
import { argInfo, compile, ordinals, type Evaluator } from "../exec/bind.js";
import { keyNormalizer } from "../exec/keys.js";
import { WeirError } from "../../util/errors.js";
import type { LogicalPlan } from "../plan/logical.js";
import { optimize } from "../plan/optimizer.js";
import { physicalPlan } from "../plan/physical.js";
import { planString } from "../plan/names.js";
import type { DataType, Row } from "../types.js";
import type { StateStore, StateStoreProvider } from "../state/store.js";
import { abortStores, purgeOldState, type StatefulBatchContext, type StatefulOperator, type StatefulResult } from "./operators.js";
import type { StateOperatorProgress } from "./progress.js";

type AggregateNode = Extract<LogicalPlan, { kind: "aggregate" }>;

/** Opens the state of one operator partition. */
export type StateProviderFactory = (operatorId: number, partition: number) => StateStoreProvider;

export type { StatefulResult };

/** A stored group: its key values (as the first row of the group had them) and one accumulator state per aggregate. */
type StoredGroup = [keys: Row, states: unknown[]];

/** A group of the running batch. */
interface BatchGroup {
  readonly keys: Row;
  /** The key values normalised as the engine compares them: what the state key is built from. */
  readonly norm: Row;
  readonly states: unknown[];
}

type Normalizer = (v: unknown) => unknown;


/**
 * One normalised key value in the state key: JSON, except that non-finite numbers are written as
 * strings (`"NaN"`, as the canonical form of nested values has them) so that they do not share
 * `null`'s key. A key's values all come from typed columns, so a string never meets a number.
 */
function keyPart(v: unknown): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? String(v) : `"${String(v)}"`;
    case "boolean":
      return v ? "true" : "false";
    default:
      return JSON.stringify(v, (_k, x: unknown) => (Buffer.isBuffer(x) ? { $b: x.toString("base64") } : (x as object)));
  }
}

/** A group's key in the store: its normalised key values as a JSON array (see {@link keyPart}). */
export function aggregationStateKey(norm: Row): string {
  let s = "[";
  for (let i = 0; i < norm.length; i++) s += (i === 0 ? "" : ",") + keyPart(norm[i]);
  return s + "]";
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

/**
 * True when JSON gives `v` back exactly: finite numbers other than −0, strings, booleans, null,
 * and arrays and plain objects of those. Maps, Buffers, typed arrays, undefined and the rest are
 * not.
 */
function jsonExact(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v) && !(v === 0 && 1 / v < 0);
    case "object": {
      if (v === null) return true;
      if (depth > 16) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!jsonExact(v[i], depth + 1)) return false;
        return true;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return false;
      const o = v as Record<string, unknown>;
      for (const k in o) if (!jsonExact(o[k], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * A group's value in the store: JSON text when JSON holds it exactly (the store writes a string
 * as it is, where an object costs a node:v8 serialisation on every put), else the group itself.
 */
function storedValue(g: StoredGroup): unknown {
  return jsonExact(g, 0) ? JSON.stringify(g) : g;
}

/** A group from its stored value (JSON text, or the group as the store deserialised it). */
function groupOf(v: unknown, key: string, partition: number): StoredGroup {
  if (typeof v !== "string") return v as StoredGroup;
  try {
    return JSON.parse(v) as StoredGroup;
  } catch (e) {
    throw new WeirError("CHECKPOINT", `the aggregation state of key ${JSON.stringify(key.slice(0, 80))} in state partition ${partition} is not valid JSON: ${(e as Error).message}`, {
      cause: e,
      details: { key, partition },
    });
  }
}

/**
 * Entries found by key values normalised as the engine compares them, one Map level per key
 * (no string is built per row). `find` leaves the normalised values of its key in `norm`.
 */
class GroupIndex<G> {
  private readonly root = new Map<unknown, unknown>();
  private single: G | undefined;
  /** The normalised values of the last key looked up (overwritten by the next lookup). */
  readonly norm: unknown[];

  constructor(private readonly norms: readonly (Normalizer | null)[]) {
    this.norm = new Array<unknown>(norms.length);
  }

  /** The entry of `keys`, made by `create` (given the normalised values) when there is none. */
  find(keys: Row, create: (norm: readonly unknown[]) => G): G {
    const n = this.norms.length;
    if (n === 1 && this.norms[0] === null) {
      // The common case of one key compared as it is (a word, an id).
      const v = (this.norm[0] = keys[0]);
      let g = this.root.get(v) as G | undefined;
      if (g === undefined) this.root.set(v, (g = create(this.norm)));
      return g;
    }
    if (n === 0) return (this.single ??= create(this.norm));
    let m = this.root;
    for (let i = 0; i < n - 1; i++) {
      const v = this.normalise(i, keys[i]);
      let next = m.get(v) as Map<unknown, unknown> | undefined;
      if (next === undefined) m.set(v, (next = new Map()));
      m = next;
    }
    const v = this.normalise(n - 1, keys[n - 1]);
    let g = m.get(v) as G | undefined;
    if (g === undefined) m.set(v, (g = create(this.norm)));
    return g;
  }

  private normalise(i: number, v: unknown): unknown {
    const f = this.norms[i];
    return (this.norm[i] = f === null ? v : f(v));
  }
}

/** True for a struct whose fields are all atomic and compared by `===` (no binary). */
function flatStruct(t: DataType): boolean {
  return t.kind === "struct" && t.fields.every((f) => !["struct", "array", "map", "binary"].includes(f.dataType.kind));
}

/**
 * `norm` remembering its last input and output: consecutive rows mostly share a window, and a
 * window struct is a new array on every row, so this normalises each window once per run of rows
 * rather than once per row. Only for {@link flatStruct} values, whose fields `===` compares.
 */
function rememberLast(norm: Normalizer): Normalizer {
  let lastIn: unknown[] | null = null;
  let lastOut: unknown = null;
  return (v) => {
    if (v === null) return null;
    const a = v as unknown[];
    const l = lastIn;
    if (l !== null && l.length === a.length) {
      let same = true;
      for (let i = 0; i < a.length && same; i++) same = a[i] === l[i];
      if (same) return lastOut;
    }
    lastIn = a;
    return (lastOut = norm(a));
  };
}

/** What {@link aggregateRows} works with during one batch. */
interface RowPass {
  readonly keyFns: readonly Evaluator[];
  /** Scratch: the key values of the current row. */
  readonly raw: unknown[];
  /** The key whose event time makes a row late; null when no row is late. */
  readonly eventTimeKey: number | null;
  readonly lateUs: number;
  readonly late: GroupIndex<true>;
  readonly newLateKey: () => true;
  /** The states of each group by its key (the group itself is in the batch's list). */
  readonly index: GroupIndex<unknown[]>;
  /** Makes the group of the current row's key; returns its states. */
  readonly newGroup: (norm: readonly unknown[]) => unknown[];
  readonly accs: readonly Accumulator[];
  readonly argFns: readonly Evaluator[][];
  readonly filterFns: readonly (Evaluator | null)[];
  /** Scratch: each aggregate's argument values of the current row. */
  readonly args: unknown[][];
}

/** The event time (µs) a key value of the event-time key holds: a timestamp, or a window's end. */
function eventTimeOfKey(v: unknown): number | null {
  if (typeof v === "number") return v;
  if (Array.isArray(v) && typeof v[1] === "number") return v[1];
  return null;
}

/**
 * The partial aggregation of one batch of rows: each row's group (made when new) updated by
 * every aggregate, or, when late, its key counted. A function of its own, small and called per
 * row batch, optimises better than the loop inside `run`.
 */
function aggregateRows(batch: readonly Row[], p: RowPass): void {
  const { keyFns, raw, eventTimeKey, lateUs, index, accs, argFns, filterFns, args } = p;
  const nk = keyFns.length;
  const na = accs.length;
  for (let r = 0; r < batch.length; r++) {
    const row = batch[r];
    for (let i = 0; i < nk; i++) raw[i] = keyFns[i](row);
    if (eventTimeKey !== null) {
      const t = eventTimeOfKey(raw[eventTimeKey]);
      if (t !== null && t <= lateUs) {
        p.late.find(raw, p.newLateKey);
        continue;
      }
    }
    const states = index.find(raw, p.newGroup);
    for (let i = 0; i < na; i++) {
      const keep = filterFns[i];
      if (keep !== null && keep(row) !== true) continue;
      const fs = argFns[i];
      const a = args[i];
      for (let j = 0; j < fs.length; j++) a[j] = fs[j](row);
      states[i] = accs[i].update(states[i], a);
    }
  }
}

/**
 * Hands every row batch of `streams` to `visit`, one stream after the other (so batches reach it
 * in the order a plain loop gives), but with every stream's first batch asked for at once: a
 * micro-batch of a few hundred records per partition is mostly waiting for its fetches, which
 * then overlap instead of following each other. At most one batch per stream is read ahead.
 */
async function forEachBatch(streams: readonly AsyncIterable<Row[]>[], visit: (batch: Row[]) => void): Promise<void> {
  const iterators = streams.map((s) => s[Symbol.asyncIterator]());
  const firsts = iterators.map((it) => it.next());
  // Handled here; each is awaited (and its failure thrown) in its stream's turn.
  for (const f of firsts) f.catch(() => undefined);
  let current = 0;
  try {
    for (; current < iterators.length; current++) {
      for (let r = await firsts[current]; r.done !== true; r = await iterators[current].next()) visit(r.value);
    }
  } finally {
    // After a failure, the streams not read to their end are closed (their fetches stopped).
    for (let i = current + 1; i < iterators.length; i++) {
      await firsts[i].catch(() => undefined);
      await iterators[i].return?.().catch(() => undefined);
    }
  }
}

/** The state of every partition at one version as live groups (see the module comment). */
interface GroupCache {
  readonly version: number;
  readonly parts: Map<string, StoredGroup>[];
}

/** See the module comment. */
export class StatefulAggregation implements StatefulOperator {
  private readonly providers: StateStoreProvider[];
  readonly evictsByWatermark: boolean;
  private readonly norms: (Normalizer | null)[];
  private readonly accs: readonly Accumulator[];
  /** The groups of the version the last batch committed, or null (before the first batch, after a failure). */
  private cache: GroupCache | null = null;

  constructor(
    private readonly agg: AggregateNode,
    private readonly numPartitions: number,
    providerOf: (partition: number) => StateStoreProvider,
    /** The grouping key holding the event time (a timestamp, or a window struct whose end counts). */
    private readonly eventTimeKey: number | null,
  ) {
    this.providers = Array.from({ length: numPartitions }, (_v, p) => providerOf(p));
    this.evictsByWatermark = eventTimeKey !== null;
    // Accumulators hold no state of their own (states are passed in), so one set serves every
    // batch; the same functions on every batch keep the per-row calls monomorphic.
    this.accs = agg.aggs.map((a) => {
      const e = a.expr;
      assert(e.kind === "agg", `not an aggregate: ${planString(e)}`);
      return e.fn.build(e.args.map(argInfo), e.distinct);
    });
    this.norms = agg.keys.map((k) => {
      const t = k.expr.dataType;
      const norm = keyNormalizer(t);
      return norm !== null && flatStruct(t) ? rememberLast(norm) : norm;
    });
  }

  /** The event time (µs) of a group's key that the watermark is compared with. */
  private eventTimeOf(keys: Row): number | null {
    return this.eventTimeKey === null ? null : eventTimeOfKey(keys[this.eventTimeKey]);
  }

  /**
   * The groups of state version `version`: the cache when it holds that version, else decoded
   * from the loaded stores. The cache is taken (cleared) either way: the batch changes the groups
   * in place, and only a batch whose every partition committed puts them back.
   */
  private takeGroups(version: number, stores: readonly StateStore[]): Map<string, StoredGroup>[] {
    const cached = this.cache;
    this.cache = null;
    if (cached !== null && cached.version === version) return cached.parts;
    return stores.map((st, p) => {
      const m = new Map<string, StoredGroup>();
      for (const [k, v] of st.entries()) m.set(k, groupOf(v, k, p));
      return m;
    });
  }

  /** Runs one batch over `child` (the aggregate's input, bound to the batch). */
  async run(ctx: StatefulBatchContext, [child]: readonly LogicalPlan[]): Promise<StatefulResult> {
    const { batchId, watermarkMs, outputMode: mode, signal } = ctx;
    const physical = physicalPlan(optimize(child));
    const input = ordinals(physical.output);
    const keyFns = this.agg.keys.map((k) => compile(k.expr, input));
    const nk = keyFns.length;
    const accs = this.accs;
    const argFns: Evaluator[][] = [];
    const filterFns: (Evaluator | null)[] = [];
    for (const a of this.agg.aggs) {
      const e = a.expr;
      assert(e.kind === "agg", `not an aggregate: ${planString(e)}`);
      argFns.push(e.args.map((x) => compile(x, input)));
      filterFns.push(e.filter === undefined ? null : compile(e.filter, input));
    }
    const na = accs.length;
    const watermarkUs = watermarkMs * 1000;
    const hasWatermark = this.eventTimeKey !== null && watermarkMs > 0;
    // As Spark 4: rows are late against the previous batch's watermark; state is evicted against this one's.
    const lateMs = ctx.lateEventsWatermarkMs ?? watermarkMs;
    const lateUs = lateMs * 1000;
    const dropsLate = this.eventTimeKey !== null && lateMs > 0;

    // The batch's groups (partial aggregation), in the order they first appear.
    const raw = new Array<unknown>(nk);
    const args = argFns.map((fs) => new Array<unknown>(fs.length));
    const groups: BatchGroup[] = [];
    // The index leads a row straight to its group's states (one object fewer to reach per row).
    const index = new GroupIndex<unknown[]>(this.norms);
    // Keys compared as they are (no normaliser) are their own normalised values.
    const plain = this.norms.every((n) => n === null);
    const newGroup = (norm: readonly unknown[]): unknown[] => {
      const keys = raw.slice();
      const g: BatchGroup = { keys, norm: plain ? keys : norm.slice(), states: accs.map((a) => a.init()) };
      groups.push(g);
      return g.states;
    };
    // Spark drops late rows in StateStoreSaveExec, after the partial aggregation and the shuffle: it
    // sees (and counts) one row per late key of the batch.
    const late = new GroupIndex<true>(this.norms);
    let lateKeys = 0;
    const newLateKey = (): true => {
      lateKeys++;
      return true;
    };
    const streams = await physical.open({ signal });
    const pass: RowPass = { keyFns, raw, eventTimeKey: dropsLate ? this.eventTimeKey : null, lateUs, late, newLateKey, index, newGroup, accs, argFns, filterFns, args };
    await forEachBatch(streams, (batch) => aggregateRows(batch, pass));

    const t0 = Date.now();
    const stores: StateStore[] = await Promise.all(this.providers.map((p) => p.load(batchId)));
    const finish = (g: StoredGroup): Row => {
      const row = g[0].slice();
      for (let i = 0; i < na; i++) row.push(accs[i].finish(g[1][i]));
      return row;
    };
    const out: Row[] = [];
    try {
      const parts = this.takeGroups(batchId, stores);
      for (const g of groups) {
        const k = aggregationStateKey(g.norm);
        const p = partitionOf(k, this.numPartitions);
        const old = parts[p].get(k);
        let merged: StoredGroup;
        if (old === undefined) {
          merged = [g.keys, g.states];
          parts[p].set(k, merged);
        } else {
          // The stored states were loaded for this batch (or are the cache this batch took over):
          // merging into them in place is safe, a failure drops them.
          merged = old;
          const states = old[1];
          for (let i = 0; i < na; i++) states[i] = accs[i].merge(states[i], g.states[i]);
        }
        stores[p].put(k, storedValue(merged));
        if (mode === "update") out.push(finish(merged));
      }
      const updatesMs = Date.now() - t0;
      const t1 = Date.now();
      if (mode === "complete") for (const part of parts) for (const g of part.values()) out.push(finish(g));
      if (hasWatermark && mode !== "complete") {
        for (let p = 0; p < parts.length; p++) {
          for (const [k, g] of parts[p]) {
            const t = this.eventTimeOf(g[0]);
            if (t !== null && t <= watermarkUs) {
              if (mode === "append") out.push(finish(g));
              parts[p].delete(k);
              stores[p].remove(k);
            }
          }
        }
      }
      const removalsMs = Date.now() - t1;
      const t2 = Date.now();
      const metrics = stores.map((s) => s.metrics());
      const sum = (f: (m: (typeof metrics)[number]) => number): number => metrics.reduce((a, m) => a + f(m), 0);
      const progress: StateOperatorProgress = {
        operatorName: "stateStoreSave",
        numRowsTotal: sum((m) => m.numRowsTotal),
        numRowsUpdated: sum((m) => m.numRowsUpdated),
        numRowsRemoved: sum((m) => m.numRowsRemoved),
        numRowsDroppedByWatermark: lateKeys,
        allUpdatesTimeMs: updatesMs,
        allRemovalsTimeMs: removalsMs,
        commitTimeMs: 0,
        memoryUsedBytes: sum((m) => m.memoryUsedBytes),
        numShufflePartitions: this.numPartitions,
        numStateStoreInstances: this.numPartitions,
        customMetrics: {},
      };
      // Each commit encodes its files at once; their writes and fsyncs then overlap each other's
      // and the sink's (the executor waits for `durable` before the batch's commit log entry).
      const commits = stores.map((s) => s.commit());
      const durable = Promise.allSettled(commits).then((results) => {
        const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failed !== undefined) {
          abortStores(stores);
          throw failed.reason;
        }
        progress.commitTimeMs = Date.now() - t2;
        this.cache = { version: batchId + 1, parts };
        purgeOldState(this.providers, batchId);
      });
      // Handled here; the executor still gets the failure where it awaits it.
      durable.catch(() => undefined);
      return { rows: out, progress, durable };
    } catch (e) {
      abortStores(stores);
      throw e;
    }
  }
}
