/**
 * Cross-implementation compatibility with kafkajs 2.2.4's own record batch encoder and decoder.
 *
 * kafkajs only ships gzip; its other codecs are plugged in here on implementations independent of
 * Weir's (snappyjs, lz4js, zstd-napi to compress + fzstd to decompress), so a batch crossing in
 * either direction proves the wire format, not one library agreeing with itself. kafkajs computes
 * its CRC with its own CRC-32C code, which Weir's validateBatch checks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import fc from "fast-check";
import {
  buildBatch,
  iterateRecords,
  validateBatch,
  type CompressionCodec,
  type RecordHeader,
  type RecordInput,
} from "../../../src/protocol/records/index.js";
import { CODECS, nullableBytes } from "./helpers.js";
import { registerKafkajsCodecs } from "../../helpers/kafkajs-codecs.js";

const require = createRequire(import.meta.url);

// ---- the kafkajs pieces used, typed locally ----
interface KEncoder {
  buffer: Buffer;
}
interface KCodec {
  compress(encoder: KEncoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
type KHeaders = Record<string, Buffer | null | (Buffer | null)[]>;
interface KRecordArgs {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: KHeaders;
}
interface KBatchArgs {
  compression: number;
  firstOffset: string;
  firstTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  firstSequence?: number;
  transactional?: boolean;
  records: KEncoder[];
}
interface KDecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: KHeaders;
}
interface KDecodedBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  maxTimestamp: string;
  records: KDecodedRecord[];
}

const kafkajs = require("kafkajs") as {
  CompressionTypes: Record<"None" | "GZIP" | "Snappy" | "LZ4" | "ZSTD", number>;
  CompressionCodecs: Record<number, () => KCodec>;
};
const KRecord = require("kafkajs/src/protocol/recordBatch/record/v0") as (args: KRecordArgs) => KEncoder;
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0") as { RecordBatch: (args: KBatchArgs) => Promise<KEncoder> };
const decodeKBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder") as (decoder: object) => Promise<KDecodedBatch>;
const KDecoder = require("kafkajs/src/protocol/decoder") as new (buffer: Buffer) => object;
registerKafkajsCodecs();

const KAFKAJS_TYPE: Record<CompressionCodec, number> = {
  none: kafkajs.CompressionTypes.None,
  gzip: kafkajs.CompressionTypes.GZIP,
  snappy: kafkajs.CompressionTypes.Snappy,
  lz4: kafkajs.CompressionTypes.LZ4,
  zstd: kafkajs.CompressionTypes.ZSTD,
};

// ---- records both sides can express ----
// kafkajs carries headers as an object, so keys are unique per record and never integer-like
// (objects reorder those); duplicate keys are tested separately below. kafkajs's encoder cannot
// write a null header value (its sizeOfHeaders calls Buffer.byteLength(null)), so records it
// encodes have non-null header values; Weir-encoded ones include nulls.
function headerList(values: fc.Arbitrary<Buffer | null>): fc.Arbitrary<RecordHeader[]> {
  return fc
    .uniqueArray(fc.string({ unit: "binary", maxLength: 8 }), { maxLength: 4 })
    .chain((keys) => fc.tuple(...keys.map((k) => values.map((value): RecordHeader => ({ key: `h-${k}`, value })))));
}
function recordsWith(values: fc.Arbitrary<Buffer | null>): fc.Arbitrary<Required<RecordInput>[]> {
  const record: fc.Arbitrary<Required<RecordInput>> = fc.record({
    key: nullableBytes,
    value: nullableBytes,
    headers: headerList(values),
    timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
  });
  return fc.array(record, { minLength: 1, maxLength: 30 });
}
const kafkajsRecords = recordsWith(fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a)));
const weirRecords = recordsWith(nullableBytes);

function toKHeaders(headers: readonly RecordHeader[]): KHeaders {
  const out: KHeaders = {};
  for (const h of headers) {
    const prev = out[h.key];
    out[h.key] = prev === undefined ? h.value : Array.isArray(prev) ? [...prev, h.value] : [prev, h.value];
  }
  return out;
}

async function kafkajsEncode(rs: readonly Required<RecordInput>[], codec: CompressionCodec, baseOffset: number): Promise<Buffer> {
  const first = rs[0].timestamp;
  const batch = await RecordBatch({
    compression: KAFKAJS_TYPE[codec],
    firstOffset: String(baseOffset),
    firstTimestamp: first,
    maxTimestamp: Math.max(...rs.map((r) => r.timestamp)),
    lastOffsetDelta: rs.length - 1,
    records: rs.map((r, i) => KRecord({ offsetDelta: i, timestampDelta: r.timestamp - first, key: r.key, value: r.value, headers: toKHeaders(r.headers) })),
  });
  return batch.buffer;
}

async function kafkajsDecode(buf: Buffer): Promise<KDecodedBatch> {
  return decodeKBatch(new KDecoder(buf));
}

for (const codec of CODECS) {
  test(`${codec}: batches encoded by kafkajs decode identically in Weir`, async () => {
    await fc.assert(
      fc.asyncProperty(kafkajsRecords, fc.integer({ min: 0, max: 2 ** 40 }), async (rs, baseOffset) => {
        const buf = await kafkajsEncode(rs, codec, baseOffset);
        const h = validateBatch(buf);
        assert.equal(h.recordsCount, rs.length);
        const got = [...iterateRecords(buf)];
        assert.equal(got.length, rs.length);
        got.forEach((v, i) => {
          const r = rs[i];
          assert.equal(v.offset, baseOffset + i);
          assert.equal(v.timestamp, r.timestamp);
          assert.deepEqual(v.key, r.key);
          assert.deepEqual(v.value, r.value);
          assert.deepEqual(v.headers, r.headers);
        });
      }),
      { numRuns: 40 },
    );
  });

  test(`${codec}: batches encoded by Weir decode identically in kafkajs`, async () => {
    await fc.assert(
      fc.asyncProperty(weirRecords, fc.integer({ min: 0, max: 2 ** 40 }), async (rs, baseOffset) => {
        const buf = buildBatch(rs, { compression: codec, baseOffset });
        const decoded = await kafkajsDecode(buf);
        assert.equal(decoded.firstOffset, String(baseOffset));
        assert.equal(decoded.lastOffsetDelta, rs.length - 1);
        assert.equal(decoded.maxTimestamp, String(Math.max(...rs.map((r) => r.timestamp))));
        assert.equal(decoded.records.length, rs.length);
        decoded.records.forEach((k, i) => {
          const r = rs[i];
          assert.equal(k.offset, String(baseOffset + i));
          assert.equal(k.timestamp, String(r.timestamp));
          assert.deepEqual(k.key, r.key);
          assert.deepEqual(k.value, r.value);
          assert.deepEqual({ ...k.headers }, toKHeaders(r.headers));
        });
      }),
      { numRuns: 40 },
    );
  });
}

test("uncompressed batches are byte-identical to kafkajs's for the same fields", async () => {
  await fc.assert(
    fc.asyncProperty(kafkajsRecords, async (rs) => {
      const ours = buildBatch(rs, { partitionLeaderEpoch: 0, producerEpoch: 0, baseSequence: 0, baseOffset: 7 });
      assert.ok(ours.equals(await kafkajsEncode(rs, "none", 7)));
    }),
    { numRuns: 100 },
  );
});

test("duplicate header keys keep their order in both directions", async () => {
  const headers: RecordHeader[] = [
    { key: "dup", value: Buffer.from("1") },
    { key: "other", value: Buffer.alloc(0) },
    { key: "dup", value: Buffer.from("2") },
  ];
  const rs = [{ key: null, value: Buffer.from("v"), headers, timestamp: 1_700_000_000_000 }];
  const decoded = await kafkajsDecode(buildBatch(rs, { compression: "lz4" }));
  assert.deepEqual({ ...decoded.records[0].headers }, { dup: [Buffer.from("1"), Buffer.from("2")], other: Buffer.alloc(0) });
  const fromKafkajs = await kafkajsEncode(rs, "zstd", 0);
  // kafkajs groups duplicates: dup, dup, other.
  assert.deepEqual([...iterateRecords(fromKafkajs)][0].headers, [headers[0], headers[2], headers[1]]);
});
