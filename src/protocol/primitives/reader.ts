/**
 * A bounds-checked cursor over a Buffer for decoding Kafka primitive types.
 *
 * Every read checks the bytes left first and throws a PROTOCOL_DECODE {@link WeirError} when
 * they are too few; every length prefix is checked against the bytes left and a limit before a
 * value is materialised, so a hostile length can neither over-read nor make us allocate.
 * Byte fields are returned as `subarray` views of the input: decoding never copies payloads.
 */
import { assert } from "../../util/assert.js";
import { WeirError } from "../../util/errors.js";
import { limits } from "../../util/limits.js";

const UINT32 = 0x1_0000_0000;

/** See the module comment. */
export class Reader {
  /** The whole input; reads stay within [start, end). */
  readonly buf: Buffer;
  /** Current read position (absolute index into `buf`). */
  pos: number;
  /** One past the last readable byte. */
  readonly end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** Bytes not yet read. */
  remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes can be read. `what` names the field for the error message. */
  need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new WeirError("PROTOCOL_DECODE", `truncated input: ${what} needs ${n} bytes, ${this.end - this.pos} left`, {
        details: { field: what, needed: n, remaining: this.end - this.pos, position: this.pos },
      });
    }
  }

  int8(): number {
    this.need(1, "int8");
    return this.buf.readInt8(this.pos++);
  }

  uint8(): number {
    this.need(1, "uint8");
    return this.buf[this.pos++];
  }

  boolean(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2, "int16");
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2, "uint16");
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4, "int32");
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4, "uint32");
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A signed 64-bit integer, exact. */
  int64(): bigint {
    this.need(8, "int64");
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * A signed 64-bit integer as a JS number, for offsets and timestamps on hot paths.
   * Values beyond ±2^53 are rejected rather than silently rounded.
   */
  int64Number(): number {
    this.need(8, "int64");
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    // The safe range is [-(2^53-1), 2^53-1]: hi in [-2^21, 2^21-1], except -2^53 itself (hi = -2^21, lo = 0).
    if (hi > 0x1fffff || hi < -0x200000 || (hi === -0x200000 && lo === 0)) {
      throw new WeirError("PROTOCOL_DECODE", `int64 value out of the safe integer range at position ${this.pos}`, {
        details: { position: this.pos },
      });
    }
    this.pos += 8;
    return hi * UINT32 + lo;
  }

  float64(): number {
    this.need(8, "float64");
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** An unsigned LEB128 varint of at most 5 bytes (32 bits), as Kafka's UNSIGNED_VARINT. */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.need(1, "unsigned varint");
      const b = this.buf[this.pos++];
      if (i === 4 && b > 0x0f) break;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new WeirError("PROTOCOL_DECODE", `unsigned varint longer than 32 bits at position ${this.pos}`, {
      details: { position: this.pos },
    });
  }

  /** A zigzag-encoded signed 32-bit varint (Kafka's VARINT). */
  varint(): number {
    const u = this.uvarint();
    // Zigzag: 0 → 0, 1 → -1, 2 → 1, ... Arithmetic (not bit ops) so values up to 2^32-1 work.
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** A zigzag-encoded signed 64-bit varint (Kafka's VARLONG), exact. */
  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.need(1, "varlong");
      const b = this.buf[this.pos++];
      // The tenth byte holds bit 63 only; anything more would not fit in 64 bits.
      if (i === 9 && b > 0x01) break;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    throw new WeirError("PROTOCOL_DECODE", `varlong longer than 64 bits at position ${this.pos}`, {
      details: { position: this.pos },
    });
  }

  /**
   * A zigzag varlong as a JS number, for timestamp deltas on the record hot path. Values beyond
   * ±2^53 are rejected.
   */
  varlongNumber(): number {
    // The zigzag value u = 2·m + s (s = 1 for negatives, m = |v| or |v|-1) is accumulated in two
    // parts, the low 28 bits and the bits above, so no intermediate passes 2^53 and the result is
    // exact; a single accumulator rounds odd values above 2^53 (e.g. -(2^53-1)).
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.need(1, "varlong");
      const b = this.buf[this.pos++];
      if (i < 4) lo += (b & 0x7f) * 2 ** (7 * i);
      else hi += (b & 0x7f) * 2 ** (7 * (i - 4));
      if ((b & 0x80) === 0) {
        // m = floor(u / 2) = hi·2^27 + floor(lo / 2); hi < 2^26 keeps m below 2^53.
        if (hi >= 2 ** 26) break;
        const m = hi * 2 ** 27 + Math.floor(lo / 2);
        if (lo % 2 === 0) return m;
        if (m === Number.MAX_SAFE_INTEGER) break;
        return -m - 1;
      }
    }
    throw new WeirError("PROTOCOL_DECODE", `varlong out of the safe integer range at position ${this.pos}`, {
      details: { position: this.pos },
    });
  }

  /** `n` raw bytes as a view (no copy). */
  raw(n: number, what = "bytes"): Buffer {
    // A negative count would move the cursor backwards; callers pass checked lengths only.
    assert(Number.isInteger(n) && n >= 0, `raw() needs a non-negative integer, got ${n}`);
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Checks a decoded length against the bytes left and against `max`. */
  private checkLength(len: number, max: number, what: string): void {
    if (len > max) {
      throw new WeirError("LIMIT_EXCEEDED", `${what} length ${len} exceeds the limit of ${max} bytes`, {
        details: { field: what, length: len, limit: max },
      });
    }
    this.need(len, what);
  }

  /** STRING: int16 length then UTF-8 bytes. */
  string(): string {
    const len = this.int16();
    if (len < 0) throw new WeirError("PROTOCOL_DECODE", `non-nullable string has length ${len}`, { details: { length: len } });
    this.checkLength(len, limits.stringBytesMax, "string");
    const s = this.buf.toString("utf8", this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** NULLABLE_STRING: int16 length (-1 = null) then UTF-8 bytes. */
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < -1) throw new WeirError("PROTOCOL_DECODE", `nullable string has length ${len}`, { details: { length: len } });
    this.checkLength(len, limits.stringBytesMax, "string");
    const s = this.buf.toString("utf8", this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** COMPACT_STRING: unsigned varint length+1 then UTF-8 bytes. */
  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new WeirError("PROTOCOL_DECODE", "non-nullable compact string is null");
    this.checkLength(n - 1, limits.compactStringBytesMax, "compact string");
    const s = this.buf.toString("utf8", this.pos, this.pos + n - 1);
    this.pos += n - 1;
    return s;
  }

  /** COMPACT_NULLABLE_STRING: unsigned varint length+1 (0 = null) then UTF-8 bytes. */
  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    this.checkLength(n - 1, limits.compactStringBytesMax, "compact string");
    const s = this.buf.toString("utf8", this.pos, this.pos + n - 1);
    this.pos += n - 1;
    return s;
  }

  /** BYTES: int32 length then bytes (a view). */
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw new WeirError("PROTOCOL_DECODE", `non-nullable bytes has length ${len}`, { details: { length: len } });
    this.checkLength(len, limits.bytesFieldBytesMax, "bytes");
    return this.raw(len);
  }

  /** NULLABLE_BYTES: int32 length (-1 = null) then bytes (a view). */
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < -1) throw new WeirError("PROTOCOL_DECODE", `nullable bytes has length ${len}`, { details: { length: len } });
    this.checkLength(len, limits.bytesFieldBytesMax, "bytes");
    return this.raw(len);
  }

  /** COMPACT_BYTES: unsigned varint length+1 then bytes (a view). */
  compactBytes(): Buffer {
    const n = this.uvarint();
    if (n === 0) throw new WeirError("PROTOCOL_DECODE", "non-nullable compact bytes is null");
    this.checkLength(n - 1, limits.bytesFieldBytesMax, "compact bytes");
    return this.raw(n - 1);
  }

  /** COMPACT_NULLABLE_BYTES: unsigned varint length+1 (0 = null) then bytes (a view). */
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    this.checkLength(n - 1, limits.bytesFieldBytesMax, "compact bytes");
    return this.raw(n - 1);
  }

  /** UUID: 16 bytes, returned in the canonical 8-4-4-4-12 hex form. */
  uuid(): string {
    const b = this.raw(16, "uuid");
    const h = b.toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /**
   * An array count (int32, -1 = null) checked against `limits.arrayItemsMax` and against the
   * bytes left, given that each element takes at least `minItemBytes` bytes.
   */
  arrayLength(minItemBytes = 1): number {
    const n = this.int32();
    if (n < -1) throw new WeirError("PROTOCOL_DECODE", `array has length ${n}`, { details: { length: n } });
    if (n > 0) this.checkCount(n, minItemBytes);
    return n;
  }

  /** A compact array count (unsigned varint N+1, 0 = null → -1), checked like {@link arrayLength}. */
  compactArrayLength(minItemBytes = 1): number {
    const n = this.uvarint() - 1;
    if (n > 0) this.checkCount(n, minItemBytes);
    return n;
  }

  private checkCount(n: number, minItemBytes: number): void {
    if (n > limits.arrayItemsMax) {
      throw new WeirError("LIMIT_EXCEEDED", `array count ${n} exceeds the limit of ${limits.arrayItemsMax}`, {
        details: { count: n, limit: limits.arrayItemsMax },
      });
    }
    if (n * minItemBytes > this.end - this.pos) {
      throw new WeirError("PROTOCOL_DECODE", `array count ${n} cannot fit in the ${this.end - this.pos} bytes left`, {
        details: { count: n, remaining: this.end - this.pos },
      });
    }
  }
}
