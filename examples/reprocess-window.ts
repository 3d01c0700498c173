/**
 * Reprocessing a time window of a topic into Parquet.
 *
 * A topic has been collecting page views for a day. Something downstream went wrong between two
 * instants, so we read back exactly that window of the topic — Spark's `startingTimestamp` /
 * `endingTimestamp` options (epoch milliseconds, as strings) pick, in every partition, the
 * offsets from the first record at or after the start up to, not including, the first record at
 * or after the end — parse the JSON values, and write the result as Parquet with
 * `mode("overwrite")`, so running the job again for the same output replaces what it wrote.
 * Finally the Parquet files are read back and shown.
 *
 * Run it:  npx tsx examples/reprocess-window.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Weir, col, from_json } from "../src/index.js";
import { buildBatch } from "../src/protocol/records/index.js";

/** A page view as the website publishes it. */
export interface PageView {
  id: number;
  user: string;
  page: string;
  ms: number;
}

/** One row of the reprocessed output. */
export interface ReprocessedRow {
  id: number;
  user: string;
  page: string;
  ms: number;
  partition: number;
  offset: number;
  timestamp: Date;
}

/** Options of {@link main}; everything has a default. */
export interface ReprocessOptions {
  /** Where the embedded log keeps its files (default: a fresh temporary directory, removed afterwards). */
  dataDir?: string;
  /** Where the Parquet output goes (default: `<dataDir>/../reprocessed` in the temporary directory). */
  outputDir?: string;
  /** The topic's history (default: {@link sampleViews}); each view's record timestamp is its `ms`. */
  views?: readonly PageView[];
  /** The window [start, end) in epoch milliseconds (default: 09:00–12:00 UTC of the sample day). */
  startMs?: number;
  endMs?: number;
  /** Publish `views` first (default true); false reprocesses what `dataDir` already holds. */
  publish?: boolean;
  /** Print the table read back from Parquet (default true). */
  show?: boolean;
}

export const TOPIC = "pageviews";
export const PARTITIONS = 3;
export const VIEW_SCHEMA = "id INT, user STRING, page STRING, ms BIGINT";
/** The sample day: 2024-06-01 UTC. */
export const DAY_MS = Date.UTC(2024, 5, 1);

/** A day of page views, one every 30 seconds on average, in time order. */
export function sampleViews(n = 2880, seed = 11): PageView[] {
  let state = seed >>> 0;
  const rand = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pages = ["/", "/cart", "/checkout", "/product/1", "/product/2", "/search"];
  const times = Array.from({ length: n }, () => DAY_MS + Math.floor(rand() * 86_400_000)).sort((a, b) => a - b);
  return times.map((ms, id) => ({ id, user: `u${Math.floor(rand() * 40)}`, page: pages[Math.floor(rand() * pages.length)], ms }));
}

/** The partition a view is published to (by user, so one user's views stay in order). */
export function partitionOf(view: PageView): number {
  let h = 0;
  for (const ch of view.user) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return Math.abs(h) % PARTITIONS;
}

/**
 * Simulates the topic's history: each view is a record whose Kafka timestamp is the time of
 * the view (a producer's CreateTime), which the DataFrame Kafka writer cannot set, so the records
 * are appended through the log client directly.
 */
async function publishHistory(weir: Weir, views: readonly PageView[]): Promise<void> {
  await weir.logClient().createTopic(TOPIC, PARTITIONS);
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = views.filter((v) => partitionOf(v) === p);
    for (let i = 0; i < mine.length; i += 500) {
      const records = mine.slice(i, i + 500).map((v) => ({
        key: Buffer.from(v.user),
        value: Buffer.from(JSON.stringify(v)),
        timestamp: v.ms,
      }));
      await weir.logClient().produce(TOPIC, p, buildBatch(records));
    }
  }
}

/** Runs the example; returns the rows read back from the Parquet output, sorted by id. */
export async function main(opts: ReprocessOptions = {}): Promise<ReprocessedRow[]> {
  const tmp = opts.dataDir === undefined || opts.outputDir === undefined ? await mkdtemp(join(tmpdir(), "weir-reprocess-")) : null;
  const dataDir = opts.dataDir ?? join(tmp!, "log");
  const outputDir = opts.outputDir ?? join(tmp!, "reprocessed");
  const startMs = opts.startMs ?? DAY_MS + 9 * 3_600_000;
  const endMs = opts.endMs ?? DAY_MS + 12 * 3_600_000;
  const weir = await Weir.embedded({ dataDir });
  try {
    if (opts.publish ?? true) await publishHistory(weir, opts.views ?? sampleViews());

    const raw = await weir.read
      .format("kafka")
      .option("subscribe", TOPIC)
      .option("startingTimestamp", String(startMs))
      .option("endingTimestamp", String(endMs))
      .load();
    const window = raw
      .select(from_json(col("value").cast("string"), VIEW_SCHEMA).alias("view"), col("partition"), col("offset"), col("timestamp"))
      .select("view.*", "partition", "offset", "timestamp");

    await window.write.mode("overwrite").parquet(outputDir);

    const back = (await weir.read.parquet(outputDir)).orderBy("id");
    if (opts.show ?? true) await back.show(20, false);
    return (await back.collect()) as unknown as ReprocessedRow[];
  } finally {
    await weir.close();
    if (tmp !== null) await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
