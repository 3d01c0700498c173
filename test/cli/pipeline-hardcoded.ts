/**
 * A pipeline that writes to a hard-coded path instead of naming it with ctx.output: `weir run`
 * runs it, `weir replay` must refuse it rather than write to the live path.
 */
import { join } from "node:path";
import { col, definePipeline } from "../../src/index.js";

export default definePipeline({
  name: "hardcoded",
  async run(ctx) {
    const raw = await ctx.weir.readStream.format("kafka").option("subscribe", ctx.params.topic ?? "clicks").option("startingOffsets", "earliest").load();
    return raw
      .select(col("value").cast("string").alias("value"))
      .writeStream.format("json")
      .option("checkpointLocation", ctx.checkpoint("raw"))
      .trigger({ availableNow: true })
      .start(join(ctx.params.out ?? "./out", "raw"));
  },
});
