// Retention by time and by bytes: the pure decision, and whole segments deleted from a log.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { planRetention } from "../../src/log/retention.js";
import { MemoryFs } from "../../src/log/memory-fs.js";
import { PartitionLog } from "../../src/log/partition-log.js";
import { batchOf, cfg, fakeClock, recordsOf } from "./helpers.js";

const B = batchOf(2).length;
const settings = { deleteEnabled: true, retentionMs: -1, retentionBytes: -1 };

describe("planRetention", () => {
  const segs = [
    { sizeBytes: 100, largestTimestamp: 1000 },
    { sizeBytes: 100, largestTimestamp: 2000 },
    { sizeBytes: 100, largestTimestamp: 3000 },
    { sizeBytes: 50, largestTimestamp: 4000 },
  ];
  it("deletes nothing without limits or without the delete policy", () => {
    assert.equal(planRetention(segs, settings, 10_000).deleteCount, 0);
    assert.equal(planRetention(segs, { ...settings, deleteEnabled: false, retentionMs: 0 }, 10_000).deleteCount, 0);
  });
  it("by time: the leading segments whose largest timestamp is older than retention.ms", () => {
    assert.deepEqual(planRetention(segs, { ...settings, retentionMs: 7500 }, 10_000), { deleteCount: 2, rollFirst: false, reasons: ["time", "time"] });
  });
  it("stops at the first segment that is kept, even if a later one is old", () => {
    const mixed = [segs[0], { sizeBytes: 100, largestTimestamp: 9999 }, { sizeBytes: 100, largestTimestamp: 500 }, segs[3]];
    assert.equal(planRetention(mixed, { ...settings, retentionMs: 5000 }, 10_000).deleteCount, 1);
  });
  it("by bytes: the oldest while the rest still holds retention.bytes", () => {
    assert.equal(planRetention(segs, { ...settings, retentionBytes: 250 }, 0).deleteCount, 1);
    assert.equal(planRetention(segs, { ...settings, retentionBytes: 150 }, 0).deleteCount, 2);
    assert.equal(planRetention(segs, { ...settings, retentionBytes: 149 }, 0).deleteCount, 2);
    assert.equal(planRetention(segs, { ...settings, retentionBytes: 350 }, 0).deleteCount, 0);
  });
  it("includes the active segment when everything expired, rolling first", () => {
    assert.deepEqual(planRetention(segs, { ...settings, retentionMs: 10 }, 1_000_000), { deleteCount: 4, rollFirst: true, reasons: ["time", "time", "time", "time"] });
    const emptyActive = [...segs.slice(0, 3), { sizeBytes: 0, largestTimestamp: 0 }];
    assert.deepEqual(planRetention(emptyActive, { ...settings, retentionMs: 10 }, 1_000_000).deleteCount, 3);
  });
});

describe("PartitionLog.deleteOldSegments", () => {
  it("deletes whole segments by time and moves the log start", async () => {
    const clock = fakeClock(100_000);
    const log = await PartitionLog.open({ fs: new MemoryFs(), dir: "/d/t-0", topic: "t", partition: 0, config: cfg({ "segment.bytes": 2 * B, "retention.ms": 10_000 }), now: clock.now });
    for (let i = 0; i < 6; i++) await log.append(batchOf(2, { ts: 50_000 + i * 10_000 }));
    assert.deepEqual(log.segmentBaseOffsets(), [0, 4, 8]);
    // Segment 0's newest record is 60_001, segment 4's 80_001, segment 8's 100_001.
    assert.equal(await log.deleteOldSegments(85_000), 1);
    assert.equal(log.logStartOffset(), 4);
    assert.throws(() => log.read(0, 100), /OFFSET_OUT_OF_RANGE|outside/);
    assert.deepEqual(recordsOf(log.read(4, 1).records).map((r) => r.offset), [4, 5]);
    assert.equal(await log.deleteOldSegments(95_000), 1);
    assert.equal(log.logStartOffset(), 8);
    await log.close();
  });

  it("deletes by bytes and survives a restart", async () => {
    const fs = new MemoryFs();
    const config = cfg({ "segment.bytes": 2 * B, "retention.bytes": 3 * B });
    const log = await PartitionLog.open({ fs, dir: "/d/t-0", topic: "t", partition: 0, config });
    for (let i = 0; i < 7; i++) await log.append(batchOf(2));
    assert.equal(log.sizeBytes(), 7 * B);
    assert.equal(await log.deleteOldSegments(), 2);
    assert.deepEqual(log.segmentBaseOffsets(), [8, 12]);
    assert.equal(log.sizeBytes(), 3 * B);
    await log.close();
    const again = await PartitionLog.open({ fs, dir: "/d/t-0", topic: "t", partition: 0, config });
    assert.deepEqual(again.segmentBaseOffsets(), [8, 12]);
    assert.equal(again.logStartOffset(), 8);
    assert.equal(again.logEndOffset(), 14);
    await again.close();
  });

  it("when every record expired, leaves an empty log that continues at the same offset", async () => {
    const log = await PartitionLog.open({ fs: new MemoryFs(), dir: "/d/t-0", topic: "t", partition: 0, config: cfg({ "retention.ms": 1000 }) });
    await log.append(batchOf(2, { ts: 1 }));
    await log.append(batchOf(2, { ts: 2 }));
    assert.equal(await log.deleteOldSegments(10_000), 1);
    assert.equal(log.logStartOffset(), 4);
    assert.equal(log.logEndOffset(), 4);
    assert.equal(log.read(4, 100).records.length, 0);
    assert.equal((await log.append(batchOf(1))).baseOffset, 4);
    await log.close();
  });
});
