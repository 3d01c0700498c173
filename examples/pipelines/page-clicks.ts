/**
 * Page clicks: a pipeline for `weir run` and `weir replay` (see docs/pipelines.md).
 *
 * A website publishes one record per click to the topic `clicks` (`--param topic=...`), the value
 * a JSON object `{"user": "u1", "page": "/cart"}`; the record's Kafka timestamp is the time of
 * the click. Two streaming queries read the topic from its beginning:
 *
 * - `clicks`: every click, parsed, with its time, partition and offset, appended to Parquet;
 * - `page-counts`: clicks per page in one-minute tumbling windows of the click time, with a
 *   10-second watermark, appended to Parquet once the watermark passes a window's end.
 *
 * Live, the outputs go to `./out/clicks` and `./out/page-counts` (`--param out=DIR` moves them) and
 * the checkpoints to `./weir-checkpoints/page-clicks/` (`--checkpoint-dir`); run again, the queries
 * continue where they stopped. Replayed, both go under `--output`, and the Kafka source reads only
 * the records of the range.
 *
 * Run it:     printf '{"user":"u1","page":"/"}\n{"user":"u2","page":"/cart"}\n' | npx weir produce clicks
 *             npx weir run examples/pipelines/page-clicks.ts
 * Replay it:  npx weir replay examples/pipelines/page-clicks.ts --from -1h --to -30m --output ./replays/last-hour
 */
import { join } from "node:path";
import { col, count, definePipeline, from_json, window } from "../../src/index.js";

/** The JSON of a click, as a Spark DDL schema. */
export const CLICK_SCHEMA = "user STRING, page STRING";
/** The windows of `page-counts`. */
export const WINDOW = "1 minute";
/** How late a click may arrive and still be counted. */
export const WATERMARK_DELAY = "10 seconds";

export default definePipeline({
  name: "page-clicks",
  description: "clicks and per-page click counts per minute, to Parquet",
  async run(ctx) {
    const topic = ctx.params.topic ?? "clicks";
    const out = ctx.params.out ?? "./out";
    const raw = await ctx.weir.readStream
      .format("kafka")
      .option("subscribe", topic)
      .option("startingOffsets", "earliest")
      .option("maxOffsetsPerTrigger", ctx.params.maxOffsetsPerTrigger ?? "5000")
      .load();
    const clicks = raw
      .select(from_json(col("value").cast("string"), CLICK_SCHEMA).alias("click"), col("timestamp").alias("time"), col("partition"), col("offset"))
      .select("click.user", "click.page", "time", "partition", "offset");

    const all = await clicks.writeStream
      .format("parquet")
      .queryName("clicks")
      .option("checkpointLocation", ctx.checkpoint("clicks"))
      .start(ctx.output("clicks", join(out, "clicks")));

    const counts = await clicks
      .withWatermark("time", WATERMARK_DELAY)
      .groupBy(window(col("time"), WINDOW), col("page"))
      .agg(count("*").alias("clicks"))
      .select(col("window.start").alias("window_start"), col("window.end").alias("window_end"), col("page"), col("clicks"))
      .writeStream.format("parquet")
      .outputMode("append")
      .queryName("page-counts")
      .option("checkpointLocation", ctx.checkpoint("page-counts"))
      .start(ctx.output("page-counts", join(out, "page-counts")));

    ctx.log.info(`reading ${topic}; writing ${ctx.mode === "replay" ? ctx.replay?.outputDir : out}`);
    return [all, counts];
  },
});
