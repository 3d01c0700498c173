/**
 * ApiVersions (API key 18): requests and responses v0-4; flexible from v3.
 *
 * v1 adds throttling; v3 the client software name and version and the feature tagged fields
 * (KIP-511, KIP-584); v4 allows a supported feature's min version to be 0 (KAFKA-17011).
 * Whatever the version, the RESPONSE header is v0 (see headers.ts), and a broker answers an
 * unknown version with a v0 body carrying UNSUPPORTED_VERSION.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** ApiVersions request. */
export const ApiVersionsRequest = message({
  name: "ApiVersionsRequest",
  apiKey: 18,
  type: "request",
  validVersions: "0-4",
  flexibleVersions: "3+",
  fields: {
    clientSoftwareName: t.string("3+"),
    clientSoftwareVersion: t.string("3+"),
  },
});
/** A decoded ApiVersions request. */
export type ApiVersionsRequest = Decoded<typeof ApiVersionsRequest>;

/** ApiVersions response. */
export const ApiVersionsResponse = message({
  name: "ApiVersionsResponse",
  apiKey: 18,
  type: "response",
  validVersions: "0-4",
  flexibleVersions: "3+",
  fields: {
    errorCode: t.int16("0+"),
    apiKeys: t.array("0+", {
      apiKey: t.int16("0+"),
      minVersion: t.int16("0+"),
      maxVersion: t.int16("0+"),
    }),
    throttleTimeMs: t.int32("1+"),
    supportedFeatures: t.array(
      "3+",
      { name: t.string("3+"), minVersion: t.int16("3+"), maxVersion: t.int16("3+") },
      { taggedVersions: "3+", tag: 0 },
    ),
    finalizedFeaturesEpoch: t.int64("3+", { taggedVersions: "3+", tag: 1, default: -1 }),
    finalizedFeatures: t.array(
      "3+",
      { name: t.string("3+"), maxVersionLevel: t.int16("3+"), minVersionLevel: t.int16("3+") },
      { taggedVersions: "3+", tag: 2 },
    ),
    zkMigrationReady: t.bool("3+", { taggedVersions: "3+", tag: 3, default: false }),
  },
});
/** A decoded ApiVersions response. */
export type ApiVersionsResponse = Decoded<typeof ApiVersionsResponse>;
/** What the ApiVersions response encoder accepts. */
export type ApiVersionsResponseInput = Encodable<typeof ApiVersionsResponse>;
