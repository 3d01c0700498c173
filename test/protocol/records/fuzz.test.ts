/**
 * Fuzzing the decoders: random and mutated batches may only ever produce a WeirError, must finish
 * quickly (no hang) and must stay within the limits (a hostile count or length allocates nothing).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { batchesIn, buildBatch, crc32c, decompress, iterateRecords, validateBatch, type RecordInput } from "../../../src/protocol/records/index.js";
import { CODECS, onlyWeirErrors, recordInputs } from "./helpers.js";

/** Every decoding entry point over `buf`; only WeirErrors may escape, and each call is quick. */
function decodeAll(buf: Buffer): void {
  const t0 = performance.now();
  onlyWeirErrors(() => validateBatch(buf));
  onlyWeirErrors(() => {
    for (const r of iterateRecords(buf)) void r;
  });
  onlyWeirErrors(() => [...batchesIn(buf)]);
  onlyWeirErrors(() => [...batchesIn(buf, { partialTail: "stop" })]);
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `decoding ${buf.length} bytes took ${ms} ms`);
}

/** True when `f` returns, false when it throws. */
function verdict(f: () => void): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

/** Rewrites the CRC so a mutation reaches the record decoder instead of stopping at the CRC. */
function recrc(buf: Buffer): Buffer {
  if (buf.length >= 61) {
    const end = Math.min(buf.length, Math.max(21, buf.readInt32BE(8) + 12));
    buf.writeUInt32BE(crc32c(buf.subarray(21, end)), 17);
  }
  return buf;
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("int32" as const), at: fc.nat(), value: fc.oneof(fc.integer({ min: -2, max: 300 }), fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 2 ** 30, 1_000_000)) }),
  fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(src: Buffer, m: Mutation): Buffer {
  const b = Buffer.from(src);
  const at = m.at % Math.max(1, b.length);
  switch (m.kind) {
    case "flip":
      b[at] ^= 1 << m.bit;
      return b;
    case "truncate":
      return b.subarray(0, at);
    case "int32":
      if (at + 4 <= b.length) b.writeInt32BE(m.value, at);
      return b;
    case "byte":
      b[at] = m.value;
      return b;
    case "insert":
      return Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
  }
}

test("random bytes give only WeirErrors", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => decodeAll(Buffer.from(bytes))),
    { numRuns: 1000 },
  );
});

test("random bytes behind a plausible header give only WeirErrors", () => {
  const header = buildBatch([{ key: null, value: Buffer.from("x") }], { now: 0 }).subarray(0, 61);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(7), (tail, codec) => {
      const b = Buffer.concat([header, tail]);
      b.writeInt32BE(b.length - 12, 8);
      b.writeInt16BE(codec, 21);
      decodeAll(recrc(b));
    }),
    { numRuns: 1000 },
  );
});

test("mutated batches of every codec give only WeirErrors, with and without a fixed-up CRC", () => {
  fc.assert(
    fc.property(recordInputs, fc.constantFrom(...CODECS), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (records, compression, ms, fixCrc) => {
      let b = buildBatch(records, { compression, now: 1_700_000_000_000 });
      for (const m of ms) b = mutate(b, m);
      decodeAll(fixCrc ? recrc(b) : b);
    }),
    { numRuns: 1500 },
  );
});

test("mutated compressed payloads give only WeirErrors from decompress", () => {
  const data = Buffer.from("the quick brown fox jumps over the lazy dog ".repeat(200));
  for (const codec of CODECS) {
    const packed = buildBatch([{ key: null, value: data }], { compression: codec }).subarray(61);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        let b: Buffer = Buffer.from(packed);
        for (const m of ms) b = mutate(b, m);
        onlyWeirErrors(() => decompress(codec, b, 1024 * 1024));
      }),
      { numRuns: 300 },
    );
  }
});

test("huge counts and lengths are refused before anything is allocated", () => {
  const base = buildBatch([{ key: Buffer.from("k"), value: Buffer.from("v") }], { now: 0 });
  const before = process.memoryUsage().arrayBuffers;
  for (const [at, value] of [
    [57, 2 ** 31 - 1], // recordsCount
    [23, 2 ** 31 - 1], // lastOffsetDelta
    [8, 2 ** 31 - 1], // batchLength
  ] as const) {
    const b = Buffer.from(base);
    b.writeInt32BE(value, at);
    if (at === 57) b.writeInt32BE(value, 23);
    decodeAll(recrc(b));
  }
  // A record whose key length claims 2^31 bytes, and a header count of 2^31.
  const keyLen = Buffer.from(base);
  keyLen.set([0xfe, 0xff, 0xff, 0xff, 0x0f], 61 + 4);
  decodeAll(recrc(keyLen));
  assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
});

/**
 * `records` as an uncompressed batch with `ms` applied and its CRC fixed up, or null when a
 * mutation set the codec bits (validateBatch does not decompress; out of scope for the agreement tests).
 */
function mutatedUncompressed(records: RecordInput[], ms: Mutation[]): Buffer | null {
  let b = buildBatch(records, { now: 1_700_000_000_000 });
  for (const m of ms) b = mutate(b, m);
  b = recrc(b);
  return b.length >= 23 && (b.readInt16BE(21) & 0x07) !== 0 ? null : b;
}

test("validateBatch accepts a mutated batch exactly when decoding all its records succeeds", () => {
  // The validator's inline fast paths must agree with the general record decoder: a batch it
  // lets into the log must be one every reader can decode, and it must not refuse good ones.
  // Uncompressed batches only: validateBatch does not decompress (the log's append path decodes
  // compressed batches itself), so a mutation that sets the codec bits is out of scope here.
  fc.assert(
    fc.property(recordInputs, fc.array(mutation, { minLength: 1, maxLength: 3 }), (records, ms) => {
      const b = mutatedUncompressed(records, ms);
      if (b === null) return;
      const validated = verdict(() => validateBatch(b));
      const decoded = verdict(() => {
        for (const r of iterateRecords(b)) void r;
      });
      assert.equal(validated, decoded, `validateBatch says ${validated}, decoding says ${decoded}, for ${b.toString("hex")}`);
    }),
    { numRuns: 1500 },
  );
});

test("batches of the common record shape: validateBatch agrees with decoding, and its timestamp range is the records' own", () => {
  // checkRecords first tries a quick walk that takes only the common shape (one- and two-byte
  // varints, no headers) and hands anything else to the careful walk. Records of that shape, up
  // to 150 of them (two-byte offset deltas past 63), mutated: the quick walk must never let in
  // what decoding refuses, nor refuse what it accepts, nor report another range.
  const common = fc.record({
    key: fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), { nil: null, freq: 2 }),
    value: fc.option(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), { nil: null, freq: 8 }),
    // Mostly within a two-byte delta of the first record; sometimes past it (the careful walk's).
    timestamp: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -4000, max: 4000 }) }, { weight: 1, arbitrary: fc.integer({ min: -10_000_000, max: 10_000_000 }) }).map((d) => 1_700_000_000_000 + d),
  });
  fc.assert(
    fc.property(fc.array(common, { minLength: 1, maxLength: 150 }), fc.array(mutation, { maxLength: 2 }), (records, ms) => {
      const b = mutatedUncompressed(records, ms);
      if (b === null) return;
      const range = { min: Infinity, max: -Infinity };
      const validated = verdict(() => validateBatch(b, 0, range));
      let min = Infinity;
      let max = -Infinity;
      const decoded = verdict(() => {
        for (const r of iterateRecords(b)) {
          min = Math.min(min, r.timestamp);
          max = Math.max(max, r.timestamp);
        }
      });
      assert.equal(validated, decoded, `validateBatch says ${validated}, decoding says ${decoded}, for ${b.toString("hex")}`);
      if (validated) assert.deepEqual(range, { min, max });
    }),
    { numRuns: 3000 },
  );
});
