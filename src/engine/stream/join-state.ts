/**
 * The state of a stream-stream join (Spark's SymmetricHashJoinStateManager): for each side, the
 * rows seen so far, by join key, each with a flag telling whether it ever matched a row of the
 * other side (an outer join emits the unmatched ones, null-padded, when they are evicted) and the
 * event time its eviction is decided by.
 *
 * Both sides of one state partition share one store; keys are strings:
 *
 * | key                          | value                                                   |
 * | ---------------------------- | ------------------------------------------------------- |
 * | `c` side joinKey             | the number n of rows of that side with that join key     |
 * | `v` side joinKey `\u0002` i  | the row i of n, encoded as below                        |
 * | `#` side                     | the number of rows of that side in the partition        |
 *
 * where side is `L` or `R` and joinKey is the key's encoding (group-state.ts `stateKeyEncoder`).
 * A row is stored as one string: `1` or `0` (matched or not), the eviction time in µs (empty
 * when none), `\u0003`, then the row's node:v8 serialisation as latin1 text. Strings are kept as
 * they are by the store, so the eviction scan reads only the prefix and never deserialises a row,
 * and marking a row matched rewrites one character. A removal moves the side's later rows of the
 * key down, so indexes stay dense (Spark's keyWithIndexToValue does the same).
 */
import { deserialize, serialize } from "node:v8";
import type { Row } from "../types.js";
import type { StateStore } from "../state/store.js";

/** Which side of the join. */
export type JoinSide = "L" | "R";

/** One stored row. */
export interface StoredJoinRow {
  /** The row's join key (its encoding) and position under it. */
  readonly key: string;
  readonly index: number;
  readonly matched: boolean;
  /** The stored string (see the module comment). */
  readonly raw: string;
}

const INDEX_SEPARATOR = "\u0002";
const ROW_SEPARATOR = "\u0003";

function countKey(side: JoinSide, key: string): string {
  return `c${side}${key}`;
}

function valueKey(side: JoinSide, key: string, i: number): string {
  return `v${side}${key}${INDEX_SEPARATOR}${i}`;
}

function totalKey(side: JoinSide): string {
  return `#${side}`;
}

/** Encodes a stored row. */
function encodeRow(row: Row, matched: boolean, evictAtUs: number | null): string {
  return `${matched ? "1" : "0"}${evictAtUs === null ? "" : evictAtUs}${ROW_SEPARATOR}${serialize(row).toString("latin1")}`;
}

/** The row of a stored string. */
export function decodeRow(raw: string): Row {
  return deserialize(Buffer.from(raw.slice(raw.indexOf(ROW_SEPARATOR) + 1), "latin1")) as Row;
}

/** The eviction time of a stored string, or null. */
function evictAtOf(raw: string): number | null {
  const end = raw.indexOf(ROW_SEPARATOR);
  return end <= 1 ? null : Number(raw.slice(1, end));
}

/** The join state of one state partition (one loaded store version). */
export class JoinPartitionState {
  /** Rows appended during this batch (Spark's numUpdatedStateRows). */
  appended = 0;
  /** Rows removed during this batch. */
  removed = 0;

  constructor(readonly store: StateStore) {}

  /** The number of rows of `side` in this partition. */
  total(side: JoinSide): number {
    return (this.store.get(totalKey(side)) as number | undefined) ?? 0;
  }

  private setTotal(side: JoinSide, n: number): void {
    if (n === 0) this.store.remove(totalKey(side));
    else this.store.put(totalKey(side), n);
  }

  /** The rows of `side` with join key `key`, in the order they were stored. */
  rows(side: JoinSide, key: string): StoredJoinRow[] {
    const n = (this.store.get(countKey(side, key)) as number | undefined) ?? 0;
    const out: StoredJoinRow[] = [];
    for (let i = 0; i < n; i++) {
      const raw = this.store.get(valueKey(side, key, i)) as string;
      out.push({ key, index: i, matched: raw.charCodeAt(0) === 49, raw });
    }
    return out;
  }

  /** Stores a row; `evictAtUs` is the event time its eviction is decided by (null: never by time). */
  append(side: JoinSide, key: string, row: Row, matched: boolean, evictAtUs: number | null): void {
    const ck = countKey(side, key);
    const n = (this.store.get(ck) as number | undefined) ?? 0;
    this.store.put(valueKey(side, key, n), encodeRow(row, matched, evictAtUs));
    this.store.put(ck, n + 1);
    this.setTotal(side, this.total(side) + 1);
    this.appended++;
  }

  /** Marks a stored row as matched. */
  markMatched(side: JoinSide, r: StoredJoinRow): void {
    this.store.put(valueKey(side, r.key, r.index), `1${r.raw.slice(1)}`);
  }

  /**
   * Removes the rows of `side` whose eviction time is at or below `boundUs` and returns them, by
   * key and position. Reads every entry of the store (not the rows themselves): call it only when
   * the bound moved.
   */
  evict(side: JoinSide, boundUs: number): StoredJoinRow[] {
    const prefix = `v${side}`;
    const byKey = new Map<string, number[]>();
    const removedRows: StoredJoinRow[] = [];
    for (const [k, v] of this.store.entries()) {
      if (!k.startsWith(prefix)) continue;
      const raw = v as string;
      const t = evictAtOf(raw);
      if (t === null || t > boundUs) continue;
      const cut = k.lastIndexOf(INDEX_SEPARATOR);
      const key = k.slice(prefix.length, cut);
      const index = Number(k.slice(cut + 1));
      let list = byKey.get(key);
      if (list === undefined) byKey.set(key, (list = []));
      list.push(index);
      removedRows.push({ key, index, matched: raw.charCodeAt(0) === 49, raw });
    }
    let count = 0;
    for (const [key, indexes] of byKey) {
      const ck = countKey(side, key);
      const n = this.store.get(ck) as number;
      const gone = new Set(indexes);
      let next = 0;
      for (let i = 0; i < n; i++) {
        if (gone.has(i)) continue;
        if (i !== next) this.store.put(valueKey(side, key, next), this.store.get(valueKey(side, key, i)));
        next++;
      }
      for (let i = next; i < n; i++) this.store.remove(valueKey(side, key, i));
      if (next === 0) this.store.remove(ck);
      else this.store.put(ck, next);
      count += indexes.length;
    }
    if (count > 0) this.setTotal(side, this.total(side) - count);
    this.removed += count;
    return removedRows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  }
}
