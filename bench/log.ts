// `npm run bench:log`: the storage engine against plain fs calls writing the same bytes.
//
// Measures, in one run on the same disk: append MB/s and batches/s (16 KiB batches of 100-byte
// records) with flush left to the OS and with an fsync per append; sequential read MB/s;
// recovery seconds per GiB (a full validating scan after an unclean stop); and the physical
// references: the same bytes written with fs.writeSync (and with writeSync + fdatasync per batch,
// and with fs.promises for the sync-vs-async choice of src/log/fs.ts). Prints a table and writes
// bench/results/log.json. WEIR_BENCH_BYTES overrides the volume (default 1 GiB).
import { closeSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { open as openPromise } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { batchTotalBytes, buildBatch, readBatchHeader } from "../src/protocol/records/index.js";
import { NodeFs } from "../src/log/fs.js";
import { PartitionLog } from "../src/log/partition-log.js";
import { parseTopicConfig } from "../src/log/config.js";
import type { TopicConfig } from "../src/log/config.js";
import { CHECKPOINT_FILE } from "../src/log/files.js";
import { machineInfo } from "./lib/results.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TOTAL_BYTES = Number(process.env.WEIR_BENCH_BYTES ?? GiB);
const BATCH_BYTES_TARGET = 16 * 1024;
const RECORD_VALUE_BYTES = 100;
/** fsync-per-append runs are bounded by time: one fsync per batch is slow on any disk. */
const SYNC_RUN_MS = 2_500;
/** Interleaved rounds of raw write and append (each 1/ROUNDS of the volume); medians and bests are reported. */
const ROUNDS = 5;
const READ_FETCH_BYTES = MiB;

/** Distinct 16 KiB batches of 100-byte records, built once so the runs measure storage only. */
function makeBatches(): Buffer[] {
  const value = (i: number, j: number): Buffer => Buffer.from(`${i}:${j}:`.padEnd(RECORD_VALUE_BYTES, "x").slice(0, RECORD_VALUE_BYTES));
  let perBatch = 1;
  while (buildBatch(Array.from({ length: perBatch + 1 }, (_, j) => ({ key: null, value: value(0, j), timestamp: 0 }))).length <= BATCH_BYTES_TARGET) perBatch++;
  return Array.from({ length: 64 }, (_, i) =>
    buildBatch(Array.from({ length: perBatch }, (_, j) => ({ key: null, value: value(i, j), timestamp: 1_700_000_000_000 + i }))),
  );
}

interface Row {
  name: string;
  mbPerS: number | null;
  batchesPerS: number | null;
  seconds: number;
  note: string;
}

const mbps = (bytes: number, s: number): number => bytes / MiB / s;
const secondsSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

function rawWriteSync(dir: string, batches: Buffer[], count: number, fsyncEach: boolean): number {
  const path = join(dir, fsyncEach ? "raw-sync.bin" : "raw.bin");
  const fd = openSync(path, "w");
  const t0 = process.hrtime.bigint();
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const b = batches[i % batches.length];
    pos += writeSync(fd, b, 0, b.length, pos);
    if (fsyncEach) fdatasyncSync(fd);
  }
  const s = secondsSince(t0);
  closeSync(fd);
  unlinkSync(path);
  return s;
}

async function rawWritePromises(dir: string, batches: Buffer[], count: number): Promise<number> {
  const path = join(dir, "raw-promises.bin");
  const fh = await openPromise(path, "w");
  const t0 = process.hrtime.bigint();
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const b = batches[i % batches.length];
    pos += (await fh.write(b, 0, b.length, pos)).bytesWritten;
  }
  const s = secondsSince(t0);
  await fh.close();
  unlinkSync(path);
  return s;
}

function config(overrides: Record<string, string | number>): TopicConfig {
  return parseTopicConfig({ "retention.ms": -1, ...overrides });
}

/** Appends `count` batches (or until `deadlineMs` passes); returns seconds and batches appended. */
async function appendRun(log: PartitionLog, batches: Buffer[], count: number, deadlineMs = Infinity): Promise<{ s: number; n: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  const end = Date.now() + deadlineMs;
  let bytes = 0;
  let n = 0;
  for (; n < count; n++) {
    const b = batches[n % batches.length];
    await log.append(b);
    bytes += b.length;
    if ((n & 63) === 0 && Date.now() > end) break;
  }
  return { s: secondsSince(t0), n, bytes };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Appends with an fsync per append, `inflight` at a time, for SYNC_RUN_MS; returns batches and seconds. */
async function syncRun(dir: string, batches: Buffer[], inflight: number): Promise<{ n: number; s: number }> {
  const log = await PartitionLog.open({ fs: new NodeFs(), dir, topic: "bench", partition: 0, config: config({ "flush.messages": 1 }) });
  const t0 = process.hrtime.bigint();
  const end = Date.now() + SYNC_RUN_MS;
  const pending = new Set<Promise<unknown>>();
  let n = 0;
  while (Date.now() < end) {
    const p: Promise<unknown> = log.append(batches[n % batches.length]).finally(() => pending.delete(p));
    pending.add(p);
    n++;
    if (pending.size >= inflight) await Promise.race(pending);
  }
  await Promise.all(pending);
  const s = secondsSince(t0);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return { n, s };
}

/** writeSync + fdatasync per batch for SYNC_RUN_MS. */
function rawSyncRun(dir: string, batches: Buffer[]): { n: number; s: number } {
  const path = join(dir, "raw-sync.bin");
  const fd = openSync(path, "w");
  const t0 = process.hrtime.bigint();
  const end = Date.now() + SYNC_RUN_MS;
  let pos = 0;
  let n = 0;
  while (Date.now() < end) {
    const b = batches[n++ % batches.length];
    pos += writeSync(fd, b, 0, b.length, pos);
    fdatasyncSync(fd);
  }
  const s = secondsSince(t0);
  closeSync(fd);
  unlinkSync(path);
  return { n, s };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "weir-bench-log-"));
  const rows: Row[] = [];
  try {
    const batches = makeBatches();
    const batchBytes = batches[0].length;
    const count = Math.max(1, Math.floor(TOTAL_BYTES / batchBytes));
    const bytes = count * batchBytes;
    const recordsPerBatch = (batchBytes - 61) / (RECORD_VALUE_BYTES + 8);
    console.log(`weir log bench: ${count} batches of ${batchBytes} bytes (~${Math.round(recordsPerBatch)} records of ${RECORD_VALUE_BYTES} bytes), ${(bytes / GiB).toFixed(2)} GiB, in ${root}`);

    // 1-2. Raw writeSync of the same bytes and append with flush left to the OS, in interleaved
    // rounds after a warm-up round, so that both meet the same disk weather (write-back of earlier
    // rounds, other tenants of the machine); the medians and the best rounds are reported.
    const roundCount = Math.max(1, Math.floor(count / ROUNDS));
    const roundBytes = roundCount * batchBytes;
    const rawTimes: number[] = [];
    const appTimes: number[] = [];
    // Which of the two goes first alternates: the second writer of a round meets the first one's
    // dirty pages being written back, and always putting append second measured that, not append.
    const appendRound = async (round: number): Promise<number> => {
      const rdir = join(root, `round-${round + 1}`);
      const rlog = await PartitionLog.open({ fs: new NodeFs(), dir: rdir, topic: "bench", partition: 0, config: config({}) });
      const s = (await appendRun(rlog, batches, roundCount)).s;
      await rlog.close();
      rmSync(rdir, { recursive: true, force: true });
      return s;
    };
    for (let round = -1; round < ROUNDS; round++) {
      let raw: number;
      let app: number;
      if (round % 2 === 0) {
        app = await appendRound(round);
        raw = rawWriteSync(root, batches, roundCount, false);
      } else {
        raw = rawWriteSync(root, batches, roundCount, false);
        app = await appendRound(round);
      }
      if (round < 0) continue;
      rawTimes.push(raw);
      appTimes.push(app);
    }
    const rawS = median(rawTimes);
    const appS = median(appTimes);
    const bestRatio = Math.min(...rawTimes) / Math.min(...appTimes);
    rows.push({ name: "raw fs.writeSync (reference)", mbPerS: mbps(roundBytes, rawS), batchesPerS: roundCount / rawS, seconds: rawS, note: `no fsync; median of ${ROUNDS} rounds of ${(roundBytes / MiB).toFixed(0)} MiB` });
    rows.push({ name: "append, flush=os (never)", mbPerS: mbps(roundBytes, appS), batchesPerS: roundCount / appS, seconds: appS, note: `${(rawS / appS).toFixed(2)} x raw (best rounds: ${bestRatio.toFixed(2)} x)` });

    // The whole volume into one log, for the read and recovery figures.
    const dir = join(root, "os-0");
    const log = await PartitionLog.open({ fs: new NodeFs(), dir, topic: "bench", partition: 0, config: config({}) });
    const sustained = await appendRun(log, batches, count);
    const tc = process.hrtime.bigint();
    await log.close();
    const closeS = secondsSince(tc);
    rows.push({ name: `append ${(bytes / GiB).toFixed(2)} GiB in one run, flush=os`, mbPerS: mbps(sustained.bytes, sustained.s), batchesPerS: sustained.n / sustained.s, seconds: sustained.s, note: `then close (fsync) ${closeS.toFixed(2)} s` });

    // 3. Sequential read of the whole log with 1 MiB fetches.
    const reader = await PartitionLog.open({ fs: new NodeFs(), dir, topic: "bench", partition: 0, config: config({}) });
    const tr = process.hrtime.bigint();
    let off = 0;
    let readBytes = 0;
    let fetches = 0;
    const end = reader.highWatermark();
    while (off < end) {
      const r = reader.read(off, READ_FETCH_BYTES);
      readBytes += r.records.length;
      fetches++;
      // The next fetch starts after the last batch returned.
      const last = readBatchHeader(r.records, lastBatchStart(r.records));
      off = last.baseOffset + last.lastOffsetDelta + 1;
    }
    const readS = secondsSince(tr);
    rows.push({ name: "sequential read (1 MiB fetches)", mbPerS: mbps(readBytes, readS), batchesPerS: count / readS, seconds: readS, note: `${fetches} reads, CRC checked, page cache` });
    await reader.close();

    // 4. Recovery after an unclean stop: without a checkpoint every batch is checked again.
    unlinkSync(join(dir, CHECKPOINT_FILE));
    const trec = process.hrtime.bigint();
    const recovered = await PartitionLog.open({ fs: new NodeFs(), dir, topic: "bench", partition: 0, config: config({}) });
    const recS = secondsSince(trec);
    const scanned = recovered.sizeBytes();
    if (recovered.logEndOffset() !== end) throw new Error(`recovery lost data: ${recovered.logEndOffset()} != ${end}`);
    rows.push({ name: "recovery (full validating scan)", mbPerS: mbps(scanned, recS), batchesPerS: null, seconds: recS, note: `${((recS * GiB) / scanned).toFixed(3)} s/GiB, page cache` });
    await recovered.close();
    rmSync(dir, { recursive: true, force: true });

    // 5-6. An fsync per append against writeSync + fdatasync per batch, interleaved, time-bounded.
    const rawSync: { n: number; s: number }[] = [];
    const appSync: { n: number; s: number }[] = [];
    for (let round = 0; round < 2; round++) {
      rawSync.push(rawSyncRun(root, batches));
      appSync.push(await syncRun(join(root, "sync-0"), batches, 1));
    }
    const rate = (xs: { n: number; s: number }[]): number => xs.reduce((a, x) => a + x.n, 0) / xs.reduce((a, x) => a + x.s, 0);
    const rawSyncRate = rate(rawSync);
    const appSyncRate = rate(appSync);
    rows.push({ name: "raw writeSync+fdatasync (reference)", mbPerS: (rawSyncRate * batchBytes) / MiB, batchesPerS: rawSyncRate, seconds: rawSync.reduce((a, x) => a + x.s, 0), note: "one fdatasync per batch" });
    rows.push({ name: "append, flush=every-append", mbPerS: (appSyncRate * batchBytes) / MiB, batchesPerS: appSyncRate, seconds: appSync.reduce((a, x) => a + x.s, 0), note: `${(appSyncRate / rawSyncRate).toFixed(2)} x raw+fdatasync; one producer` });

    // 7. Sixteen appends in flight share fsyncs (group commit).
    const group = await syncRun(join(root, "group-0"), batches, 16);
    rows.push({ name: "append, flush=every-append, 16 in flight", mbPerS: (group.n * batchBytes) / MiB / group.s, batchesPerS: group.n / group.s, seconds: group.s, note: "group commit" });

    // 8. The async alternative for the data path (why src/log/fs.ts is synchronous).
    const promCount = Math.min(count, Math.floor((256 * MiB) / batchBytes));
    const promS = await rawWritePromises(root, batches, promCount);
    const syncS = rawWriteSync(root, batches, promCount, false);
    rows.push({ name: "raw fs.promises write (comparison)", mbPerS: mbps(promCount * batchBytes, promS), batchesPerS: promCount / promS, seconds: promS, note: `${(syncS / promS).toFixed(2)} x writeSync of the same ${promCount} batches` });

    const machine = machineInfo(root);
    const result = {
      date: new Date().toISOString(),
      machine,
      workload: { batches: count, batchBytes, recordValueBytes: RECORD_VALUE_BYTES, totalBytes: bytes, bytesPerRound: roundBytes, rounds: ROUNDS, syncRunMs: SYNC_RUN_MS, readFetchBytes: READ_FETCH_BYTES },
      figures: {
        appendOsMBps: rows[1].mbPerS,
        appendOsBestRoundsOverRaw: bestRatio,
        appendSustainedMBps: rows[2].mbPerS,
        appendOsBatchesPerS: rows[1].batchesPerS,
        rawWriteMBps: rows[0].mbPerS,
        appendOverRaw: rawS / appS,
        appendEveryAppendMBps: rows[6].mbPerS,
        appendEveryAppendBatchesPerS: rows[6].batchesPerS,
        rawWriteFdatasyncBatchesPerS: rows[5].batchesPerS,
        appendEveryAppendOverRawFdatasync: appSyncRate / rawSyncRate,
        appendEveryAppend16InFlightBatchesPerS: rows[7].batchesPerS,
        sequentialReadMBps: rows[3].mbPerS,
        recoverySecondsPerGiB: (recS * GiB) / scanned,
        closeSeconds: closeS,
        rawPromisesWriteMBps: rows[8].mbPerS,
        rawWriteSyncSameBatchesMBps: mbps(promCount * batchBytes, syncS),
      },
      rounds: { rawWriteSeconds: rawTimes, appendSeconds: appTimes },
      rows,
    };
    printTable(rows);
    console.log(`append / raw write = ${result.figures.appendOverRaw.toFixed(2)} (medians), ${bestRatio.toFixed(2)} (best rounds); target >= 0.8`);
    const out = join(dirname(fileURLToPath(import.meta.url)), "results", "log.json");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    console.log(`wrote ${out}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Position of the last batch in a buffer of whole batches. */
function lastBatchStart(buf: Buffer): number {
  let pos = 0;
  for (;;) {
    const next = pos + batchTotalBytes(readBatchHeader(buf, pos));
    if (next >= buf.length) return pos;
    pos = next;
  }
}

function printTable(rows: Row[]): void {
  const head = ["measure", "MB/s", "batches/s", "seconds", "note"];
  const cells = rows.map((r) => [r.name, r.mbPerS === null ? "" : r.mbPerS.toFixed(0), r.batchesPerS === null ? "" : r.batchesPerS.toFixed(0), r.seconds.toFixed(2), r.note]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((x, i) => (i === 0 || i === 4 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
}

await main();
