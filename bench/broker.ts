// `npm run bench:broker`: the broker over the wire, run as a child process of this script.
//
// Measures, with the built CLI (dist/, so tsx's loader is not measured): start-to-ready time
// and idle RSS (median of 5 starts); produce throughput (records/s, MB/s) of 100-byte records and
// per-request produce latency (p50/p99) with acks=1 and acks=-1, from a load generator that sends
// pre-encoded Produce v9 requests (one ~16 KiB batch per partition of a 6-partition topic)
// pipelined over several connections, patching only the correlation id; the same latency with
// one request in flight; consume throughput of the same records with Fetch v12 over several
// connections, counting records from batch headers without decoding them; and kcat (librdkafka)
// end to end, producing and consuming a file of 100-byte lines. Broker CPU (from /proc) is shown
// beside every phase, so a reader can see which side was busy. Every run uses a fresh broker and
// data directory; the tables show the median of the runs. Writes bench/results/broker.json.
//
// Environment: WEIR_BENCH_RECORDS (records per produce run, default 5,000,000), WEIR_BENCH_RUNS
// (default 3), WEIR_BENCH_KCAT_RECORDS (default 2,000,000), WEIR_BENCH_PRODUCE_CONNECTIONS (4),
// WEIR_BENCH_PRODUCE_INFLIGHT (8), WEIR_BENCH_FETCH_CONNECTIONS (3), WEIR_BENCH_PROFILE=1 (one
// run; each phase in its own broker started with --cpu-prof; prints where each spent its time).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatProfileSummary, summarizeCpuProfile } from "./lib/cpuprofile.js";
import { consumeAll, cpuMeter, createTopic, makeBatches, produceLoad, type BatchSet, type ConsumeFigures, type ProduceFigures } from "./lib/loadgen.js";
import { forget, removeOnExit, runTimed, startBroker, type BrokerProcess } from "./lib/processes.js";
import { envNumber, loadAverage, machineInfo, writeResult } from "./lib/results.js";
import { median } from "./lib/stats.js";
import { fmt, markdownTable, printTable, type Table } from "./lib/table.js";

const MB = 1e6;

const RECORD_VALUE_BYTES = 100;
const BATCH_BYTES_TARGET = 16 * 1024;
const PARTITIONS = 6;
const PROFILE = process.env.WEIR_BENCH_PROFILE === "1";
const RECORDS_PER_RUN = envNumber("WEIR_BENCH_RECORDS", 5_000_000);
const RUNS = PROFILE ? 1 : envNumber("WEIR_BENCH_RUNS", 3);
const KCAT_RECORDS = envNumber("WEIR_BENCH_KCAT_RECORDS", 2_000_000);
/** A produce run stops at RECORDS_PER_RUN or after this long, whichever comes first. */
const RUN_SECONDS_MAX = 30;
const STARTS = 5;
const PRODUCE_CONNECTIONS = envNumber("WEIR_BENCH_PRODUCE_CONNECTIONS", 4);
const PRODUCE_INFLIGHT = envNumber("WEIR_BENCH_PRODUCE_INFLIGHT", 8);
/** Requests of the one-in-flight latency run. */
const LATENCY_REQUESTS = 1000;
const WARMUP_RECORDS = 100_000;
const FETCH_CONNECTIONS = envNumber("WEIR_BENCH_FETCH_CONNECTIONS", 6);
/** Kafka's consumer defaults: max.partition.fetch.bytes 1 MiB, fetch.max.bytes 50 MiB. */
const FETCH_PARTITION_MAX_BYTES = 1024 * 1024;
const FETCH_MAX_BYTES = 50 * 1024 * 1024;
/** Consume passes over the produced topic per run (the median counts): one pass takes well under a second. */
const CONSUME_PASSES = 3;
const KCAT_TIMEOUT_MS = 120_000;
/** Settle time before reading an idle broker's RSS. */
const IDLE_SETTLE_MS = 250;
const IDLE_AFTER_RUN_MS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// kcat

interface KcatFigures {
  records: number;
  produceSeconds: number;
  produceRecordsPerS: number;
  produceMbPerS: number;
  produceBrokerCpuPct: number;
  /** kcat's own CPU over the run, % of one core. */
  produceKcatCpuPct: number;
  consumeSeconds: number;
  consumeRecordsPerS: number;
  consumeMbPerS: number;
  consumeBrokerCpuPct: number;
  consumeKcatCpuPct: number;
}

/** kcat -P of a file of `n` 100-byte lines, then kcat -C of them, each timed from spawn to exit. */
async function kcatRun(b: BrokerProcess, topic: string, file: string, n: number): Promise<KcatFigures> {
  await createTopic(b, topic, PARTITIONS);
  const pcpu = cpuMeter(b);
  const p = await runTimed("kcat", ["-P", "-b", b.bootstrap, "-t", topic, "-X", "linger.ms=5", "-X", "batch.num.messages=10000", "-l", file], {
    timeoutMs: KCAT_TIMEOUT_MS,
  });
  const pc = pcpu.stop();
  if (p.code !== 0) throw new Error(`kcat -P failed (code ${p.code}, signal ${p.signal}, timed out ${p.timedOut}): ${p.stderr}`);
  const ccpu = cpuMeter(b);
  const c = await runTimed("kcat", ["-C", "-b", b.bootstrap, "-t", topic, "-e", "-q", "-o", "beginning"], { timeoutMs: KCAT_TIMEOUT_MS, countStdoutLines: true });
  const cc = ccpu.stop();
  if (c.code !== 0) throw new Error(`kcat -C failed (code ${c.code}, signal ${c.signal}, timed out ${c.timedOut}): ${c.stderr}`);
  if (c.stdoutLines !== n) throw new Error(`kcat -C read ${c.stdoutLines} records, expected ${n}`);
  return {
    records: n,
    produceSeconds: p.seconds,
    produceRecordsPerS: n / p.seconds,
    produceMbPerS: (n * RECORD_VALUE_BYTES) / MB / p.seconds,
    produceBrokerCpuPct: pc.brokerCpuPct,
    produceKcatCpuPct: ((p.cpuSeconds ?? NaN) / p.seconds) * 100,
    consumeSeconds: c.seconds,
    consumeRecordsPerS: n / c.seconds,
    consumeMbPerS: (n * RECORD_VALUE_BYTES) / MB / c.seconds,
    consumeBrokerCpuPct: cc.brokerCpuPct,
    consumeKcatCpuPct: ((c.cpuSeconds ?? NaN) / c.seconds) * 100,
  };
}

// ---------------------------------------------------------------------------------------------
// One run

interface RunFigures {
  produceAcks1: ProduceFigures;
  produceOneInFlight: ProduceFigures;
  /** The median of {@link CONSUME_PASSES} passes over the acks=1 topic. */
  consume: ConsumeFigures;
  produceAcksAll: ProduceFigures;
  kcat: KcatFigures;
  /** Broker RSS right after produce and consume, and after kcat plus a short idle pause. */
  rssAfterRunKiB: number;
  rssAfterRunIdleKiB: number;
  peakRssKiB: number;
}

/**
 * Starts brokers on one data directory for the phases of a run. Normally one broker serves every
 * phase; when profiling, each phase gets its own (restarted on the same directory), so each
 * profile shows one kind of load.
 */
class RunBrokers {
  private current: BrokerProcess | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly profileDir: string | null,
  ) {}

  async forPhase(phase: string): Promise<BrokerProcess> {
    if (this.current !== null && this.profileDir === null) return this.current;
    await this.stop();
    const nodeArgs = this.profileDir === null ? [] : ["--cpu-prof", "--cpu-prof-dir", join(this.profileDir, phase)];
    this.current = await startBroker({ dataDir: this.dataDir, args: ["--default-partitions", String(PARTITIONS)], nodeArgs });
    return this.current;
  }

  async stop(): Promise<void> {
    const b = this.current;
    this.current = null;
    if (b !== null) await b.stop();
  }
}

async function oneRun(brokers: RunBrokers, work: BatchSet, kcatFile: string): Promise<RunFigures> {
  const produce = (b: BrokerProcess, topic: string, acks: number, records: number, connections = PRODUCE_CONNECTIONS, inflight = PRODUCE_INFLIGHT): Promise<ProduceFigures> =>
    produceLoad(b, { topic, partitions: PARTITIONS, acks, records, secondsMax: RUN_SECONDS_MAX, connections, inflightPerConnection: inflight, batches: work });
  let b = await brokers.forPhase("produce");
  for (const t of ["bench-warmup", "bench-acks1", "bench-acksall", "bench-latency"]) await createTopic(b, t, PARTITIONS);
  // A short warm-up so the JIT has compiled the produce path before anything is timed.
  await produce(b, "bench-warmup", 1, WARMUP_RECORDS);
  const produceAcks1 = await produce(b, "bench-acks1", 1, RECORDS_PER_RUN);
  const produceOneInFlight = await produce(b, "bench-latency", 1, LATENCY_REQUESTS * PARTITIONS * work.recordsPerBatch, 1, 1);
  b = await brokers.forPhase("consume");
  const fetch = (topic: string): Promise<ConsumeFigures> =>
    consumeAll(b, { topic, partitions: PARTITIONS, connections: FETCH_CONNECTIONS, partitionMaxBytes: FETCH_PARTITION_MAX_BYTES, maxBytes: FETCH_MAX_BYTES });
  await fetch("bench-warmup");
  const passes: ConsumeFigures[] = [];
  for (let i = 0; i < CONSUME_PASSES; i++) {
    const pass = await fetch("bench-acks1");
    if (pass.records !== produceAcks1.records) throw new Error(`consumed ${pass.records} records, produced ${produceAcks1.records}`);
    passes.push(pass);
  }
  const consume = passes.sort((x, y) => x.recordsPerS - y.recordsPerS)[CONSUME_PASSES >> 1];
  const rssAfterRunKiB = b.stats()?.rssKiB ?? NaN;
  b = await brokers.forPhase("produce-acks-all");
  const produceAcksAll = await produce(b, "bench-acksall", -1, RECORDS_PER_RUN);
  b = await brokers.forPhase("kcat");
  const kcat = await kcatRun(b, "bench-kcat", kcatFile, KCAT_RECORDS);
  await sleep(IDLE_AFTER_RUN_MS);
  const st = b.stats();
  await brokers.stop();
  return { produceAcks1, produceOneInFlight, consume, produceAcksAll, kcat, rssAfterRunKiB, rssAfterRunIdleKiB: st?.rssKiB ?? NaN, peakRssKiB: st?.peakRssKiB ?? NaN };
}

function describeRun(i: number, r: RunFigures): string {
  const pct = (v: number): string => `${v.toFixed(0)}%`;
  return (
    `run ${i}: produce acks=1 ${fmt(r.produceAcks1.recordsPerS)} rec/s (p50 ${r.produceAcks1.latencyMs.p50.toFixed(2)} ms, p99 ${r.produceAcks1.latencyMs.p99.toFixed(2)} ms, ` +
    `broker CPU ${pct(r.produceAcks1.brokerCpuPct)}, generator CPU ${pct(r.produceAcks1.generatorCpuPct)}); ` +
    `1 in flight p50 ${r.produceOneInFlight.latencyMs.p50.toFixed(2)} ms; ` +
    `consume ${fmt(r.consume.recordsPerS)} rec/s (broker CPU ${pct(r.consume.brokerCpuPct)}, generator CPU ${pct(r.consume.generatorCpuPct)}); ` +
    `produce acks=-1 ${fmt(r.produceAcksAll.recordsPerS)} rec/s; kcat -P ${fmt(r.kcat.produceRecordsPerS)} rec/s, -C ${fmt(r.kcat.consumeRecordsPerS)} rec/s; load ${loadAverage().join(" ")}`
  );
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  const root = mkdtempSync(join(tmpdir(), "weir-bench-broker-"));
  removeOnExit(root);
  const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), "weir-bench-broker-prof-")) : null;
  let dirs = 0;
  const freshDir = (): string => join(root, `d${dirs++}`);
  let brokers: RunBrokers | null = null;
  let starting: BrokerProcess | null = null;
  try {
    const work = makeBatches(RECORD_VALUE_BYTES, BATCH_BYTES_TARGET);
    console.log(
      `weir broker bench: ${RUNS} run(s) of ${fmt(RECORDS_PER_RUN)} records of ${RECORD_VALUE_BYTES} B (batches of ${work.recordsPerBatch} records, ` +
        `${work.batches[0].length} B), ${PARTITIONS} partitions${PROFILE ? ", PROFILING (figures are not representative)" : ""}; load average ${loadAtStart.join(" ")}`,
    );

    // 1. Start-to-ready and idle RSS of an empty broker.
    const starts: { readyMs: number; idleRssKiB: number }[] = [];
    for (let i = 0; i < STARTS; i++) {
      starting = await startBroker({ dataDir: freshDir(), args: ["--default-partitions", String(PARTITIONS)] });
      await sleep(IDLE_SETTLE_MS);
      starts.push({ readyMs: starting.readyMs, idleRssKiB: starting.stats()?.rssKiB ?? NaN });
      await starting.stop();
      starting = null;
    }
    // The floor under start-to-ready: node itself starting and exiting, on this machine, now.
    const nodeBaselineMs: number[] = [];
    for (let i = 0; i < STARTS; i++) nodeBaselineMs.push((await runTimed(process.execPath, ["-e", "0"], { timeoutMs: 10_000 })).seconds * 1000);
    console.log(`node -e 0 ms: ${nodeBaselineMs.map((v) => v.toFixed(0)).join(", ")}`);
    console.log(`start-to-ready ms: ${starts.map((s) => s.readyMs.toFixed(0)).join(", ")}; idle RSS MiB: ${starts.map((s) => (s.idleRssKiB / 1024).toFixed(1)).join(", ")}`);

    // 2. The runs, each on a fresh broker and data directory.
    const kcatFile = join(root, "kcat-input.txt");
    writeFileSync(kcatFile, Array.from({ length: KCAT_RECORDS }, (_, i) => `${i}:`.padEnd(RECORD_VALUE_BYTES, "k") + "\n").join(""));
    const runs: RunFigures[] = [];
    for (let r = 0; r < RUNS; r++) {
      const dir = freshDir();
      brokers = new RunBrokers(dir, profileDir === null ? null : join(profileDir, `run${r + 1}`));
      runs.push(await oneRun(brokers, work, kcatFile));
      brokers = null;
      rmSync(dir, { recursive: true, force: true });
      console.log(describeRun(r + 1, runs[r]));
    }

    report(runs, starts, median(nodeBaselineMs), work, loadAtStart);
    if (profileDir !== null) printProfiles(profileDir);
  } finally {
    await starting?.stop(2000);
    await brokers?.stop();
    rmSync(root, { recursive: true, force: true });
    forget(root);
  }
}

/** Prints a summary of every .cpuprofile under `dir` (one folder per run and phase). */
function printProfiles(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".cpuprofile")) continue;
    const path = join(entry.parentPath, entry.name);
    console.log(`\nprofile ${path}:\n${formatProfileSummary(summarizeCpuProfile(path))}`);
  }
}

function report(runs: RunFigures[], starts: { readyMs: number; idleRssKiB: number }[], nodeBaselineMs: number, work: BatchSet, loadAtStart: [number, number, number]): void {
  const med = (f: (r: RunFigures) => number): number => median(runs.map(f));
  const figures = {
    startToReadyMs: median(starts.map((s) => s.readyMs)),
    startToReadyMinMs: Math.min(...starts.map((s) => s.readyMs)),
    nodeStartExitMs: nodeBaselineMs,
    idleRssMiB: median(starts.map((s) => s.idleRssKiB)) / 1024,
    produceAcks1RecordsPerS: med((r) => r.produceAcks1.recordsPerS),
    produceAcks1MBps: med((r) => r.produceAcks1.mbPerS),
    produceAcks1P50Ms: med((r) => r.produceAcks1.latencyMs.p50),
    produceAcks1P99Ms: med((r) => r.produceAcks1.latencyMs.p99),
    produceOneInFlightP50Ms: med((r) => r.produceOneInFlight.latencyMs.p50),
    produceOneInFlightP99Ms: med((r) => r.produceOneInFlight.latencyMs.p99),
    produceOneInFlightRecordsPerS: med((r) => r.produceOneInFlight.recordsPerS),
    produceAcksAllRecordsPerS: med((r) => r.produceAcksAll.recordsPerS),
    produceAcksAllMBps: med((r) => r.produceAcksAll.mbPerS),
    produceAcksAllP50Ms: med((r) => r.produceAcksAll.latencyMs.p50),
    produceAcksAllP99Ms: med((r) => r.produceAcksAll.latencyMs.p99),
    consumeRecordsPerS: med((r) => r.consume.recordsPerS),
    consumeMBps: med((r) => r.consume.mbPerS),
    kcatProduceRecordsPerS: med((r) => r.kcat.produceRecordsPerS),
    kcatProduceMBps: med((r) => r.kcat.produceMbPerS),
    kcatConsumeRecordsPerS: med((r) => r.kcat.consumeRecordsPerS),
    kcatConsumeMBps: med((r) => r.kcat.consumeMbPerS),
    rssAfterRunMiB: med((r) => r.rssAfterRunKiB) / 1024,
    rssAfterRunIdleMiB: med((r) => r.rssAfterRunIdleKiB) / 1024,
    peakRssMiB: med((r) => r.peakRssKiB) / 1024,
  };
  const targets = {
    produceRecordsPerS: { target: 1_000_000, value: figures.produceAcks1RecordsPerS, met: figures.produceAcks1RecordsPerS >= 1_000_000 },
    consumeRecordsPerS: { target: 1_500_000, value: figures.consumeRecordsPerS, met: figures.consumeRecordsPerS >= 1_500_000 },
    startToReadyMs: { target: 300, value: figures.startToReadyMs, met: figures.startToReadyMs < 300 },
    idleRssMiB: { target: 80, value: figures.idleRssMiB, met: figures.idleRssMiB < 80 },
  };
  const cpu = (f: (r: RunFigures) => number): string => `${med(f).toFixed(0)}%`;
  const ms = (v: number): string => fmt(v, 2);
  const throughput: Table = {
    head: ["measure", "records/s", "MB/s", "p50 ms", "p99 ms", "broker CPU", "note"],
    left: [0, 6],
    rows: [
      [
        "produce acks=1 (pre-encoded v9)",
        fmt(figures.produceAcks1RecordsPerS),
        fmt(figures.produceAcks1MBps, 1),
        ms(figures.produceAcks1P50Ms),
        ms(figures.produceAcks1P99Ms),
        cpu((r) => r.produceAcks1.brokerCpuPct),
        `${PRODUCE_CONNECTIONS} conns x ${PRODUCE_INFLIGHT} in flight; generator CPU ${cpu((r) => r.produceAcks1.generatorCpuPct)}`,
      ],
      [
        "produce acks=-1 (pre-encoded v9)",
        fmt(figures.produceAcksAllRecordsPerS),
        fmt(figures.produceAcksAllMBps, 1),
        ms(figures.produceAcksAllP50Ms),
        ms(figures.produceAcksAllP99Ms),
        cpu((r) => r.produceAcksAll.brokerCpuPct),
        `same; flush=os (the default); generator CPU ${cpu((r) => r.produceAcksAll.generatorCpuPct)}`,
      ],
      [
        "produce acks=1, 1 in flight",
        fmt(figures.produceOneInFlightRecordsPerS),
        fmt(med((r) => r.produceOneInFlight.mbPerS), 1),
        ms(figures.produceOneInFlightP50Ms),
        ms(figures.produceOneInFlightP99Ms),
        cpu((r) => r.produceOneInFlight.brokerCpuPct),
        `1 conn, ${LATENCY_REQUESTS} requests: latency without queueing`,
      ],
      [
        "consume (Fetch v12)",
        fmt(figures.consumeRecordsPerS),
        fmt(figures.consumeMBps, 1),
        "",
        "",
        cpu((r) => r.consume.brokerCpuPct),
        `${FETCH_CONNECTIONS} conns x 1 in flight, ${FETCH_PARTITION_MAX_BYTES / 1024 / 1024} MiB/partition, median of ${CONSUME_PASSES} passes; generator CPU ${cpu((r) => r.consume.generatorCpuPct)}`,
      ],
      [
        "kcat -P (librdkafka)",
        fmt(figures.kcatProduceRecordsPerS),
        fmt(figures.kcatProduceMBps, 1),
        "",
        "",
        cpu((r) => r.kcat.produceBrokerCpuPct),
        `${fmt(KCAT_RECORDS)} lines, linger.ms=5, batch.num.messages=10000; spawn to exit; kcat CPU ${cpu((r) => r.kcat.produceKcatCpuPct)}`,
      ],
      [
        "kcat -C (librdkafka)",
        fmt(figures.kcatConsumeRecordsPerS),
        fmt(figures.kcatConsumeMBps, 1),
        "",
        "",
        cpu((r) => r.kcat.consumeBrokerCpuPct),
        `-o beginning -e; spawn to exit, incl. the final 500 ms long-poll; kcat CPU ${cpu((r) => r.kcat.consumeKcatCpuPct)}`,
      ],
    ],
  };
  const yes = (b: boolean): string => (b ? "yes" : "no");
  const targetTable: Table = {
    head: ["measure", "value", "target", "met"],
    rows: [
      ["produce acks=1 records/s", fmt(figures.produceAcks1RecordsPerS), ">= 1,000,000", yes(targets.produceRecordsPerS.met)],
      ["consume records/s", fmt(figures.consumeRecordsPerS), ">= 1,500,000", yes(targets.consumeRecordsPerS.met)],
      [`start-to-ready (median of ${STARTS}; min ${fmt(figures.startToReadyMinMs)} ms)`, `${fmt(figures.startToReadyMs)} ms`, "< 300 ms", yes(targets.startToReadyMs.met)],
      [`  node -e 0, spawn to exit (the floor)`, `${fmt(nodeBaselineMs)} ms`, "", ""],
      [`idle RSS after start (median of ${STARTS})`, `${fmt(figures.idleRssMiB, 1)} MiB`, "< 80 MiB", yes(targets.idleRssMiB.met)],
      ["RSS after produce + consume", `${fmt(figures.rssAfterRunMiB, 1)} MiB`, "", ""],
      [`RSS after the whole run, ${IDLE_AFTER_RUN_MS / 1000} s idle`, `${fmt(figures.rssAfterRunIdleMiB, 1)} MiB`, "", ""],
      ["peak RSS (VmHWM)", `${fmt(figures.peakRssMiB, 1)} MiB`, "", ""],
    ],
  };
  const loadAtEnd = loadAverage();
  console.log(`\nmedians of ${RUNS} run(s); load average (1/5/15 min) at start ${loadAtStart.join(" ")}, at end ${loadAtEnd.join(" ")}`);
  printTable(throughput);
  console.log("");
  printTable(targetTable);
  console.log(`\nMarkdown:\n\n${markdownTable(throughput)}\n\n${markdownTable(targetTable)}\n`);
  if (PROFILE) {
    console.log("profiling run: bench/results/broker.json left as it was");
    return;
  }
  const out = writeResult(
    "broker",
    {
      workload: {
        recordValueBytes: RECORD_VALUE_BYTES,
        recordsPerBatch: work.recordsPerBatch,
        batchBytes: work.batches[0].length,
        partitions: PARTITIONS,
        recordsPerRun: RECORDS_PER_RUN,
        runs: RUNS,
        produceVersion: 9,
        produceConnections: PRODUCE_CONNECTIONS,
        produceInflightPerConnection: PRODUCE_INFLIGHT,
        fetchVersion: 12,
        fetchConnections: FETCH_CONNECTIONS,
        fetchPartitionMaxBytes: FETCH_PARTITION_MAX_BYTES,
        fetchMaxBytes: FETCH_MAX_BYTES,
        consumePasses: CONSUME_PASSES,
        kcatRecords: KCAT_RECORDS,
        brokerEntry: "dist/cli/main.js",
        profiled: PROFILE,
      },
      figures,
      targets,
      starts,
      runs,
    },
    { loadAtStart, dataDir: tmpdir() },
  );
  console.log(`wrote ${out}`);
}

// Fails fast (before minutes of work) if the machine cannot be described.
machineInfo();
await main();
