import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { crc32c, crc32cImplementation, crc32cNative, crc32cPure } from "../../../src/protocol/records/crc32c.js";

test("the check value crc32c('123456789') is 0xE3069283 in both implementations", () => {
  const input = Buffer.from("123456789");
  assert.equal(crc32cPure(input), 0xe3069283);
  assert.equal(crc32c(input), 0xe3069283);
  assert.ok(crc32cNative !== null, "the native module loads on this machine");
  assert.equal(crc32cNative(input), 0xe3069283);
  assert.equal(crc32cImplementation, "native");
});

test("known vectors (RFC 3720 B.4): 32 zero bytes and 32 0xFF bytes", () => {
  assert.equal(crc32cPure(Buffer.alloc(32, 0)), 0x8a9136aa);
  assert.equal(crc32cPure(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32cPure(Buffer.alloc(0)), 0);
});

test("pure and native agree on random inputs at every alignment and length", () => {
  const native = crc32cNative!;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(7), (bytes, skip) => {
      const b = Buffer.from(bytes).subarray(Math.min(skip, bytes.length));
      assert.equal(crc32cPure(b), native(b));
    }),
    { numRuns: 500 },
  );
});

test("a checksum continues across buffers: crc(b, crc(a)) = crc(a ++ b)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
      const whole = crc32cPure(Buffer.concat([a, b]));
      assert.equal(crc32cPure(b, crc32cPure(a)), whole);
      assert.equal(crc32c(b, crc32c(a)), whole);
    }),
  );
});
