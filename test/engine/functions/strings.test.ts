import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BinaryType, IntegerType, StringType, arrayOf } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { colv, evalScalar as ev, lit } from "./helpers.js";

// Expected values from the examples of Spark's SQL function reference.
const cases: [string, unknown[], unknown][] = [
  ["concat", ["Spark", "SQL"], "SparkSQL"],
  ["concat", ["a", null], null],
  ["concat", ["a", 1, true], "a1true"],
  ["concat", [lit([1, 2], arrayOf(IntegerType)), lit([3], arrayOf(IntegerType))], [1, 2, 3]],
  ["concat_ws", [" ", "Spark", "SQL"], "Spark SQL"],
  ["concat_ws", ["s"], ""],
  ["concat_ws", ["/", "foo", null, "bar"], "foo/bar"],
  ["concat_ws", [",", lit(["a", null, "b"], arrayOf(StringType)), "c"], "a,b,c"],
  ["concat_ws", [null, "a"], null],
  ["lower", ["SparkSql"], "sparksql"],
  ["lcase", ["ÀB"], "àb"],
  ["upper", ["SparkSql"], "SPARKSQL"],
  ["lower", [1], "1"],
  ["trim", ["    SparkSQL   "], "SparkSQL"],
  ["trim", ["\tx\n"], "\tx\n"],
  ["trim", ["SSparkSQLS", "SL"], "parkSQ"],
  ["ltrim", ["    SparkSQL   "], "SparkSQL   "],
  ["ltrim", ["zzzytest", "xyz"], "test"],
  ["rtrim", ["    SparkSQL   "], "    SparkSQL"],
  ["rtrim", ["testxxzx", "xyz"], "test"],
  ["length", ["Spark SQL "], 10],
  ["length", ["😀a"], 2],
  ["char_length", ["ab"], 2],
  ["length", [Buffer.from([1, 2, 3])], 3],
  ["octet_length", ["é"], 2],
  ["substring", ["Spark SQL", 5], "k SQL"],
  ["substring", ["Spark SQL", -3], "SQL"],
  ["substring", ["Spark SQL", 5, 1], "k"],
  ["substr", ["Spark SQL", 0, 2], "Sp"],
  ["substring", ["Spark SQL", -3, 2], "SQ"],
  ["substring", ["Spark", -10, 3], ""],
  ["substring", ["Spark", 2, -1], ""],
  ["substring", ["a😀b", 2, 1], "😀"],
  ["left", ["Spark SQL", 3], "Spa"],
  ["right", ["Spark SQL", 3], "SQL"],
  ["right", ["Spark SQL", 0], ""],
  ["instr", ["SparkSQL", "SQL"], 6],
  ["instr", ["SparkSQL", "x"], 0],
  ["instr", ["😀SQL", "SQL"], 2],
  ["locate", ["bar", "foobarbar"], 4],
  ["locate", ["bar", "foobarbar", 5], 7],
  ["locate", ["bar", "foobarbar", 0], 0],
  ["position", ["bar", "foobarbar"], 4],
  ["lpad", ["hi", 5, "??"], "???hi"],
  ["lpad", ["hi", 1, "??"], "h"],
  ["lpad", ["hi", 5], "   hi"],
  ["lpad", ["hi", -1, "?"], ""],
  ["rpad", ["hi", 5, "??"], "hi???"],
  ["rpad", ["hi", 1, "??"], "h"],
  ["rpad", ["hi", 5], "hi   "],
  ["repeat", ["123", 2], "123123"],
  ["repeat", ["123", -1], ""],
  ["reverse", ["Spark SQL"], "LQS krapS"],
  ["reverse", [lit([2, 1, 4, 3], arrayOf(IntegerType))], [3, 4, 1, 2]],
  ["initcap", ["sPark sql"], "Spark Sql"],
  ["initcap", ["hello  world-x"], "Hello  World-x"],
  ["replace", ["ABCabc", "abc", "DEF"], "ABCDEF"],
  ["replace", ["ABCabc", "abc"], "ABC"],
  ["replace", ["abc", "", "x"], "abc"],
  ["translate", ["AaBbCc", "abc", "123"], "A1B2C3"],
  ["translate", ["AaBbCc", "abc", "1"], "A1BC"],
  ["startswith", ["Spark SQL", "Spark"], true],
  ["startswith", ["Spark SQL", "SQL"], false],
  ["endswith", ["Spark SQL", "SQL"], true],
  ["contains", ["Spark SQL", "Spark"], true],
  ["contains", [Buffer.from("abc"), Buffer.from("bc")], true],
  ["ascii", ["222"], 50],
  ["ascii", [""], 0],
  ["chr", [65], "A"],
];

describe("string functions", () => {
  for (const [fn, args, want] of cases) {
    it(`${fn}(${args.map((a) => JSON.stringify(a)).join(", ")}) = ${JSON.stringify(want)}`, () => assert.deepEqual(ev(fn, ...args), want));
  }
  it("null arguments give null", () => {
    for (const fn of ["lower", "upper", "length", "reverse", "initcap"]) assert.equal(ev(fn, lit(null, StringType)), null, fn);
    assert.equal(ev("substring", lit(null, StringType), 1), null);
  });
  it("works on column (non-constant) arguments", () => {
    assert.equal(ev("substring", colv("hello", StringType), colv(2, IntegerType), colv(3, IntegerType)), "ell");
    assert.deepEqual(ev("substring", colv(Buffer.from("hello"), BinaryType), 2, 2), Buffer.from("el"));
  });
  it("refuses an array where a string is expected", () => {
    assert.throws(() => ev("lower", lit([1], arrayOf(IntegerType))), (e: unknown) => isWeirError(e, "ANALYSIS") && /UNEXPECTED_INPUT_TYPE.*lower.*"STRING".*"ARRAY<INT>"/.test(e.message));
  });
});
