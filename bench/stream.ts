// `npm run bench:stream`: Weir's Structured Streaming against PySpark's (master local[2]), in the
// same run, on the same topics of one Weir broker in this process.
//
// Throughput (records/s, sustained over many batches): two queries over preloaded topics, each
// run with Trigger.AvailableNow and maxOffsetsPerTrigger = WEIR_BENCH_MAX_OFFSETS (default
// 100 000), so they go through the topic in batches as a stream that fell behind would:
//   wordcount  WEIR_BENCH_LINES lines (default 1 000 000; 4-12 words each from a Zipf-distributed
//              10 000-word vocabulary) -> explode(split(value, " ")) -> groupBy(word).count(),
//              update mode, every changed count to a Kafka topic (the Kafka sink)
//   windows    WEIR_BENCH_EVENTS JSON events (default 1 000 000; {"sensor","ts","reading"},
//              100 sensors, 2 ms of event time apart) -> from_json -> withWatermark(ts, 10 s)
//              -> groupBy(window(ts, 10 s), sensor).agg(count(*), avg(reading)), append mode
//              into Parquet files
// records/s = input records / wall time from start() to the end of the last batch. Weir runs
// embedded in this process over the broker's log (Weir.embedded({ log: broker })); Spark reads
// and writes the broker over the wire (spark-sql-kafka), its JVM start and SparkSession left out.
//
// Latency (produce -> visible in the sink): a producer in this process writes WEIR_BENCH_RATE
// lines/s (default 10 000) for WEIR_BENCH_WARMUP_SECONDS (10, not measured) plus
// WEIR_BENCH_LATENCY_SECONDS (40) into a fresh 2-partition topic, each produce stamped with its
// time; the streaming word count (update mode, Kafka sink, default trigger: the next batch as
// soon as the previous one ends) runs in a process of its own for each system -- Weir through
// Weir.connect (bench/lib/stream-latency-child.ts), Spark through spark-submit -- both reading
// the broker over the wire. A record is visible once the batch holding it has ended (the sink's
// write acknowledged; Spark has then also written its commit log, Weir has made the batch's state
// durable and writes commits/N while its next batch runs): latency = trigger start +
// triggerExecution of that batch (from the query's progress) - the record's produce time.
// p50/p99/max over the measured records.
//
// Checks: both systems' word counts (the largest count per word in each output topic) equal the
// generator's; both Parquet outputs hold the same windows. Goals (Weir issue 7): throughput >= 3x
// Spark's, p99 latency <= 1/10 of Spark's.
//
// Environment: WEIR_BENCH_LINES, WEIR_BENCH_EVENTS, WEIR_BENCH_PARTITIONS (4),
// WEIR_BENCH_MAX_OFFSETS, WEIR_BENCH_RATE, WEIR_BENCH_LATENCY_SECONDS, WEIR_BENCH_WARMUP_SECONDS;
// WEIR_BENCH_SYSTEMS ("weir,spark"), WEIR_BENCH_PHASES ("throughput,latency");
// WEIR_BENCH_PROFILE=1 runs Weir's throughput queries and its latency child under V8's profiler
// (summaries printed, the throughput ones also in the JSON; the figures are then lower and marked).
// Writes bench/results/stream.json.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { runSpark } from "../scripts/harness/spark.js";
import { sparkVersion } from "../scripts/harness/versions.js";
import { Broker, Weir, avg, col, count, explode, from_json, max, split, window, type StreamingQuery, type StreamingQueryProgress } from "../src/index.js";
import { buildBatch, type RecordInput } from "../src/protocol/records/index.js";
import { mulberry32 } from "../src/util/random.js";
import { formatProfileSummary } from "./lib/cpuprofile.js";
import { forget, removeOnExit } from "./lib/processes.js";
import { profileRun } from "./lib/profile.js";
import { envNumber, loadAverage, writeResult } from "./lib/results.js";
import { msSince, percentileOfSorted } from "./lib/stats.js";
import { fmt, markdownTable, printTable, type Table } from "./lib/table.js";

const LINES = envNumber("WEIR_BENCH_LINES", 1_000_000);
const EVENTS = envNumber("WEIR_BENCH_EVENTS", 1_000_000);
const PARTITIONS = envNumber("WEIR_BENCH_PARTITIONS", 4);
const MAX_OFFSETS = envNumber("WEIR_BENCH_MAX_OFFSETS", 100_000);
const RATE = envNumber("WEIR_BENCH_RATE", 10_000);
const LATENCY_SECONDS = envNumber("WEIR_BENCH_LATENCY_SECONDS", 40);
const WARMUP_SECONDS = envNumber("WEIR_BENCH_WARMUP_SECONDS", 10);
const SYSTEMS = new Set((process.env.WEIR_BENCH_SYSTEMS ?? "weir,spark").split(",").map((s) => s.trim()));
for (const s of SYSTEMS) if (!["weir", "spark"].includes(s)) throw new Error(`WEIR_BENCH_SYSTEMS: unknown system ${JSON.stringify(s)}`);
const PHASES = new Set((process.env.WEIR_BENCH_PHASES ?? "throughput,latency").split(",").map((s) => s.trim()));
for (const s of PHASES) if (!["throughput", "latency"].includes(s)) throw new Error(`WEIR_BENCH_PHASES: unknown phase ${JSON.stringify(s)}`);
const PROFILE = process.env.WEIR_BENCH_PROFILE === "1";

const LINES_TOPIC = "bench-lines";
const EVENTS_TOPIC = "bench-events";
const EVENT_SCHEMA = "sensor STRING, ts TIMESTAMP, reading DOUBLE";
/** 2024-01-01T00:00:00Z: the event time of event 0. */
const T0 = Date.UTC(2024, 0, 1);
const SENSORS = 100;
const VOCABULARY_SIZE = 10_000;
const LATENCY_PARTITIONS = 2;
/** How often the latency producer wakes up to write what is due. */
const PRODUCER_TICK_MS = 5;
const SPARK_DRIVER_MEMORY = "2g";

const here = dirname(fileURLToPath(import.meta.url));
const sparkScript = join(here, "..", "test", "harness", "spark", "streaming_bench.py");
const latencyChild = join(here, "lib", "stream-latency-child.ts");

// ---- data

/** A deterministic vocabulary of pronounceable words. */
function vocabulary(): string[] {
  const syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "we", "zu", "bra", "ches", "dor", "fin", "gal", "hum"];
  const words: string[] = [];
  for (let i = 0; words.length < VOCABULARY_SIZE; i++) {
    let n = i;
    let w = "";
    do {
      w += syllables[n % syllables.length];
      n = Math.floor(n / syllables.length);
    } while (n > 0);
    words.push(w);
  }
  return words;
}

/** Lines of 4-12 words; word ranks follow Zipf's law (s = 1), as words of real text do. */
function lineGenerator(seed: number): () => string {
  const words = vocabulary();
  // Cumulative 1/r weights for a binary search.
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let r = 0; r < words.length; r++) cumulative[r] = total += 1 / (r + 1);
  const rand = mulberry32(seed);
  const pick = (): string => {
    const x = rand() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo];
  };
  return () => {
    const n = 4 + Math.floor(rand() * 9);
    const out: string[] = [];
    for (let j = 0; j < n; j++) out.push(pick());
    return out.join(" ");
  };
}

/** Event i: in event-time order (2 ms apart), readings in halves so that sums are exact in any order. */
function eventJson(i: number, rand: () => number): string {
  const sensor = `sensor-${String(Math.floor(rand() * SENSORS)).padStart(3, "0")}`;
  return `{"sensor":"${sensor}","ts":"${new Date(T0 + i * 2).toISOString()}","reading":${Math.round(rand() * 80) / 2}}`;
}

interface Dataset {
  /** word -> count over the lines topic, the reference for both systems' word counts. */
  wordCounts: Map<string, number>;
  lineBytes: number;
  eventBytes: number;
  loadSeconds: number;
}

/** Writes the lines and events topics (record i to partition i % PARTITIONS, in batches of 5 000 per partition). */
async function load(weir: Weir): Promise<Dataset> {
  const t0 = process.hrtime.bigint();
  const client = weir.logClient();
  const wordCounts = new Map<string, number>();
  const write = async (topic: string, n: number, value: (i: number) => string): Promise<number> => {
    await client.createTopic(topic, PARTITIONS, { "retention.ms": "-1", "retention.bytes": "-1" });
    const pending: RecordInput[][] = Array.from({ length: PARTITIONS }, () => []);
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const v = Buffer.from(value(i));
      bytes += v.length;
      const p = i % PARTITIONS;
      pending[p].push({ key: null, value: v, timestamp: T0 + i });
      if (pending[p].length === 5_000) {
        await client.produce(topic, p, buildBatch(pending[p]));
        pending[p] = [];
      }
    }
    for (let p = 0; p < PARTITIONS; p++) if (pending[p].length > 0) await client.produce(topic, p, buildBatch(pending[p]));
    return bytes;
  };
  const nextLine = lineGenerator(7);
  const lineBytes = await write(LINES_TOPIC, LINES, () => {
    const l = nextLine();
    for (const w of l.split(" ")) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
    return l;
  });
  const rand = mulberry32(11);
  const eventBytes = await write(EVENTS_TOPIC, EVENTS, (i) => eventJson(i, rand));
  return { wordCounts, lineBytes, eventBytes, loadSeconds: msSince(t0) / 1000 };
}

// ---- throughput

/** One timed throughput query. */
interface QueryRun {
  query: "wordcount" | "windows";
  ms: number;
  /** CPU time of the process(es) running the query meanwhile, ms (null when unknown). */
  cpuMs: number | null;
  rows: number;
  batches: number;
  outputRows: number;
  profiled?: boolean;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Sums what the progress of a finished query reports. */
function totals(progress: readonly StreamingQueryProgress[]): { rows: number; batches: number; outputRows: number } {
  return {
    rows: progress.reduce((a, p) => a + p.numInputRows, 0),
    batches: progress.length,
    outputRows: progress.reduce((a, p) => a + Math.max(0, p.sink.numOutputRows), 0),
  };
}

async function weirThroughput(weir: Weir, workdir: string, profiles: Record<string, unknown>): Promise<QueryRun[]> {
  const stream = async (topic: string) =>
    weir.readStream.format("kafka").option("subscribe", topic).option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", MAX_OFFSETS).load();
  const queries: [QueryRun["query"], () => Promise<StreamingQuery>][] = [
    [
      "wordcount",
      async () =>
        (await stream(LINES_TOPIC))
          .select(explode(split(col("value").cast("string"), " ")).alias("word"))
          .groupBy("word")
          .count()
          .select(col("word").alias("key"), col("count").cast("string").alias("value"))
          .writeStream.format("kafka")
          .option("topic", "bench-wordcount-weir")
          .outputMode("update")
          .option("checkpointLocation", join(workdir, "weir", "cp-wordcount"))
          .trigger({ availableNow: true })
          .start(),
    ],
    [
      "windows",
      async () =>
        (await stream(EVENTS_TOPIC))
          .select(from_json(col("value").cast("string"), EVENT_SCHEMA).alias("e"))
          .select("e.*")
          .withWatermark("ts", "10 seconds")
          .groupBy(window(col("ts"), "10 seconds"), col("sensor"))
          .agg(count("*").alias("n"), avg("reading").alias("avg_reading"))
          .select(col("window.start").alias("window_start"), col("window.end").alias("window_end"), col("sensor"), col("n"), col("avg_reading"))
          .writeStream.format("parquet")
          .outputMode("append")
          .option("checkpointLocation", join(workdir, "weir", "cp-windows"))
          .trigger({ availableNow: true })
          .start(join(workdir, "weir", "windows")),
    ],
  ];
  const runs: QueryRun[] = [];
  for (const [name, start] of queries) {
    const progress: StreamingQueryProgress[] = [];
    const listener = { onQueryProgress: (e: { progress: StreamingQueryProgress }) => void progress.push(e.progress) };
    weir.streams.addListener(listener);
    const run = async (): Promise<void> => {
      const q = await start();
      await q.awaitTermination();
    };
    const c0 = cpuNow();
    const t0 = process.hrtime.bigint();
    if (PROFILE) {
      const p = await profileRun(`stream-${name}`, run);
      console.log(`\nWeir ${name} profile (${fmt(p.ms)} ms under the profiler; ${p.file}):\n${formatProfileSummary(p.summary, 30)}\n`);
      const busy = p.summary.sampledMs - p.summary.idleMs;
      const share = (e: { selfMs: number; totalMs: number; name: string }) => ({ name: e.name, selfPct: +((e.selfMs / busy) * 100).toFixed(1), totalPct: +((e.totalMs / busy) * 100).toFixed(1) });
      profiles[name] = { ms: p.ms, file: p.file, bySelf: p.summary.functions.slice(0, 30).map(share), byInclusive: p.summary.inclusive.slice(0, 30).map(share), byFile: p.summary.files.slice(0, 15).map(share) };
    } else {
      await run();
    }
    const ms = msSince(t0);
    weir.streams.removeListener(listener);
    runs.push({ query: name, ms, cpuMs: cpuNow() - c0, ...totals(progress), ...(PROFILE ? { profiled: true } : {}) });
    console.log(`  weir ${name}: ${fmt(ms)} ms, ${fmt(runs.at(-1)!.rows)} rows in ${runs.at(-1)!.batches} batches`);
  }
  return runs;
}

// ---- latency

/** One produce of the latency producer: `count` records from `baseOffset` of `partition`, produced at `ts`. */
interface Chunk {
  partition: number;
  baseOffset: number;
  count: number;
  ts: number;
  /** Produced during the warm-up, not measured. */
  warm: boolean;
}

/** What an engine reports of one batch of the latency query. */
interface BatchReport {
  batchId: number;
  timestamp: string;
  triggerExecutionMs: number;
  numInputRows: number;
  endOffset: Record<string, Record<string, number>> | null;
}

/**
 * Produces RATE lines/s into `topic` for the warm-up and the measured seconds: every tick, what is
 * due by then, split over the partitions, each produce stamped (CreateTime) with its time.
 */
async function paceProducer(weir: Weir, topic: string): Promise<Chunk[]> {
  const client = weir.logClient();
  const nextLine = lineGenerator(13);
  const chunks: Chunk[] = [];
  const start = Date.now();
  const endMs = (WARMUP_SECONDS + LATENCY_SECONDS) * 1000;
  let produced = 0;
  let p = 0;
  for (;;) {
    const elapsed = Date.now() - start;
    if (elapsed >= endMs) break;
    const due = Math.floor((elapsed / 1000) * RATE) - produced;
    if (due > 0) {
      // Round-robin over the partitions, a tick's records in one batch per partition.
      const per = Array.from({ length: LATENCY_PARTITIONS }, () => [] as RecordInput[]);
      const ts = Date.now();
      for (let i = 0; i < due; i++) per[(p + i) % LATENCY_PARTITIONS].push({ key: null, value: Buffer.from(nextLine()), timestamp: ts });
      p = (p + due) % LATENCY_PARTITIONS;
      for (let k = 0; k < LATENCY_PARTITIONS; k++) {
        if (per[k].length === 0) continue;
        const r = await client.produce(topic, k, buildBatch(per[k]));
        chunks.push({ partition: k, baseOffset: r.baseOffset, count: per[k].length, ts, warm: elapsed < WARMUP_SECONDS * 1000 });
      }
      produced += due;
    }
    await new Promise((r) => setTimeout(r, PRODUCER_TICK_MS));
  }
  return chunks;
}

/** Latency figures of one system. */
interface LatencyFigures {
  measured: number;
  /** Measured records no reported batch covers (should be 0). */
  missing: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  batches: number;
  meanBatchMs: number;
  /** Durations of the batches with data (trigger start to end), ms. */
  batchP50Ms: number;
  batchP99Ms: number;
  batchMaxMs: number;
  /** Records produced per second over the measured part, as the producer achieved it. */
  achievedRate: number;
}

/** Per-record latency: the end of the first batch whose end offset passes the record, minus its produce time. */
function latencyFigures(topic: string, chunks: readonly Chunk[], batches: readonly BatchReport[]): LatencyFigures {
  const sorted = [...batches].filter((b) => b.endOffset !== null).sort((a, b) => a.batchId - b.batchId);
  const ends = sorted.map((b) => ({ at: Date.parse(b.timestamp) + b.triggerExecutionMs, end: b.endOffset![topic] ?? {} }));
  const samples: number[] = [];
  let missing = 0;
  const cursor = new Array<number>(LATENCY_PARTITIONS).fill(0);
  const measured = chunks.filter((c) => !c.warm);
  for (const c of [...chunks].sort((a, b) => a.baseOffset - b.baseOffset)) {
    if (c.warm) continue;
    for (let o = c.baseOffset; o < c.baseOffset + c.count; o++) {
      let i = cursor[c.partition];
      while (i < ends.length && (ends[i].end[String(c.partition)] ?? 0) <= o) i++;
      cursor[c.partition] = i;
      if (i === ends.length) missing++;
      else samples.push(ends[i].at - c.ts);
    }
  }
  samples.sort((a, b) => a - b);
  const first = measured.length === 0 ? 0 : Math.min(...measured.map((c) => c.ts));
  const last = measured.length === 0 ? 0 : Math.max(...measured.map((c) => c.ts));
  const count = measured.reduce((a, c) => a + c.count, 0);
  const withData = sorted.filter((b) => b.numInputRows > 0);
  const durations = withData.map((b) => b.triggerExecutionMs).sort((a, b) => a - b);
  return {
    measured: count,
    missing,
    p50Ms: percentileOfSorted(samples, 50),
    p99Ms: percentileOfSorted(samples, 99),
    maxMs: samples.at(-1) ?? NaN,
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    batches: withData.length,
    meanBatchMs: withData.reduce((a, b) => a + b.triggerExecutionMs, 0) / withData.length,
    batchP50Ms: percentileOfSorted(durations, 50),
    batchP99Ms: percentileOfSorted(durations, 99),
    batchMaxMs: durations.at(-1) ?? NaN,
    achievedRate: last > first ? count / ((last - first) / 1000) : NaN,
  };
}

/** Weir's latency query in a child process (see bench/lib/stream-latency-child.ts). */
async function weirLatency(weir: Weir, bootstrap: string, workdir: string): Promise<LatencyFigures> {
  const topic = "bench-latency-weir";
  await weir.logClient().createTopic(topic, LATENCY_PARTITIONS);
  await weir.logClient().createTopic("bench-latency-out-weir", LATENCY_PARTITIONS);
  const child = spawn(process.execPath, ["--import", "tsx", latencyChild, bootstrap, topic, "bench-latency-out-weir", join(workdir, "weir", "cp-latency")], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const reports: BatchReport[] = [];
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const done = new Promise<void>((resolve) => {
    lines.on("line", (l) => {
      if (l === "ready") ready();
      else if (l === "done") resolve();
      else if (l.startsWith("{")) reports.push(JSON.parse(l) as BatchReport);
    });
  });
  try {
    await Promise.race([readyP, exited.then((c) => Promise.reject(new Error(`the Weir latency child exited ${c} before it was ready`)))]);
    console.log(`  weir: query ready; producing ${fmt(RATE)} lines/s for ${WARMUP_SECONDS} + ${LATENCY_SECONDS} s`);
    const chunks = await paceProducer(weir, topic);
    console.log(`  weir: produced ${chunks.length} chunks; stopping the query`);
    child.stdin.write("stop\n");
    await Promise.race([done, exited.then((c) => Promise.reject(new Error(`the Weir latency child exited ${c} before it reported`)))]);
    const code = await exited;
    if (code !== 0) throw new Error(`the Weir latency child exited ${code}`);
    return latencyFigures(topic, chunks, reports);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

// ---- Spark

interface SparkSide {
  throughput: QueryRun[];
  latency: LatencyFigures | null;
  readyMs: number;
}

/** One spark-submit: the throughput queries, then the latency query while this process produces. */
async function sparkSide(weir: Weir, bootstrap: string, workdir: string): Promise<SparkSide> {
  const dir = join(workdir, "spark");
  mkdirSync(dir, { recursive: true });
  const latencyTopic = "bench-latency-spark";
  if (PHASES.has("latency")) {
    await weir.logClient().createTopic(latencyTopic, LATENCY_PARTITIONS);
    await weir.logClient().createTopic("bench-latency-out-spark", LATENCY_PARTITIONS);
  }
  const cfg = {
    phases: [...PHASES],
    lines: LINES_TOPIC,
    events: EVENTS_TOPIC,
    eventSchema: EVENT_SCHEMA,
    maxOffsetsPerTrigger: MAX_OFFSETS,
    wordCountTopic: "bench-wordcount-spark",
    latencyLines: latencyTopic,
    latencyTopic: "bench-latency-out-spark",
  };
  const run = runSpark(sparkScript, [bootstrap, dir, JSON.stringify(cfg)], {
    driverMemory: SPARK_DRIVER_MEMORY,
    timeoutMs: 60 * 60_000,
    log: (l) => process.stderr.write(`${l}\n`),
  });
  let chunks: Chunk[] = [];
  if (PHASES.has("latency")) {
    // Wait for the script's `ready` file (the latency query runs), or for the script to end.
    let finished = false;
    void run.finally(() => (finished = true));
    while (!existsSync(join(dir, "ready")) && !finished) await new Promise((r) => setTimeout(r, 50));
    if (!finished) {
      console.log(`  spark: query ready; producing ${fmt(RATE)} lines/s for ${WARMUP_SECONDS} + ${LATENCY_SECONDS} s`);
      chunks = await paceProducer(weir, latencyTopic);
      writeFileSync(join(dir, "stop"), "");
    }
  }
  const res = await run;
  const lines = res.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown> & { error?: string; trace?: string });
  const failed = lines.find((l) => l.error !== undefined);
  if (res.code !== 0 || failed !== undefined) throw new Error(`spark-submit failed (exit ${res.code}): ${failed?.error ?? ""}\n${failed?.trace ?? ""}\n${res.stderr.slice(-4000)}`);
  const throughput = lines.filter((l) => l.phase === "throughput") as unknown as QueryRun[];
  for (const t of throughput) console.log(`  spark ${t.query}: ${fmt(t.ms)} ms, ${fmt(t.rows)} rows in ${t.batches} batches`);
  const reports = lines.filter((l) => l.phase === "latency") as unknown as BatchReport[];
  return {
    throughput,
    latency: PHASES.has("latency") ? latencyFigures(latencyTopic, chunks, reports) : null,
    readyMs: (lines.find((l) => l.session !== undefined)?.session as { readyMs: number } | undefined)?.readyMs ?? NaN,
  };
}

// ---- checks

/** The largest count per word in an output topic of the word count. */
async function finalCounts(weir: Weir, topic: string): Promise<Map<string, number>> {
  const rows = await (await weir.read.format("kafka").option("subscribe", topic).load())
    .select(col("key").cast("string").alias("word"), col("value").cast("string").cast("bigint").alias("n"))
    .groupBy("word")
    .agg(max("n").alias("n"))
    .collect();
  return new Map(rows.map((r) => [r.word as string, Number(r.n)]));
}

function countDifference(got: Map<string, number>, expected: Map<string, number>): string | null {
  for (const k of new Set([...got.keys(), ...expected.keys()])) if (got.get(k) !== expected.get(k)) return `word ${k}: ${got.get(k)} instead of ${expected.get(k)}`;
  return null;
}

/** The windows in a Parquet output, as sorted text lines. */
async function windowLines(dir: string): Promise<string[]> {
  const local = Weir.local();
  try {
    const rows = await (await local.read.parquet(dir)).collect();
    return rows.map((r) => `${(r.window_start as Date).toISOString()} ${r.sensor as string} ${Number(r.n)} ${Number(r.avg_reading)}`).sort();
  } finally {
    await local.close();
  }
}

// ---- main

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  console.log(
    `stream bench: ${fmt(LINES)} lines, ${fmt(EVENTS)} events, ${PARTITIONS} partitions, maxOffsetsPerTrigger ${fmt(MAX_OFFSETS)}; latency at ${fmt(RATE)} records/s for ${LATENCY_SECONDS} s (+${WARMUP_SECONDS} s warm-up); ` +
      `systems ${[...SYSTEMS].join(", ")}, phases ${[...PHASES].join(", ")}; load average ${loadAtStart.join(" ")}`,
  );
  const workdir = mkdtempSync(join(tmpdir(), "weir-bench-stream-"));
  removeOnExit(workdir);
  const broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: join(workdir, "log") }, { maintenanceIntervalMs: 0 });
  const bootstrap = `127.0.0.1:${broker.address.port}`;
  const weir = await Weir.embedded({ log: broker });
  // The same number of state partitions as Spark's side (spark.sql.shuffle.partitions=2).
  weir.conf.set("spark.sql.shuffle.partitions", 2);
  const errors: Record<string, string> = {};
  const profiles: Record<string, unknown> = {};
  const result: { weir: { throughput: QueryRun[]; latency: LatencyFigures | null }; spark: SparkSide | null; checks: string[] } = { weir: { throughput: [], latency: null }, spark: null, checks: [] };
  let ds: Dataset | null = null;
  try {
    if (PHASES.has("throughput")) {
      ds = await load(weir);
      console.log(`data: ${fmt(ds.lineBytes / LINES, 1)} bytes per line, ${fmt(ds.eventBytes / EVENTS, 1)} per event, written in ${fmt(ds.loadSeconds, 1)} s`);
      for (const s of ["weir", "spark"]) await weir.logClient().createTopic(`bench-wordcount-${s}`, PARTITIONS);
    }
    // One system at a time, so neither competes with the other for the two cores.
    if (SYSTEMS.has("weir")) {
      console.log("weir:");
      try {
        if (PHASES.has("throughput")) result.weir.throughput = await weirThroughput(weir, workdir, profiles);
        if (PHASES.has("latency")) result.weir.latency = await weirLatency(weir, bootstrap, workdir);
      } catch (e) {
        errors.weir = e instanceof Error ? (e.stack ?? e.message) : String(e);
        console.error(`weir failed: ${errors.weir}`);
      }
    }
    if (SYSTEMS.has("spark")) {
      console.log("spark:");
      try {
        result.spark = await sparkSide(weir, bootstrap, workdir);
      } catch (e) {
        errors.spark = e instanceof Error ? (e.stack ?? e.message) : String(e);
        console.error(`spark failed: ${errors.spark}`);
      }
    }
    // Both systems must have computed the same thing.
    if (ds !== null) {
      for (const s of ["weir", "spark"]) {
        const ran = s === "weir" ? result.weir.throughput.length > 0 : (result.spark?.throughput.length ?? 0) > 0;
        if (!ran) continue;
        const diff = countDifference(await finalCounts(weir, `bench-wordcount-${s}`), ds.wordCounts);
        result.checks.push(diff === null ? `${s} word counts: equal to the generator's (${ds.wordCounts.size} words)` : `${s} word counts DIFFER: ${diff}`);
      }
      if (result.weir.throughput.length > 0 && (result.spark?.throughput.length ?? 0) > 0) {
        const [a, b] = [await windowLines(join(workdir, "weir", "windows")), await windowLines(join(workdir, "spark", "windows"))];
        const same = a.length === b.length && a.every((l, i) => l === b[i]);
        result.checks.push(same ? `windows: the same ${a.length} rows in both Parquet outputs` : `windows DIFFER: Weir ${a.length} rows, Spark ${b.length}; first difference ${a.find((l, i) => l !== b[i]) ?? b[a.length]}`);
      }
    }
  } finally {
    await weir.close();
    await broker.stop();
  }

  // ---- report
  const perSec = (r: QueryRun | undefined): number | null => (r === undefined ? null : r.rows / (r.ms / 1000));
  const cpuPerM = (r: QueryRun | undefined): number | null => (r === undefined || r.cpuMs === null ? null : r.cpuMs / 1000 / (r.rows / 1e6));
  const find = (runs: readonly QueryRun[] | undefined, q: string): QueryRun | undefined => runs?.find((r) => r.query === q);
  const systems: { name: string; setup: string; throughput: readonly QueryRun[]; latency: LatencyFigures | null }[] = [];
  if (SYSTEMS.has("weir")) systems.push({ name: "Weir", setup: "2 shuffle partitions; throughput: embedded in this process; latency: a child process over the wire", ...result.weir });
  if (result.spark !== null) systems.push({ name: `PySpark ${sparkVersion}`, setup: `local[2], driver ${SPARK_DRIVER_MEMORY}, 2 shuffle partitions, spark-sql-kafka over the wire`, throughput: result.spark.throughput, latency: result.spark.latency });
  const table: Table = {
    head: ["system", "word count rec/s", "windows rec/s", "CPU s/1M (wc, win)", "latency p50 ms", "p99 ms", "max ms", "latency batches: p50 / p99 / max", "setup"],
    left: [0, 8],
    rows: systems.map((s) => {
      const wc = find(s.throughput, "wordcount");
      const win = find(s.throughput, "windows");
      const l = s.latency;
      return [
        s.name,
        fmt(perSec(wc)),
        fmt(perSec(win)),
        `${fmt(cpuPerM(wc), 2)}, ${fmt(cpuPerM(win), 2)}`,
        fmt(l?.p50Ms),
        fmt(l?.p99Ms),
        fmt(l?.maxMs),
        l === null ? "" : `${l.batches}: ${fmt(l.batchP50Ms)} / ${fmt(l.batchP99Ms)} / ${fmt(l.batchMaxMs)} ms`,
        s.setup,
      ];
    }),
  };
  console.log("");
  printTable(table);
  const weirSide = systems.find((s) => s.name === "Weir");
  const sparkSideR = systems.find((s) => s.name.startsWith("PySpark"));
  const ratio = (q: string): number | null => {
    const a = perSec(find(weirSide?.throughput, q));
    const b = perSec(find(sparkSideR?.throughput, q));
    return a !== null && b !== null ? a / b : null;
  };
  const goals = {
    wordCountWeirOverSpark: ratio("wordcount"),
    windowsWeirOverSpark: ratio("windows"),
    p99WeirOverSpark: weirSide?.latency && sparkSideR?.latency ? weirSide.latency.p99Ms / sparkSideR.latency.p99Ms : null,
  };
  const show = (x: number | null, d = 2): string => (x === null ? "n/a" : x.toFixed(d));
  console.log(`\nthroughput Weir/Spark: word count ${show(goals.wordCountWeirOverSpark)}, windows ${show(goals.windowsWeirOverSpark)} (goal >= 3); latency p99 Weir/Spark ${show(goals.p99WeirOverSpark, 3)} (goal <= 0.1)`);
  for (const s of systems) if (s.latency !== null) console.log(`${s.name} latency: ${fmt(s.latency.measured)} records measured at ${fmt(s.latency.achievedRate)} records/s, ${s.latency.missing} not covered by a batch, mean ${fmt(s.latency.meanMs)} ms`);
  for (const c of result.checks) console.log(c);
  if (PROFILE) console.log("(Weir's throughput ran under the profiler: its figures are lower than without it)");
  console.log(`\n${markdownTable(table)}`);
  const out = writeResult(
    "stream",
    {
      lines: LINES,
      events: EVENTS,
      partitions: PARTITIONS,
      maxOffsetsPerTrigger: MAX_OFFSETS,
      latency: { rate: RATE, seconds: LATENCY_SECONDS, warmupSeconds: WARMUP_SECONDS, partitions: LATENCY_PARTITIONS },
      dataset: ds === null ? null : { lineBytes: ds.lineBytes, eventBytes: ds.eventBytes, loadSeconds: ds.loadSeconds, distinctWords: ds.wordCounts.size },
      systems: systems.map((s) => ({
        ...s,
        throughput: s.throughput.map((r) => ({ ...r, recordsPerSecond: perSec(r), cpuSecondsPerMillion: cpuPerM(r) })),
      })),
      sparkSessionReadyMs: result.spark?.readyMs ?? null,
      goals: { ...goals, throughputGoal: 3, p99Goal: 0.1 },
      checks: result.checks,
      errors,
      profiled: PROFILE,
      profiles,
      table: markdownTable(table),
    },
    { loadAtStart, dataDir: workdir },
  );
  console.log(`\nwrote ${out}`);
  rmSync(workdir, { recursive: true, force: true });
  forget(workdir);
  if (Object.keys(errors).length > 0 || result.checks.some((c) => c.includes("DIFFER"))) process.exitCode = 1;
}

await main();
