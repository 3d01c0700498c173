import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseSchema, type StructType } from "../../../src/engine/types.js";
import { compileJsonScanner, FALLBACK } from "../../../src/engine/functions/json-scan.js";
import { compileJsonBytesLocator, compileJsonBytesScanner, LOCATED, type JsonBytesScanner } from "../../../src/engine/functions/json-scan-bytes.js";
import { compileJsonRowParser } from "../../../src/engine/functions/json-convert.js";

/** The reference: JSON.parse + the converter; "error" when that path rejects the text. */
function reference(schema: StructType, text: string): unknown {
  try {
    return compileJsonRowParser(schema, { partialResults: true })(text);
  } catch {
    return "error";
  }
}

const longLivedScanners = new Map<StructType, JsonBytesScanner>();

/** One bytes scanner per schema for the whole test file: it learns the key shapes of every record checked. */
function longLived(schema: StructType): JsonBytesScanner {
  let scan = longLivedScanners.get(schema);
  if (scan === undefined) longLivedScanners.set(schema, (scan = compileJsonBytesScanner(schema)!));
  return scan;
}

/**
 * The variants must agree with the full text scanner: the bytes scanner (over the UTF-8 bytes)
 * falls back when it does, and may fall back more (non-ASCII) but otherwise gives the same row;
 * pruned scanners (text and bytes) fall back exactly when the full one does (so that malformed
 * records are found as without pruning) and give the kept fields of its row.
 */
function checkVariants(schema: StructType, text: string, full: unknown[] | typeof FALLBACK): void {
  const n = schema.fields.length;
  const bytes = Buffer.from(text);
  const b = compileJsonBytesScanner(schema)!(bytes, 0, bytes.length);
  if (b !== FALLBACK) assert.deepEqual(b, full, `bytes scanner on ${JSON.stringify(text)}`);
  // A scanner that has seen every record before (the shape of keys it learned) gives the same.
  assert.deepEqual(longLived(schema)(bytes, 0, bytes.length), b, `a long-lived bytes scanner on ${JSON.stringify(text)}`);
  if (full === FALLBACK) assert.equal(b, FALLBACK, `bytes scanner accepted ${JSON.stringify(text)}`);
  // Inside a larger buffer, at an odd position, with bytes after it that a word read would see.
  const inside = Buffer.concat([Buffer.from("{x\""), bytes, Buffer.from('"\\\u0001}12345"')]);
  assert.deepEqual(compileJsonBytesScanner(schema)!(inside, 3, 3 + bytes.length), b, `bytes scanner inside a buffer on ${JSON.stringify(text)}`);
  checkLocator(schema, inside, 3, 3 + bytes.length, b);
  for (const keep of [[0], [n - 1], [1, 3].filter((i) => i < n), Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0)]) {
    const want = full === FALLBACK ? FALLBACK : keep.map((i) => full[i]);
    assert.deepEqual(compileJsonScanner(schema, keep)!(text), want, `text scanner kept ${keep.join()} of ${JSON.stringify(text)}`);
    const pb = compileJsonBytesScanner(schema, keep)!(bytes, 0, bytes.length);
    if (pb !== FALLBACK) assert.deepEqual(pb, want, `bytes scanner kept ${keep.join()} of ${JSON.stringify(text)}`);
    if (full === FALLBACK) assert.equal(pb, FALLBACK, `bytes scanner kept ${keep.join()} accepted ${JSON.stringify(text)}`);
  }
}

/**
 * The locator of the schema's string fields (and of each alone) takes exactly the records the
 * bytes scanner takes, and its positions hold the bytes of the scanner's strings (-1 for null).
 */
function checkLocator(schema: StructType, buf: Buffer, start: number, end: number, row: unknown[] | typeof FALLBACK): void {
  const strings = schema.fields.flatMap((f, i) => (f.dataType.kind === "string" ? [i] : []));
  for (const fields of [strings, ...strings.map((i) => [i])]) {
    const loc = compileJsonBytesLocator(schema, undefined, fields)!;
    const r = loc.scan(buf, start, end);
    assert.equal(r, row === FALLBACK ? FALLBACK : LOCATED, `locator of ${fields.join()}`);
    if (row === FALLBACK) continue;
    fields.forEach((f, p) => {
      const got = loc.starts[p] < 0 ? null : buf.toString("latin1", loc.starts[p], loc.ends[p]);
      assert.equal(got, row[f], `located field ${f}`);
    });
  }
}

/** The scanner must either fall back or give exactly the reference row (and its variants agree). */
function check(schema: StructType, text: string): void {
  const scan = compileJsonScanner(schema)!;
  const got = scan(text);
  checkVariants(schema, text, got);
  if (got === FALLBACK) return;
  const want = reference(schema, text);
  assert.notEqual(want, "error", `scanner accepted text JSON.parse rejects: ${JSON.stringify(text)}`);
  assert.deepEqual(got, want, JSON.stringify(text));
  for (let i = 0; i < got.length; i++) assert.ok(Object.is(got[i], (want as unknown[])[i]), `field ${i} of ${JSON.stringify(text)}`);
}

const schema = parseSchema("customer STRING, product STRING, category STRING, ts BIGINT, i INT, b TINYINT, d DOUBLE, f FLOAT, ok BOOLEAN, t TIMESTAMP");

describe("compileJsonScanner", () => {
  it("scans the common shape without falling back", () => {
    const scan = compileJsonScanner(schema)!;
    const row = scan('{"customer":"customer-0042117","product":"product-01234","category":"category-17","ts":1700000000123}');
    assert.deepEqual(row, ["customer-0042117", "product-01234", "category-17", 1700000000123, null, null, null, null, null, null]);
    assert.deepEqual(scan(' { "d" : -1.5e2 , "f":0.1, "ok":false, "x":[1], "i":-7 } '), FALLBACK); // nested unknown value
    assert.deepEqual(scan(' { "d" : -1.5e2 , "f":0.1, "ok":false, "x":"y", "i":-7, "t":null } '), [null, null, null, null, -7, null, -150, Math.fround(0.1), false, null]);
  });
  it("agrees with JSON.parse on edge cases", () => {
    const cases = [
      "", " ", "null", "[]", "{}", " {} ", "{", "}", "{}x", "{} {}", '{"a":1,}', '{,"a":1}', '{"customer":}', '{"customer" "x"}',
      '{"customer":"x","customer":"y"}', '{"category":"a\\"b"}', '{"category":"a\\u0041"}', '{"cat\\u0065gory":"x"}', '{"category":"tab\there"}',
      '{"category":1}', '{"category":true}', '{"category":{"x":1}}', '{"category":null}', '{"category":"é😀"}', '{"category":"\ud800"}',
      '{"ts":01}', '{"ts":-0}', '{"ts":0}', '{"ts":-}', '{"ts":1.}', '{"ts":1.0}', '{"ts":1e3}', '{"ts":9007199254740993}', '{"ts":999999999999999}', '{"ts":-999999999999999}', '{"ts":1000000000000000}',
      '{"i":2147483647}', '{"i":2147483648}', '{"i":-2147483648}', '{"b":127}', '{"b":128}', '{"b":-129}', '{"i":"1"}', '{"i":+1}',
      '{"d":-0}', '{"d":-0.0}', '{"d":1e400}', '{"d":"NaN"}', '{"d":.5}', '{"d":1.5E-3}', '{"d":1e}', '{"f":3.4e39}', '{"f":1.1}',
      '{"ok":tru}', '{"ok":true}', '{"ok":nul}', '{"ok":1}', '{"t":"2024-01-01"}', '{"t":null}', '{"x":nulll}', '{"x":-01}', '{"x":"\u0001"}',
      '\u00a0{}', '{"customer":"x"}\n', '\t{"customer"\r:\n"x"}', '{"__proto__":"x"}', '{"toString":"x"}',
    ];
    for (const c of cases) check(schema, c);
  });
  it("scans ASCII bytes without decoding them, and interns repeated short values", () => {
    const scanner = compileJsonBytesScanner(schema, [2, 3])!;
    const scan = (b: Buffer): unknown => scanner(b, 0, b.length);
    const rows = ["category-17", "category-03", "category-17"].map((c, i) => scan(Buffer.from(`{"customer":"c-${i}","category":"${c}","ts":${i}}`)) as unknown[]);
    assert.deepEqual(rows, [["category-17", 0], ["category-03", 1], ["category-17", 2]]);
    assert.equal(scan(Buffer.from('{"category":"caté"}')), FALLBACK);
    assert.equal(scan(Buffer.from('{"customer":"é","category":"x"}')), FALLBACK);
    // Many distinct values (interning gives up) still come out right.
    for (let i = 0; i < 10_000; i++) assert.deepEqual(scan(Buffer.from(`{"category":"v${i}"}`)), [`v${i}`, null]);
    assert.equal(compileJsonBytesScanner(parseSchema("`prix€` STRING, a INT")), null);
  });
  it("handles schema names that need care", () => {
    const s = parseSchema("`toString` STRING, `__proto__` STRING, a STRING, ab STRING");
    for (const c of ['{"toString":"x"}', '{"__proto__":"x"}', '{}', '{"__proto__":null}', '{"a":"1","ab":"2"}', '{"ab":"2","a":"1"}', '{"abc":"3","a":"1"}']) check(s, c);
    assert.equal(compileJsonScanner(parseSchema('`a"b` STRING')), null);
    assert.equal(compileJsonScanner(parseSchema("d DATE, arr ARRAY<INT>")), null);
  });
  it("reads timestamps as the converter does, in place for the common form", () => {
    const scan = compileJsonScanner(schema, [9])!;
    assert.deepEqual(scan('{"t":"2024-01-01T00:00:02.5Z"}'), [Date.UTC(2024, 0, 1, 0, 0, 2, 500) * 1000]);
    for (const t of ["2024-02-29T23:59:59.123456789Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00", "2024-01-01T24:00:00", "2024-01-01T00:00:00.1234567890Z", "2024-01-01t00:00:00z", "2024-01-01T00:00:00+01:30", "2024-01-01 00:00:00", " 2024-01-01T00:00:00Z", "2024-01-01T00:00:00.Z", "0000-01-01T00:00:00Z", "2024-1-1T1:2:3", "+2024-01-01T00:00:00Z"]) {
      check(schema, JSON.stringify({ t }));
    }
    const two = (n: number): string => String(n).padStart(2, "0");
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.stringMatching(/^[0-9]{0,10}$/)),
        fc.constantFrom("", "Z", "z", "+02:00", "-0530", " ", "UTC"),
        fc.constantFrom("T", " ", "t"),
        (y, mo, d, h, mi, sec, frac, zone, sep) => {
          const text = `${String(y).padStart(4, "0")}-${two(mo)}-${two(d)}${sep}${two(h)}:${two(mi)}:${two(sec)}${frac === null ? "" : `.${frac}`}${zone}`;
          check(schema, JSON.stringify({ t: text, i: 1 }));
        },
      ),
      { numRuns: 3000 },
    );
  });
  it("agrees with JSON.parse on random objects and their mutations", () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.integer({ min: -1e16, max: 1e16 }),
      fc.constantFrom("category-01", "x", ""),
    );
    const key = fc.constantFrom("customer", "product", "category", "ts", "i", "b", "d", "f", "ok", "t", "other", "Category", "");
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 8 }), fc.nat(200), fc.constantFrom("", " ", "x", "}", ",", '"', "\\", "0", "-", ".", "e"), (entries, at, ins) => {
        const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
        check(schema, text);
        const p = at % (text.length + 1);
        check(schema, text.slice(0, p) + ins + text.slice(p));
        check(schema, text.slice(0, p) + text.slice(p + 1));
      }),
      { numRuns: 3000 },
    );
  });

  it("locates string fields only, and gives equal hashes to equal bytes wherever they lie", () => {
    assert.equal(compileJsonBytesLocator(schema, undefined, [3]), null, "a BIGINT field");
    assert.equal(compileJsonBytesLocator(schema, undefined, [99]), null, "no such field");
    const loc = compileJsonBytesLocator(schema, [2, 3], [0])!;
    const texts = ['{"category":"category-17","ts":1}', '  {"ts":2, "category":"category-17"}', '{"category":"category-170"}'];
    const hashes = texts.map((t) => {
      const buf = Buffer.from(`xx${t}`);
      assert.equal(loc.scan(buf, 2, buf.length), LOCATED, t);
      return loc.hashes[0];
    });
    assert.equal(hashes[0], hashes[1]);
    assert.notEqual(hashes[0], hashes[2]);
    assert.equal(loc.scan(Buffer.from('{"category":"caf\u00e9"}'), 0, 24), FALLBACK);
  });

  it("a long-lived scanner reads records whose keys change shape as a fresh one does", () => {
    const scan = compileJsonBytesScanner(schema, [2])!;
    const texts = [
      '{"customer":"c1","product":"p1","category":"x","ts":1}',
      '{"customeR":"c1","product":"p1","category":"y","ts":1}',
      '{"category":"z","customer":"c1"}',
      '{"categorx":"q","category":"w"}',
      '{"categor":"q","category":"v","categoryy":1}',
      '{"customer":"c1","product":"p1","category":"x","ts":1,"ts":2}',
      '{"customer":"c1","category":"a","category":"b"}',
      '{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18,"s":19,"t":20,"u":21,"v":22,"w":23,"x":24,"y":25,"z":26,"aa":27,"ab":28,"ac":29,"ad":30,"ae":31,"af":32,"ag":33,"category":"deep"}',
    ];
    for (let round = 0; round < 3; round++)
      for (const t of [...texts, ...texts.reverse()]) {
        const bytes = Buffer.from(t);
        assert.deepEqual(scan(bytes, 0, bytes.length), compileJsonBytesScanner(schema, [2])!(bytes, 0, bytes.length), t);
      }
  });
});
