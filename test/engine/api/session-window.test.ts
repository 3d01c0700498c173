/**
 * session_window in batch queries, as Spark 4.0 computes it: sessions of a key merge while the
 * next row starts at or before the current end (touching sessions merge), a session ends at its
 * last event plus the gap, gaps per row, rows with a null time or a gap that is not a positive
 * duration dropped; outside an aggregation each row's own session. Expected rows are worked out
 * by hand from the data (and match PySpark 4.0 for the same DataFrame).
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { col, count, countDistinct, expr, lit, session_window, sum, when, window } from "../../../src/engine/api/functions.js";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import { Weir } from "../../../src/engine/session.js";
import { isWeirError } from "../../../src/util/errors.js";

const BASE = Date.UTC(2024, 0, 1, 10, 0, 0);
const t = (s: number): Date => new Date(BASE + s * 1000);
/** A session as seconds after 10:00:00. */
const sw = (start: number, end: number): { start: number; end: number } => ({ start, end });

/** a: 0, 4, 9 (4 + 5 touches 9), 20; b: 1 and a null time; c: 30, 2 (out of order). */
function events(weir: Weir): DataFrame {
  return weir.createDataFrame(
    [
      ["a", t(0), 1],
      ["a", t(4), 2],
      ["a", t(9), 3],
      ["a", t(20), 4],
      ["b", t(1), 5],
      ["b", null, 6],
      ["c", t(30), 7],
      ["c", t(2), 8],
    ],
    "user STRING, ts TIMESTAMP, v INT",
  );
}

/** Rows with session windows (any column holding {start, end} Dates) as seconds. */
async function rows(df: DataFrame): Promise<Record<string, unknown>[]> {
  return (await df.collect()).map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => {
        if (v !== null && typeof v === "object" && "start" in v && "end" in v) {
          const w = v as { start: Date; end: Date };
          return [k, sw((w.start.getTime() - BASE) / 1000, (w.end.getTime() - BASE) / 1000)];
        }
        return [k, v];
      }),
    ),
  );
}

describe("session_window (batch)", () => {
  const weir = Weir.local();
  const df = events(weir);

  it("merges a key's rows into sessions ending at the last event plus the gap", async () => {
    const g = df.groupBy(session_window("ts", "5 seconds"), "user").agg(count("*").alias("n"), sum("v").alias("s")).orderBy("user", "session_window.start");
    assert.deepEqual(g.dtypes, [
      ["session_window", "struct<start:timestamp,end:timestamp>"],
      ["user", "string"],
      ["n", "bigint"],
      ["s", "bigint"],
    ]);
    assert.deepEqual(await rows(g), [
      { session_window: sw(0, 14), user: "a", n: 3, s: 6 },
      { session_window: sw(20, 25), user: "a", n: 1, s: 4 },
      { session_window: sw(1, 6), user: "b", n: 1, s: 5 },
      { session_window: sw(2, 7), user: "c", n: 1, s: 8 },
      { session_window: sw(30, 35), user: "c", n: 1, s: 7 },
    ]);
  });

  it("keeps the key order of groupBy, and takes an alias", async () => {
    const g = df.groupBy("user", session_window(col("ts"), "5 seconds").alias("sw")).count().orderBy("user", "sw");
    assert.deepEqual(g.columns, ["user", "sw", "count"]);
    assert.deepEqual(
      (await rows(g)).map((r) => [r.user, r.sw, r.count]),
      [
        ["a", sw(0, 14), 3],
        ["a", sw(20, 25), 1],
        ["b", sw(1, 6), 1],
        ["c", sw(2, 7), 1],
        ["c", sw(30, 35), 1],
      ],
    );
  });

  it("without another key: sessions over all rows", async () => {
    assert.deepEqual(await rows(df.groupBy(session_window("ts", "5 seconds")).count().orderBy("session_window")), [
      { session_window: sw(0, 14), count: 5 },
      { session_window: sw(20, 25), count: 1 },
      { session_window: sw(30, 35), count: 1 },
    ]);
  });

  it("takes a gap per row; a row whose gap is zero, negative or not a duration is dropped", async () => {
    const gap = when(col("user").eq("a"), "5 seconds").when(col("user").eq("c"), "0 seconds").otherwise("20 seconds");
    assert.deepEqual(await rows(df.groupBy(session_window("ts", gap), "user").agg(count("*").alias("n")).orderBy("user", "session_window.start")), [
      { session_window: sw(0, 14), user: "a", n: 3 },
      { session_window: sw(20, 25), user: "a", n: 1 },
      { session_window: sw(1, 21), user: "b", n: 1 },
    ]);
    const bogus = when(col("v").eq(3), "bogus").otherwise("6 seconds");
    assert.deepEqual(await rows(df.groupBy(session_window("ts", bogus), "user").agg(count("*").alias("n")).orderBy("user", "session_window.start")), [
      { session_window: sw(0, 10), user: "a", n: 2 },
      { session_window: sw(20, 26), user: "a", n: 1 },
      { session_window: sw(1, 7), user: "b", n: 1 },
      { session_window: sw(2, 8), user: "c", n: 1 },
      { session_window: sw(30, 36), user: "c", n: 1 },
    ]);
  });

  it("a constant gap of zero or less gives no rows, as in Spark", async () => {
    assert.equal(await df.groupBy(session_window("ts", "0 seconds")).count().count(), 0);
    assert.equal(await df.groupBy(session_window("ts", "-5 seconds")).count().count(), 0);
  });

  it("outside an aggregation: each row's own session, rows with a null time dropped", async () => {
    const s = df.select("user", session_window("ts", "5 seconds")).orderBy("user", "session_window");
    assert.deepEqual(s.columns, ["user", "session_window"]);
    assert.deepEqual(
      (await rows(s)).map((r) => [r.user, r.session_window]),
      [
        ["a", sw(0, 5)],
        ["a", sw(4, 9)],
        ["a", sw(9, 14)],
        ["a", sw(20, 25)],
        ["b", sw(1, 6)],
        ["c", sw(2, 7)],
        ["c", sw(30, 35)],
      ],
    );
  });

  it("works from SQL expressions, with distinct aggregates, strings and window structs as the time", async () => {
    const viaSql = df.groupBy(expr("session_window(ts, '5 seconds')").alias("s"), col("user")).agg(expr("count(*)").alias("n")).where("user = 'a'").orderBy("s");
    assert.deepEqual(
      (await rows(viaSql)).map((r) => [r.s, r.n]),
      [
        [sw(0, 14), 3],
        [sw(20, 25), 1],
      ],
    );
    assert.deepEqual(
      (await rows(df.groupBy(session_window("ts", "5 seconds")).agg(countDistinct("user").alias("u")).orderBy("session_window"))).map((r) => r.u),
      [3, 1, 1],
    );
    assert.deepEqual(await rows(df.groupBy(session_window(lit("2024-01-01 10:00:00"), "5 seconds")).count()), [{ session_window: sw(0, 5), count: 8 }]);
    // A window struct's time is its end minus one microsecond (Spark's window_time).
    const windowed = df.where(col("user").eq("a")).select(window("ts", "10 seconds").alias("w"), "v");
    const fromWindows = windowed.groupBy(session_window("w", "10 seconds")).agg(sum("v").alias("s")).orderBy("session_window");
    const micros = (s: number): number => BASE * 1000 + s * 1_000_000 - 1;
    assert.deepEqual(await fromWindows.selectExpr("unix_micros(session_window.start) AS start", "unix_micros(session_window.end) AS end", "s").collect(), [
      { start: micros(10), end: micros(20), s: 6 },
      { start: micros(30), end: micros(40), s: 4 },
    ]);
  });

  it("a filter on the merged session stays above the aggregation", async () => {
    const g = df.groupBy(session_window("ts", "5 seconds")).count().where(col("session_window.end").gt(lit(t(10))));
    assert.deepEqual(
      (await rows(g.orderBy("session_window"))).map((r) => r.count),
      [5, 1, 1],
    );
    // The physical plan merges sessions, then filters.
    assert.match(g.explainString(), /Filter \(session_window#\d+\.end > [^\n]*\n\+- MergingSessions keys=\[session_window#\d+\]/);
  });

  it("refuses what Spark refuses, with its messages", () => {
    assert.throws(
      () => df.groupBy(session_window("v", "5 seconds")).count(),
      (e: unknown) => isWeirError(e, "ANALYSIS") && /\[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE\] Cannot resolve "session_window\(v, 5 seconds\)"/.test(e.message) && /"INT"/.test(e.message),
    );
    assert.throws(() => df.groupBy(session_window("ts", col("v"))).count(), /Gap duration expression used in session window must be CalendarIntervalType.*"INT"/);
    assert.throws(() => df.groupBy(session_window("ts", "5 secnds")).count(), /\[INVALID_INTERVAL_FORMAT\].*5 secnds/);
    assert.throws(() => df.groupBy(session_window("ts", "5 seconds"), window("ts", "5 seconds")).count(), /Multiple time\/session window expressions would result in a cartesian product of rows/);
  });
});
