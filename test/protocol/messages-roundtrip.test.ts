// Round-trip property tests: for every registered API, request and response, at every version
// the schema defines, values generated from the schema survive encode → decode unchanged.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { registeredApis } from "../../src/protocol/messages/index.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import type { Encodable } from "../../src/protocol/schema/index.js";
import { decode, decodeExact, encode, encodeToBuffer } from "../../src/protocol/schema/index.js";
import { messageArbitrary, versionsOf } from "./messages-arbitrary.js";

const RUNS = 40;

describe("every message round-trips at every version", () => {
  for (const api of registeredApis()) {
    for (const m of [api.request, api.response]) {
      it(`${m.name} v${m.validVersions.text}`, () => {
        for (const version of versionsOf(m)) {
          fc.assert(
            fc.property(messageArbitrary(m, version), (value) => {
              const input = value as Encodable<typeof m>;
              const buf = encodeToBuffer(m, version, input);
              assert.deepStrictEqual(decodeExact(m, version, buf), value, `${m.name} v${version}`);
              // The chunked output (payloads by reference) carries the same bytes.
              const chunks = encode(m, version, input, new Writer(16)).chunks();
              assert.deepStrictEqual(Buffer.concat(chunks), buf);
            }),
            { numRuns: RUNS },
          );
        }
      });
    }
  }
});

describe("decoding stops exactly at the end of the body", () => {
  it("leaves following bytes (the next request in a test buffer) untouched", () => {
    for (const api of registeredApis()) {
      for (const version of versionsOf(api.request)) {
        const [value] = fc.sample(messageArbitrary(api.request, version), { numRuns: 1, seed: version });
        const body = encodeToBuffer(api.request, version, value as Encodable<typeof api.request>);
        const r = new Reader(Buffer.concat([body, Buffer.from([0xde, 0xad])]));
        decode(api.request, version, r);
        assert.equal(r.remaining(), 2, `${api.name} v${version}`);
      }
    }
  });
});
