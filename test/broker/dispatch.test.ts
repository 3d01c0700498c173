import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Dispatcher } from "../../src/broker/dispatch.js";
import { apiVersionsHandler } from "../../src/broker/handlers/18-api-versions.js";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { KafkaErrors } from "../../src/protocol/errors.js";
import { encodeRequestHeader, decodeResponseHeader } from "../../src/protocol/headers.js";
import { ApiVersionsRequest, ApiVersionsResponse } from "../../src/protocol/messages/index.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { decode, encode } from "../../src/protocol/schema/index.js";
import type { FrameResult } from "../../src/broker/connection.js";

const conn = { id: 1, remoteAddress: "test" };

function apiVersionsFrame(version: number, name = "weir-test", sw = "1.0"): Buffer {
  const w = new Writer();
  encodeRequestHeader(w, { apiKey: ApiKey.ApiVersions, apiVersion: version, correlationId: 42, clientId: "t" }, version >= 3 ? 2 : 1);
  if (version <= 4) encode(ApiVersionsRequest, version, { clientSoftwareName: name, clientSoftwareVersion: sw }, w);
  return w.toBuffer();
}

function body(result: FrameResult | Promise<FrameResult>): Reader {
  assert.ok(Array.isArray(result), "expected a response");
  const r = new Reader(Buffer.concat(result));
  // ApiVersions answers always carry a v0 response header.
  assert.equal(decodeResponseHeader(r, 0).correlationId, 42);
  return r;
}

describe("Dispatcher", () => {
  const d = new Dispatcher<unknown>(null, [apiVersionsHandler]);

  it("answers ApiVersions v0-v3 with the advertised list", () => {
    for (const v of [0, 1, 2, 3]) {
      const res = decode(ApiVersionsResponse, v, body(d.handleFrame(apiVersionsFrame(v), conn)));
      assert.equal(res.errorCode, 0);
      assert.deepEqual(res.apiKeys, [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3 }]);
    }
  });

  it("answers an unknown ApiVersions version with a v0 body and UNSUPPORTED_VERSION", () => {
    const w = new Writer();
    encodeRequestHeader(w, { apiKey: ApiKey.ApiVersions, apiVersion: 9, correlationId: 42, clientId: "t" }, 2);
    w.raw(Buffer.from([0x05, 0x01, 0x02, 0x03, 0x04])); // a body from the future, unread
    const res = decode(ApiVersionsResponse, 0, body(d.handleFrame(w.toBuffer(), conn)));
    assert.equal(res.errorCode, KafkaErrors.UNSUPPORTED_VERSION.code);
    assert.deepEqual(res.apiKeys, [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3 }]);
  });

  it("answers INVALID_REQUEST to a v3 client whose software name breaks Kafka's pattern", () => {
    const res = decode(ApiVersionsResponse, 3, body(d.handleFrame(apiVersionsFrame(3, "-bad name"), conn)));
    assert.equal(res.errorCode, KafkaErrors.INVALID_REQUEST.code);
  });

  it("closes the connection for an unknown API key, a truncated header or a bad body", () => {
    const w = new Writer();
    encodeRequestHeader(w, { apiKey: 999, apiVersion: 0, correlationId: 1, clientId: null }, 1);
    assert.equal(d.handleFrame(w.toBuffer(), conn), "close");
    assert.equal(d.handleFrame(Buffer.from([0, 18, 0]), conn), "close");
    const good = apiVersionsFrame(3);
    assert.equal(d.handleFrame(good.subarray(0, good.length - 3), conn), "close");
  });

  it("never throws on random frames", () => {
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({ length: (i % 64) + 1 }, () => Math.floor(Math.random() * 256)));
      if (i % 2 === 0 && b.length >= 2) b.writeInt16BE(ApiKey.ApiVersions, 0);
      const r = d.handleFrame(b, conn);
      assert.ok(r === "close" || Array.isArray(r));
    }
  });
});

describe("Dispatcher with a faulty handler", () => {
  it("closes the connection (and reports the fault) when a response cannot be encoded, instead of throwing", () => {
    const faults: unknown[] = [];
    const broken = {
      ...apiVersionsHandler,
      // A bug: null in a non-nullable array.
      handle: () => ({ errorCode: 0, apiKeys: null as unknown as [] }),
    };
    const d = new Dispatcher<unknown>(null, [broken], { onHandlerFault: (e) => faults.push(e) });
    assert.equal(d.handleFrame(apiVersionsFrame(2), conn), "close");
    assert.equal(faults.length, 1);
  });
});
