/**
 * Streaming word count: Spark Structured Streaming's first example, on Weir.
 *
 * Lines of text arrive on the topic `lines` of an embedded Weir log. One streaming query splits
 * them into words (`explode(split(value, "\\s+"))`), counts each word with state kept in its
 * checkpoint, and keeps the full table in a memory sink in complete mode (the console sink works
 * the same way: `format("console")`). A second query runs the same aggregation in update mode
 * and publishes every changed count to the topic `word-counts` as JSON, keyed by the word — a
 * changelog another service can compact or consume. Both run with Trigger.AvailableNow: they
 * process everything the topic holds, then stop; with the default trigger they would keep
 * running and update the counts as lines arrive. Run it again with the same `dataDir` and new
 * lines: both queries continue from their checkpoints.
 *
 * Run it:  npx tsx examples/streaming-word-count.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Weir, col, explode, split, struct, to_json, type DataFrame } from "../src/index.js";

/** Options of {@link main}; everything has a default. */
export interface WordCountOptions {
  /** Where the log and the checkpoints live (default: a temporary directory, removed afterwards). */
  dataDir?: string;
  /** Lines to publish before the queries run (default: {@link SAMPLE_LINES}). */
  lines?: readonly string[];
  /** Print the counts (default true). */
  show?: boolean;
  /** How long to wait for each query (default 30 s). */
  timeoutMs?: number;
}

/** What {@link main} returns. */
export interface WordCountResult {
  /** word → count, from the complete-mode query. */
  counts: Record<string, number>;
  /** The updates the update-mode query published to `word-counts`, in order. */
  updates: { word: string; count: number }[];
}

export const SAMPLE_LINES: readonly string[] = [
  "the quick brown fox",
  "jumps over the lazy dog",
  "the dog barks",
  "a fox and a dog",
];

/** The streaming word counts over the topic `lines`. */
export async function wordCounts(weir: Weir): Promise<DataFrame> {
  const lines = await weir.readStream.format("kafka").option("subscribe", "lines").option("startingOffsets", "earliest").load();
  return lines
    .select(explode(split(col("value").cast("string"), "\\s+")).alias("word"))
    .where(col("word").notEqual(""))
    .groupBy("word")
    .count();
}

/** Runs the example (see the module comment). */
export async function main(opts: WordCountOptions = {}): Promise<WordCountResult> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "weir-wordcount-")));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const weir = await Weir.embedded({ dataDir: join(dataDir, "log") });
  try {
    const topics = await weir.logClient().describeTopics(["lines", "word-counts"]);
    if (!topics.has("lines")) await weir.logClient().createTopic("lines", 2);
    if (!topics.has("word-counts")) await weir.logClient().createTopic("word-counts", 1);
    const lines = opts.lines ?? SAMPLE_LINES;
    if (lines.length > 0) {
      await weir.createDataFrame(lines.map((value) => ({ value })), "value STRING").write.format("kafka").option("topic", "lines").save();
    }

    // 1. The whole table, recomputed from state every batch (complete mode), into memory.
    const complete = await (await wordCounts(weir))
      .writeStream.format("memory")
      .queryName("word_counts")
      .outputMode("complete")
      .option("checkpointLocation", join(dataDir, "checkpoints", "complete"))
      .trigger({ availableNow: true })
      .start();

    // 2. Only the words each batch changed (update mode), as JSON records to Kafka.
    const updates = await (await wordCounts(weir))
      .select(col("word").alias("key"), to_json(struct("word", "count")).alias("value"))
      .writeStream.format("kafka")
      .option("topic", "word-counts")
      .outputMode("update")
      .option("checkpointLocation", join(dataDir, "checkpoints", "updates"))
      .trigger({ availableNow: true })
      .start();

    for (const q of [complete, updates]) {
      if (!(await q.awaitTermination(timeoutMs))) throw new Error(`query ${q.id} did not finish within ${timeoutMs} ms`);
    }

    const table = weir.table("word_counts").orderBy(col("count").desc(), col("word"));
    if (opts.show ?? true) await table.show();
    const counts = Object.fromEntries((await table.collect()).map((r) => [r.word as string, r.count as number]));
    const published = await weir.read.format("kafka").option("subscribe", "word-counts").load();
    const updateRows = await published.orderBy("offset").select(col("value").cast("string").alias("json")).collect();
    return { counts, updates: updateRows.map((r) => JSON.parse(r.json as string) as { word: string; count: number }) };
  } finally {
    await weir.close();
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
