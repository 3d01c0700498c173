/**
 * OffsetCommit (API key 8): requests and responses v0-9; flexible from v8.
 *
 * v1 adds the generation, member id and a per-partition commit timestamp (v1 only); v2-4 a
 * retention time instead; v3 throttling; v6 leader epochs; v7 static membership (group
 * instance id); v9 the new consumer protocol (the generation field carries the member epoch).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** OffsetCommit request. */
export const OffsetCommitRequest = message({
  name: "OffsetCommitRequest",
  apiKey: 8,
  type: "request",
  validVersions: "0-9",
  flexibleVersions: "8+",
  fields: {
    groupId: t.string("0+"),
    generationIdOrMemberEpoch: t.int32("1+", { default: -1 }),
    memberId: t.string("1+"),
    groupInstanceId: t.string("7+", { nullableVersions: "7+", default: null }),
    retentionTimeMs: t.int64("2-4", { default: -1 }),
    topics: t.array("0+", {
      name: t.string("0+"),
      partitions: t.array("0+", {
        partitionIndex: t.int32("0+"),
        committedOffset: t.int64("0+"),
        committedLeaderEpoch: t.int32("6+", { default: -1 }),
        commitTimestamp: t.int64("1", { default: -1 }),
        committedMetadata: t.string("0+", { nullableVersions: "0+" }),
      }),
    }),
  },
});
/** A decoded OffsetCommit request. */
export type OffsetCommitRequest = Decoded<typeof OffsetCommitRequest>;

/** OffsetCommit response. */
export const OffsetCommitResponse = message({
  name: "OffsetCommitResponse",
  apiKey: 8,
  type: "response",
  validVersions: "0-9",
  flexibleVersions: "8+",
  fields: {
    throttleTimeMs: t.int32("3+"),
    topics: t.array("0+", {
      name: t.string("0+"),
      partitions: t.array("0+", {
        partitionIndex: t.int32("0+"),
        errorCode: t.int16("0+"),
      }),
    }),
  },
});
/** A decoded OffsetCommit response. */
export type OffsetCommitResponse = Decoded<typeof OffsetCommitResponse>;
/** What the OffsetCommit response encoder accepts. */
export type OffsetCommitResponseInput = Encodable<typeof OffsetCommitResponse>;
