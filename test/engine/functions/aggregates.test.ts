import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { DataType } from "../../../src/engine/types.js";
import { BooleanType, DoubleType, IntegerType, LongType, StringType, arrayOf } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { lookupAggregate } from "../../../src/engine/functions/registry.js";
import { evalAggregate as agg } from "./helpers.js";

const I = [IntegerType];
const rows = (...vs: unknown[]): unknown[][] => vs.map((v) => [v]);

describe("aggregate functions", () => {
  for (const parts of [1, 3]) {
    describe(`in ${parts} partition(s)`, () => {
      const cases: [string, DataType[], unknown[][], unknown, { distinct?: boolean; consts?: unknown[] }?][] = [
        ["count", [], [[], [], []], 3],
        ["count", I, rows(1, null, 3), 2],
        ["count", I, rows(1, 1, null, 2), 2, { distinct: true }],
        ["count", I, rows(null, null), 0],
        ["count", [IntegerType, StringType], [[1, "a"], [1, null], [null, "b"], [2, "c"]], 2],
        ["count", I, rows(1, 2, 3), 3, { consts: [1] }],
        ["count_distinct", I, rows(1, 1, 2), 2],
        ["sum", I, rows(1, 2, null, 4), 7],
        ["sum", I, rows(null, null), null],
        ["sum", [DoubleType], rows(0.5, 0.25), 0.75],
        ["sum", I, rows(1, 1, 2), 3, { distinct: true }],
        ["sum_distinct", I, rows(1, 1, 2), 3],
        ["sum", [StringType], rows("1.5", "2"), 3.5],
        ["avg", I, rows(1, 2, null, 3), 2],
        ["mean", I, rows(null), null],
        ["min", I, rows(3, null, 1, 2), 1],
        ["max", I, rows(3, null, 1, 2), 3],
        ["max", [StringType], rows("apple", "pear", "fig"), "pear"],
        ["min", [DoubleType], rows(NaN, 1), 1],
        ["max", [DoubleType], rows(NaN, 1), NaN],
        ["first", I, rows(null, 5, 6), null],
        ["first", [IntegerType, BooleanType], [[null, true], [5, true], [6, true]], 5, { consts: [undefined, true] }],
        ["last", I, rows(5, 6, null), null],
        ["last", [IntegerType, BooleanType], [[5, true], [6, true], [null, true]], 6, { consts: [undefined, true] }],
        ["collect_list", I, rows(1, null, 2, 1), [1, 2, 1]],
        ["collect_set", I, rows(1, null, 2, 1), [1, 2]],
        ["stddev", [DoubleType], rows(1, 2, 3), 1],
        ["stddev_pop", [DoubleType], rows(1, 3), 1],
        ["variance", [DoubleType], rows(1, 2, 3, 4), 5 / 3],
        ["var_pop", [DoubleType], rows(1, 2, 3, 4), 1.25],
        ["stddev", [DoubleType], rows(1), null],
        ["bool_and", [BooleanType], rows(true, null, true), true],
        ["every", [BooleanType], rows(true, false), false],
        ["bool_or", [BooleanType], rows(false, null, true), true],
        ["max_by", [StringType, IntegerType], [["a", 10], ["b", 50], ["c", 20]], "b"],
        ["min_by", [StringType, IntegerType], [["a", 10], ["b", 50], ["c", 20]], "a"],
        ["approx_count_distinct", I, rows(1, 2, 2, null, 3), 3],
      ];
      for (const [fn, types, input, want, opts] of cases) {
        it(`${fn}${opts?.distinct === true ? " DISTINCT" : ""}(${JSON.stringify(input)}) = ${JSON.stringify(want)}`, () => {
          const got = agg(fn, types, input, { ...opts, parts });
          if (typeof want === "number" && typeof got === "number" && !Number.isInteger(want) && !Number.isNaN(want)) assert.ok(Math.abs(got - want) < 1e-12, `${got} vs ${want}`);
          else assert.deepEqual(got, want);
        });
      }
    });
  }

  it("result types follow Spark", () => {
    const t = (fn: string, arg: typeof IntegerType) => lookupAggregate(fn)!.resolve([{ dataType: arg, nullable: true, foldable: false }], false).dataType.kind;
    assert.equal(t("count", IntegerType), "long");
    assert.equal(t("sum", IntegerType), "long");
    assert.equal(t("sum", DoubleType), "double");
    assert.equal(t("avg", IntegerType), "double");
    assert.equal(t("max", StringType), "string");
    assert.equal(lookupAggregate("collect_list")!.resolve([{ dataType: IntegerType, nullable: true, foldable: false }], false).dataType.kind, "array");
  });
  it("sum of bigint overflows under ANSI", () => {
    assert.throws(() => agg("sum", [LongType], rows(2 ** 62, 2 ** 62)), (e: unknown) => isWeirError(e, "EXECUTION") && /ARITHMETIC_OVERFLOW/.test(e.message));
  });
  it("sum refuses booleans; first needs a literal ignoreNulls", () => {
    assert.throws(() => agg("sum", [BooleanType], rows(true)), (e: unknown) => isWeirError(e, "ANALYSIS"));
    assert.throws(() => agg("first", [IntegerType, BooleanType], [[1, true]]), (e: unknown) => isWeirError(e, "ANALYSIS"));
  });
  it("partial aggregation agrees with a single pass (property)", () => {
    fc.assert(fc.property(fc.array(fc.option(fc.integer({ min: -1000, max: 1000 }))), fc.integer({ min: 1, max: 5 }), (vals, parts) => {
      const r = rows(...vals);
      for (const fn of ["count", "sum", "min", "max", "collect_list"]) assert.deepEqual(agg(fn, I, r, { parts }), agg(fn, I, r));
      const a = agg("avg", I, r, { parts }) as number | null;
      const b = agg("avg", I, r) as number | null;
      assert.ok(a === b || Math.abs(a! - b!) < 1e-9);
    }));
  });
  void arrayOf;
});

describe("approx_count_distinct (HyperLogLog++)", () => {
  for (const n of [10, 1000, 20000, 100000]) {
    it(`estimates ${n} distinct values within 3 × rsd (0.05)`, () => {
      const input: unknown[][] = [];
      for (let i = 0; i < n; i++) input.push([`user-${i}`], [`user-${i}`]);
      const est = agg("approx_count_distinct", [StringType], input, { parts: 4 }) as number;
      assert.ok(Math.abs(est - n) / n <= 0.15, `estimate ${est} for ${n}`);
    });
  }
  it("is exact for small cardinalities (linear counting)", () => {
    assert.equal(agg("approx_count_distinct", [IntegerType], rows(...Array.from({ length: 50 }, (_, i) => i % 25))), 25);
  });
  it("a tighter rsd gives a tighter estimate", () => {
    const input = Array.from({ length: 50000 }, (_, i) => [i]);
    const est = agg("approx_count_distinct", [IntegerType, DoubleType], input.map((r) => [r[0], 0.01]), { consts: [undefined, 0.01] }) as number;
    assert.ok(Math.abs(est - 50000) / 50000 <= 0.03, `estimate ${est}`);
  });
  it("rejects a bad rsd", () => assert.throws(() => agg("approx_count_distinct", [IntegerType, DoubleType], [[1, 2]], { consts: [undefined, 2] }), (e: unknown) => isWeirError(e, "ANALYSIS")));
});
