// groupBy().agg() and the GroupedData shortcuts: Spark's output names and types, aggregate
// extraction from larger expressions, and the MISSING_AGGREGATION error.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { avg, bool_and, bool_or, col, count, count_if, countDistinct, expr, lit, lower, max, min, round, sum, sum_distinct, collect_list, window } from "../../../src/engine/api/functions.js";
import { isWeirError } from "../../../src/util/errors.js";
import { frame, rows, sorted } from "../exec/helpers.js";

const sales = () =>
  frame("shop STRING, item STRING, amount INT", [
    [
      ["a", "x", 10],
      ["b", "y", 5],
      ["a", "y", null],
    ],
    [
      ["a", "x", 20],
      ["B", "z", 7],
      [null, "x", 1],
    ],
  ]).df;

describe("GroupedData", () => {
  it("aggregates per group across partitions with Spark's names and types", async () => {
    const df = sales().groupBy("shop").agg(count("*"), count("amount"), sum("amount"), avg("amount"), min("item"), max("amount"));
    assert.deepEqual(df.columns, ["shop", "count(1)", "count(amount)", "sum(amount)", "avg(amount)", "min(item)", "max(amount)"]);
    assert.deepEqual(
      df.dtypes.map(([, t]) => t),
      ["string", "bigint", "bigint", "bigint", "double", "string", "int"],
    );
    assert.deepEqual(sorted(await df.collect()), [
      ["B", 1, 1, 7, 7, "z", 7],
      ["a", 3, 2, 30, 15, "x", 20],
      ["b", 1, 1, 5, 5, "y", 5],
      [null, 1, 1, 1, 1, "x", 1],
    ]);
  });

  it("computes expressions over aggregates and over grouping expressions", async () => {
    const df = sales()
      .groupBy(lower(col("shop")).alias("s"))
      .agg(round(sum("amount").divide(count("amount")), 1).alias("mean"), sum("amount").plus(lit(1)));
    assert.deepEqual(df.columns, ["s", "mean", "(sum(amount) + 1)"]);
    assert.deepEqual(sorted(await df.collect()), [
      ["a", 15, 31],
      ["b", 6, 13],
      [null, 1, 2],
    ]);
  });

  it("takes the map form and the shortcuts", async () => {
    const g = sales().groupBy("item");
    assert.deepEqual(g.agg({ amount: "max", "*": "count" }).columns, ["item", "max(amount)", "count(1)"]);
    assert.deepEqual(sorted(await g.count().collect()), [
      ["x", 3],
      ["y", 2],
      ["z", 1],
    ]);
    assert.deepEqual(g.count().columns, ["item", "count"]);
    assert.deepEqual(g.sum().columns, ["item", "sum(amount)"]);
    assert.deepEqual(sorted(await g.avg("amount").collect()), [
      ["x", 31 / 3],
      ["y", 5],
      ["z", 7],
    ]);
    assert.deepEqual(g.mean("amount").columns, ["item", "avg(amount)"]);
    assert.deepEqual(g.min("amount").columns, ["item", "min(amount)"]);
  });

  it("aggregates the whole frame, giving one row even with no input", async () => {
    assert.deepEqual(await sales().agg(count("*").alias("n"), sum("amount")).collect(), [{ n: 6, "sum(amount)": 43 }]);
    assert.deepEqual(await sales().filter(col("amount").gt(1000)).agg(count("*"), sum("amount")).collect(), [{ "count(1)": 0, "sum(amount)": null }]);
    assert.deepEqual(await sales().select(countDistinct("shop"), sum_distinct("amount")).collect(), [{ "count(DISTINCT shop)": 3, "sum(DISTINCT amount)": 43 }]);
  });

  it("groups by several keys, with nulls as one group", async () => {
    const df = rows(
      [
        { a: 1, b: null, v: 1 },
        { a: 1, b: null, v: 2 },
        { a: 1, b: "x", v: 3 },
        { a: null, b: null, v: 4 },
      ],
      "a INT, b STRING, v INT",
    );
    assert.deepEqual(sorted(await df.groupBy("a", "b").agg(sum("v"), collect_list("v")).collect()), [
      [1, "x", 3, [3]],
      [1, null, 3, [1, 2]],
      [null, null, 4, [4]],
    ]);
  });

  it("groups by tumbling and sliding event-time windows", async () => {
    const at = (min: number): Date => new Date(Date.UTC(2024, 0, 1, 0, min));
    const df = rows([{ ts: at(1) }, { ts: at(4) }, { ts: at(7) }, { ts: null }], "ts TIMESTAMP");
    // As Spark, rows with a null timestamp belong to no window.
    const tumbling = await df.groupBy(window("ts", "5 minutes")).count().orderBy("window").collect();
    assert.deepEqual(tumbling, [
      { window: { start: at(0), end: at(5) }, count: 2 },
      { window: { start: at(5), end: at(10) }, count: 1 },
    ]);
    const sliding = df.groupBy(window("ts", "10 minutes", "5 minutes")).agg(count("*").alias("n")).select(col("window.start").alias("start"), "n").orderBy("start");
    assert.deepEqual(await sliding.collect(), [
      { start: at(-5), n: 2 },
      { start: at(0), n: 3 },
      { start: at(5), n: 1 },
    ]);
  });

  it("aggregate FILTER (WHERE ...) clause aggregates only the rows where it is true (regression: did not parse)", async () => {
    const g = sales().groupBy("shop").agg(expr("count(*) FILTER (WHERE amount > 5) AS big"), expr("sum(amount) FILTER (WHERE item = 'x')"), count("*").alias("n"));
    assert.deepEqual(g.columns, ["shop", "big", "sum(amount) FILTER (WHERE (item = x))", "n"]);
    assert.deepEqual(sorted(await g.collect()), [
      ["B", 1, null, 1],
      ["a", 2, 30, 3],
      ["b", 0, null, 1],
      [null, 0, 1, 1],
    ]);
    // The same aggregate with and without a filter are two aggregates, not one.
    assert.deepEqual(await sales().agg(expr("sum(amount)"), expr("sum(amount) FILTER (WHERE shop = 'a')")).collect(), [{ "sum(amount)": 43, "sum(amount) FILTER (WHERE (shop = a))": 30 }]);
    assert.throws(() => sales().agg(expr("sum(amount) FILTER (WHERE item)")), (e: unknown) => isWeirError(e, "ANALYSIS") && /INVALID_AGGREGATE_FILTER\.NOT_BOOLEAN/.test(e.message));
    assert.throws(() => sales().select(expr("lower(item) FILTER (WHERE amount > 1)")), /FUNCTION_WITH_UNSUPPORTED_SYNTAX/);
    assert.throws(() => sales().select(expr("sum(amount) FILTER (WHERE amount > 1) OVER (PARTITION BY shop)")), /UNSUPPORTED_FEATURE/);
  });

  it("count_if, bool_and/every and bool_or/some/any (regression: count_if was missing)", async () => {
    const df = rows([{ k: 1, f: true }, { k: 1, f: false }, { k: 1, f: null }, { k: 2, f: true }, { k: 3, f: null }], "k INT, f BOOLEAN");
    const g = df.groupBy("k").agg(count_if("f"), bool_and("f"), bool_or("f"), expr("every(f)"), expr("some(f)"), expr("any(f)"));
    assert.deepEqual(g.columns, ["k", "count_if(f)", "bool_and(f)", "bool_or(f)", "every(f)", "some(f)", "any(f)"]);
    assert.deepEqual(sorted(await g.collect()), [
      [1, 1, false, true, false, true, true],
      [2, 1, true, true, true, true, true],
      [3, 0, null, null, null, null, null],
    ]);
    assert.deepEqual(g.dtypes[1], ["count_if(f)", "bigint"]);
    assert.throws(() => df.agg(count_if("k")), (e: unknown) => isWeirError(e, "ANALYSIS") && /"BOOLEAN"/.test(e.message));
  });

  it("rejects a column that is neither grouped nor aggregated (MISSING_AGGREGATION)", () => {
    assert.throws(
      () => sales().groupBy("shop").agg(col("item")),
      (e: unknown) => isWeirError(e, "ANALYSIS") && /^\[MISSING_AGGREGATION\] The non-aggregating expression "item"/.test(e.message),
    );
    assert.throws(() => sales().groupBy("shop").agg(sum("amount").plus(col("amount"))), /MISSING_AGGREGATION/);
    assert.throws(() => sales().select(col("shop"), count("*")), /MISSING_GROUP_BY/);
    assert.throws(() => sales().agg(sum(sum("amount"))), /NESTED_AGGREGATE_FUNCTION/);
    assert.throws(() => sales().filter(sum("amount").gt(1)), /INVALID_AGGREGATE_USAGE/);
  });

  it("names type errors with the function and the types", () => {
    const df = rows([{ flag: true, s: "x" }]);
    assert.throws(
      () => df.agg(sum("flag")),
      (e: unknown) => isWeirError(e, "ANALYSIS") && e.message.startsWith('[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "sum(flag)"') && /"BOOLEAN"/.test(e.message),
    );
    assert.throws(() => df.select(col("s").plus(col("flag"))), (e: unknown) => isWeirError(e, "ANALYSIS") && /"\(s \+ flag\)"/.test(e.message) && /"STRING" and "BOOLEAN"/.test(e.message));
  });
});
