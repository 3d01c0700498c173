// The optimizer: what reaches the source (ScanOptions.columns and filters), filters pushed into
// join sides where the join type allows, constant folding, and explain() showing it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { col, count, expr, from_json, lit, sum, to_json, upper } from "../../../src/engine/api/functions.js";
import { isWeirError } from "../../../src/util/errors.js";
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

  describe("from_json: nested field pruning and reading bytes", () => {
    const SCHEMA = "a STRING, b BIGINT, c DOUBLE";
    const values = [
      '{"a":"x","b":1,"c":0.5}',
      '{"b":2,"a":"y","zz":[1,{"q":null}]}',
      '{"a":"x","b":"not a number"}', // b does not fit: partial result in PERMISSIVE, malformed in FAILFAST
      '{"a":"x","b":3', // malformed
      '{"a":"caf\u00e9","c":1e400}',
      '{"a":"é","b":4}', // non-ASCII bytes
      "null",
    ];
    const kafkaLike = (vs: readonly string[] = values) => frame("v BINARY", [vs.slice(0, 3).map((v) => [Buffer.from(v)]), vs.slice(3).map((v) => [Buffer.from(v)])]).df;
    const e = () => from_json(col("v").cast("string"), SCHEMA).alias("e");

    it("parses only the fields read, straight from the bytes, with the results of the whole parse", async () => {
      const df = kafkaLike();
      const pruned = df.select(e()).select(col("e.a"), col("e.c"));
      const text = pruned.explainString(true);
      assert.match(text, /from_json\(v#\d+ \(UTF-8 bytes\), pruned to struct<a:string,c:double>\) AS e#\d+/);
      // The same query reading e whole is not pruned; both give the same values.
      const whole = df.select(e()).select(col("e"), col("e.a"), col("e.c"));
      assert.doesNotMatch(whole.explainString(true), /pruned/);
      const fromWhole = (await whole.collect()).map((r) => [r.a, r.c]);
      assert.deepEqual(
        (await pruned.collect()).map((r) => [r.a, r.c]),
        fromWhole,
      );
      assert.deepEqual(fromWhole, [["x", 0.5], ["y", null], ["x", null], [null, null], ["café", Infinity], ["é", null], [null, null]]);
      const counts = await df.select(e()).groupBy("e.a").count().collect();
      assert.deepEqual(sorted(counts), sorted([{ a: "x", count: 2 }, { a: "y", count: 1 }, { a: null, count: 2 }, { a: "café", count: 1 }, { a: "é", count: 1 }]));
    });

    it("prunes a field taken straight from the call, and keeps the struct when something reads it whole", async () => {
      const df = kafkaLike();
      const direct = df.select(from_json(col("v").cast("string"), SCHEMA).getField("b").alias("b"));
      assert.match(direct.explainString(true), /pruned to struct<b:bigint>/);
      assert.deepEqual((await direct.collect()).map((r) => r.b), [1, 2, null, null, null, 4, null]);
      const viaJson = df.select(e()).select(to_json(col("e")).alias("j"), col("e.a"));
      assert.doesNotMatch(viaJson.explainString(true), /pruned/);
      assert.equal((await viaJson.collect())[0].j, '{"a":"x","b":1,"c":0.5}');
    });

    it("FAILFAST still finds a malformed record, or a value that does not fit a field nobody reads", async () => {
      const failFast = (vs: string[]) =>
        kafkaLike(vs)
          .select(expr(`from_json(cast(v as string), '${SCHEMA}', map('mode', 'FAILFAST')) AS e`))
          .select(col("e.a"));
      assert.match(failFast(values.slice(0, 2)).explainString(true), /pruned to struct<a:string>/);
      assert.deepEqual((await failFast(values.slice(0, 2)).collect()).map((r) => r.a), ["x", "y"]);
      for (const bad of ['{"a":"x","b":"not a number"}', '{"a":"x","b":3', '{"a":"x","c":true}']) {
        await assert.rejects(failFast([values[0], bad]).collect(), (err: unknown) => isWeirError(err, "EXECUTION") && /MALFORMED_RECORD_IN_PARSING/.test(err.message), bad);
      }
      // Text after the first object is not read, so not malformed (PySpark 4.0.0 gives a = "x" here too).
      assert.deepEqual((await failFast([values[0], '{"a":"x","b":1}}']).collect()).map((r) => r.a), ["x", "x"]);
    });
  });
});
