// Property tests for the primitive Reader/Writer: decode(encode(x)) = x for every wire type,
// edge values included, and a fuzz test proving that hostile bytes only ever raise a WeirError.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { WeirError } from "../../src/util/errors.js";

const RUNS = 500;

/** Encodes `v`, decodes it back, and checks both the value and that every byte was consumed. */
function roundTrip<T>(arb: fc.Arbitrary<T>, write: (w: Writer, v: T) => void, read: (r: Reader) => T): void {
  fc.assert(
    fc.property(arb, (v) => {
      const w = new Writer(8);
      write(w, v);
      const buf = w.toBuffer();
      const r = new Reader(buf);
      assert.deepStrictEqual(read(r), v);
      assert.equal(r.remaining(), 0);
    }),
    { numRuns: RUNS },
  );
}

/** An arbitrary biased towards `edges`. */
function withEdges<T>(arb: fc.Arbitrary<T>, edges: T[]): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constantFrom(...edges), weight: 1 }, { arbitrary: arb, weight: 3 });
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const SAFE = Number.MAX_SAFE_INTEGER;
/** Strings of any code point (no lone surrogates, which UTF-8 cannot carry), often multi-byte. */
const text = fc.string({ unit: "binary", maxLength: 40 });
const bytes: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
/** Payloads around the 4096-byte threshold where Writer.rawRef stops copying. */
const bigBytes: fc.Arbitrary<Buffer> = fc.integer({ min: 4000, max: 9000 }).map((n) => Buffer.alloc(n, n & 0xff));

describe("Reader/Writer round trips", () => {
  it("int8, int16, int32 and their unsigned forms, with their extremes", () => {
    roundTrip(withEdges(fc.integer({ min: -128, max: 127 }), [-128, 127, 0, -1]), (w, v) => w.int8(v), (r) => r.int8());
    roundTrip(withEdges(fc.integer({ min: 0, max: 255 }), [0, 255]), (w, v) => w.uint8(v), (r) => r.uint8());
    roundTrip(withEdges(fc.integer({ min: -32768, max: 32767 }), [-32768, 32767]), (w, v) => w.int16(v), (r) => r.int16());
    roundTrip(withEdges(fc.integer({ min: 0, max: 65535 }), [0, 65535]), (w, v) => w.uint16(v), (r) => r.uint16());
    roundTrip(withEdges(fc.integer(), [-(2 ** 31), 2 ** 31 - 1]), (w, v) => w.int32(v), (r) => r.int32());
    roundTrip(withEdges(fc.integer({ min: 0, max: 2 ** 32 - 1 }), [0, 2 ** 32 - 1]), (w, v) => w.uint32(v), (r) => r.uint32());
    roundTrip(fc.boolean(), (w, v) => w.boolean(v), (r) => r.boolean());
  });

  it("int64 as bigint over the whole range, and as a number over the safe range", () => {
    roundTrip(withEdges(fc.bigInt({ min: I64_MIN, max: I64_MAX }), [I64_MIN, I64_MAX, 0n, -1n]), (w, v) => w.int64(v), (r) => r.int64());
    roundTrip(withEdges(fc.maxSafeInteger(), [-SAFE, SAFE, 0, -1, 2 ** 32, -(2 ** 32)]), (w, v) => w.int64Number(v), (r) => r.int64Number());
  });

  it("float64, including -0, infinities and NaN", () => {
    roundTrip(withEdges(fc.double(), [-0, Infinity, -Infinity, NaN, Number.MIN_VALUE]), (w, v) => w.float64(v), (r) => r.float64());
  });

  it("unsigned varint, varint and varlong at their limits", () => {
    roundTrip(withEdges(fc.integer({ min: 0, max: 2 ** 32 - 1 }), [0, 127, 128, 2 ** 32 - 1]), (w, v) => w.uvarint(v), (r) => r.uvarint());
    roundTrip(withEdges(fc.integer(), [-(2 ** 31), 2 ** 31 - 1, -1, 0, 63, -64, 64]), (w, v) => w.varint(v), (r) => r.varint());
    roundTrip(withEdges(fc.bigInt({ min: I64_MIN, max: I64_MAX }), [I64_MIN, I64_MAX, -1n, 0n]), (w, v) => w.varlong(v), (r) => r.varlong());
    roundTrip(
      withEdges(fc.maxSafeInteger(), [-SAFE, SAFE, -SAFE + 1, SAFE - 1, 2 ** 53 - 2, -(2 ** 52) - 1, 0, -1]),
      (w, v) => w.varlongNumber(v),
      (r) => r.varlongNumber(),
    );
  });

  it("varlongNumber and varlong agree on the bytes for every safe integer", () => {
    fc.assert(
      fc.property(withEdges(fc.maxSafeInteger(), [-SAFE, SAFE]), (v) => {
        assert.deepStrictEqual(new Writer().varlongNumber(v).toBuffer(), new Writer().varlong(BigInt(v)).toBuffer());
      }),
      { numRuns: RUNS },
    );
  });

  it("strings in all four forms, with multi-byte UTF-8 and null", () => {
    const s = withEdges(text, ["", "é", "€uro", "𝄞𝄞", "日本語のトピック"]);
    roundTrip(s, (w, v) => w.string(v), (r) => r.string());
    roundTrip(s, (w, v) => w.compactString(v), (r) => r.compactString());
    roundTrip(fc.option(s), (w, v) => w.nullableString(v), (r) => r.nullableString());
    roundTrip(fc.option(s), (w, v) => w.compactNullableString(v), (r) => r.compactNullableString());
  });

  it("string length prefixes count UTF-8 bytes, not characters", () => {
    for (const s of ["é", "€", "𝄞", "aé€𝄞"]) {
      const buf = new Writer().string(s).toBuffer();
      assert.equal(buf.readInt16BE(0), Buffer.byteLength(s, "utf8"));
      assert.notEqual(buf.readInt16BE(0), s.length);
      const compact = new Writer().compactString(s).toBuffer();
      assert.equal(compact[0], Buffer.byteLength(s, "utf8") + 1);
    }
  });

  it("bytes in all four forms, small and large (referenced, not copied)", () => {
    const b = fc.oneof(bytes, bigBytes);
    roundTrip(b, (w, v) => w.bytes(v), (r) => r.bytes());
    roundTrip(b, (w, v) => w.compactBytes(v), (r) => r.compactBytes());
    roundTrip(fc.option(b), (w, v) => w.nullableBytes(v), (r) => r.nullableBytes());
    roundTrip(fc.option(b), (w, v) => w.compactNullableBytes(v), (r) => r.compactNullableBytes());
  });

  it("uuids in canonical form", () => {
    const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => {
      const h = Buffer.from(a).toString("hex");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    });
    roundTrip(uuid, (w, v) => w.uuid(v), (r) => r.uuid());
  });

  it("array counts, normal and compact, null as -1", () => {
    roundTrip(
      fc.integer({ min: -1, max: 50 }),
      (w, v) => {
        w.int32(v);
        for (let i = 0; i < v; i++) w.int8(0);
      },
      (r) => {
        const n = r.arrayLength(1);
        for (let i = 0; i < n; i++) r.int8();
        return n;
      },
    );
    roundTrip(
      fc.integer({ min: -1, max: 50 }),
      (w, v) => {
        w.uvarint(v + 1);
        for (let i = 0; i < v; i++) w.int8(0);
      },
      (r) => {
        const n = r.compactArrayLength(1);
        for (let i = 0; i < n; i++) r.int8();
        return n;
      },
    );
  });

  it("a mixed sequence of fields decodes in order", () => {
    fc.assert(
      fc.property(fc.integer(), text, fc.option(bigBytes), fc.maxSafeInteger(), (a, s, b, n) => {
        const w = new Writer(1);
        w.int32(a).compactString(s).nullableBytes(b).varlongNumber(n).int16(7);
        const r = new Reader(w.toBuffer());
        assert.equal(r.int32(), a);
        assert.equal(r.compactString(), s);
        assert.deepStrictEqual(r.nullableBytes(), b);
        assert.equal(r.varlongNumber(), n);
        assert.equal(r.int16(), 7);
      }),
      { numRuns: 200 },
    );
  });
});

describe("Writer", () => {
  it("keeps large payloads as their own chunk instead of copying them", () => {
    const payload = Buffer.alloc(10_000, 7);
    const chunks = new Writer().int32(payload.length).rawRef(payload).int8(1).chunks();
    assert.ok(chunks.includes(payload));
    assert.equal(Buffer.concat(chunks).length, 4 + payload.length + 1);
  });

  it("grows from a zero-byte initial buffer (used to loop forever)", () => {
    assert.deepStrictEqual(new Writer(0).int32(1).toBuffer(), Buffer.from([0, 0, 0, 1]));
  });

  it("patches a reserved int32 in place", () => {
    const w = new Writer(2);
    const at = w.reserve(4);
    w.string("abc");
    w.patchInt32(at, 42);
    const r = new Reader(w.toBuffer());
    assert.equal(r.int32(), 42);
    assert.equal(r.string(), "abc");
  });
});

describe("Reader on hostile input", () => {
  /** Every Reader method, called the way decoders call them. */
  const methods: [string, (r: Reader) => unknown][] = [
    ["int8", (r) => r.int8()],
    ["uint8", (r) => r.uint8()],
    ["boolean", (r) => r.boolean()],
    ["int16", (r) => r.int16()],
    ["uint16", (r) => r.uint16()],
    ["int32", (r) => r.int32()],
    ["uint32", (r) => r.uint32()],
    ["int64", (r) => r.int64()],
    ["int64Number", (r) => r.int64Number()],
    ["float64", (r) => r.float64()],
    ["uvarint", (r) => r.uvarint()],
    ["varint", (r) => r.varint()],
    ["varlong", (r) => r.varlong()],
    ["varlongNumber", (r) => r.varlongNumber()],
    ["raw", (r) => r.raw(5)],
    ["string", (r) => r.string()],
    ["nullableString", (r) => r.nullableString()],
    ["compactString", (r) => r.compactString()],
    ["compactNullableString", (r) => r.compactNullableString()],
    ["bytes", (r) => r.bytes()],
    ["nullableBytes", (r) => r.nullableBytes()],
    ["compactBytes", (r) => r.compactBytes()],
    ["compactNullableBytes", (r) => r.compactNullableBytes()],
    ["uuid", (r) => r.uuid()],
    ["arrayLength", (r) => r.arrayLength(4)],
    ["compactArrayLength", (r) => r.compactArrayLength(4)],
  ];

  /** Runs `fn` and fails unless it returns or throws a PROTOCOL_DECODE/LIMIT_EXCEEDED WeirError. */
  function onlyWeirErrors(fn: () => unknown): void {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof WeirError, `expected a WeirError, got ${String(e)}`);
      assert.ok(e.code === "PROTOCOL_DECODE" || e.code === "LIMIT_EXCEEDED", `unexpected code ${e.code}`);
    }
  }

  for (const [name, read] of methods) {
    it(`${name}: random bytes raise only protocol errors`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 24 }), fc.nat(8), (bytes, start) => {
          const buf = Buffer.from(bytes);
          const r = new Reader(buf, Math.min(start, buf.length));
          onlyWeirErrors(() => {
            // Read until the input runs out: every path ends in a value or a WeirError.
            for (let i = 0; i < 64; i++) {
              const before = r.pos;
              read(r);
              assert.ok(r.pos <= r.end, "read past the end");
              assert.ok(r.pos >= before, "cursor moved backwards");
            }
          });
        }),
        { numRuns: 300 },
      );
    });
  }

  it("a huge length prefix fails before anything is allocated", () => {
    const cases: [Buffer, (r: Reader) => unknown][] = [
      [Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), (r) => r.bytes()],
      [Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), (r) => r.arrayLength(1)],
      [Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1]), (r) => r.compactBytes()],
      [Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1]), (r) => r.compactString()],
      [Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1]), (r) => r.compactArrayLength(1)],
      [Buffer.from([0x7f, 0xff, 1]), (r) => r.string()],
    ];
    const before = process.memoryUsage().arrayBuffers;
    for (const [buf, read] of cases) {
      assert.throws(() => read(new Reader(buf)), (e: unknown) => e instanceof WeirError);
    }
    assert.ok(process.memoryUsage().arrayBuffers - before < 1024 * 1024);
  });

  it("rejects over-long varints and out-of-range 64-bit numbers", () => {
    const tooLong = (r: Reader): unknown => r.uvarint();
    assert.throws(() => tooLong(new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f]))), WeirError);
    assert.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])).varlong(), WeirError);
    assert.throws(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])).varlong(), WeirError);
    assert.throws(() => new Reader(new Writer().int64(2n ** 53n).toBuffer()).int64Number(), WeirError);
    assert.throws(() => new Reader(new Writer().int64(-(2n ** 53n)).toBuffer()).int64Number(), WeirError);
    assert.throws(() => new Reader(new Writer().varlong(2n ** 53n).toBuffer()).varlongNumber(), WeirError);
    assert.throws(() => new Reader(new Writer().varlong(-(2n ** 53n)).toBuffer()).varlongNumber(), WeirError);
  });

  it("returns byte fields as views of the input, never copies", () => {
    const buf = new Writer().bytes(Buffer.from("payload")).toBuffer();
    const view = new Reader(buf).bytes();
    assert.equal(view.buffer, buf.buffer);
    assert.equal(view.byteOffset, buf.byteOffset + 4);
  });
});
