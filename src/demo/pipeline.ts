/**
 * The demo's streaming pipeline: three Structured Streaming queries over the two feedback topics,
 * written with the public engine API only, as a user would write them.
 *
 *   route   public-posts + team-chat → sentiment(text) → score < 0.3 → negative-feedback
 *                                                        score > 0.9 → positive-feedback   (Kafka sink)
 *   notify  negative-feedback + positive-feedback → one Slack message per item             (webhook sink)
 *   counts  public-posts + team-chat → per source and 10-second event-time window: posts,
 *           negative, positive, average sentiment; watermark 5 s, append mode             (Parquet sink)
 *
 * Every query keeps a checkpoint, so a restart on the same directories resumes where the last run
 * stopped: no post is routed twice by a completed batch, no window is written twice.
 *
 * A record on a source topic is JSON `{"text": ..., "author"?: ...}` (what the generators post),
 * or any other value, whose text is then the value itself: `curl` can post plain text. The source
 * is the topic; the author is the JSON's `author`, else the record key, else "anonymous"; the
 * event time is the record's timestamp (the ingest API sets it to the post's time).
 */
import type { DataFrame } from "../engine/api/dataframe.js";
import { avg, coalesce, col, count, from_json, lit, round, sentiment, struct, sum, to_json, when, window } from "../engine/api/functions.js";
import type { StreamingQuery } from "../engine/stream/query.js";
import type { Weir } from "../engine/session.js";
import { webhookSink, type SlackMessage, type WebhookDelivery } from "../connectors/webhook/index.js";

/** The topics the pipeline reads and writes. */
export interface DemoTopics {
  readonly publicPosts: string;
  readonly teamChat: string;
  readonly negative: string;
  readonly positive: string;
}

/** The demo's topic names. */
export const DEMO_TOPICS: DemoTopics = {
  publicPosts: "public-posts",
  teamChat: "team-chat",
  negative: "negative-feedback",
  positive: "positive-feedback",
};

/** Scores below this are routed to the negative topic (docs/engine.md, "Scoring functions"). */
export const NEGATIVE_BELOW = 0.3;
/** Scores above this are routed to the positive topic. */
export const POSITIVE_ABOVE = 0.9;
/** The event-time window of the counts, and how late a post may arrive and still be counted. */
export const COUNT_WINDOW = "10 seconds";
export const COUNT_WATERMARK = "5 seconds";

/** The JSON the generators post (other fields are ignored). */
const POST_SCHEMA = "text STRING, author STRING";
/** The JSON of a routed item. */
export const ROUTED_SCHEMA = "source STRING, author STRING, text STRING, score DOUBLE, label STRING, ts TIMESTAMP, partition INT, offset BIGINT";

/** A routed item, as the notify query reads it. */
export interface RoutedItem {
  readonly source: string;
  readonly author: string;
  readonly text: string;
  readonly score: number;
  readonly label: "negative" | "positive";
  readonly ts: Date;
}

/** Where the pipeline keeps its state and output. */
export interface PipelinePaths {
  /** Parent of the three checkpoints (`route`, `notify`, `counts`). */
  readonly checkpoints: string;
  /** The Parquet output of the counts. */
  readonly counts: string;
}

/** Options of {@link startPipeline}. */
export interface PipelineOptions {
  readonly topics?: DemoTopics;
  readonly paths: PipelinePaths;
  /** The webhook the notifications go to. */
  readonly webhookUrl: string;
  /** Called after each notification the webhook accepted. */
  readonly onNotified?: (delivery: WebhookDelivery) => void;
  /** Trigger interval of the route and notify queries (default "500 milliseconds"). */
  readonly routeTrigger?: string;
  /** Trigger interval of the counts query (default "2 seconds"). */
  readonly countsTrigger?: string;
}

/** The running queries. */
export interface Pipeline {
  readonly route: StreamingQuery;
  readonly notify: StreamingQuery;
  readonly counts: StreamingQuery;
}

/** Both source topics, parsed: source, author, text, score, ts (event time), partition, offset. */
async function scoredPosts(weir: Weir, topics: DemoTopics): Promise<DataFrame> {
  const raw = await weir.readStream
    .format("kafka")
    .option("subscribe", `${topics.publicPosts},${topics.teamChat}`)
    .option("startingOffsets", "earliest")
    // A demo topic recreated on a Kafka cluster (offsets back to 0) must not stop the demo.
    .option("failOnDataLoss", "false")
    .load();
  const text = col("value").cast("string");
  const post = from_json(text, POST_SCHEMA);
  return raw
    .select(col("topic").alias("source"), col("key").cast("string").alias("key"), text.alias("raw"), post.alias("post"), col("timestamp").alias("ts"), col("partition"), col("offset"))
    .select(
      col("source"),
      coalesce(col("post.author"), col("key"), lit("anonymous")).alias("author"),
      coalesce(col("post.text"), col("raw"), lit("")).alias("text"),
      col("ts"),
      col("partition"),
      col("offset"),
    )
    .withColumn("score", sentiment(col("text")));
}

/** The Slack message of a routed item. */
export function notificationMessage(item: RoutedItem): SlackMessage {
  const negative = item.label === "negative";
  const score = item.score.toFixed(2);
  const text = `${negative ? "Negative" : "Very positive"} feedback (${score}) from ${item.author} in ${item.source}: "${item.text}"`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `${negative ? ":rotating_light: *Negative feedback*" : ":tada: *Very positive feedback*"} in *${item.source}*\n>${item.text}` } },
      { type: "context", elements: [{ type: "mrkdwn", text: `${item.author} · sentiment ${score} · ${item.ts.toISOString()}` }] },
    ],
  };
}

/**
 * Starts the three queries (see the module comment). The source and routed topics must exist.
 * Resolves once all three have opened their checkpoints.
 */
export async function startPipeline(weir: Weir, opts: PipelineOptions): Promise<Pipeline> {
  const topics = opts.topics ?? DEMO_TOPICS;
  const fast = opts.routeTrigger ?? "500 milliseconds";
  const posts = await scoredPosts(weir, topics);
  const started: StreamingQuery[] = [];
  try {
    const routed = posts
      .where(col("score").lt(NEGATIVE_BELOW).or(col("score").gt(POSITIVE_ABOVE)))
      .select(
        when(col("score").lt(NEGATIVE_BELOW), lit(topics.negative)).otherwise(lit(topics.positive)).alias("topic"),
        col("author").alias("key"),
        to_json(
          struct(
            col("source"),
            col("author"),
            col("text"),
            round(col("score"), 4).alias("score"),
            when(col("score").lt(NEGATIVE_BELOW), lit("negative")).otherwise(lit("positive")).alias("label"),
            col("ts"),
            col("partition"),
            col("offset"),
          ),
        ).alias("value"),
      );
    const route = await routed.writeStream
      .format("kafka")
      .queryName("route")
      .option("checkpointLocation", `${opts.paths.checkpoints}/route`)
      .trigger({ processingTime: fast })
      .start();
    started.push(route);

    const items = (
      await weir.readStream
        .format("kafka")
        .option("subscribe", `${topics.negative},${topics.positive}`)
        .option("startingOffsets", "earliest")
        .option("failOnDataLoss", "false")
        .load()
    )
      .select(from_json(col("value").cast("string"), ROUTED_SCHEMA).alias("item"))
      .select("item.*")
      .where(col("text").isNotNull());
    const notify = await items.writeStream
      .queryName("notify")
      .foreachBatch(
        webhookSink({
          url: opts.webhookUrl,
          format: (row) => notificationMessage(row as unknown as RoutedItem),
          timeoutMs: 5_000,
          retries: 3,
          ...(opts.onNotified === undefined ? {} : { onDelivered: opts.onNotified }),
        }),
      )
      .option("checkpointLocation", `${opts.paths.checkpoints}/notify`)
      .trigger({ processingTime: fast })
      .start();
    started.push(notify);

    const flag = (c: ReturnType<typeof col>) => when(c, lit(1)).otherwise(lit(0));
    const counts = await posts
      .withWatermark("ts", COUNT_WATERMARK)
      .groupBy(window(col("ts"), COUNT_WINDOW), col("source"))
      .agg(
        count("*").alias("posts"),
        sum(flag(col("score").lt(NEGATIVE_BELOW))).alias("negative"),
        sum(flag(col("score").gt(POSITIVE_ABOVE))).alias("positive"),
        round(avg("score"), 3).alias("avg_sentiment"),
      )
      .select(col("window.start").alias("window_start"), col("window.end").alias("window_end"), col("source"), col("posts"), col("negative"), col("positive"), col("avg_sentiment"))
      .writeStream.format("parquet")
      .queryName("counts")
      .outputMode("append")
      .option("checkpointLocation", `${opts.paths.checkpoints}/counts`)
      .trigger({ processingTime: opts.countsTrigger ?? "2 seconds" })
      .start(opts.paths.counts);
    started.push(counts);
    return { route, notify, counts };
  } catch (e) {
    await Promise.allSettled(started.map((q) => q.stop()));
    throw e;
  }
}
