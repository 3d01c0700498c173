/**
 * The record grammar inside a v2 batch (after recordsCount, decompressed):
 *
 *   Record => length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
 *             keyLength:varint key valueLength:varint value [Header]
 *   Header => headerKeyLength:varint headerKey:String headerValueLength:varint value
 *
 * with `[Header]` a varint count and -1 lengths meaning null (keys and values only; a header key
 * is never null). Varints are zigzag-encoded. Decoding is hand-inlined rather than going through
 * `Reader`, because this is the hot path: the validator walks records without creating any
 * object, and the iterator creates views (`subarray`) but never copies keys or values.
 */
import { WeirError } from "../../util/errors.js";
import { limits } from "../../util/limits.js";

/** One record header; the key is a UTF-8 string, the value bytes or null. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A record to encode. `timestamp` defaults to the batch's `now`. */
export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  timestamp?: number;
}

/** A decoded record; key, value and header values are views of the (decompressed) records buffer. */
export interface RecordView {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** The record's own attributes byte (unused by Kafka so far; 0 in practice). */
  attributes: number;
}

/** Smallest encoded record: length, attributes, timestampDelta, offsetDelta, key/value lengths, header count. */
export const RECORD_BYTES_MIN = 7;
/** Record timestamps deltas are kept within ±2^52 so their zigzag form stays an exact JS number. */
const TIMESTAMP_DELTA_ABS_MAX = 2 ** 52;

// ---- decoding -----------------------------------------------------------------------------

function corrupt(message: string, details: Record<string, unknown>): WeirError {
  return new WeirError("CORRUPT_BATCH", message, { details });
}

/** Position after the last varint read; module scratch so varint reads allocate nothing. */
let vpos = 0;

// Each reader below is a tiny fast path (one- and two-byte varints, the common case) that V8 inlines,
// with the multi-byte and failing cases in separate functions so they do not block inlining.

/** Reads a zigzag varint (Kafka VARINT, 32-bit) at `pos`, not past `end`; sets `vpos`. */
function varintAt(buf: Buffer, pos: number, end: number, what: string, index: number): number {
  if (pos < end) {
    const b = buf[pos];
    if (b < 0x80) {
      vpos = pos + 1;
      return (b >>> 1) ^ -(b & 1);
    }
    if (pos + 1 < end) {
      const c = buf[pos + 1];
      if (c < 0x80) {
        vpos = pos + 2;
        const u = (b & 0x7f) | (c << 7);
        return (u >>> 1) ^ -(u & 1);
      }
    }
  }
  return varintSlow(buf, pos, end, what, index, 5, 0xffff_ffff);
}

/** Reads a zigzag varlong (Kafka VARLONG) as a JS number, rejecting values past ±2^52; sets `vpos`. */
function varlongAt(buf: Buffer, pos: number, end: number, what: string, index: number): number {
  if (pos < end) {
    const b = buf[pos];
    if (b < 0x80) {
      vpos = pos + 1;
      return (b >>> 1) ^ -(b & 1);
    }
    if (pos + 1 < end) {
      const c = buf[pos + 1];
      if (c < 0x80) {
        vpos = pos + 2;
        const u = (b & 0x7f) | (c << 7);
        return (u >>> 1) ^ -(u & 1);
      }
    }
  }
  return varintSlow(buf, pos, end, what, index, 8, Number.MAX_SAFE_INTEGER);
}

/** Multi-byte zigzag varint of at most `maxBytes` bytes whose unsigned form is at most `maxU`. */
function varintSlow(buf: Buffer, pos: number, end: number, what: string, index: number, maxBytes: number, maxU: number): number {
  let u = 0;
  let mul = 1;
  for (let i = 0; i < maxBytes; i++) {
    if (pos >= end) throw corrupt(`record ${index}: truncated ${what}`, { record: index, field: what });
    const b = buf[pos++];
    u += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      if (u > maxU) break;
      vpos = pos;
      return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    }
    mul *= 128;
  }
  throw corrupt(`record ${index}: ${what} varint is out of range`, { record: index, field: what });
}

/** Reads a length (-1 = null when `nullable`) that must fit before `end`; sets `vpos`. */
function lengthAt(buf: Buffer, pos: number, end: number, what: string, index: number, nullable: boolean): number {
  const len = varintAt(buf, pos, end, what, index);
  if (len < (nullable ? -1 : 0) || len > end - vpos) badLength(len, end, what, index);
  return len;
}

function badLength(len: number, end: number, what: string, index: number): never {
  if (len < 0) throw corrupt(`record ${index}: invalid ${what} length ${len}`, { record: index, field: what, length: len });
  throw corrupt(`record ${index}: ${what} length ${len} exceeds the ${end - vpos} bytes left in the record`, {
    record: index,
    field: what,
    length: len,
  });
}

/** Facts of the enclosing batch that records are checked and completed against. */
export interface RecordContext {
  baseOffset: number;
  baseTimestamp: number;
  lastOffsetDelta: number;
  /** The batch's maxTimestamp when it is LogAppendTime (every record then has it), else null. */
  logAppendTime: number | null;
}

/** The smallest and largest record timestamp of a batch, filled in by {@link checkRecords}. */
export interface TimestampRange {
  min: number;
  max: number;
}

/** The record length prefix, checked: returns the record's end and leaves `vpos` at its body. */
function recordBounds(buf: Buffer, pos: number, end: number, index: number): number {
  const len = varintAt(buf, pos, end, "record length", index);
  if (len < RECORD_BYTES_MIN - 1 || len > end - vpos) {
    throw corrupt(`record ${index}: length ${len} does not fit the ${end - vpos} bytes left in the batch`, { record: index, length: len });
  }
  return vpos + len;
}

function checkOffsetDelta(delta: number, prev: number, ctx: RecordContext, index: number): void {
  if (delta <= prev || delta > ctx.lastOffsetDelta) badOffsetDelta(delta, prev, ctx, index);
}

function badOffsetDelta(delta: number, prev: number, ctx: RecordContext, index: number): never {
  throw corrupt(`record ${index}: offsetDelta ${delta} is not between the previous ${prev} and lastOffsetDelta ${ctx.lastOffsetDelta}`, {
    record: index,
    offsetDelta: delta,
    lastOffsetDelta: ctx.lastOffsetDelta,
  });
}

function checkRecordEnd(pos: number, recEnd: number, index: number): void {
  if (pos !== recEnd) throw corrupt(`record ${index}: ${recEnd - pos} bytes left over after its last header`, { record: index });
}

function headerCountAt(buf: Buffer, pos: number, recEnd: number, index: number): number {
  const n = varintAt(buf, pos, recEnd, "header count", index);
  if (n < 0 || n > limits.recordHeadersMax || n * 2 > recEnd - vpos) badHeaderCount(n, recEnd, index);
  return n;
}

function badHeaderCount(n: number, recEnd: number, index: number): never {
  if (n > limits.recordHeadersMax) {
    throw new WeirError("LIMIT_EXCEEDED", `record ${index}: ${n} headers exceed the limit of ${limits.recordHeadersMax}`, {
      details: { record: index, headers: n, limit: limits.recordHeadersMax },
    });
  }
  if (n < 0) throw corrupt(`record ${index}: invalid header count ${n}`, { record: index, headers: n });
  throw corrupt(`record ${index}: header count ${n} cannot fit in the ${recEnd - vpos} bytes left in the record`, { record: index, headers: n });
}

function badTimestamp(index: number): never {
  throw corrupt(`record ${index}: timestamp out of range`, { record: index });
}

/**
 * Walks `count` records in buf[pos, end) without creating objects, checking every length, the
 * offset deltas and that the records fill the region exactly (validation of uncompressed batches).
 */
export function checkRecords(buf: Buffer, pos: number, end: number, count: number, ctx: RecordContext, range?: TimestampRange): void {
  // The append hot path: every produced batch passes here. Most batches hold only the common
  // shape, which the quick walk takes; it gives up on anything else, and the careful walk then
  // names the fault (or accepts the rarer shape: headers, longer varints).
  if (walkCommonShape(buf, pos, end, count, ctx, range)) return;
  walkCarefully(buf, pos, end, count, ctx, range);
}

/**
 * The quick walk of {@link checkRecords}: true when every record has the common shape (one- or
 * two-byte varints, a null or sized key, no headers) and the records pass every check the careful
 * walk makes, with `range` then filled in; false, with `range` untouched, at the first record it
 * does not take or that fails a check. It never throws, and it accepts nothing the careful walk
 * refuses: every field must end exactly at its record's end, and each record at the next one.
 * Reads past `end` only yield bytes (or undefined past the buffer) that make it give up.
 */
function walkCommonShape(buf: Buffer, pos: number, end: number, count: number, ctx: RecordContext, range: TimestampRange | undefined): boolean {
  // The two-byte varint decode is written out for each field on purpose: a helper that returns
  // the value and leaves the position in module scratch (as the careful walk's readers do) made
  // this walk ~50 % slower (2.8 against 1.8 us per 150 records).
  const last = ctx.lastOffsetDelta;
  let prev = -1;
  let minDelta = 0;
  let maxDelta = 0;
  for (let i = 0; i < count; i++) {
    // Record length. A body of at least RECORD_BYTES_MIN - 1 bytes keeps the first bytes of
    // attributes, timestampDelta and offsetDelta inside the record.
    let b = buf[pos];
    let c = buf[pos + 1];
    let len: number;
    if (b < 0x80) {
      len = (b >>> 1) ^ -(b & 1);
      pos += 1;
    } else if (c < 0x80) {
      const u = (b & 0x7f) | (c << 7);
      len = (u >>> 1) ^ -(u & 1);
      pos += 2;
    } else return false;
    const recEnd = pos + len;
    if (len < RECORD_BYTES_MIN - 1 || recEnd > end) return false;
    // Attributes (not checked, as Kafka does not), then timestampDelta.
    let q = pos + 1;
    b = buf[q];
    c = buf[q + 1];
    let tsDelta: number;
    if (b < 0x80) {
      tsDelta = (b >>> 1) ^ -(b & 1);
      q += 1;
    } else if (c < 0x80) {
      const u = (b & 0x7f) | (c << 7);
      tsDelta = (u >>> 1) ^ -(u & 1);
      q += 2;
    } else return false;
    // offsetDelta: increasing, at most lastOffsetDelta.
    b = buf[q];
    c = buf[q + 1];
    let delta: number;
    if (b < 0x80) {
      delta = (b >>> 1) ^ -(b & 1);
      q += 1;
    } else if (c < 0x80) {
      const u = (b & 0x7f) | (c << 7);
      delta = (u >>> 1) ^ -(u & 1);
      q += 2;
    } else return false;
    if (delta <= prev || delta > last) return false;
    prev = delta;
    // Key: null (0x01) or a length and its bytes.
    b = buf[q];
    if (b === 0x01) {
      q += 1;
    } else {
      c = buf[q + 1];
      let keyLen: number;
      if (b < 0x80) {
        keyLen = (b >>> 1) ^ -(b & 1);
        q += 1;
      } else if (c < 0x80) {
        const u = (b & 0x7f) | (c << 7);
        keyLen = (u >>> 1) ^ -(u & 1);
        q += 2;
      } else return false;
      if (keyLen < 0) return false;
      q += keyLen;
    }
    // Value: null or a length and its bytes.
    b = buf[q];
    c = buf[q + 1];
    let valueLen: number;
    if (b < 0x80) {
      valueLen = (b >>> 1) ^ -(b & 1);
      q += 1;
    } else if (c < 0x80) {
      const u = (b & 0x7f) | (c << 7);
      valueLen = (u >>> 1) ^ -(u & 1);
      q += 2;
    } else return false;
    if (valueLen < -1) return false;
    if (valueLen > 0) q += valueLen;
    // No headers: one zero byte, the record's last.
    if (q + 1 !== recEnd || buf[q] !== 0) return false;
    pos = recEnd;
    if (i === 0) {
      minDelta = tsDelta;
      maxDelta = tsDelta;
    } else if (tsDelta < minDelta) minDelta = tsDelta;
    else if (tsDelta > maxDelta) maxDelta = tsDelta;
  }
  if (pos !== end) return false;
  if (count === 0) return true;
  const base = ctx.baseTimestamp;
  if (minDelta < -Number.MAX_SAFE_INTEGER - base || maxDelta > Number.MAX_SAFE_INTEGER - base) return false;
  if (range !== undefined) {
    range.min = ctx.logAppendTime ?? base + minDelta;
    range.max = ctx.logAppendTime ?? base + maxDelta;
  }
  return true;
}

/** The careful walk of {@link checkRecords}: every shape, and the error that names the fault. */
function walkCarefully(buf: Buffer, pos: number, end: number, count: number, ctx: RecordContext, range: TimestampRange | undefined): void {
  // One loop with a local cursor, and one-byte varints decoded inline; anything else goes
  // through the general readers above, which also produce the error messages.
  let prev = -1;
  let minDelta = Infinity;
  let maxDelta = -Infinity;
  const tsMin = -Number.MAX_SAFE_INTEGER - ctx.baseTimestamp;
  const tsMax = Number.MAX_SAFE_INTEGER - ctx.baseTimestamp;
  for (let i = 0; i < count; i++) {
    if (pos >= end) throw corrupt(`recordsCount is ${count} but the batch holds only ${i} records`, { recordsCount: count, found: i });
    // Record length: one byte for records under 64 bytes, two for those under 8 KiB.
    let recEnd = -1;
    let b = buf[pos];
    if (b < 0x80) {
      const len = (b >>> 1) ^ -(b & 1);
      if (len >= RECORD_BYTES_MIN - 1 && pos + 1 + len <= end) {
        recEnd = pos + 1 + len;
        pos += 1;
      }
    } else if (pos + 1 < end && buf[pos + 1] < 0x80) {
      const u = (b & 0x7f) | (buf[pos + 1] << 7);
      const len = (u >>> 1) ^ -(u & 1);
      if (len >= RECORD_BYTES_MIN - 1 && pos + 2 + len <= end) {
        recEnd = pos + 2 + len;
        pos += 2;
      }
    }
    if (recEnd < 0) {
      recEnd = recordBounds(buf, pos, end, i);
      pos = vpos;
    }
    pos += 1; // attributes
    b = buf[pos];
    let tsDelta: number;
    if (b < 0x80 && pos < recEnd) {
      tsDelta = (b >>> 1) ^ -(b & 1);
      pos += 1;
    } else {
      tsDelta = varlongAt(buf, pos, recEnd, "timestampDelta", i);
      pos = vpos;
    }
    if (tsDelta < tsMin || tsDelta > tsMax) badTimestamp(i);
    if (tsDelta < minDelta) minDelta = tsDelta;
    if (tsDelta > maxDelta) maxDelta = tsDelta;
    b = buf[pos];
    let delta: number;
    if (b < 0x80 && pos < recEnd) {
      delta = (b >>> 1) ^ -(b & 1);
      pos += 1;
    } else {
      delta = varintAt(buf, pos, recEnd, "offsetDelta", i);
      pos = vpos;
    }
    checkOffsetDelta(delta, prev, ctx, i);
    prev = delta;
    // Key: null (0x01) is the common case; otherwise the general reader.
    if (buf[pos] === 0x01 && pos < recEnd) {
      pos += 1;
    } else {
      const keyLen = lengthAt(buf, pos, recEnd, "key", i, true);
      pos = vpos + (keyLen > 0 ? keyLen : 0);
    }
    // Value: one- or two-byte lengths inline.
    b = buf[pos];
    let valueLen = -2;
    if (b < 0x80 && pos < recEnd) {
      valueLen = (b >>> 1) ^ -(b & 1);
      pos += 1;
    } else if (pos + 1 < recEnd && buf[pos + 1] < 0x80) {
      const u = (b & 0x7f) | (buf[pos + 1] << 7);
      valueLen = (u >>> 1) ^ -(u & 1);
      pos += 2;
    }
    if (valueLen < -1 || valueLen > recEnd - pos) {
      valueLen = lengthAt(buf, pos - (valueLen === -2 ? 0 : b < 0x80 ? 1 : 2), recEnd, "value", i, true);
      pos = vpos;
    }
    pos += valueLen > 0 ? valueLen : 0;
    b = buf[pos];
    if (b === 0 && pos < recEnd) {
      pos += 1; // no headers: the common case
    } else {
      const headers = headerCountAt(buf, pos, recEnd, i);
      pos = vpos;
      for (let h = 0; h < headers; h++) {
        const hk = lengthAt(buf, pos, recEnd, "header key", i, false);
        const hv = lengthAt(buf, vpos + hk, recEnd, "header value", i, true);
        pos = vpos + Math.max(0, hv);
      }
    }
    checkRecordEnd(pos, recEnd, i);
  }
  if (pos !== end) throw corrupt(`${end - pos} bytes follow the last of ${count} records`, { recordsCount: count, trailingBytes: end - pos });
  if (range !== undefined && count > 0) {
    range.min = ctx.logAppendTime ?? ctx.baseTimestamp + minDelta;
    range.max = ctx.logAppendTime ?? ctx.baseTimestamp + maxDelta;
  }
}

/**
 * Lazily decodes `count` records from buf[pos, end), checking them as {@link checkRecords} does;
 * the count and the absence of trailing bytes are checked when the iteration reaches the end.
 */
export function* decodeRecords(buf: Buffer, pos: number, end: number, count: number, ctx: RecordContext): Generator<RecordView, void, undefined> {
  let prev = -1;
  for (let i = 0; i < count; i++) {
    if (pos >= end) throw corrupt(`recordsCount is ${count} but the batch holds only ${i} records`, { recordsCount: count, found: i });
    const recEnd = recordBounds(buf, pos, end, i);
    const attributes = buf.readInt8(vpos);
    const tsDelta = varlongAt(buf, vpos + 1, recEnd, "timestampDelta", i);
    const delta = varintAt(buf, vpos, recEnd, "offsetDelta", i);
    checkOffsetDelta(delta, prev, ctx, i);
    prev = delta;
    const keyLen = lengthAt(buf, vpos, recEnd, "key", i, true);
    const key = keyLen < 0 ? null : buf.subarray(vpos, vpos + keyLen);
    pos = vpos + Math.max(0, keyLen);
    const valueLen = lengthAt(buf, pos, recEnd, "value", i, true);
    const value = valueLen < 0 ? null : buf.subarray(vpos, vpos + valueLen);
    pos = vpos + Math.max(0, valueLen);
    const n = headerCountAt(buf, pos, recEnd, i);
    pos = vpos;
    const headers: RecordHeader[] = [];
    for (let h = 0; h < n; h++) {
      const hk = lengthAt(buf, pos, recEnd, "header key", i, false);
      const hkey = buf.toString("utf8", vpos, vpos + hk);
      const hv = lengthAt(buf, vpos + hk, recEnd, "header value", i, true);
      headers.push({ key: hkey, value: hv < 0 ? null : buf.subarray(vpos, vpos + hv) });
      pos = vpos + Math.max(0, hv);
    }
    checkRecordEnd(pos, recEnd, i);
    const timestamp = ctx.logAppendTime ?? ctx.baseTimestamp + tsDelta;
    if (!Number.isSafeInteger(timestamp)) badTimestamp(i);
    yield { offset: ctx.baseOffset + delta, timestamp, key, value, headers, attributes };
  }
  if (pos !== end) throw corrupt(`${end - pos} bytes follow the last of ${count} records`, { recordsCount: count, trailingBytes: end - pos });
}

// ---- encoding -----------------------------------------------------------------------------

/** Bytes of an unsigned LEB128 value below 2^53. */
function uvarintBytes(u: number): number {
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Zigzag of a safe integer within ±2^52 (exact). */
function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function writeUVarint(buf: Buffer, pos: number, u: number): number {
  while (u >= 0x80) {
    buf[pos++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[pos++] = u;
  return pos;
}

/** Sizes computed once by {@link planRecords} and used again by {@link writeRecords}. */
export interface RecordsPlan {
  /** Total encoded bytes of all records. */
  bytes: number;
  /** Per record, its body length (the value of its length prefix). */
  bodyBytes: number[];
  /** UTF-8 byte length of every header key, in order. */
  headerKeyBytes: number[];
}

function invalid(message: string, details: Record<string, unknown>): WeirError {
  return new WeirError("INVALID_ARGUMENT", message, { details });
}

/** Computes the encoded size of every record, checking what the grammar cannot hold. */
export function planRecords(records: readonly RecordInput[], timestamps: readonly number[], baseTimestamp: number): RecordsPlan {
  const bodyBytes: number[] = new Array<number>(records.length);
  const headerKeyBytes: number[] = [];
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const tsDelta = timestamps[i] - baseTimestamp;
    if (!(Math.abs(tsDelta) < TIMESTAMP_DELTA_ABS_MAX)) throw invalid(`record ${i}: timestamp ${timestamps[i]} is too far from the batch's base timestamp`, { record: i });
    const keyLen = r.key === null ? -1 : r.key.length;
    const valueLen = r.value === null ? -1 : r.value.length;
    let body = 1 + uvarintBytes(zigzag(tsDelta)) + uvarintBytes(zigzag(i));
    body += uvarintBytes(zigzag(keyLen)) + Math.max(0, keyLen) + uvarintBytes(zigzag(valueLen)) + Math.max(0, valueLen);
    const headers = r.headers ?? [];
    if (headers.length > limits.recordHeadersMax) throw invalid(`record ${i}: ${headers.length} headers exceed the limit of ${limits.recordHeadersMax}`, { record: i });
    body += uvarintBytes(zigzag(headers.length));
    for (const h of headers) {
      const hk = Buffer.byteLength(h.key, "utf8");
      headerKeyBytes.push(hk);
      const hv = h.value === null ? -1 : h.value.length;
      body += uvarintBytes(zigzag(hk)) + hk + uvarintBytes(zigzag(hv)) + Math.max(0, hv);
    }
    bodyBytes[i] = body;
    total += uvarintBytes(zigzag(body)) + body;
  }
  return { bytes: total, bodyBytes, headerKeyBytes };
}

/** Writes the records at `pos` (offset deltas 0..n-1) exactly as planned; returns the end position. */
export function writeRecords(buf: Buffer, pos: number, records: readonly RecordInput[], timestamps: readonly number[], baseTimestamp: number, plan: RecordsPlan): number {
  let hki = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    pos = writeUVarint(buf, pos, zigzag(plan.bodyBytes[i]));
    buf[pos++] = 0; // record attributes: unused
    pos = writeUVarint(buf, pos, zigzag(timestamps[i] - baseTimestamp));
    pos = writeUVarint(buf, pos, zigzag(i));
    pos = writeBytes(buf, pos, r.key);
    pos = writeBytes(buf, pos, r.value);
    const headers = r.headers ?? [];
    pos = writeUVarint(buf, pos, zigzag(headers.length));
    for (const h of headers) {
      const hk = plan.headerKeyBytes[hki++];
      pos = writeUVarint(buf, pos, zigzag(hk));
      pos += buf.write(h.key, pos, hk, "utf8");
      pos = writeBytes(buf, pos, h.value);
    }
  }
  return pos;
}

function writeBytes(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) return writeUVarint(buf, pos, 1); // zigzag(-1)
  pos = writeUVarint(buf, pos, zigzag(b.length));
  if (b.length < 32) {
    for (let j = 0; j < b.length; j++) buf[pos + j] = b[j]!;
  } else {
    buf.set(b, pos);
  }
  return pos + b.length;
}
