/**
 * Top trending product in each category.
 *
 * Browsing events `{customer, product, category, ts}` are written as JSON into a three-partition
 * topic of an embedded Weir (the Kafka-compatible log runs inside this process, its files under
 * `dataDir`), then read back in one batch — Spark's `spark.read.format("kafka")` — parsed with
 * `from_json`, counted per (category, product), and ranked per category with `row_number()` over
 * a window. The product with the most views wins its category; ties go to the product name that
 * sorts first, so the answer does not depend on the order rows arrive in.
 *
 * Run it:  npx tsx examples/trending-products.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Weir, Window, col, desc, from_json, row_number } from "../src/index.js";

/** One browsing event, as the website would publish it. */
export interface BrowsingEvent {
  customer: string;
  product: string;
  category: string;
  ts: Date;
}

/** One row of the answer. */
export interface TrendingRow {
  category: string;
  product: string;
  count: number;
}

/** Options of {@link main}; everything has a default. */
export interface TrendingOptions {
  /** Where the embedded log keeps its files (default: a fresh temporary directory, removed afterwards). */
  dataDir?: string;
  /** The events to publish (default: {@link sampleEvents}). */
  events?: readonly BrowsingEvent[];
  /** The topic (default "browsing"); created with three partitions. */
  topic?: string;
  /** Print the result table (default true). */
  show?: boolean;
}

/** The schema of the JSON events, as a Spark DDL string. */
export const EVENT_SCHEMA = "customer STRING, product STRING, category STRING, ts TIMESTAMP";

const CATALOG: Record<string, string[]> = {
  books: ["atlas", "cookbook", "novel", "poetry"],
  garden: ["hose", "rake", "seeds", "shovel", "trowel"],
  kitchen: ["kettle", "knife", "pan", "whisk"],
  toys: ["ball", "blocks", "kite", "puzzle", "robot", "yoyo"],
};

/**
 * Deterministic sample traffic: `n` views by 50 customers over one day, each category with a
 * few popular products (the earlier a product is in its list, the more often it is viewed).
 */
export function sampleEvents(n = 2000, seed = 7): BrowsingEvent[] {
  let state = seed >>> 0;
  const rand = () => {
    // mulberry32: small, seeded, good enough for sample data.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const categories = Object.keys(CATALOG);
  const start = Date.UTC(2024, 5, 1);
  const events: BrowsingEvent[] = [];
  for (let i = 0; i < n; i++) {
    const category = categories[Math.floor(rand() * categories.length)];
    const products = CATALOG[category];
    // Skewed choice: min of two uniform picks favours the front of the list.
    const product = products[Math.min(Math.floor(rand() * products.length), Math.floor(rand() * products.length))];
    events.push({ customer: `c${Math.floor(rand() * 50)}`, product, category, ts: new Date(start + Math.floor(rand() * 86_400_000)) });
  }
  return events;
}

/** Publishes the events as JSON values keyed by customer (the key decides the partition). */
async function publish(weir: Weir, topic: string, events: readonly BrowsingEvent[]): Promise<void> {
  await weir
    .createDataFrame(
      events.map((e) => ({ ...e })),
      EVENT_SCHEMA,
    )
    .selectExpr("customer AS key", "to_json(named_struct('customer', customer, 'product', product, 'category', category, 'ts', ts)) AS value")
    .write.format("kafka")
    .option("topic", topic)
    .save();
}

/** Runs the example; returns the top product per category, sorted by category. */
export async function main(opts: TrendingOptions = {}): Promise<TrendingRow[]> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "weir-trending-")));
  const topic = opts.topic ?? "browsing";
  const weir = await Weir.embedded({ dataDir });
  try {
    await weir.logClient().createTopic(topic, 3);
    await publish(weir, topic, opts.events ?? sampleEvents());

    // Batch-read everything the topic holds (startingOffsets "earliest" is the batch default).
    const raw = await weir.read.format("kafka").option("subscribe", topic).load();
    const views = raw
      .select(from_json(col("value").cast("string"), EVENT_SCHEMA).alias("event"))
      .select("event.*");

    const counts = views.groupBy("category", "product").count();
    const byViews = Window.partitionBy("category").orderBy(desc("count"), col("product"));
    const trending = counts
      .withColumn("rank", row_number().over(byViews))
      .filter(col("rank").eq(1))
      .select("category", "product", "count")
      .orderBy("category");

    if (opts.show ?? true) await trending.show();
    return (await trending.collect()) as unknown as TrendingRow[];
  } finally {
    await weir.close();
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
