// Tests of the declarative schema mechanism (src/protocol/schema): version ranges, defaults of
// absent fields, compact forms and tagged fields in flexible versions, nullability, zero-copy
// records, and the types derived from a schema.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import type { Decoded, Encodable } from "../../src/protocol/schema/index.js";
import {
  compileMessage,
  decode,
  decodeExact,
  defaults,
  encode,
  encodeToBuffer,
  inVersions,
  intersectVersions,
  message,
  parseVersions,
  t,
  versionsWithin,
} from "../../src/protocol/schema/index.js";
import { AssertionError } from "../../src/util/assert.js";
import { WeirError, isWeirError } from "../../src/util/errors.js";

/** A message exercising every field kind; v2+ is flexible. */
const Sample = message({
  name: "Sample",
  apiKey: 9999,
  type: "request",
  validVersions: "0-3",
  flexibleVersions: "2+",
  fields: {
    i8: t.int8("0+"),
    i16: t.int16("0+", { default: -1 }),
    i32: t.int32("1+", { default: 42 }),
    i64: t.int64("0+", { default: -1 }),
    u16: t.uint16("0+"),
    u32: t.uint32("0+"),
    f64: t.float64("0+"),
    flag: t.bool("0+", { default: true }),
    id: t.uuid("0+"),
    name: t.string("0+"),
    label: t.string("1+", { nullableVersions: "1+", default: null }),
    blob: t.bytes("0+"),
    recs: t.records("0+", { nullableVersions: "0+" }),
    ints: t.array("0+", "int32"),
    names: t.array("1+", "string", { nullableVersions: "1+" }),
    items: t.array("0+", {
      key: t.string("0+"),
      value: t.int64("0+"),
      note: t.string("3+", { nullableVersions: "3+", default: null, taggedVersions: "3+", tag: 0 }),
    }),
    inner: t.struct("0+", { a: t.int32("0+"), b: t.string("0+") }),
    maybe: t.struct("1+", { c: t.int16("1+") }, { nullableVersions: "1+" }),
    hint: t.int32("2+", { default: -1, taggedVersions: "2+", tag: 1 }),
    extra: t.struct("2+", { x: t.int32("2+", { default: -1 }) }, { taggedVersions: "2+", tag: 3 }),
    tags: t.array("2+", "string", { taggedVersions: "2+", tag: 2 }),
  },
});
type Sample = Decoded<typeof Sample>;

const fullSample: Sample = {
  i8: -5,
  i16: 300,
  i32: 7,
  i64: 2 ** 40 + 3,
  u16: 65535,
  u32: 2 ** 32 - 1,
  f64: 1.5,
  flag: false,
  id: "0123abcd-4567-89ef-0123-456789abcdef",
  name: "wéir",
  label: null,
  blob: Buffer.from([1, 2, 3]),
  recs: Buffer.from("batch"),
  ints: [1, -2, 3],
  names: null,
  items: [{ key: "k", value: -9, note: "n" }],
  inner: { a: 1, b: "b" },
  maybe: null,
  hint: 5,
  extra: { x: 8 },
  tags: ["t1", "t2"],
};

/** `fullSample` as a decoder at `version` returns it: absent fields at their defaults. */
function expectedAt(version: number): Sample {
  const d = defaults(Sample);
  const v: Sample = { ...fullSample, items: fullSample.items.map((i) => ({ ...i })) };
  if (version < 1) Object.assign(v, { i32: d.i32, label: d.label, names: [], maybe: d.maybe });
  if (version < 2) Object.assign(v, { hint: d.hint, extra: d.extra, tags: d.tags });
  if (version < 3) for (const i of v.items) i.note = null;
  return v;
}

describe("version ranges", () => {
  it("parses the forms Kafka's definitions use", () => {
    const open = parseVersions("3+");
    assert.ok(inVersions(open, 3) && inVersions(open, 1000) && !inVersions(open, 2));
    const closed = parseVersions("3-5");
    assert.ok(inVersions(closed, 5) && !inVersions(closed, 6));
    assert.ok(inVersions(parseVersions("7"), 7) && !inVersions(parseVersions("7"), 8));
    assert.ok(!inVersions(parseVersions("none"), 0));
    assert.ok(versionsWithin(parseVersions("4-6"), parseVersions("2+")));
    assert.ok(!versionsWithin(parseVersions("1+"), parseVersions("0-9")));
    assert.equal(intersectVersions(parseVersions("0-7"), parseVersions("5+")).text, "5-7");
  });

  it("rejects malformed ranges as schema bugs", () => {
    assert.throws(() => parseVersions("3-"), AssertionError);
    assert.throws(() => parseVersions("5-3"), AssertionError);
    assert.throws(() => parseVersions("v1"), AssertionError);
  });
});

describe("encode/decode", () => {
  for (const version of [0, 1, 2, 3]) {
    it(`round-trips every field kind at v${version}`, () => {
      const buf = encodeToBuffer(Sample, version, fullSample);
      assert.deepStrictEqual(decodeExact(Sample, version, buf), expectedAt(version));
    });
  }

  it("fills fields absent in a version with Kafka's defaults on decode", () => {
    const v0 = decodeExact(Sample, 0, encodeToBuffer(Sample, 0, {}));
    assert.equal(v0.i32, 42);
    assert.equal(v0.label, null);
    assert.deepStrictEqual(v0.names, []);
    assert.equal(v0.hint, -1);
    assert.deepStrictEqual(v0.extra, { x: -1 });
    assert.equal(v0.flag, true, "a missing bool takes its declared default");
    assert.equal(v0.id, "00000000-0000-0000-0000-000000000000");
    assert.deepStrictEqual(v0.blob, Buffer.alloc(0));
    assert.equal(v0.recs, null);
  });

  it("ignores fields absent in a version on encode", () => {
    const a = encodeToBuffer(Sample, 0, fullSample);
    const b = encodeToBuffer(Sample, 0, { ...fullSample, i32: 1, label: "x", hint: 9, tags: ["z"] });
    assert.deepStrictEqual(a, b);
  });

  it("uses compact lengths in flexible versions", () => {
    const Msg = message({
      name: "Compact",
      apiKey: 9998,
      type: "request",
      validVersions: "0-1",
      flexibleVersions: "1+",
      fields: { s: t.string("0+"), n: t.string("0+", { nullableVersions: "0+" }), a: t.array("0+", "int8") },
    });
    // STRING "ab" = 00 02 61 62, NULLABLE_STRING null = ff ff, ARRAY [7] = 00 00 00 01 07.
    assert.equal(encodeToBuffer(Msg, 0, { s: "ab", n: null, a: [7] }).toString("hex"), "00026162ffff0000000107");
    // COMPACT_STRING = 03 61 62, null = 00, COMPACT_ARRAY = 02 07, then an empty tagged-field section 00.
    assert.equal(encodeToBuffer(Msg, 1, { s: "ab", n: null, a: [7] }).toString("hex"), "036162000207" + "00");
  });

  it("honours a field's own flexibleVersions (the request header's non-compact client id)", () => {
    const Hdr = message({
      name: "Hdr",
      apiKey: -1,
      type: "header",
      validVersions: "0-2",
      flexibleVersions: "2+",
      fields: { clientId: t.string("1+", { nullableVersions: "1+", flexibleVersions: "none" }) },
    });
    assert.equal(encodeToBuffer(Hdr, 2, { clientId: "c" }).toString("hex"), "00016300");
  });

  it("throws INVALID_ARGUMENT for a version the message does not define", () => {
    assert.throws(() => encodeToBuffer(Sample, 4, {}), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
    assert.throws(() => decode(Sample, -1, new Reader(Buffer.alloc(0))), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
  });

  it("compiles a (message, version) once and reuses it", () => {
    assert.equal(compileMessage(Sample, 2), compileMessage(Sample, 2));
    assert.notEqual(compileMessage(Sample, 2), compileMessage(Sample, 3));
  });

  it("reports trailing bytes in decodeExact and leaves them to the caller in decode", () => {
    const buf = Buffer.concat([encodeToBuffer(Sample, 1, fullSample), Buffer.from([0xaa])]);
    assert.throws(() => decodeExact(Sample, 1, buf), (e: unknown) => isWeirError(e, "PROTOCOL_DECODE"));
    const r = new Reader(buf);
    decode(Sample, 1, r);
    assert.equal(r.remaining(), 1);
  });
});

describe("nullability", () => {
  it("refuses to encode null into a field that is not nullable in the version", () => {
    assert.throws(() => encodeToBuffer(Sample, 1, { name: null as unknown as string }), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
    // names is nullable only from v1; null at v0 is ignored because the field does not exist there.
    assert.doesNotThrow(() => encodeToBuffer(Sample, 0, { names: null }));
  });

  it("rejects null on the wire for a non-nullable field", () => {
    const Msg = message({
      name: "NonNull",
      apiKey: 9997,
      type: "request",
      validVersions: "0",
      flexibleVersions: "none",
      fields: { a: t.array("0+", "int32") },
    });
    assert.throws(() => decodeExact(Msg, 0, Buffer.from("ffffffff", "hex")), (e: unknown) => isWeirError(e, "PROTOCOL_DECODE"));
  });

  it("writes a nullable struct with an int8 presence marker", () => {
    const Msg = message({
      name: "NullableStruct",
      apiKey: 9996,
      type: "request",
      validVersions: "0",
      flexibleVersions: "none",
      fields: { s: t.struct("0+", { c: t.int16("0+") }, { nullableVersions: "0+" }) },
    });
    assert.equal(encodeToBuffer(Msg, 0, { s: null }).toString("hex"), "ff");
    assert.equal(encodeToBuffer(Msg, 0, { s: { c: 2 } }).toString("hex"), "010002");
    assert.deepStrictEqual(decodeExact(Msg, 0, Buffer.from("010002", "hex")), { s: { c: 2 } });
  });
});

describe("tagged fields", () => {
  const Tagged = message({
    name: "Tagged",
    apiKey: 9995,
    type: "response",
    validVersions: "0",
    flexibleVersions: "0+",
    fields: {
      a: t.int8("0+"),
      late: t.int32("0+", { default: -1, taggedVersions: "0+", tag: 5 }),
      early: t.string("0+", { nullableVersions: "0+", default: null, taggedVersions: "0+", tag: 1 }),
    },
  });

  it("leaves fields at their default off the wire", () => {
    assert.equal(encodeToBuffer(Tagged, 0, { a: 1 }).toString("hex"), "0100");
    assert.equal(encodeToBuffer(Tagged, 0, { a: 1, late: -1, early: null }).toString("hex"), "0100");
  });

  it("writes the others in ascending tag order with their sizes", () => {
    // count 2; tag 1 size 2 (compact "x" = 02 78); tag 5 size 4 (int32 7).
    assert.equal(encodeToBuffer(Tagged, 0, { a: 1, late: 7, early: "x" }).toString("hex"), "01" + "02" + "01020278" + "050400000007");
  });

  it("decodes known tags in any order and skips unknown ones", () => {
    const wire = Buffer.from("01" + "03" + "050400000007" + "6303aabbcc" + "01020278", "hex");
    assert.deepStrictEqual(decodeExact(Tagged, 0, wire), { a: 1, late: 7, early: "x" });
  });

  it("keeps a tagged value within its declared size", () => {
    // tag 5 claims 6 bytes although an int32 needs 4: the reader still ends exactly after them.
    const wire = Buffer.from("01" + "01" + "0506000000070000", "hex");
    assert.deepStrictEqual(decodeExact(Tagged, 0, wire), { a: 1, late: 7, early: null });
  });

  it("rejects a tagged field whose size runs past the input", () => {
    const wire = Buffer.from("01" + "01" + "0509000000", "hex");
    assert.throws(() => decodeExact(Tagged, 0, wire), (e: unknown) => isWeirError(e, "PROTOCOL_DECODE"));
  });

  it("rejects an absurd tagged-field count", () => {
    const wire = Buffer.from("01" + "ffffffff0f", "hex");
    assert.throws(() => decodeExact(Tagged, 0, wire), (e: unknown) => isWeirError(e, "LIMIT_EXCEEDED"));
  });
});

describe("records fields", () => {
  const Recs = message({
    name: "Recs",
    apiKey: 9994,
    type: "request",
    validVersions: "0-1",
    flexibleVersions: "1+",
    fields: { records: t.records("0+", { nullableVersions: "0+" }) },
  });

  it("decode as views of the request buffer", () => {
    for (const version of [0, 1]) {
      const buf = encodeToBuffer(Recs, version, { records: Buffer.alloc(100, 1) });
      const { records } = decodeExact(Recs, version, buf);
      assert.ok(records !== null);
      assert.equal(records.buffer, buf.buffer, "a view, not a copy");
    }
  });

  it("encode large batches by reference", () => {
    const batch = Buffer.alloc(64 * 1024, 3);
    for (const version of [0, 1]) {
      const chunks = encode(Recs, version, { records: batch }, new Writer()).chunks();
      assert.ok(chunks.includes(batch), "the batch is one of the output chunks");
    }
  });
});

describe("schema checks", () => {
  it("rejects duplicate tags", () => {
    assert.throws(
      () =>
        message({
          name: "Dup",
          apiKey: 1,
          type: "request",
          validVersions: "0",
          flexibleVersions: "0+",
          fields: {
            a: t.int32("0+", { taggedVersions: "0+", tag: 0 }),
            b: t.int32("0+", { taggedVersions: "0+", tag: 0 }),
          },
        }),
      AssertionError,
    );
  });

  it("rejects a null default on a field that is not nullable in all its versions", () => {
    assert.throws(
      () =>
        message({
          name: "BadDefault",
          apiKey: 1,
          type: "request",
          validVersions: "0-3",
          flexibleVersions: "none",
          fields: { s: t.string("0+", { nullableVersions: "2+", default: null }) },
        }),
      AssertionError,
    );
  });

  it("rejects tagged versions outside the flexible versions", () => {
    assert.throws(
      () =>
        message({
          name: "BadTag",
          apiKey: 1,
          type: "request",
          validVersions: "0-3",
          flexibleVersions: "2+",
          fields: { s: t.int32("0+", { taggedVersions: "1+", tag: 0 }) },
        }),
      AssertionError,
    );
  });
});

describe("derived types", () => {
  it("give handlers typed values without casts", () => {
    const v = decodeExact(Sample, 3, encodeToBuffer(Sample, 3, fullSample));
    // Each line is checked by the compiler; a wrong schema-to-type mapping fails `tsc`.
    const n: number = v.items[0].value;
    const s: string | null = v.items[0].note;
    const r: Buffer | null = v.recs;
    const m: { c: number } | null = v.maybe;
    const names: string[] | null = v.names;
    // @ts-expect-error a non-nullable string is never null
    const bad: null = v.name;
    const input: Encodable<typeof Sample> = { items: [{ key: "only the key" }] };
    assert.ok(n === -9 && s === "n" && r !== null && m === null && names === null && bad !== null);
    assert.deepStrictEqual(decodeExact(Sample, 0, encodeToBuffer(Sample, 0, input)).items, [{ key: "only the key", value: 0, note: null }]);
  });

  it("are WeirError-free on well-formed input of every version", () => {
    for (const version of [0, 1, 2, 3]) {
      assert.doesNotThrow(() => decodeExact(Sample, version, encodeToBuffer(Sample, version, fullSample)));
    }
    assert.ok(!isWeirError(new Error("x")) && isWeirError(new WeirError("PROTOCOL_DECODE", "x")));
  });
});
