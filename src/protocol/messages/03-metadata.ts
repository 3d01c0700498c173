/**
 * Metadata (API key 3): requests and responses v0-12; flexible from v9.
 *
 * v1 makes a null topic list mean "all topics" (in v0 an empty list does) and adds racks,
 * the controller id and the internal flag; v2 the cluster id; v4 AllowAutoTopicCreation; v5
 * offline replicas; v7 leader epochs; v8 authorized operations (cluster-level ones only up to
 * v10); v10 topic ids; v12 nullable topic names in responses (lookups by id).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** Metadata request. */
export const MetadataRequest = message({
  name: "MetadataRequest",
  apiKey: 3,
  type: "request",
  validVersions: "0-12",
  flexibleVersions: "9+",
  fields: {
    topics: t.array(
      "0+",
      {
        topicId: t.uuid("10+"),
        name: t.string("0+", { nullableVersions: "10+" }),
      },
      { nullableVersions: "1+" },
    ),
    allowAutoTopicCreation: t.bool("4+", { default: true }),
    includeClusterAuthorizedOperations: t.bool("8-10"),
    includeTopicAuthorizedOperations: t.bool("8+"),
  },
});
/** A decoded Metadata request. */
export type MetadataRequest = Decoded<typeof MetadataRequest>;

/** Kafka's "authorized operations were not requested" sentinel (Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** Metadata response. */
export const MetadataResponse = message({
  name: "MetadataResponse",
  apiKey: 3,
  type: "response",
  validVersions: "0-12",
  flexibleVersions: "9+",
  fields: {
    throttleTimeMs: t.int32("3+"),
    brokers: t.array("0+", {
      nodeId: t.int32("0+"),
      host: t.string("0+"),
      port: t.int32("0+"),
      rack: t.string("1+", { nullableVersions: "1+", default: null }),
    }),
    clusterId: t.string("2+", { nullableVersions: "2+", default: null }),
    controllerId: t.int32("1+", { default: -1 }),
    topics: t.array("0+", {
      errorCode: t.int16("0+"),
      name: t.string("0+", { nullableVersions: "12+" }),
      topicId: t.uuid("10+"),
      isInternal: t.bool("1+", { default: false }),
      partitions: t.array("0+", {
        errorCode: t.int16("0+"),
        partitionIndex: t.int32("0+"),
        leaderId: t.int32("0+"),
        leaderEpoch: t.int32("7+", { default: -1 }),
        replicaNodes: t.array("0+", "int32"),
        isrNodes: t.array("0+", "int32"),
        offlineReplicas: t.array("5+", "int32"),
      }),
      topicAuthorizedOperations: t.int32("8+", { default: AUTHORIZED_OPERATIONS_OMITTED }),
    }),
    clusterAuthorizedOperations: t.int32("8-10", { default: AUTHORIZED_OPERATIONS_OMITTED }),
  },
});
/** A decoded Metadata response. */
export type MetadataResponse = Decoded<typeof MetadataResponse>;
/** What the Metadata response encoder accepts. */
export type MetadataResponseInput = Encodable<typeof MetadataResponse>;
