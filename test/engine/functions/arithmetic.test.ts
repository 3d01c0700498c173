import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DoubleType, FloatType, IntegerType, LongType, ShortType, StringType, DateType, simpleString } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { colv, evalScalar as ev, evalWithType, lit } from "./helpers.js";

const isExec = (re: RegExp) => (e: unknown): boolean => isWeirError(e, "EXECUTION") && re.test(e.message);

describe("arithmetic operators", () => {
  const cases: [string, unknown[], unknown, string][] = [
    ["+", [1, 2], 3, "int"],
    ["+", [1, lit(2, LongType)], 3, "bigint"],
    ["+", [1, 2.5], 3.5, "double"],
    ["+", [lit(1, ShortType), lit(2, ShortType)], 3, "smallint"],
    ["-", [5, 7], -2, "int"],
    ["*", [6, 7], 42, "int"],
    ["*", [1.5, 2], 3, "double"],
    ["/", [1, 2], 0.5, "double"],
    ["/", [7, 7], 1, "double"],
    ["%", [7, 3], 1, "int"],
    ["%", [-7, 3], -1, "int"],
    ["%", [7.5, 2], 1.5, "double"],
    ["pmod", [-7, 3], 2, "int"],
    ["div", [7, 2], 3, "bigint"],
    ["div", [-7, 2], -3, "bigint"],
    ["negative", [5], -5, "int"],
    ["+", ["1", 2], 3, "bigint"],
    ["+", ["1.5", 2.5], 4, "double"],
    ["+", [null, 1], null, "int"],
    ["+", [lit(19753, DateType), 1], 19754, "date"],
    ["-", [lit(19753, DateType), 1], 19752, "date"],
    ["+", [lit(1.5, FloatType), lit(0.1, FloatType)], Math.fround(1.5 + Math.fround(0.1)), "float"],
    ["&", [12, 10], 8, "int"],
    ["|", [12, 10], 14, "int"],
    ["^", [12, 10], 6, "int"],
    ["~", [0], -1, "int"],
  ];
  for (const [op, args, want, type] of cases) {
    it(`${op}(${args.map((a) => JSON.stringify(a)).join(", ")}) = ${String(want)} : ${type}`, () => {
      const r = evalWithType(op, ...args);
      assert.deepEqual(r.value, want);
      assert.equal(simpleString(r.dataType), type);
    });
  }

  it("integer overflow raises ARITHMETIC_OVERFLOW (ANSI)", () => {
    assert.throws(() => ev("+", 2147483647, 1), isExec(/^\[ARITHMETIC_OVERFLOW\] integer overflow\. Use 'try_add'/));
    assert.throws(() => ev("*", 65536, 65536), isExec(/ARITHMETIC_OVERFLOW/));
    assert.throws(() => ev("-", -2147483648, 1), isExec(/try_subtract/));
    assert.throws(() => ev("*", lit(2 ** 62, LongType), lit(4, LongType)), isExec(/long overflow/));
    assert.throws(() => ev("negative", -2147483648), isExec(/ARITHMETIC_OVERFLOW/));
    assert.equal(ev("+", lit(2147483647, LongType), 1), 2147483648);
  });
  it("division and remainder by zero raise DIVIDE_BY_ZERO", () => {
    assert.throws(() => ev("/", 1, 0), isExec(/^\[DIVIDE_BY_ZERO\] Division by zero\. Use `try_divide`/));
    assert.throws(() => ev("/", 1.5, 0.0), isExec(/DIVIDE_BY_ZERO/));
    assert.throws(() => ev("%", 1, 0), isExec(/DIVIDE_BY_ZERO/));
    assert.throws(() => ev("div", 1, 0), isExec(/DIVIDE_BY_ZERO/));
  });
  it("try_add/try_subtract/try_multiply/try_divide/try_mod give null instead of failing (regression: were missing)", () => {
    assert.equal(ev("try_add", 2147483647, 1), null);
    assert.equal(ev("try_add", 1, 2), 3);
    assert.equal(ev("try_subtract", -2147483648, 1), null);
    assert.equal(ev("try_multiply", 65536, 65536), null);
    assert.equal(ev("try_multiply", lit(3, LongType), 4), 12);
    assert.equal(ev("try_divide", 1, 0), null);
    assert.equal(ev("try_divide", 2147483647, 1), 2147483647);
    assert.equal(simpleString(evalWithType("try_divide", 3, 2).dataType), "double");
    assert.equal(ev("try_mod", 7, 0), null);
    assert.equal(ev("try_mod", 7, 3), 1);
    assert.equal(ev("try_add", null, 1), null);
    // Only the ANSI runtime errors become null: a bad operand type still fails analysis.
    assert.throws(() => ev("try_add", true, 1), (e: unknown) => isWeirError(e, "ANALYSIS"));
  });
  it("a string that is not a number fails the implicit cast", () => {
    assert.throws(() => ev("+", "abc", 1), isExec(/CAST_INVALID_INPUT/));
  });
  it("refuses non-numeric operands at analysis", () => {
    assert.throws(() => ev("+", true, 1), (e: unknown) => isWeirError(e, "ANALYSIS") && /BINARY_OP_DIFF_TYPES|UNEXPECTED/.test(e.message));
    assert.throws(() => ev("*", [1], 2), (e: unknown) => isWeirError(e, "ANALYSIS"));
  });
});

describe("math functions", () => {
  const cases: [string, unknown[], unknown][] = [
    ["abs", [-5], 5],
    ["abs", [-2.5], 2.5],
    ["round", [2.5], 3],
    ["round", [-2.5], -3],
    ["round", [2.675, 2], 2.68],
    ["round", [1.005, 2], 1.01],
    ["round", [125, -1], 130],
    ["round", [125.5, -1], 130],
    ["round", [3], 3],
    ["round", [0.5], 1],
    ["round", [1234.5678, -2], 1200],
    ["bround", [2.5], 2],
    ["bround", [3.5], 4],
    ["bround", [-2.5], -2],
    ["bround", [2.25, 1], 2.2],
    ["floor", [-0.1], -1],
    ["floor", [5], 5],
    ["ceil", [-0.1], 0],
    ["ceil", [5.2], 6],
    ["ceiling", [1.0000001], 2],
    ["sqrt", [4], 2],
    ["sqrt", [-1], NaN],
    ["pow", [2, 10], 1024],
    ["power", [4, 0.5], 2],
    ["exp", [0], 1],
    ["ln", [1], 0],
    ["ln", [0], null],
    ["log", [10, 100], 2],
    ["log", [Math.E], 1],
    ["log10", [1000], 3],
    ["log2", [8], 3],
    ["signum", [-3], -1],
    ["greatest", [10, 9, 2, 4, 3], 10],
    ["greatest", [1, null, 3.5], 3.5],
    ["least", [10, 9, 2, 4, 3], 2],
    ["least", [null, null], null],
    ["greatest", ["a", "c", "b"], "c"],
    ["least", [1, lit(-1, LongType)], -1],
  ];
  for (const [fn, args, want] of cases) it(`${fn}(${args.map((a) => JSON.stringify(a)).join(", ")}) = ${String(want)}`, () => assert.deepEqual(ev(fn, ...args), want));

  it("floor/ceil give bigint; round keeps the type", () => {
    assert.equal(simpleString(evalWithType("floor", 1.5).dataType), "bigint");
    assert.equal(simpleString(evalWithType("ceil", 1).dataType), "bigint");
    assert.equal(simpleString(evalWithType("round", 1.5).dataType), "double");
    assert.equal(simpleString(evalWithType("round", 1).dataType), "int");
  });
  it("abs of a string column casts to double", () => {
    assert.equal(ev("abs", colv("-1.5", StringType)), 1.5);
  });
  it("abs(INT_MIN) overflows", () => assert.throws(() => ev("abs", colv(-2147483648, IntegerType)), /ARITHMETIC_OVERFLOW/));
  it("refuses a boolean", () => assert.throws(() => ev("sqrt", true), (e: unknown) => isWeirError(e, "ANALYSIS") && /\[DATATYPE_MISMATCH\.UNEXPECTED_INPUT_TYPE\] Cannot resolve "sqrt\(\.\.\.\)".*"DOUBLE".*"BOOLEAN"/.test(e.message)));
  it("greatest refuses mixed incompatible types", () => assert.throws(() => ev("greatest", 1, true), (e: unknown) => isWeirError(e, "ANALYSIS")));
  void DoubleType;
});
