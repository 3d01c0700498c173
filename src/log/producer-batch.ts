/**
 * What a partition log accepts from a producer: one well-formed batch v2 within the topic's
 * max.message.bytes, holding records with offset deltas 0..n-1, and keys on compacted topics.
 * Anything else is refused with a typed error before a byte is written.
 */
import type { TopicConfig } from "./config.js";
import { batchTotalBytes, compressionOf, iterateRecords, validateBatch } from "../protocol/records/index.js";
import type { BatchHeader, TimestampRange } from "../protocol/records/index.js";
import { WeirError } from "../util/errors.js";

/**
 * Checks `batch` for an append to `topic` at time `now`; returns its header. Throws
 * LIMIT_EXCEEDED (size), CORRUPT_BATCH (CRC, magic, lengths, counts, trailing bytes),
 * COMPRESSION, INVALID_RECORD or INVALID_TIMESTAMP.
 */
export function checkProducerBatch(batch: Buffer, cfg: Readonly<TopicConfig>, where: { topic: string; partition: number }, now: number): BatchHeader {
  if (batch.length > cfg.maxMessageBytes) {
    throw new WeirError("LIMIT_EXCEEDED", `batch of ${batch.length} bytes exceeds max.message.bytes=${cfg.maxMessageBytes} of ${where.topic}`, {
      details: { ...where, batchBytes: batch.length, limit: cfg.maxMessageBytes, key: "max.message.bytes" },
    });
  }
  const range: TimestampRange = { min: Infinity, max: -Infinity };
  const h = validateBatch(batch, 0, range);
  if (batchTotalBytes(h) !== batch.length) {
    throw new WeirError("CORRUPT_BATCH", `${batch.length - batchTotalBytes(h)} bytes follow the batch; append takes exactly one batch`, { details: where });
  }
  if (h.recordsCount === 0 || h.lastOffsetDelta !== h.recordsCount - 1) {
    throw new WeirError("CORRUPT_BATCH", `producer batch has recordsCount ${h.recordsCount} and lastOffsetDelta ${h.lastOffsetDelta}; expected n >= 1 records with deltas 0..n-1`, {
      details: { ...where, recordsCount: h.recordsCount, lastOffsetDelta: h.lastOffsetDelta },
    });
  }
  // validateBatch walks uncompressed records itself; compressed ones are checked by decoding
  // them, as Kafka's broker does. Compacted topics also need every record to have a key.
  if (compressionOf(h.attributes) !== "none" || cfg.cleanupPolicy.compact) {
    for (const r of iterateRecords(batch, 0)) {
      if (r.key === null && cfg.cleanupPolicy.compact) {
        throw new WeirError("INVALID_RECORD", `record ${r.offset - h.baseOffset} of the batch has no key; compacted topic ${where.topic} needs one`, { details: where });
      }
      if (r.timestamp < range.min) range.min = r.timestamp;
      if (r.timestamp > range.max) range.max = r.timestamp;
    }
  }
  if (cfg.messageTimestampType === "CreateTime") checkTimestamps(range, cfg, where, now);
  return h;
}

/**
 * Kafka's bounds on CreateTime timestamps (message.timestamp.before.max.ms / after.max.ms): every
 * record must be stamped within [now - before, now + after], else the batch is refused with
 * INVALID_TIMESTAMP. Kafka 4 refuses records more than an hour in the future by default.
 */
function checkTimestamps(range: TimestampRange, cfg: Readonly<TopicConfig>, where: { topic: string; partition: number }, now: number): void {
  const late = range.min < now - cfg.messageTimestampBeforeMaxMs;
  const early = range.max > now + cfg.messageTimestampAfterMaxMs;
  if (!late && !early) return;
  const ts = late ? range.min : range.max;
  const key = late ? "message.timestamp.before.max.ms" : "message.timestamp.after.max.ms";
  const limit = late ? cfg.messageTimestampBeforeMaxMs : cfg.messageTimestampAfterMaxMs;
  throw new WeirError(
    "INVALID_TIMESTAMP",
    `timestamp ${ts} (${new Date(ts).toISOString()}) of a record is out of range for ${where.topic}: it must be within ${key}=${limit} ms of the broker's time ${now}`,
    { details: { ...where, timestamp: ts, now, key, limit } },
  );
}
