import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDataType, simpleString, NullType, IntegerType, LongType, DoubleType, StringType, BooleanType, BinaryType, TimestampType } from "../../../src/engine/types.js";
import { commonType, literalType } from "../../../src/engine/functions/coercion.js";

describe("commonType (Spark ANSI widening)", () => {
  const cases: [string[], string | null][] = [
    [["int", "bigint"], "bigint"],
    [["int", "double"], "double"],
    [["tinyint", "smallint"], "smallint"],
    [["bigint", "float"], "float"],
    [["void", "string"], "string"],
    [["void"], "void"],
    [["string", "int"], "bigint"],
    [["double", "string"], "double"],
    [["string", "date"], "date"],
    [["date", "timestamp"], "timestamp"],
    [["string", "boolean"], "boolean"],
    [["array<int>", "array<bigint>"], "array<bigint>"],
    [["struct<a:int>", "struct<a:double>"], "struct<a:double>"],
    [["map<string,int>", "map<string,bigint>"], "map<string,bigint>"],
    [["int", "boolean"], null],
    [["date", "int"], null],
    [["array<int>", "int"], null],
    [["string", "array<int>"], null],
    [["struct<a:int>", "struct<b:int>"], null],
  ];
  for (const [inputs, want] of cases) {
    it(`${inputs.join(" + ")} → ${want ?? "none"}`, () => {
      const t = commonType(inputs.map(parseDataType));
      assert.equal(t === null ? null : simpleString(t), want);
    });
  }
  it("of nothing is the null type", () => assert.deepEqual(commonType([]), NullType));
});

describe("literalType", () => {
  const cases: [unknown, string][] = [
    [1, "int"],
    [2147483647, "int"],
    [2147483648, "bigint"],
    [-2147483649, "bigint"],
    [1.5, "double"],
    [-0, "double"],
    [10n, "bigint"],
    ["a", "string"],
    [true, "boolean"],
    [Buffer.from("x"), "binary"],
    [new Date(0), "timestamp"],
    [[1, 2], "array<int>"],
    [[1, 2.5], "array<double>"],
    [[1, 3000000000], "array<bigint>"],
    [[], "array<void>"],
    [null, "void"],
    [undefined, "void"],
  ];
  for (const [v, want] of cases) it(`${String(v)} → ${want}`, () => assert.equal(simpleString(literalType(v)), want));
  it("types are the shared singletons where atomic", () => {
    assert.equal(literalType(1), IntegerType);
    assert.equal(literalType(2 ** 40), LongType);
    assert.equal(literalType(0.5), DoubleType);
    assert.equal(literalType("s"), StringType);
    assert.equal(literalType(false), BooleanType);
    assert.equal(literalType(Buffer.alloc(0)), BinaryType);
    assert.equal(literalType(new Date()), TimestampType);
  });
});
