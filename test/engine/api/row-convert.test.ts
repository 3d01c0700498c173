// External ↔ internal values and createDataFrame's schema inference (PySpark's rules).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inferSchema, objectToRow, rowToObject } from "../../../src/engine/api/row-convert.js";
import { parseSchema, simpleString } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { rows } from "../exec/helpers.js";

describe("row conversion", () => {
  it("infers bigint for integers, double for fractions, structs for objects, over all rows", () => {
    const s = inferSchema([
      { id: 1, score: 1, tags: ["a"], when: new Date(0), raw: Buffer.from("x"), inner: { x: 1 } },
      { id: 2, score: 2.5, tags: null, extra: true },
    ]);
    assert.equal(simpleString(s), "struct<id:bigint,score:double,tags:array<string>,when:timestamp,raw:binary,inner:struct<x:bigint>,extra:boolean>");
  });

  it("infers positional rows from column names and refuses unknowable types", () => {
    assert.equal(simpleString(inferSchema([[1, "a"]], ["n", "s"])), "struct<n:bigint,s:string>");
    assert.throws(() => inferSchema([{ a: null }]), /CANNOT_DETERMINE_TYPE.*a/);
    assert.throws(() => inferSchema([{ a: 1 }, { a: "x" }]), /CANNOT_MERGE_TYPE/);
    assert.throws(() => inferSchema([[1]]), /need column names/);
  });

  it("checks values against a given schema", () => {
    const conv = objectToRow(parseSchema("a INT, b STRING NOT NULL"));
    assert.deepEqual(conv({ A: 1, b: "x" }), [1, "x"]);
    assert.throws(() => conv({ a: 1.5, b: "x" }), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && /a expects a value of type int/.test(e.message));
    assert.throws(() => conv({ a: 1 }), /FIELD_NOT_NULLABLE/);
    assert.throws(() => conv([1]), /LENGTH_SHOULD_BE_THE_SAME/);
    assert.throws(() => rows([{ a: 3_000_000_000 }], "a INT"), /int/);
  });

  it("round-trips timestamps, dates, maps and structs", () => {
    const schema = parseSchema("t TIMESTAMP, d DATE, m MAP<STRING, STRUCT<x: INT>>");
    const ext = { t: new Date("2024-01-02T03:04:05.678Z"), d: new Date("2024-01-02T00:00:00Z"), m: { k: { x: 1 } } };
    const internal = objectToRow(schema)(ext);
    assert.deepEqual(internal, [Date.parse("2024-01-02T03:04:05.678Z") * 1000, 19724, new Map([["k", [1]]])]);
    assert.deepEqual(rowToObject(schema)(internal), { ...ext, m: new Map([["k", { x: 1 }]]) });
  });

  it("builds frames from objects and from arrays with a DDL schema", async () => {
    assert.deepEqual(await rows([{ a: 1 }, { b: "x" }]).collect(), [
      { a: 1, b: null },
      { a: null, b: "x" },
    ]);
    assert.deepEqual(await rows([[1, "x"]], "n INT, s STRING").collect(), [{ n: 1, s: "x" }]);
  });
});
