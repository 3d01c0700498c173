// `npm run bench:engine`: a batch group-by count over JSON events read from a topic, on Weir's
// engine, DuckDB and PySpark, in the same run.
//
// The data: WEIR_BENCH_EVENTS events (default 10 000 000) such as
//   {"customer":"customer-0042117","product":"product-01234","category":"category-17","ts":1700000000123}
// (about 100 bytes; 50 categories, skewed so that the counts differ), keyed by customer, with
// CreateTime timestamps, in topic `events` of WEIR_BENCH_PARTITIONS partitions (default 8),
// written with the embedded LogClient in batches of 5 000 records (not through the engine); the
// same lines, in the same order, in an NDJSON file for DuckDB.
//
// The query, as each system's users would write it:
//   Weir    weir.read.format("kafka").option("subscribe", "events").load()
//             .select(from_json(col("value").cast("string"), schema).alias("e"))
//             .groupBy("e.category").count().collect()                 (Weir.embedded, in this process)
//           twice: with the session's default parallelism (worker threads, one per available
//           core: "weir") and on the calling thread only (parallelism 0: "weir1")
//   DuckDB  SELECT category, count(*) FROM read_json('events.json', format='newline_delimited',
//             columns={...}) GROUP BY 1                                  (@duckdb/node-api, default threads)
//   Spark   the same DataFrame query in PySpark 4.0, master local[2], Kafka source reading the
//           topic from a Weir broker (in this process, over the same data dir), through the
//           harness's runSpark (docs/harness.md); test/harness/spark/engine_reads.py runs it.
// Each system runs the query WEIR_BENCH_ROUNDS times (default 3) in one process/session; the
// first round is cold (JIT, Spark's code generation, Weir's worker start), the table shows the
// median of all rounds and the best. The rounds of the systems in this process (DuckDB, both
// Weirs) interleave — round 1 of each, then round 2 of each — so that a busy minute on a shared
// machine weighs on all of them alike; Spark runs after them. For Spark, the JVM's start and the SparkSession are timed apart and left out of
// the query figures. All three must give the same counts (and those of the generator).
//
// Environment: WEIR_BENCH_EVENTS, WEIR_BENCH_PARTITIONS, WEIR_BENCH_ROUNDS;
// WEIR_BENCH_SYSTEMS (comma-separated subset of "weir,weir1,duckdb,spark");
// WEIR_BENCH_WORKERS (Weir's parallelism for "weir"; default the session's, os.availableParallelism());
// WEIR_BENCH_SIZES=8000,20000,... measures instead where the worker threads start to pay: for
// each size, the query over the first size/partitions records of each partition, with warm
// workers and on the calling thread alternately (WEIR_BENCH_ROUNDS each), medians printed;
// WEIR_BENCH_PROFILE=1 profiles one more round of each Weir system (V8 CPU profile of the main
// thread only, summarised on stdout and in the JSON, the .cpuprofile kept in a temp dir whose path
// is printed);
// WEIR_BENCH_DIR (where the topic and the NDJSON file go; default a temp dir) and
// WEIR_BENCH_KEEP_DATA=1 (keep them, and reuse them on the next run with the same settings).
// Writes bench/results/engine.json.
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { findSourceMap } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { sparkVersion } from "../scripts/harness/versions.js";
import { runSpark } from "../scripts/harness/spark.js";
import { Broker } from "../src/broker/broker.js";
import { EmbeddedLogClient } from "../src/client/embedded.js";
import { buildBatch, type RecordInput } from "../src/protocol/records/index.js";
import { mulberry32 } from "../src/util/random.js";
import { formatProfileSummary, summarizeCpuProfile } from "./lib/cpuprofile.js";
import { forget, removeOnExit } from "./lib/processes.js";
import { envNumber, loadAverage, writeResult } from "./lib/results.js";
import { median, msSince } from "./lib/stats.js";
import { fmt, markdownTable, printTable, type Table } from "./lib/table.js";

const EVENTS = envNumber("WEIR_BENCH_EVENTS", 10_000_000);
const PARTITIONS = envNumber("WEIR_BENCH_PARTITIONS", 8);
const ROUNDS = envNumber("WEIR_BENCH_ROUNDS", 3);
const SYSTEMS = new Set((process.env.WEIR_BENCH_SYSTEMS ?? "weir,weir1,duckdb,spark").split(",").map((s) => s.trim()));
for (const s of SYSTEMS) if (!["weir", "weir1", "duckdb", "spark"].includes(s)) throw new Error(`WEIR_BENCH_SYSTEMS: unknown system ${JSON.stringify(s)}`);
const WORKERS = process.env.WEIR_BENCH_WORKERS === undefined ? undefined : envNumber("WEIR_BENCH_WORKERS", 0);
const PROFILE = process.env.WEIR_BENCH_PROFILE === "1";
const KEEP = process.env.WEIR_BENCH_KEEP_DATA === "1";

const TOPIC = "events";
const CATEGORIES = 50;
const BATCH_RECORDS = 5_000;
/** 2023-11-14T22:13:20Z; event i has ts T0 + i. */
const T0 = 1_700_000_000_000;
const SCHEMA_DDL = "customer STRING, product STRING, category STRING, ts BIGINT";
/** Bumped when the generator changes, so kept data of an older generator is not reused. */
const GENERATOR_VERSION = 1;
const SPARK_DRIVER_MEMORY = "2g";

const here = dirname(fileURLToPath(import.meta.url));
const engineReadsPy = join(here, "..", "test", "harness", "spark", "engine_reads.py");

/** Category counts, by category. */
type Counts = Map<string, number>;

interface Dataset {
  dir: string;
  logDir: string;
  ndjson: string;
  /** Counts by construction, the reference for every system. */
  expected: Counts;
  valueBytes: number;
  logBytes: number;
  loadSeconds: number | null;
  reused: boolean;
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** Writes the topic (through the embedded LogClient) and the NDJSON file; reuses kept data of the same settings. */
async function prepare(): Promise<Dataset> {
  const dir = process.env.WEIR_BENCH_DIR ?? join(tmpdir(), `weir-bench-engine-${EVENTS}x${PARTITIONS}`);
  const logDir = join(dir, "log");
  const ndjson = join(dir, "events.json");
  const stampFile = join(dir, "complete.json");
  const stamp = { generator: GENERATOR_VERSION, events: EVENTS, partitions: PARTITIONS };
  if (!KEEP) removeOnExit(dir);
  if (existsSync(stampFile)) {
    const s = JSON.parse(readFileSync(stampFile, "utf8")) as typeof stamp & { expected: [string, number][]; valueBytes: number };
    if (s.generator === stamp.generator && s.events === stamp.events && s.partitions === stamp.partitions) {
      console.log(`reusing the data in ${dir}`);
      return { dir, logDir, ndjson, expected: new Map(s.expected), valueBytes: s.valueBytes, logBytes: dirBytes(logDir), loadSeconds: null, reused: true };
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = process.hrtime.bigint();
  const client = await EmbeddedLogClient.open({ dataDir: logDir });
  const fd = openSync(ndjson, "w");
  const expected: Counts = new Map();
  let valueBytes = 0;
  try {
    await client.createTopic(TOPIC, PARTITIONS, { "retention.ms": "-1", "retention.bytes": "-1" });
    const rand = mulberry32(42);
    const pending: RecordInput[][] = Array.from({ length: PARTITIONS }, () => []);
    let text: string[] = [];
    let textBytes = 0;
    for (let i = 0; i < EVENTS; i++) {
      const customer = `customer-${pad(Math.floor(rand() * 1_000_000), 7)}`;
      const product = `product-${pad(Math.floor(rand() * 100_000), 5)}`;
      // Skewed: low categories are much more frequent than high ones.
      const category = `category-${pad(Math.floor(CATEGORIES * rand() ** 2), 2)}`;
      const line = `{"customer":"${customer}","product":"${product}","category":"${category}","ts":${T0 + i}}`;
      expected.set(category, (expected.get(category) ?? 0) + 1);
      const value = Buffer.from(line);
      valueBytes += value.length;
      text.push(line);
      textBytes += value.length + 1;
      if (textBytes >= 4 << 20) {
        writeSync(fd, text.join("\n") + "\n");
        text = [];
        textBytes = 0;
      }
      const p = i % PARTITIONS;
      const batch = pending[p];
      batch.push({ key: Buffer.from(customer), value, timestamp: T0 + i });
      if (batch.length === BATCH_RECORDS) {
        await client.produce(TOPIC, p, buildBatch(batch));
        pending[p] = [];
      }
      if ((i + 1) % 1_000_000 === 0) process.stderr.write(`  loaded ${fmt(i + 1)} events\n`);
    }
    for (let p = 0; p < PARTITIONS; p++) if (pending[p].length > 0) await client.produce(TOPIC, p, buildBatch(pending[p]));
    if (text.length > 0) writeSync(fd, text.join("\n") + "\n");
  } finally {
    closeSync(fd);
    await client.close();
  }
  const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  writeFileSync(stampFile, JSON.stringify({ ...stamp, expected: [...expected], valueBytes }));
  return { dir, logDir, ndjson, expected, valueBytes, logBytes: dirBytes(logDir), loadSeconds, reused: false };
}

/** Bytes of the files below `dir`. */
function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

/** One timed round. */
interface Round {
  ms: number;
  /** CPU time of this process during the round (all its threads), ms. */
  cpuMs?: number;
}

interface SystemResult {
  system: string;
  /** What the system ran with (threads, memory). */
  setup: string;
  /** Opening the data / starting the runtime, outside the rounds, ms. */
  startMs: number;
  rounds: Round[];
  counts: Counts;
  extra?: Record<string, unknown>;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The topic's log, opened once for the Weir sessions (a log is never opened twice). */
interface SharedLog {
  client(): Promise<EmbeddedLogClient>;
  /** How long opening it took, ms (0 until opened). */
  openMs: number;
  close(): Promise<void>;
}

function sharedLog(ds: Dataset): SharedLog {
  let opened: Promise<EmbeddedLogClient> | null = null;
  const log: SharedLog = {
    openMs: 0,
    client() {
      opened ??= (async () => {
        const t0 = process.hrtime.bigint();
        const c = await EmbeddedLogClient.open({ dataDir: ds.logDir });
        log.openMs = msSince(t0);
        return c;
      })();
      return opened;
    },
    async close() {
      if (opened !== null) await (await opened).close();
    },
  };
  return log;
}

/** A system that runs in this process, opened once and then timed round by round. */
interface InProcess {
  system: string;
  setup: string;
  /** Opening the data / starting the runtime, ms. */
  startMs: number;
  /** Runs the query once; the counts it gave. */
  query(): Promise<Counts>;
  /** What to record beside the rounds (after them). */
  extra(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Weir's engine, embedded in this process, over the topic's data dir: with `parallelism` worker
 * threads (undefined: the session's default), or 0 for the calling thread only.
 */
async function openWeir(log: SharedLog, parallelism: number | undefined): Promise<InProcess> {
  const { Weir, col, from_json } = await import("../src/index.js");
  const { availableParallelism } = await import("node:os");
  const workers = parallelism ?? availableParallelism();
  const t0 = process.hrtime.bigint();
  const weir = await Weir.embedded({ log: (await log.client()).log, ...(parallelism === undefined ? {} : { parallelism }) });
  // Opening the log (once, shared by both Weir sessions) and the session.
  const startMs = log.openMs + msSince(t0);
  const frame = async () =>
    (await weir.read.format("kafka").option("subscribe", TOPIC).load())
      .select(from_json(col("value").cast("string"), SCHEMA_DDL).alias("e"))
      .groupBy("e.category")
      .count();
  return {
    system: workers === 0 ? "Weir (embedded, 1 thread)" : `Weir (embedded, ${workers} worker${workers === 1 ? "" : "s"})`,
    // The first round of the parallel path starts the workers (not timed apart: a user's first query pays it).
    setup: workers === 0 ? "1 Node process, in-process log, parallelism 0" : `1 Node process, in-process log, parallelism ${workers} (worker threads)`,
    startMs,
    async query() {
      const rows = await (await frame()).collect();
      return new Map(rows.map((row) => [row.category as string, Number(row.count)]));
    },
    async extra() {
      const profile = PROFILE ? await profileWeir(async () => (await frame()).collect()) : undefined;
      return { workers, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20), profile };
    },
    close: () => weir.close(),
  };
}

/** One more Weir round under the V8 profiler; prints the summary and keeps the .cpuprofile. */
async function profileWeir(run: () => Promise<unknown>): Promise<unknown> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  const t = process.hrtime.bigint();
  await run();
  const ms = msSince(t);
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  mapToSources(profile);
  const file = join(mkdtempSync(join(tmpdir(), "weir-bench-engine-prof-")), "weir.cpuprofile");
  writeFileSync(file, JSON.stringify(profile));
  const summary = summarizeCpuProfile(file);
  console.log(`\nWeir profile (one round, ${fmt(ms)} ms under the profiler; ${file}):\n${formatProfileSummary(summary, 30)}\n`);
  const busy = summary.sampledMs - summary.idleMs;
  const share = (e: { selfMs: number; totalMs: number; name: string }) => ({ name: e.name, selfPct: +((e.selfMs / busy) * 100).toFixed(1), totalPct: +((e.totalMs / busy) * 100).toFixed(1) });
  return {
    roundMs: ms,
    sampledMs: summary.sampledMs,
    idleMs: summary.idleMs,
    bySelf: summary.functions.slice(0, 30).map(share),
    byInclusive: summary.inclusive.slice(0, 30).map(share),
    byFile: summary.files.slice(0, 15).map(share),
  };
}

/**
 * tsx hands V8 each TypeScript file compiled to a single line, so the profile's positions say
 * nothing; this rewrites them to the TypeScript lines through the files' source maps.
 */
function mapToSources(profile: { nodes: { callFrame: { url: string; lineNumber: number; columnNumber: number } }[] }): void {
  for (const n of profile.nodes) {
    const f = n.callFrame;
    if (!f.url.startsWith("file://") || f.lineNumber < 0) continue;
    const entry = findSourceMap(f.url)?.findEntry(f.lineNumber, f.columnNumber);
    if (entry === undefined || !("originalLine" in entry)) continue;
    f.lineNumber = entry.originalLine;
    f.columnNumber = entry.originalColumn;
  }
}

/** DuckDB over the NDJSON file, its default settings (threads = cores). */
async function openDuckDb(ds: Dataset): Promise<InProcess> {
  const t0 = process.hrtime.bigint();
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  const startMs = msSince(t0);
  const settings = (await conn.runAndReadAll("SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS mem, version() AS v")).getRowObjects()[0];
  const file = ds.ndjson.replace(/'/g, "''");
  const sql = `SELECT category, count(*) AS count FROM read_json('${file}', format='newline_delimited', columns={customer: 'VARCHAR', product: 'VARCHAR', category: 'VARCHAR', ts: 'BIGINT'}) GROUP BY 1`;
  return {
    system: `DuckDB ${String(settings.v)}`,
    setup: `threads=${String(settings.threads)}, memory_limit=${String(settings.mem)}`,
    startMs,
    async query() {
      const rows = (await conn.runAndReadAll(sql)).getRowObjects();
      return new Map(rows.map((row) => [String(row.category), Number(row.count)]));
    },
    extra: () => Promise.resolve({ sql, ndjsonBytes: statSync(ds.ndjson).size }),
    close() {
      conn.closeSync();
      instance.closeSync();
      return Promise.resolve();
    },
  };
}

/**
 * The in-process systems' rounds, interleaved (round 1 of each, then round 2 of each...), so
 * that other jobs on the machine weigh on all of them alike rather than on whichever ran during
 * a busy minute. A system that fails is reported and left out of the later rounds.
 */
async function runInterleaved(openers: { name: string; open: () => Promise<InProcess> }[], errors: Record<string, string>): Promise<SystemResult[]> {
  const failed = (name: string, e: unknown): void => {
    errors[name] = e instanceof Error ? (e.stack ?? e.message) : String(e);
    console.error(`${name} failed: ${errors[name]}`);
  };
  const open: { name: string; sys: InProcess; rounds: Round[]; counts: Counts }[] = [];
  for (const o of openers) {
    try {
      open.push({ name: o.name, sys: await o.open(), rounds: [], counts: new Map() });
    } catch (e) {
      failed(o.name, e);
    }
  }
  const results: SystemResult[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const x of open) {
        if (errors[x.name] !== undefined) continue;
        try {
          const c0 = cpuNow();
          const t = process.hrtime.bigint();
          x.counts = await x.sys.query();
          x.rounds.push({ ms: msSince(t), cpuMs: cpuNow() - c0 });
          console.log(`  ${x.sys.system} round ${r + 1}: ${fmt(x.rounds[r].ms)} ms`);
        } catch (e) {
          failed(x.name, e);
        }
      }
    }
    for (const x of open) {
      if (errors[x.name] !== undefined) continue;
      results.push({ system: x.sys.system, setup: x.sys.setup, startMs: x.sys.startMs, rounds: x.rounds, counts: x.counts, extra: await x.sys.extra() });
    }
  } finally {
    for (const x of open) await x.sys.close();
  }
  return results;
}

/** CPU time (user + system) of this process's reaped children, from /proc/self/stat, ms; null off Linux. */
function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** PySpark (local[2]) with the Kafka source, reading the topic from a Weir broker in this process. */
async function runSparkSide(ds: Dataset): Promise<SystemResult> {
  const broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: ds.logDir }, { maintenanceIntervalMs: 0 });
  const bootstrap = `127.0.0.1:${broker.address.port}`;
  const cases = Array.from({ length: ROUNDS }, (_, r) => ({ name: `round-${r + 1}`, kind: "category-counts", options: { subscribe: TOPIC } }));
  const cpu0 = cpuNow();
  const child0 = childrenCpuMs();
  const t0 = process.hrtime.bigint();
  let res;
  try {
    res = await runSparkJob(engineReadsPy, [bootstrap, JSON.stringify(cases)]);
  } finally {
    await broker.stop();
  }
  const wallMs = msSince(t0);
  const child1 = childrenCpuMs();
  const brokerCpuMs = cpuNow() - cpu0;
  if (res.code !== 0) throw new Error(`spark-submit failed (exit ${res.code}):\n${res.stderr.slice(-4000)}`);
  const lines = res.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { session?: { readyMs: number }; case?: string; rows?: [string, number][]; ms?: number; cpuMs?: number | null; error?: string });
  const readyMs = lines.find((l) => l.session !== undefined)?.session?.readyMs ?? NaN;
  const done = lines.filter((l) => l.case !== undefined);
  const failed = done.find((l) => l.error !== undefined);
  if (failed !== undefined) throw new Error(`Spark failed the query: ${failed.error}`);
  if (done.length !== ROUNDS) throw new Error(`Spark printed ${done.length} of ${ROUNDS} rounds:\n${res.stdout}\n${res.stderr.slice(-3000)}`);
  const rounds: Round[] = done.map((l) => ({ ms: l.ms!, ...(typeof l.cpuMs === "number" ? { cpuMs: l.cpuMs } : {}) }));
  rounds.forEach((r, i) => console.log(`  spark round ${i + 1}: ${fmt(r.ms)} ms`));
  const queriesMs = rounds.reduce((a, r) => a + r.ms, 0);
  return {
    system: `PySpark ${sparkVersion}`,
    setup: `local[2], driver memory ${SPARK_DRIVER_MEMORY}, Kafka source from a Weir broker`,
    // spark-submit's wall time less the queries: JVM start, Python, SparkSession, stop.
    startMs: wallMs - queriesMs,
    rounds,
    counts: new Map(done[done.length - 1].rows!.map(([c, n]) => [c, n])),
    extra: {
      spanSubmitToExitMs: wallMs,
      scriptStartToSessionReadyMs: readyMs,
      jobCpuMs: child0 === null || child1 === null ? null : child1 - child0,
      brokerCpuMs,
    },
  };
}

function runSparkJob(script: string, args: string[]) {
  return runSpark(script, args, { driverMemory: SPARK_DRIVER_MEMORY, timeoutMs: 60 * 60_000, log: (l) => process.stderr.write(`${l}\n`) });
}

/** The share of a core the rounds used (CPU time / wall time), %; null without CPU figures. */
function cpuShare(r: SystemResult): number | null {
  if (!r.rounds.every((x) => x.cpuMs !== undefined)) return null;
  return (r.rounds.reduce((a, x) => a + x.cpuMs!, 0) / r.rounds.reduce((a, x) => a + x.ms, 0)) * 100;
}

/** CPU seconds per million rows, median over the rounds; null without CPU figures. */
function cpuPerMillion(r: SystemResult): number | null {
  if (!r.rounds.every((x) => x.cpuMs !== undefined)) return null;
  return median(r.rounds.map((x) => x.cpuMs!)) / 1000 / (EVENTS / 1e6);
}

/** How many times less CPU per row `a` needs than `b`. */
function cpuRatio(a: SystemResult | undefined, b: SystemResult | undefined): number | null {
  const ca = a && cpuPerMillion(a);
  const cb = b && cpuPerMillion(b);
  return ca && cb ? cb / ca : null;
}

const show = (x: number | null): string => (x === null ? "n/a" : x.toFixed(2));

function sameCounts(a: Counts, b: Counts): string | null {
  const keys = new Set([...a.keys(), ...b.keys()]);
  for (const k of keys) if (a.get(k) !== b.get(k)) return `category ${k}: ${a.get(k)} vs ${b.get(k)}`;
  return null;
}

/**
 * WEIR_BENCH_SIZES: the query over the first `size / PARTITIONS` records of each partition, in
 * a parallel session (threshold 0, workers warmed first) and a single-thread one, alternately.
 */
async function thresholds(ds: Dataset, sizes: number[]): Promise<void> {
  const { Weir, col, from_json } = await import("../src/index.js");
  const client = await EmbeddedLogClient.open({ dataDir: ds.logDir });
  const par = await Weir.embedded({ log: client.log, parallelMinRecords: 0, ...(WORKERS === undefined ? {} : { parallelism: WORKERS }) });
  const single = await Weir.embedded({ log: client.log, parallelism: 0 });
  const query = async (w: typeof par, size: number) => {
    const per = Math.ceil(size / PARTITIONS);
    const ending = JSON.stringify({ [TOPIC]: Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [String(p), per])) });
    const df = (await w.read.format("kafka").option("subscribe", TOPIC).option("endingOffsets", ending).load()).select(from_json(col("value").cast("string"), SCHEMA_DDL).alias("e"));
    return df.groupBy("e.category").count().collect();
  };
  const time = async (f: () => Promise<unknown>): Promise<number> => {
    const t = process.hrtime.bigint();
    await f();
    return msSince(t);
  };
  try {
    await query(par, Math.max(...sizes));
    await query(single, Math.max(...sizes));
    const rows: string[][] = [];
    for (const size of sizes) {
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        a.push(await time(() => query(par, size)));
        b.push(await time(() => query(single, size)));
      }
      rows.push([fmt(size), fmt(median(a), 1), fmt(median(b), 1), (median(b) / median(a)).toFixed(2)]);
      console.log(`  ${fmt(size)} records: workers ${fmt(median(a), 1)} ms, calling thread ${fmt(median(b), 1)} ms`);
    }
    const table: Table = { head: ["records", "workers ms (median)", "calling thread ms (median)", "speed-up"], left: [], rows };
    printTable(table);
    console.log(`\n${markdownTable(table)}`);
  } finally {
    await par.close();
    await single.close();
    await client.close();
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  const sizes = process.env.WEIR_BENCH_SIZES;
  if (sizes !== undefined) {
    const ds = await prepare();
    console.log(`where workers pay: ${PARTITIONS} partitions, ${ROUNDS} rounds per size, load average ${loadAtStart.join(" ")}`);
    await thresholds(ds, sizes.split(",").map((x) => Number(x.trim())));
    console.log(`load average at the end ${loadAverage().join(" ")}`);
    return;
  }
  console.log(`engine bench: ${fmt(EVENTS)} events, ${PARTITIONS} partitions, ${ROUNDS} rounds, systems ${[...SYSTEMS].join(", ")}; load average ${loadAtStart.join(" ")}`);
  const ds = await prepare();
  console.log(
    `data: ${fmt(ds.valueBytes / EVENTS, 1)} bytes per value, log ${fmt(ds.logBytes / 2 ** 20)} MiB, NDJSON ${fmt(statSync(ds.ndjson).size / 2 ** 20)} MiB` +
      (ds.loadSeconds === null ? " (reused)" : `, written in ${fmt(ds.loadSeconds, 1)} s`),
  );
  const results: SystemResult[] = [];
  const errors: Record<string, string> = {};
  const attempt = async (name: string, fn: () => Promise<SystemResult>): Promise<void> => {
    if (!SYSTEMS.has(name)) return;
    console.log(`${name}:`);
    try {
      results.push(await fn());
    } catch (e) {
      errors[name] = e instanceof Error ? (e.stack ?? e.message) : String(e);
      console.error(`${name} failed: ${errors[name]}`);
    }
  };
  // One system at a time, so none competes with another for the two cores; the in-process
  // systems' rounds interleave, Spark (another process, all its rounds in one job) follows.
  const log = sharedLog(ds);
  const inProcess = [
    { name: "duckdb", open: () => openDuckDb(ds) },
    { name: "weir", open: () => openWeir(log, WORKERS) },
    { name: "weir1", open: () => openWeir(log, 0) },
  ].filter((o) => SYSTEMS.has(o.name));
  if (inProcess.length > 0) {
    console.log(`${inProcess.map((o) => o.name).join(", ")} (rounds interleaved):`);
    try {
      results.push(...(await runInterleaved(inProcess, errors)));
    } finally {
      await log.close();
    }
  }
  await attempt("spark", () => runSparkSide(ds));

  const mismatches: string[] = [];
  for (const r of results) {
    const diff = sameCounts(r.counts, ds.expected);
    if (diff !== null) mismatches.push(`${r.system}: ${diff}`);
  }
  const perSec = (ms: number): number => EVENTS / (ms / 1000);
  const byName = (prefix: string): SystemResult | undefined => results.find((r) => r.system.startsWith(prefix));
  const medianMs = (r: SystemResult): number => median(r.rounds.map((x) => x.ms));
  const weir = results.find((r) => r.system.startsWith("Weir") && (r.extra?.workers as number) > 0) ?? byName("Weir");
  const weir1 = results.find((r) => r.system.startsWith("Weir") && r.extra?.workers === 0);
  const duck = byName("DuckDB");
  const spark = byName("PySpark");
  const ratio = (a: SystemResult | undefined, b: SystemResult | undefined): number | null => (a && b ? medianMs(b) / medianMs(a) : null);
  const table: Table = {
    head: ["system", "median ms", "best ms", "first ms", "rows/s (median)", "CPU % of a core", "CPU s per 1M rows", "start ms (not in rounds)", "setup"],
    left: [0, 8],
    rows: results.map((r) => {
      const cpu = cpuShare(r);
      const perM = cpuPerMillion(r);
      return [r.system, fmt(medianMs(r)), fmt(Math.min(...r.rounds.map((x) => x.ms))), fmt(r.rounds[0].ms), fmt(perSec(medianMs(r))), fmt(cpu), fmt(perM, 2), fmt(r.startMs), r.setup];
    }),
  };
  console.log("");
  printTable(table);
  const goals = {
    weirOverSpark: ratio(weir, spark),
    weirOverDuckDb: ratio(weir, duck),
    // The same by CPU time per row, which a busy machine distorts less than wall time.
    weirOverSparkCpu: cpuRatio(weir, spark),
    weirOverDuckDbCpu: cpuRatio(weir, duck),
    // The calling thread only, for comparison.
    weirSingleThreadOverDuckDb: ratio(weir1, duck),
    weirParallelOverSingleThread: ratio(weir, weir1),
    duckDbOverWeir: ratio(duck, weir),
  };
  console.log(
    `\nWeir/Spark rows/s: ${show(goals.weirOverSpark)} (goal >= 3; by CPU per row ${show(goals.weirOverSparkCpu)}); Weir/DuckDB: ${show(goals.weirOverDuckDb)} (goal >= 0.3; by CPU per row ${show(goals.weirOverDuckDbCpu)}); DuckDB/Weir: ${show(goals.duckDbOverWeir)}`,
  );
  if (weir1 !== undefined) console.log(`Weir on 1 thread: /DuckDB ${show(goals.weirSingleThreadOverDuckDb)}; parallel/1 thread ${show(goals.weirParallelOverSingleThread)}`);
  console.log(mismatches.length === 0 ? `counts: all ${results.length} systems agree with the generator (${ds.expected.size} categories)` : `COUNTS DIFFER:\n  ${mismatches.join("\n  ")}`);
  if (spark?.extra) console.log(`Spark: submit to exit ${fmt(spark.extra.spanSubmitToExitMs as number)} ms, script start to session ready ${fmt(spark.extra.scriptStartToSessionReadyMs as number)} ms, job CPU ${fmt(spark.extra.jobCpuMs as number)} ms, Weir broker CPU ${fmt(spark.extra.brokerCpuMs as number)} ms`);
  console.log(`\n${markdownTable(table)}`);
  const out = writeResult(
    "engine",
    {
      events: EVENTS,
      partitions: PARTITIONS,
      rounds: ROUNDS,
      avgValueBytes: ds.valueBytes / EVENTS,
      logBytes: ds.logBytes,
      loadSeconds: ds.loadSeconds,
      systems: results.map((r) => ({ ...r, counts: undefined, medianMs: medianMs(r), rowsPerSecond: perSec(medianMs(r)) })),
      goals: { ...goals, weirOverSparkGoal: 3, weirOverDuckDbGoal: 0.3 },
      countsAgree: mismatches.length === 0,
      mismatches,
      errors,
      table: markdownTable(table),
    },
    { loadAtStart, dataDir: ds.dir },
  );
  console.log(`\nwrote ${out}`);
  if (!KEEP) {
    rmSync(ds.dir, { recursive: true, force: true });
    forget(ds.dir);
  }
  if (mismatches.length > 0 || Object.keys(errors).length > 0) process.exitCode = 1;
}

await main();
