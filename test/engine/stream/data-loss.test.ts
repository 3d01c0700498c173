/**
 * A source topic deleted under a running streaming query follows failOnDataLoss, as in Spark:
 * true (the default) stops the query with a KAFKA_DATA_LOSS error naming the partition; false
 * keeps the query running with what it already read.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LogManager } from "../../../src/log/index.js";
import { Weir, col } from "../../../src/index.js";
import { buildBatch } from "../../../src/protocol/records/index.js";

async function withLog(fn: (log: LogManager, weir: Weir) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "weir-dataloss-"));
  const log = await LogManager.open({ dataDir: dir });
  const weir = await Weir.embedded({ log });
  try {
    await fn(log, weir);
  } finally {
    await weir.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startQuery(weir: Weir, name: string, failOnDataLoss: string) {
  const df = await weir.readStream.format("kafka").option("subscribe", "events").option("startingOffsets", "earliest").option("failOnDataLoss", failOnDataLoss).load();
  return df.select(col("value").cast("string").alias("v")).writeStream.format("memory").queryName(name).start();
}

describe("a source topic deleted under a streaming query", () => {
  it("failOnDataLoss=true (the default) stops the query with KAFKA_DATA_LOSS", async () => {
    await withLog(async (log, weir) => {
      await log.createTopic("events", 1);
      await weir.logClient().produce("events", 0, buildBatch([{ key: null, value: Buffer.from("a") }]));
      const q = await startQuery(weir, "lossy", "true");
      await q.processAllAvailable();
      assert.deepEqual(await weir.table("lossy").collect(), [{ v: "a" }]);
      await log.deleteTopic("events");
      await assert.rejects(q.awaitTermination(10_000), /KAFKA_DATA_LOSS.*events-0/);
      assert.match(String(q.exception()?.message), /failOnDataLoss/);
    });
  });

  it("failOnDataLoss=false keeps the query running with what it read", async () => {
    await withLog(async (log, weir) => {
      await log.createTopic("events", 1);
      await weir.logClient().produce("events", 0, buildBatch([{ key: null, value: Buffer.from("a") }]));
      const q = await startQuery(weir, "tolerant", "false");
      await q.processAllAvailable();
      await log.deleteTopic("events");
      await q.processAllAvailable();
      assert.equal(q.isActive, true);
      assert.equal(q.exception(), null);
      assert.deepEqual(await weir.table("tolerant").collect(), [{ v: "a" }]);
      await q.stop();
    });
  });
});
