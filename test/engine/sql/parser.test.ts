import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Expr } from "../../../src/engine/expr/ast.js";
import { UNBOUNDED_PRECEDING } from "../../../src/engine/expr/ast.js";
import { DateType, DoubleType, FloatType, IntegerType, LongType, ShortType, TimestampType, parseDataType } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { parseExpression as p, parseSortExpression } from "../../../src/engine/sql/parser.js";
import { printExpression } from "../../../src/engine/sql/printer.js";

const col = (name: string): Expr => ({ kind: "col", name });
const int = (value: number): Expr => ({ kind: "lit", value, type: IntegerType });
const str = (value: string): Expr => ({ kind: "lit", value });
const call = (fn: string, ...args: Expr[]): Expr => ({ kind: "call", fn, args });

describe("parseExpression", () => {
  const cases: [string, Expr][] = [
    ["a", col("a")],
    ["`my col`", col("my col")],
    ["t.a", col("t.a")],
    ["`a.b`.c", col("`a.b`.c")],
    ["*", { kind: "star" }],
    ["t.*", { kind: "star", qualifier: "t" }],
    ["1", int(1)],
    ["-1", int(-1)],
    ["3000000000", { kind: "lit", value: 3000000000, type: LongType }],
    ["10L", { kind: "lit", value: 10, type: LongType }],
    ["10S", { kind: "lit", value: 10, type: ShortType }],
    ["1.5", { kind: "lit", value: 1.5, type: DoubleType }],
    ["1e3", { kind: "lit", value: 1000, type: DoubleType }],
    ["2.5F", { kind: "lit", value: 2.5, type: FloatType }],
    ["'it''s'", str("its")],
    ["'a' 'b'", str("ab")],
    ['"dq"', str("dq")],
    ["'\\n\\t\\\\'", str("\n\t\\")],
    ["'\\d+'", str("d+")],
    ["'\\\\d+'", str("\\d+")],
    ["TRUE", { kind: "lit", value: true }],
    ["null", { kind: "lit", value: null }],
    ["DATE '2024-01-02'", { kind: "lit", value: 19724, type: DateType }],
    ["TIMESTAMP '1970-01-01 00:00:01'", { kind: "lit", value: 1_000_000, type: TimestampType }],
    ["a + b * c", call("+", col("a"), call("*", col("b"), col("c")))],
    ["(a + b) * c", call("*", call("+", col("a"), col("b")), col("c"))],
    ["a - b - c", call("-", call("-", col("a"), col("b")), col("c"))],
    ["a / b % c", call("%", call("/", col("a"), col("b")), col("c"))],
    ["a DIV 2", call("div", col("a"), int(2))],
    ["-a", call("negative", col("a"))],
    ["a || b", call("concat", col("a"), col("b"))],
    ["a = 1 AND b > 2 OR c", call("or", call("and", call("=", col("a"), int(1)), call(">", col("b"), int(2))), col("c"))],
    ["NOT a = 1", call("not", call("=", col("a"), int(1)))],
    ["a == 1", call("=", col("a"), int(1))],
    ["a != 1", call("not", call("=", col("a"), int(1)))],
    ["a <> 1", call("not", call("=", col("a"), int(1)))],
    ["a <=> NULL", call("<=>", col("a"), { kind: "lit", value: null })],
    ["a IS NULL", call("isnull", col("a"))],
    ["a IS NOT NULL", call("isnotnull", col("a"))],
    ["a IS TRUE", call("<=>", col("a"), { kind: "lit", value: true })],
    ["a IS DISTINCT FROM b", call("not", call("<=>", col("a"), col("b")))],
    ["a IN (1, 2)", call("in", col("a"), int(1), int(2))],
    ["a NOT IN ('x')", call("not", call("in", col("a"), str("x")))],
    ["a BETWEEN 1 AND 3", call("and", call(">=", col("a"), int(1)), call("<=", col("a"), int(3)))],
    ["a NOT BETWEEN 1 AND 3", call("not", call("and", call(">=", col("a"), int(1)), call("<=", col("a"), int(3))))],
    ["a BETWEEN 1 AND 3 AND b", call("and", call("and", call(">=", col("a"), int(1)), call("<=", col("a"), int(3))), col("b"))],
    ["name LIKE 'J%'", call("like", col("name"), str("J%"))],
    ["name NOT LIKE 'J%'", call("not", call("like", col("name"), str("J%")))],
    ["name LIKE 'a/%' ESCAPE '/'", call("like", col("name"), str("a/%"), str("/"))],
    ["name ILIKE 'j%'", call("ilike", col("name"), str("j%"))],
    ["name RLIKE '^J'", call("rlike", col("name"), str("^J"))],
    ["name REGEXP '^J'", call("rlike", col("name"), str("^J"))],
    ["lower(name)", call("lower", col("name"))],
    ["COUNT(*)", call("count", int(1))],
    ["count(DISTINCT a, b)", { kind: "call", fn: "count", args: [col("a"), col("b")], distinct: true }],
    ["coalesce(a, 0)", call("coalesce", col("a"), int(0))],
    ["current_date()", call("current_date")],
    ["first(a) IGNORE NULLS", call("first", col("a"), { kind: "lit", value: true })],
    // Regression: the aggregate FILTER clause did not parse.
    ["count(*) FILTER (WHERE flag)", { kind: "call", fn: "count", args: [int(1)], filter: col("flag") }],
    ["sum(DISTINCT a) filter (where b > 0)", { kind: "call", fn: "sum", args: [col("a")], distinct: true, filter: call(">", col("b"), int(0)) }],
    ["first(a) FILTER (WHERE b) IGNORE NULLS", { kind: "call", fn: "first", args: [col("a"), { kind: "lit", value: true }], filter: col("b") }],
    ["sum(a) filter", { kind: "alias", child: call("sum", col("a")), name: "filter" }],
    ["CAST(a AS INT)", { kind: "cast", child: col("a"), to: IntegerType }],
    ["cast(a as decimal(10, 2))", { kind: "cast", child: col("a"), to: DoubleType }],
    ["TRY_CAST(a AS array<bigint>)", { kind: "cast", child: col("a"), to: parseDataType("array<bigint>"), tryCast: true }],
    ["CAST(a AS struct<x:int,y:map<string,int>>)", { kind: "cast", child: col("a"), to: parseDataType("struct<x:int,y:map<string,int>>") }],
    ["a::bigint + 1", call("+", { kind: "cast", child: col("a"), to: LongType }, int(1))],
    ["CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END", { kind: "case", branches: [[call(">", col("a"), int(1)), str("x")], [call(">", col("a"), int(0)), str("y")]], otherwise: str("z") }],
    ["CASE a WHEN 1 THEN 'one' END", { kind: "case", branches: [[call("=", col("a"), int(1)), str("one")]] }],
    ["arr[0]", { kind: "extract", child: col("arr"), key: int(0) }],
    ["m['k'].f", { kind: "extract", child: { kind: "extract", child: col("m"), key: str("k") }, key: str("f") }],
    ["from_json(v, 'a INT').a", { kind: "extract", child: call("from_json", col("v"), str("a INT")), key: str("a") }],
    ["TRIM(BOTH 'x' FROM s)", call("trim", col("s"), str("x"))],
    ["TRIM(LEADING FROM s)", call("ltrim", col("s"))],
    ["trim(s)", call("trim", col("s"))],
    ["EXTRACT(YEAR FROM ts)", call("year", col("ts"))],
    ["explode(arr) AS x", { kind: "alias", child: call("explode", col("arr")), name: "x" }],
    ["a + 1 total", { kind: "alias", child: call("+", col("a"), int(1)), name: "total" }],
    ["a AS `weird name`", { kind: "alias", child: col("a"), name: "weird name" }],
    ["end", col("end")],
    ["window.start", col("window.start")],
    ["a -- comment", col("a")],
    ["/* c */ a", col("a")],
  ];
  for (const [text, want] of cases.filter(([t]) => t !== "end")) it(`${text}`, () => assert.deepEqual(p(text), want));

  it("window functions with OVER", () => {
    assert.deepEqual(p("row_number() OVER (PARTITION BY a ORDER BY b DESC)"), {
      kind: "window",
      fn: call("row_number"),
      spec: { partitionBy: [col("a")], orderBy: [{ kind: "sort", child: col("b"), ascending: false, nullsFirst: false }] },
    });
    assert.deepEqual(p("sum(x) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"), {
      kind: "window",
      fn: call("sum", col("x")),
      spec: { partitionBy: [], orderBy: [{ kind: "sort", child: col("t"), ascending: true, nullsFirst: true }], frame: { type: "rows", start: UNBOUNDED_PRECEDING, end: 0 } },
    });
    assert.deepEqual(p("avg(x) OVER (PARTITION BY k ORDER BY t ASC NULLS LAST ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING)").kind, "window");
    assert.deepEqual((p("lag(x, 1) OVER (ORDER BY t RANGE BETWEEN 3 PRECEDING AND 1 FOLLOWING)") as { spec: { frame: unknown } }).spec.frame, { type: "range", start: -3, end: 1 });
  });
  it("sort expressions", () => {
    assert.deepEqual(parseSortExpression("a DESC NULLS FIRST"), { kind: "sort", child: col("a"), ascending: false, nullsFirst: true });
    assert.deepEqual(parseSortExpression("a"), { kind: "sort", child: col("a"), ascending: true, nullsFirst: true });
  });

  const errors: [string, number, string][] = [
    ["a +", 3, "end of input"],
    ["a + )", 4, "')'"],
    ["(a", 2, "end of input"],
    ["a b c", 4, "'c'"],
    ["f(a,", 4, "end of input"],
    ["'unterminated", 0, "end of input"],
    ["CASE END", 5, "'END'"],
    ["a IN (SELECT 1)", 6, "'SELECT'"],
    ["CAST(a AS foo)", 10, "Unsupported data type"],
    ["a # b", 2, "'#'"],
    ["", 0, "end of input"],
  ];
  for (const [text, pos, near] of errors) {
    it(`"${text}" is a PARSE error at ${pos}`, () => {
      assert.throws(() => p(text), (e: unknown) => {
        assert.ok(isWeirError(e, "PARSE"), String(e));
        assert.ok(e.message.includes(near), e.message);
        assert.ok(e.message.includes(`(line 1, pos ${pos})`), e.message);
        assert.ok(e.message.includes(`== SQL ==\n${text}\n${"-".repeat(pos)}^^^`), e.message);
        return true;
      });
    });
  }
  it("the message starts with Spark's error class", () => {
    assert.throws(() => p("a +"), (e: unknown) => isWeirError(e) && e.message.startsWith("[PARSE_SYNTAX_ERROR] Syntax error at or near end of input"));
  });
});

// ---- print → parse round trip ----

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/).filter((s) => !["and", "or", "not", "in", "is", "as", "end", "case", "when", "then", "else", "null", "true", "false", "like", "div", "cast", "from", "over", "date", "timestamp", "between", "rlike", "ilike", "regexp", "escape", "distinct", "interval", "trim", "extract", "asc", "desc", "nulls", "ignore", "respect", "try_cast", "timestamp_ltz"].includes(s));
const literal: fc.Arbitrary<Expr> = fc.oneof(
  fc.integer({ min: 0, max: 2147483647 }).map((v): Expr => ({ kind: "lit", value: v, type: IntegerType })),
  fc.integer({ min: 2147483648, max: 2 ** 53 - 1 }).map((v): Expr => ({ kind: "lit", value: v, type: LongType })),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }).filter((d) => !Object.is(d, -0)).map((v): Expr => ({ kind: "lit", value: v, type: DoubleType })),
  fc.string().map((v): Expr => ({ kind: "lit", value: v })),
  fc.boolean().map((v): Expr => ({ kind: "lit", value: v })),
  fc.constant<Expr>({ kind: "lit", value: null }),
);
const column: fc.Arbitrary<Expr> = fc.oneof(name, fc.string({ minLength: 1, maxLength: 5 })).map((n): Expr => ({ kind: "col", name: n.includes(".") || n.includes("`") ? "`" + n.replace(/`/g, "``") + "`" : n }));

const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    literal,
    column,
    fc.tuple(fc.constantFrom("+", "-", "*", "/", "%", "=", "<", "<=", ">", ">=", "<=>", "and", "or", "div"), tie("expr"), tie("expr")).map(([fn, a, b]): Expr => ({ kind: "call", fn, args: [a, b] })),
    tie("expr").map((a): Expr => ({ kind: "call", fn: "not", args: [a] })),
    tie("expr").map((a): Expr => ({ kind: "call", fn: "isnull", args: [a] })),
    fc.tuple(tie("expr"), fc.array(tie("expr"), { minLength: 1, maxLength: 3 })).map(([a, l]): Expr => ({ kind: "call", fn: "in", args: [a, ...l] })),
    fc.tuple(fc.constantFrom("lower", "coalesce", "concat", "my_udf"), fc.array(tie("expr"), { maxLength: 3 })).map(([fn, args]): Expr => ({ kind: "call", fn, args })),
    fc.tuple(fc.constantFrom("sum", "max"), tie("expr"), tie("expr")).map(([fn, arg, filter]): Expr => ({ kind: "call", fn, args: [arg], filter })),
    fc.tuple(tie("expr"), fc.constantFrom("int", "bigint", "string", "array<int>", "struct<a:int,b:string>", "map<string,double>")).map(([child, t]): Expr => ({ kind: "cast", child, to: parseDataType(t) })),
    fc.tuple(fc.array(fc.tuple(tie("expr"), tie("expr")), { minLength: 1, maxLength: 2 }), fc.option(tie("expr"), { nil: undefined })).map(([branches, otherwise]): Expr =>
      otherwise === undefined ? { kind: "case", branches } : { kind: "case", branches, otherwise },
    ),
    fc.tuple(tie("expr"), fc.oneof(literal, column)).map(([child, key]): Expr => ({ kind: "extract", child, key })),
  ),
}));

describe("print → parse round trip (property)", () => {
  it("parseExpression(printExpression(e)) equals e", () => {
    fc.assert(
      fc.property(expr, (e) => {
        const text = printExpression(e);
        assert.deepEqual(p(text), e, text);
      }),
      { numRuns: 500 },
    );
  });
  it("never throws anything but a PARSE error on arbitrary text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (s) => {
      try {
        p(s);
      } catch (e) {
        if (!isWeirError(e, "PARSE")) throw e;
      }
    }), { numRuns: 2000 });
  });
});
