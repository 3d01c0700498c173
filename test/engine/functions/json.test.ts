import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { IntegerType, StringType, arrayOf, field, mapOf, parseDataType, parseSchema, simpleString, struct, TimestampType, DoubleType, DateType, BinaryType } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { compileJsonRowParser, inferJsonSchema, jsonValueToValue, parseJsonToRow, valueToJson, writeJson } from "../../../src/engine/functions/json-convert.js";
import { fromJsonVariant } from "../../../src/engine/functions/json.js";
import { colv, evalScalar as ev, evalWithType, lit } from "./helpers.js";

const ts = (iso: string): number => Date.parse(iso) * 1000;

describe("parseJsonToRow", () => {
  const schema = parseSchema("a INT, b STRING, c DOUBLE, d BOOLEAN, t TIMESTAMP, dt DATE, arr ARRAY<BIGINT>, s STRUCT<x:INT,y:STRING>, m MAP<STRING,INT>");
  it("converts every type", () => {
    const row = parseJsonToRow(
      '{"a":1,"b":"x","c":2.5,"d":true,"t":"2024-01-01T00:00:00.000Z","dt":"2024-01-02","arr":[1,null,3],"s":{"y":"q","x":7},"m":{"k":1,"n":null},"extra":1}',
      schema,
    );
    assert.deepEqual(row, [1, "x", 2.5, true, ts("2024-01-01T00:00:00Z"), 19724, [1, null, 3], [7, "q"], new Map([["k", 1], ["n", null]])]);
  });
  it("missing and null fields are null", () => {
    assert.deepEqual(parseJsonToRow('{"b":null}', schema), Array(9).fill(null));
  });
  it("a non-string value in a string field keeps its JSON text", () => {
    assert.deepEqual(parseJsonToRow('{"b":{"z":[1,2]}}', parseSchema("b STRING")), ['{"z":[1,2]}']);
    assert.deepEqual(parseJsonToRow('{"b":12}', parseSchema("b STRING")), ["12"]);
  });
  it("malformed text throws MALFORMED_RECORD_IN_PARSING", () => {
    assert.throws(() => parseJsonToRow('{"a":1', schema), (e: unknown) => isWeirError(e, "EXECUTION") && /MALFORMED_RECORD_IN_PARSING/.test(e.message));
    assert.throws(() => parseJsonToRow("[1,2]", schema), /MALFORMED_RECORD_IN_PARSING/);
  });
  it("partial results (Spark 4 default): a mismatched field is null, the rest kept", () => {
    assert.deepEqual(parseJsonToRow('{"a":"x","b":"y"}', parseSchema("a INT, b STRING")), [null, "y"]);
    assert.deepEqual(parseJsonToRow('{"a":1.5}', parseSchema("a INT")), [null]);
    assert.deepEqual(parseJsonToRow('{"a":3000000000}', parseSchema("a INT")), [null]);
  });
  it("without partial results a mismatched field fails the record", () => {
    assert.throws(() => parseJsonToRow('{"a":"x"}', parseSchema("a INT"), { partialResults: false }), /MALFORMED_RECORD_IN_PARSING.*does not fit the type int/);
  });
  it("field names are case-sensitive and prototype names are not inherited", () => {
    assert.deepEqual(parseJsonToRow('{"A":1}', parseSchema("a INT")), [null]);
    assert.deepEqual(parseJsonToRow("{}", parseSchema("constructor STRING, toString STRING")), [null, null]);
    assert.deepEqual(parseJsonToRow('{"constructor":"c"}', parseSchema("constructor STRING")), ["c"]);
  });
  it("doubles accept NaN and Infinity strings; timestamps accept epoch seconds", () => {
    assert.deepEqual(parseJsonToRow('{"c":"NaN","t":60}', parseSchema("c DOUBLE, t TIMESTAMP")), [NaN, 60_000_000]);
  });
  it("binary is base64", () => assert.deepEqual(parseJsonToRow('{"b":"aGk="}', struct([field("b", BinaryType)])), [Buffer.from("hi")]));
  it("jsonValueToValue converts one value", () => {
    assert.deepEqual(jsonValueToValue([{ x: 1 }], arrayOf(parseDataType("struct<x:int>"))), [[1]]);
    assert.throws(() => jsonValueToValue("x", IntegerType), (e: unknown) => isWeirError(e, "EXECUTION"));
  });
  it("a compiled parser handles many rows", () => {
    const p = compileJsonRowParser(parseSchema("id BIGINT, kind STRING"));
    for (let i = 0; i < 1000; i++) assert.deepEqual(p(`{"id":${i},"kind":"k${i % 3}","pad":[1,2,3]}`), [i, `k${i % 3}`]);
  });
});

describe("inferJsonSchema (Spark's JSON inference)", () => {
  const infer = (...lines: string[]): string => simpleString(inferJsonSchema(lines.map((l) => JSON.parse(l) as unknown)));
  it("integers → bigint, floats → double, fields sorted by name", () => assert.equal(infer('{"b":1,"a":2.5,"c":"x","d":true}'), "struct<a:double,b:bigint,c:string,d:boolean>"));
  it("widens bigint with double", () => assert.equal(infer('{"a":1}', '{"a":1.5}'), "struct<a:double>"));
  it("conflicting types → string", () => assert.equal(infer('{"a":1}', '{"a":"x"}', '{"a":true}'), "struct<a:string>"));
  it("nulls only → string", () => assert.equal(infer('{"a":null}'), "struct<a:string>"));
  it("nested objects become structs with sorted fields, merged across records", () => {
    assert.equal(infer('{"s":{"z":1,"y":"a"}}', '{"s":{"x":true}}'), "struct<s:struct<x:boolean,y:string,z:bigint>>");
  });
  it("arrays take the merged element type; empty arrays are array<string>", () => {
    assert.equal(infer('{"a":[1,2.5],"b":[],"c":[{"k":1},{"j":2}]}'), "struct<a:array<double>,b:array<string>,c:array<struct<j:bigint,k:bigint>>>");
  });
  it("union of fields across records", () => assert.equal(infer('{"a":1}', '{"b":"x"}'), "struct<a:bigint,b:string>"));
  it("skips non-object records", () => assert.equal(simpleString(inferJsonSchema([1, "x", null, [1], { a: 1 }])), "struct<a:bigint>"));
});

describe("writing JSON", () => {
  const t = parseDataType("struct<a:int,b:string,c:double,t:timestamp,d:date,arr:array<int>,s:struct<x:boolean>,m:map<string,int>>");
  const v = [1, "q\"", 1, ts("2024-01-01T00:00:00Z"), 19723, [1, null], [true], new Map([["k", 2]])];
  it("valueToJson gives Spark's JSON values", () => {
    assert.deepEqual(valueToJson(v, t), { a: 1, b: 'q"', c: 1, t: "2024-01-01T00:00:00.000Z", d: "2024-01-01", arr: [1, null], s: { x: true }, m: { k: 2 } });
  });
  it("writeJson gives Spark's text: doubles as Java prints them, null fields dropped", () => {
    assert.equal(writeJson(v, t), '{"a":1,"b":"q\\"","c":1.0,"t":"2024-01-01T00:00:00.000Z","d":"2024-01-01","arr":[1,null],"s":{"x":true},"m":{"k":2}}');
    assert.equal(writeJson([null, "x"], parseDataType("struct<a:int,b:string>")), '{"b":"x"}');
    assert.equal(writeJson([1.5e-7], struct([field("c", DoubleType)])), '{"c":1.5E-7}');
  });
  it("timestamps keep milliseconds", () => assert.equal(valueToJson(ts("2024-05-06T07:08:09.123Z") + 456, TimestampType), "2024-05-06T07:08:09.123Z"));
  it("write then parse round-trips (property)", () => {
    const schema = parseSchema("a INT, b STRING, c ARRAY<STRING>, d DATE");
    const parse = compileJsonRowParser(schema);
    fc.assert(fc.property(fc.option(fc.integer({ min: -2147483648, max: 2147483647 })), fc.option(fc.string()), fc.option(fc.array(fc.option(fc.string()))), fc.option(fc.integer({ min: -100000, max: 100000 })), (a, b, c, d) => {
      const row = [a, b, c, d];
      assert.deepEqual(parse(writeJson(row, schema)), row);
    }));
    void DateType;
  });
});

describe("JSON functions", () => {
  it("from_json with a DDL schema", () => {
    const r = evalWithType("from_json", '{"a":1, "b":0.8}', "a INT, b DOUBLE");
    assert.deepEqual(r.value, [1, 0.8]);
    assert.equal(simpleString(r.dataType), "struct<a:int,b:double>");
  });
  it("from_json with a StructType value", () => {
    assert.deepEqual(ev("from_json", '{"a":1}', lit(struct([field("a", IntegerType)]), StringType)), [1]);
  });
  it("from_json with array and map schemas", () => {
    assert.deepEqual(ev("from_json", "[1,2]", "array<int>"), [1, 2]);
    assert.deepEqual(ev("from_json", '{"a":1}', "map<string,int>"), new Map([["a", 1]]));
  });
  it("from_json PERMISSIVE: malformed text gives a struct of nulls; a bad field only that field null", () => {
    assert.deepEqual(ev("from_json", colv("{bad", StringType), "a INT, b STRING"), [null, null]);
    assert.deepEqual(ev("from_json", colv('{"a":"x","b":"y"}', StringType), "a INT, b STRING"), [null, "y"]);
    // With a corrupt-record column the record is marked malformed, the other fields kept (Spark's partial results).
    assert.deepEqual(ev("from_json", colv('{"a":"x","b":"y"}', StringType), "a INT, b STRING, _corrupt_record STRING"), [null, "y", '{"a":"x","b":"y"}']);
    assert.deepEqual(ev("from_json", colv('{"a":1.5}', StringType), "a INT, _corrupt_record STRING"), [null, '{"a":1.5}']);
    assert.equal(ev("from_json", colv(null, StringType), "a INT"), null);
  });
  it("from_json FAILFAST raises", () => {
    assert.throws(() => ev("from_json", colv("{bad", StringType), "a INT", lit(new Map([["mode", "FAILFAST"]]), mapOf(StringType, StringType))), /MALFORMED_RECORD_IN_PARSING/);
  });
  it("from_json requires a constant schema and a valid one", () => {
    assert.throws(() => ev("from_json", "{}", colv("a INT", StringType)), (e: unknown) => isWeirError(e, "ANALYSIS") && /NON_FOLDABLE/.test(e.message));
    assert.throws(() => ev("from_json", "{}", "a FOO"), (e: unknown) => isWeirError(e, "ANALYSIS") && /INVALID_SCHEMA/.test(e.message));
  });
  it("to_json", () => {
    assert.equal(ev("to_json", lit([1, 2], parseDataType("struct<a:int,b:int>"))), '{"a":1,"b":2}');
    assert.equal(ev("to_json", lit([[1, 2]], parseDataType("array<struct<a:int,b:int>>"))), '[{"a":1,"b":2}]');
    assert.equal(ev("to_json", lit(new Map([["a", 1]]), mapOf(StringType, IntegerType))), '{"a":1}');
    assert.throws(() => ev("to_json", 1), (e: unknown) => isWeirError(e, "ANALYSIS"));
  });
  const paths: [string, string, unknown][] = [
    ['{"a":"b"}', "$.a", "b"],
    ['{"a":{"b":1}}', "$.a", '{"b":1}'],
    ['{"a":{"b":1}}', "$.a.b", "1"],
    ['{"a":[1,2,3]}', "$.a[1]", "2"],
    ['{"a":[{"b":1},{"b":2}]}', "$.a[*].b", "[1,2]"],
    ['{"a b":1}', "$['a b']", "1"],
    ['{"a":null}', "$.a", null],
    ['{"a":1}', "$.x", null],
    ["not json", "$.a", null],
    ['{"a":1}', "a", null],
    ['[{"a":1}]', "$[0].a", "1"],
  ];
  for (const [json, path, want] of paths) it(`get_json_object(${json}, ${path}) = ${JSON.stringify(want)}`, () => assert.equal(ev("get_json_object", json, path), want));
  it("json_array_length", () => {
    assert.equal(ev("json_array_length", "[1,2,3,{\"f1\":1,\"f2\":[5,6]},4]"), 5);
    assert.equal(ev("json_array_length", "{}"), null);
  });
});

describe("text after the first root value is ignored, as Spark's Jackson readers ignore it", () => {
  // Each expectation was read from PySpark 4.0.0 (local[1]) on the same strings.
  const failFast = lit(new Map([["mode", "FAILFAST"]]), mapOf(StringType, StringType));
  it("from_json reads the first object, in PERMISSIVE and FAILFAST alike", () => {
    const cases: [string, unknown[]][] = [
      ['{"a":1,"b":"x"} trailing', [1, "x"]],
      ['{"a":1,"b":"x"}{"a":2}', [1, "x"]],
      ['{"a":1} ]', [1, null]],
      ['{"a":1},', [1, null]],
      ['{"a":1} 5', [1, null]],
      ['  {"a":1} {', [1, null]],
    ];
    for (const [text, want] of cases) {
      assert.deepEqual(ev("from_json", colv(text, StringType), "a INT, b STRING"), want, text);
      assert.deepEqual(ev("from_json", colv(text, StringType), "a INT, b STRING", failFast), want, text);
    }
    // Not a corrupt record: the corrupt-record column stays null.
    assert.deepEqual(ev("from_json", colv('{"a":1} x', StringType), "a INT, _corrupt_record STRING"), [1, null]);
  });
  it("from_json with array and map schemas", () => {
    assert.deepEqual(ev("from_json", colv("[1,2] x", StringType), "array<int>"), [1, 2]);
    assert.deepEqual(ev("from_json", colv("[1,2]]", StringType), "array<int>"), [1, 2]);
    assert.deepEqual(ev("from_json", colv('{"a":1}}', StringType), "map<string,int>"), new Map([["a", 1]]));
  });
  it("an unclosed or mismatched first value is still malformed", () => {
    assert.deepEqual(ev("from_json", colv('{"a":1', StringType), "a INT, b STRING"), [null, null]);
    assert.deepEqual(ev("from_json", colv('{"a":1] x', StringType), "a INT"), [null]);
    assert.throws(() => ev("from_json", colv('{"a":1 x', StringType), "a INT", failFast), /MALFORMED_RECORD_IN_PARSING/);
    // A bracket inside a string does not close the object.
    assert.deepEqual(ev("from_json", colv('{"a":"}"', StringType), "a STRING"), [null]);
  });
  it("get_json_object and json_array_length", () => {
    assert.equal(ev("get_json_object", '{"a":1} x', "$.a"), "1");
    assert.equal(ev("get_json_object", '{"a":"}"} z', "$.a"), "}");
    assert.equal(ev("get_json_object", '{"a":"\\"}"} z', "$.a"), '"}');
    assert.equal(ev("json_array_length", "[1,2] x"), 2);
    assert.equal(ev("json_array_length", "[1,2]]"), 2);
    assert.equal(ev("json_array_length", "[1,2"), null);
  });
  it("parseJsonToRow (the JSON file source's lines)", () => {
    assert.deepEqual(parseJsonToRow('{"a":1} trailing', parseSchema("a INT")), [1]);
    assert.deepEqual(parseJsonToRow('{"a":2}{"a":3}', parseSchema("a INT")), [2]);
    assert.throws(() => parseJsonToRow('{"a":', parseSchema("a INT")), /MALFORMED_RECORD_IN_PARSING/);
  });
});

describe("from_json pruned to some fields (Spark's OptimizeCsvJsonExprs)", () => {
  const text = { dataType: StringType, nullable: true, foldable: false };
  const schemaArg = { dataType: StringType, nullable: false, foldable: true, value: "a STRING, b BIGINT, c DOUBLE" };
  const optionsArg = (o: Record<string, string>) => ({ dataType: mapOf(StringType, StringType), nullable: false, foldable: true, value: new Map(Object.entries(o)) });
  const pruned = struct([field("a", StringType)]);

  it("with no option, parses with the pruned schema: a field nobody reads only has to be JSON", () => {
    const counter = { permissive: 0 };
    const f = fromJsonVariant([0], false, pruned, counter).build([text, schemaArg]);
    assert.deepEqual(f(['{"a":"x","b":"not a number","c":{"deep":[1]}}']), ["x"]);
    assert.equal(counter.permissive, 0);
    // Still a JSON syntax error anywhere makes the record malformed.
    assert.deepEqual(f(['{"a":"x","b":3']), [null]);
    assert.deepEqual(f(['{"a":"x","b":tru}']), [null]);
    assert.equal(counter.permissive, 2);
  });

  it("with an option, checks the whole schema as Spark (which does not prune then) does", () => {
    const counter = { permissive: 0 };
    const f = fromJsonVariant([0], false, pruned, counter).build([text, schemaArg, optionsArg({ mode: "PERMISSIVE" })]);
    assert.deepEqual(f(['{"a":"x","b":"not a number"}']), ["x"]);
    assert.equal(counter.permissive, 1);
    const failFast = fromJsonVariant([0], false, pruned).build([text, schemaArg, optionsArg({ mode: "FAILFAST" })]);
    assert.throws(() => failFast(['{"a":"x","b":"not a number"}']), /MALFORMED_RECORD_IN_PARSING/);
  });

  it("reads a byte range as it reads the Buffer of those bytes", () => {
    const variant = fromJsonVariant([0, 2], true, struct([field("a", StringType), field("c", DoubleType)]));
    const f = variant.build([{ dataType: BinaryType, nullable: true, foldable: false }, schemaArg]);
    const range = variant.buildRange([{ dataType: BinaryType, nullable: true, foldable: false }, schemaArg]);
    for (const v of ['{"a":"x","c":1.5}', '{"a":"caf\u00e9","b":1}', '{"a":"y"', "[]", '{"a":"a\\u0041"}', " "]) {
      const b = Buffer.concat([Buffer.from("xx"), Buffer.from(v), Buffer.from("yy")]);
      assert.deepEqual(range(b, 2, b.length - 2), f([b.subarray(2, b.length - 2)]), v);
    }
  });
});
