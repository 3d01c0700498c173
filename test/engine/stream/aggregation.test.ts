/**
 * Streaming aggregation with state: complete and update modes, state kept across a restart,
 * Spark's output-mode errors, event-time windows with a watermark in append mode, late rows
 * dropped and counted.
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { avg, col, collect_set, count, explode, from_json, split, sum, window } from "../../../src/engine/api/functions.js";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import { isWeirError } from "../../../src/util/errors.js";
import { byWord, streamFixture, wordCountStream, type StreamFixture } from "./helpers.js";

describe("streaming aggregation", () => {
  let f: StreamFixture;
  beforeEach(async () => {
    f = await streamFixture({ lines: 1, readings: 1 });
  });
  afterEach(async () => {
    await f.close();
  });

  const words = (): Promise<DataFrame> => wordCountStream(f.weir, "lines");

  it("complete mode outputs every word's running count; state survives a restart", async () => {
    const cp = join(f.dir, "cp");
    await f.produce("lines", ["a b a", "c"]);
    const q = await (await words()).writeStream.format("memory").queryName("wc").outputMode("complete").option("checkpointLocation", cp).start();
    await q.processAllAvailable();
    assert.deepEqual(byWord(await f.weir.table("wc").collect()), { a: 2, b: 1, c: 1 });
    await f.produce("lines", ["a d"]);
    await q.processAllAvailable();
    assert.deepEqual(byWord(await f.weir.table("wc").collect()), { a: 3, b: 1, c: 1, d: 1 });
    const ops = q.lastProgress!.stateOperators;
    assert.equal(ops.length, 1);
    assert.equal(ops[0].numRowsTotal, 4);
    assert.equal(ops[0].numRowsUpdated, 2);
    await q.stop();
    await f.produce("lines", ["b"]);
    const q2 = await (await words()).writeStream.format("memory").queryName("wc").outputMode("complete").option("checkpointLocation", cp).start();
    await q2.processAllAvailable();
    assert.deepEqual(byWord(await f.weir.table("wc").collect()), { a: 3, b: 2, c: 1, d: 1 });
    await q2.stop();
  });

  it("update mode outputs only the groups a batch changed", async () => {
    await f.produce("lines", ["a b a"]);
    const seen: Record<string, number>[] = [];
    const q = await (await words())
      .writeStream.outputMode("update")
      .foreachBatch(async (df) => {
        seen.push(byWord(await df.collect()));
      })
      .start();
    await q.processAllAvailable();
    await f.produce("lines", ["b c"]);
    await q.processAllAvailable();
    await q.stop();
    assert.deepEqual(seen, [{ a: 2, b: 1 }, { b: 2, c: 1 }]);
  });

  it("a batch that failed after its state commit is re-run from the stored state: the counts of an uninterrupted run", async () => {
    const cp = join(f.dir, "cp");
    await f.produce("lines", ["a b a", "c"]);
    let failed = false;
    const q1 = await (await words())
      .writeStream.outputMode("update")
      .foreachBatch((_df, batchId) => {
        if (batchId === 1 && !failed) {
          failed = true;
          throw new Error("sink down");
        }
      })
      .option("checkpointLocation", cp)
      .start();
    await q1.processAllAvailable();
    await f.produce("lines", ["a d"]);
    await assert.rejects(q1.awaitTermination(), /sink down/);
    await f.produce("lines", ["d e"]);
    const q2 = await (await words()).writeStream.format("memory").queryName("wc_rerun").outputMode("complete").option("checkpointLocation", cp).start();
    await q2.processAllAvailable();
    await q2.stop();
    assert.deepEqual(byWord(await f.weir.table("wc_rerun").collect()), { a: 3, b: 1, c: 1, d: 2, e: 1 });
  });

  it("keeps groups whose keys or states JSON cannot hold (NaN, -0, sets) across a restart, NaN apart from null as Spark groups them", async () => {
    const cp = join(f.dir, "cp");
    // JSON.stringify writes -0 as 0: a -0 goes in as text.
    const value = (k: number | string | null, v: number | string): string => JSON.stringify({ k, v }).replace(/"(k|v)":"-0"/g, '"$1":-0.0');
    const agg = async (): Promise<DataFrame> =>
      (await f.weir.readStream.format("kafka").option("subscribe", "readings").option("startingOffsets", "earliest").load())
        .select(from_json(col("value").cast("string"), "k DOUBLE, v DOUBLE").alias("r"))
        .select("r.*")
        .groupBy("k")
        .agg(count("*").alias("n"), sum("v").alias("total"), collect_set("v").alias("vs"));
    const run = async (name: string): Promise<Record<string, unknown>[]> => {
      const q = await (await agg()).writeStream.format("memory").queryName(name).outputMode("complete").option("checkpointLocation", cp).start();
      await q.processAllAvailable();
      await q.stop();
      return f.weir.table(name).collect();
    };
    await f.produce("readings", [value("NaN", 1), value(null, 2), value("-0", "NaN"), value(1.5, "-0")]);
    await run("g1");
    await f.produce("readings", [value("NaN", 3), value(null, 4), value(0, 5), value(1.5, 0.5)]);
    const rows = await run("g2");
    const byKey = new Map(rows.map((r) => [r.k === null ? "null" : Object.is(r.k, -0) ? "0" : String(r.k as number), r]));
    assert.deepEqual([...byKey.keys()].sort(), ["0", "1.5", "NaN", "null"]);
    assert.equal(byKey.get("NaN")!.n, 2);
    assert.equal(byKey.get("NaN")!.total, 4);
    assert.equal(byKey.get("null")!.total, 6);
    assert.ok(Number.isNaN(byKey.get("0")!.total), "a NaN in the sum survives the restart");
    assert.equal(byKey.get("0")!.n, 2);
    assert.equal(byKey.get("1.5")!.total, 0.5);
    assert.deepEqual([...(byKey.get("1.5")!.vs as number[])].sort(), [-0, 0.5]);
  });

  it("refuses the output modes Spark refuses", async () => {
    const agg = await words();
    await assert.rejects(agg.writeStream.format("memory").queryName("x").outputMode("append").start(), (e: unknown) => isWeirError(e, "ANALYSIS") && /Append output mode not supported when there are streaming aggregations.*without watermark/.test(e.message) && /complete/.test(e.message));
    const plain = (await f.weir.readStream.format("kafka").option("subscribe", "lines").load()).select("value");
    await assert.rejects(plain.writeStream.format("memory").queryName("y").outputMode("complete").start(), /Complete output mode not supported when there are no streaming aggregations/);
    await assert.rejects(plain.orderBy("value").writeStream.format("memory").queryName("z").start(), /Sorting is not supported on streaming DataFrames/);
    await assert.rejects(agg.writeStream.format("json").outputMode("complete").option("checkpointLocation", join(f.dir, "c")).start(join(f.dir, "o")), /Data source json does not support Complete output mode/);
  });

  it("windows with a watermark in append mode: emitted once closed, late rows dropped and counted per late group (as Spark)", async () => {
    const T = Date.UTC(2024, 0, 1, 12, 0, 0);
    const reading = (sensor: string, offsetS: number, temp: number): string => JSON.stringify({ sensor, ts: new Date(T + offsetS * 1000).toISOString(), temp });
    const df = (await f.weir.readStream.format("kafka").option("subscribe", "readings").option("startingOffsets", "earliest").load())
      .select(from_json(col("value").cast("string"), "sensor STRING, ts TIMESTAMP, temp DOUBLE").alias("r"))
      .select("r.*")
      .withWatermark("ts", "10 seconds")
      .groupBy(window(col("ts"), "1 minute"), col("sensor"))
      .agg(avg("temp").alias("avg_temp"), count("*").alias("n"));
    const out = join(f.dir, "out");
    const q = await df.writeStream.format("json").outputMode("append").option("checkpointLocation", join(f.dir, "cp")).start(out);
    await f.produce("readings", [reading("s1", 5, 20), reading("s1", 30, 22), reading("s2", 40, 10)]);
    await q.processAllAvailable();
    // Event time 75 s: watermark 65 s closes the 12:00 window.
    await f.produce("readings", [reading("s1", 75, 30)]);
    await q.processAllAvailable();
    // Late rows for the closed window are dropped; Spark's state operator sees one row per late
    // (window, sensor) group of a batch, after its partial aggregation, and counts those.
    await f.produce("readings", [reading("s1", 10, 100), reading("s1", 20, 90), reading("s2", 5, 1)]);
    await q.processAllAvailable();
    const dropped = q.recentProgress.reduce((n, p) => n + (p.stateOperators[0]?.numRowsDroppedByWatermark ?? 0), 0);
    assert.equal(dropped, 2);
    assert.ok(q.recentProgress.some((p) => p.eventTime.watermark === new Date(T + 65_000).toISOString()), JSON.stringify(q.recentProgress.map((p) => p.eventTime)));
    assert.deepEqual(q.recentProgress[0].eventTime, {
      watermark: new Date(0).toISOString(),
      avg: new Date(T + 25_000).toISOString(),
      max: new Date(T + 40_000).toISOString(),
      min: new Date(T + 5_000).toISOString(),
    });
    await q.stop();
    const rows = await (await f.weir.read.schema("window STRUCT<start: TIMESTAMP, end: TIMESTAMP>, sensor STRING, avg_temp DOUBLE, n BIGINT").json(out)).orderBy("sensor").collect();
    assert.deepEqual(
      rows.map((r) => ({ ...r, window: undefined, start: (r.window as { start: Date }).start.toISOString() })),
      [
        { window: undefined, start: new Date(T).toISOString(), sensor: "s1", avg_temp: 21, n: 2 },
        { window: undefined, start: new Date(T).toISOString(), sensor: "s2", avg_temp: 10, n: 1 },
      ],
    );
  });

  it("refuses a restart whose aggregation changed", async () => {
    const cp = join(f.dir, "cp");
    const q = await (await words()).writeStream.format("memory").queryName("a1").outputMode("complete").option("checkpointLocation", cp).start();
    await q.processAllAvailable();
    await q.stop();
    const other = (await f.weir.readStream.format("kafka").option("subscribe", "lines").option("startingOffsets", "earliest").load())
      .select(explode(split(col("value").cast("string"), "\\s+")).alias("word"))
      .groupBy("word")
      .agg(count("*").alias("n"), avg(col("word").cast("int")).alias("x"));
    await assert.rejects(
      other.writeStream.format("memory").queryName("a2").outputMode("complete").option("checkpointLocation", cp).start(),
      (e: unknown) => isWeirError(e, "CHECKPOINT") && /stateful operators were/.test(e.message),
    );
  });

  it("a failing batch stops the query; listeners hear the exception", async () => {
    let terminated: string | null = null;
    f.weir.streams.addListener({ onQueryTerminated: (e) => (terminated = e.exception) });
    await f.produce("lines", ["12 x"]);
    const df = (await f.weir.readStream.format("kafka").option("subscribe", "lines").option("startingOffsets", "earliest").load()).select(
      col("value").cast("string").cast("int").alias("n"),
    );
    const q = await df.writeStream.format("memory").queryName("bad").start();
    await assert.rejects(q.awaitTermination(), (e: unknown) => isWeirError(e) && /CAST_INVALID_INPUT/.test(e.message));
    assert.equal(q.isActive, false);
    assert.match(String(q.exception()?.message), /STREAM_FAILED/);
    await assert.rejects(f.weir.streams.awaitAnyTermination(), /CAST_INVALID_INPUT/);
    assert.match(String(terminated), /CAST_INVALID_INPUT/);
  });

  it("update mode with a watermark outputs changed windows and evicts the closed ones", async () => {
    const T = Date.UTC(2024, 0, 1, 12, 0, 0);
    const at = (s: number): string => JSON.stringify({ ts: new Date(T + s * 1000).toISOString() });
    const df = (await f.weir.readStream.format("kafka").option("subscribe", "readings").option("startingOffsets", "earliest").load())
      .select(from_json(col("value").cast("string"), "ts TIMESTAMP").alias("r"))
      .select("r.*")
      .withWatermark("ts", "5 seconds")
      .groupBy(window(col("ts"), "10 seconds"))
      .count();
    const batches: number[][] = [];
    const q = await df
      .writeStream.outputMode("update")
      .foreachBatch(async (b) => {
        batches.push((await b.collect()).map((r) => Number(r.count)));
      })
      .start();
    await f.produce("readings", [at(1), at(2)]);
    await q.processAllAvailable();
    await f.produce("readings", [at(31)]);
    await q.processAllAvailable();
    const removed = q.recentProgress.reduce((n, p) => n + (p.stateOperators[0]?.numRowsRemoved ?? 0), 0);
    assert.equal(removed, 1);
    assert.deepEqual(batches.filter((b) => b.length > 0), [[2], [1]]);
    await q.stop();
  });
});
