/**
 * DeleteTopics (API key 20): requests and responses v0-6; flexible from v4.
 *
 * v1 adds throttling; v5 error messages and THROTTLING_QUOTA_EXCEEDED; v6 names topics by name
 * or id (Topics replaces TopicNames, KIP-516) and allows a null name in the response.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** DeleteTopics request. */
export const DeleteTopicsRequest = message({
  name: "DeleteTopicsRequest",
  apiKey: 20,
  type: "request",
  validVersions: "0-6",
  flexibleVersions: "4+",
  fields: {
    topics: t.array("6+", {
      name: t.string("6+", { nullableVersions: "6+", default: null }),
      topicId: t.uuid("6+"),
    }),
    topicNames: t.array("0-5", "string"),
    timeoutMs: t.int32("0+"),
  },
});
/** A decoded DeleteTopics request. */
export type DeleteTopicsRequest = Decoded<typeof DeleteTopicsRequest>;

/** DeleteTopics response. */
export const DeleteTopicsResponse = message({
  name: "DeleteTopicsResponse",
  apiKey: 20,
  type: "response",
  validVersions: "0-6",
  flexibleVersions: "4+",
  fields: {
    throttleTimeMs: t.int32("1+"),
    responses: t.array("0+", {
      name: t.string("0+", { nullableVersions: "6+" }),
      topicId: t.uuid("6+"),
      errorCode: t.int16("0+"),
      errorMessage: t.string("5+", { nullableVersions: "5+", default: null }),
    }),
  },
});
/** A decoded DeleteTopics response. */
export type DeleteTopicsResponse = Decoded<typeof DeleteTopicsResponse>;
/** What the DeleteTopics response encoder accepts. */
export type DeleteTopicsResponseInput = Encodable<typeof DeleteTopicsResponse>;
