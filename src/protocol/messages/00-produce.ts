/**
 * Produce (API key 0): requests v0-11, responses v0-11; flexible from v9.
 *
 * v0-2 carry the old message-set formats (magic 0/1): they decode here and the broker rejects
 * them later; v3 adds the transactional id and record batch v2; v7 zstd; v8 per-record errors;
 * v10+ the current-leader and node-endpoint tagged fields (KIP-951).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** Produce request. */
export const ProduceRequest = message({
  name: "ProduceRequest",
  apiKey: 0,
  type: "request",
  validVersions: "0-11",
  flexibleVersions: "9+",
  fields: {
    transactionalId: t.string("3+", { nullableVersions: "3+", default: null }),
    acks: t.int16("0+"),
    timeoutMs: t.int32("0+"),
    topicData: t.array("0+", {
      name: t.string("0+"),
      partitionData: t.array("0+", {
        index: t.int32("0+"),
        records: t.records("0+", { nullableVersions: "0+" }),
      }),
    }),
  },
});
/** A decoded Produce request. */
export type ProduceRequest = Decoded<typeof ProduceRequest>;

/** Produce response. */
export const ProduceResponse = message({
  name: "ProduceResponse",
  apiKey: 0,
  type: "response",
  validVersions: "0-11",
  flexibleVersions: "9+",
  fields: {
    responses: t.array("0+", {
      name: t.string("0+"),
      partitionResponses: t.array("0+", {
        index: t.int32("0+"),
        errorCode: t.int16("0+"),
        baseOffset: t.int64("0+"),
        logAppendTimeMs: t.int64("2+", { default: -1 }),
        logStartOffset: t.int64("5+", { default: -1 }),
        recordErrors: t.array("8+", {
          batchIndex: t.int32("8+"),
          batchIndexErrorMessage: t.string("8+", { nullableVersions: "8+", default: null }),
        }),
        errorMessage: t.string("8+", { nullableVersions: "8+", default: null }),
        // KIP-951: the new leader, so a client can retry without a Metadata round trip.
        currentLeader: t.struct(
          "10+",
          { leaderId: t.int32("10+", { default: -1 }), leaderEpoch: t.int32("10+", { default: -1 }) },
          { taggedVersions: "10+", tag: 0 },
        ),
      }),
    }),
    throttleTimeMs: t.int32("1+", { default: 0 }),
    nodeEndpoints: t.array(
      "10+",
      {
        nodeId: t.int32("10+"),
        host: t.string("10+"),
        port: t.int32("10+"),
        rack: t.string("10+", { nullableVersions: "10+", default: null }),
      },
      { taggedVersions: "10+", tag: 0 },
    ),
  },
});
/** A decoded Produce response. */
export type ProduceResponse = Decoded<typeof ProduceResponse>;
/** What the Produce response encoder accepts. */
export type ProduceResponseInput = Encodable<typeof ProduceResponse>;
