// The optimizer: what reaches the source (ScanOptions.columns and filters), filters pushed into
// join sides where the join type allows, constant folding, and explain() showing it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { col, count, lit, sum, upper } from "../../../src/engine/api/functions.js";
import { optimize } from "../../../src/engine/plan/optimizer.js";
import { logicalTreeString } from "../../../src/engine/plan/explain.js";
import type { LogicalPlan } from "../../../src/engine/plan/logical.js";
import { frame, sorted } from "../exec/helpers.js";

function kinds(p: LogicalPlan): string {
  const kids = p.kind === "join" ? [p.left, p.right] : p.kind === "union" ? p.children : "child" in p ? [p.child] : [];
  return kids.length === 0 ? p.kind : `${p.kind}(${kids.map(kinds).join(", ")})`;
}

const events = () =>
  frame("id INT, kind STRING, amount DOUBLE, note STRING", [
    [
      [1, "buy", 10, "x"],
      [2, "sell", 5, "y"],
    ],
    [
      [3, "buy", 7, null],
      [4, "view", null, "z"],
    ],
  ]);

describe("optimizer", () => {
  it("reads only the needed columns and offers the filter to the source", async () => {
    const { df, source } = events();
    const q = df.select(upper("kind").alias("k"), "amount", "id").filter(col("amount").gt(6)).select("k");
    assert.deepEqual(sorted(await q.collect()), [["BUY"], ["BUY"]]);
    const opts = source.log.options[0];
    assert.deepEqual(opts.columns, [1, 2]);
    assert.deepEqual(opts.filters, [{ kind: "call", fn: ">", args: [{ kind: "col", name: "amount" }, { kind: "lit", value: 6, type: { kind: "double" } }] }]);
  });

  it("count() reads no columns at all", async () => {
    const { df, source } = events();
    assert.equal(await df.count(), 4);
    assert.deepEqual(source.log.options[0].columns, []);
  });

  it("pushes a filter through a projection, substituting computed columns", () => {
    const { df } = events();
    const q = df.withColumn("double", col("amount").multiply(2)).filter(col("double").gt(10).and(col("kind").eq("buy")));
    const plan = optimize(q.plan);
    assert.equal(kinds(plan), "project(filter(scan))");
    assert.match(logicalTreeString(plan), /Filter \(\(\(amount#\d+ \* 2\.0\) > 10\.0\) AND \(kind#\d+ = buy\)\)/);
  });

  it("pushes filters into the join sides the join type allows", () => {
    const a = events().df.alias("a");
    const b = events().df.alias("b");
    const cond = col("a.id").eq(col("b.id"));
    const filter = col("a.kind").eq("buy").and(col("b.amount").gt(1));
    assert.equal(kinds(optimize(a.join(b, cond, "inner").filter(filter).plan)), "join(filter(scan), filter(scan))");
    assert.equal(kinds(optimize(a.join(b, cond, "left").filter(filter).plan)), "filter(join(filter(scan), scan))");
    assert.equal(kinds(optimize(a.join(b, cond, "right").filter(filter).plan)), "filter(join(scan, filter(scan)))");
    assert.equal(kinds(optimize(a.join(b, cond, "full").filter(filter).plan)), "filter(join(scan, scan))");
    // A one-sided part of a left join's ON condition filters the right side only.
    const on = optimize(a.join(b, cond.and(col("b.kind").eq("buy")).and(col("a.kind").eq("sell")), "left").plan);
    assert.equal(kinds(on), "join(scan, filter(scan))");
  });

  it("keeps outer-join results right when filters are pushed", async () => {
    const a = events().df.alias("a");
    const b = events().df.alias("b").filter(col("kind").eq("buy"));
    const out = await a.join(b, col("a.id").eq(col("b.id")), "left").filter(col("a.amount").gt(6)).select(col("a.id"), col("b.kind")).collect();
    assert.deepEqual(sorted(out), [
      [1, "buy"],
      [3, "buy"],
    ]);
  });

  it("pushes filters on grouping columns below the aggregate", async () => {
    const { df } = events();
    const q = df.groupBy("kind").agg(sum("amount").alias("s")).filter(col("kind").notEqual("view").and(col("s").gt(1)));
    const plan = optimize(q.plan);
    assert.equal(kinds(plan), "filter(aggregate(filter(scan)))");
    assert.deepEqual(sorted(await q.collect()), [
      ["buy", 17],
      ["sell", 5],
    ]);
  });

  it("folds constants and drops always-true filters; an always-false one reads nothing", async () => {
    const { df, source } = events();
    assert.equal(kinds(optimize(df.filter(lit(1).plus(1).eq(2)).plan)), "scan");
    assert.deepEqual(await df.filter(lit(1).gt(2)).select(count("*")).collect(), [{ "count(1)": 0 }]);
    assert.equal(source.log.options.length, 0);
    assert.match(logicalTreeString(optimize(df.select(lit(2).multiply(3).plus(col("id")).alias("x")).plan)), /\(6 \+ id#\d+\) AS x#\d+/);
  });

  it("explain() shows the pushed filters and the physical operators", () => {
    const { df } = events();
    const text = df.filter(col("kind").eq("buy")).groupBy("kind").count().explainString(true);
    assert.match(text, /^== Analyzed Logical Plan ==\nkind: string, count: bigint\n/);
    assert.match(text, /== Optimized Logical Plan ==\n/);
    assert.match(text, /== Physical Plan ==\n/);
    assert.match(text, /Scan test \[kind#\d+\], PushedFilters: \[\(kind#\d+ = buy\)\]/);
    assert.match(text, /HashAggregate keys=\[kind#\d+\], functions=\[count\(1\)\]/);
    assert.doesNotMatch(df.explainString(), /Logical/);
  });
});
