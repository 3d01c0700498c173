// Column methods evaluated on rows: comparison and logic with SQL's null rules, string
// predicates, extraction, casts, and the short-circuit that keeps ANSI errors away.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { toExpr, type Column } from "../../../src/engine/api/column.js";
import { col, lit, not, udf, when } from "../../../src/engine/api/functions.js";
import { isWeirError } from "../../../src/util/errors.js";
import { rows } from "../exec/helpers.js";

const df = () =>
  rows(
    [
      { n: 5, s: "Hello", b: true, xs: [1, 2], m: new Map([["k", 1]]) },
      { n: 0, s: null, b: null, xs: null, m: null },
    ],
    "n INT, s STRING, b BOOLEAN, xs ARRAY<INT>, m MAP<STRING,INT>",
  );

async function values(c: Column): Promise<unknown[]> {
  return (await df().select(c.alias("v")).collect()).map((r) => r.v);
}

describe("Column", () => {
  it("compares with SQL's three-valued logic", async () => {
    assert.deepEqual(await values(col("s").eq("Hello")), [true, null]);
    assert.deepEqual(await values(col("s").eqNullSafe(lit(null))), [false, true]);
    assert.deepEqual(await values(col("b").and(false)), [false, false]);
    assert.deepEqual(await values(col("b").or(true)), [true, true]);
    assert.deepEqual(await values(col("b").and(true)), [true, null]);
    assert.deepEqual(await values(not(col("b"))), [false, null]);
    assert.deepEqual(await values(col("n").between(1, 5)), [true, false]);
    assert.deepEqual(await values(col("n").isin([0, 7])), [false, true]);
  });

  it("does arithmetic with Spark's types: / is double, ANSI division by zero fails", async () => {
    assert.deepEqual(await values(col("n").divide(2)), [2.5, 0]);
    assert.deepEqual(await values(col("n").mod(3)), [2, 0]);
    await assert.rejects(values(lit(1).divide(col("n"))), (e: unknown) => isWeirError(e, "EXECUTION"));
  });

  it("skips the right side of AND/OR and the untaken CASE branches (no spurious ANSI errors)", async () => {
    assert.deepEqual(await values(col("n").notEqual(0).and(lit(10).divide(col("n")).gt(1))), [true, false]);
    assert.deepEqual(await values(when(col("n").eq(0), -1).otherwise(lit(10).divide(col("n")))), [2, -1]);
  });

  it("matches strings", async () => {
    assert.deepEqual(await values(col("s").like("He%")), [true, null]);
    assert.deepEqual(await values(col("s").rlike("l+o$")), [true, null]);
    assert.deepEqual(await values(col("s").contains("ell")), [true, null]);
    assert.deepEqual(await values(col("s").startsWith("He")), [true, null]);
    assert.deepEqual(await values(col("s").endsWith("x")), [false, null]);
    assert.deepEqual(await values(col("s").substr(2, 3)), ["ell", null]);
  });

  it("extracts array items and map values, and casts", async () => {
    assert.deepEqual(await values(col("xs").getItem(1)), [2, null]);
    assert.deepEqual(await values(col("m").getItem("k")), [1, null]);
    assert.deepEqual(await values(col("m").getItem("nope")), [null, null]);
    await assert.rejects(values(col("xs").getItem(5)), /INVALID_ARRAY_INDEX/);
    assert.deepEqual(await values(col("n").cast("string")), ["5", "0"]);
    assert.deepEqual(await values(col("n").astype("double")), [5, 0]);
  });

  it("runs UDFs on external values; a throwing UDF fails with EXECUTION", async () => {
    const shout = udf((s: string | null) => (s === null ? null : s.toUpperCase() + "!"), "string");
    assert.deepEqual(await values(shout("s")), ["HELLO!", null]);
    const bad = udf(() => {
      throw new Error("boom");
    }, "int");
    await assert.rejects(values(bad("n")), (e: unknown) => isWeirError(e, "EXECUTION") && /boom/.test(e.message));
  });

  it("builds sort and window expressions, and checks when/otherwise chains", () => {
    assert.deepEqual(col("a").desc().expr, { kind: "sort", child: { kind: "col", name: "a" }, ascending: false, nullsFirst: false });
    assert.deepEqual(col("a").asc_nulls_last().expr, { kind: "sort", child: { kind: "col", name: "a" }, ascending: true, nullsFirst: false });
    assert.deepEqual(toExpr("t.*"), { kind: "star", qualifier: "t" });
    assert.throws(() => col("a").when(col("b"), 1), /when\(\) can only be applied/);
    assert.throws(() => when(col("a"), 1).otherwise(2).otherwise(3), /otherwise\(\)/);
    assert.equal(String(col("a").plus(1)), "Column<'+(a, 1)'>");
  });
});
