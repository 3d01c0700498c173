// Fuzz tests: random bytes and mutated valid encodings fed to every request decoder (and every
// response decoder, which the wire client uses) at every version. A decoder may return a value
// or throw a PROTOCOL_DECODE / LIMIT_EXCEEDED WeirError; nothing else, and never slowly.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { registeredApis } from "../../src/protocol/messages/index.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import type { AnyMessage, Encodable } from "../../src/protocol/schema/index.js";
import { decode, encodeToBuffer } from "../../src/protocol/schema/index.js";
import { WeirError } from "../../src/util/errors.js";
import { messageArbitrary, versionsOf } from "./messages-arbitrary.js";

/**
 * A hang detector, not a speed test: a decode of a few hundred bytes that takes this long is
 * looping or allocating something huge. It is far above any scheduling or GC pause on a loaded
 * machine, where a tighter bound (50 ms) made the suite flaky.
 */
const SLOW_DECODE_MS = 1000;

/** Decodes `buf`, failing the test on any outcome but a value or a protocol WeirError. */
function decodeOnlyWeirErrors(m: AnyMessage, version: number, buf: Buffer): void {
  const started = performance.now();
  try {
    decode(m, version, new Reader(buf));
  } catch (e) {
    if (!(e instanceof WeirError)) throw new Error(`${m.name} v${version} threw ${String(e)} on ${buf.toString("hex")}`);
    assert.ok(e.code === "PROTOCOL_DECODE" || e.code === "LIMIT_EXCEEDED", `${m.name} v${version}: code ${e.code}`);
  }
  const ms = performance.now() - started;
  assert.ok(ms < SLOW_DECODE_MS, `${m.name} v${version} took ${ms.toFixed(1)} ms on ${buf.toString("hex")}`);
}

/** Mutations of a valid body: flipped bytes, truncation, inflated lengths, inserted junk. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("max" as const), at: fc.nat(), width: fc.constantFrom(1, 2, 4) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), junk: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(buf: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(buf);
  for (const mu of mutations) {
    if (out.length === 0) break;
    const at = mu.at % out.length;
    switch (mu.kind) {
      case "flip":
        out[at] = mu.value;
        break;
      case "truncate":
        out = out.subarray(0, at);
        break;
      case "max":
        // 0x7f ff.. makes a length or count as large as its field allows.
        for (let i = 0; i < mu.width && at + i < out.length; i++) out[at + i] = i === 0 ? 0x7f : 0xff;
        break;
      case "insert":
        out = Buffer.concat([out.subarray(0, at), Buffer.from(mu.junk), out.subarray(at)]);
        break;
    }
  }
  return out;
}

describe("decoders on hostile bytes", () => {
  for (const api of registeredApis()) {
    for (const m of [api.request, api.response]) {
      it(`${m.name}: random bytes at every version`, () => {
        for (const version of versionsOf(m)) {
          fc.assert(
            fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => decodeOnlyWeirErrors(m, version, Buffer.from(bytes))),
            { numRuns: 60 },
          );
        }
      });

      it(`${m.name}: mutated valid bodies at every version`, () => {
        for (const version of versionsOf(m)) {
          fc.assert(
            fc.property(messageArbitrary(m, version), fc.array(mutation, { minLength: 1, maxLength: 4 }), (value, mutations) => {
              const body = encodeToBuffer(m, version, value as Encodable<typeof m>);
              decodeOnlyWeirErrors(m, version, mutate(body, mutations));
            }),
            { numRuns: 60 },
          );
        }
      });
    }
  }

  it("an array count claiming a billion elements fails before allocating", () => {
    // MetadataRequest v1: topics ARRAY count = 0x3fffffff, then 4 bytes.
    const m = registeredApis().find((a) => a.name === "Metadata")!.request;
    const before = process.memoryUsage().heapUsed;
    assert.throws(() => decode(m, 1, new Reader(Buffer.from("3fffffff00010061", "hex"))), WeirError);
    assert.ok(process.memoryUsage().heapUsed - before < 16 * 1024 * 1024);
  });
});
