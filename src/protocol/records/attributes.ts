/**
 * Record batch v2 attributes (int16):
 * "bit 0~2: compression codec (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd); bit 3: timestampType;
 *  bit 4: isTransactional; bit 5: isControlBatch; bit 6: hasDeleteHorizonMs; bit 7~15: unused"
 */
import { WeirError } from "../../util/errors.js";

/** A compression codec by name, as options and errors spell it. */
export type CompressionCodec = "none" | "gzip" | "snappy" | "lz4" | "zstd";

/** How a batch's record timestamps are to be read. */
export type TimestampType = "create" | "logAppend";

/** Codec names indexed by their attribute id (bits 0-2). */
export const CODEC_BY_ID: readonly CompressionCodec[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/** Attribute id (bits 0-2) of each codec. */
export const CODEC_ID: Readonly<Record<CompressionCodec, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** Mask of the codec bits. */
export const ATTR_CODEC_MASK = 0x07;
/** Bit 3: timestamps are LogAppendTime (the record timestamp is the batch's maxTimestamp). */
export const ATTR_LOG_APPEND_TIME = 0x08;
/** Bit 4: the batch belongs to a transaction. */
export const ATTR_TRANSACTIONAL = 0x10;
/** Bit 5: the batch holds one control record (commit/abort marker). */
export const ATTR_CONTROL = 0x20;
/** Bit 6: baseTimestamp holds the delete horizon set by compaction. */
export const ATTR_DELETE_HORIZON = 0x40;

/** The codec of a batch; throws COMPRESSION for the unassigned ids 5-7. */
export function compressionOf(attributes: number): CompressionCodec {
  const id = attributes & ATTR_CODEC_MASK;
  const codec = CODEC_BY_ID[id];
  if (codec === undefined) {
    throw new WeirError("COMPRESSION", `unknown compression codec id ${id} in batch attributes 0x${attributes.toString(16)}`, {
      details: { codecId: id, attributes },
    });
  }
  return codec;
}

/** True when the batch is a control batch (transaction marker). */
export function isControlBatch(attributes: number): boolean {
  return (attributes & ATTR_CONTROL) !== 0;
}

/** True when the batch was written inside a transaction. */
export function isTransactional(attributes: number): boolean {
  return (attributes & ATTR_TRANSACTIONAL) !== 0;
}

/** True when compaction set a delete horizon in baseTimestamp. */
export function hasDeleteHorizon(attributes: number): boolean {
  return (attributes & ATTR_DELETE_HORIZON) !== 0;
}

/** CreateTime or LogAppendTime, from bit 3. */
export function timestampTypeOf(attributes: number): TimestampType {
  return (attributes & ATTR_LOG_APPEND_TIME) !== 0 ? "logAppend" : "create";
}
