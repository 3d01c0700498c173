/**
 * The sparse time index of one segment: entries (timestamp i64, relative offset u32), big-endian,
 * 12 bytes each, as Kafka's `.timeindex` files. An entry (T, r) says: T is the largest timestamp of
 * every batch up to the one at relative offset r, and the batch at r is where that maximum first
 * appeared. Entries are added only when the maximum grows, so both fields grow.
 *
 * offsetForTimestamp(t) looks up the last entry with T < t: nothing at or before it can match, so
 * the forward scan for the first record with timestamp >= t may start at its batch.
 */
import { WeirError } from "../util/errors.js";
import { assert } from "../util/assert.js";

/** Bytes per entry in a `.timeindex` file. */
export const TIME_INDEX_ENTRY_BYTES = 12;

/** One entry: see the module comment. */
export interface TimeIndexEntry {
  timestamp: number;
  relOffset: number;
}

/** See the module comment. */
export class TimeIndex {
  private ts: Float64Array;
  private rel: Uint32Array;
  private n = 0;
  /** Entries this index may hold; the segment rolls when it is full. */
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    assert(maxEntries >= 1, "a time index holds at least one entry");
    this.maxEntries = maxEntries;
    this.ts = new Float64Array(Math.min(64, maxEntries));
    this.rel = new Uint32Array(this.ts.length);
  }

  /** Number of entries. */
  get entries(): number {
    return this.n;
  }

  /** True when no further entry fits. */
  isFull(): boolean {
    return this.n >= this.maxEntries;
  }

  /** Largest timestamp indexed so far, or -1 (Kafka's "no timestamp") when empty. */
  lastTimestamp(): number {
    return this.n === 0 ? -1 : this.ts[this.n - 1];
  }

  /** Adds (timestamp, relOffset) when `timestamp` is above the last entry's; returns whether it did. */
  maybeAppend(timestamp: number, relOffset: number): boolean {
    if (timestamp <= this.lastTimestamp() || this.isFull()) return false;
    if (this.n > 0 && relOffset <= this.rel[this.n - 1]) return false;
    assert(relOffset >= 0 && relOffset <= 0xffffffff, "time index relative offset out of u32 range");
    if (this.n === this.ts.length) this.grow();
    this.ts[this.n] = timestamp;
    this.rel[this.n] = relOffset;
    this.n++;
    return true;
  }

  private grow(): void {
    const cap = Math.min(this.maxEntries, this.ts.length * 2);
    const ts = new Float64Array(cap);
    const rel = new Uint32Array(cap);
    ts.set(this.ts);
    rel.set(this.rel);
    this.ts = ts;
    this.rel = rel;
  }

  /** Relative offset of the last entry whose timestamp is < `timestamp`, or -1 when none is. */
  lookupBefore(timestamp: number): number {
    let lo = 0;
    let hi = this.n - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? -1 : this.rel[found];
  }

  /** The last entry, or null when the index is empty. */
  lastEntry(): TimeIndexEntry | null {
    return this.n === 0 ? null : { timestamp: this.ts[this.n - 1], relOffset: this.rel[this.n - 1] };
  }

  /** Drops the entries at or beyond `relOffset` (the log was truncated there). */
  truncateToRelOffset(relOffset: number): void {
    while (this.n > 0 && this.rel[this.n - 1] >= relOffset) this.n--;
  }

  /** The `.timeindex` file content. */
  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.n * TIME_INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.n; i++) {
      buf.writeBigInt64BE(BigInt(this.ts[i]), i * TIME_INDEX_ENTRY_BYTES);
      buf.writeUInt32BE(this.rel[i], i * TIME_INDEX_ENTRY_BYTES + 8);
    }
    return buf;
  }

  /** Parses a `.timeindex` file; throws LOG_CORRUPT when it is not a well-formed index. */
  static fromBuffer(buf: Buffer, maxEntries: number, path: string): TimeIndex {
    const corrupt = (why: string): WeirError =>
      new WeirError("LOG_CORRUPT", `time index ${path} is corrupt: ${why}; it will be rebuilt from the log`, {
        details: { path, bytes: buf.length },
      });
    if (buf.length % TIME_INDEX_ENTRY_BYTES !== 0) throw corrupt(`size ${buf.length} is not a multiple of ${TIME_INDEX_ENTRY_BYTES}`);
    const count = buf.length / TIME_INDEX_ENTRY_BYTES;
    if (count > maxEntries) throw corrupt(`${count} entries exceed the maximum ${maxEntries}`);
    const idx = new TimeIndex(maxEntries);
    for (let i = 0; i < count; i++) {
      const big = buf.readBigInt64BE(i * TIME_INDEX_ENTRY_BYTES);
      if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < 0n) throw corrupt(`entry ${i} has timestamp ${big}`);
      const rel = buf.readUInt32BE(i * TIME_INDEX_ENTRY_BYTES + 8);
      if (!idx.maybeAppend(Number(big), rel)) throw corrupt(`entry ${i} (${big}, ${rel}) does not grow`);
    }
    return idx;
  }
}
