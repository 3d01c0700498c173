/**
 * ListOffsets (API key 2): requests and responses v0-10; flexible from v6.
 *
 * v0 answers a list of old-style offsets (MaxNumOffsets); v1 one offset with its timestamp; v2
 * adds the isolation level; v4 leader epochs; v7 the max-timestamp query (-3); v8 tiered storage
 * (-4); v9 the last tiered offset (-5); v10 a timeout for remote-storage lookups.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** ListOffsets request. */
export const ListOffsetsRequest = message({
  name: "ListOffsetsRequest",
  apiKey: 2,
  type: "request",
  validVersions: "0-10",
  flexibleVersions: "6+",
  fields: {
    replicaId: t.int32("0+"),
    isolationLevel: t.int8("2+"),
    topics: t.array("0+", {
      name: t.string("0+"),
      partitions: t.array("0+", {
        partitionIndex: t.int32("0+"),
        currentLeaderEpoch: t.int32("4+", { default: -1 }),
        timestamp: t.int64("0+"),
        maxNumOffsets: t.int32("0", { default: 1 }),
      }),
    }),
    timeoutMs: t.int32("10+"),
  },
});
/** A decoded ListOffsets request. */
export type ListOffsetsRequest = Decoded<typeof ListOffsetsRequest>;

/** ListOffsets response. */
export const ListOffsetsResponse = message({
  name: "ListOffsetsResponse",
  apiKey: 2,
  type: "response",
  validVersions: "0-10",
  flexibleVersions: "6+",
  fields: {
    throttleTimeMs: t.int32("2+"),
    topics: t.array("0+", {
      name: t.string("0+"),
      partitions: t.array("0+", {
        partitionIndex: t.int32("0+"),
        errorCode: t.int16("0+"),
        oldStyleOffsets: t.array("0", "int64"),
        timestamp: t.int64("1+", { default: -1 }),
        offset: t.int64("1+", { default: -1 }),
        leaderEpoch: t.int32("4+", { default: -1 }),
      }),
    }),
  },
});
/** A decoded ListOffsets response. */
export type ListOffsetsResponse = Decoded<typeof ListOffsetsResponse>;
/** What the ListOffsets response encoder accepts. */
export type ListOffsetsResponseInput = Encodable<typeof ListOffsetsResponse>;
