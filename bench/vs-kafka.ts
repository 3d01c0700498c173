// `npm run bench:vs-kafka`: Weir and Apache Kafka side by side, driven by Kafka's own load tools.
//
// Each round starts one broker as a child process with a fresh data directory, measures
// start-to-ready and idle RSS, creates three 6-partition topics, warms up with a short
// ProducerPerformance run, then runs org.apache.kafka.tools.ProducerPerformance with 100-byte
// records and acks=1, again with acks=all (to another topic), and ConsumerPerformance over the
// acks=1 topic; then it reads the broker's peak RSS (VmHWM) and stops it. Rounds alternate the two
// brokers (Weir, Kafka, Weir, Kafka, ...), so both meet the same neighbours on this shared
// machine; the tables show the median of each broker's rounds and the Weir/Kafka ratio.
//
// The brokers: Weir from the built CLI (`weir broker --default-partitions 6` from dist/, as
// bench/lib/processes.ts starts it; flush=os), ready when it prints its ready line; Kafka 4.3.1 from the harness cache (a KRaft
// node with the harness's settings, docs/harness.md) with -Xmx1g (Kafka's own start script's
// heap; the harness sets -Xms128m and G1), storage formatted before the clock starts, ready when
// a Metadata request lists it. The load tools are JVMs from the same cache with -Xmx512m (as
// kafka-producer-perf-test.sh sets), with the Kafka 4 client defaults: batch.size 16384,
// linger.ms 5, no compression, idempotence on for acks=all. Broker CPU time comes from
// /proc/<pid>/stat. Writes bench/results/vs-kafka.json.
//
// Environment: WEIR_BENCH_RECORDS (records per tool run, default 5,000,000), WEIR_BENCH_ROUNDS
// (rounds per broker, default 4), WEIR_BENCH_KAFKA_HEAP_MB (1024), WEIR_BENCH_PROFILE=1 (Weir only,
// one round, each phase in its own broker under --cpu-prof; prints where its time went).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ensureFetched } from "../scripts/harness/fetch.js";
import { kafkaVersion } from "../scripts/harness/versions.js";
import { formatProfileSummary, summarizeCpuProfile } from "./lib/cpuprofile.js";
import { builtCli, forget, procStats, removeOnExit, runTimed, startBroker, type ProcStats } from "./lib/processes.js";
import { envNumber, loadAverage, machineInfo, writeResult } from "./lib/results.js";
import { median, secondsSince } from "./lib/stats.js";
import { fmt, markdownTable, printTable, type Table } from "./lib/table.js";
import { Connection } from "../src/client/wire/index.js";
import { ApiKey } from "../src/protocol/api-keys.js";
import { hookExit, killTrackedChildren, runKafkaTool, startKafkaNode, type ToolRun } from "./lib/kafka-node.js";


const PROFILE = process.env.WEIR_BENCH_PROFILE === "1";
const RECORDS = envNumber("WEIR_BENCH_RECORDS", 5_000_000);
const ROUNDS = PROFILE ? 1 : envNumber("WEIR_BENCH_ROUNDS", 4);
const KAFKA_HEAP_MB = envNumber("WEIR_BENCH_KAFKA_HEAP_MB", 1024);
/** Extra node flags for the Weir child, for experiments (e.g. "--max-semi-space-size=4"); none in recorded runs. */
const WEIR_NODE_ARGS = (process.env.WEIR_BENCH_WEIR_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
const RECORD_BYTES = 100;
const PARTITIONS = 6;
/** Unmeasured ProducerPerformance run at the start of each round, so both brokers' JITs are warm. */
const WARMUP_RECORDS = Math.min(500_000, RECORDS);
const TOOL_HEAP = "-Xmx512m";
const TOOL_TIMEOUT_MS = 300_000;
const READY_TIMEOUT_MS = 60_000;
/** How often the Kafka readiness probe asks; bounds the error of Kafka's start-to-ready figure. */
const READY_POLL_MS = 20;
/** Settle time before reading a fresh broker's idle RSS. */
const IDLE_SETTLE_MS = 1000;
const TOPICS = { warmup: "perf-warmup", acks1: "perf-acks1", acksAll: "perf-acksall" } as const;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The brokers under test

type Kind = "weir" | "kafka";

interface BrokerUnderTest {
  kind: Kind;
  pid: number;
  host: string;
  port: number;
  bootstrap: string;
  /** Spawn to ready, ms. */
  readyMs: number;
  /** Kafka: formatting the storage (a JVM of its own) before the spawn; Weir: none. */
  formatMs: number | null;
  stats(): ProcStats | null;
  stop(): Promise<void>;
}

async function startWeir(dataDir: string, nodeArgs: readonly string[] = []): Promise<BrokerUnderTest> {
  const b = await startBroker({ dataDir, args: ["--default-partitions", String(PARTITIONS)], nodeArgs: [...WEIR_NODE_ARGS, ...nodeArgs] });
  return { kind: "weir", pid: b.pid, host: b.host, port: b.port, bootstrap: b.bootstrap, readyMs: b.readyMs, formatMs: null, stats: () => b.stats(), stop: async () => void (await b.stop(30_000)) };
}

async function startKafka(): Promise<BrokerUnderTest> {
  const k = await startKafkaNode({ heapMb: KAFKA_HEAP_MB, readyTimeoutMs: READY_TIMEOUT_MS, readyPollMs: READY_POLL_MS });
  return { kind: "kafka", ...k, stats: () => procStats(k.pid) };
}

const runTool = (mainClass: string, args: readonly string[]): Promise<ToolRun> => runKafkaTool(mainClass, args, { heap: TOOL_HEAP, timeoutMs: TOOL_TIMEOUT_MS });

/** Creates 6-partition topics the same way on both brokers, then waits until each partition has a leader. */
async function createTopics(b: BrokerUnderTest, names: readonly string[]): Promise<void> {
  const c = await Connection.connect({ host: b.host, port: b.port, clientId: "weir-bench" });
  try {
    const created = await c.send(ApiKey.CreateTopics, 5, {
      topics: names.map((name) => ({ name, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 30_000,
      validateOnly: false,
    });
    for (const t of created.topics) if (t.errorCode !== 0) throw new Error(`${b.kind}: CreateTopics ${t.name}: error ${t.errorCode} ${t.errorMessage ?? ""}`);
    for (let attempt = 0; ; attempt++) {
      const md = await c.send(ApiKey.Metadata, 9, {
        topics: names.map((name) => ({ name })),
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      });
      const ok = md.topics.every((t) => t.errorCode === 0 && t.partitions.length === PARTITIONS && t.partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0));
      if (ok && md.topics.length === names.length) return;
      if (attempt > 200) throw new Error(`${b.kind}: topics without leaders after 10 s: ${JSON.stringify(md.topics)}`);
      await sleep(50);
    }
  } finally {
    c.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Kafka's load tools

/**
 * Client-side metrics the tools print with --print-metrics (client-level, not per node or topic),
 * averaged by the client over its last sample windows (2 x 30 s, so the whole run).
 */
const PRODUCER_METRICS = ["request-latency-avg", "records-per-request-avg", "batch-size-avg", "record-queue-time-avg", "io-wait-ratio"] as const;
const CONSUMER_METRICS = ["fetch-latency-avg", "fetch-size-avg", "records-per-request-avg", "io-wait-ratio"] as const;

/** `producer-metrics:request-latency-avg:{client-id=perf-producer-client}   : 3.961` -> value, for client-level lines only. */
function clientMetrics(out: string, names: readonly string[]): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of out.split("\n")) {
    const m = /^[a-z-]+:([a-z-]+):\{client-id=[^,}]*\}\s*:\s*(\S+)$/.exec(line.trim());
    if (m !== null && names.includes(m[1]) && !(m[1] in found)) found[m[1]] = Number(m[2]);
  }
  return found;
}

interface PhaseCpu {
  /** Broker CPU seconds over the tool run. */
  brokerCpuSeconds: number;
  /** The same as % of one core over the tool's wall time. */
  brokerCpuPct: number;
  /** Broker CPU per record, microseconds. */
  brokerCpuUsPerRecord: number;
  toolCpuPct: number;
  toolSeconds: number;
}

interface ProducePhase extends PhaseCpu {
  records: number;
  recordsPerS: number;
  /** ProducerPerformance's MB/sec (it divides by 2^20). */
  mibPerS: number;
  latencyMs: { avg: number; max: number; p50: number; p95: number; p99: number; p999: number };
  metrics: Record<string, number>;
}

interface ConsumePhase extends PhaseCpu {
  records: number;
  /** nMsg.sec: records over the whole run, group join included. */
  recordsPerS: number;
  /** fetch.nMsg.sec: records over the run without the group join (rebalance.time.ms). */
  fetchRecordsPerS: number;
  rebalanceMs: number;
  metrics: Record<string, number>;
}

async function withCpu<T>(b: BrokerUnderTest, records: number, run: () => Promise<ToolRun>, parse: (out: string) => T): Promise<T & PhaseCpu> {
  const c0 = b.stats()?.cpuSeconds ?? NaN;
  const r = await run();
  const c1 = b.stats()?.cpuSeconds ?? NaN;
  const brokerCpuSeconds = c1 - c0;
  return {
    ...parse(r.stdout),
    brokerCpuSeconds,
    brokerCpuPct: (brokerCpuSeconds / r.seconds) * 100,
    brokerCpuUsPerRecord: (brokerCpuSeconds / records) * 1e6,
    toolCpuPct: (r.cpuSeconds / r.seconds) * 100,
    toolSeconds: r.seconds,
  };
}

// "5000000 records sent, 812345.6 records/sec (77.47 MB/sec), 25.34 ms avg latency, 400.00 ms max
// latency, 20 ms 50th, 60 ms 95th, 80 ms 99th, 100 ms 99.9th." -- the final summary line.
const PRODUCE_SUMMARY =
  /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/m;

function produce(b: BrokerUnderTest, topic: string, acks: "1" | "all", records: number): Promise<ProducePhase> {
  const args = ["--bootstrap-server", b.bootstrap, "--topic", topic, "--num-records", String(records), "--record-size", String(RECORD_BYTES), "--throughput", "-1", "--command-property", `acks=${acks}`, "--print-metrics"];
  return withCpu(
    b,
    records,
    () => runTool("org.apache.kafka.tools.ProducerPerformance", args),
    (out) => {
      const m = PRODUCE_SUMMARY.exec(out);
      if (m === null) throw new Error(`no summary line in ProducerPerformance's output:\n${out.slice(-2000)}`);
      if (Number(m[1]) !== records) throw new Error(`ProducerPerformance sent ${m[1]} records, expected ${records}`);
      const n = (i: number): number => Number(m[i]);
      const latencyMs = { avg: n(4), max: n(5), p50: n(6), p95: n(7), p99: n(8), p999: n(9) };
      return { records, recordsPerS: n(2), mibPerS: n(3), latencyMs, metrics: clientMetrics(out, PRODUCER_METRICS) };
    },
  );
}

function consume(b: BrokerUnderTest, topic: string, records: number, group: string): Promise<ConsumePhase> {
  const args = ["--bootstrap-server", b.bootstrap, "--topic", topic, "--num-records", String(records), "--group", group, "--hide-header", "--print-metrics"];
  return withCpu(
    b,
    records,
    () => runTool("org.apache.kafka.tools.ConsumerPerformance", args),
    (out) => {
      // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
      // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
      const line = out
        .split("\n")
        .map((l) => l.split(",").map((f) => f.trim()))
        .find((f) => f.length === 10 && /^\d+$/.test(f[4]));
      if (line === undefined) throw new Error(`no result line in ConsumerPerformance's output:\n${out.slice(-2000)}`);
      const got = Number(line[4]);
      if (got < records) throw new Error(`ConsumerPerformance read ${got} records, expected ${records}`);
      return { records: got, recordsPerS: Number(line[5]), fetchRecordsPerS: Number(line[9]), rebalanceMs: Number(line[6]), metrics: clientMetrics(out, CONSUMER_METRICS) };
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Rounds

interface RoundFigures {
  kind: Kind;
  round: number;
  readyMs: number;
  formatMs: number | null;
  /** Weir: `node -e 0` spawn to exit just before the start (median of 3), the floor under its start-to-ready. */
  nodeFloorMs: number | null;
  idleRssMiB: number;
  peakRssMiB: number;
  /** VmHWM after each phase, to see which one set the peak. */
  peakRssAfterMiB: { warmup: number; produceAcks1: number; produceAcksAll: number; consume: number };
  /** Broker CPU seconds from ready to the end of the round (warm-up included). */
  brokerCpuSeconds: number;
  produceAcks1: ProducePhase;
  produceAcksAll: ProducePhase;
  consume: ConsumePhase;
  loadAverage: [number, number, number];
}

async function nodeFloorMs(): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push((await runTimed(process.execPath, ["-e", "0"], { timeoutMs: 10_000 })).seconds * 1000);
  return median(runs);
}

async function round(kind: Kind, n: number, root: string): Promise<RoundFigures> {
  const floor = kind === "weir" ? await nodeFloorMs() : null;
  const b = kind === "weir" ? await startWeir(join(root, `weir-${n}`)) : await startKafka();
  const peak = (): number => (b.stats()?.peakRssKiB ?? NaN) / 1024;
  try {
    await sleep(IDLE_SETTLE_MS);
    const idle = b.stats();
    await createTopics(b, Object.values(TOPICS));
    await produce(b, TOPICS.warmup, "1", WARMUP_RECORDS);
    const afterWarmup = peak();
    const produceAcks1 = await produce(b, TOPICS.acks1, "1", RECORDS);
    const afterAcks1 = peak();
    const produceAcksAll = await produce(b, TOPICS.acksAll, "all", RECORDS);
    const afterAcksAll = peak();
    const consumed = await consume(b, TOPICS.acks1, RECORDS, `perf-${kind}-${n}`);
    const end = b.stats();
    return {
      kind,
      round: n,
      readyMs: b.readyMs,
      formatMs: b.formatMs,
      nodeFloorMs: floor,
      idleRssMiB: (idle?.rssKiB ?? NaN) / 1024,
      peakRssMiB: (end?.peakRssKiB ?? NaN) / 1024,
      peakRssAfterMiB: { warmup: afterWarmup, produceAcks1: afterAcks1, produceAcksAll: afterAcksAll, consume: (end?.peakRssKiB ?? NaN) / 1024 },
      brokerCpuSeconds: end?.cpuSeconds ?? NaN,
      produceAcks1,
      produceAcksAll,
      consume: consumed,
      loadAverage: loadAverage(),
    };
  } finally {
    await b.stop();
    if (kind === "weir") rmSync(join(root, `weir-${n}`), { recursive: true, force: true });
  }
}

function describeRound(r: RoundFigures): string {
  return (
    `${r.kind} round ${r.round}: ready ${fmt(r.readyMs)} ms${r.formatMs === null ? "" : ` (+ format ${fmt(r.formatMs)} ms)`}${r.nodeFloorMs === null ? "" : ` (node -e 0: ${fmt(r.nodeFloorMs)} ms)`}; ` +
    `produce acks=1 ${fmt(r.produceAcks1.recordsPerS)} rec/s (broker CPU ${fmt(r.produceAcks1.brokerCpuPct)}%, tool ${fmt(r.produceAcks1.toolCpuPct)}%), ` +
    `acks=all ${fmt(r.produceAcksAll.recordsPerS)} rec/s (broker ${fmt(r.produceAcksAll.brokerCpuPct)}%, tool ${fmt(r.produceAcksAll.toolCpuPct)}%), ` +
    `consume ${fmt(r.consume.fetchRecordsPerS)} rec/s fetch, ${fmt(r.consume.recordsPerS)} overall (broker ${fmt(r.consume.brokerCpuPct)}%, tool ${fmt(r.consume.toolCpuPct)}%, ` +
    `fetch latency ${fmt(r.consume.metrics["fetch-latency-avg"], 1)} ms); ` +
    `RSS idle ${fmt(r.idleRssMiB)} MiB, peak after warm-up/acks=1/acks=all/consume ${Object.values(r.peakRssAfterMiB).map((v) => fmt(v)).join("/")} MiB; load ${r.loadAverage.join(" ")}`
  );
}

// ---------------------------------------------------------------------------------------------
// Report

/** One row of the table: a figure (or a pair, "p50 / p99") per round, and its goal on Weir/Kafka if any. */
interface Figure {
  name: string;
  unit: string;
  pick: (r: RoundFigures) => number;
  /** A second figure shown in the same row after a slash. */
  pick2?: (r: RoundFigures) => number;
  decimals?: number;
  /** ">=" for throughput, "<=" for costs. */
  goal?: { op: ">=" | "<="; ratio: number };
}

const FIGURES: Figure[] = [
  { name: "produce acks=1", unit: "records/s", pick: (r) => r.produceAcks1.recordsPerS, goal: { op: ">=", ratio: 1.5 } },
  { name: "produce acks=all", unit: "records/s", pick: (r) => r.produceAcksAll.recordsPerS, goal: { op: ">=", ratio: 1.5 } },
  { name: "consume (fetch.nMsg.sec, group join excluded)", unit: "records/s", pick: (r) => r.consume.fetchRecordsPerS, goal: { op: ">=", ratio: 1.5 } },
  { name: "consume (nMsg.sec, group join included)", unit: "records/s", pick: (r) => r.consume.recordsPerS },
  { name: "start-to-ready (spawn to ready)", unit: "ms", pick: (r) => r.readyMs, goal: { op: "<=", ratio: 0.05 } },
  { name: "start-to-ready + Kafka's storage format", unit: "ms", pick: (r) => r.readyMs + (r.formatMs ?? 0) },
  { name: "peak RSS (VmHWM)", unit: "MiB", pick: (r) => r.peakRssMiB, goal: { op: "<=", ratio: 0.2 } },
  { name: "idle RSS after start", unit: "MiB", pick: (r) => r.idleRssMiB },
  { name: "produce acks=1 latency p50 / p99", unit: "ms", pick: (r) => r.produceAcks1.latencyMs.p50, pick2: (r) => r.produceAcks1.latencyMs.p99 },
  { name: "produce acks=all latency p50 / p99", unit: "ms", pick: (r) => r.produceAcksAll.latencyMs.p50, pick2: (r) => r.produceAcksAll.latencyMs.p99 },
  { name: "producer request latency avg (client metric), acks=1 / all", unit: "ms", pick: (r) => r.produceAcks1.metrics["request-latency-avg"], pick2: (r) => r.produceAcksAll.metrics["request-latency-avg"], decimals: 1 },
  { name: "consumer fetch latency avg (client metric)", unit: "ms", pick: (r) => r.consume.metrics["fetch-latency-avg"], decimals: 1 },
  { name: "consumer fetch size avg (client metric)", unit: "KiB", pick: (r) => r.consume.metrics["fetch-size-avg"] / 1024 },
  { name: "broker CPU per record, produce acks=1", unit: "us", pick: (r) => r.produceAcks1.brokerCpuUsPerRecord, decimals: 2 },
  { name: "broker CPU per record, produce acks=all", unit: "us", pick: (r) => r.produceAcksAll.brokerCpuUsPerRecord, decimals: 2 },
  { name: "broker CPU per record, consume", unit: "us", pick: (r) => r.consume.brokerCpuUsPerRecord, decimals: 2 },
  { name: "broker CPU, whole round (warm-up included)", unit: "s", pick: (r) => r.brokerCpuSeconds, decimals: 1 },
  { name: "CPU share broker / tool, produce acks=1", unit: "% core", pick: (r) => r.produceAcks1.brokerCpuPct, pick2: (r) => r.produceAcks1.toolCpuPct },
  { name: "CPU share broker / tool, produce acks=all", unit: "% core", pick: (r) => r.produceAcksAll.brokerCpuPct, pick2: (r) => r.produceAcksAll.toolCpuPct },
  { name: "CPU share broker / tool, consume", unit: "% core", pick: (r) => r.consume.brokerCpuPct, pick2: (r) => r.consume.toolCpuPct },
];

/** Medians over each broker's rounds; `second` for the figures that come in pairs. */
interface Summary {
  name: string;
  unit: string;
  weir: number;
  kafka: number;
  ratio: number;
  second?: { weir: number; kafka: number; ratio: number };
  goal: string;
  met: boolean | null;
}

function summarize(rounds: readonly RoundFigures[]): Summary[] {
  const med = (kind: Kind, pick: (r: RoundFigures) => number): number => median(rounds.filter((r) => r.kind === kind).map(pick));
  return FIGURES.map((f) => {
    const weir = med("weir", f.pick);
    const kafka = med("kafka", f.pick);
    const ratio = weir / kafka;
    const met = f.goal === undefined ? null : f.goal.op === ">=" ? ratio >= f.goal.ratio : ratio <= f.goal.ratio;
    const s: Summary = { name: f.name, unit: f.unit, weir, kafka, ratio, goal: f.goal === undefined ? "" : `${f.goal.op} ${f.goal.ratio}`, met };
    if (f.pick2 !== undefined) {
      const w2 = med("weir", f.pick2);
      const k2 = med("kafka", f.pick2);
      s.second = { weir: w2, kafka: k2, ratio: w2 / k2 };
    }
    return s;
  });
}

function table(summary: readonly Summary[]): Table {
  const rows = summary.map((s, i) => {
    const d = FIGURES[i].decimals ?? (s.weir < 10 ? 1 : 0);
    const cell = (a: number, b: number | undefined): string => (b === undefined ? fmt(a, d) : `${fmt(a, d)} / ${fmt(b, d)}`);
    const r = (x: number): string => x.toFixed(x < 0.1 ? 3 : 2);
    const ratio = s.second === undefined ? r(s.ratio) : `${r(s.ratio)} / ${r(s.second.ratio)}`;
    return [s.name, s.unit, cell(s.weir, s.second?.weir), cell(s.kafka, s.second?.kafka), ratio, s.goal, s.met === null ? "" : s.met ? "yes" : "no"];
  });
  return { head: ["figure", "unit", "Weir", "Kafka", "Weir/Kafka", "goal", "met"], rows, left: [0, 1, 6] };
}

function printProfiles(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".cpuprofile")) continue;
    const path = join(entry.parentPath, entry.name);
    console.log(`\nprofile ${path}:\n${formatProfileSummary(summarizeCpuProfile(path))}`);
  }
}

/** WEIR_BENCH_PROFILE=1: each Weir phase in its own broker (restarted on one data dir) under --cpu-prof. */
async function profileWeir(root: string): Promise<void> {
  const profDir = mkdtempSync(join(tmpdir(), "weir-bench-vs-kafka-prof-"));
  const dataDir = join(root, "weir-profile");
  const phase = async (name: string, work: (b: BrokerUnderTest) => Promise<string>): Promise<void> => {
    const b = await startWeir(dataDir, ["--cpu-prof", "--cpu-prof-dir", join(profDir, name)]);
    try {
      console.log(`${name}: ${await work(b)}`);
    } finally {
      await b.stop();
    }
  };
  await phase("produce-acks1", async (b) => {
    await createTopics(b, Object.values(TOPICS));
    await produce(b, TOPICS.warmup, "1", WARMUP_RECORDS);
    const p = await produce(b, TOPICS.acks1, "1", RECORDS);
    return `${fmt(p.recordsPerS)} rec/s, broker CPU ${fmt(p.brokerCpuPct)}%, tool CPU ${fmt(p.toolCpuPct)}%`;
  });
  await phase("produce-acksall", async (b) => {
    const p = await produce(b, TOPICS.acksAll, "all", RECORDS);
    return `${fmt(p.recordsPerS)} rec/s, broker CPU ${fmt(p.brokerCpuPct)}%, tool CPU ${fmt(p.toolCpuPct)}%`;
  });
  await phase("consume", async (b) => {
    const c = await consume(b, TOPICS.acks1, RECORDS, "perf-profile");
    return `${fmt(c.fetchRecordsPerS)} rec/s (fetch), broker CPU ${fmt(c.brokerCpuPct)}%, tool CPU ${fmt(c.toolCpuPct)}%`;
  });
  printProfiles(profDir);
  console.log(`\nprofiles kept in ${profDir}; bench/results/vs-kafka.json left as it was`);
}

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  await ensureFetched(["kafka"]);
  const root = mkdtempSync(join(tmpdir(), "weir-bench-vs-kafka-"));
  removeOnExit(root);
  hookExit();
  const t0 = process.hrtime.bigint();
  try {
    console.log(
      `Weir vs Apache Kafka ${kafkaVersion}: ${ROUNDS} round(s) per broker, alternating; ${fmt(RECORDS)} records of ${RECORD_BYTES} B per tool run, ` +
        `${PARTITIONS} partitions${PROFILE ? ", PROFILING Weir only" : ""}; load average ${loadAtStart.join(" ")}`,
    );
    if (PROFILE) return await profileWeir(root);
    const rounds: RoundFigures[] = [];
    for (let n = 1; n <= ROUNDS; n++) {
      for (const kind of ["weir", "kafka"] as const) {
        const r = await round(kind, n, root);
        rounds.push(r);
        console.log(describeRound(r));
      }
    }
    const summary = summarize(rounds);
    const t = table(summary);
    const loadAtEnd = loadAverage();
    console.log(`\nmedians of ${ROUNDS} round(s) each, ${fmt(secondsSince(t0))} s in all; load average (1/5/15 min) at start ${loadAtStart.join(" ")}, at end ${loadAtEnd.join(" ")}\n`);
    printTable(t);
    console.log(`\nMarkdown:\n\n${markdownTable(t)}\n`);
    const out = writeResult(
      "vs-kafka",
      {
        workload: {
          kafkaVersion,
          kafkaJvm: `-Xmx${KAFKA_HEAP_MB}m -Xms${Math.min(KAFKA_HEAP_MB, 128)}m -XX:+UseG1GC -XX:MaxGCPauseMillis=20`,
          weirEntry: `node ${relative(process.cwd(), builtCli)} broker --default-partitions ${PARTITIONS} (flush=os)`,
          tools: `org.apache.kafka.tools.ProducerPerformance / ConsumerPerformance ${kafkaVersion}, ${TOOL_HEAP}, client defaults (batch.size 16384, linger.ms 5, compression none)`,
          recordBytes: RECORD_BYTES,
          recordsPerRun: RECORDS,
          warmupRecords: WARMUP_RECORDS,
          partitions: PARTITIONS,
          roundsPerBroker: ROUNDS,
          order: "weir, kafka alternating, fresh broker and data dir per round",
          seconds: Math.round(secondsSince(t0)),
        },
        summary,
        rounds,
      },
      { loadAtStart, dataDir: root },
    );
    console.log(`wrote ${out}`);
  } finally {
    killTrackedChildren();
    rmSync(root, { recursive: true, force: true });
    forget(root);
  }
}

// Fails fast (before minutes of work) if the machine cannot be described.
machineInfo();
await main();
