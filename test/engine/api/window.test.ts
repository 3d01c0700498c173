// Window functions: ranking with ties, Spark's default frames (running with peers when ordered,
// whole partition when not), explicit ROWS and RANGE frames, and the generated column names.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { avg, col, count, cume_dist, dense_rank, desc, lag, lead, max, ntile, percent_rank, rank, row_number, sum } from "../../../src/engine/api/functions.js";
import { Window } from "../../../src/engine/api/window.js";
import { rows } from "../exec/helpers.js";

const scores = () =>
  rows(
    [
      { team: "a", who: "p1", pts: 10 },
      { team: "a", who: "p2", pts: 30 },
      { team: "a", who: "p3", pts: 30 },
      { team: "a", who: "p4", pts: 20 },
      { team: "b", who: "q1", pts: 5 },
      { team: "b", who: "q2", pts: null },
    ],
    "team STRING, who STRING, pts INT",
  );

function byWho(out: Record<string, unknown>[]): Record<string, unknown[]> {
  return Object.fromEntries(out.map((r) => [r.who as string, Object.entries(r).filter(([k]) => k !== "who" && k !== "team" && k !== "pts").map(([, v]) => v)]));
}

describe("window functions", () => {
  it("row_number, rank and dense_rank with ties (descending: nulls last)", async () => {
    const w = Window.partitionBy("team").orderBy(desc("pts"));
    const out = await scores().select("team", "who", "pts", row_number().over(w).alias("rn"), rank().over(w).alias("r"), dense_rank().over(w).alias("dr")).collect();
    const m = byWho(out);
    assert.deepEqual(m.p2.slice(1), [1, 1]);
    assert.deepEqual(m.p3.slice(1), [1, 1]);
    assert.deepEqual([m.p2[0], m.p3[0]].sort(), [1, 2]);
    assert.deepEqual(m.p4, [3, 3, 2]);
    assert.deepEqual(m.p1, [4, 4, 3]);
    assert.deepEqual(m.q1, [1, 1, 1]);
    assert.deepEqual(m.q2, [2, 2, 2]);
  });

  it("an ordered window aggregates RANGE UNBOUNDED PRECEDING..CURRENT ROW: ties are peers", async () => {
    const w = Window.partitionBy("team").orderBy("pts");
    const out = await scores().select("team", "who", "pts", sum("pts").over(w).alias("run"), count("*").over(w).alias("n")).collect();
    assert.deepEqual(byWho(out), {
      p1: [10, 1],
      p4: [30, 2],
      p2: [90, 4],
      p3: [90, 4],
      q2: [null, 1],
      q1: [5, 2],
    });
  });

  it("an unordered window aggregates the whole partition", async () => {
    const out = await scores()
      .withColumn("total", sum("pts").over(Window.partitionBy("team")))
      .withColumn("best", max("pts").over(Window.partitionBy("team")))
      .withColumn("mean", avg("pts").over(Window.partitionBy("team")))
      .collect();
    assert.deepEqual(byWho(out), {
      p1: [90, 30, 22.5],
      p2: [90, 30, 22.5],
      p3: [90, 30, 22.5],
      p4: [90, 30, 22.5],
      q1: [5, 5, 5],
      q2: [5, 5, 5],
    });
  });

  it("ROWS and RANGE frames with offsets", async () => {
    const df = rows([1, 2, 4, 5, 9].map((x, i) => ({ id: i, x })), "id INT, x INT");
    const rowsFrame = Window.orderBy("id").rowsBetween(-1, 1);
    const rangeFrame = Window.orderBy("x").rangeBetween(-1, 1);
    const rest = Window.orderBy("id").rowsBetween(Window.currentRow, Window.unboundedFollowing);
    const out = await df.select("x", sum("x").over(rowsFrame).alias("moving"), sum("x").over(rangeFrame).alias("near"), sum("x").over(rest).alias("rest")).collect();
    assert.deepEqual(
      out.map((r) => [r.x, r.moving, r.near, r.rest]),
      [
        [1, 3, 3, 21],
        [2, 7, 3, 20],
        [4, 11, 9, 18],
        [5, 18, 9, 14],
        [9, 14, 9, 9],
      ],
    );
  });

  it("percent_rank, cume_dist, ntile, lag and lead", async () => {
    const df = rows([10, 20, 20, 30, 40].map((x, i) => ({ id: i, x })), "id INT, x INT");
    const w = Window.orderBy("x", "id");
    const byX = Window.orderBy("x");
    const out = await df
      .select("id", percent_rank().over(byX).alias("pr"), cume_dist().over(byX).alias("cd"), ntile(2).over(w).alias("t"), lag("x").over(w).alias("prev"), lead("x", 2, -1).over(w).alias("next2"))
      .orderBy("id")
      .collect();
    assert.deepEqual(
      out.map((r) => [r.pr, r.cd, r.t, r.prev, r.next2]),
      [
        [0, 0.2, 1, null, 20],
        [0.25, 0.6, 1, 10, 30],
        [0.25, 0.6, 1, 20, 40],
        [0.75, 0.8, 2, 20, -1],
        [1, 1, 2, 30, -1],
      ],
    );
    assert.deepEqual(df.select(lag("x").over(w)).columns, ["lag(x, 1, NULL) OVER (ORDER BY x ASC NULLS FIRST, id ASC NULLS FIRST ROWS BETWEEN -1 FOLLOWING AND -1 FOLLOWING)"]);
  });

  it("names window columns as Spark does", () => {
    const df = scores().select(row_number().over(Window.partitionBy("team").orderBy("pts")), sum("pts").over(Window.partitionBy("team")));
    assert.deepEqual(df.columns, [
      "row_number() OVER (PARTITION BY team ORDER BY pts ASC NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
      "sum(pts) OVER (PARTITION BY team ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)",
    ]);
  });

  it("requires an ordered window for ranking functions and an OVER clause for them", () => {
    assert.throws(() => scores().select(rank().over(Window.partitionBy("team"))), /requires an ordered window/);
    assert.throws(() => scores().select(row_number()), /WINDOW_FUNCTION_WITHOUT_OVER_CLAUSE/);
    assert.throws(() => scores().select(col("pts").over(Window.orderBy("pts"))), /UNSUPPORTED_EXPR_FOR_WINDOW/);
  });
});
