/**
 * Record batch v2 as it lies on the wire and in segment files:
 *
 *   RecordBatch => baseOffset:int64 batchLength:int32 partitionLeaderEpoch:int32 magic:int8 crc:uint32
 *                  attributes:int16 lastOffsetDelta:int32 baseTimestamp:int64 maxTimestamp:int64
 *                  producerId:int64 producerEpoch:int16 baseSequence:int32 recordsCount:int32 [Record]
 *
 * batchLength counts the bytes after itself; the CRC-32C covers attributes through the end, so a
 * broker assigns offsets by rewriting baseOffset (and the leader epoch) without touching it.
 */
import { WeirError } from "../../util/errors.js";
import { limits } from "../../util/limits.js";
import {
  ATTR_CODEC_MASK,
  ATTR_CONTROL,
  ATTR_LOG_APPEND_TIME,
  ATTR_TRANSACTIONAL,
  CODEC_ID,
  compressionOf,
  type CompressionCodec,
} from "./attributes.js";
import { compress, decompress } from "./compression.js";
import { crc32c } from "./crc32c.js";
import {
  RECORD_BYTES_MIN,
  checkRecords,
  decodeRecords,
  planRecords,
  writeRecords,
  type RecordContext,
  type RecordInput,
  type RecordView,
  type TimestampRange,
} from "./records.js";

/** Bytes from baseOffset through recordsCount. */
export const BATCH_HEADER_BYTES = 61;
/** Bytes before batchLength's count starts: baseOffset(8) + batchLength(4). */
export const BATCH_LOG_OVERHEAD = 12;
/** The only batch format Weir reads and writes. */
export const BATCH_MAGIC = 2;

// Field positions relative to the batch start.
const OFF_BATCH_LENGTH = 8;
const OFF_LEADER_EPOCH = 12;
const OFF_MAGIC = 16;
const OFF_CRC = 17;
const OFF_ATTRIBUTES = 21;
const OFF_LAST_OFFSET_DELTA = 23;
const OFF_BASE_TIMESTAMP = 27;
const OFF_MAX_TIMESTAMP = 35;
const OFF_PRODUCER_ID = 43;
const OFF_PRODUCER_EPOCH = 51;
const OFF_BASE_SEQUENCE = 53;
const OFF_RECORDS_COUNT = 57;
const UINT32 = 0x1_0000_0000;

/** The fixed fields of a batch, decoded. */
export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

function corrupt(message: string, pos: number, details: Record<string, unknown> = {}): WeirError {
  return new WeirError("CORRUPT_BATCH", message, { details: { position: pos, ...details } });
}

function readInt64(buf: Buffer, at: number, field: string, pos: number): number {
  const hi = buf.readInt32BE(at);
  const lo = buf.readUInt32BE(at + 4);
  if (hi > 0x1fffff || hi < -0x200000 || (hi === -0x200000 && lo === 0)) throw corrupt(`${field} is outside the safe integer range`, pos, { field });
  return hi * UINT32 + lo;
}

function writeInt64(buf: Buffer, at: number, v: number): void {
  const hi = Math.floor(v / UINT32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * UINT32, at + 4);
}

function checkInt64Arg(v: number, what: string): void {
  if (!Number.isSafeInteger(v)) throw new WeirError("INVALID_ARGUMENT", `${what} must be a safe integer, got ${v}`, { details: { [what]: v } });
}

/** Decodes the 61 header bytes at `pos`; CORRUPT_BATCH when fewer are available. Checks nothing else. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (pos < 0 || buf.length - pos < BATCH_HEADER_BYTES) {
    throw corrupt(`truncated batch header: ${Math.max(0, buf.length - pos)} of ${BATCH_HEADER_BYTES} bytes`, pos, {
      available: Math.max(0, buf.length - pos),
    });
  }
  return {
    baseOffset: readInt64(buf, pos, "baseOffset", pos),
    batchLength: buf.readInt32BE(pos + OFF_BATCH_LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(pos + OFF_LEADER_EPOCH),
    magic: buf.readInt8(pos + OFF_MAGIC),
    crc: buf.readUInt32BE(pos + OFF_CRC),
    attributes: buf.readInt16BE(pos + OFF_ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(pos + OFF_LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(buf, pos + OFF_BASE_TIMESTAMP, "baseTimestamp", pos),
    maxTimestamp: readInt64(buf, pos + OFF_MAX_TIMESTAMP, "maxTimestamp", pos),
    producerId: readInt64(buf, pos + OFF_PRODUCER_ID, "producerId", pos),
    producerEpoch: buf.readInt16BE(pos + OFF_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + OFF_BASE_SEQUENCE),
    recordsCount: buf.readInt32BE(pos + OFF_RECORDS_COUNT),
  };
}

/** Whole size of the batch on the wire: batchLength + 12. */
export function batchTotalBytes(h: BatchHeader): number {
  return h.batchLength + BATCH_LOG_OVERHEAD;
}

/**
 * The cheap check for bytes already validated once (a segment read, before serving or decoding):
 * lengths within the buffer and limits, magic 2, CRC-32C, codec id, lastOffsetDelta and
 * recordsCount bounds, without walking the records. Throws like {@link validateBatch}.
 */
export function validateBatchFrame(buf: Buffer, pos = 0): BatchHeader {
  return checkFrame(buf, pos);
}

/** See {@link validateBatchFrame}. */
function checkFrame(buf: Buffer, pos: number): BatchHeader {
  const h = readBatchHeader(buf, pos);
  const total = h.batchLength + BATCH_LOG_OVERHEAD;
  if (h.batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD) {
    throw corrupt(`batchLength ${h.batchLength} is smaller than the ${BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD}-byte header`, pos, { batchLength: h.batchLength });
  }
  if (total > limits.batchBytesMax) {
    throw new WeirError("LIMIT_EXCEEDED", `batch of ${total} bytes exceeds the limit of ${limits.batchBytesMax} bytes`, {
      details: { position: pos, batchBytes: total, limit: limits.batchBytesMax },
    });
  }
  if (total > buf.length - pos) {
    throw corrupt(`truncated batch: batchLength ${h.batchLength} needs ${total} bytes, ${buf.length - pos} available`, pos, {
      batchLength: h.batchLength,
      available: buf.length - pos,
    });
  }
  if (h.magic !== BATCH_MAGIC) throw corrupt(`unsupported batch magic ${h.magic}; only magic 2 (record batch v2) is accepted`, pos, { magic: h.magic });
  const crc = crc32c(buf.subarray(pos + OFF_ATTRIBUTES, pos + total));
  if (crc !== h.crc) {
    throw corrupt(`batch CRC mismatch: stored 0x${h.crc.toString(16)}, computed 0x${crc.toString(16)}`, pos, { stored: h.crc, computed: crc });
  }
  compressionOf(h.attributes); // COMPRESSION for ids 5-7
  if (h.lastOffsetDelta < 0) throw corrupt(`negative lastOffsetDelta ${h.lastOffsetDelta}`, pos, { lastOffsetDelta: h.lastOffsetDelta });
  if (h.recordsCount < 0 || h.recordsCount > h.lastOffsetDelta + 1) {
    throw corrupt(`recordsCount ${h.recordsCount} is not within 0..lastOffsetDelta+1 (${h.lastOffsetDelta + 1})`, pos, { recordsCount: h.recordsCount });
  }
  if (h.recordsCount > limits.batchRecordsMax) {
    throw new WeirError("LIMIT_EXCEEDED", `batch of ${h.recordsCount} records exceeds the limit of ${limits.batchRecordsMax}`, {
      details: { position: pos, recordsCount: h.recordsCount, limit: limits.batchRecordsMax },
    });
  }
  const recordsBytes = total - BATCH_HEADER_BYTES;
  const bound = (h.attributes & ATTR_CODEC_MASK) === 0 ? recordsBytes : limits.decompressedBytesMax;
  if (h.recordsCount * RECORD_BYTES_MIN > bound) {
    throw corrupt(`recordsCount ${h.recordsCount} cannot fit in ${bound} bytes of records`, pos, { recordsCount: h.recordsCount });
  }
  return h;
}

function contextOf(h: BatchHeader): RecordContext {
  return {
    baseOffset: h.baseOffset,
    baseTimestamp: h.baseTimestamp,
    lastOffsetDelta: h.lastOffsetDelta,
    logAppendTime: (h.attributes & ATTR_LOG_APPEND_TIME) !== 0 ? h.maxTimestamp : null,
  };
}

/**
 * Full validation of the batch at `pos`: header, lengths, limits, magic 2, CRC-32C, and for an
 * uncompressed batch every record (count, lengths, offset deltas); a compressed batch's records
 * are only checked by {@link iterateRecords}, which decompresses. Throws CORRUPT_BATCH (or
 * LIMIT_EXCEEDED / COMPRESSION) with a specific message. For an uncompressed batch, `range` (if
 * given) receives its smallest and largest record timestamps, found on the same walk.
 */
export function validateBatch(buf: Buffer, pos = 0, range?: TimestampRange): BatchHeader {
  const h = checkFrame(buf, pos);
  if ((h.attributes & ATTR_CODEC_MASK) === 0) {
    checkRecords(buf, pos + BATCH_HEADER_BYTES, pos + batchTotalBytes(h), h.recordsCount, contextOf(h), range);
  } else if (h.recordsCount > 0 && batchTotalBytes(h) === BATCH_HEADER_BYTES) {
    throw corrupt(`compressed batch claims ${h.recordsCount} records but has no payload`, pos, { recordsCount: h.recordsCount });
  }
  return h;
}

/** Rewrites baseOffset (8 bytes, outside the CRC) of the batch at `pos`. */
export function setBaseOffset(buf: Buffer, pos: number, baseOffset: number): void {
  checkInt64Arg(baseOffset, "baseOffset");
  writeInt64(buf, pos, baseOffset);
}

/** Rewrites partitionLeaderEpoch (outside the CRC) of the batch at `pos`. */
export function setPartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + OFF_LEADER_EPOCH);
}

/**
 * Stamps the batch at `pos` with LogAppendTime `ts`, as Kafka's broker does for
 * message.timestamp.type=LogAppendTime: sets attribute bit 3 and maxTimestamp (readers then give
 * every record that timestamp; baseTimestamp and deltas are left alone) and recomputes the CRC.
 */
export function setMaxTimestampAndLogAppendTime(buf: Buffer, pos: number, ts: number): void {
  checkInt64Arg(ts, "timestamp");
  const attributes = buf.readInt16BE(pos + OFF_ATTRIBUTES) | ATTR_LOG_APPEND_TIME;
  buf.writeInt16BE(attributes, pos + OFF_ATTRIBUTES);
  writeInt64(buf, pos + OFF_MAX_TIMESTAMP, ts);
  const end = pos + buf.readInt32BE(pos + OFF_BATCH_LENGTH) + BATCH_LOG_OVERHEAD;
  buf.writeUInt32BE(crc32c(buf.subarray(pos + OFF_ATTRIBUTES, end)), pos + OFF_CRC);
}

/** What {@link batchesIn} does with bytes at the end that do not make a whole batch. */
export interface BatchesInOptions {
  /** 'throw' (default): CORRUPT_BATCH. 'stop': end the walk there (a fetch response's cut tail, a torn segment end). */
  partialTail?: "throw" | "stop";
}

/**
 * Walks a concatenation of batches (a produce request's records, a segment read), validating
 * each with {@link validateBatch} before yielding its position and header.
 */
export function* batchesIn(buf: Buffer, opts: BatchesInOptions = {}): Generator<{ pos: number; header: BatchHeader }, void, undefined> {
  let pos = 0;
  while (pos < buf.length) {
    const left = buf.length - pos;
    if (opts.partialTail === "stop" && (left < BATCH_HEADER_BYTES || buf.readInt32BE(pos + OFF_BATCH_LENGTH) + BATCH_LOG_OVERHEAD > left)) return;
    const header = validateBatch(buf, pos);
    yield { pos, header };
    pos += batchTotalBytes(header);
  }
}

/** Options of {@link buildBatch}; everything defaults to a plain, non-idempotent producer batch. */
export interface BuildBatchOptions {
  baseOffset?: number;
  compression?: CompressionCodec;
  timestampType?: "create" | "logAppend";
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  partitionLeaderEpoch?: number;
  /** Timestamp for records without one, and the LogAppendTime; defaults to Date.now(). */
  now?: number;
  /** Sets the control bit (used by control.ts). */
  control?: boolean;
}

/** Encodes `records` as one batch (offset deltas 0..n-1), sized up front, with one CRC pass. */
export function buildBatch(records: readonly RecordInput[], opts: BuildBatchOptions = {}): Buffer {
  if (records.length === 0) throw new WeirError("INVALID_ARGUMENT", "a record batch needs at least one record");
  if (records.length > limits.batchRecordsMax) {
    throw new WeirError("LIMIT_EXCEEDED", `${records.length} records exceed the limit of ${limits.batchRecordsMax}`, {
      details: { records: records.length, limit: limits.batchRecordsMax },
    });
  }
  const now = opts.now ?? Date.now();
  checkInt64Arg(now, "now");
  const logAppend = opts.timestampType === "logAppend";
  const timestamps = new Array<number>(records.length);
  let maxTimestamp = -1;
  for (let i = 0; i < records.length; i++) {
    const ts = logAppend ? now : (records[i].timestamp ?? now);
    checkInt64Arg(ts, "timestamp");
    timestamps[i] = ts;
    if (ts > maxTimestamp) maxTimestamp = ts;
  }
  // Kafka's MemoryRecordsBuilder takes the first record's timestamp as the base.
  const baseTimestamp = timestamps[0];
  const plan = planRecords(records, timestamps, baseTimestamp);
  const codec = opts.compression ?? "none";
  let buf: Buffer;
  if (codec === "none") {
    buf = Buffer.allocUnsafe(BATCH_HEADER_BYTES + plan.bytes);
    writeRecords(buf, BATCH_HEADER_BYTES, records, timestamps, baseTimestamp, plan);
  } else {
    const raw = Buffer.allocUnsafe(plan.bytes);
    writeRecords(raw, 0, records, timestamps, baseTimestamp, plan);
    const packed = compress(codec, raw);
    buf = Buffer.allocUnsafe(BATCH_HEADER_BYTES + packed.length);
    packed.copy(buf, BATCH_HEADER_BYTES);
  }
  if (buf.length > limits.batchBytesMax) {
    throw new WeirError("LIMIT_EXCEEDED", `encoded batch of ${buf.length} bytes exceeds the limit of ${limits.batchBytesMax} bytes`, {
      details: { batchBytes: buf.length, limit: limits.batchBytesMax },
    });
  }
  let attributes = CODEC_ID[codec];
  if (logAppend) attributes |= ATTR_LOG_APPEND_TIME;
  if (opts.transactional === true) attributes |= ATTR_TRANSACTIONAL;
  if (opts.control === true) attributes |= ATTR_CONTROL;
  const baseOffset = opts.baseOffset ?? 0;
  checkInt64Arg(baseOffset, "baseOffset");
  const producerId = opts.producerId ?? -1;
  checkInt64Arg(producerId, "producerId");
  writeInt64(buf, 0, baseOffset);
  buf.writeInt32BE(buf.length - BATCH_LOG_OVERHEAD, OFF_BATCH_LENGTH);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? -1, OFF_LEADER_EPOCH);
  buf.writeInt8(BATCH_MAGIC, OFF_MAGIC);
  buf.writeInt16BE(attributes, OFF_ATTRIBUTES);
  buf.writeInt32BE(records.length - 1, OFF_LAST_OFFSET_DELTA);
  writeInt64(buf, OFF_BASE_TIMESTAMP, baseTimestamp);
  writeInt64(buf, OFF_MAX_TIMESTAMP, maxTimestamp);
  writeInt64(buf, OFF_PRODUCER_ID, producerId);
  buf.writeInt16BE(opts.producerEpoch ?? -1, OFF_PRODUCER_EPOCH);
  buf.writeInt32BE(opts.baseSequence ?? -1, OFF_BASE_SEQUENCE);
  buf.writeInt32BE(records.length, OFF_RECORDS_COUNT);
  buf.writeUInt32BE(crc32c(buf.subarray(OFF_ATTRIBUTES)), OFF_CRC);
  return buf;
}

/**
 * The records of the batch at `pos`, decoded lazily. The header and CRC are checked up front; a
 * compressed batch is decompressed (bounded by limits.decompressedBytesMax) when iteration
 * starts; record errors, a count mismatch or trailing bytes surface as CORRUPT_BATCH during the
 * iteration. Keys and values are views, never copies.
 */
export function iterateRecords(buf: Buffer, pos = 0): Iterable<RecordView> {
  const h = checkFrame(buf, pos);
  const ctx = contextOf(h);
  const start = pos + BATCH_HEADER_BYTES;
  const end = pos + batchTotalBytes(h);
  const codec = compressionOf(h.attributes);
  return {
    [Symbol.iterator]: () => {
      if (codec === "none") return decodeRecords(buf, start, end, h.recordsCount, ctx);
      const plain = decompress(codec, buf.subarray(start, end), limits.decompressedBytesMax);
      return decodeRecords(plain, 0, plain.length, h.recordsCount, ctx);
    },
  };
}
