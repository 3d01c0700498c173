// Compaction: the latest value per key survives at its original offset, tombstones go once
// delete.retention.ms has passed, and a crash at any point of a compaction leaves a readable log.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryFs } from "../../src/log/memory-fs.js";
import { PartitionLog } from "../../src/log/partition-log.js";
import type { TopicConfig } from "../../src/log/config.js";
import { batchesIn } from "../../src/protocol/records/index.js";
import { cfg, kv, recordsOf } from "./helpers.js";

const DIR = "/d/t-0";
const ONE = kv("a", "1").length;
const config = (extra: Record<string, string | number> = {}): TopicConfig => cfg({ "cleanup.policy": "compact", "segment.bytes": 3 * ONE, ...extra });

function contents(log: PartitionLog): string[] {
  const out: string[] = [];
  let off = log.logStartOffset();
  while (off < log.highWatermark()) {
    const { records } = log.read(off, 1 << 20);
    if (records.length === 0) break;
    for (const { header } of batchesIn(records)) off = header.baseOffset + header.lastOffsetDelta + 1;
    out.push(...recordsOf(records).map((r) => `${r.offset}:${r.key}=${r.value ?? "∅"}`));
  }
  return out;
}

/** Appends single-record batches (key, value, timestamp). */
async function write(log: PartitionLog, items: [string, string | null, number?][]): Promise<void> {
  for (const [k, v, ts] of items) await log.append(kv(k, v, ts ?? 1_000));
  await log.flush();
}

describe("compaction", () => {
  it("keeps the latest value of every key at its original offset", async () => {
    const log = await PartitionLog.open({ fs: new MemoryFs(), dir: DIR, topic: "t", partition: 0, config: config() });
    await write(log, [["a", "1"], ["b", "1"], ["a", "2"], ["c", "1"], ["b", "2"], ["a", "3"], ["d", "1"], ["x", "1"]]);
    await log.compact(2_000);
    const r = await log.compact(2_000);
    assert.equal(r.segmentsCleaned, 0, "a second pass finds nothing to do");
    assert.deepEqual(contents(log), ["3:c=1", "4:b=2", "5:a=3", "6:d=1", "7:x=1"]);
    assert.equal(log.logStartOffset(), 0);
    assert.equal(log.logEndOffset(), 8);
    await log.close();
  });

  it("re-encodes batches that keep only some records, in runs of consecutive offsets", async () => {
    const log = await PartitionLog.open({ fs: new MemoryFs(), dir: DIR, topic: "t", partition: 0, config: config({ "segment.bytes": 1000 }) });
    const { buildBatch } = await import("../../src/protocol/records/index.js");
    const many = buildBatch(["a", "b", "c", "d", "e"].map((k, i) => ({ key: Buffer.from(k), value: Buffer.from(`v${i}`), timestamp: 1000 + i })), { compression: "gzip" });
    await log.append(many);
    await write(log, [["b", "new"], ["c", "new"]]);
    log.rollNow();
    await write(log, [["z", "1"]]);
    const rep = await log.compact(2_000);
    assert.equal(rep.recordsRemoved, 2);
    assert.deepEqual(contents(log), ["0:a=v0", "3:d=v3", "4:e=v4", "5:b=new", "6:c=new", "7:z=1"]);
    await log.close();
  });

  it("removes tombstones only after delete.retention.ms", async () => {
    const log = await PartitionLog.open({ fs: new MemoryFs(), dir: DIR, topic: "t", partition: 0, config: config({ "delete.retention.ms": 10_000 }) });
    await write(log, [["a", "1", 1_000], ["b", "1", 1_000], ["a", null, 5_000], ["c", "1", 6_000], ["d", "1", 6_000], ["e", "1", 6_000]]);
    await log.compact(10_000);
    assert.deepEqual(contents(log), ["1:b=1", "2:a=∅", "3:c=1", "4:d=1", "5:e=1"], "the tombstone stays while consumers may still need it");
    const r = await log.compact(15_001);
    assert.equal(r.tombstonesRemoved, 1);
    assert.deepEqual(contents(log), ["1:b=1", "3:c=1", "4:d=1", "5:e=1"]);
    await log.close();
  });

  it("never cleans the active segment and is a no-op for delete topics", async () => {
    const log = await PartitionLog.open({ fs: new MemoryFs(), dir: DIR, topic: "t", partition: 0, config: config({ "segment.bytes": 10_000 }) });
    await write(log, [["a", "1"], ["a", "2"]]);
    assert.equal((await log.compact(2_000)).segmentsCleaned, 0);
    await log.close();
    const del = await PartitionLog.open({ fs: new MemoryFs(), dir: DIR, topic: "t", partition: 0, config: cfg({ "segment.bytes": ONE }) });
    await write(del, [["a", "1"], ["a", "2"], ["a", "3"]]);
    assert.equal((await del.compact(2_000)).segmentsCleaned, 0);
    assert.equal(contents(del).length, 3);
    await del.close();
  });

  it("survives a restart: compacted segments reopen with their offsets", async () => {
    const fs = new MemoryFs();
    const log = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: config() });
    await write(log, [["a", "1"], ["b", "1"], ["a", "2"], ["b", "2"], ["c", "1"], ["c", "2"], ["z", "1"]]);
    await log.compact(2_000);
    const before = contents(log);
    await log.close();
    const again = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: config() });
    assert.equal(again.recovery.indexesRebuilt, 0);
    assert.deepEqual(contents(again), before);
    await again.close();
  });

  it("a crash at any write point of a compaction leaves a readable log with the same latest values", async () => {
    const items: [string, string | null][] = [["a", "1"], ["b", "1"], ["a", "2"], ["b", null], ["c", "1"], ["a", "3"], ["c", "2"], ["d", "1"], ["z", "1"]];
    const setup = async (fs: MemoryFs): Promise<PartitionLog> => {
      const log = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: config({ "delete.retention.ms": 0 }) });
      await write(log, items);
      // Roll flushes move the recovery point, which bounds what compaction may clean.
      await log.settle();
      return log;
    };
    const latest = (rows: string[]): Map<string, string> => new Map(rows.map((r) => r.split(":")[1].split("=") as [string, string]));
    const probe = new MemoryFs();
    const pl = await setup(probe);
    const start = probe.mutatingCount();
    await pl.compact(100_000);
    const expected = latest(contents(pl));
    const end = probe.mutatingCount();
    await pl.close();
    assert.ok(end - start > 5, `compaction made ${end - start} writes`);
    for (let n = 1; n <= end - start; n++) {
      for (const mode of ["lose-unsynced", "keep-all", "random"] as const) {
        const fs = new MemoryFs({ seed: n });
        const log = await setup(fs);
        fs.inject({ action: "crash", nth: n });
        await log.compact(100_000).catch(() => undefined);
        await log.abandon();
        fs.crash(mode);
        const again = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: config({ "delete.retention.ms": 0 }) });
        const rows = contents(again);
        const got = latest(rows);
        // Deleted keys may or may not still show their tombstone; every live key has its latest value.
        for (const [k, v] of expected) assert.equal(got.get(k), v, `crash at compaction write ${n} (${mode}): key ${k} in ${rows.join(" ")}`);
        for (const [k, v] of got) if (!expected.has(k)) assert.equal(v, "∅", `crash at compaction write ${n} (${mode}): deleted key ${k} came back as ${v}`);
        await again.close();
      }
    }
  });
});
