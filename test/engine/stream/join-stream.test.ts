/**
 * Stream-stream joins: inner, outer (left, right, full) and left semi joins of two Kafka streams,
 * batch by batch (each step runs the query with Trigger.AvailableNow on one checkpoint, so the
 * batches are exactly the steps, and every step is a restart that restores the join state);
 * outer rows appearing only once the watermark passes; state eviction visible in numRowsTotal;
 * late rows counted; a re-run uncommitted batch; the checkpoint fingerprint; and Spark's refusals.
 */
import { strict as assert } from "node:assert";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import { col, count, expr, from_json, window } from "../../../src/engine/api/functions.js";
import type { StreamingQuery } from "../../../src/engine/stream/query.js";
import { isWeirError } from "../../../src/util/errors.js";
import { Weir } from "../../../src/engine/session.js";
import { streamFixture, type StreamFixture } from "./helpers.js";

const T = Date.UTC(2024, 0, 1, 12, 0, 0);
/** An ISO time `s` seconds after 12:00:00. */
const at = (s: number): string => new Date(T + s * 1000).toISOString();
/** Seconds after 12:00:00 of a collected timestamp. */
const sec = (d: unknown): string => (d === null ? "-" : String(((d as Date).getTime() - T) / 1000));
/** A string column's value, `-` for null. */
const str = (v: unknown): string => (typeof v === "string" ? v : "-");

const RANGE = "clickAdId = adId AND clickTime >= impTime AND clickTime <= impTime + INTERVAL 1 MINUTE";

describe("stream-stream joins", () => {
  let f: StreamFixture;
  beforeEach(async () => {
    f = await streamFixture({ imps: 1, clicks: 1 });
  });
  afterEach(async () => {
    await f.close();
  });

  const stream = async (topic: string, schema: string): Promise<DataFrame> =>
    (await f.weir.readStream.format("kafka").option("subscribe", topic).option("startingOffsets", "earliest").load())
      .select(from_json(col("value").cast("string"), schema).alias("e"))
      .select("e.*");
  const impressions = async (watermark: string | null = "10 seconds"): Promise<DataFrame> => {
    const df = await stream("imps", "adId STRING, impTime TIMESTAMP");
    return watermark === null ? df : df.withWatermark("impTime", watermark);
  };
  const clicks = async (watermark: string | null = "10 seconds"): Promise<DataFrame> => {
    const df = await stream("clicks", "clickAdId STRING, clickTime TIMESTAMP");
    return watermark === null ? df : df.withWatermark("clickTime", watermark);
  };
  const imp = (ad: string, s: number): string => JSON.stringify({ adId: ad, impTime: at(s) });
  const click = (ad: string, s: number): string => JSON.stringify({ clickAdId: ad, clickTime: at(s) });
  /** A joined row as `ad@impSeconds|ad@clickSeconds` (`-` for nulls). */
  const pair = (r: Record<string, unknown>): string => `${str(r.adId)}@${sec(r.impTime ?? null)}|${str(r.clickAdId)}@${sec(r.clickTime ?? null)}`;

  /**
   * Runs `build()`'s query once with Trigger.AvailableNow over checkpoint `cp`: every batch it
   * runs is recorded in `batches` (id and sorted rows).
   */
  const step = async (build: () => Promise<DataFrame>, cp: string, batches: [number, string[]][], show: (r: Record<string, unknown>) => string = pair): Promise<StreamingQuery> => {
    const q = await (await build()).writeStream
      .outputMode("append")
      .trigger({ availableNow: true })
      .option("checkpointLocation", cp)
      .foreachBatch(async (df, id) => {
        batches.push([id, (await df.collect()).map(show).sort()]);
      })
      .start();
    await q.awaitTermination();
    return q;
  };

  it("left outer join with a time range: matches at once, unmatched rows null-padded only once the watermark passes, state evicted, late rows counted", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    const build = async (): Promise<DataFrame> => (await impressions()).join(await clicks(), expr(RANGE), "leftOuter");
    await f.produce("imps", [imp("a", 0), imp("b", 5), imp("c", 10)]);
    await f.produce("clicks", [click("a", 30), click("b", 100)]);
    const q1 = await step(build, cp, batches);
    // Batch 0 joins a; b's click is outside b's hour range. The watermark moves to 12:00:00 (the
    // impressions' 10 s - 10 s); the batch without data after it evicts nothing yet.
    assert.deepEqual(batches, [
      [0, ["a@0|a@30"]],
      [1, []],
    ]);
    assert.equal(q1.recentProgress[0].stateOperators[0].operatorName, "symmetricHashJoin");
    assert.equal(q1.recentProgress[1].stateOperators[0].numRowsTotal, 5);
    await f.produce("imps", [imp("d", 200)]);
    await f.produce("clicks", [click("d", 205)]);
    const q2 = await step(build, cp, batches);
    // Watermark 190 s: impressions up to 129.999 s can match no future click, so b and c are
    // emitted with nulls; clicks up to 189.999 s can match no future impression.
    assert.deepEqual(batches.slice(2), [
      [2, ["d@200|d@205"]],
      [3, ["b@5|-@-", "c@10|-@-"]],
    ]);
    const evict = q2.recentProgress[1].stateOperators[0];
    assert.equal(q2.recentProgress[1].eventTime.watermark, at(190));
    assert.equal(evict.numRowsRemoved, 5);
    assert.equal(evict.numRowsTotal, 2);
    // A late impression (100 s ≤ watermark 190 s) is dropped and counted; a new click joins d.
    await f.produce("imps", [imp("e", 100)]);
    await f.produce("clicks", [click("d", 210)]);
    const q3 = await step(build, cp, batches);
    assert.deepEqual(batches.slice(4), [[4, ["d@200|d@210"]]]);
    assert.equal(q3.recentProgress[0].stateOperators[0].numRowsDroppedByWatermark, 1);
    assert.equal(q3.recentProgress[0].stateOperators[0].numRowsTotal, 3);
  });

  it("inner join: every pair once, whichever batch each side came in", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    const build = async (): Promise<DataFrame> => (await impressions()).join(await clicks(), expr(RANGE));
    // Both sides in one batch.
    await f.produce("imps", [imp("x", 0), imp("y", 0)]);
    await f.produce("clicks", [click("x", 10)]);
    await step(build, cp, batches);
    // A click for an impression of an earlier batch, and a pair in one batch.
    await f.produce("clicks", [click("x", 20), click("y", 16)]);
    await f.produce("imps", [imp("z", 15)]);
    await f.produce("clicks", [click("z", 16)]);
    await step(build, cp, batches);
    // An impression for clicks of earlier batches: it matches those in its range only.
    await f.produce("imps", [imp("x", 12)]);
    await step(build, cp, batches);
    assert.deepEqual(
      batches.filter((b) => b[1].length > 0),
      [
        [0, ["x@0|x@10"]],
        [2, ["x@0|x@20", "y@0|y@16", "z@15|z@16"]],
        [4, ["x@12|x@20"]],
      ],
    );
  });

  it("right outer and full outer joins emit each side's unmatched rows once the watermark passes", async () => {
    for (const how of ["rightOuter", "fullOuter"] as const) {
      const cp = join(f.dir, `cp-${how}`);
      const batches: [number, string[]][] = [];
      const cond = "clickAdId = adId AND clickTime >= impTime - INTERVAL 30 SECONDS AND clickTime <= impTime + INTERVAL 30 SECONDS";
      const build = async (): Promise<DataFrame> => (await impressions()).join(await clicks(), expr(cond), how);
      await f.produce("imps", [imp("a", 0), imp("b", 0)]);
      await f.produce("clicks", [click("a", 10), click("c", 20)]);
      await step(build, cp, batches);
      await f.produce("imps", [imp("z", 300)]);
      await f.produce("clicks", [click("z", 300)]);
      await step(build, cp, batches);
      const rows = batches.filter((b) => b[1].length > 0);
      const unmatched = how === "rightOuter" ? ["-@-|c@20"] : ["-@-|c@20", "b@0|-@-"];
      assert.deepEqual(rows, [
        [0, ["a@0|a@10"]],
        [2, ["z@300|z@300"]],
        [3, unmatched.sort()],
      ], how);
      // Delete the topics' records for the next round by reading them from a fresh checkpoint only.
      await rm(cp, { recursive: true, force: true });
      f = await resetTopics(f);
    }
  });

  it("left semi join emits each left row once, when it first matches", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    const build = async (): Promise<DataFrame> => (await impressions()).join(await clicks(), expr(RANGE), "leftSemi");
    const show = (r: Record<string, unknown>): string => `${String(r.adId)}@${sec(r.impTime)}`;
    await f.produce("imps", [imp("a", 0), imp("b", 0)]);
    await f.produce("clicks", [click("a", 10), click("a", 11)]);
    await step(build, cp, batches, show);
    await f.produce("clicks", [click("a", 12), click("b", 13), click("b", 14)]);
    await step(build, cp, batches, show);
    assert.deepEqual(
      batches.filter((b) => b[1].length > 0),
      [
        [0, ["a@0"]],
        [2, ["b@0"]],
      ],
    );
  });

  it("full outer join on equal event-time windows: the windows are evicted by the watermark in the join key", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    const build = async (): Promise<DataFrame> => {
      const l = (await impressions()).select(window(col("impTime"), "1 minute").alias("w"), col("adId"));
      const r = (await clicks()).select(window(col("clickTime"), "1 minute").alias("cw"), col("clickAdId"));
      return l.join(r, expr("adId = clickAdId AND w = cw"), "full_outer");
    };
    const show = (r: Record<string, unknown>): string => {
      const w = (x: unknown): string => (x === null ? "-" : sec((x as { start: Date }).start));
      return `${str(r.adId)}@${w(r.w)}|${str(r.clickAdId)}@${w(r.cw)}`;
    };
    await f.produce("imps", [imp("a", 5), imp("b", 10)]);
    await f.produce("clicks", [click("a", 20), click("c", 70)]);
    await step(build, cp, batches, show);
    await f.produce("imps", [imp("z", 200)]);
    await f.produce("clicks", [click("z", 230)]);
    const q = await step(build, cp, batches, show);
    assert.deepEqual(
      batches.filter((b) => b[1].length > 0),
      [
        [0, ["a@0|a@0"]],
        [2, ["z@180|z@180"]],
        [3, ["-@-|c@60", "b@0|-@-"]],
      ],
    );
    assert.equal(q.lastProgress!.stateOperators[0].numRowsTotal, 2);
  });

  it("the condition's other parts are checked after the key match; one-side parts filter before it", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    const build = async (): Promise<DataFrame> => (await impressions(null)).join(await clicks(null), expr("adId = clickAdId AND clickTime > impTime AND adId <> 'skip'"), "inner");
    await f.produce("imps", [imp("a", 10), imp("skip", 0)]);
    await f.produce("clicks", [click("a", 5), click("a", 15), click("skip", 20)]);
    const q = await step(build, cp, batches);
    assert.deepEqual(batches, [[0, ["a@10|a@15"]]]);
    // Without watermarks nothing is evicted: the rows of both sides stay (the filtered 'skip' impression is not stored).
    assert.equal(q.lastProgress!.stateOperators[0].numRowsTotal, 4);
  });

  it("an aggregation after the join closes its windows by the join's output watermark", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    const build = async (): Promise<DataFrame> =>
      (await impressions())
        .join(await clicks(), expr(RANGE))
        .groupBy(window(col("impTime"), "1 minute"))
        .agg(count("*").alias("n"));
    const show = (r: Record<string, unknown>): string => `${sec((r.window as { start: Date }).start)}:${String(r.n)}`;
    await f.produce("imps", [imp("a", 0), imp("b", 30)]);
    await f.produce("clicks", [click("a", 50), click("b", 40)]);
    await step(build, cp, batches, show);
    // Watermark 320 s; the join may still emit impressions above its left state bound (259.999 s),
    // so the aggregation runs with that watermark: [0, 60) is final, [240, 300) is not yet.
    await f.produce("imps", [imp("c", 250), imp("d", 330)]);
    await f.produce("clicks", [click("c", 260), click("d", 330)]);
    await step(build, cp, batches, show);
    assert.deepEqual(batches.filter((b) => b[1].length > 0), [[3, ["0:2"]]]);
  });

  it("a batch re-run after a crash before its commit gives the same output from the same state", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    const build = async (): Promise<DataFrame> => (await impressions()).join(await clicks(), expr(RANGE), "leftOuter");
    await f.produce("imps", [imp("a", 0), imp("b", 5)]);
    await f.produce("clicks", [click("a", 30)]);
    await step(build, cp, batches);
    await f.produce("imps", [imp("d", 200)]);
    await f.produce("clicks", [click("d", 205)]);
    await step(build, cp, batches);
    const first = batches.slice(2);
    assert.deepEqual(first, [
      [2, ["d@200|d@205"]],
      [3, ["b@5|-@-"]],
    ]);
    // As if the process died after batch 2 wrote its state and output but before commits/2.
    await rm(join(cp, "commits", "3"));
    await rm(join(cp, "offsets", "3"));
    await rm(join(cp, "commits", "2"));
    const again: [number, string[]][] = [];
    await step(build, cp, again);
    assert.deepEqual(again, first);
  });

  it("refuses a restart whose join changed", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    await step(async () => (await impressions()).join(await clicks(), expr(RANGE), "leftOuter"), cp, batches);
    await assert.rejects(
      step(async () => (await impressions()).join(await clicks(), expr(RANGE), "inner"), cp, batches),
      (e: unknown) => isWeirError(e, "CHECKPOINT") && /stateful operators were \[streamStreamJoin\(type: LeftOuter.*are now \[streamStreamJoin\(type: Inner/.test(e.message),
    );
  });

  it("refuses what Spark refuses, saying what is missing", async () => {
    const start = async (df: DataFrame, mode = "append"): Promise<unknown> => df.writeStream.format("memory").queryName(`q${Math.random()}`.replace(".", "")).outputMode(mode).start();
    const refuses = async (df: DataFrame, re: RegExp, mode = "append"): Promise<void> => {
      await assert.rejects(start(df, mode), (e: unknown) => isWeirError(e, "ANALYSIS") && re.test(e.message));
    };
    const inner = (await impressions()).join(await clicks(), expr(RANGE));
    await refuses(inner, /^Join between two streaming DataFrames\/Datasets is not supported in Update output mode, only in Append output mode$/, "update");
    await refuses(inner.groupBy("adId").count(), /^Join between two streaming DataFrames\/Datasets is not supported in Complete output mode, only in Append output mode$/, "complete");
    const spark = "Stream-stream LeftOuter join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition: ";
    await refuses((await impressions()).join(await clicks(null), expr(RANGE), "left_outer"), new RegExp(`^${escape(spark)}the right side has no watermark: add withWatermark\\(\\) on its event-time column\\.$`));
    await refuses(
      (await impressions()).join(await clicks(), expr("clickAdId = adId"), "left_outer"),
      new RegExp(`^${escape(spark)}no join key is a watermarked column, and no condition bounds the left side's event time by the right side's watermarked column`),
    );
    await refuses(
      (await impressions(null)).join(await clicks(), expr(RANGE), "left_outer"),
      /^Stream-stream LeftOuter join: the left side's rows without a match could never be emitted, because nothing says when no match can come any more; the left side has no watermark: add withWatermark\(\) on its event-time column\. Outer joins need watermarks on both sides and a time constraint/,
    );
    await refuses(
      (await impressions()).join(await clicks(), expr("clickAdId = adId AND clickTime >= impTime"), "full_outer"),
      /^Stream-stream FullOuter join: the left side's rows without a match could never be emitted, .*no condition bounds the left side's event time by the right side's watermarked column/,
    );
    await refuses((await impressions()).join(await clicks(), expr(RANGE), "left_anti"), /^LeftAnti joins with a streaming DataFrame\/Dataset on the right are not supported$/);
    await refuses((await impressions()).join(await clicks(), expr("clickTime >= impTime AND clickTime <= impTime + INTERVAL 1 MINUTE")), /^Stream-stream join without equality predicate is not supported/);
    await refuses((await impressions()).crossJoin(await clicks()), /^Stream-stream join without equality predicate is not supported/);
    const counts = (await impressions()).groupBy(window(col("impTime"), "1 minute"), col("adId")).count();
    await refuses(counts.join(await clicks(), expr("clickAdId = adId")), /^A streaming aggregation before a stream-stream Inner join is not supported by Weir/);
    // A stream-static join stays stateless and allowed.
    const ads = f.weir.createDataFrame([{ adId: "a", campaign: "c1" }]);
    const q = (await start((await impressions()).join(ads, "adId"))) as StreamingQuery;
    await q.stop();
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A fresh fixture with empty topics (the old one closed). */
async function resetTopics(old: StreamFixture): Promise<StreamFixture> {
  await old.close();
  return streamFixture({ imps: 1, clicks: 1 });
}

describe("INTERVAL literals (join conditions' time ranges)", () => {
  it("are added to or subtracted from timestamps, and refused anywhere else", async () => {
    const weir = Weir.local();
    try {
      const df = weir.createDataFrame([{ ts: new Date(T) }]);
      const out = await df
        .select(
          expr("ts + INTERVAL 1 HOUR").alias("a"),
          expr("ts - INTERVAL '30' MINUTES").alias("b"),
          expr("ts + interval 1 hour 30 minutes - INTERVAL '10 seconds'").alias("c"),
          expr("INTERVAL 2 DAYS + ts").alias("d"),
          expr("ts + (INTERVAL 1 DAY - INTERVAL 1 HOUR)").alias("e"),
        )
        .collect();
      assert.deepEqual(out, [{ a: new Date(T + 3_600_000), b: new Date(T - 1_800_000), c: new Date(T + 5_390_000), d: new Date(T + 172_800_000), e: new Date(T + 82_800_000) }]);
      assert.throws(() => df.select(expr("INTERVAL 1 HOUR")), (e: unknown) => isWeirError(e, "PARSE") && /an INTERVAL literal can only be added to or subtracted from a timestamp/.test(e.message));
      assert.throws(() => df.select(expr("INTERVAL 1 HOUR - ts")), /an INTERVAL cannot have a timestamp subtracted from it/);
      assert.throws(() => df.select(expr("ts + INTERVAL 1 MONTH")), /months and years are not fixed durations/);
      assert.throws(() => df.select(expr("ts + INTERVAL 1")), /expected an interval unit/);
    } finally {
      await weir.close();
    }
  });
});

