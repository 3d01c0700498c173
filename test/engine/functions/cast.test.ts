import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { DataType } from "../../../src/engine/types.js";
import {
  BinaryType, BooleanType, ByteType, DateType, DoubleType, FloatType, IntegerType, LongType, ShortType, StringType, TimestampType,
  arrayOf, mapOf, parseDataType, struct, field,
} from "../../../src/engine/types.js";
import { buildCast, canCast } from "../../../src/engine/functions/cast.js";
import { isWeirError } from "../../../src/util/errors.js";

const ansi = { ansi: true, tryCast: false };
const tryOpts = { ansi: true, tryCast: true };
const cast = (v: unknown, from: DataType, to: DataType): unknown => buildCast(from, to, ansi)(v);
const tryCast = (v: unknown, from: DataType, to: DataType): unknown => buildCast(from, to, tryOpts)(v);
const ts = (iso: string): number => Date.parse(iso) * 1000;

describe("cast: string to numbers (ANSI)", () => {
  const ok: [string, DataType, unknown][] = [
    ["123", IntegerType, 123],
    ["  42 \t", IntegerType, 42],
    ["-7", LongType, -7],
    ["+5", ShortType, 5],
    ["127", ByteType, 127],
    ["9007199254740991", LongType, 9007199254740991],
    ["1.5", DoubleType, 1.5],
    [" 1e3 ", DoubleType, 1000],
    ["NaN", DoubleType, NaN],
    ["-Infinity", DoubleType, -Infinity],
    ["inf", DoubleType, Infinity],
    ["1.5d", DoubleType, 1.5],
    [".5", DoubleType, 0.5],
    ["0.1", FloatType, Math.fround(0.1)],
  ];
  for (const [s, t, want] of ok) it(`'${s}' → ${t.kind} = ${String(want)}`, () => assert.deepEqual(cast(s, StringType, t), want));

  const bad: [string, DataType][] = [
    ["abc", IntegerType],
    ["1.5", IntegerType],
    ["", IntegerType],
    ["2147483648", IntegerType],
    ["128", ByteType],
    ["1x", DoubleType],
    ["", DoubleType],
  ];
  for (const [s, t] of bad) {
    it(`'${s}' → ${t.kind} fails with CAST_INVALID_INPUT; try_cast gives null`, () => {
      assert.throws(() => cast(s, StringType, t), (e: unknown) => isWeirError(e, "EXECUTION") && /\[CAST_INVALID_INPUT\]/.test(e.message) && /try_cast/.test(e.message));
      assert.equal(tryCast(s, StringType, t), null);
    });
  }

  it("names the value and types as Spark does", () => {
    assert.throws(() => cast("abc", StringType, IntegerType), (e: unknown) => isWeirError(e) && e.message.startsWith(`[CAST_INVALID_INPUT] The value 'abc' of the type "STRING" cannot be cast to "INT" because it is malformed.`));
  });
});

describe("cast: numbers", () => {
  it("double → int truncates toward zero", () => {
    assert.equal(cast(1.9, DoubleType, IntegerType), 1);
    assert.equal(cast(-1.9, DoubleType, IntegerType), -1);
    assert.equal(cast(-0.5, DoubleType, LongType), 0);
  });
  it("overflow raises CAST_OVERFLOW, try_cast gives null", () => {
    assert.throws(() => cast(1e10, DoubleType, IntegerType), (e: unknown) => isWeirError(e, "EXECUTION") && /\[CAST_OVERFLOW\] The value 1\.0E10D of the type "DOUBLE"/.test(e.message));
    assert.throws(() => cast(NaN, DoubleType, IntegerType), /CAST_OVERFLOW/);
    assert.throws(() => cast(3000000000, LongType, IntegerType), /CAST_OVERFLOW.*3000000000L/);
    assert.throws(() => cast(200, IntegerType, ByteType), /CAST_OVERFLOW/);
    assert.equal(tryCast(1e10, DoubleType, IntegerType), null);
  });
  it("int → long/double widen", () => {
    assert.equal(cast(5, IntegerType, LongType), 5);
    assert.equal(cast(5, IntegerType, DoubleType), 5);
  });
  it("boolean ↔ numbers", () => {
    assert.equal(cast(true, BooleanType, IntegerType), 1);
    assert.equal(cast(0, IntegerType, BooleanType), false);
    assert.equal(cast(2.5, DoubleType, BooleanType), true);
  });
});

describe("cast: to string (Spark's text forms)", () => {
  const cases: [unknown, DataType, string][] = [
    [1, DoubleType, "1.0"],
    [1e20, DoubleType, "1.0E20"],
    [1e7, DoubleType, "1.0E7"],
    [1234567.0, DoubleType, "1234567.0"],
    [0.001, DoubleType, "0.001"],
    [1e-4, DoubleType, "1.0E-4"],
    [-2.5, DoubleType, "-2.5"],
    [1.2345e-7, DoubleType, "1.2345E-7"],
    [NaN, DoubleType, "NaN"],
    [Infinity, DoubleType, "Infinity"],
    [-Infinity, DoubleType, "-Infinity"],
    [-0, DoubleType, "-0.0"],
    [Math.fround(0.1), FloatType, "0.1"],
    [Math.fround(3.14), FloatType, "3.14"],
    [42, IntegerType, "42"],
    [-9007199254740991, LongType, "-9007199254740991"],
    [true, BooleanType, "true"],
    [ts("2024-01-31T12:00:05.250Z"), TimestampType, "2024-01-31 12:00:05.25"],
    [ts("2024-01-31T12:00:05Z"), TimestampType, "2024-01-31 12:00:05"],
    [ts("2024-01-31T12:00:05Z") + 1, TimestampType, "2024-01-31 12:00:05.000001"],
    [19753, DateType, "2024-01-31"],
    [Buffer.from("héllo"), BinaryType, "héllo"],
    [[1, 2, null], arrayOf(IntegerType), "[1, 2, null]"],
    [[1, "a"], struct([field("x", IntegerType), field("y", StringType)]), "{1, a}"],
    [new Map([["a", 1], ["b", null]]), mapOf(StringType, IntegerType), "{a -> 1, b -> null}"],
    [[[1.5], []], arrayOf(arrayOf(DoubleType)), "[[1.5], []]"],
  ];
  for (const [v, t, want] of cases) it(`${t.kind} ${String(v)} → '${want}'`, () => assert.equal(cast(v, t, StringType), want));
});

describe("cast: booleans from strings", () => {
  for (const s of ["t", "true", "TRUE", " yes ", "y", "1"]) it(`'${s}' is true`, () => assert.equal(cast(s, StringType, BooleanType), true));
  for (const s of ["f", "false", "No", "n", "0"]) it(`'${s}' is false`, () => assert.equal(cast(s, StringType, BooleanType), false));
  it("'maybe' fails", () => assert.throws(() => cast("maybe", StringType, BooleanType), /CAST_INVALID_INPUT/));
});

describe("cast: datetimes", () => {
  const tsCases: [string, number][] = [
    ["2024-01-31 12:00:05", ts("2024-01-31T12:00:05Z")],
    ["2024-01-31T12:00:05.123456", ts("2024-01-31T12:00:05.123Z") + 456],
    ["2024-01-31", ts("2024-01-31T00:00:00Z")],
    ["2024-01", ts("2024-01-01T00:00:00Z")],
    ["2024", ts("2024-01-01T00:00:00Z")],
    [" 2024-1-5 1:2:3 ", ts("2024-01-05T01:02:03Z")],
    ["2024-01-31T12:00:05Z", ts("2024-01-31T12:00:05Z")],
    ["2024-01-31T12:00:05+02:00", ts("2024-01-31T10:00:05Z")],
    ["2024-01-31 12:00:05 UTC", ts("2024-01-31T12:00:05Z")],
  ];
  for (const [s, want] of tsCases) it(`'${s}' → timestamp`, () => assert.equal(cast(s, StringType, TimestampType), want));
  for (const s of ["2024-02-30", "2024-13-01", "yesterday", "2024-01-01 25:00:00"]) {
    it(`'${s}' is not a timestamp`, () => {
      assert.throws(() => cast(s, StringType, TimestampType), /CAST_INVALID_INPUT.*"TIMESTAMP"/);
      assert.equal(tryCast(s, StringType, TimestampType), null);
    });
  }
  it("string → date ignores a time part", () => {
    assert.equal(cast("2024-01-31", StringType, DateType), 19753);
    assert.equal(cast("2024-01-31 23:59:59", StringType, DateType), 19753);
    assert.equal(cast("2024-01-31T10:00", StringType, DateType), 19753);
    assert.throws(() => cast("31/01/2024", StringType, DateType), /CAST_INVALID_INPUT/);
  });
  it("numbers ↔ timestamps are seconds", () => {
    assert.equal(cast(1, LongType, TimestampType), 1_000_000);
    assert.equal(cast(1.5, DoubleType, TimestampType), 1_500_000);
    assert.equal(cast(-1_500_000, TimestampType, LongType), -2);
    assert.equal(cast(1_500_000, TimestampType, DoubleType), 1.5);
  });
  it("date ↔ timestamp", () => {
    assert.equal(cast(1, DateType, TimestampType), 86_400_000_000);
    assert.equal(cast(-1, TimestampType, DateType), -1);
  });
  it("binary ↔ string is UTF-8", () => assert.deepEqual(cast("é", StringType, BinaryType), Buffer.from([0xc3, 0xa9])));
});

describe("cast: nested types", () => {
  it("array<string> → array<int> element-wise; try_cast nulls only bad elements", () => {
    assert.deepEqual(cast(["1", null, "3"], arrayOf(StringType), arrayOf(IntegerType)), [1, null, 3]);
    assert.deepEqual(tryCast(["1", "x"], arrayOf(StringType), arrayOf(IntegerType)), [1, null]);
    assert.throws(() => cast(["1", "x"], arrayOf(StringType), arrayOf(IntegerType)), /CAST_INVALID_INPUT/);
  });
  it("struct → struct by position", () => {
    const from = parseDataType("struct<a:string,b:int>");
    const to = parseDataType("struct<x:int,y:string>");
    assert.deepEqual(cast(["7", 8], from, to), [7, "8"]);
  });
});

describe("canCast (ANSI)", () => {
  const yes: [string, string][] = [["int", "string"], ["string", "int"], ["array<int>", "string"], ["bigint", "timestamp"], ["timestamp", "bigint"], ["date", "timestamp"], ["boolean", "int"], ["string", "binary"], ["void", "int"]];
  const no: [string, string][] = [["int", "date"], ["date", "int"], ["boolean", "timestamp"], ["int", "binary"], ["string", "array<int>"], ["array<int>", "int"], ["struct<a:int>", "struct<a:int,b:int>"]];
  for (const [a, b] of yes) it(`${a} → ${b} allowed`, () => assert.ok(canCast(parseDataType(a), parseDataType(b))));
  for (const [a, b] of no) it(`${a} → ${b} refused`, () => {
    assert.ok(!canCast(parseDataType(a), parseDataType(b)));
    assert.throws(() => buildCast(parseDataType(a), parseDataType(b), ansi), (e: unknown) => isWeirError(e, "ANALYSIS"));
  });
});

describe("cast properties", () => {
  it("int → string → int round-trips", () => {
    fc.assert(fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (n) => cast(cast(n, IntegerType, StringType), StringType, IntegerType) === n));
  });
  it("double → string → double round-trips (finite)", () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => Object.is(cast(cast(d, DoubleType, StringType), StringType, DoubleType), d)));
  });
  it("timestamp → string → timestamp round-trips", () => {
    fc.assert(fc.property(fc.integer({ min: -2_000_000_000, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999 }), (s, us) => {
      const v = s * 1_000_000 + us;
      return cast(cast(v, TimestampType, StringType), StringType, TimestampType) === v;
    }));
  });
  it("date → string → date round-trips", () => {
    fc.assert(fc.property(fc.integer({ min: -700_000, max: 2_900_000 }), (d) => cast(cast(d, DateType, StringType), StringType, DateType) === d));
  });
  it("try_cast of any string to int never throws", () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const v = tryCast(s, StringType, IntegerType);
      return v === null || Number.isInteger(v);
    }));
  });
});
