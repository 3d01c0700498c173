// The analyzer: Spark's generated column names, name resolution (case, qualifiers, nested
// fields) and its error messages with suggestions.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  approx_count_distinct,
  avg,
  coalesce,
  col,
  concat_ws,
  count,
  countDistinct,
  first,
  floor,
  isnull,
  lit,
  lower,
  mean,
  not,
  pow,
  round,
  sqrt,
  struct,
  substring,
  sum,
  udf,
  when,
} from "../../../src/engine/api/functions.js";
import { editDistance, splitName } from "../../../src/engine/plan/resolve.js";
import { isWeirError, type WeirError } from "../../../src/util/errors.js";
import { rows } from "../exec/helpers.js";

const df = () => rows([{ a: 1, b: 2, name: "x", s: { inner: 1 } }], "a INT, b BIGINT, name STRING, s STRUCT<inner: INT>");

describe("analyzer", () => {
  it("generates Spark's column names", () => {
    const names = df().select(
      col("a").plus(col("b")),
      col("a").minus(1).multiply(2),
      col("a").divide(col("b")),
      col("a").mod(2),
      col("a").eq(1),
      col("a").notEqual(1),
      col("a").eqNullSafe(col("b")),
      col("a").geq(1).and(col("b").lt(3)),
      not(col("a").gt(1)),
      col("a").isNull(),
      col("name").isNotNull(),
      col("a").isin(1, 2, 3),
      col("name").like("x%"),
      col("a").cast("bigint"),
      col("name").cast("array<string>".replace("array<string>", "string")),
      col("a").negate(),
      when(col("a").gt(1), "big").otherwise("small"),
      when(col("a").gt(1), "big"),
      lower("name"),
      substring("name", 1, 2),
      concat_ws("-", "name", "name"),
      coalesce("a", lit(0)),
      isnull("a"),
      round("a", 2),
      floor("a"),
      sqrt("a"),
      pow("a", 2),
      lit("str"),
      lit(null),
      col("s").getField("inner"),
    ).columns;
    assert.deepEqual(names, [
      "(a + b)",
      "((a - 1) * 2)",
      "(a / b)",
      "(a % 2)",
      "(a = 1)",
      "(NOT (a = 1))",
      "(a <=> b)",
      "((a >= 1) AND (b < 3))",
      "(NOT (a > 1))",
      "(a IS NULL)",
      "(name IS NOT NULL)",
      "(a IN (1, 2, 3))",
      "name LIKE x%",
      "CAST(a AS BIGINT)",
      "CAST(name AS STRING)",
      "(- a)",
      "CASE WHEN (a > 1) THEN big ELSE small END",
      "CASE WHEN (a > 1) THEN big END",
      "lower(name)",
      "substring(name, 1, 2)",
      "concat_ws(-, name, name)",
      "coalesce(a, 0)",
      "(a IS NULL)",
      "round(a, 2)",
      "FLOOR(a)",
      "SQRT(a)",
      "POWER(a, 2)",
      "str",
      "NULL",
      "s.inner",
    ]);
    const aggs = df().agg(count("*"), count("a"), countDistinct("a", "b"), sum("b"), avg("a"), mean("a"), first("name"), approx_count_distinct("a")).columns;
    assert.deepEqual(aggs, ["count(1)", "count(a)", "count(DISTINCT a, b)", "sum(b)", "avg(a)", "avg(a)", "first(name)", "approx_count_distinct(a)"]);
    const plusOne = udf(function plusOne(x: number) {
      return x + 1;
    }, "int");
    assert.deepEqual(df().select(plusOne("a")).columns, ["plusOne(a)"]);
  });

  it("struct() names its fields after columns, aliases and struct fields; struct(*) expands (regression: fields were col1, col2)", async () => {
    const s = df().select(struct(col("A"), col("b").alias("x"), col("s.inner"), col("a").plus(1)));
    assert.deepEqual(s.columns, ["struct(a, b, s.inner, (a + 1))"]);
    assert.equal(s.schema.fields[0].dataType.kind === "struct" && s.schema.fields[0].dataType.fields.map((f) => f.name).join(","), "a,x,inner,col4");
    assert.deepEqual(await s.collect(), [{ "struct(a, b, s.inner, (a + 1))": { a: 1, x: 2, inner: 1, col4: 2 } }]);
    const star = df().selectExpr("to_json(struct(*)) AS j", "to_json(struct(s.*)) AS k", "struct(a, name) AS t");
    assert.deepEqual(await star.collect(), [{ j: '{"a":1,"b":2,"name":"x","s":{"inner":1}}', k: '{"inner":1}', t: { a: 1, name: "x" } }]);
  });

  it("keeps the schema's spelling of a column selected in another case", () => {
    assert.deepEqual(df().select("NAME", col("A").plus(1)).columns, ["name", "(a + 1)"]);
  });

  it("reports an unknown column with close names first", () => {
    const err = (() => {
      try {
        df().select(col("nmae").plus(1));
      } catch (e) {
        return e as WeirError;
      }
      assert.fail("expected an error");
    })();
    assert.equal(err.code, "ANALYSIS");
    assert.equal(
      err.message,
      "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `nmae` cannot be resolved. Did you mean one of the following? [`name`, `a`, `b`, `s`].",
    );
    assert.deepEqual(err.details.available, ["a", "b", "name", "s"]);
  });

  it("reports unknown struct fields, functions and ambiguous references", () => {
    assert.throws(() => df().select("s.nope"), (e: unknown) => isWeirError(e, "ANALYSIS") && /FIELD_NOT_FOUND.*`nope`.*`inner`/.test(e.message));
    assert.throws(() => df().select(col("a").getItem(0)), /INVALID_EXTRACT_BASE_FIELD_TYPE/);
    assert.throws(() => df().select(udfCall("lowr")), (e: unknown) => isWeirError(e, "ANALYSIS") && /UNRESOLVED_ROUTINE.*`lowr`.*`lower`/.test(e.message));
    const j = df().alias("l").join(df().alias("r"), col("l.a").eq(col("r.a")));
    assert.throws(() => j.select("name"), /AMBIGUOUS_REFERENCE.*`l`.`name`, `r`.`name`/);
    assert.deepEqual(j.select("l.name", "r.b").columns, ["name", "b"]);
  });

  it("checks argument counts", () => {
    assert.throws(() => df().select(udfCall("lower", 2)), /WRONG_NUM_ARGS.*`lower` requires 1 parameters but the actual number is 2/);
  });

  it("splits names on dots outside back-quotes, and measures edit distance", () => {
    assert.deepEqual(splitName("a.b"), ["a", "b"]);
    assert.deepEqual(splitName("`a.b`.c"), ["a.b", "c"]);
    assert.deepEqual(splitName("`x``y`"), ["x`y"]);
    assert.equal(editDistance("kitten", "sitting"), 3);
  });
});

/** A call of a function by name (bypassing the builders), `n` copies of column `name`. */
function udfCall(fn: string, n = 1): ReturnType<typeof col> {
  const c = col("name");
  return new (c.constructor as new (e: unknown) => ReturnType<typeof col>)({ kind: "call", fn, args: Array.from({ length: n }, () => c.expr) });
}
