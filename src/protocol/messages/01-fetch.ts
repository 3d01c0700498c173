/**
 * Fetch (API key 1): requests and responses v0-17; flexible from v12.
 *
 * v4 adds the isolation level and record batch v2, v7 fetch sessions (KIP-227), v9 leader
 * epochs (KIP-320), v11 the rack id (KIP-392), v12 the flexible encoding with tagged fields
 * (cluster id; diverging epoch, current leader, snapshot id), v13 topic ids in place of names
 * (KIP-516), v15 the replica state (KIP-903), v16 node endpoints (KIP-951), v17 the replica
 * directory id (KIP-853).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** Fetch request. */
export const FetchRequest = message({
  name: "FetchRequest",
  apiKey: 1,
  type: "request",
  validVersions: "0-17",
  flexibleVersions: "12+",
  fields: {
    clusterId: t.string("12+", { nullableVersions: "12+", default: null, taggedVersions: "12+", tag: 0 }),
    replicaId: t.int32("0-14", { default: -1 }),
    replicaState: t.struct(
      "15+",
      {
        replicaId: t.int32("15+", { default: -1 }),
        replicaEpoch: t.int64("15+", { default: -1 }),
      },
      { taggedVersions: "15+", tag: 1 },
    ),
    maxWaitMs: t.int32("0+"),
    minBytes: t.int32("0+"),
    maxBytes: t.int32("3+", { default: 0x7fffffff }),
    isolationLevel: t.int8("4+", { default: 0 }),
    sessionId: t.int32("7+", { default: 0 }),
    sessionEpoch: t.int32("7+", { default: -1 }),
    topics: t.array("0+", {
      topic: t.string("0-12"),
      topicId: t.uuid("13+"),
      partitions: t.array("0+", {
        partition: t.int32("0+"),
        currentLeaderEpoch: t.int32("9+", { default: -1 }),
        fetchOffset: t.int64("0+"),
        lastFetchedEpoch: t.int32("12+", { default: -1 }),
        logStartOffset: t.int64("5+", { default: -1 }),
        partitionMaxBytes: t.int32("0+"),
        replicaDirectoryId: t.uuid("17+", { taggedVersions: "17+", tag: 0 }),
      }),
    }),
    forgottenTopicsData: t.array("7+", {
      topic: t.string("7-12"),
      topicId: t.uuid("13+"),
      partitions: t.array("7+", "int32"),
    }),
    rackId: t.string("11+", { default: "" }),
  },
});
/** A decoded Fetch request. */
export type FetchRequest = Decoded<typeof FetchRequest>;

/** Fetch response. */
export const FetchResponse = message({
  name: "FetchResponse",
  apiKey: 1,
  type: "response",
  validVersions: "0-17",
  flexibleVersions: "12+",
  fields: {
    throttleTimeMs: t.int32("1+"),
    errorCode: t.int16("7+"),
    sessionId: t.int32("7+", { default: 0 }),
    responses: t.array("0+", {
      topic: t.string("0-12"),
      topicId: t.uuid("13+"),
      partitions: t.array("0+", {
        partitionIndex: t.int32("0+"),
        errorCode: t.int16("0+"),
        highWatermark: t.int64("0+"),
        lastStableOffset: t.int64("4+", { default: -1 }),
        logStartOffset: t.int64("5+", { default: -1 }),
        divergingEpoch: t.struct(
          "12+",
          { epoch: t.int32("12+", { default: -1 }), endOffset: t.int64("12+", { default: -1 }) },
          { taggedVersions: "12+", tag: 0 },
        ),
        currentLeader: t.struct(
          "12+",
          { leaderId: t.int32("12+", { default: -1 }), leaderEpoch: t.int32("12+", { default: -1 }) },
          { taggedVersions: "12+", tag: 1 },
        ),
        snapshotId: t.struct(
          "12+",
          { endOffset: t.int64("0+", { default: -1 }), epoch: t.int32("0+", { default: -1 }) },
          { taggedVersions: "12+", tag: 2 },
        ),
        abortedTransactions: t.array(
          "4+",
          { producerId: t.int64("4+"), firstOffset: t.int64("4+") },
          { nullableVersions: "4+" },
        ),
        preferredReadReplica: t.int32("11+", { default: -1 }),
        records: t.records("0+", { nullableVersions: "0+" }),
      }),
    }),
    nodeEndpoints: t.array(
      "16+",
      {
        nodeId: t.int32("16+"),
        host: t.string("16+"),
        port: t.int32("16+"),
        rack: t.string("16+", { nullableVersions: "16+", default: null }),
      },
      { taggedVersions: "16+", tag: 0 },
    ),
  },
});
/** A decoded Fetch response. */
export type FetchResponse = Decoded<typeof FetchResponse>;
/** What the Fetch response encoder accepts. */
export type FetchResponseInput = Encodable<typeof FetchResponse>;
