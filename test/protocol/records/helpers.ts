/** Shared arbitraries and assertions for the record batch tests (not a test file itself). */
import assert from "node:assert/strict";
import fc from "fast-check";
import { isWeirError, type WeirErrorCode } from "../../../src/util/errors.js";
import type { CompressionCodec, RecordInput, RecordView } from "../../../src/protocol/records/index.js";

/** Every codec, in attribute-id order. */
export const CODECS: readonly CompressionCodec[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/** Bytes or null, mostly small, sometimes empty. */
export const nullableBytes = fc.option(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), { nil: null, freq: 4 });

/** A header: unicode key (any code point, no lone surrogates), nullable value. */
export const header = fc.record({ key: fc.string({ unit: "binary", maxLength: 12 }), value: nullableBytes });

/** A record with optional headers and timestamp (timestamps within ±1 day of 2023-11-14). */
export const recordInput: fc.Arbitrary<RecordInput> = fc.record(
  {
    key: nullableBytes,
    value: nullableBytes,
    headers: fc.array(header, { maxLength: 4 }),
    timestamp: fc.integer({ min: 1_700_000_000_000 - 86_400_000, max: 1_700_000_000_000 + 86_400_000 }),
  },
  { requiredKeys: ["key", "value"] },
);

/** A batch's records: 1..40 of them. */
export const recordInputs = fc.array(recordInput, { minLength: 1, maxLength: 40 });

/** Asserts `fn` throws a WeirError of `code` whose message matches `message`. */
export function throwsWeir(fn: () => unknown, code: WeirErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isWeirError(e), `expected a WeirError, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}

/** Runs `fn` and rethrows anything that is not a WeirError (fuzzing: only WeirError may escape). */
export function onlyWeirErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!isWeirError(e)) throw e;
  }
}

/** Compares decoded records with what was encoded (timestamps defaulting to `now`). */
export function assertSameRecords(views: readonly RecordView[], inputs: readonly RecordInput[], baseOffset: number, now: number): void {
  assert.equal(views.length, inputs.length);
  views.forEach((v, i) => {
    const r = inputs[i];
    assert.equal(v.offset, baseOffset + i);
    assert.equal(v.timestamp, r.timestamp ?? now);
    assert.deepEqual(v.key, r.key);
    assert.deepEqual(v.value, r.value);
    // fast-check builds null-prototype objects: compare plain copies.
    assert.deepEqual(v.headers, (r.headers ?? []).map((h) => ({ key: h.key, value: h.value })));
  });
}
