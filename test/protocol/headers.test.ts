// Request/response headers and the header-version rule, including ApiVersions' v0 response header.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiKey } from "../../src/protocol/api-keys.js";
import {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from "../../src/protocol/headers.js";
import { ApiVersionsRequest, MetadataRequest } from "../../src/protocol/messages/index.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { decode, encode } from "../../src/protocol/schema/index.js";
import { isWeirError } from "../../src/util/errors.js";

describe("header versions", () => {
  it("follow the API's flexible versions", () => {
    assert.equal(requestHeaderVersion(ApiKey.Metadata, 8), 1);
    assert.equal(requestHeaderVersion(ApiKey.Metadata, 9), 2);
    assert.equal(responseHeaderVersion(ApiKey.Metadata, 8), 0);
    assert.equal(responseHeaderVersion(ApiKey.Metadata, 9), 1);
    assert.equal(requestHeaderVersion(ApiKey.Fetch, 11), 1);
    assert.equal(requestHeaderVersion(ApiKey.Fetch, 12), 2);
    assert.equal(requestHeaderVersion(ApiKey.OffsetDelete, 0), 1, "never flexible");
  });

  it("keep the ApiVersions response header at v0 even for flexible requests", () => {
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2);
    for (let v = 0; v <= 10; v++) assert.equal(responseHeaderVersion(ApiKey.ApiVersions, v), 0);
  });

  it("treat versions newer than the schema as flexible, so their headers can still be read", () => {
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 99), 2);
    assert.equal(requestHeaderVersion(ApiKey.Produce, 12), 2);
  });

  it("cover APIs without schemas from Kafka's table, and old ControlledShutdown", () => {
    assert.equal(requestHeaderVersion(ApiKey.SaslHandshake, 1), 1, "never flexible");
    assert.equal(requestHeaderVersion(ApiKey.SaslAuthenticate, 2), 2);
    assert.equal(responseHeaderVersion(ApiKey.EndTxn, 3), 1);
    assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0);
    assert.equal(requestHeaderVersion(12345, 0), 1, "unknown keys: read up to the client id");
  });
});

describe("request header", () => {
  it("v1: api key, version, correlation id, nullable client id; the reader sits at the body", () => {
    const w = new Writer();
    encodeRequestHeader(w, { apiKey: ApiKey.Metadata, apiVersion: 1, correlationId: 7, clientId: "cli" }, 1);
    encode(MetadataRequest, 1, { topics: null }, w);
    const buf = w.toBuffer();
    assert.equal(buf.toString("hex"), "0003" + "0001" + "00000007" + "0003636c69" + "ffffffff");
    const { header, headerVersion, reader } = decodeRequestHeader(buf);
    assert.deepStrictEqual(header, { apiKey: 3, apiVersion: 1, correlationId: 7, clientId: "cli" });
    assert.equal(headerVersion, 1);
    assert.deepStrictEqual(decode(MetadataRequest, 1, reader).topics, null);
  });

  it("v2 keeps the client id a non-compact string and skips unknown tagged fields", () => {
    // ApiVersions v3 as librdkafka sends it, with a tagged field added to the header.
    const body = new Writer();
    encode(ApiVersionsRequest, 3, { clientSoftwareName: "weir", clientSoftwareVersion: "1.0" }, body);
    const head = Buffer.from("0012" + "0003" + "0000002a" + "0004" + "72646b61" + "01" + "0702aabb", "hex");
    const { header, headerVersion, reader } = decodeRequestHeader(Buffer.concat([head, body.toBuffer()]));
    assert.deepStrictEqual(header, { apiKey: 18, apiVersion: 3, correlationId: 42, clientId: "rdka" });
    assert.equal(headerVersion, 2);
    assert.deepStrictEqual(decode(ApiVersionsRequest, 3, reader), { clientSoftwareName: "weir", clientSoftwareVersion: "1.0" });
  });

  it("round-trips every header version, with null and non-null client ids", () => {
    const cases = [
      { version: 0, header: { apiKey: ApiKey.ControlledShutdown, apiVersion: 0, correlationId: -5, clientId: null } },
      { version: 1, header: { apiKey: ApiKey.Produce, apiVersion: 3, correlationId: 1, clientId: null } },
      { version: 2, header: { apiKey: ApiKey.Fetch, apiVersion: 12, correlationId: 2 ** 31 - 1, clientId: "wéir" } },
    ] as const;
    for (const { version, header: h } of cases) {
      const buf = encodeRequestHeader(new Writer(), h, version).toBuffer();
      const { header, headerVersion, reader } = decodeRequestHeader(buf);
      assert.deepStrictEqual(header, h);
      assert.equal(headerVersion, version);
      assert.equal(reader.remaining(), 0);
    }
  });

  it("answers truncated or hostile headers with protocol errors", () => {
    for (const hex of ["", "0003", "000300010000", "0003000100000007", "000300010000000700ff", "0012000300000001ffff" + "ff"]) {
      assert.throws(() => decodeRequestHeader(Buffer.from(hex, "hex")), (e: unknown) => isWeirError(e, "PROTOCOL_DECODE") || isWeirError(e, "LIMIT_EXCEEDED"));
    }
  });
});

describe("response header", () => {
  it("v0 is the correlation id, v1 adds an empty tagged-field section", () => {
    assert.equal(encodeResponseHeader(new Writer(), 9, 0).toBuffer().toString("hex"), "00000009");
    assert.equal(encodeResponseHeader(new Writer(), 9, 1).toBuffer().toString("hex"), "0000000900");
    const r = new Reader(Buffer.from("00000009" + "01" + "0001ff" + "77", "hex"));
    assert.deepStrictEqual(decodeResponseHeader(r, 1), { correlationId: 9 });
    assert.equal(r.remaining(), 1);
  });
});
