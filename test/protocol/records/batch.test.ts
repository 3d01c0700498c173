import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD,
  batchTotalBytes,
  batchesIn,
  buildBatch,
  compressionOf,
  crc32c,
  isControlBatch,
  isTransactional,
  iterateRecords,
  readBatchHeader,
  setBaseOffset,
  setMaxTimestampAndLogAppendTime,
  setPartitionLeaderEpoch,
  timestampTypeOf,
  validateBatch,
  validateBatchFrame,
  type RecordInput,
} from "../../../src/protocol/records/index.js";
import { limits } from "../../../src/util/limits.js";
import { CODECS, assertSameRecords, recordInputs, throwsWeir } from "./helpers.js";

const NOW = 1_700_000_000_000;

function simpleRecords(n: number): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: Buffer.from(`key-${i}`),
    value: Buffer.from(`value-${i}`.repeat(i + 1)),
    headers: [{ key: "trace", value: Buffer.from([i]) }],
    timestamp: NOW + i,
  }));
}

/** Recomputes the CRC after a test edits bytes it covers. */
function recrc(buf: Buffer, pos = 0): Buffer {
  const end = pos + buf.readInt32BE(pos + 8) + BATCH_LOG_OVERHEAD;
  buf.writeUInt32BE(crc32c(buf.subarray(pos + 21, end)), pos + 17);
  return buf;
}

test("decode(encode(records)) = records for every codec (property)", () => {
  for (const compression of CODECS) {
    fc.assert(
      fc.property(recordInputs, fc.integer({ min: 0, max: 2 ** 50 }), (records, baseOffset) => {
        const buf = buildBatch(records, { compression, baseOffset, now: NOW });
        const h = validateBatch(buf);
        assert.equal(batchTotalBytes(h), buf.length);
        assert.equal(compressionOf(h.attributes), compression);
        assertSameRecords([...iterateRecords(buf)], records, baseOffset, NOW);
      }),
      { numRuns: compression === "none" ? 200 : 60 },
    );
  }
});

test("the header holds Kafka's values: base = first timestamp, max, deltas, producer fields, attributes", () => {
  const records: RecordInput[] = [
    { key: null, value: Buffer.from("a"), timestamp: NOW + 5 },
    { key: null, value: Buffer.from("b"), timestamp: NOW - 3 },
    { key: null, value: Buffer.from("c") },
  ];
  const buf = buildBatch(records, {
    baseOffset: 42,
    now: NOW + 1,
    producerId: 9_000_000_000,
    producerEpoch: 3,
    baseSequence: 17,
    transactional: true,
    partitionLeaderEpoch: 8,
    compression: "gzip",
  });
  const h = validateBatch(buf);
  assert.deepEqual(
    { ...h, crc: 0 },
    {
      baseOffset: 42,
      batchLength: buf.length - 12,
      partitionLeaderEpoch: 8,
      magic: 2,
      crc: 0,
      attributes: 0x10 | 1,
      lastOffsetDelta: 2,
      baseTimestamp: NOW + 5,
      maxTimestamp: NOW + 5,
      producerId: 9_000_000_000,
      producerEpoch: 3,
      baseSequence: 17,
      recordsCount: 3,
    },
  );
  assert.ok(isTransactional(h.attributes));
  assert.ok(!isControlBatch(h.attributes));
  assert.deepEqual([...iterateRecords(buf)].map((r) => r.timestamp), [NOW + 5, NOW - 3, NOW + 1]);
  const plain = readBatchHeader(buildBatch(records, { now: NOW }));
  assert.deepEqual([plain.producerId, plain.producerEpoch, plain.baseSequence, plain.partitionLeaderEpoch], [-1, -1, -1, -1]);
});

test("a logAppend batch gives every record the append time", () => {
  const buf = buildBatch(simpleRecords(3), { timestampType: "logAppend", now: NOW + 999 });
  const h = validateBatch(buf);
  assert.equal(timestampTypeOf(h.attributes), "logAppend");
  assert.deepEqual([...iterateRecords(buf)].map((r) => r.timestamp), [NOW + 999, NOW + 999, NOW + 999]);
});

test("keys, values and header values of an uncompressed batch are views of the batch bytes", () => {
  const buf = buildBatch(simpleRecords(4), { now: NOW });
  for (const r of iterateRecords(buf)) {
    for (const b of [r.key!, r.value!, r.headers[0].value!]) {
      assert.equal(b.buffer, buf.buffer);
      assert.ok(b.byteOffset >= buf.byteOffset && b.byteOffset + b.length <= buf.byteOffset + buf.length);
    }
  }
});

test("setBaseOffset and setPartitionLeaderEpoch leave the CRC valid", () => {
  const buf = buildBatch(simpleRecords(3), { now: NOW, compression: "lz4" });
  const crc = readBatchHeader(buf).crc;
  setBaseOffset(buf, 0, 2 ** 40 + 7);
  setPartitionLeaderEpoch(buf, 0, 12);
  const h = validateBatch(buf);
  assert.equal(h.crc, crc);
  assert.equal(h.partitionLeaderEpoch, 12);
  assert.deepEqual([...iterateRecords(buf)].map((r) => r.offset), [2 ** 40 + 7, 2 ** 40 + 8, 2 ** 40 + 9]);
  throwsWeir(() => setBaseOffset(buf, 0, 2 ** 60), "INVALID_ARGUMENT", /baseOffset/);
});

test("setMaxTimestampAndLogAppendTime stamps the batch and recomputes the CRC", () => {
  const data = Buffer.concat([Buffer.alloc(5), buildBatch(simpleRecords(3), { now: NOW, compression: "zstd" })]);
  setMaxTimestampAndLogAppendTime(data, 5, NOW + 10_000);
  const h = validateBatch(data, 5);
  assert.equal(timestampTypeOf(h.attributes), "logAppend");
  assert.equal(compressionOf(h.attributes), "zstd");
  assert.equal(h.maxTimestamp, NOW + 10_000);
  assert.equal(h.baseTimestamp, NOW);
  assert.deepEqual([...iterateRecords(data, 5)].map((r) => r.timestamp), [NOW + 10_000, NOW + 10_000, NOW + 10_000]);
});

test("batchesIn walks a concatenation of batches of every codec", () => {
  const batches = CODECS.map((compression, i) => buildBatch(simpleRecords(i + 1), { compression, baseOffset: i * 10, now: NOW }));
  const all = Buffer.concat(batches);
  const seen = [...batchesIn(all)];
  assert.deepEqual(
    seen.map((b) => [b.pos, b.header.baseOffset, b.header.recordsCount]),
    batches.map((_b, i) => [batches.slice(0, i).reduce((n, x) => n + x.length, 0), i * 10, i + 1]),
  );
  assert.deepEqual([...batchesIn(Buffer.alloc(0))], []);
});

test("batchesIn throws on a partial tail, or stops before it with partialTail 'stop'", () => {
  const one = buildBatch(simpleRecords(2), { now: NOW });
  for (const cut of [1, 11, 12, 60, 61, one.length - 1]) {
    const data = Buffer.concat([one, one.subarray(0, cut)]);
    throwsWeir(() => [...batchesIn(data)], "CORRUPT_BATCH", /truncated batch/);
    assert.deepEqual([...batchesIn(data, { partialTail: "stop" })].map((b) => b.pos), [0]);
  }
});

test("a bad CRC, bad magic, truncation and a count mismatch each give CORRUPT_BATCH with a specific message", () => {
  const good = buildBatch(simpleRecords(5), { now: NOW });

  const badCrc = Buffer.from(good);
  badCrc[good.length - 1] ^= 1;
  throwsWeir(() => validateBatch(badCrc), "CORRUPT_BATCH", /batch CRC mismatch: stored 0x[0-9a-f]+, computed 0x[0-9a-f]+/);

  const badMagic = Buffer.from(good);
  badMagic[16] = 1;
  throwsWeir(() => validateBatch(badMagic), "CORRUPT_BATCH", /unsupported batch magic 1/);

  throwsWeir(() => validateBatch(good.subarray(0, good.length - 1)), "CORRUPT_BATCH", /truncated batch: batchLength \d+ needs \d+ bytes, \d+ available/);
  throwsWeir(() => validateBatch(good.subarray(0, 30)), "CORRUPT_BATCH", /truncated batch header: 30 of 61 bytes/);
  throwsWeir(() => readBatchHeader(good, good.length - 60), "CORRUPT_BATCH", /truncated batch header/);

  const moreRecords = Buffer.from(good);
  moreRecords.writeInt32BE(6, 57);
  moreRecords.writeInt32BE(6, 23); // lastOffsetDelta, so the count passes the header check
  throwsWeir(() => validateBatch(recrc(moreRecords)), "CORRUPT_BATCH", /recordsCount is 6 but the batch holds only 5 records/);

  const fewerRecords = Buffer.from(good);
  fewerRecords.writeInt32BE(4, 57);
  throwsWeir(() => validateBatch(recrc(fewerRecords)), "CORRUPT_BATCH", /bytes follow the last of 4 records/);
  throwsWeir(() => [...iterateRecords(fewerRecords)], "CORRUPT_BATCH", /bytes follow the last of 4 records/);
});

test("header fields out of range are CORRUPT_BATCH, LIMIT_EXCEEDED or COMPRESSION", () => {
  const good = buildBatch(simpleRecords(3), { now: NOW });
  const edit = (f: (b: Buffer) => void, crc = true): Buffer => {
    const b = Buffer.from(good);
    f(b);
    return crc ? recrc(b) : b;
  };
  throwsWeir(() => validateBatch(edit((b) => b.writeInt32BE(10, 8), false)), "CORRUPT_BATCH", /batchLength 10 is smaller than the 49-byte header/);
  throwsWeir(() => validateBatch(edit((b) => b.writeInt32BE(limits.batchBytesMax, 8), false)), "LIMIT_EXCEEDED", /exceeds the limit/);
  throwsWeir(() => validateBatch(edit((b) => b.writeInt32BE(-1, 23))), "CORRUPT_BATCH", /negative lastOffsetDelta -1/);
  throwsWeir(() => validateBatch(edit((b) => b.writeInt32BE(-5, 57))), "CORRUPT_BATCH", /recordsCount -5 is not within/);
  throwsWeir(() => validateBatch(edit((b) => b.writeInt32BE(4, 57))), "CORRUPT_BATCH", /recordsCount 4 is not within 0..lastOffsetDelta\+1 \(3\)/);
  throwsWeir(
    () => validateBatch(edit((b) => (b.writeInt32BE(2 ** 30, 57), b.writeInt32BE(2 ** 30, 23)))),
    "LIMIT_EXCEEDED",
    /records exceeds the limit/,
  );
  throwsWeir(() => validateBatch(edit((b) => b.writeInt16BE(5, 21))), "COMPRESSION", /unknown compression codec id 5/);
  throwsWeir(() => validateBatch(edit((b) => b.writeInt32BE(0x7fffffff, 35))), "CORRUPT_BATCH", /maxTimestamp is outside the safe integer range/);
});

test("records out of order or past lastOffsetDelta are CORRUPT_BATCH", () => {
  const buf = buildBatch(simpleRecords(3), { now: NOW });
  // offsetDelta of the first record: after length (1 byte), attributes, timestampDelta (1 byte).
  const swapped = Buffer.from(buf);
  swapped[61 + 3] = 2 * 2; // zigzag(2)
  throwsWeir(() => validateBatch(recrc(swapped)), "CORRUPT_BATCH", /record 1: offsetDelta 1 is not between the previous 2/);
  const shortLast = Buffer.from(buf);
  shortLast.writeInt32BE(1, 23);
  throwsWeir(() => validateBatch(recrc(shortLast)), "CORRUPT_BATCH", /recordsCount 3 is not within/);
});

test("a compressed batch's count mismatch shows while iterating", () => {
  const buf = buildBatch(simpleRecords(4), { now: NOW, compression: "snappy" });
  buf.writeInt32BE(3, 57);
  recrc(buf);
  validateBatch(buf); // the cheap check cannot see it
  throwsWeir(() => [...iterateRecords(buf)], "CORRUPT_BATCH", /bytes follow the last of 3 records/);
  buf.writeInt32BE(5, 57);
  buf.writeInt32BE(5, 23);
  recrc(buf);
  throwsWeir(() => [...iterateRecords(buf)], "CORRUPT_BATCH", /recordsCount is 5 but the batch holds only 4 records/);
});

test("an empty batch (all records compacted away) is valid and yields nothing", () => {
  const buf = buildBatch(simpleRecords(2), { now: NOW }).subarray(0, BATCH_HEADER_BYTES);
  buf.writeInt32BE(BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD, 8);
  buf.writeInt32BE(0, 57);
  recrc(buf);
  assert.equal(validateBatch(buf).recordsCount, 0);
  assert.deepEqual([...iterateRecords(buf)], []);
});

test("buildBatch refuses an empty record list and timestamps it cannot encode", () => {
  throwsWeir(() => buildBatch([]), "INVALID_ARGUMENT", /at least one record/);
  throwsWeir(() => buildBatch([{ key: null, value: null, timestamp: 1.5 }]), "INVALID_ARGUMENT", /timestamp/);
  throwsWeir(
    () => buildBatch([{ key: null, value: null, timestamp: 0 }, { key: null, value: null, timestamp: 2 ** 53 - 1 }]),
    "INVALID_ARGUMENT",
    /too far from the batch's base timestamp/,
  );
});

test("validateBatchFrame checks header and CRC but not the records", () => {
  const buf = buildBatch(simpleRecords(4), { now: NOW });
  buf.writeInt32BE(3, 57);
  recrc(buf);
  assert.equal(validateBatchFrame(buf).recordsCount, 3);
  throwsWeir(() => validateBatch(buf), "CORRUPT_BATCH", /bytes follow the last of 3 records/);
  buf[buf.length - 1] ^= 0xff;
  throwsWeir(() => validateBatchFrame(buf), "CORRUPT_BATCH", /batch CRC mismatch/);
});
