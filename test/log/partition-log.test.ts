// PartitionLog operations: append, read, offsets, timestamps, rolls, corrupt input, flush
// policies, wake-ups, truncation and restart.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryFs } from "../../src/log/memory-fs.js";
import { PartitionLog } from "../../src/log/partition-log.js";
import type { TopicConfig } from "../../src/log/config.js";
import { batchesIn, buildBatch, crc32c, readBatchHeader } from "../../src/protocol/records/index.js";
import { isWeirError } from "../../src/util/errors.js";
import { logLimits } from "../../src/util/limits.js";
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

describe("write-behind: appends are queued and written together", () => {
  /** The gathered writes to .log files since trace position `from`: the buffer sizes of each. */
  const logWrites = (fs: MemoryFs, from = 0): number[][] => fs.trace.slice(from).filter((t) => t.op === "write" && t.path.endsWith(".log")).map((t) => t.buffers);
  /** Batches in a read result, each checked (CRC, lengths) by batchesIn. */
  const batchCount = (records: Buffer): number => [...batchesIn(records)].length;

  it("several appends in flight go out in one writev; offsets move at once, the HW after the write", async () => {
    const fs = new MemoryFs({ trace: true });
    const log = await open(fs);
    const mark = fs.trace.length;
    const batches = [batchOf(1), batchOf(2), batchOf(3), batchOf(1), batchOf(4)];
    const sizes = batches.map((b) => b.length);
    const pending = batches.map((b) => log.append(b));
    // Offsets are assigned synchronously (the broker relies on it); nothing is written yet.
    assert.equal(log.logEndOffset(), 11);
    assert.equal(log.highWatermark(), 0);
    assert.deepEqual(logWrites(fs, mark), []);
    const results = await Promise.all(pending);
    assert.deepEqual(results.map((r) => r.baseOffset), [0, 1, 3, 6, 7]);
    assert.deepEqual(logWrites(fs, mark), [sizes], "one write holding the five batches in order");
    assert.equal(log.highWatermark(), 11);
    assert.deepEqual(recordsOf(log.read(0, 1 << 20).records).map((r) => r.offset), Array.from({ length: 11 }, (_, i) => i));
    await log.close();
  });

  it("each append resolves only once the HW covers it (flush=os) or it is fsynced (every-append)", async () => {
    for (const config of [cfg(), cfg({ "flush.messages": "1" })]) {
      const fs = new MemoryFs();
      const log = await open(fs, config);
      const seen: boolean[] = [];
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => log.append(batchOf(1 + (i % 3))).then((r) => seen.push(log.highWatermark() > r.lastOffset))),
      );
      assert.deepEqual(seen, [true, true, true, true, true, true]);
      await log.close();
    }
  });

  it("a read right after append() writes the queue first: whole batches or nothing, never unwritten bytes", async () => {
    // flush=os: the read writes the queue, the HW moves, and the read sees the new batches whole.
    const fs = new MemoryFs({ trace: true });
    const log = await open(fs);
    await log.append(batchOf(2, { ts: 500 }));
    const pending = [log.append(batchOf(3, { ts: 600 })), log.append(batchOf(1, { ts: 700 }))];
    const r = log.read(0, 1 << 20);
    assert.equal(batchCount(r.records), 3);
    assert.equal(r.highWatermark, 6);
    assert.deepEqual(log.offsetForTimestamp(700), { offset: 5, timestamp: 700 });
    assert.deepEqual(log.maxTimestampOffset(), { offset: 5, timestamp: 700 });
    await Promise.all(pending);
    await log.close();

    // every-append: the queue is written but the HW waits for the fsync, so the read sees nothing new.
    const fs2 = new MemoryFs();
    const log2 = await open(fs2, cfg({ "flush.messages": "1" }));
    await log2.append(batchOf(2));
    const pending2 = [log2.append(batchOf(3)), log2.append(batchOf(1))];
    const r2 = log2.read(0, 1 << 20);
    assert.equal(batchCount(r2.records), 1);
    assert.equal(r2.highWatermark, 2);
    assert.equal(log2.offsetForTimestamp(1_000)?.offset, 0);
    await Promise.all(pending2);
    assert.equal(batchCount(log2.read(0, 1 << 20).records), 3);
    await log2.close();
  });

  it("writes the queue at once when it reaches writeBehindBytesMax, not only at the end of the turn", async () => {
    const fs = new MemoryFs({ trace: true });
    const log = await open(fs);
    const big = (i: number): Buffer => batchOf(1, { value: () => `${i}`.padEnd(40_000, "x") });
    const size = big(0).length;
    const perWrite = Math.ceil(logLimits.writeBehindBytesMax / size);
    const mark = fs.trace.length;
    const pending = Array.from({ length: perWrite + 2 }, (_, i) => log.append(big(i)));
    // Before the end of this turn: exactly one write, of the batches that reached the limit.
    assert.deepEqual(logWrites(fs, mark), [Array.from({ length: perWrite }, () => size)]);
    await Promise.all(pending);
    assert.deepEqual(logWrites(fs, mark), [Array.from({ length: perWrite }, () => size), [size, size]]);
    assert.equal(log.highWatermark(), perWrite + 2);
    await log.close();
  });

  it("indexes built from queued sizes point at the right batches", async () => {
    const fs = new MemoryFs();
    const config = cfg({ "index.interval.bytes": 100 });
    const log = await open(fs, config);
    // 40 appends in flight, of different sizes: one write, many index entries.
    const pending = Array.from({ length: 40 }, (_, i) => log.append(batchOf(1 + (i % 5), { ts: 10_000 + 10 * i })));
    const results = await Promise.all(pending);
    for (const r of results) {
      const got = log.read(r.baseOffset + (r.lastOffset > r.baseOffset ? 1 : 0), 1);
      assert.equal(readBatchHeader(got.records).baseOffset, r.baseOffset);
    }
    await log.close();
    // The index files written on close are trusted and agree with the log after a restart.
    const again = await open(fs, config);
    assert.equal(again.recovery.indexesRebuilt, 0);
    for (const r of results) assert.equal(readBatchHeader(again.read(r.lastOffset, 1).records).baseOffset, r.baseOffset);
    assert.deepEqual(again.offsetForTimestamp(10_000 + 10 * 17), { offset: results[17].baseOffset, timestamp: 10_170 });
    await again.close();
  });

  it("a roll writes the old segment's queue first; the new segment gets its own write", async () => {
    const fs = new MemoryFs({ trace: true });
    const log = await open(fs, cfg({ "segment.bytes": 3 * B }));
    const mark = fs.trace.length;
    const pending = Array.from({ length: 5 }, () => log.append(batchOf(2)));
    await Promise.all(pending);
    assert.deepEqual(log.segmentBaseOffsets(), [0, 6]);
    const writes = fs.trace.slice(mark).filter((t) => t.op === "write" && t.path.endsWith(".log"));
    assert.deepEqual(writes.map((w) => [w.path.split("/").pop(), w.buffers.length]), [["00000000000000000000.log", 3], ["00000000000000000006.log", 2]]);
    assert.equal(recordsOf(log.read(0, 1 << 20).records).length + recordsOf(log.read(6, 1 << 20).records).length, 10);
    await log.close();
  });

  it("truncation and retention write the queue before they touch the segment", async () => {
    const fs = new MemoryFs();
    const log = await open(fs);
    const queued = [log.append(batchOf(2)), log.append(batchOf(2)), log.append(batchOf(2))];
    // Offsets 0-1, 2-3, 4-5; cutting at 3 drops the batch holding it and the one after.
    await log.truncateTo(3);
    await Promise.all(queued);
    assert.equal(log.logEndOffset(), 2);
    assert.deepEqual(recordsOf(log.read(0, 1 << 20).records).map((r) => r.offset), [0, 1]);
    await log.close();

    const clock = fakeClock(1_000_000);
    const log2 = await open(new MemoryFs(), cfg({ "retention.ms": 1000 }), clock.now);
    const pending = [log2.append(batchOf(2, { ts: 1_000_000 })), log2.append(batchOf(2, { ts: 1_000_000 }))];
    // Everything expired, the queued batches included: the log rolls (writing them first) and deletes them.
    assert.equal(await log2.deleteOldSegments(1_000_000 + 5_000), 1);
    await Promise.all(pending);
    assert.equal(log2.logStartOffset(), 4);
    assert.equal(log2.logEndOffset(), 4);
    assert.equal((await log2.append(batchOf(1, { ts: 1_000_000 + 5_000 }))).baseOffset, 4);
    await log2.close();
  });

  it("close with appends queued writes them, resolves them and closes cleanly", async () => {
    const fs = new MemoryFs();
    const log = await open(fs, cfg({ "flush.messages": "1" }));
    const pending = [log.append(batchOf(1)), log.append(batchOf(2))];
    await log.close();
    assert.deepEqual((await Promise.all(pending)).map((r) => r.baseOffset), [0, 1]);
    fs.crash("lose-unsynced");
    const again = await open(fs);
    assert.equal(again.logEndOffset(), 3);
    await again.close();
  });

  it("abandon with appends queued writes them to the page cache (not fsynced), as a process that had written them", async () => {
    for (const mode of ["keep-all", "lose-unsynced"] as const) {
      const fs = new MemoryFs();
      const log = await open(fs);
      await log.append(batchOf(1));
      await log.flush();
      const pending = [log.append(batchOf(2)), log.append(batchOf(3))];
      await log.abandon();
      assert.deepEqual((await Promise.all(pending)).map((r) => r.baseOffset), [1, 3]);
      fs.crash(mode);
      const again = await open(fs);
      assert.equal(again.logEndOffset(), mode === "keep-all" ? 6 : 1);
      await again.close();
    }
  });

  it("a failed write rejects every append queued with it with IO, stops the log, and reopening keeps what was written before", async () => {
    for (const keepBytes of [0, 1, B + 3]) {
      const fs = new MemoryFs();
      const log = await open(fs);
      await log.append(batchOf(2));
      // The next write fails after `keepBytes` of its bytes reached the file (a short write).
      fs.inject({ action: "eio", nth: 1, ops: ["write"], keepBytes });
      const pending = [log.append(batchOf(2)), log.append(batchOf(2)), log.append(batchOf(2))];
      assert.equal(log.logEndOffset(), 8);
      const settled = await Promise.allSettled(pending);
      for (const s of settled) assert.ok(s.status === "rejected" && code(s.reason) === "IO" && /stopped taking appends/.test(String((s.reason as Error).message)), `keepBytes ${keepBytes}`);
      // Nothing unwritten ever became visible, and the log refuses appends until reopened.
      assert.equal(log.highWatermark(), 2);
      assert.equal(batchCount(log.read(0, 1 << 20).records), 1);
      await assert.rejects(log.append(batchOf(1)), (e) => code(e) === "IO");
      await assert.rejects(log.close(), (e) => code(e) === "IO");
      const again = await open(fs);
      assert.equal(again.logEndOffset(), 2, `keepBytes ${keepBytes}: recovery keeps the batch written before`);
      assert.equal((await again.append(batchOf(1))).baseOffset, 2);
      await again.close();
    }
  });

  it("a failed write whose undo fails too leaves a torn tail that recovery cuts", async () => {
    const fs = new MemoryFs();
    const log = await open(fs);
    await log.append(batchOf(2));
    fs.inject({ action: "eio", nth: 1, ops: ["write"], keepBytes: B + 5 });
    fs.inject({ action: "eio", nth: 1, ops: ["truncate"] });
    const settled = await Promise.allSettled([log.append(batchOf(2)), log.append(batchOf(2))]);
    assert.ok(settled.every((s) => s.status === "rejected" && code(s.reason) === "IO"));
    await assert.rejects(log.close(), (e) => code(e) === "IO");
    const again = await open(fs);
    // The first queued batch reached the file whole before the failure: recovery may keep it (it
    // was never acknowledged, which is allowed); the torn second one is cut.
    assert.equal(again.logEndOffset(), 4);
    assert.equal(again.recovery.bytesTruncated, 5);
    assert.equal(batchCount(again.read(0, 1 << 20).records), 2);
    await again.close();
  });

  it("a failed write during flush() or a roll rejects the queued appends and the caller", async () => {
    const fs = new MemoryFs();
    const log = await open(fs);
    fs.inject({ action: "eio", nth: 1, ops: ["write"] });
    const queued = log.append(batchOf(1));
    await assert.rejects(log.flush(), (e) => code(e) === "IO");
    await assert.rejects(queued, (e) => code(e) === "IO");
    await log.abandon();

    const fs2 = new MemoryFs();
    const log2 = await open(fs2, cfg({ "segment.bytes": 2 * B }));
    fs2.inject({ action: "eio", nth: 1, ops: ["write"] });
    const first = [log2.append(batchOf(2)), log2.append(batchOf(2))];
    // This one rolls, which writes the queue first, which fails.
    await assert.rejects(log2.append(batchOf(2)), (e) => code(e) === "IO");
    for (const p of first) await assert.rejects(p, (e) => code(e) === "IO");
    await log2.abandon();
  });
});
