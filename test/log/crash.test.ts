// The crash test of the issue: with the fault-injecting MemoryFs, a crash at every write point of
// a sequence of appends (open, appends with rolls, close) recovers to a prefix of what was
// appended that contains every acknowledged append (when the flush policy promises it), and no
// read ever returns a corrupt batch. Appends are written behind (several queued appends go out in
// one gathered write), so the crash points also cut inside such writes, at and between batches.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryFs } from "../../src/log/memory-fs.js";
import type { CrashMode, TracedOp } from "../../src/log/memory-fs.js";
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

/**
 * After `fs.crash(mode)`: reopens, checks that the log is a prefix of the appends holding every
 * acknowledged one when `durableAcks` (`acked` = how many leading appends were acknowledged),
 * that it keeps working, and that a clean restart changes nothing.
 */
async function verifyRecovered(fs: MemoryFs, config: Record<string, string>, acked: number, durableAcks: boolean, where: string, exactly?: number): Promise<void> {
  const log = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: cfg(config) });
  const got = readAll(log);
  const at = `${where}, ${acked} acked, recovered ${got.length}`;
  assert.deepEqual(got, VALUES.slice(0, got.length), `${at}: not a prefix of the appends`);
  if (exactly !== undefined) assert.equal(got.length, exactly, `${at}: expected exactly ${exactly} batches`);
  if (durableAcks) assert.ok(got.length >= acked, `${at}: lost an acknowledged append`);
  // The recovered log keeps working and survives a clean restart.
  await log.append(batchOf(1, { value: () => "after" }));
  await log.close();
  const again = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: cfg(config) });
  assert.deepEqual(readAll(again), [...got, ["after"]], `${at}: restart changed the log`);
  await again.close();
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
    await verifyRecovered(fs, { "segment.bytes": "250", ...flush }, acked, durableAcks, `crash at write point ${n}/${points} (${mode})`);
  }
  return points;
}

/** Segments large enough for several queued batches to share a gathered write. */
const IN_FLIGHT_SEGMENT_BYTES = "600";

/**
 * Appends BATCHES `inflight` at a time (all of a group before awaiting any), so that each group
 * is queued and written together; closes. Returns how many leading appends were acknowledged
 * (acknowledgements come in order; a crash rejects every append not yet acknowledged).
 */
async function runInFlight(fs: MemoryFs, flush: Record<string, string>, inflight: number): Promise<number> {
  const acked: boolean[] = BATCHES.map(() => false);
  let log: PartitionLog | null = null;
  try {
    log = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config: cfg({ "segment.bytes": IN_FLIGHT_SEGMENT_BYTES, ...flush }) });
    const open = log;
    for (let i = 0; i < BATCHES.length; i += inflight) {
      const group = BATCHES.slice(i, i + inflight).map((b, j) => open.append(Buffer.from(b)).then(() => (acked[i + j] = true)));
      const failed = (await Promise.allSettled(group)).find((x) => x.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    }
    await log.close();
  } catch (e) {
    if (!fs.isDead()) throw e;
    await log?.abandon();
  }
  const firstUnacked = acked.indexOf(false);
  // An acknowledgement after a missing one would break the prefix rule before recovery even runs.
  assert.ok(acked.slice(firstUnacked < 0 ? acked.length : firstUnacked).every((a) => !a), `acknowledgements out of order: ${JSON.stringify(acked)}`);
  return firstUnacked < 0 ? acked.length : firstUnacked;
}

/** Where a crash cuts a gathered write: at every batch boundary, one byte either side, and mid-batch. */
function cutPoints(op: TracedOp): (number | undefined)[] {
  if (op.op !== "write" || op.buffers.length < 2) return [undefined];
  const cuts = new Set<number>();
  let start = 0;
  for (const size of op.buffers) {
    for (const c of [start, start + 1, start + (size >> 1), start + size - 1]) cuts.add(c);
    start += size;
  }
  cuts.add(start);
  return [...cuts].sort((a, b) => a - b);
}

async function checkInFlight(flush: Record<string, string>, mode: CrashMode, seed: number, durableAcks: boolean, inflight: number): Promise<{ points: number; coalesced: number }> {
  const probe = new MemoryFs({ trace: true });
  await runInFlight(probe, flush, inflight);
  const points = probe.mutatingCount();
  const coalesced = probe.trace.filter((t) => t.op === "write" && t.buffers.length > 1).length;
  for (let n = 1; n <= points; n++) {
    const op = probe.trace[n - 1];
    // Batches written to the log before this call (each buffer of a .log write is one batch).
    const before = probe.trace.slice(0, n - 1).reduce((k, t) => k + (t.op === "write" && t.path.endsWith(".log") ? t.buffers.length : 0), 0);
    for (const keepBytes of cutPoints(op)) {
      const fs = new MemoryFs({ seed: seed * 1000 + n });
      fs.inject({ action: "crash", nth: n, keepBytes });
      const acked = await runInFlight(fs, flush, inflight);
      fs.crash(mode);
      const cut = keepBytes === undefined ? "" : `, ${keepBytes} of ${op.buffers.join("+")} bytes written`;
      // A process crash (keep-all) keeps every byte written: exactly the batches before the call
      // and the ones the cut left whole, the torn one cut away.
      let exactly: number | undefined;
      if (mode === "keep-all" && keepBytes !== undefined) {
        let whole = 0;
        for (let left = keepBytes; whole < op.buffers.length && op.buffers[whole] <= left; whole++) left -= op.buffers[whole];
        exactly = before + whole;
      }
      await verifyRecovered(fs, { "segment.bytes": IN_FLIGHT_SEGMENT_BYTES, ...flush }, acked, durableAcks, `${inflight} in flight: crash at write point ${n}/${points} (${mode}${cut})`, exactly);
    }
  }
  return { points, coalesced };
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

describe("crash inside a gathered write of several appends in flight", () => {
  for (const mode of ["lose-unsynced", "keep-all", "random"] as const) {
    it(`flush every-append, ${mode}: every cut keeps a prefix of whole batches holding every acknowledged append`, async () => {
      for (const inflight of [3, 10]) {
        const { points, coalesced } = await checkInFlight({ "flush.messages": "1" }, mode, 11, true, inflight);
        assert.ok(coalesced >= 2 && points > 20, `${inflight} in flight: ${coalesced} gathered writes, ${points} write points`);
      }
    });
    it(`flush left to the OS, ${mode}: every cut keeps a prefix of whole batches`, async () => {
      for (const inflight of [3, 10]) {
        const { coalesced } = await checkInFlight({}, mode, 12, mode === "keep-all", inflight);
        assert.ok(coalesced >= 2, `${inflight} in flight: ${coalesced} gathered writes`);
      }
    });
  }
});

describe("an I/O error at every write point", () => {
  it("fails the operation hit (a failed write stops the log), keeps every acknowledged append, and reopens to valid batches", async () => {
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

describe("an I/O error inside a gathered write of appends in flight", () => {
  it("rejects the appends of that write and every later one, and reopens to a prefix holding every acknowledged append", async () => {
    const flush = { "flush.messages": "1" };
    const config = cfg({ "segment.bytes": IN_FLIGHT_SEGMENT_BYTES, ...flush });
    const probe = new MemoryFs({ trace: true });
    await runInFlight(probe, flush, 4);
    let cuts = 0;
    for (let n = 1; n <= probe.mutatingCount(); n++) {
      const op = probe.trace[n - 1];
      if (op.op !== "write" || !op.path.endsWith(".log")) continue;
      for (const keepBytes of cutPoints(op)) {
        cuts++;
        const fs = new MemoryFs();
        fs.inject({ action: "eio", nth: n, keepBytes });
        const log = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config });
        const acked: boolean[] = BATCHES.map(() => false);
        for (let i = 0; i < BATCHES.length; i += 4) {
          const group = BATCHES.slice(i, i + 4).map((b, j) => log.append(Buffer.from(b)).then(() => (acked[i + j] = true)));
          for (const r of await Promise.allSettled(group)) {
            if (r.status === "rejected") assert.equal((r.reason as { code?: string }).code, "IO", `EIO at ${n}: rejected with something else than IO`);
          }
        }
        await log.close().catch((e: unknown) => assert.equal((e as { code?: string }).code, "IO"));
        const firstUnacked = acked.indexOf(false);
        assert.ok(firstUnacked >= 0, `EIO at ${n}: every append was acknowledged`);
        assert.ok(acked.slice(firstUnacked).every((a) => !a), `EIO at ${n}: an append after a failed one was acknowledged`);
        const again = await PartitionLog.open({ fs, dir: DIR, topic: "t", partition: 0, config });
        const got = readAll(again);
        const at = `EIO at write point ${n}, ${keepBytes ?? "no"} bytes of ${op.buffers.join("+")} written`;
        assert.deepEqual(got, VALUES.slice(0, got.length), `${at}: not a prefix of the appends`);
        assert.ok(got.length >= firstUnacked, `${at}: lost an acknowledged append`);
        await again.close();
      }
    }
    assert.ok(cuts > 10, `only ${cuts} cuts`);
  });
});

describe("flush every N ms", () => {
  it("recovers a prefix after a crash at every write point", async () => {
    await check({ "flush.ms": "5" }, "random", 7, false);
  });
});

