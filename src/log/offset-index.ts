/**
 * The sparse offset index of one segment: entries (relative offset u32, file position u32),
 * big-endian, 8 bytes each, as Kafka's `.index` files. An entry is added every
 * `index.interval.bytes` of log, pointing at the start of a batch; a lookup gives the position of
 * the last indexed batch at or before an offset, from which a short forward scan finds the batch.
 *
 * The index lives in memory and is written to disk whole when its segment stops being the active
 * one (roll, clean close). A missing or inconsistent file is rebuilt from the log on open.
 */
import { WeirError } from "../util/errors.js";
import { assert } from "../util/assert.js";

/** Bytes per entry in a `.index` file. */
export const OFFSET_INDEX_ENTRY_BYTES = 8;

/** One entry: an offset relative to the segment's base offset and the batch's file position. */
export interface OffsetIndexEntry {
  relOffset: number;
  position: number;
}

/** See the module comment. */
export class OffsetIndex {
  private rel: Uint32Array;
  private pos: Uint32Array;
  private n = 0;
  /** Entries this index may hold (segment.index.bytes / 8); the segment rolls when it is full. */
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    assert(maxEntries >= 1, "an offset index holds at least one entry");
    this.maxEntries = maxEntries;
    this.rel = new Uint32Array(Math.min(64, maxEntries));
    this.pos = new Uint32Array(this.rel.length);
  }

  /** Number of entries. */
  get entries(): number {
    return this.n;
  }

  /** True when no further entry fits. */
  isFull(): boolean {
    return this.n >= this.maxEntries;
  }

  /** Adds an entry; both fields must grow strictly (a programmer error otherwise). */
  append(relOffset: number, position: number): void {
    assert(!this.isFull(), "append to a full offset index");
    assert(relOffset >= 0 && relOffset <= 0xffffffff && position >= 0 && position <= 0xffffffff, "offset index entry out of u32 range");
    if (this.n > 0) assert(relOffset > this.rel[this.n - 1] && position > this.pos[this.n - 1], "offset index entries must grow");
    if (this.n === this.rel.length) this.grow();
    this.rel[this.n] = relOffset;
    this.pos[this.n] = position;
    this.n++;
  }

  private grow(): void {
    const cap = Math.min(this.maxEntries, this.rel.length * 2);
    const rel = new Uint32Array(cap);
    const pos = new Uint32Array(cap);
    rel.set(this.rel);
    pos.set(this.pos);
    this.rel = rel;
    this.pos = pos;
  }

  /** Position of the last entry whose relative offset is <= `relOffset`, or 0 when none is. */
  lookup(relOffset: number): number {
    let lo = 0;
    let hi = this.n - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rel[mid] <= relOffset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.pos[found];
  }

  /** The last entry, or null when the index is empty. */
  lastEntry(): OffsetIndexEntry | null {
    return this.n === 0 ? null : { relOffset: this.rel[this.n - 1], position: this.pos[this.n - 1] };
  }

  /** Drops the entries that point at or beyond `position` (the log was truncated there). */
  truncateToPosition(position: number): void {
    while (this.n > 0 && this.pos[this.n - 1] >= position) this.n--;
  }

  /** The `.index` file content. */
  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.n * OFFSET_INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.n; i++) {
      buf.writeUInt32BE(this.rel[i], i * OFFSET_INDEX_ENTRY_BYTES);
      buf.writeUInt32BE(this.pos[i], i * OFFSET_INDEX_ENTRY_BYTES + 4);
    }
    return buf;
  }

  /** Parses a `.index` file; throws LOG_CORRUPT when it is not a well-formed index. */
  static fromBuffer(buf: Buffer, maxEntries: number, path: string): OffsetIndex {
    const corrupt = (why: string): WeirError =>
      new WeirError("LOG_CORRUPT", `offset index ${path} is corrupt: ${why}; it will be rebuilt from the log`, {
        details: { path, bytes: buf.length },
      });
    if (buf.length % OFFSET_INDEX_ENTRY_BYTES !== 0) throw corrupt(`size ${buf.length} is not a multiple of ${OFFSET_INDEX_ENTRY_BYTES}`);
    const count = buf.length / OFFSET_INDEX_ENTRY_BYTES;
    if (count > maxEntries) throw corrupt(`${count} entries exceed the maximum ${maxEntries}`);
    const idx = new OffsetIndex(maxEntries);
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < count; i++) {
      const rel = buf.readUInt32BE(i * OFFSET_INDEX_ENTRY_BYTES);
      const pos = buf.readUInt32BE(i * OFFSET_INDEX_ENTRY_BYTES + 4);
      if (rel <= prevRel || pos <= prevPos) throw corrupt(`entry ${i} (${rel}, ${pos}) does not grow`);
      idx.append(rel, pos);
      prevRel = rel;
      prevPos = pos;
    }
    return idx;
  }
}
