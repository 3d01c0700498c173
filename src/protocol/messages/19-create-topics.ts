/**
 * CreateTopics (API key 19): requests and responses v0-7; flexible from v5.
 *
 * v1 adds validateOnly and error messages; v2 throttling; v4 optional partition count and
 * replication factor (-1 = broker default, KIP-464); v5 returns the created topic's configs
 * (KIP-525); v6 may answer THROTTLING_QUOTA_EXCEEDED; v7 returns topic ids.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** CreateTopics request. */
export const CreateTopicsRequest = message({
  name: "CreateTopicsRequest",
  apiKey: 19,
  type: "request",
  validVersions: "0-7",
  flexibleVersions: "5+",
  fields: {
    topics: t.array("0+", {
      name: t.string("0+"),
      numPartitions: t.int32("0+"),
      replicationFactor: t.int16("0+"),
      assignments: t.array("0+", {
        partitionIndex: t.int32("0+"),
        brokerIds: t.array("0+", "int32"),
      }),
      configs: t.array("0+", {
        name: t.string("0+"),
        value: t.string("0+", { nullableVersions: "0+" }),
      }),
    }),
    timeoutMs: t.int32("0+", { default: 60000 }),
    validateOnly: t.bool("1+", { default: false }),
  },
});
/** A decoded CreateTopics request. */
export type CreateTopicsRequest = Decoded<typeof CreateTopicsRequest>;

/** CreateTopics response. */
export const CreateTopicsResponse = message({
  name: "CreateTopicsResponse",
  apiKey: 19,
  type: "response",
  validVersions: "0-7",
  flexibleVersions: "5+",
  fields: {
    throttleTimeMs: t.int32("2+"),
    topics: t.array("0+", {
      name: t.string("0+"),
      topicId: t.uuid("7+"),
      errorCode: t.int16("0+"),
      errorMessage: t.string("1+", { nullableVersions: "0+" }),
      topicConfigErrorCode: t.int16("5+", { taggedVersions: "5+", tag: 0 }),
      numPartitions: t.int32("5+", { default: -1 }),
      replicationFactor: t.int16("5+", { default: -1 }),
      configs: t.array(
        "5+",
        {
          name: t.string("5+"),
          value: t.string("5+", { nullableVersions: "5+" }),
          readOnly: t.bool("5+"),
          configSource: t.int8("5+", { default: -1 }),
          isSensitive: t.bool("5+"),
        },
        { nullableVersions: "5+" },
      ),
    }),
  },
});
/** A decoded CreateTopics response. */
export type CreateTopicsResponse = Decoded<typeof CreateTopicsResponse>;
/** What the CreateTopics response encoder accepts. */
export type CreateTopicsResponseInput = Encodable<typeof CreateTopicsResponse>;
