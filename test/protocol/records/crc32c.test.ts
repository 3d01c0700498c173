import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { crc32c, crc32cImplementation, crc32cPure, loadCrc32c } from "../../../src/protocol/records/crc32c.js";
import type { Crc32cFn } from "../../../src/protocol/records/crc32c.js";

const input = Buffer.from("123456789");

/** Both native implementations ship a binary for the CI machine (Linux x64 glibc). */
const natives: [string, Crc32cFn][] = (["aws-crt", "node-rs"] as const).map((name) => {
  const fn = loadCrc32c(name);
  assert.ok(fn !== null, `${name} loads on this machine`);
  return [name, fn];
});

test("the check value crc32c('123456789') is 0xE3069283 in every implementation", () => {
  assert.equal(crc32cPure(input), 0xe3069283);
  assert.equal(crc32c(input), 0xe3069283);
  for (const [, fn] of natives) assert.equal(fn(input), 0xe3069283);
});

test("the fastest implementation, aws-crt's, is the one in use", () => {
  assert.equal(crc32cImplementation, "aws-crt");
});

test("known vectors (RFC 3720 B.4): 32 zero bytes and 32 0xFF bytes; an empty buffer keeps the initial CRC", () => {
  for (const fn of [crc32cPure, ...natives.map(([, f]) => f)]) {
    assert.equal(fn(Buffer.alloc(32, 0)), 0x8a9136aa);
    assert.equal(fn(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(fn(Buffer.alloc(0)), 0);
    assert.equal(fn(Buffer.alloc(0), 0x12345678), 0x12345678);
  }
});

test("pure and native agree on random inputs at every alignment and length, Buffers and plain Uint8Array views", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(15), (bytes, skip) => {
      const b = Buffer.from(bytes).subarray(Math.min(skip, bytes.length));
      const view = new Uint8Array(b.buffer, b.byteOffset, b.length);
      const want = crc32cPure(b);
      for (const [name, fn] of natives) {
        assert.equal(fn(b), want, name);
        assert.equal(fn(view), want, `${name} on a Uint8Array`);
      }
    }),
    { numRuns: 500 },
  );
});

test("a checksum continues across buffers: crc(b, crc(a)) = crc(a ++ b)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
      const whole = crc32cPure(Buffer.concat([a, b]));
      assert.equal(crc32cPure(b, crc32cPure(a)), whole);
      for (const [name, fn] of natives) assert.equal(fn(b, fn(a)), whole, name);
    }),
  );
});

/** Imports crc32c.ts in a fresh process with WEIR_CRC32C set; returns its exit status and output. */
function importWith(value: string): { status: number | null; out: string } {
  const mod = fileURLToPath(new URL("../../../src/protocol/records/crc32c.ts", import.meta.url));
  const script = `const m = await import(${JSON.stringify(mod)}); console.log(m.crc32cImplementation, m.crc32c(Buffer.from("123456789")).toString(16));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { env: { ...process.env, WEIR_CRC32C: value }, encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

test("WEIR_CRC32C picks an implementation; a wrong name is a CONFIG error naming the choices", () => {
  for (const name of ["aws-crt", "node-rs", "pure"]) {
    const r = importWith(name);
    assert.equal(r.status, 0, r.out);
    assert.equal(r.out.trim(), `${name} e3069283`);
  }
  const bad = importWith("sse42");
  assert.notEqual(bad.status, 0);
  assert.match(bad.out, /WEIR_CRC32C=sse42 is not one of aws-crt, node-rs, pure/);
});
