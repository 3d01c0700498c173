// The crash test of the issue: with the fault-injecting MemoryFs, a crash at every write point of
// a sequence of appends (open, appends with rolls, close) recovers to a prefix of what was
// appended that contains every acknowledged append (when the flush policy promises it), and no
// read ever returns a corrupt batch.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryFs } from "../../src/log/memory-fs.js";
import type { CrashMode } from "../../src/log/memory-fs.js";
import { PartitionLog } from "../../src/log/partition-log.js";
import { batchesIn } from "../../src/protocol/records/index.js";
import { batchOf, cfg, recordsOf } from "./helpers.js";

const DIR = "/data/t-0";
// Batches of 1..4 records with values that name the batch, so a prefix can be checked exactly.
const BATCHES = Array.from({ length: 10 }, (_, b) => batchOf(1 + (b % 4), { ts: 1_000 + b, value: (i) => `b${b}r${i}` }));
const VALUES = BATCHES.map((buf) => recordsOf(buf).map((r) => r.value));

async function run(fs: MemoryFs, flush: Record<string, string>): Promise<number> {
  let acked = 0;
  let log: PartitionLog | null = null;
  try {
    log = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: cfg({ "segment.bytes": 250, ...flush }) });
    for (const b of BATCHES) {
      await log.append(Buffer.from(b));
      acked++;
    }
    await log.close();
  } catch (e) {
    if (!fs.isDead()) throw e;
    await log?.abandon();
  }
  return acked;
}

/** Reads the whole log back, batch by batch, validating every batch it returns. */
function readAll(log: PartitionLog): string[][] {
  const batches: string[][] = [];
  let offset = log.logStartOffset();
  while (offset < log.highWatermark()) {
    const { records } = log.read(offset, 1);
    assert.ok(records.length > 0, `read at ${offset} below the HW ${log.highWatermark()} returned nothing`);
    for (const { pos, header } of batchesIn(records)) {
      // batchesIn validates (CRC, lengths, records) before it yields.
      assert.equal(header.baseOffset, offset, "batches must be contiguous");
      batches.push(recordsOf(records.subarray(pos)).slice(0, header.recordsCount).map((r) => r.value ?? "null"));
      offset = header.baseOffset + header.lastOffsetDelta + 1;
    }
  }
  return batches;
}

async function check(flush: Record<string, string>, mode: CrashMode, seed: number, durableAcks: boolean): Promise<number> {
  const probe = new MemoryFs();
  await run(probe, flush);
  const points = probe.mutatingCount();
  for (let n = 1; n <= points; n++) {
    const fs = new MemoryFs({ seed: seed * 1000 + n });
    fs.inject({ action: "crash", nth: n });
    const acked = await run(fs, flush);
    fs.crash(mode);
    const log = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: cfg({ "segment.bytes": 250, ...flush }) });
    const got = readAll(log);
    const where = `crash at write point ${n}/${points} (${mode}), ${acked} acked, recovered ${got.length}`;
    assert.deepEqual(got, VALUES.slice(0, got.length), `${where}: not a prefix of the appends`);
    if (durableAcks) assert.ok(got.length >= acked, `${where}: lost an acknowledged append`);
    // The recovered log keeps working and survives a clean restart.
    await log.append(batchOf(1, { value: () => "after" }));
    await log.close();
    const again = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: cfg({ "segment.bytes": 250, ...flush }) });
    assert.deepEqual(readAll(again), [...got, ["after"]], `${where}: restart changed the log`);
    await again.close();
  }
  return points;
}

describe("crash at every write point", () => {
  for (const mode of ["lose-unsynced", "keep-all", "random"] as const) {
    it(`flush every-append, ${mode}: a prefix holding every acknowledged append`, async () => {
      const points = await check({ "flush.messages": "1" }, mode, 1, true);
      assert.ok(points > 50, `only ${points} write points`);
    });
    it(`flush left to the OS, ${mode}: a prefix of the appends`, async () => {
      await check({}, mode, 2, mode === "keep-all");
    });
  }
  it("random tearing with several seeds (every-append)", async () => {
    for (const seed of [3, 4, 5]) await check({ "flush.messages": "1" }, "random", seed, true);
  });
});

describe("an I/O error at every write point", () => {
  it("fails only the operation hit, keeps every acknowledged append, and reopens to valid batches", async () => {
    const flush = { "flush.messages": "1" };
    const probe = new MemoryFs();
    await run(probe, flush);
    for (let n = 1; n <= probe.mutatingCount(); n++) {
      const fs = new MemoryFs();
      fs.inject({ action: "eio", nth: n });
      const acked: number[] = [];
      let log: PartitionLog | null = null;
      try {
        log = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: cfg({ "segment.bytes": 250, ...flush }) });
      } catch (e) {
        assert.equal((e as { code?: string }).code, "IO", `open failed with something else than IO at ${n}`);
        continue;
      }
      for (let b = 0; b < BATCHES.length; b++) {
        try {
          await log.append(Buffer.from(BATCHES[b]));
          acked.push(b);
        } catch (e) {
          assert.equal((e as { code?: string }).code, "IO", `append failed with something else than IO at ${n}`);
        }
      }
      await log.close().catch((e: unknown) => assert.equal((e as { code?: string }).code, "IO"));
      const again = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: cfg({ "segment.bytes": 250, ...flush }) });
      const got = readAll(again);
      // Every batch read back is one that was appended, in order, and every acknowledged one is there.
      const indexes = got.map((values) => VALUES.findIndex((v) => JSON.stringify(v) === JSON.stringify(values)));
      assert.ok(indexes.every((x, i) => x >= 0 && (i === 0 || x > indexes[i - 1])), `EIO at ${n}: unexpected batches ${JSON.stringify(got)}`);
      for (const a of acked) assert.ok(indexes.includes(a), `EIO at ${n}: acknowledged batch ${a} is missing`);
      await again.close();
    }
  });
});

describe("flush every N ms", () => {
  it("recovers a prefix after a crash at every write point", async () => {
    await check({ "flush.ms": "5" }, "random", 7, false);
  });
});

