// `npm run bench:log`: the storage engine against plain fs calls writing the same bytes.
//
// Measures, in one run on the same disk: append MB/s and batches/s (16 KiB batches of 100-byte
// records) with flush left to the OS (16 appends in flight, as a broker with several producers or
// pipelined produce requests keeps them, and one awaited at a time) and with an fsync per append;
// sequential read MB/s; recovery seconds per GiB (a full validating scan after an unclean stop);
// and the physical references: the same bytes written with fs.writeSync, one call per batch (the
// issue's "raw sequential write"), with one fs.writevSync per 16 batches (what the log's
// write-behind does, for honesty), with writeSync + fdatasync per batch, and with fs.promises
// (the sync-vs-async choice of src/log/fs.ts). Prints a table and writes
// bench/results/log.json. WEIR_BENCH_BYTES overrides the volume (default 1 GiB).
import { closeSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync, writevSync } from "node:fs";
import { loadavg } from "node:os";
import { open as openPromise } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { batchTotalBytes, buildBatch, crc32cImplementation, readBatchHeader } from "../src/protocol/records/index.js";
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
const ROUNDS = 7;
const READ_FETCH_BYTES = MiB;
/** Appends kept outstanding by the in-flight run, and batches per writev of the raw writev reference. */
const IN_FLIGHT = 16;

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
  /** CPU seconds (user + system, all threads of the process) of the same work, when measured. */
  cpuSeconds?: number;
  note: string;
}

/** Wall and CPU seconds of one timed run. */
interface Timed {
  s: number;
  cpuS: number;
}

/** Starts a wall + CPU stopwatch. */
function stopwatch(): () => Timed {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { s: secondsSince(t0), cpuS: (c.user + c.system) / 1e6 };
  };
}

const mbps = (bytes: number, s: number): number => bytes / MiB / s;
const secondsSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

function rawWriteSync(dir: string, batches: Buffer[], count: number, fsyncEach: boolean): number {
  return rawWriteSyncTimed(dir, batches, count, fsyncEach).s;
}

function rawWriteSyncTimed(dir: string, batches: Buffer[], count: number, fsyncEach: boolean): Timed {
  const path = join(dir, fsyncEach ? "raw-sync.bin" : "raw.bin");
  const fd = openSync(path, "w");
  const stop = stopwatch();
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const b = batches[i % batches.length];
    pos += writeSync(fd, b, 0, b.length, pos);
    if (fsyncEach) fdatasyncSync(fd);
  }
  const t = stop();
  closeSync(fd);
  unlinkSync(path);
  return t;
}

/** The same bytes with one writevSync per `group` batches (what write-behind does at best). */
function rawWritevSync(dir: string, batches: Buffer[], count: number, group: number): Timed {
  const path = join(dir, "raw-writev.bin");
  const fd = openSync(path, "w");
  const stop = stopwatch();
  let pos = 0;
  for (let i = 0; i < count; i += group) {
    const chunk: Buffer[] = [];
    let want = 0;
    for (let j = i; j < Math.min(count, i + group); j++) {
      const b = batches[j % batches.length];
      chunk.push(b);
      want += b.length;
    }
    // writev may write less than asked; this reference does not expect it on a local disk.
    const n = writevSync(fd, chunk, pos);
    if (n !== want) throw new Error(`short writev: ${n} of ${want} bytes`);
    pos += n;
  }
  const t = stop();
  closeSync(fd);
  unlinkSync(path);
  return t;
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
async function appendRun(log: PartitionLog, batches: Buffer[], count: number, deadlineMs = Infinity): Promise<Timed & { n: number; bytes: number }> {
  const stop = stopwatch();
  const end = Date.now() + deadlineMs;
  let bytes = 0;
  let n = 0;
  for (; n < count; n++) {
    const b = batches[n % batches.length];
    await log.append(b);
    bytes += b.length;
    if ((n & 63) === 0 && Date.now() > end) break;
  }
  return { ...stop(), n, bytes };
}

/**
 * Appends `count` batches keeping up to `inflight` append() promises outstanding (a broker with
 * several producers or pipelined produce requests); returns wall and CPU seconds.
 */
async function appendInFlight(log: PartitionLog, batches: Buffer[], count: number, inflight: number): Promise<Timed> {
  const stop = stopwatch();
  let outstanding = 0;
  let wake: (() => void) | null = null;
  const state: { failure: Error | null } = { failure: null };
  const settled = (): void => {
    outstanding--;
    const w = wake;
    wake = null;
    w?.();
  };
  const failed = (e: unknown): void => {
    state.failure ??= e instanceof Error ? e : new Error(`append failed: ${JSON.stringify(e)}`);
    settled();
  };
  for (let n = 0; n < count; n++) {
    while (outstanding >= inflight) await new Promise<void>((r) => (wake = r));
    outstanding++;
    log.append(batches[n % batches.length]).then(settled, failed);
  }
  while (outstanding > 0) await new Promise<void>((r) => (wake = r));
  if (state.failure !== null) throw state.failure;
  return stop();
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
    console.log(`weir log bench: ${count} batches of ${batchBytes} bytes (~${Math.round(recordsPerBatch)} records of ${RECORD_VALUE_BYTES} bytes), ${(bytes / GiB).toFixed(2)} GiB, in ${root}; CRC-32C by ${crc32cImplementation}`);

    // 1-2. Raw writeSync of the same bytes, append with flush left to the OS (16 in flight and one
    // at a time) and raw writevSync of 16 batches, in interleaved rounds after a warm-up round, so
    // that all meet the same disk weather (write-back of earlier rounds, other tenants of the
    // machine); the medians and the best rounds are reported.
    const roundCount = Math.max(1, Math.floor(count / ROUNDS));
    const roundBytes = roundCount * batchBytes;
    const appendRound = async (round: number, inflight: number): Promise<Timed> => {
      const rdir = join(root, `round-${round + 1}-${inflight}`);
      const rlog = await PartitionLog.open({ fs: new NodeFs(), dir: rdir, topic: "bench", partition: 0, config: config({}) });
      const t = inflight === 1 ? await appendRun(rlog, batches, roundCount) : await appendInFlight(rlog, batches, roundCount, inflight);
      await rlog.close();
      rmSync(rdir, { recursive: true, force: true });
      return t;
    };
    const measures: Record<"raw" | "one" | "flight" | "writev", () => Promise<Timed> | Timed> = {
      raw: () => rawWriteSyncTimed(root, batches, roundCount, false),
      one: () => appendRound(0, 1),
      flight: () => appendRound(0, IN_FLIGHT),
      writev: () => rawWritevSync(root, batches, roundCount, IN_FLIGHT),
    };
    const order = Object.keys(measures) as (keyof typeof measures)[];
    const times: Record<keyof typeof measures, Timed[]> = { raw: [], one: [], flight: [], writev: [] };
    const loadStart = loadavg();
    for (let round = -1; round < ROUNDS; round++) {
      // Which goes first rotates: a writer meets the previous one's dirty pages being written back.
      const k = ((round % order.length) + order.length) % order.length;
      for (const name of [...order.slice(k), ...order.slice(0, k)]) {
        const t = await measures[name]();
        if (round >= 0) times[name].push(t);
      }
    }
    const med = (name: keyof typeof measures): Timed => ({ s: median(times[name].map((t) => t.s)), cpuS: median(times[name].map((t) => t.cpuS)) });
    const best = (name: keyof typeof measures): number => Math.min(...times[name].map((t) => t.s));
    const raw = med("raw");
    const one = med("one");
    const flight = med("flight");
    const writev = med("writev");
    const rawS = raw.s;
    const appS = one.s;
    const bestRatio = best("raw") / best("one");
    const flightRatio = raw.s / flight.s;
    const flightBestRatio = best("raw") / best("flight");
    const flightCpuRatio = raw.cpuS / flight.cpuS;
    const roundRow = (name: string, t: Timed, note: string): Row => ({ name, mbPerS: mbps(roundBytes, t.s), batchesPerS: roundCount / t.s, seconds: t.s, cpuSeconds: t.cpuS, note });
    rows.push(roundRow("raw fs.writeSync (reference)", raw, `one call per batch, no fsync; median of ${ROUNDS} rounds of ${(roundBytes / MiB).toFixed(0)} MiB`));
    rows.push(roundRow("append, flush=os, one at a time", one, `${(rawS / appS).toFixed(2)} x raw (best rounds: ${bestRatio.toFixed(2)} x); each awaited: a loop turn per batch`));
    rows.push(roundRow(`append, flush=os, ${IN_FLIGHT} appends in flight`, flight, `${flightRatio.toFixed(2)} x raw (best rounds ${flightBestRatio.toFixed(2)} x, CPU ${flightCpuRatio.toFixed(2)} x)`));
    rows.push(roundRow(`raw writevSync of ${IN_FLIGHT} batches (comparison)`, writev, `${(raw.s / writev.s).toFixed(2)} x raw writeSync`));

    // The whole volume into one log, for the read and recovery figures, 16 appends in flight.
    const dir = join(root, "os-0");
    const log = await PartitionLog.open({ fs: new NodeFs(), dir, topic: "bench", partition: 0, config: config({}) });
    const sustained = { ...(await appendInFlight(log, batches, count, IN_FLIGHT)), n: count, bytes };
    const sustainedRow = rows.length;
    const tc = process.hrtime.bigint();
    await log.close();
    const closeS = secondsSince(tc);
    rows.push({ name: `append ${(bytes / GiB).toFixed(2)} GiB in one run, flush=os`, mbPerS: mbps(sustained.bytes, sustained.s), batchesPerS: sustained.n / sustained.s, seconds: sustained.s, cpuSeconds: sustained.cpuS, note: `${IN_FLIGHT} in flight; then close (fsync) ${closeS.toFixed(2)} s` });

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
    const readRow = rows.length;
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
    const syncRow = rows.length;
    rows.push({ name: "raw writeSync+fdatasync (reference)", mbPerS: (rawSyncRate * batchBytes) / MiB, batchesPerS: rawSyncRate, seconds: rawSync.reduce((a, x) => a + x.s, 0), note: "one fdatasync per batch" });
    rows.push({ name: "append, flush=every-append", mbPerS: (appSyncRate * batchBytes) / MiB, batchesPerS: appSyncRate, seconds: appSync.reduce((a, x) => a + x.s, 0), note: `${(appSyncRate / rawSyncRate).toFixed(2)} x raw+fdatasync; one producer` });

    // 7. Sixteen appends in flight share fsyncs (group commit).
    const group = await syncRun(join(root, "group-0"), batches, 16);
    const groupRow = rows.length;
    rows.push({ name: "append, flush=every-append, 16 in flight", mbPerS: (group.n * batchBytes) / MiB / group.s, batchesPerS: group.n / group.s, seconds: group.s, note: "group commit" });

    // 8. The async alternative for the data path (why src/log/fs.ts is synchronous).
    const promCount = Math.min(count, Math.floor((256 * MiB) / batchBytes));
    const promS = await rawWritePromises(root, batches, promCount);
    const syncS = rawWriteSync(root, batches, promCount, false);
    const promRow = rows.length;
    rows.push({ name: "raw fs.promises write (comparison)", mbPerS: mbps(promCount * batchBytes, promS), batchesPerS: promCount / promS, seconds: promS, note: `${(syncS / promS).toFixed(2)} x writeSync of the same ${promCount} batches` });

    const machine = machineInfo(root);
    const loadEnd = loadavg();
    const result = {
      date: new Date().toISOString(),
      machine,
      workload: { crc32c: crc32cImplementation, batches: count, batchBytes, recordValueBytes: RECORD_VALUE_BYTES, totalBytes: bytes, bytesPerRound: roundBytes, rounds: ROUNDS, syncRunMs: SYNC_RUN_MS, readFetchBytes: READ_FETCH_BYTES },
      loadAverage: { start: loadStart, end: loadEnd },
      figures: {
        // The target's ratio: 16 appends in flight against one raw writeSync per batch.
        appendInFlightOverRaw: flightRatio,
        appendInFlightBestRoundsOverRaw: flightBestRatio,
        appendInFlightCpuOverRaw: flightCpuRatio,
        appendInFlightMBps: rows[2].mbPerS,
        appendInFlightBatchesPerS: rows[2].batchesPerS,
        rawWritevMBps: rows[3].mbPerS,
        appendOsMBps: rows[1].mbPerS,
        appendOsBestRoundsOverRaw: bestRatio,
        appendSustainedMBps: rows[sustainedRow].mbPerS,
        appendOsBatchesPerS: rows[1].batchesPerS,
        rawWriteMBps: rows[0].mbPerS,
        appendOverRaw: rawS / appS,
        appendEveryAppendMBps: rows[syncRow + 1].mbPerS,
        appendEveryAppendBatchesPerS: rows[syncRow + 1].batchesPerS,
        rawWriteFdatasyncBatchesPerS: rows[syncRow].batchesPerS,
        appendEveryAppendOverRawFdatasync: appSyncRate / rawSyncRate,
        appendEveryAppend16InFlightBatchesPerS: rows[groupRow].batchesPerS,
        sequentialReadMBps: rows[readRow].mbPerS,
        recoverySecondsPerGiB: (recS * GiB) / scanned,
        closeSeconds: closeS,
        rawPromisesWriteMBps: rows[promRow].mbPerS,
        rawWriteSyncSameBatchesMBps: mbps(promCount * batchBytes, syncS),
      },
      rounds: {
        rawWriteSeconds: times.raw.map((t) => t.s),
        appendSeconds: times.one.map((t) => t.s),
        appendInFlightSeconds: times.flight.map((t) => t.s),
        rawWritevSeconds: times.writev.map((t) => t.s),
        rawWriteCpuSeconds: times.raw.map((t) => t.cpuS),
        appendInFlightCpuSeconds: times.flight.map((t) => t.cpuS),
      },
      rows,
    };
    printTable(rows);
    console.log(
      `append (${IN_FLIGHT} in flight) / raw write = ${flightRatio.toFixed(2)} (medians), ${flightBestRatio.toFixed(2)} (best rounds), ${flightCpuRatio.toFixed(2)} (CPU); target >= 0.8; one at a time ${result.figures.appendOverRaw.toFixed(2)}`,
    );
    console.log(`load average ${loadStart.map((x) => x.toFixed(2)).join(" ")} at start, ${loadEnd.map((x) => x.toFixed(2)).join(" ")} at end`);
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
  const head = ["measure", "MB/s", "batches/s", "seconds", "cpu s", "note"];
  const cells = rows.map((r) => [
    r.name,
    r.mbPerS === null ? "" : r.mbPerS.toFixed(0),
    r.batchesPerS === null ? "" : r.batchesPerS.toFixed(0),
    r.seconds.toFixed(2),
    r.cpuSeconds === undefined ? "" : r.cpuSeconds.toFixed(2),
    r.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((x, i) => (i === 0 || i === 5 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
}

await main();
