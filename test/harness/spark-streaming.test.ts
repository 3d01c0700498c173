/**
 * Weir's Structured Streaming against Spark's: the same streaming queries over the same topics,
 * run by PySpark 4.0 Structured Streaming (spark-sql-kafka reading a Weir broker, and its Kafka
 * sink writing to it) and by Weir (`Weir.connect` to the same broker), each with
 * Trigger.AvailableNow and the same maxOffsetsPerTrigger, so both cut the topics into the same
 * batches (Spark's proportional rate limit; checked) and must give the same results:
 *
 * - word count, complete mode into the memory sink: the final table (and the generator's counts);
 * - word count, update mode into a Kafka topic: the same multiset of (word, count) records;
 * - a tumbling-window count and sum per sensor with a watermark, append mode into Parquet files:
 *   the same windows. The events are out of order by 0 to 45 s against a 30-second delay, so
 *   whether a row is late depends on the batch it falls in and on the exact rule; some are 200 s
 *   late, and two values are not JSON (a null event time). Both answers are checked against a
 *   replay of Spark's rules over the batches ({@link replayWindows}), which also says how many
 *   late rows both must report as dropped (numRowsDroppedByWatermark: one per late group of a
 *   batch, as Spark's state operator counts them).
 *
 * Run with `npm run harness:fetch && node scripts/run-tests.mjs test/harness/spark-streaming.test.ts`
 * (one Spark job; about 2 minutes on 2 busy cores).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Broker } from "../../src/broker/broker.js";
import { Weir, col, count, explode, from_json, split, sum, window, type DataFrame, type StreamingQuery } from "../../src/index.js";
import { buildBatch } from "../../src/protocol/records/index.js";
import { runSpark } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const LINES = "stream-lines";
const EVENTS = "stream-events";
const PARTITIONS = 2;
const MAX_OFFSETS = 40;
const EVENT_SCHEMA = "sensor STRING, ts TIMESTAMP, reading INT";
const WATERMARK = "30 seconds";
const WINDOW = "1 minute";
/** 2024-01-01T00:00:00Z. */
const T0 = Date.UTC(2024, 0, 1);

const VOCABULARY = ["kafka", "spark", "weir", "stream", "batch", "state", "window", "the", "a", "of", "river", "dam", "gate", "flow", "fish", "mill", "über", "naïve"];

/** Line i: 1-6 words; line 17 is empty and every 50th has a double space (so split gives "" words, as Spark's does). */
function line(i: number): string {
  if (i === 17) return "";
  const words = Array.from({ length: 1 + ((i * 7) % 6) }, (_, j) => VOCABULARY[(i * 13 + j * 5 + (i >> 2)) % VOCABULARY.length]);
  return words.join(i % 50 === 3 ? "  " : " ");
}

/**
 * Event i: about one second of event time per event, behind by 0-45 s in a fixed pattern; two in
 * every 37, three apart (the same sensor, mostly the same minute and batch), 200 s late; 2
 * values are not JSON.
 */
function event(i: number): string {
  if (i === 123 || i === 401) return "{not json";
  const behind = [0, 0, 10, 0, 25, 31, 0, 45, 30, 0, 29][i % 11] * 1000;
  const late = i > 60 && (i % 37 === 5 || i % 37 === 8) ? 200_000 : 0;
  return JSON.stringify({ sensor: `s${i % 3}`, ts: new Date(T0 + i * 1000 - behind - late).toISOString(), reading: (i * 7) % 31 });
}

const LINE_COUNT = 400;
const EVENT_COUNT = 600;

interface SparkAnswer {
  query: string;
  rows?: unknown[][];
  batches?: number[];
  dropped?: number;
  error?: string;
  trace?: string;
}

/** The result of {@link replayWindows}. */
interface Replay {
  /** [start ms, end ms, sensor, n, total] of every window emitted, sorted. */
  rows: [number, number, string, number, number][];
  /** Events dropped as late. */
  droppedRows: number;
  /** Late (window, sensor) groups, counted once per batch (Spark counts the rows its state operator sees, after the partial aggregation and the shuffle). */
  droppedGroups: number;
}

/**
 * Replays Spark 4.0's rules for an append-mode windowed aggregation with a watermark over batches
 * ending at `ends` (per partition; event i is at offset i / 2 of partition i % 2). Batch b runs
 * with watermark W(b): the largest event time of the batches before it minus the delay, never
 * going back. A row is late when its window ended at or before W(b − 1), the watermark of the
 * previous batch (Spark's WatermarkPropagator: "We use watermark for previous microbatch to
 * determine late events"; the window's end is the event-time column the aggregate's watermark
 * predicate reads); late rows are dropped. After the batch's rows are in, every window that ended
 * at or before W(b) is emitted and forgotten. Spark counts late rows as its state operator sees
 * them, after aggregation: one per late (window, sensor) group of a batch. Values that are not
 * JSON have no event time and are neither counted nor dropped.
 */
function replayWindows(ends: readonly (readonly number[])[]): Replay {
  const delayMs = 30_000;
  const windowMs = 60_000;
  let watermark = 0;
  let previousWatermark = 0;
  let start = Array.from({ length: PARTITIONS }, () => 0);
  const open = new Map<string, { startMs: number; sensor: string; n: number; total: number }>();
  const rows: Replay["rows"] = [];
  let droppedRows = 0;
  let droppedGroups = 0;
  for (const end of ends) {
    let maxTs = Number.NEGATIVE_INFINITY;
    const lateGroups = new Set<string>();
    for (let p = 0; p < PARTITIONS; p++) {
      for (let o = start[p]; o < end[p]; o++) {
        let e: { sensor: string; ts: string; reading: number };
        try {
          e = JSON.parse(event(o * PARTITIONS + p)) as typeof e;
        } catch {
          continue;
        }
        const ts = Date.parse(e.ts);
        maxTs = Math.max(maxTs, ts);
        const startMs = Math.floor(ts / windowMs) * windowMs;
        const key = `${startMs} ${e.sensor}`;
        if (startMs + windowMs <= previousWatermark) {
          droppedRows++;
          lateGroups.add(key);
          continue;
        }
        const g = open.get(key) ?? { startMs, sensor: e.sensor, n: 0, total: 0 };
        g.n++;
        g.total += e.reading;
        open.set(key, g);
      }
    }
    droppedGroups += lateGroups.size;
    for (const [key, g] of open) {
      if (g.startMs + windowMs <= watermark) {
        rows.push([g.startMs, g.startMs + windowMs, g.sensor, g.n, g.total]);
        open.delete(key);
      }
    }
    previousWatermark = watermark;
    if (maxTs > Number.NEGATIVE_INFINITY) watermark = Math.max(watermark, maxTs - delayMs);
    start = [...end];
  }
  rows.sort((a, b) => a[0] - b[0] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
  return { rows, droppedRows, droppedGroups };
}

/** Input rows of the batches with data, in order. */
const dataBatches = (q: StreamingQuery): number[] => q.recentProgress.map((p) => p.numInputRows).filter((n) => n > 0);
const nonEmpty = (batches: readonly number[] | undefined): number[] => (batches ?? []).filter((n) => n > 0);

async function produce(weir: Weir, topic: string, values: readonly string[]): Promise<void> {
  // Record i to partition i % 2, in batches of 25, so each partition holds several record batches.
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = values.filter((_, i) => i % PARTITIONS === p);
    for (let k = 0; k < mine.length; k += 25) {
      await weir.logClient().produce(topic, p, buildBatch(mine.slice(k, k + 25).map((v) => ({ key: null, value: Buffer.from(v) }))));
    }
  }
}

describe("Weir's Structured Streaming against PySpark's", () => {
  let dir = "";
  let broker: Broker;
  let bootstrap = "";
  let weir: Weir;
  const spark = new Map<string, SparkAnswer>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-spark-streaming-"));
    broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: join(dir, "log") }, { maintenanceIntervalMs: 0 });
    bootstrap = `127.0.0.1:${broker.address.port}`;
    weir = await Weir.connect({ bootstrapServers: bootstrap });
    const client = weir.logClient();
    await client.createTopic(LINES, PARTITIONS);
    await client.createTopic(EVENTS, PARTITIONS);
    await client.createTopic("wc-updates-spark", 2);
    await client.createTopic("wc-updates-weir", 2);
    await produce(weir, LINES, Array.from({ length: LINE_COUNT }, (_, i) => line(i)));
    await produce(weir, EVENTS, Array.from({ length: EVENT_COUNT }, (_, i) => event(i)));
    const cfg = { lines: LINES, events: EVENTS, eventSchema: EVENT_SCHEMA, maxOffsetsPerTrigger: MAX_OFFSETS, updatesTopic: "wc-updates-spark", watermark: WATERMARK, window: WINDOW };
    const res = await runSpark(join(here, "spark", "streaming_queries.py"), [bootstrap, join(dir, "spark"), JSON.stringify(cfg)], { timeoutMs: 10 * 60_000 });
    for (const l of res.stdout.split("\n").filter((x) => x.startsWith("{"))) {
      const a = JSON.parse(l) as SparkAnswer;
      spark.set(a.query, a);
    }
    if (res.code !== 0 || spark.size !== 3) throw new Error(`spark-submit exited ${res.code} with ${spark.size} of 3 answers:\n${res.stdout}\n${res.stderr.slice(-4000)}`);
  });

  after(async () => {
    await weir?.close();
    await broker?.stop();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  /** Spark's answer to `query`, failing the test with Spark's error when it had one. */
  const answer = (query: string): SparkAnswer => {
    const a = spark.get(query);
    assert.ok(a !== undefined, `no answer from Spark for ${query}`);
    assert.equal(a.error, undefined, `Spark failed ${query}: ${a.error}\n${a.trace ?? ""}`);
    return a;
  };

  const wordCounts = async (): Promise<DataFrame> =>
    (await weir.readStream.format("kafka").option("subscribe", LINES).option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", MAX_OFFSETS).load())
      .select(explode(split(col("value").cast("string"), " ")).alias("word"))
      .groupBy("word")
      .count();

  /** Word counts of the generator's lines, split on single spaces as Spark's split(value, " ") does. */
  const expectedCounts = (): [string, number][] => {
    const m = new Map<string, number>();
    for (let i = 0; i < LINE_COUNT; i++) for (const w of line(i).split(" ")) m.set(w, (m.get(w) ?? 0) + 1);
    return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  };

  it("word count, complete mode into memory: the same final table", async () => {
    const s = answer("wordcount-complete");
    assert.deepEqual(s.rows, expectedCounts(), "Spark's counts differ from the generator's");
    const q = await (await wordCounts())
      .writeStream.format("memory")
      .queryName("word_counts")
      .outputMode("complete")
      .option("checkpointLocation", join(dir, "weir", "cp-wordcount-complete"))
      .trigger({ availableNow: true })
      .start();
    await q.awaitTermination();
    const rows = (await weir.table("word_counts").collect()).map((r) => [r.word as string, Number(r.count)] as [string, number]);
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    assert.deepEqual(rows, s.rows);
    assert.deepEqual(dataBatches(q), nonEmpty(s.batches), "the batches hold different numbers of rows");
  });

  it("word count, update mode into Kafka: the same (word, count) records", async () => {
    const s = answer("wordcount-update");
    const q = await (await wordCounts())
      .select(col("word").alias("key"), col("count").cast("string").alias("value"))
      .writeStream.format("kafka")
      .option("topic", "wc-updates-weir")
      .outputMode("update")
      .option("checkpointLocation", join(dir, "weir", "cp-wordcount-update"))
      .trigger({ availableNow: true })
      .start();
    await q.awaitTermination();
    assert.deepEqual(dataBatches(q), nonEmpty(s.batches), "the batches hold different numbers of rows");
    const records = async (topic: string): Promise<string[]> =>
      (await (await weir.read.format("kafka").option("subscribe", topic).load()).select(col("key").cast("string").alias("k"), col("value").cast("string").alias("v")).collect())
        .map((r) => `${r.k as string}=${r.v as string}`)
        .sort();
    const fromSpark = await records("wc-updates-spark");
    assert.ok(fromSpark.length > expectedCounts().length, `Spark wrote only ${fromSpark.length} updates`);
    assert.deepEqual(await records("wc-updates-weir"), fromSpark);
  });

  it("windowed count and sum with a watermark, append mode into Parquet: the same windows and the same late rows dropped", async () => {
    const s = answer("windows");
    const events = (await weir.readStream.format("kafka").option("subscribe", EVENTS).option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", MAX_OFFSETS).load())
      .select(from_json(col("value").cast("string"), EVENT_SCHEMA).alias("e"))
      .select("e.*")
      .withWatermark("ts", WATERMARK)
      .groupBy(window(col("ts"), WINDOW), col("sensor"))
      .agg(count("*").alias("n"), sum("reading").alias("total"));
    const out = join(dir, "weir", "windows");
    const q = await events
      .select(col("window.start").alias("window_start"), col("window.end").alias("window_end"), col("sensor"), col("n"), col("total"))
      .writeStream.format("parquet")
      .outputMode("append")
      .option("checkpointLocation", join(dir, "weir", "cp-windows"))
      .trigger({ availableNow: true })
      .start(out);
    await q.awaitTermination();
    const rows = (await (await weir.read.parquet(out)).collect())
      .map((r) => [(r.window_start as Date).getTime(), (r.window_end as Date).getTime(), r.sensor as string, Number(r.n), Number(r.total)])
      .sort((a, b) => (a[0] as number) - (b[0] as number) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
    const dropped = q.recentProgress.reduce((a, p) => a + p.stateOperators.reduce((b, o) => b + o.numRowsDroppedByWatermark, 0), 0);

    // Both against a replay of the rules over the batches Weir ran (Spark's held the same rows):
    // which events were late, which windows were closed, when.
    const ends = q.recentProgress.map((p) => {
      const offsets = (p.sources[0].endOffset as Record<string, Record<string, number>>)[EVENTS];
      return Array.from({ length: PARTITIONS }, (_, k) => offsets[String(k)] ?? 0);
    });
    const replay = replayWindows(ends);
    assert.ok(replay.droppedRows > replay.droppedGroups && replay.droppedGroups > 0 && replay.rows.length >= 25, `the data does not test the watermark: ${replay.droppedRows} late rows in ${replay.droppedGroups} groups, ${replay.rows.length} windows`);
    assert.deepEqual(nonEmpty(s.batches), dataBatches(q), "Spark's batches hold other numbers of rows than Weir's");
    assert.deepEqual(s.rows, replay.rows, "Spark's windows differ from the replay of the watermark rules");
    // Both count late rows after aggregation: one per late group of a batch, as Spark's state
    // operator sees them.
    assert.equal(s.dropped, replay.droppedGroups, "Spark's numRowsDroppedByWatermark is not the number of late groups");
    assert.deepEqual(rows, replay.rows, "Weir's windows differ from the replay of the watermark rules (and Spark's)");
    assert.equal(dropped, s.dropped, "Weir's numRowsDroppedByWatermark differs from Spark's");
  });
});
