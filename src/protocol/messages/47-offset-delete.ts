/**
 * OffsetDelete (API key 47): request and response v0 only; never flexible (KIP-496).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** OffsetDelete request. */
export const OffsetDeleteRequest = message({
  name: "OffsetDeleteRequest",
  apiKey: 47,
  type: "request",
  validVersions: "0",
  flexibleVersions: "none",
  fields: {
    groupId: t.string("0+"),
    topics: t.array("0+", {
      name: t.string("0+"),
      partitions: t.array("0+", { partitionIndex: t.int32("0+") }),
    }),
  },
});
/** A decoded OffsetDelete request. */
export type OffsetDeleteRequest = Decoded<typeof OffsetDeleteRequest>;

/** OffsetDelete response. */
export const OffsetDeleteResponse = message({
  name: "OffsetDeleteResponse",
  apiKey: 47,
  type: "response",
  validVersions: "0",
  flexibleVersions: "none",
  fields: {
    errorCode: t.int16("0+"),
    throttleTimeMs: t.int32("0+"),
    topics: t.array("0+", {
      name: t.string("0+"),
      partitions: t.array("0+", {
        partitionIndex: t.int32("0+"),
        errorCode: t.int16("0+"),
      }),
    }),
  },
});
/** A decoded OffsetDelete response. */
export type OffsetDeleteResponse = Decoded<typeof OffsetDeleteResponse>;
/** What the OffsetDelete response encoder accepts. */
export type OffsetDeleteResponseInput = Encodable<typeof OffsetDeleteResponse>;
