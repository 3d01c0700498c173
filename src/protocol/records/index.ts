/** Record batch v2: framing, validation, records, compression, control batches, CRC-32C. */
export * from "./attributes.js";
export * from "./batch.js";
export * from "./compression.js";
export * from "./control.js";
export * from "./crc32c.js";
export { lz4FrameDecompress } from "./lz4.js";
export { RECORD_BYTES_MIN, type RecordHeader, type RecordInput, type RecordView, type TimestampRange } from "./records.js";
