// Segment: appends, lookups through the sparse index, reads of whole batches, recovery of a
// torn tail, index files that agree with the log; and the file names it lives under.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryFs } from "../../src/log/memory-fs.js";
import { Segment } from "../../src/log/segment.js";
import { parsePartitionDirName, parseSegmentFileName, segmentFileName } from "../../src/log/files.js";
import { batchesIn, readBatchHeader, setBaseOffset } from "../../src/protocol/records/index.js";
import { isWeirError } from "../../src/util/errors.js";
import { batchOf } from "./helpers.js";

const settings = { indexIntervalBytes: 100, segmentIndexBytes: 1024 };

function filled(fs: MemoryFs, n: number): Segment {
  fs.mkdir("/s");
  const seg = Segment.create(fs, "/s", 100, settings, 0);
  let next = 100;
  for (let i = 0; i < n; i++) {
    const b = batchOf(3, { ts: 1000 + i * 10 });
    setBaseOffset(b, 0, next);
    seg.append(b, next, next + 2, 1002 + i * 10, 0);
    next += 3;
  }
  return seg;
}

describe("Segment", () => {
  it("indexes every index.interval.bytes and locates the batch holding an offset", () => {
    const seg = filled(new MemoryFs(), 20);
    assert.equal(seg.nextOffset, 160);
    assert.ok(seg.offsetIndex.entries >= 5, `${seg.offsetIndex.entries} index entries`);
    for (const off of [100, 101, 130, 159]) {
      const loc = seg.locate(off, seg.size);
      assert.ok(loc !== null);
      assert.ok(loc.header.baseOffset <= off && off <= loc.header.baseOffset + loc.header.lastOffsetDelta, `offset ${off}`);
    }
    assert.equal(seg.locate(160, seg.size), null);
    assert.equal(seg.locate(130, 0), null, "nothing past the limit");
  });

  it("reads whole batches only, at least the first", () => {
    const seg = filled(new MemoryFs(), 5);
    const loc = seg.locate(103, seg.size)!;
    const size = loc.header.batchLength + 12;
    const buf = seg.read(loc.position, size, size + 10, seg.size);
    assert.equal([...batchesIn(buf)].length, 1);
    assert.equal(readBatchHeader(buf).baseOffset, 103);
    assert.equal([...batchesIn(seg.read(0, size, 1, seg.size))].length, 1);
  });

  it("write-behind: queued batches count at once (size, offsets, indexes) and reach the file in one gathered write", () => {
    const fs = new MemoryFs({ trace: true });
    const appended = filled(fs, 20);
    fs.mkdir("/q");
    const seg = Segment.create(fs, "/q", 100, settings, 0);
    const mark = fs.trace.length;
    let next = 100;
    for (let i = 0; i < 20; i++) {
      const b = batchOf(3, { ts: 1000 + i * 10 });
      setBaseOffset(b, 0, next);
      seg.enqueue(b, next, next + 2, 1002 + i * 10, 0);
      next += 3;
    }
    // The bookkeeping is the same as twenty appends; the file is still empty.
    assert.equal(seg.size, appended.size);
    assert.equal(seg.queuedBytes, appended.size);
    assert.equal(seg.writtenSize, 0);
    assert.equal(seg.nextOffset, 160);
    assert.deepEqual(seg.offsetIndex.toBuffer(), appended.offsetIndex.toBuffer());
    // Nothing may read, cut or index past what the file holds (a broken invariant, not bad input).
    assert.throws(() => seg.locate(130, seg.size), (e) => (e as Error).name === "AssertionError");
    assert.throws(() => seg.truncateFile(0), (e) => (e as Error).name === "AssertionError");
    assert.equal(seg.locate(130, seg.writtenSize), null);
    seg.writeQueued();
    assert.deepEqual(fs.trace.slice(mark).filter((t) => t.op === "write").map((t) => t.buffers.length), [20]);
    assert.equal(seg.writtenSize, seg.size);
    assert.equal(seg.queuedBytes, 0);
    for (const off of [100, 131, 159]) assert.deepEqual(seg.locate(off, seg.size), appended.locate(off, appended.size), `offset ${off}`);
    seg.writeQueued();
    assert.equal(fs.trace.length, mark + 1, "writing an empty queue is a no-op");
  });

  it("finds the first record at or after a timestamp", () => {
    const seg = filled(new MemoryFs(), 20);
    assert.deepEqual(seg.findByTimestamp(1051, seg.size), { offset: 116, timestamp: 1051 });
    assert.equal(seg.findByTimestamp(5000, seg.size), null);
  });

  it("recovers by cutting a torn tail, and its rebuilt indexes match the originals", async () => {
    const fs = new MemoryFs();
    const seg = filled(fs, 10);
    await seg.writeIndexes();
    const idx = fs.readFile("/s/00000000000000000100.index");
    const full = seg.size;
    seg.close();
    fs.open("/s/00000000000000000100.log", "read-write").append(Buffer.from("torn half batch"));
    const r = Segment.recover(fs, "/s", 100, settings, 0, 0);
    assert.equal(r.truncatedBytes, 15);
    assert.equal(r.segment.size, full);
    assert.equal(r.segment.nextOffset, 130);
    await r.segment.writeIndexes();
    assert.deepEqual(fs.readFile("/s/00000000000000000100.index"), idx);
    r.segment.close();
    const trusted = Segment.openTrusted(fs, "/s", 100, settings, 0);
    assert.ok(trusted !== null);
    assert.equal(trusted.nextOffset, 130);
    assert.equal(trusted.maxTimestamp, 1092);
  });

  it("turns damage found on read into LOG_CORRUPT, never data", () => {
    const fs = new MemoryFs();
    const seg = filled(fs, 2);
    const f = fs.open("/s/00000000000000000100.log", "read-write");
    const buf = Buffer.alloc(f.size());
    f.pread(buf, 0, buf.length, 0);
    buf[70] ^= 1;
    const g = fs.open("/s/00000000000000000100.log", "truncate");
    g.append(buf);
    assert.throws(() => seg.read(0, 10, 1000, seg.size), (e) => isWeirError(e, "LOG_CORRUPT"));
  });
});

describe("file names", () => {
  it("pads base offsets to 20 digits and parses them back", () => {
    assert.equal(segmentFileName(42, "log"), "00000000000000000042.log");
    assert.deepEqual(parseSegmentFileName("00000000000000000042.timeindex"), { baseOffset: 42, kind: "timeindex", suffix: "" });
    assert.deepEqual(parseSegmentFileName("00000000000000000042.log.swap"), { baseOffset: 42, kind: "log", suffix: ".swap" });
    assert.equal(parseSegmentFileName("42.log"), null);
    assert.equal(parseSegmentFileName("recovery-point.json"), null);
  });
  it("splits partition directories at the last dash", () => {
    assert.deepEqual(parsePartitionDirName("my-topic-12"), { topic: "my-topic", partition: 12 });
    assert.equal(parsePartitionDirName("topics"), null);
  });
});
