/**
 * readStream.format("kafka") through the public API: default latest start, earliest, offsets in
 * Spark's JSON per batch, maxOffsetsPerTrigger, new partitions, minOffsetsPerTrigger, and batch
 * actions refused on a streaming frame.
 */
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { join } from "node:path";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { Weir } from "../../../src/engine/session.js";
import { col, upper } from "../../../src/engine/api/functions.js";
import { isWeirError } from "../../../src/util/errors.js";
import { awaitBatch, streamFixture, type StreamFixture } from "./helpers.js";

const values = (rows: Record<string, unknown>[]): string[] => rows.map((r) => String(r.v)).sort();

describe("readStream kafka", () => {
  let f: StreamFixture;
  beforeEach(async () => {
    f = await streamFixture({ events: 2 });
  });
  afterEach(async () => {
    await f.close();
  });

  it("is a streaming DataFrame; batch actions fail with Spark's message", async () => {
    const df = await f.weir.readStream.format("kafka").option("subscribe", "events").load();
    assert.equal(df.isStreaming, true);
    assert.deepEqual(df.columns, ["key", "value", "topic", "partition", "offset", "timestamp", "timestampType"]);
    const batch = await f.weir.read.format("kafka").option("subscribe", "events").load();
    assert.equal(batch.isStreaming, false);
    for (const action of [() => df.collect(), () => df.count(), () => df.show()]) {
      await assert.rejects(action(), (e: unknown) => isWeirError(e, "ANALYSIS") && /Queries with streaming sources must be executed with writeStream\.start\(\)/.test(e.message));
    }
    assert.throws(() => batch.writeStream, /'writeStream' can be called only on streaming Dataset\/DataFrame/);
  });

  it("starts at latest by default and reads what arrives after", async () => {
    await f.produce("events", ["old1", "old2"]);
    const df = await f.weir.readStream.format("kafka").option("subscribe", "events").load();
    const q = await df.select(col("value").cast("string").alias("v")).writeStream.format("memory").queryName("t1").start();
    await q.processAllAvailable();
    assert.deepEqual(await f.weir.table("t1").collect(), []);
    await f.produce("events", ["a", "b"], 0);
    await f.produce("events", ["c"], 1);
    await q.processAllAvailable();
    assert.deepEqual(values(await f.weir.table("t1").collect()), ["a", "b", "c"]);
    // The two produce calls may land in one batch or in two (a trigger can fire between them).
    const read = q.recentProgress.filter((p) => p.numInputRows > 0);
    assert.deepEqual(read[0].sources[0].startOffset, { events: { "0": 2, "1": 0 } });
    assert.deepEqual(read[read.length - 1].sources[0].endOffset, { events: { "0": 4, "1": 1 } });
    assert.equal(read.reduce((n, p) => n + p.numInputRows, 0), 3);
    await q.stop();
    assert.equal(q.isActive, false);
  });

  it("reads from earliest with maxOffsetsPerTrigger splitting the backlog over batches", async () => {
    await f.produce("events", Array.from({ length: 10 }, (_, i) => `p0-${i}`), 0);
    await f.produce("events", Array.from({ length: 10 }, (_, i) => `p1-${i}`), 1);
    const df = await f.weir.readStream.format("kafka").option("subscribe", "events").option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", 6).load();
    const q = await df.select(col("value").cast("string").alias("v")).writeStream.format("memory").queryName("t2").start();
    await q.processAllAvailable();
    const sizes = q.recentProgress.map((p) => p.numInputRows);
    assert.ok(sizes.every((n) => n <= 6), `batch sizes ${sizes.join(",")}`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 20);
    assert.deepEqual(q.recentProgress[0].sources[0].endOffset, { events: { "0": 3, "1": 3 } });
    assert.equal((await f.weir.table("t2").collect()).length, 20);
    await q.stop();
  });

  it("picks up partitions of a topic created later by a pattern subscription", async () => {
    const df = await f.weir.readStream.format("kafka").option("subscribePattern", "ev.*").option("startingOffsets", "earliest").load();
    const q = await df.select(col("value").cast("string").alias("v")).writeStream.format("memory").queryName("t3").start();
    await f.produce("events", ["x"]);
    await q.processAllAvailable();
    await f.weir.logClient().createTopic("evolved", 1);
    await f.produce("evolved", ["y", "z"]);
    await q.processAllAvailable();
    assert.deepEqual(values(await f.weir.table("t3").collect()), ["x", "y", "z"]);
    await q.stop();
  });

  it("waits for minOffsetsPerTrigger unless maxTriggerDelay passed", async () => {
    const df = await f.weir.readStream
      .format("kafka")
      .option("subscribe", "events")
      .option("startingOffsets", "earliest")
      .option("minOffsetsPerTrigger", 5)
      .option("maxTriggerDelay", "300 milliseconds")
      .load();
    const q = await df.select(col("value").cast("string").alias("v")).writeStream.format("memory").queryName("t4").start();
    await f.produce("events", ["a", "b"]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(q.recentProgress.length, 0);
    await awaitBatch(q, 0);
    assert.equal(q.lastProgress!.numInputRows, 2);
    await q.stop();
  });

  it("refuses endingOffsets on a stream", async () => {
    await assert.rejects(f.weir.readStream.format("kafka").option("subscribe", "events").option("endingOffsets", "latest").load(), /not valid in streaming queries/);
  });

  it("startingOffsets JSON with -1 starts that partition at its latest offset", async () => {
    await f.produce("events", ["p0-old"], 0);
    await f.produce("events", ["p1-old"], 1);
    const df = await f.weir.readStream.format("kafka").option("subscribe", "events").option("startingOffsets", '{"events":{"0":-2,"1":-1}}').load();
    const q = await df.select(col("value").cast("string").alias("v")).writeStream.format("memory").queryName("t5").start();
    await q.processAllAvailable();
    await f.produce("events", ["p1-new"], 1);
    await q.processAllAvailable();
    assert.deepEqual(values(await f.weir.table("t5").collect()), ["p0-old", "p1-new"]);
    await q.stop();
  });

  it("writes a stream to Kafka (at least once) with a checkpoint", async () => {
    await f.weir.logClient().createTopic("out", 1);
    await f.produce("events", ["x", "y"]);
    const df = await f.weir.readStream.format("kafka").option("subscribe", "events").option("startingOffsets", "earliest").load();
    const q = await df.select(upper(col("value").cast("string")).alias("value")).writeStream.format("kafka").option("topic", "out").option("checkpointLocation", join(f.dir, "kcp")).trigger({ availableNow: true }).start();
    await q.awaitTermination();
    assert.equal(q.lastProgress!.sink.numOutputRows, 2);
    assert.match(q.lastProgress!.sink.description, /KafkaTable\[out\]/);
    const out = await f.weir.read.format("kafka").option("subscribe", "out").load();
    assert.deepEqual((await out.select(col("value").cast("string").alias("v")).collect()).map((r) => r.v).sort(), ["X", "Y"]);
  });

  it("two queries over one DataFrame read independently", async () => {
    const df = (await f.weir.readStream.format("kafka").option("subscribe", "events").option("startingOffsets", "earliest").load()).select(col("value").cast("string").alias("v"));
    await f.produce("events", ["a", "b"]);
    const q1 = await df.writeStream.format("memory").queryName("d1").start();
    const q2 = await df.writeStream.format("memory").queryName("d2").start();
    await q1.processAllAvailable();
    await q2.processAllAvailable();
    assert.deepEqual(values(await f.weir.table("d1").collect()), ["a", "b"]);
    assert.deepEqual(values(await f.weir.table("d2").collect()), ["a", "b"]);
    assert.notEqual(q1.id, q2.id);
    await q1.stop();
    await q2.stop();
  });

  it("joins a stream with a static DataFrame; refuses what needs state Weir does not keep", async () => {
    const names = f.weir.createDataFrame([{ code: "a", name: "alpha" }, { code: "b", name: "beta" }], "code STRING, name STRING");
    const df = (await f.weir.readStream.format("kafka").option("subscribe", "events").option("startingOffsets", "earliest").load()).select(col("value").cast("string").alias("code"));
    await f.produce("events", ["a", "b", "c"]);
    const q = await df.join(names, "code").writeStream.format("memory").queryName("joined").trigger({ availableNow: true }).start();
    await q.awaitTermination();
    assert.deepEqual((await f.weir.table("joined").orderBy("code").collect()), [
      { code: "a", name: "alpha" },
      { code: "b", name: "beta" },
    ]);
    // dropDuplicates keeps its keys in state (dedup.test.ts).
    const dd = await df.dropDuplicates().writeStream.format("memory").queryName("dd").trigger({ availableNow: true }).start();
    await dd.awaitTermination();
    assert.deepEqual(await f.weir.table("dd").orderBy("code").collect(), [{ code: "a" }, { code: "b" }, { code: "c" }]);
    // Stream-stream joins keep both sides in state (join-stream.test.ts); a left anti one is refused, as in Spark.
    await assert.rejects(df.join(df, "code", "left_anti").writeStream.format("memory").queryName("ss").start(), /LeftAnti joins with a streaming DataFrame\/Dataset on the right are not supported/);
  });
});

describe("readStream kafka in replay mode", () => {
  it("logs the replayed range once; a restart reads it again, and a cut range entry is a checkpoint error naming the file", async () => {
    const f = await streamFixture({ events: 1 });
    const dataDir = join(f.dir, "log");
    const checkpoint = join(f.dir, "cp");
    await f.produce("events", ["a", "b"], 0, 1_000);
    await f.produce("events", ["c"], 0, 2_000);
    await f.produce("events", ["late"], 0, 9_000);
    await f.weir.close();
    const replayed = async (): Promise<string[]> => {
      const weir = await Weir.embedded({ dataDir, replay: { fromMs: 500, toMs: 5_000, redirect: () => ({ checkpointLocation: checkpoint, path: null }) } });
      try {
        const df = await weir.readStream.format("kafka").option("subscribe", "events").load();
        const q = await df.select(col("value").cast("string").alias("v")).writeStream.format("memory").queryName("r").trigger({ availableNow: true }).start();
        await q.awaitTermination();
        return values(await weir.table("r").collect());
      } finally {
        await weir.close();
      }
    };
    try {
      assert.deepEqual(await replayed(), ["a", "b", "c"]);
      const entry = join(checkpoint, "sources", "0", "0");
      const lines = readFileSync(entry, "utf8").split("\n");
      assert.equal(lines[0], "v1");
      assert.equal(lines.filter((l) => l !== "").length, 3, "v1, the start offsets and the end offsets");
      // A restart of the finished replay reads nothing new (its range is the logged one).
      assert.deepEqual(await replayed(), []);
      // Cut after the start offsets, with the checksum file gone as well: never resolved again.
      writeFileSync(entry, `${lines[0]}\n${lines[1]}\n`);
      rmSync(join(checkpoint, "sources", "0", ".0.crc"), { force: true });
      await assert.rejects(replayed(), (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.includes(entry) && /found 1/.test(e.message));
    } finally {
      await rm(f.dir, { recursive: true, force: true });
    }
  });
});
