/**
 * OffsetFetch (API key 9): requests and responses v0-9; flexible from v6.
 *
 * v0 reads offsets from ZooKeeper, v1+ from Kafka; v2 makes a null topic list mean "all topics"
 * and adds a top-level error code; v5 leader epochs; v7 RequireStable; v8 batches several groups
 * per request (KIP-709) and moves topics under Groups; v9 the member id and epoch (KIP-848).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** OffsetFetch request. */
export const OffsetFetchRequest = message({
  name: "OffsetFetchRequest",
  apiKey: 9,
  type: "request",
  validVersions: "0-9",
  flexibleVersions: "6+",
  fields: {
    groupId: t.string("0-7"),
    topics: t.array(
      "0-7",
      {
        name: t.string("0-7"),
        partitionIndexes: t.array("0-7", "int32"),
      },
      { nullableVersions: "2-7" },
    ),
    groups: t.array("8+", {
      groupId: t.string("8+"),
      memberId: t.string("9+", { nullableVersions: "9+", default: null }),
      memberEpoch: t.int32("9+", { default: -1 }),
      topics: t.array(
        "8+",
        {
          name: t.string("8+"),
          partitionIndexes: t.array("8+", "int32"),
        },
        { nullableVersions: "8+" },
      ),
    }),
    requireStable: t.bool("7+", { default: false }),
  },
});
/** A decoded OffsetFetch request. */
export type OffsetFetchRequest = Decoded<typeof OffsetFetchRequest>;

/** OffsetFetch response. */
export const OffsetFetchResponse = message({
  name: "OffsetFetchResponse",
  apiKey: 9,
  type: "response",
  validVersions: "0-9",
  flexibleVersions: "6+",
  fields: {
    throttleTimeMs: t.int32("3+"),
    topics: t.array("0-7", {
      name: t.string("0-7"),
      partitions: t.array("0-7", {
        partitionIndex: t.int32("0-7"),
        committedOffset: t.int64("0-7"),
        committedLeaderEpoch: t.int32("5-7", { default: -1 }),
        metadata: t.string("0-7", { nullableVersions: "0-7" }),
        errorCode: t.int16("0-7"),
      }),
    }),
    errorCode: t.int16("2-7", { default: 0 }),
    groups: t.array("8+", {
      groupId: t.string("8+"),
      topics: t.array("8+", {
        name: t.string("8+"),
        partitions: t.array("8+", {
          partitionIndex: t.int32("8+"),
          committedOffset: t.int64("8+"),
          committedLeaderEpoch: t.int32("8+", { default: -1 }),
          metadata: t.string("8+", { nullableVersions: "8+" }),
          errorCode: t.int16("8+"),
        }),
      }),
      errorCode: t.int16("8+", { default: 0 }),
    }),
  },
});
/** A decoded OffsetFetch response. */
export type OffsetFetchResponse = Decoded<typeof OffsetFetchResponse>;
/** What the OffsetFetch response encoder accepts. */
export type OffsetFetchResponseInput = Encodable<typeof OffsetFetchResponse>;
