// PartitionLog operations: append, read, offsets, timestamps, rolls, corrupt input, flush
// policies, wake-ups, truncation and restart.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryFs } from "../../src/log/memory-fs.js";
import { PartitionLog } from "../../src/log/partition-log.js";
import type { TopicConfig } from "../../src/log/config.js";
import { batchesIn, buildBatch, crc32c, readBatchHeader } from "../../src/protocol/records/index.js";
import { isWeirError } from "../../src/util/errors.js";
import { batchOf, cfg, fakeClock, recordsOf } from "./helpers.js";

const DIR = "/data/t-0";
/** Size of a two-record test batch: segments of 2 * B hold exactly two of them. */
const B = batchOf(2).length;

function open(fs: MemoryFs, config: TopicConfig = cfg(), now?: () => number): Promise<PartitionLog> {
  return PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config, now });
}

function code(e: unknown): string | undefined {
  return isWeirError(e) ? e.code : undefined;
}

describe("append", () => {
  it("assigns consecutive offsets by rewriting only the base offset", async () => {
    const log = await open(new MemoryFs());
    const b = batchOf(3);
    const crc = readBatchHeader(b).crc;
    assert.deepEqual(await log.append(b), { baseOffset: 0, lastOffset: 2, logAppendTime: -1, logStartOffset: 0 });
    const second = batchOf(2, { baseOffset: 999 });
    const r = await log.append(second);
    assert.equal(r.baseOffset, 3);
    assert.equal(r.lastOffset, 4);
    assert.equal(log.logEndOffset(), 5);
    assert.equal(log.highWatermark(), 5);
    // The stored bytes are the producer's bytes with the new base offset; the CRC is untouched.
    const stored = log.read(0, 1).records;
    assert.equal(readBatchHeader(stored).crc, crc);
    assert.equal(readBatchHeader(stored).baseOffset, 0);
    assert.deepEqual(recordsOf(stored).map((x) => x.offset), [0, 1, 2]);
    await log.close();
  });

  it("stamps LogAppendTime topics with the append time", async () => {
    const clock = fakeClock(5_000_000);
    const log = await open(new MemoryFs(), cfg({ "message.timestamp.type": "LogAppendTime" }), clock.now);
    const r = await log.append(batchOf(2, { ts: 10 }));
    assert.equal(r.logAppendTime, 5_000_000);
    const recs = recordsOf(log.read(0, 1000).records);
    assert.deepEqual(recs.map((x) => x.timestamp), [5_000_000, 5_000_000]);
    await log.close();
  });

  it("rejects a batch above max.message.bytes with LIMIT_EXCEEDED", async () => {
    const log = await open(new MemoryFs(), cfg({ "max.message.bytes": 100 }));
    await assert.rejects(log.append(batchOf(10)), (e) => code(e) === "LIMIT_EXCEEDED" && /max.message.bytes/.test((e as Error).message));
    assert.equal(log.logEndOffset(), 0);
    await log.close();
  });

  it("rejects keyless records on compacted topics with INVALID_RECORD", async () => {
    const log = await open(new MemoryFs(), cfg({ "cleanup.policy": "compact" }));
    await assert.rejects(log.append(batchOf(2, { key: (i) => (i === 1 ? null : "a") })), (e) => code(e) === "INVALID_RECORD");
    await log.append(batchOf(2));
    assert.equal(log.logEndOffset(), 2);
    await log.close();
  });
});

describe("corrupt batches are rejected with a typed error and never appended", () => {
  const cases: [string, (b: Buffer) => Buffer][] = [
    ["bad CRC", (b) => {
      b[b.length - 1] ^= 0xff;
      return b;
    }],
    ["bad magic", (b) => {
      b[16] = 1;
      return b;
    }],
    ["truncated", (b) => b.subarray(0, b.length - 5)],
    ["shorter than a header", (b) => b.subarray(0, 30)],
    ["record count mismatch", () => {
      // recordsCount (offset 57) says 3 while 2 records follow; fix the CRC so only the count is wrong.
      const two = batchOf(2);
      two.writeInt32BE(3, 57);
      two.writeInt32BE(2, 23);
      return withCrc(two);
    }],
    ["trailing bytes after the batch", (b) => Buffer.concat([b, Buffer.alloc(7)])],
    ["compressed with a count mismatch", () => {
      const z = batchOf(3, { compression: "gzip" });
      z.writeInt32BE(2, 57);
      z.writeInt32BE(1, 23);
      return withCrc(z);
    }],
  ];
  for (const [name, damage] of cases) {
    it(name, async () => {
      const log = await open(new MemoryFs());
      await log.append(batchOf(1));
      await assert.rejects(log.append(damage(batchOf(3))), (e) => code(e) === "CORRUPT_BATCH", name);
      assert.equal(log.logEndOffset(), 1);
      assert.equal(recordsOf(log.read(0, 1 << 20).records).length, 1);
      await log.append(batchOf(1));
      assert.equal(log.logEndOffset(), 2);
      await log.close();
    });
  }
});

/** Recomputes the CRC-32C (attributes to the end) after a test edited the covered fields. */
function withCrc(b: Buffer): Buffer {
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

describe("read", () => {
  it("returns whole batches from the one containing the offset, at least one even above maxBytes", async () => {
    const log = await open(new MemoryFs());
    for (let i = 0; i < 5; i++) await log.append(batchOf(4));
    // Offset 6 lies inside the second batch (4..7): the whole batch comes back.
    const one = log.read(6, 1);
    assert.deepEqual(recordsOf(one.records).map((r) => r.offset), [4, 5, 6, 7]);
    assert.equal(one.highWatermark, 20);
    assert.equal(one.logStartOffset, 0);
    const size = one.records.length;
    const two = log.read(6, size * 2 + size - 1);
    assert.equal([...batchesIn(two.records)].length, 2, "never a partial batch");
    assert.equal(log.read(20, 100).records.length, 0, "at the log end: empty");
    await log.close();
  });

  it("answers offsets outside [logStart, logEnd] with OFFSET_OUT_OF_RANGE", async () => {
    const log = await open(new MemoryFs());
    await log.append(batchOf(2));
    assert.throws(() => log.read(3, 100), (e) => code(e) === "OFFSET_OUT_OF_RANGE");
    assert.throws(() => log.read(-1, 100), (e) => code(e) === "OFFSET_OUT_OF_RANGE");
    await log.close();
  });

  it("reads across segments after rolls", async () => {
    const log = await open(new MemoryFs(), cfg({ "segment.bytes": 200 }));
    for (let i = 0; i < 10; i++) await log.append(batchOf(2));
    assert.ok(log.segmentCount() > 3);
    const seen: number[] = [];
    let off = 0;
    while (off < log.highWatermark()) {
      const recs = recordsOf(log.read(off, 10_000).records);
      seen.push(...recs.map((r) => r.offset));
      off = recs[recs.length - 1].offset + 1;
    }
    assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
    await log.close();
  });
});

describe("offsets and timestamps", () => {
  it("earliest, latest, max timestamp and offsetForTimestamp (earliest offset with timestamp >= t)", async () => {
    const log = await open(new MemoryFs(), cfg({ "segment.bytes": 300, "index.interval.bytes": 0 }));
    // Timestamps per batch: 100.., 200.., 150.. (out of order), 400..
    for (const ts of [100, 200, 150, 400, 300]) await log.append(batchOf(3, { ts }));
    assert.equal(log.logStartOffset(), 0);
    assert.equal(log.highWatermark(), 15);
    assert.deepEqual(log.offsetForTimestamp(0), { offset: 0, timestamp: 100 });
    assert.deepEqual(log.offsetForTimestamp(101), { offset: 1, timestamp: 101 });
    assert.deepEqual(log.offsetForTimestamp(103), { offset: 3, timestamp: 200 });
    assert.deepEqual(log.offsetForTimestamp(151), { offset: 3, timestamp: 200 }, "the first offset in log order, not the closest time");
    assert.deepEqual(log.offsetForTimestamp(402), { offset: 11, timestamp: 402 });
    assert.equal(log.offsetForTimestamp(403), null, "no record that late");
    assert.deepEqual(log.maxTimestampOffset(), { offset: 11, timestamp: 402 });
    await log.close();
  });

  it("maxTimestampOffset is null on an empty log", async () => {
    const log = await open(new MemoryFs());
    assert.equal(log.maxTimestampOffset(), null);
    assert.equal(log.offsetForTimestamp(0), null);
    await log.close();
  });

  it("finds timestamps through the sparse time index on a long segment", async () => {
    const log = await open(new MemoryFs(), cfg({ "index.interval.bytes": 256 }));
    for (let i = 0; i < 200; i++) await log.append(batchOf(2, { ts: 10_000 + i * 10 }));
    for (const t of [10_000, 10_005, 10_990, 11_991, 11_999]) {
      const expected = Array.from({ length: 400 }, (_, k) => ({ offset: k, ts: 10_000 + Math.floor(k / 2) * 10 + (k % 2) })).find((x) => x.ts >= t);
      assert.deepEqual(log.offsetForTimestamp(t), expected ? { offset: expected.offset, timestamp: expected.ts } : null, `t=${t}`);
    }
    await log.close();
  });
});

describe("roll", () => {
  it("rolls by size", async () => {
    const log = await open(new MemoryFs(), cfg({ "segment.bytes": 2 * B }));
    for (let i = 0; i < 6; i++) await log.append(batchOf(2));
    assert.deepEqual(log.segmentBaseOffsets(), [0, 4, 8]);
    await log.close();
  });

  it("rolls by age (segment.ms, in message time from the first batch)", async () => {
    const log = await open(new MemoryFs(), cfg({ "segment.ms": 1000 }));
    await log.append(batchOf(1, { ts: 10_000 }));
    await log.append(batchOf(1, { ts: 10_900 }));
    await log.append(batchOf(1, { ts: 11_001 }));
    await log.append(batchOf(1, { ts: 11_500 }));
    assert.deepEqual(log.segmentBaseOffsets(), [0, 2]);
    await log.close();
  });
});

describe("flush policies and wake-ups", () => {
  it("every-append: the HW moves only once the fsync is done; concurrent appends share fsyncs", async () => {
    const fs = new MemoryFs();
    const log = await open(fs, cfg({ "flush.messages": "1" }));
    const before = fs.counts.fsync;
    const pending = [log.append(batchOf(1)), log.append(batchOf(1)), log.append(batchOf(1))];
    assert.equal(log.logEndOffset(), 3);
    assert.equal(log.highWatermark(), 0, "nothing visible before the fsync");
    assert.equal(log.read(0, 100).records.length, 0);
    await Promise.all(pending);
    assert.equal(log.highWatermark(), 3);
    assert.ok(fs.counts.fsync - before <= 2, `group commit: ${fs.counts.fsync - before} fsyncs for 3 appends`);
    await log.close();
  });

  it("interval: fsyncs on a timer", async () => {
    const fs = new MemoryFs();
    const log = await open(fs, cfg({ "flush.ms": "5" }));
    const before = fs.counts.fsync;
    await log.append(batchOf(1));
    assert.equal(log.highWatermark(), 1);
    // Poll rather than sleep a fixed time: a loaded machine delays timers.
    for (let i = 0; i < 200 && fs.counts.fsync === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(fs.counts.fsync > before);
    await log.close();
  });

  it("os: no fsync until close", async () => {
    const fs = new MemoryFs();
    const log = await open(fs);
    const before = fs.counts.fsync;
    for (let i = 0; i < 5; i++) await log.append(batchOf(1));
    assert.equal(fs.counts.fsync, before);
    await log.close();
    assert.ok(fs.counts.fsync > before);
  });

  it("waitForData resolves on append, on abort, and at once when data is there", async () => {
    const log = await open(new MemoryFs());
    let woke = false;
    const w = log.waitForData(0).then(() => (woke = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(woke, false);
    await log.append(batchOf(1));
    await w;
    assert.equal(woke, true);
    await log.waitForData(0);
    const ac = new AbortController();
    const aborted = log.waitForData(5, ac.signal);
    ac.abort();
    await aborted;
    await log.close();
  });
});

describe("restart and truncation", () => {
  it("a clean restart keeps every record and trusts the index files", async () => {
    const fs = new MemoryFs();
    const log = await open(fs, cfg({ "segment.bytes": 300 }));
    for (let i = 0; i < 12; i++) await log.append(batchOf(2, { ts: 1000 + i }));
    const before = recordsOf(log.read(0, 1 << 20).records);
    await log.close();
    const again = await open(fs, cfg({ "segment.bytes": 300 }));
    assert.equal(again.recovery.segmentsRecovered, 0);
    assert.equal(again.recovery.indexesRebuilt, 0);
    assert.equal(again.logEndOffset(), 24);
    assert.deepEqual(recordsOf(again.read(0, 1 << 20).records), before);
    // Batch i holds timestamps 1000+i and 1001+i: the first record at >= 1005 is batch 4's second.
    assert.deepEqual(again.offsetForTimestamp(1005), { offset: 9, timestamp: 1005 });
    await again.append(batchOf(1));
    assert.equal(again.logEndOffset(), 25);
    await again.close();
  });

  it("truncateTo cuts at the batch holding the offset and survives a restart", async () => {
    const fs = new MemoryFs();
    const log = await open(fs, cfg({ "segment.bytes": 2 * B }));
    for (let i = 0; i < 6; i++) await log.append(batchOf(2));
    await log.truncateTo(5);
    assert.equal(log.logEndOffset(), 4);
    assert.deepEqual(log.segmentBaseOffsets(), [0, 4]);
    const r = await log.append(batchOf(1));
    assert.equal(r.baseOffset, 4);
    await log.close();
    const again = await open(fs, cfg({ "segment.bytes": 2 * B }));
    assert.equal(again.logEndOffset(), 5);
    await again.close();
  });

  it("refuses work after close", async () => {
    const log = await open(new MemoryFs());
    await log.close();
    await assert.rejects(log.append(batchOf(1)), (e) => code(e) === "CLOSED");
    assert.throws(() => log.read(0, 1), (e) => code(e) === "CLOSED");
  });

  it("append after buildBatch of a single record keeps the producer's bytes", async () => {
    const log = await open(new MemoryFs());
    const b = buildBatch([{ key: null, value: Buffer.from("x"), timestamp: 7 }]);
    const copy = Buffer.from(b);
    await log.append(b);
    const stored = log.read(0, 100).records;
    copy.writeBigInt64BE(0n, 0);
    assert.ok(stored.equals(copy));
    await log.close();
  });
});

describe("record timestamp bounds (message.timestamp.before/after.max.ms)", () => {
  const HOUR = 3_600_000;
  for (const compression of ["none", "gzip"] as const) {
    it(`refuses a CreateTime batch with a record over an hour in the future by default (${compression})`, async () => {
      const clock = fakeClock(10 * HOUR);
      const log = await open(new MemoryFs(), cfg(), clock.now);
      await log.append(batchOf(2, { ts: 10 * HOUR + HOUR - 1, compression }));
      await assert.rejects(log.append(batchOf(3, { ts: 10 * HOUR + HOUR - 1, compression })), (e: unknown) => code(e) === "INVALID_TIMESTAMP" && /message\.timestamp\.after\.max\.ms=3600000/.test((e as Error).message));
      assert.equal(log.logEndOffset(), 2, "nothing of the refused batch was appended");
      await log.close();
    });
  }

  it("honours configured bounds on both sides, and leaves LogAppendTime topics alone", async () => {
    const clock = fakeClock(10 * HOUR);
    const bounded = await open(new MemoryFs(), cfg({ "message.timestamp.before.max.ms": 1000, "message.timestamp.after.max.ms": "9223372036854775807" }), clock.now);
    await assert.rejects(bounded.append(batchOf(1, { ts: 10 * HOUR - 1001 })), (e: unknown) => code(e) === "INVALID_TIMESTAMP" && /before\.max\.ms=1000/.test((e as Error).message));
    await bounded.append(batchOf(1, { ts: 10 * HOUR - 1000 }));
    await bounded.append(batchOf(1, { ts: 100 * HOUR }));
    await bounded.close();
    const appendTime = await open(new MemoryFs(), cfg({ "message.timestamp.type": "LogAppendTime" }), clock.now);
    await appendTime.append(batchOf(1, { ts: 100 * HOUR }));
    await appendTime.close();
  });
});
