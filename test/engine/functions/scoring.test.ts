// Scoring functions: sentiment() against known scores (formula in docs/engine.md), and the
// zscore / is_anomaly aggregates in groupBy and over windows, through the DataFrame API.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { avg, col, expr, is_anomaly, sentiment, stddev, zscore } from "../../../src/engine/api/functions.js";
import { Window } from "../../../src/engine/api/window.js";
import { rawSentiment, sentimentScore } from "../../../src/engine/functions/scoring.js";
import { LEXICON } from "../../../src/engine/functions/sentiment-lexicon.js";
import { Weir } from "../../../src/engine/session.js";
import { DoubleType, StringType } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { evalAggregate, evalScalar } from "./helpers.js";

/** The documented normalisation: 1 / (1 + e^(-raw / 2)). */
const norm = (raw: number): number => 1 / (1 + Math.exp(-raw / 2));
const close = (a: unknown, b: number, eps = 1e-9): void => assert.ok(typeof a === "number" && Math.abs(a - b) < eps, `${String(a)} ≉ ${b}`);

describe("sentiment", () => {
  it("scores single words by the lexicon, normalised logistically", () => {
    close(sentimentScore("good"), norm(2));
    close(sentimentScore("terrible"), norm(-3));
    close(sentimentScore("excellent"), norm(3));
    close(sentimentScore("The service was good"), norm(2));
  });

  it("is 0.5 for an empty or neutral text, null for null", () => {
    assert.equal(evalScalar("sentiment", ""), 0.5);
    assert.equal(evalScalar("sentiment", "the table is brown"), 0.5);
    assert.equal(evalScalar("sentiment", null), null);
  });

  it("negates: the next scored word within 3 words counts -0.5 times, up to punctuation", () => {
    assert.equal(rawSentiment("not good"), -1);
    assert.equal(rawSentiment("not bad"), 1);
    assert.equal(rawSentiment("I don't like it"), -0.5);
    assert.equal(rawSentiment("it isn't a good deal"), -1);
    assert.equal(rawSentiment("no, good"), 2);
    assert.equal(rawSentiment("not the one I had in mind, good"), 2);
  });

  it("intensifies and softens the next scored word", () => {
    assert.equal(rawSentiment("very good"), 3);
    assert.equal(rawSentiment("extremely bad"), -3.6);
    assert.equal(rawSentiment("slightly disappointing"), -1);
    assert.equal(rawSentiment("not very good"), -1.5);
  });

  it("reads inflections, capitals, '!', emoticons and emoji", () => {
    assert.equal(rawSentiment("I loved it"), 3);
    assert.equal(rawSentiment("happily"), 2);
    assert.equal(rawSentiment("winning"), 2);
    close(rawSentiment("GOOD product"), 2.6);
    close(rawSentiment("good!"), 2.2);
    close(rawSentiment("good!!!!!!"), 2.8);
    assert.equal(rawSentiment("arrived today :)"), 2);
    assert.equal(rawSentiment("arrived today :("), -2);
    assert.equal(rawSentiment("👍"), 2);
    assert.equal(rawSentiment("❤️"), 3);
    assert.equal(rawSentiment("see http://example.com/a:b"), 0);
  });

  it("places the demo's phrases on the documented bands (< 0.3 negative, > 0.9 very positive)", () => {
    assert.ok(sentimentScore("The worst purchase ever. Broken after a day!") < 0.3);
    assert.ok(sentimentScore("It doesn't work :(") < 0.3);
    assert.ok(sentimentScore("Absolutely love it!!") > 0.9);
    assert.ok(sentimentScore("Great service, fast delivery, would recommend 👍") > 0.9);
    const meh = sentimentScore("It's okay I guess");
    assert.ok(meh > 0.5 && meh < 0.7);
  });

  it("has a lexicon of 300-500 words scored -3..+3", () => {
    assert.ok(LEXICON.size >= 300 && LEXICON.size <= 500, String(LEXICON.size));
    for (const [w, s] of LEXICON) assert.ok(Number.isInteger(s) && s >= -3 && s <= 3 && s !== 0 && w === w.toLowerCase(), w);
  });

  it("runs in a DataFrame and in SQL expressions", async () => {
    const weir = Weir.local();
    const df = weir.createDataFrame([{ id: 1, text: "very good" }, { id: 2, text: "not good" }, { id: 3, text: null }, { id: 4, text: "" }], "id INT, text STRING");
    const out = await df.select(col("id"), sentiment(col("text")).alias("s"), expr("sentiment(text)").alias("sql")).orderBy("id").collect();
    assert.deepEqual(
      out.map((r) => r.s),
      [norm(3), norm(-1), null, 0.5],
    );
    assert.deepEqual(
      out.map((r) => r.sql),
      out.map((r) => r.s),
    );
    assert.deepEqual(df.select(sentiment("text")).dtypes, [["sentiment(text)", "double"]]);
  });
});

describe("zscore and is_anomaly", () => {
  const series = [1, 2, 3, 4, 10];
  // mean 4, sample stddev sqrt(50 / 4): the last value, 10, is 6 / 3.5355... = 1.697 stddevs out.
  const z10 = 6 / Math.sqrt(12.5);

  it("as an aggregate: the z-score of the last row against the group, merged across partitions", () => {
    const rows = series.map((x) => [x]);
    close(evalAggregate("zscore", [DoubleType], rows), z10);
    close(evalAggregate("zscore", [DoubleType], rows, { parts: 3 }), z10);
    close(evalAggregate("zscore", [DoubleType], rows, { parts: 5 }), z10);
    close(evalAggregate("zscore", [StringType], series.map((x) => [String(x)])), z10);
  });

  it("is null with fewer than 2 values, a stddev of 0, or a null last value; other nulls are skipped", () => {
    assert.equal(evalAggregate("zscore", [DoubleType], [[5]]), null);
    assert.equal(evalAggregate("zscore", [DoubleType], []), null);
    assert.equal(evalAggregate("zscore", [DoubleType], [[3], [3], [3]]), null);
    assert.equal(evalAggregate("zscore", [DoubleType], [[1], [2], [null]]), null);
    close(evalAggregate("zscore", [DoubleType], [[1], [null], [2], [3], [null], [4], [10]], { parts: 4 }), z10);
    assert.equal(evalAggregate("is_anomaly", [DoubleType], [[5]]), null);
  });

  it("in groupBy().agg() through the DataFrame API", async () => {
    const weir = Weir.local();
    const rows = [...series.map((x) => ({ g: "a", x })), { g: "b", x: 7 }, { g: "c", x: 1 }, { g: "c", x: 3 }];
    const out = await weir.createDataFrame(rows, "g STRING, x DOUBLE").groupBy("g").agg(zscore("x").alias("z"), is_anomaly("x", 1.5).alias("hi")).orderBy("g").collect();
    close(out[0].z, z10);
    assert.equal(out[0].hi, true);
    // b: one value, no stddev; c: 3 against [1, 3] is (3 - 2) / sqrt(2).
    assert.deepEqual(out[1], { g: "b", z: null, hi: null });
    close(out[2].z, Math.SQRT1_2);
    assert.equal(out[2].hi, false);
  });

  it("over a sliding ROWS frame equals (x - avg) / stddev over the same frame", async () => {
    const weir = Weir.local();
    const rows: { sensor: string; ts: number; x: number | null }[] = [];
    for (const sensor of ["s1", "s2"]) {
      for (let ts = 0; ts < 40; ts++) rows.push({ sensor, ts, x: ts === 7 ? null : ((ts * 37) % 11) + (sensor === "s2" ? 100 : 0) });
    }
    for (const frame of [[-99, 0], [-4, 0]] as const) {
      const w = Window.partitionBy("sensor").orderBy("ts").rowsBetween(frame[0], frame[1]);
      const out = await weir
        .createDataFrame(rows, "sensor STRING, ts INT, x DOUBLE")
        .select("sensor", "ts", "x", zscore(col("x")).over(w).alias("z"), avg("x").over(w).alias("m"), stddev("x").over(w).alias("sd"))
        .orderBy("sensor", "ts")
        .collect();
      assert.equal(out.length, 80);
      for (const r of out) {
        const expected = r.x === null || r.sd === null || r.sd === 0 ? null : ((r.x as number) - (r.m as number)) / (r.sd as number);
        if (expected === null) assert.equal(r.z, null, JSON.stringify(r));
        else close(r.z, expected, 1e-9);
      }
      assert.equal(out[0].z, null, "one row: no stddev");
    }
  });

  it("flags a spike over a window, with the threshold given or the default 3", async () => {
    const weir = Weir.local();
    const values = Array.from({ length: 30 }, (_, i) => (i === 20 ? 100 : 10 + (i % 3)));
    const df = weir.createDataFrame(
      values.map((x, ts) => ({ sensor: "s", ts, x })),
      "sensor STRING, ts INT, x DOUBLE",
    );
    const w = Window.partitionBy("sensor").orderBy("ts").rowsBetween(-99, 0);
    const out = await df.select("ts", is_anomaly("x").over(w).alias("a3"), is_anomaly(col("x"), 10).over(w).alias("a10")).orderBy("ts").collect();
    assert.equal(out[0].a3, null);
    assert.deepEqual(
      out.filter((r) => r.a3 === true).map((r) => r.ts),
      [20],
    );
    assert.deepEqual(
      out.filter((r) => r.a10 === true).map((r) => r.ts),
      [],
    );
    const sql = await df.selectExpr("ts", "is_anomaly(x, 3) OVER (PARTITION BY sensor ORDER BY ts ROWS BETWEEN 99 PRECEDING AND CURRENT ROW) AS a").where("a").collect();
    assert.deepEqual(
      sql.map((r) => r.ts),
      [20],
    );
  });

  it("refuses non-numeric input and a bad threshold at analysis", () => {
    const df = Weir.local().createDataFrame([{ b: true, x: 1 }], "b BOOLEAN, x DOUBLE");
    const analysis = (fn: () => unknown, message: RegExp): void =>
      assert.throws(fn, (e: unknown) => isWeirError(e, "ANALYSIS") && message.test(e.message));
    analysis(() => df.groupBy().agg(zscore("b")), /NUMERIC/);
    analysis(() => df.groupBy().agg(is_anomaly("x", 0)), /positive/);
    analysis(() => df.groupBy().agg(expr("is_anomaly(x, x)")), /constant/);
  });
});
