/**
 * A streaming query over the Kafka wire protocol (`Weir.connect` to a broker in this process):
 * the same code as over the embedded log, reading with maxOffsetsPerTrigger and writing to Kafka.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Broker } from "../../../src/broker/broker.js";
import { col, upper } from "../../../src/engine/api/functions.js";
import { Weir } from "../../../src/engine/session.js";
import { buildBatch } from "../../../src/protocol/records/index.js";

describe("streaming over the wire", () => {
  it("reads a topic in rate-limited batches and writes the results to another topic", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "weir-stream-remote-"));
    const broker = await Broker.start({ port: 0, host: "127.0.0.1", dataDir: join(dataDir, "log") }, { maintenanceIntervalMs: 0 });
    try {
      const weir = await Weir.connect({ bootstrapServers: `127.0.0.1:${broker.address.port}` });
      try {
        await weir.logClient().createTopic("in", 2);
        await weir.logClient().createTopic("out", 1);
        for (const p of [0, 1]) await weir.logClient().produce("in", p, buildBatch(["a", "b", "c"].map((v) => ({ key: null, value: Buffer.from(`${v}${p}`) }))));
        const df = await weir.readStream.format("kafka").option("subscribe", "in").option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", 2).load();
        const q = await df
          .select(upper(col("value").cast("string")).alias("value"))
          .writeStream.format("kafka")
          .option("topic", "out")
          .option("checkpointLocation", join(dataDir, "cp"))
          .trigger({ availableNow: true })
          .start();
        await q.awaitTermination();
        assert.deepEqual(q.recentProgress.map((p) => p.numInputRows), [2, 2, 2]);
        const out = await weir.read.format("kafka").option("subscribe", "out").load();
        assert.deepEqual((await out.select(col("value").cast("string").alias("v")).collect()).map((r) => r.v).sort(), ["A0", "A1", "B0", "B1", "C0", "C1"]);
      } finally {
        await weir.close();
      }
    } finally {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
