// DataFrame transformations and actions: results are checked row by row against what Spark gives.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { col, explode, explode_outer, lit, posexplode, upper, when } from "../../../src/engine/api/functions.js";
import { isWeirError } from "../../../src/util/errors.js";
import { rows, sorted } from "../exec/helpers.js";

const people = () =>
  rows(
    [
      { name: "alice", age: 34, city: "Paris" },
      { name: "bob", age: 25, city: "Lyon" },
      { name: "carol", age: null, city: "Paris" },
    ],
    "name STRING, age INT, city STRING",
  );

describe("DataFrame", () => {
  it("selects columns by name, Column and star, resolving names case-insensitively", async () => {
    const df = people();
    assert.deepEqual(await df.select("NAME", col("age").plus(1)).collect(), [
      { name: "alice", "(age + 1)": 35 },
      { name: "bob", "(age + 1)": 26 },
      { name: "carol", "(age + 1)": null },
    ]);
    assert.deepEqual(df.select("*", lit(1)).columns, ["name", "age", "city", "1"]);
    assert.deepEqual(df.dtypes, [
      ["name", "string"],
      ["age", "int"],
      ["city", "string"],
    ]);
  });

  it("filters with Columns; null conditions drop the row", async () => {
    const out = await people().filter(col("age").gt(30).or(col("city").eq("Lyon"))).collect();
    assert.deepEqual(
      out.map((r) => r.name),
      ["alice", "bob"],
    );
    assert.deepEqual(await people().where(col("age").isNull()).select("name").collect(), [{ name: "carol" }]);
  });

  it("adds, replaces, renames and drops columns", async () => {
    const df = people()
      .withColumn("Age", col("age").multiply(2))
      .withColumn("loud", upper("name"))
      .withColumnRenamed("city", "town")
      .withColumnRenamed("missing", "nothing")
      .drop("loud", "nope");
    assert.deepEqual(df.columns, ["name", "Age", "town"]);
    assert.deepEqual((await df.collect())[0], { name: "alice", Age: 68, town: "Paris" });
  });

  it("withColumns adds several columns, and when/otherwise chains evaluate in order", async () => {
    const df = people().withColumns({
      band: when(col("age").lt(30), "young").when(col("age").geq(30), "older").otherwise("unknown"),
      one: lit(1),
    });
    assert.deepEqual(
      (await df.collect()).map((r) => [r.band, r.one]),
      [
        ["older", 1],
        ["young", 1],
        ["unknown", 1],
      ],
    );
  });

  it("orders with Spark's null ordering, limits and counts", async () => {
    const df = people();
    assert.deepEqual(
      (await df.orderBy("age").collect()).map((r) => r.name),
      ["carol", "bob", "alice"],
    );
    assert.deepEqual(
      (await df.orderBy(col("age").desc()).collect()).map((r) => r.name),
      ["alice", "bob", "carol"],
    );
    assert.deepEqual(
      (await df.sort(col("age").desc_nulls_first()).limit(2).collect()).map((r) => r.name),
      ["carol", "alice"],
    );
    assert.equal(await df.count(), 3);
    assert.equal(await df.filter(col("age").gt(100)).count(), 0);
    assert.equal(await df.filter(col("age").gt(100)).isEmpty(), true);
    assert.deepEqual(await df.first(), { name: "alice", age: 34, city: "Paris" });
    assert.deepEqual(await df.head(2), await df.take(2));
    assert.equal((await df.take(2)).length, 2);
  });

  it("orders by a column the projection dropped (Spark's missing-reference rule)", async () => {
    const out = await people().select("name").orderBy(col("age").desc()).collect();
    assert.deepEqual(out, [{ name: "alice" }, { name: "bob" }, { name: "carol" }]);
  });

  it("unions by position with type widening, and by name with missing columns", async () => {
    const a = rows([{ x: 1, y: "a" }], "x INT, y STRING");
    const b = rows([{ x: 2.5, y: "b" }], "x DOUBLE, y STRING");
    const u = a.union(b);
    assert.deepEqual(u.dtypes, [
      ["x", "double"],
      ["y", "string"],
    ]);
    assert.deepEqual(await u.collect(), [
      { x: 1, y: "a" },
      { x: 2.5, y: "b" },
    ]);
    const c = rows([{ y: "c", z: true }], "y STRING, z BOOLEAN");
    assert.throws(() => a.unionByName(c), /missing/);
    const n = a.unionByName(c, true);
    assert.deepEqual(n.columns, ["x", "y", "z"]);
    assert.deepEqual(await n.collect(), [
      { x: 1, y: "a", z: null },
      { x: null, y: "c", z: true },
    ]);
    assert.throws(() => a.union(rows([{ q: 1 }])), (e: unknown) => isWeirError(e, "ANALYSIS") && /NUM_COLUMNS_MISMATCH/.test(e.message));
  });

  it("distinct and dropDuplicates keep one row per key", async () => {
    const df = rows([
      { k: 1, v: "a" },
      { k: 1, v: "a" },
      { k: 1, v: "b" },
      { k: null, v: "c" },
      { k: null, v: "c" },
    ]);
    assert.deepEqual(sorted(await df.distinct().collect()), [
      [1, "a"],
      [1, "b"],
      [null, "c"],
    ]);
    assert.deepEqual(await df.dropDuplicates(["k"]).collect(), [
      { k: 1, v: "a" },
      { k: null, v: "c" },
    ]);
  });

  it("explodes arrays and maps in select and withColumn", async () => {
    const df = rows(
      [
        { id: 1, xs: [10, 20], m: new Map([["a", 1]]) },
        { id: 2, xs: [], m: new Map() },
        { id: 3, xs: null, m: null },
      ],
      "id INT, xs ARRAY<INT>, m MAP<STRING,INT>",
    );
    assert.deepEqual(await df.select("id", explode("xs")).collect(), [
      { id: 1, col: 10 },
      { id: 1, col: 20 },
    ]);
    assert.deepEqual(await df.select("id", explode_outer("xs").alias("x")).collect(), [
      { id: 1, x: 10 },
      { id: 1, x: 20 },
      { id: 2, x: null },
      { id: 3, x: null },
    ]);
    assert.deepEqual(await df.select(posexplode("xs")).collect(), [
      { pos: 0, col: 10 },
      { pos: 1, col: 20 },
    ]);
    assert.deepEqual(await df.select("id", explode("m")).collect(), [{ id: 1, key: "a", value: 1 }]);
    assert.deepEqual(await df.withColumn("x", explode("xs")).select("id", "x").collect(), [
      { id: 1, x: 10 },
      { id: 1, x: 20 },
    ]);
  });

  it("picks, reorders and renames columns right above an explode (the Generate emits the Project's rows)", async () => {
    const df = rows(
      [
        { id: 1, name: "a", xs: [10, 20], m: new Map([["k", 1], ["l", 2]]) },
        { id: 2, name: "b", xs: [30], m: new Map() },
      ],
      "id INT, name STRING, xs ARRAY<INT>, m MAP<STRING,INT>",
    );
    const picked = df.select(col("id"), col("name"), posexplode("xs")).select(col("col").alias("x"), col("id"), col("pos"), col("id").alias("again"));
    assert.deepEqual(await picked.collect(), [
      { x: 10, id: 1, pos: 0, again: 1 },
      { x: 20, id: 1, pos: 1, again: 1 },
      { x: 30, id: 2, pos: 0, again: 2 },
    ]);
    assert.match(picked.explainString(), /Generate posexplode\(.*, Output: \[x#\d+, id#\d+, pos#\d+, again#\d+\]/);
    const fromMap = df.select(col("name"), explode("m")).select(col("value"), col("key"), col("name"));
    assert.deepEqual(await fromMap.collect(), [
      { value: 1, key: "k", name: "a" },
      { value: 2, key: "l", name: "a" },
    ]);
    // A Project that computes something stays a Project of its own.
    assert.deepEqual(await df.select(explode("xs").alias("x")).select(col("x").plus(1).alias("y")).collect(), [{ y: 11 }, { y: 21 }, { y: 31 }]);
  });

  it("resolves qualified names after alias(), and nested struct fields", async () => {
    const df = rows([{ id: 1, s: { a: 5, b: "x" } }], "id INT, s STRUCT<a: INT, b: STRING>");
    const out = await df.alias("t").select(col("t.id"), col("s.a"), col("s").getField("b"), "s.*").collect();
    assert.deepEqual(out, [{ id: 1, a: 5, "s.b": "x", b: "x" }]);
    assert.deepEqual(await df.select(col("s")).collect(), [{ s: { a: 5, b: "x" } }]);
  });

  it("returns external values: Date for timestamps and dates, Buffer, Map, nested objects", async () => {
    const ts = new Date("2024-03-01T10:20:30.123Z");
    const df = rows([{ t: ts, d: new Date("2024-03-01T00:00:00Z"), b: Buffer.from("hi"), m: new Map([["k", [1, 2]]]) }], "t TIMESTAMP, d DATE, b BINARY, m MAP<STRING, ARRAY<INT>>");
    const [r] = await df.collect();
    assert.deepEqual(r.t, ts);
    assert.deepEqual(r.d, new Date("2024-03-01T00:00:00Z"));
    assert.deepEqual(r.b, Buffer.from("hi"));
    assert.deepEqual(r.m, new Map([["k", [1, 2]]]));
    assert.deepEqual((await df.collectRows())[0][0], ts.getTime() * 1000);
  });

  it("fails analysis at the transformation, not at the action", () => {
    const df = people();
    assert.throws(() => df.select("nmae"), (e: unknown) => isWeirError(e, "ANALYSIS") && /`nmae`/.test(e.message) && /\[`name`/.test(e.message));
    assert.throws(() => df.filter(col("age")), /FILTER_NOT_BOOLEAN/);
    assert.throws(() => df.withColumn("x", col("name").cast("array<int>")), /cannot cast "STRING" to "ARRAY<INT>"/);
  });

  it("raises EXECUTION for ANSI runtime errors", async () => {
    const df = rows([{ s: "12" }, { s: "x" }]);
    await assert.rejects(df.select(col("s").cast("int")).collect(), (e: unknown) => isWeirError(e, "EXECUTION"));
    assert.deepEqual(await df.select(col("s").try_cast("int").alias("n")).collect(), [{ n: 12 }, { n: null }]);
  });

  it("execute() gives one stream per partition of internal rows", async () => {
    const streams = await people().select("name").execute();
    const all: unknown[][] = [];
    for (const s of streams) for await (const b of s) all.push(...b);
    assert.deepEqual(all, [["alice"], ["bob"], ["carol"]]);
  });
});
