import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IntegerType, StringType, arrayOf, mapOf, parseDataType, simpleString } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { colv, evalScalar as ev, evalWithType, lit } from "./helpers.js";

const A = (v: unknown[], t = arrayOf(IntegerType)) => lit(v, t);
const M = (v: [unknown, unknown][]) => lit(new Map(v), mapOf(StringType, IntegerType));

describe("collection functions", () => {
  const cases: [string, unknown[], unknown][] = [
    ["array", [1, 2, 3], [1, 2, 3]],
    ["array", [1, null, 2.5], [1, null, 2.5]],
    ["size", [A([1, 2, 3])], 3],
    ["size", [M([["a", 1]])], 1],
    ["cardinality", [A([])], 0],
    ["array_contains", [A([1, 2, 3]), 2], true],
    ["array_contains", [A([1, 2, 3]), 4], false],
    ["array_contains", [A([1, null]), 4], null],
    ["element_at", [A([1, 2, 3]), 2], 2],
    ["element_at", [A([1, 2, 3]), -1], 3],
    ["element_at", [M([["a", 1], ["b", 2]]), "b"], 2],
    ["element_at", [M([["a", 1]]), "z"], null],
    ["try_element_at", [A([1, 2, 3]), 5], null],
    ["named_struct", ["a", 1, "b", "x"], [1, "x"]],
    ["struct", [1, "x"], [1, "x"]],
    ["map", ["a", 1, "b", 2], new Map([["a", 1], ["b", 2]])],
    ["map_keys", [M([["a", 1], ["b", 2]])], ["a", "b"]],
    ["map_values", [M([["a", 1], ["b", 2]])], [1, 2]],
    ["sort_array", [A([3, null, 1, 2])], [null, 1, 2, 3]],
    ["sort_array", [A([3, null, 1, 2]), false], [3, 2, 1, null]],
    ["array_distinct", [A([1, 2, 3, null, 3])], [1, 2, 3, null]],
    ["array_max", [A([1, 20, null, 3])], 20],
    ["array_min", [A([1, 20, null, 3])], 1],
    ["array_join", [A(["hello", "world"], arrayOf(StringType)), " "], "hello world"],
    ["array_join", [A(["hello", null, "world"], arrayOf(StringType)), " ", ","], "hello , world"],
    ["array_join", [A(["hello", null, "world"], arrayOf(StringType)), " "], "hello world"],
    ["sequence", [1, 5], [1, 2, 3, 4, 5]],
    ["sequence", [5, 1], [5, 4, 3, 2, 1]],
    ["sequence", [1, 9, 3], [1, 4, 7]],
    ["map_from_arrays", [A([1, 2]), A(["a", "b"], arrayOf(StringType))], new Map<unknown, unknown>([[1, "a"], [2, "b"]])],
  ];
  for (const [fn, args, want] of cases) it(`${fn}(${args.map((a) => JSON.stringify(a)).join(", ")}) = ${JSON.stringify(want)}`, () => assert.deepEqual(ev(fn, ...args), want));

  it("types", () => {
    assert.equal(simpleString(evalWithType("array", 1, 2.5).dataType), "array<double>");
    assert.equal(simpleString(evalWithType("array").dataType), "array<void>");
    assert.equal(simpleString(evalWithType("named_struct", "a", 1, "b", "x").dataType), "struct<a:int,b:string>");
    assert.equal(simpleString(evalWithType("struct", 1, "x").dataType), "struct<col1:int,col2:string>");
    assert.equal(simpleString(evalWithType("map", "a", 1).dataType), "map<string,int>");
    assert.equal(simpleString(evalWithType("element_at", A([1]), 1).dataType), "int");
  });
  it("element_at out of bounds fails under ANSI", () => {
    assert.throws(() => ev("element_at", A([1, 2, 3]), 5), (e: unknown) => isWeirError(e, "EXECUTION") && /INVALID_ARRAY_INDEX_IN_ELEMENT_AT/.test(e.message));
    assert.throws(() => ev("element_at", A([1]), 0), /INVALID_INDEX_OF_ZERO/);
  });
  it("size of null is null (Spark 4 with ANSI)", () => assert.equal(ev("size", colv(null, arrayOf(IntegerType))), null));
  it("map rejects null and duplicate keys", () => {
    assert.throws(() => ev("map", colv(null, StringType), 1), /NULL_MAP_KEY/);
    assert.throws(() => ev("map", "a", 1, "a", 2), /DUPLICATED_MAP_KEY/);
  });
  it("named_struct needs constant names", () => assert.throws(() => ev("named_struct", colv("a", StringType), 1), (e: unknown) => isWeirError(e, "ANALYSIS")));
  it("size refuses a string", () => assert.throws(() => ev("size", "abc"), (e: unknown) => isWeirError(e, "ANALYSIS") && /size/.test(e.message)));
  void parseDataType;
});

describe("hash and encoding functions", () => {
  const cases: [string, unknown[], unknown][] = [
    ["md5", ["Spark"], "8cde774d6f7333752ed72cacddb05126"],
    ["sha1", ["Spark"], "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c"],
    ["sha", ["Spark"], "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c"],
    ["sha2", ["Spark", 256], "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b"],
    ["sha2", ["Spark", 1], null],
    ["crc32", ["Spark"], 1557323817],
    ["base64", ["Spark SQL"], "U3BhcmsgU1FM"],
    ["unbase64", ["U3BhcmsgU1FM"], Buffer.from("Spark SQL")],
    ["hex", [17], "11"],
    ["hex", ["Spark SQL"], "537061726B2053514C"],
    ["hex", [-1], "FFFFFFFFFFFFFFFF"],
    ["unhex", ["537061726B2053514C"], Buffer.from("Spark SQL")],
  ];
  for (const [fn, args, want] of cases) it(`${fn}(${args.map((a) => JSON.stringify(a)).join(", ")}) = ${JSON.stringify(want)}`, () => assert.deepEqual(ev(fn, ...args), want));
});
