/**
 * Heartbeat (API key 12): requests and responses v0-4; flexible from v4.
 *
 * v1 adds throttling to the response, v3 static membership (group instance id).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** Heartbeat request. */
export const HeartbeatRequest = message({
  name: "HeartbeatRequest",
  apiKey: 12,
  type: "request",
  validVersions: "0-4",
  flexibleVersions: "4+",
  fields: {
    groupId: t.string("0+"),
    generationId: t.int32("0+"),
    memberId: t.string("0+"),
    groupInstanceId: t.string("3+", { nullableVersions: "3+", default: null }),
  },
});
/** A decoded Heartbeat request. */
export type HeartbeatRequest = Decoded<typeof HeartbeatRequest>;

/** Heartbeat response. */
export const HeartbeatResponse = message({
  name: "HeartbeatResponse",
  apiKey: 12,
  type: "response",
  validVersions: "0-4",
  flexibleVersions: "4+",
  fields: {
    throttleTimeMs: t.int32("1+"),
    errorCode: t.int16("0+"),
  },
});
/** A decoded Heartbeat response. */
export type HeartbeatResponse = Decoded<typeof HeartbeatResponse>;
/** What the Heartbeat response encoder accepts. */
export type HeartbeatResponseInput = Encodable<typeof HeartbeatResponse>;
