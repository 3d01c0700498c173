/**
 * An append-only encoder for Kafka primitive types.
 *
 * Small fields go into a growing scratch buffer. Large byte payloads (record batches served from
 * segment files) are not copied: {@link Writer.rawRef} keeps a reference to them as a separate
 * chunk, and {@link Writer.chunks} hands the list to `socket.write`/`writev`. This is what keeps
 * the Fetch path copy-free.
 */
import { assert } from "../../util/assert.js";

/** Payloads at least this large are referenced by {@link Writer.rawRef} rather than copied. */
const REF_THRESHOLD_BYTES = 4096;
const UINT32 = 0x1_0000_0000;

/** See the module comment. */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** Completed chunks, in order; the scratch buffer `buf[0..pos)` follows them. */
  private done: Buffer[] = [];
  private doneBytes = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.doneBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // max(…, 64): a writer created with 0 initial bytes would otherwise double 0 forever.
    let size = Math.max(this.buf.length * 2, 64);
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  uint8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  boolean(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  /** A JS safe integer as a signed 64-bit big-endian integer. */
  int64Number(v: number): this {
    assert(Number.isSafeInteger(v), `int64Number needs a safe integer, got ${v}`);
    this.ensure(8);
    const hi = Math.floor(v / UINT32);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * UINT32, this.pos + 4);
    this.pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  /** An unsigned LEB128 varint (0 ≤ v < 2^32). */
  uvarint(v: number): this {
    assert(Number.isInteger(v) && v >= 0 && v < UINT32, `uvarint out of range: ${v}`);
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /** A zigzag signed 32-bit varint. */
  varint(v: number): this {
    assert(Number.isInteger(v) && v >= -0x8000_0000 && v <= 0x7fff_ffff, `varint out of range: ${v}`);
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** A zigzag signed 64-bit varint, exact. */
  varlong(v: bigint): this {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
    return this;
  }

  /** A zigzag varlong from a JS safe integer (the record hot path). */
  varlongNumber(v: number): this {
    assert(Number.isSafeInteger(v), `varlongNumber needs a safe integer, got ${v}`);
    // Zigzag u = 2·m + s, with m = |v| (or |v|-1 for negatives) and s the sign bit. Computing u
    // itself would round odd values above 2^53, so the first byte takes s and 6 bits of m, and
    // the rest of m follows 7 bits at a time.
    const neg = v < 0;
    let m = neg ? -v - 1 : v;
    this.ensure(10);
    const first = (m % 64) * 2 + (neg ? 1 : 0);
    m = Math.floor(m / 64);
    if (m === 0) {
      this.buf[this.pos++] = first;
      return this;
    }
    this.buf[this.pos++] = first | 0x80;
    while (m >= 0x80) {
      this.buf[this.pos++] = (m % 128) | 0x80;
      m = Math.floor(m / 128);
    }
    this.buf[this.pos++] = m;
    return this;
  }

  /** Copies `b` into the output. */
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /**
   * Appends `b` without copying when it is large: the caller must not modify `b` until the
   * chunks have been written out.
   */
  rawRef(b: Buffer): this {
    if (b.length < REF_THRESHOLD_BYTES) return this.raw(b);
    this.sealScratch();
    this.done.push(b);
    this.doneBytes += b.length;
    return this;
  }

  private sealScratch(): void {
    if (this.pos === 0) return;
    const sealed = this.buf.subarray(0, this.pos);
    this.done.push(sealed);
    this.doneBytes += this.pos;
    this.buf = this.buf.subarray(this.pos);
    this.pos = 0;
    if (this.buf.length < 64) this.buf = Buffer.allocUnsafe(256);
  }

  /** STRING (int16 length + UTF-8). */
  string(s: string): this {
    const n = Buffer.byteLength(s, "utf8");
    this.int16(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, "utf8");
    return this;
  }

  /** NULLABLE_STRING (-1 for null). */
  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }

  /** COMPACT_STRING (uvarint length+1 + UTF-8). */
  compactString(s: string): this {
    const n = Buffer.byteLength(s, "utf8");
    this.uvarint(n + 1);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, "utf8");
    return this;
  }

  /** COMPACT_NULLABLE_STRING (0 for null). */
  compactNullableString(s: string | null): this {
    return s === null ? this.uvarint(0) : this.compactString(s);
  }

  /** BYTES (int32 length + bytes). Large payloads are referenced, not copied. */
  bytes(b: Buffer): this {
    this.int32(b.length);
    return this.rawRef(b);
  }

  /** NULLABLE_BYTES (-1 for null). */
  nullableBytes(b: Buffer | null): this {
    return b === null ? this.int32(-1) : this.bytes(b);
  }

  /** COMPACT_BYTES (uvarint length+1 + bytes). */
  compactBytes(b: Buffer): this {
    this.uvarint(b.length + 1);
    return this.rawRef(b);
  }

  /** COMPACT_NULLABLE_BYTES (0 for null). */
  compactNullableBytes(b: Buffer | null): this {
    return b === null ? this.uvarint(0) : this.compactBytes(b);
  }

  /** UUID from its canonical hex form (dashes optional). */
  uuid(u: string): this {
    const hex = u.replace(/-/g, "");
    assert(/^[0-9a-fA-F]{32}$/.test(hex), `malformed uuid: ${u}`);
    this.ensure(16);
    this.pos += this.buf.write(hex, this.pos, "hex");
    return this;
  }

  /** Reserves `n` bytes to be filled later with {@link Writer.patchInt32} etc.; returns their offset. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.doneBytes + this.pos;
    this.pos += n;
    return at;
  }

  /** Overwrites an int32 at absolute offset `at`, which must still lie in the scratch buffer. */
  patchInt32(at: number, v: number): void {
    const rel = at - this.doneBytes;
    assert(rel >= 0 && rel + 4 <= this.pos, "patchInt32 outside the scratch buffer");
    this.buf.writeInt32BE(v, rel);
  }

  /** The output as a list of chunks (no copy). The writer must not be used afterwards. */
  chunks(): Buffer[] {
    this.sealScratch();
    return this.done;
  }

  /** The output as one contiguous Buffer (copies only when there is more than one chunk). */
  toBuffer(): Buffer {
    const c = this.chunks();
    if (c.length === 1) return c[0];
    return Buffer.concat(c, this.doneBytes);
  }
}
