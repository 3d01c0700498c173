import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BooleanType, DoubleType, IntegerType, LongType, StringType, arrayOf, simpleString } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { colv, evalScalar as ev, evalWithType, lit } from "./helpers.js";

describe("comparisons", () => {
  const cases: [string, unknown[], unknown][] = [
    ["=", [1, 1], true],
    ["=", [1, lit(1, LongType)], true],
    ["=", [1, 1.0], true],
    ["=", ["a", "a"], true],
    ["=", ["1", 1], true],
    ["=", [NaN, NaN], true],
    ["=", [null, 1], null],
    ["!=", [1, 2], true],
    ["<>", ["a", "a"], false],
    ["<", [1, 2], true],
    ["<", ["a", "b"], true],
    ["<", ["B", "a"], true],
    ["<=", [2, 2], true],
    [">", [2.5, 2], true],
    [">", [NaN, Infinity], true],
    [">=", ["10", 9], true],
    ["<", [false, true], true],
    ["=", [[1, 2], [1, 2]], true],
    ["<", [[1, 2], [1, 3]], true],
    ["<", [[1], [1, 0]], true],
    ["<=>", [null, null], true],
    ["<=>", [null, 1], false],
    ["<=>", [1, 1], true],
    ["equal_null", [2, 1], false],
  ];
  for (const [op, args, want] of cases) it(`${op}(${args.map((a) => JSON.stringify(a)).join(", ")}) = ${String(want)}`, () => assert.deepEqual(ev(op, ...args), want));
  it("compares strings by code point (UTF-8 order)", () => {
    assert.equal(ev("<", "\uffff", "\u{1F600}"), true);
  });
  it("a string compared with a number is cast to bigint (ANSI), so a malformed string fails", () => {
    assert.throws(() => ev("=", colv("x", StringType), 1), (e: unknown) => isWeirError(e, "EXECUTION") && /CAST_INVALID_INPUT/.test(e.message));
  });
  it("incompatible types fail at analysis", () => {
    assert.throws(() => ev("=", 1, true), (e: unknown) => isWeirError(e, "ANALYSIS") && /BINARY_OP_DIFF_TYPES/.test(e.message));
    assert.throws(() => ev("<", [1], 1), (e: unknown) => isWeirError(e, "ANALYSIS"));
  });
});

describe("boolean logic (three-valued)", () => {
  const T = true;
  const F = false;
  const N = null;
  const and: [unknown, unknown, unknown][] = [[T, T, T], [T, F, F], [F, N, F], [N, F, F], [T, N, N], [N, N, N]];
  const or: [unknown, unknown, unknown][] = [[F, F, F], [T, F, T], [T, N, T], [N, T, T], [F, N, N], [N, N, N]];
  for (const [a, b, want] of and) it(`${String(a)} AND ${String(b)} = ${String(want)}`, () => assert.equal(ev("and", lit(a, BooleanType), lit(b, BooleanType)), want));
  for (const [a, b, want] of or) it(`${String(a)} OR ${String(b)} = ${String(want)}`, () => assert.equal(ev("or", lit(a, BooleanType), lit(b, BooleanType)), want));
  it("NOT", () => {
    assert.equal(ev("not", true), false);
    assert.equal(ev("not", lit(null, BooleanType)), null);
  });
  it("AND refuses an int", () => assert.throws(() => ev("and", 1, true), (e: unknown) => isWeirError(e, "ANALYSIS")));
});

describe("null handling", () => {
  const cases: [string, unknown[], unknown][] = [
    ["isnull", [null], true],
    ["isnull", [1], false],
    ["isnotnull", [null], false],
    ["isnan", [NaN], true],
    ["isnan", [null], false],
    ["coalesce", [null, 1, 2], 1],
    ["coalesce", [null, null], null],
    ["coalesce", [null, 1, 2.5], 1],
    ["nvl", [null, "x"], "x"],
    ["ifnull", ["a", "x"], "a"],
    ["nvl2", [null, 2, 1], 1],
    ["nvl2", [0, 2, 1], 2],
    ["nullif", [2, 2], null],
    ["nullif", [2, 3], 2],
    ["if", [true, 1, 2], 1],
    ["if", [false, 1, 2], 2],
    ["if", [lit(null, BooleanType), 1, 2], 2],
  ];
  for (const [fn, args, want] of cases) it(`${fn}(${args.map((a) => JSON.stringify(a)).join(", ")}) = ${String(want)}`, () => assert.deepEqual(ev(fn, ...args), want));
  it("coalesce widens to the common type", () => assert.equal(simpleString(evalWithType("coalesce", null, 1, 2.5).dataType), "double"));
  it("coalesce is not nullable when any argument is not", () => {
    assert.equal(evalWithType("coalesce", colv(null, IntegerType), 1).value, 1);
  });
});

describe("IN", () => {
  const cases: [unknown[], unknown][] = [
    [[1, 1, 2, 3], true],
    [[4, 1, 2, 3], false],
    [[4, 1, null], null],
    [[1, 1, null], true],
    [[null, 1, 2], null],
    [["b", "a", "b"], true],
    [[2, 1.5, 2.0], true],
  ];
  for (const [args, want] of cases) it(`${JSON.stringify(args[0])} IN ${JSON.stringify(args.slice(1))} = ${String(want)}`, () => assert.equal(ev("in", ...args), want));
  it("works with a non-constant list", () => {
    assert.equal(ev("in", colv(3, IntegerType), colv(1, IntegerType), colv(3, IntegerType)), true);
    assert.equal(ev("in", colv(3, IntegerType), colv(null, IntegerType)), null);
  });
  it("coerces to the common type", () => assert.equal(ev("in", colv(1, LongType), 1, 2), true));
  void DoubleType;
  void arrayOf;
});
