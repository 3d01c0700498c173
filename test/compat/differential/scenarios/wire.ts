/**
 * Raw-wire scenarios: requests no client library sends on purpose, hand-encoded (clients.ts
 * rawRequest): ApiVersions at a version the broker does not know, and other APIs at versions or
 * keys it does not implement.
 */
import assert from "node:assert/strict";
import { rawRequest, type RawAnswer } from "../clients.js";
import type { Json, Scenario } from "../framework.js";

/** The ApiVersions v3 body: client_software_name, client_software_version (compact strings), no tagged fields. */
function apiVersionsV3Body(name: string, version: string): Buffer {
  const compact = (s: string): Buffer => {
    const b = Buffer.from(s, "utf8");
    return Buffer.concat([Buffer.from([b.length + 1]), b]);
  };
  return Buffer.concat([compact(name), compact(version), Buffer.from([0])]);
}

interface ApiVersionsV0 {
  correlationId: number;
  errorCode: number;
  apis: Map<number, { min: number; max: number }>;
}

/**
 * An ApiVersions answer read as v0 (header v0: correlation_id; body: error_code, [api_key
 * min_version max_version]) — the format a broker must use when it cannot answer the version asked.
 */
function readApiVersionsV0(a: RawAnswer): ApiVersionsV0 {
  assert.ok(a.frame !== null, "the broker closed the connection instead of answering ApiVersions");
  const f = a.frame;
  const count = f.readInt32BE(6);
  assert.ok(count >= 0 && 10 + count * 6 <= f.length, `ApiVersions v0 body with ${count} keys in ${f.length} bytes`);
  const apis = new Map<number, { min: number; max: number }>();
  for (let i = 0; i < count; i++) apis.set(f.readInt16BE(10 + i * 6), { min: f.readInt16BE(12 + i * 6), max: f.readInt16BE(14 + i * 6) });
  return { correlationId: f.readInt32BE(0), errorCode: f.readInt16BE(4), apis };
}

/** What happened to a request: answered (with how many bytes) or the connection closed. */
function fate(a: RawAnswer): Json {
  return a.frame === null ? "connection closed" : { answered: true, correlationId: a.frame.readInt32BE(0) };
}

export const wireScenarios: Scenario[] = [
  {
    name: "wire-unsupported-versions",
    client: "wire",
    compares: "ApiVersions v127 (v0-format answer, UNSUPPORTED_VERSION, its own range), ApiVersions v3 with a bad software name (INVALID_REQUEST); Metadata v99, Fetch v3 and API key 999 (connection closed)",
    allowances: [
      {
        difference: "version-ranges",
        what: "the highest ApiVersions version: Kafka 4.3 advertises v4, Weir v3",
        apply(obs) {
          const o = obs as { v127: { apiVersions: { max: Json } } };
          o.v127.apiVersions.max = "<max>";
          return obs;
        },
      },
    ],
    async run(ctx) {
      const v127 = readApiVersionsV0(await rawRequest(ctx, 18, 127, apiVersionsV3Body("weir-diff", "1.0"), { headerVersion: 2 }));
      // Answered in v3 format; correlation_id and error_code lead it as in v0.
      const badName = await rawRequest(ctx, 18, 3, apiVersionsV3Body("-bad name-", "1.0"), { headerVersion: 2 });
      assert.ok(badName.frame !== null, "the broker closed the connection instead of answering ApiVersions v3");
      // Metadata v99: the body does not matter, the broker cannot know its format.
      const metadata99 = await rawRequest(ctx, 3, 99, Buffer.alloc(8), { headerVersion: 2 });
      // Fetch v3, below the range both advertise (v0-3 carry pre-v2 message formats).
      const fetch3 = await rawRequest(ctx, 1, 3, Buffer.alloc(32));
      const unknownKey = await rawRequest(ctx, 999, 0, Buffer.alloc(0));
      return {
        v127: {
          correlationId: v127.correlationId,
          errorCode: v127.errorCode,
          apiVersions: { min: v127.apis.get(18)?.min ?? null, max: v127.apis.get(18)?.max ?? null },
          listsApis: v127.apis.size > 0,
        },
        badName: { correlationId: badName.frame.readInt32BE(0), errorCode: badName.frame.readInt16BE(4) },
        metadata99: fate(metadata99),
        fetch3: fate(fetch3),
        unknownKey: fate(unknownKey),
      };
    },
  },
];
