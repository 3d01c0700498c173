/**
 * A pipeline for the tests of `weir run` / `weir replay` with a Kafka sink: it forwards the
 * topic `--param topic=` to `--param target=` with each value upper-cased, with
 * Trigger.AvailableNow, so `weir run` finishes by itself once the topic is read. A replay must
 * write the forwarded records as JSON files under its output, never to the live target topic.
 */
import { col, definePipeline, upper } from "../../src/index.js";

export default definePipeline({
  name: "forward",
  async run(ctx) {
    const topic = ctx.params.topic;
    const target = ctx.params.target;
    if (topic === undefined || target === undefined) throw new Error("forward needs --param topic=... and --param target=...");
    const raw = await ctx.weir.readStream.format("kafka").option("subscribe", topic).option("startingOffsets", "earliest").load();
    return raw
      .select(col("key"), upper(col("value").cast("string")).alias("value"))
      .writeStream.format("kafka")
      .option("topic", target)
      .option("checkpointLocation", ctx.checkpoint("forward"))
      .trigger({ availableNow: true })
      .start();
  },
});
