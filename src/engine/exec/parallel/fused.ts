/**
 * The fused partial count of a worker: `count(*)` grouped by string fields of the `from_json`
 * that reads a Kafka value in place (the benchmark's `groupBy("e.category").count()`), run
 * without a row, a struct or a JS string per record.
 *
 * The decoder hands each value's bytes to a {@link FusedCount} (a ValueSink). The from_json's
 * locator scans them — checking the record exactly as the bytes scanner does — and leaves the
 * position and hash of each key field's value; a table keyed by those bytes finds the record's
 * group, and a count per entry is bumped. Only a key never seen in the partition costs a string
 * per field (the key as the general path builds it, Latin-1 of ASCII bytes) and a lookup in the
 * partition's GroupTable, which creates the group in first-seen order. A record the locator does
 * not take (escapes, non-ASCII text, nested or malformed values...) and a null value go the
 * general way: the from_json's evaluator gives the struct (or null, or its FAILFAST error, which
 * the decoder names with the record), the keys are read from it as the Project and the
 * grouping keys would read them, and the GroupTable finds the group. The bytes table is a cache
 * in front of the GroupTable: the groups, their order and their counts are the general path's.
 */
import type { Row } from "../../types.js";
import type { NamedExpr, RExpr } from "../../plan/expressions.js";
import type { PipelineSpec } from "./messages.js";
import { FALLBACK } from "../../functions/json-scan.js";
import type { JsonBytesLocator } from "../../functions/json-scan-bytes.js";
import type { FromJsonRange, FromJsonVariant } from "../../functions/json.js";
import { VALUE, type ValueSink } from "../../io/kafka-decode.js";
import { argInfo } from "../bind.js";
import { isCountRowsAggregate, type Group, type GroupTable } from "../aggregate.js";

/** A plan step between the scan and the aggregate (as the worker rebuilds it). */
export type FusedStep = { readonly kind: "project"; readonly list: readonly NamedExpr[] } | { readonly kind: "filter"; readonly condition: RExpr };

/** What a worker knows of a job's pipeline: its PipelineSpec, with the expressions rebuilt. */
export interface FusedInput extends Pick<PipelineSpec, "decoderColumns" | "scanOutput"> {
  /** The from_json reading the value in place, or null. */
  readonly call: RExpr | null;
  readonly steps: readonly FusedStep[];
  readonly keys: readonly NamedExpr[];
  readonly aggs: readonly NamedExpr[];
}

/** A job's fused count, planned once; {@link FusedPlan.sink} makes the sink of one partition. */
export interface FusedPlan {
  /**
   * A sink that counts a partition's records into `table` (call its `finish` before reading the
   * table). The sinks of a plan share the locator's scratch: one partition at a time.
   */
  sink(table: GroupTable): FusedCount;
}

/**
 * The fused plan of a pipeline, or null when it does not have the shape: the scan reads the
 * value alone through a from_json over its bytes; only Projects (of references and struct
 * fields, which cannot fail) lie between; every grouping key is a string field of the
 * from_json's result; every aggregate is a count of rows without FILTER; and the from_json can
 * locate those fields.
 */
export function planFusedCount(p: FusedInput): FusedPlan | null {
  if (p.call === null || p.call.kind !== "call" || p.decoderColumns.length !== 1 || p.decoderColumns[0] !== VALUE || p.scanOutput.length !== 1) return null;
  if (p.keys.length === 0 || p.aggs.length === 0) return null;
  if (!p.aggs.every((a) => isCountRowsAggregate(a.expr))) return null;
  // Each attribute's path into the from_json result: [] for the result, [i] for its field i.
  let paths = new Map<number, readonly number[]>([[p.scanOutput[0].id, []]]);
  const pathOf = (e: RExpr, at: ReadonlyMap<number, readonly number[]>): readonly number[] | undefined => {
    if (e.kind === "ref") return at.get(e.id);
    if (e.kind === "extract" && e.mode === "field") {
      const parent = pathOf(e.child, at);
      return parent === undefined ? undefined : [...parent, e.fieldIndex];
    }
    return undefined;
  };
  for (const s of p.steps) {
    if (s.kind !== "project") return null;
    const next = new Map<number, readonly number[]>();
    for (const n of s.list) {
      const path = pathOf(n.expr, paths);
      if (path === undefined) return null;
      next.set(n.attr.id, path);
    }
    paths = next;
  }
  const keyFields: number[] = [];
  for (const k of p.keys) {
    const path = pathOf(k.expr, paths);
    if (path === undefined || path.length !== 1 || k.expr.dataType.kind !== "string") return null;
    keyFields.push(path[0]);
  }
  const fn = p.call.fn as Partial<FromJsonVariant>;
  if (fn.bytesInput !== true || typeof fn.buildLocated !== "function") return null;
  const args = p.call.args.map(argInfo);
  // The located fields, each once; each key's position among them.
  const fields = [...new Set(keyFields)];
  const keyAt = Int32Array.from(keyFields, (f) => fields.indexOf(f));
  const { range, locator } = fn.buildLocated(args, fields);
  if (locator === null) return null;
  const aggs = p.aggs.length;
  // One locator and evaluator for the job: a worker counts its partitions one at a time, and
  // one scan function keeps the sink's call to it monomorphic.
  return { sink: (table) => new FusedCount(locator, range, table, keyFields, keyAt, aggs) };
}

/** The first table size (entries; a power of two). */
const TABLE_START = 64;

/**
 * Counts a partition's records by the located key bytes (see the module comment). A ValueSink
 * for the Kafka decoder; {@link finish} adds the counts to the GroupTable's groups.
 */
export class FusedCount implements ValueSink {
  /** The records read the general way (not located, or a null value). */
  generalRecords = 0;
  private readonly located: number;
  private readonly byPosition: ((keys: Row) => unknown)[];
  /** Scratch: the key values of a record (for the GroupTable). */
  private readonly keyValues: unknown[];
  private readonly fieldValues: unknown[];
  // The bytes table: open addressing over `slots` (entry + 1; 0 empty).
  private slots = new Int32Array(TABLE_START * 2);
  private mask = TABLE_START * 2 - 1;
  private entries = 0;
  private hashes = new Int32Array(TABLE_START);
  /** Per entry and located field: the value's position in `arena` and its length (-1: null). */
  private starts = new Int32Array(TABLE_START);
  private lengths = new Int32Array(TABLE_START);
  private counts = new Float64Array(TABLE_START);
  private groups: Group[] = [];
  private arena = new Uint8Array(4096);
  private arenaView = new DataView(this.arena.buffer);
  private arenaUsed = 0;
  /** A DataView of the last buffer looked up in (the fetch's). */
  private viewed: Buffer | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));

  constructor(
    private readonly locator: JsonBytesLocator,
    private readonly range: FromJsonRange,
    private readonly table: GroupTable,
    /** Per grouping key, its field in the from_json result. */
    private readonly keyFields: readonly number[],
    /** Per grouping key, its position among the located fields. */
    private readonly keyAt: Int32Array,
    /** Aggregates: all counts of rows. */
    private readonly aggs: number,
  ) {
    this.located = locator.starts.length;
    this.byPosition = keyFields.map((_, i) => (keys: Row) => keys[i]);
    this.keyValues = new Array<unknown>(keyFields.length);
    this.fieldValues = new Array<unknown>(this.located);
    this.starts = new Int32Array(TABLE_START * this.located);
    this.lengths = new Int32Array(TABLE_START * this.located);
  }

  /** Counts the record whose value is `buf[start, end)` (ValueSink). */
  value(buf: Buffer, start: number, end: number): void {
    const loc = this.locator;
    if (loc.scan(buf, start, end) === FALLBACK) {
      this.general(this.range(buf, start, end));
      return;
    }
    const n = this.located;
    const ls = loc.starts;
    const le = loc.ends;
    const lh = loc.hashes;
    if (n === 1 && ls[0] >= 0) {
      this.one(buf, ls[0], le[0] - ls[0], lh[0]);
      return;
    }
    let h = 0;
    for (let p = 0; p < n; p++) {
      const s = ls[p];
      h = (Math.imul(h, 0x01000193) + (s < 0 ? 0x5bd1e995 : lh[p] + Math.imul(le[p] - s, 0x9e3779b1))) | 0;
    }
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    const slots = this.slots;
    const mask = this.mask;
    const hashes = this.hashes;
    const starts = this.starts;
    const lengths = this.lengths;
    const arena = this.arena;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = slots[i] - 1;
      if (e < 0) break;
      if (hashes[e] !== h) continue;
      let same = true;
      for (let p = 0, at = e * n; p < n && same; p++, at++) {
        const s = ls[p];
        const len = s < 0 ? -1 : le[p] - s;
        if (lengths[at] !== len) same = false;
        else
          for (let k = 0, a = starts[at]; k < len; k++)
            if (arena[a + k] !== buf[s + k]) {
              same = false;
              break;
            }
      }
      if (same) {
        this.counts[e]++;
        return;
      }
    }
    this.add(buf, h);
  }

  /** {@link value} for one located field, not null: `len` bytes at `s` of `buf`, their hash `lh`. */
  private one(buf: Buffer, s: number, len: number, lh: number): void {
    // The hash value() computes for one field.
    let h = (lh + Math.imul(len, 0x9e3779b1)) | 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    if (buf !== this.viewed) {
      this.viewed = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = slots[i] - 1;
      if (e < 0) break;
      if (this.hashes[e] !== h || this.lengths[e] !== len) continue;
      // The bytes, 4 at a time, then the last 0-3.
      const arena = this.arena;
      const words = this.arenaView;
      const view = this.view;
      const a = this.starts[e];
      let k = 0;
      while (k + 4 <= len && words.getInt32(a + k, true) === view.getInt32(s + k, true)) k += 4;
      if (k + 4 <= len) continue;
      while (k < len && arena[a + k] === buf[s + k]) k++;
      if (k === len) {
        this.counts[e]++;
        return;
      }
    }
    this.add(buf, h);
  }

  /** Counts a record whose value is null: from_json gives null, so every key is null (ValueSink). */
  nullValue(): void {
    this.general(null);
  }

  /** Adds the counts of the bytes table to the groups; the table is then the general path's. */
  finish(): void {
    const aggs = this.aggs;
    for (let e = 0; e < this.entries; e++) {
      const c = this.counts[e];
      if (c === 0) continue;
      const states = this.groups[e].states;
      for (let i = 0; i < aggs; i++) states[i] = (states[i] as number) + c;
      this.counts[e] = 0;
    }
  }

  /** A record the locator did not take: its struct (or null) as the general path has it. */
  private general(struct: unknown): void {
    this.generalRecords++;
    const s = struct as unknown[] | null;
    const keys = this.keyValues;
    for (let k = 0; k < keys.length; k++) keys[k] = s === null ? null : (s[this.keyFields[k]] ?? null);
    this.bump(this.table.find(keys, this.byPosition).states);
  }

  private bump(states: unknown[]): void {
    for (let i = 0; i < this.aggs; i++) states[i] = (states[i] as number) + 1;
  }

  /** A key the bytes table has not seen: its group (found or created by the GroupTable), entered with a count of 1. */
  private add(buf: Buffer, h: number): void {
    const loc = this.locator;
    const n = this.located;
    const values = this.fieldValues;
    for (let p = 0; p < n; p++) {
      const s = loc.starts[p];
      values[p] = s < 0 ? null : buf.toString("latin1", s, loc.ends[p]);
    }
    const keys = this.keyValues;
    for (let k = 0; k < keys.length; k++) keys[k] = values[this.keyAt[k]];
    const group = this.table.find(keys, this.byPosition);
    if ((this.entries + 1) * 2 > this.slots.length) this.grow();
    const e = this.entries++;
    if (e >= this.hashes.length) this.growEntries();
    this.hashes[e] = h;
    this.counts[e] = 1;
    this.groups[e] = group;
    for (let p = 0; p < n; p++) {
      const s = loc.starts[p];
      const at = e * n + p;
      if (s < 0) {
        this.lengths[at] = -1;
        this.starts[at] = 0;
        continue;
      }
      const len = loc.ends[p] - s;
      if (this.arenaUsed + len > this.arena.length) {
        const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
        bigger.set(this.arena.subarray(0, this.arenaUsed));
        this.arena = bigger;
        this.arenaView = new DataView(bigger.buffer);
      }
      this.arena.set(buf.subarray(s, s + len), this.arenaUsed);
      this.starts[at] = this.arenaUsed;
      this.lengths[at] = len;
      this.arenaUsed += len;
    }
    this.place(e, h);
  }

  private place(e: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = e + 1;
  }

  /** Doubles the slots and places every entry again. */
  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let e = 0; e < this.entries; e++) this.place(e, this.hashes[e]);
  }

  /** Doubles the entries' arrays. */
  private growEntries(): void {
    const cap = this.hashes.length * 2;
    const n = this.located;
    const widen = <T extends Int32Array | Float64Array>(a: T, size: number, make: (size: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.hashes = widen(this.hashes, cap, (k) => new Int32Array(k));
    this.counts = widen(this.counts, cap, (k) => new Float64Array(k));
    this.starts = widen(this.starts, cap * n, (k) => new Int32Array(k));
    this.lengths = widen(this.lengths, cap * n, (k) => new Int32Array(k));
  }
}
