// Grouping keys: the per-type canonical encoder gives exactly the generic canonical string (state
// stores keep keys in that form, so the fast path must never change a stored key).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { canonical, canonicalEncoder, keyNormalizer } from "../../../src/engine/exec/keys.js";
import { parseDataType, type DataType } from "../../../src/engine/types.js";

/** Values of type `t` as the engine holds them (null anywhere a value may be missing). */
function valueOf(t: DataType, depth = 0): fc.Arbitrary<unknown> {
  const orNull = (a: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: a });
  switch (t.kind) {
    case "string":
      return orNull(fc.string({ unit: "binary" }));
    case "boolean":
      return orNull(fc.boolean());
    case "int":
    case "date":
      return orNull(fc.integer());
    case "long":
    case "timestamp":
      return orNull(fc.oneof(fc.maxSafeInteger(), fc.constant(-0)));
    case "double":
      return orNull(fc.double());
    case "binary":
      return orNull(fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)));
    case "array":
      return orNull(fc.array(valueOf(t.elementType, depth + 1), { maxLength: 4 }));
    case "map":
      return orNull(fc.array(fc.tuple(fc.string(), valueOf(t.valueType, depth + 1)), { maxLength: 3 }).map((es) => new Map(es)));
    case "struct":
      return orNull(fc.tuple(...t.fields.map((f) => valueOf(f.dataType, depth + 1))));
    default:
      return fc.constant(null);
  }
}

const TYPES = [
  "struct<start: timestamp, end: timestamp>",
  "struct<a: string, b: double, c: boolean, d: int>",
  "array<string>",
  "array<struct<x: double, y: array<long>>>",
  "struct<m: map<string, int>, b: binary, s: struct<t: date, u: string>>",
  "map<string, array<double>>",
];

describe("grouping keys", () => {
  for (const ddl of TYPES) {
    it(`the canonical encoder of ${ddl} gives the generic canonical string`, () => {
      const t = parseDataType(ddl);
      const encode = canonicalEncoder(t);
      const norm = keyNormalizer(t)!;
      fc.assert(
        fc.property(valueOf(t), (v) => {
          if (v === null) {
            assert.equal(norm(v), null);
            return;
          }
          assert.equal(encode(v), canonical(v));
          assert.equal(norm(v), canonical(v));
        }),
        { numRuns: 300 },
      );
    });
  }

  it("canonical strings tell NaN, infinities, null and -0 apart as Spark's key normalisation does", () => {
    const enc = canonicalEncoder(parseDataType("array<double>"));
    assert.equal(enc([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, -0, 0.5]), '["NaN","Infinity","-Infinity",null,0,0.5]');
  });
});
