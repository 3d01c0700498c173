/**
 * The Kafka source's hot loop: record batch v2 bytes straight into rows of the projected
 * columns, with no object per record beyond the row array and the Buffer views of the key and
 * value it needs (a record's headers are only decoded when the headers column is asked for).
 *
 *   Record => length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
 *             keyLength:varint key valueLength:varint value [Header]
 *
 * The batch's frame (lengths, magic, CRC-32C) is checked first (validateBatchFrame); every
 * length inside is checked against the record's bounds, and anything inconsistent is handed to
 * the protocol's own decoder (iterateRecords), which throws the precise CORRUPT_BATCH error.
 */
import {
  ATTR_CODEC_MASK,
  ATTR_LOG_APPEND_TIME,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD,
  compressionOf,
  decompress,
  iterateRecords,
  readBatchHeader,
  validateBatchFrame,
  type BatchHeader,
} from "../../protocol/records/index.js";
import { assert } from "../../util/assert.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import { limits } from "../../util/limits.js";
import type { Row } from "../types.js";

// Column positions in the Kafka source schema.
export const KEY = 0;
export const VALUE = 1;
export const TOPIC = 2;
export const PARTITION = 3;
export const OFFSET = 4;
export const TIMESTAMP = 5;
export const TIMESTAMP_TYPE = 6;
export const HEADERS = 7;

const EMPTY = Buffer.alloc(0);

/** Reads a record's value from its bytes `buf[start, end)` (see {@link RowDecoder}'s constructor). */
export type ValueReader = (buf: Buffer, start: number, end: number) => unknown;

/**
 * Takes each record's value in place instead of a row of it (see {@link RowDecoder}'s
 * constructor): a partial aggregation that reads the values itself (exec/parallel/fused.ts).
 */
export interface ValueSink {
  /** The record's value is `buf[start, end)`. */
  value(buf: Buffer, start: number, end: number): void;
  /** The record's value is null. */
  nullValue(): void;
}

/** Position after the last varint read (module scratch: reads allocate nothing). */
let vpos = 0;
/** Set when a read ran out of bounds; the caller then re-decodes slowly for the precise error. */
let bad = false;

/** A zigzag varint (up to 5 bytes) or varlong (up to 8, within ±2^52) at `pos`, not past `end`. */
function varint(buf: Buffer, pos: number, end: number): number {
  if (pos < end) {
    const b = buf[pos];
    if (b < 0x80) {
      vpos = pos + 1;
      return (b >>> 1) ^ -(b & 1);
    }
    // Two bytes (values up to ±8191: most record lengths), three (up to ±2^20: the timestamp
    // deltas of a batch that spans minutes).
    if (pos + 1 < end) {
      const c = buf[pos + 1];
      if (c < 0x80) {
        const u = (b & 0x7f) | (c << 7);
        vpos = pos + 2;
        return (u >>> 1) ^ -(u & 1);
      }
      if (pos + 2 < end) {
        const d = buf[pos + 2];
        if (d < 0x80) {
          const u = (b & 0x7f) | ((c & 0x7f) << 7) | (d << 14);
          vpos = pos + 3;
          return (u >>> 1) ^ -(u & 1);
        }
      }
    }
  }
  return varintSlow(buf, pos, end);
}

function varintSlow(buf: Buffer, pos: number, end: number): number {
  let u = 0;
  let mul = 1;
  for (let i = 0; i < 8 && pos < end; i++) {
    const b = buf[pos++];
    u += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      vpos = pos;
      return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    }
    mul *= 128;
  }
  bad = true;
  vpos = end;
  return 0;
}

/**
 * Decodes the records of batches into rows of the columns `cols` (schema positions). A batch is
 * decoded in steps: {@link begin} reads its header, then each {@link next} appends rows up to a
 * limit, so a scan can hand out small row batches from a large record batch.
 */
export class RowDecoder {
  /** The offset of every row given out since the caller last emptied it (for error messages). */
  readonly offsets: number[] = [];
  private readonly needKey: boolean;
  private readonly needValue: boolean;
  private readonly needHeaders: boolean;
  private readonly valueOnly: boolean;
  // The batch being decoded (set by begin).
  private records: Buffer = EMPTY;
  private at = 0;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  private h: BatchHeader | null = null;
  private i = 0;
  private prevDelta = -1;
  private from = 0;
  private until = 0;
  private timestampType = 0;
  private fixedTimestamp = -1;

  /**
   * @param valueReader reads the value column from the value's bytes in place (the record's
   *   position in the fetch) instead of a Buffer view of them: a scan fused with the
   *   `from_json` over its values (exec/scan.ts); null values stay null.
   * @param sink takes every record's value (the columns must be the value alone) and no row
   *   is given (a batch is then decoded in one {@link next}); a failure of the sink names the
   *   record as the valueReader's does.
   */
  constructor(
    private readonly cols: readonly number[],
    private readonly topic: string,
    private readonly partition: number,
    private readonly valueReader: ValueReader | null = null,
    private readonly sink: ValueSink | null = null,
  ) {
    assert(sink === null || (cols.length === 1 && cols[0] === VALUE), "a value sink reads the value column alone");
    this.needKey = cols.includes(KEY);
    this.needValue = cols.includes(VALUE);
    this.needHeaders = cols.includes(HEADERS);
    this.valueOnly = cols.length === 1 && cols[0] === VALUE;
  }

  /**
   * Starts on the batch at `at`: {@link next} then gives a row for every record with an offset
   * in [from, until); returns the header. `framesChecked`: the fetch already checked the batch's
   * frame and CRC (see LogFetchResult). Control batches give no rows (the caller skips them).
   */
  begin(records: Buffer, at: number, framesChecked: boolean, from: number, until: number): BatchHeader {
    const h = framesChecked ? readBatchHeader(records, at) : validateBatchFrame(records, at);
    this.records = records;
    this.at = at;
    this.buf = records;
    this.pos = at + BATCH_HEADER_BYTES;
    this.end = at + h.batchLength + BATCH_LOG_OVERHEAD;
    if ((h.attributes & ATTR_CODEC_MASK) !== 0) {
      this.buf = decompress(compressionOf(h.attributes), records.subarray(this.pos, this.end), limits.decompressedBytesMax);
      this.pos = 0;
      this.end = this.buf.length;
    }
    this.h = h;
    this.i = 0;
    this.prevDelta = -1;
    this.from = from;
    this.until = until;
    this.timestampType = (h.attributes & ATTR_LOG_APPEND_TIME) !== 0 ? 1 : 0;
    this.fixedTimestamp = this.timestampType === 1 ? h.maxTimestamp : -1;
    return h;
  }

  /**
   * Appends rows of the current batch to `out` until `out` holds `limit` rows or the batch ends;
   * returns true when the batch is done (then {@link begin} starts the next).
   */
  next(out: Row[], limit: number): boolean {
    const h = this.h;
    if (h === null) return true;
    const buf = this.buf;
    const end = this.end;
    const from = this.from;
    const until = this.until;
    const timestampType = this.timestampType;
    const fixedTimestamp = this.fixedTimestamp;
    const mark = out.length;
    let pos = this.pos;
    let prevDelta = this.prevDelta;
    let i = this.i;
    bad = false;
    for (; i < h.recordsCount; i++) {
      if (out.length >= limit) {
        this.pos = pos;
        this.prevDelta = prevDelta;
        this.i = i;
        return false;
      }
      const len = varint(buf, pos, end);
      const body = vpos;
      const recEnd = body + len;
      if (bad || len < 6 || recEnd > end) return this.slow(mark, out);
      const tsDelta = varint(buf, body + 1, recEnd);
      const delta = varint(buf, vpos, recEnd);
      if (delta <= prevDelta || delta > h.lastOffsetDelta) return this.slow(mark, out);
      prevDelta = delta;
      const offset = h.baseOffset + delta;
      pos = recEnd;
      if (offset < from) continue;
      if (offset >= until) break;
      const keyLen = varint(buf, vpos, recEnd);
      if (keyLen < -1 || keyLen > recEnd - vpos) return this.slow(mark, out);
      const key = keyLen >= 0 && this.needKey ? buf.subarray(vpos, vpos + keyLen) : null;
      const valueLen = varint(buf, vpos + (keyLen > 0 ? keyLen : 0), recEnd);
      if (bad || valueLen < -1 || valueLen > recEnd - vpos) return this.slow(mark, out);
      if (this.sink !== null) {
        this.sinkValue(buf, vpos, valueLen, offset);
        continue;
      }
      this.offsets.push(offset);
      const value = valueLen < 0 || !this.needValue ? null : this.valueReader === null ? buf.subarray(vpos, vpos + valueLen) : this.readValue(buf, vpos, valueLen, offset);
      if (this.valueOnly) {
        out.push([value]);
        continue;
      }
      const timestamp = fixedTimestamp >= 0 ? fixedTimestamp : h.baseTimestamp + tsDelta;
      let headers: unknown[] | null = null;
      if (this.needHeaders) {
        headers = readHeaders(buf, vpos + (valueLen > 0 ? valueLen : 0), recEnd);
        if (bad) return this.slow(mark, out);
      }
      out.push(this.row(key, value, offset, timestamp, timestampType, headers));
    }
    this.h = null;
    // Not keeping the fetch alive past its last batch.
    this.records = this.buf = EMPTY;
    return true;
  }

  /** The value read by the valueReader; its failure names the record, as a row's failure in an operator does. */
  private readValue(buf: Buffer, at: number, len: number, offset: number): unknown {
    try {
      return this.valueReader!(buf, at, at + len);
    } catch (e) {
      if (!isWeirError(e, "EXECUTION") || e.details.record !== undefined) throw e;
      const record = `topic ${this.topic}, partition ${this.partition}, offset ${offset}`;
      throw new WeirError("EXECUTION", `${e.message} (record: ${record})`, { cause: e, details: { ...e.details, record } });
    }
  }

  /** Hands the sink a record's value; its failure names the record, as readValue's does. */
  private sinkValue(buf: Buffer, at: number, len: number, offset: number): void {
    try {
      if (len < 0) this.sink!.nullValue();
      else this.sink!.value(buf, at, at + len);
    } catch (e) {
      if (!isWeirError(e, "EXECUTION") || e.details.record !== undefined) throw e;
      const record = `topic ${this.topic}, partition ${this.partition}, offset ${offset}`;
      throw new WeirError("EXECUTION", `${e.message} (record: ${record})`, { cause: e, details: { ...e.details, record } });
    }
  }

  private row(key: Buffer | null, value: unknown, offset: number, timestamp: number, timestampType: number, headers: unknown[] | null): Row {
    const cols = this.cols;
    const n = cols.length;
    const row = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      switch (cols[i]) {
        case KEY:
          row[i] = key;
          break;
        case VALUE:
          row[i] = value;
          break;
        case TOPIC:
          row[i] = this.topic;
          break;
        case PARTITION:
          row[i] = this.partition;
          break;
        case OFFSET:
          row[i] = offset;
          break;
        case TIMESTAMP:
          row[i] = timestamp * 1000;
          break;
        case TIMESTAMP_TYPE:
          row[i] = timestampType;
          break;
        default:
          row[i] = headers;
      }
    }
    return row;
  }

  /** Drops the rows this step appended and lets the protocol decoder throw the batch's precise error. */
  private slow(mark: number, out: Row[]): never {
    out.length = mark;
    const records = this.records;
    const at = this.at;
    this.h = null;
    for (const _ of iterateRecords(records, at)) {
      // Walking the records raises the precise CORRUPT_BATCH error.
    }
    throw new WeirError("CORRUPT_BATCH", `a record batch at position ${at} of a fetch does not decode`, { details: { position: at } });
  }
}

/** A record's headers as Spark's array<struct<key, value>> (null when there are none). */
function readHeaders(buf: Buffer, pos: number, recEnd: number): unknown[] | null {
  const n = varint(buf, pos, recEnd);
  if (n < 0 || n * 2 > recEnd - vpos) {
    bad = true;
    return null;
  }
  if (n === 0) return null;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const kl = varint(buf, vpos, recEnd);
    if (bad || kl < 0 || kl > recEnd - vpos) {
      bad = true;
      return null;
    }
    const key = buf.toString("utf8", vpos, vpos + kl);
    const vl = varint(buf, vpos + kl, recEnd);
    if (bad || vl < -1 || vl > recEnd - vpos) {
      bad = true;
      return null;
    }
    out[i] = [key, vl < 0 ? null : buf.subarray(vpos, vpos + vl)];
    vpos += Math.max(0, vl);
  }
  return out;
}
