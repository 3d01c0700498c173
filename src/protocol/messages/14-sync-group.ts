/**
 * SyncGroup (API key 14): requests and responses v0-5; flexible from v4.
 *
 * v1 adds throttling, v3 static membership, v5 the protocol type and name in both directions
 * (KIP-559). The response always carries an assignment, empty for a member that got nothing.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** SyncGroup request. */
export const SyncGroupRequest = message({
  name: "SyncGroupRequest",
  apiKey: 14,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "4+",
  fields: {
    groupId: t.string("0+"),
    generationId: t.int32("0+"),
    memberId: t.string("0+"),
    groupInstanceId: t.string("3+", { nullableVersions: "3+", default: null }),
    protocolType: t.string("5+", { nullableVersions: "5+", default: null }),
    protocolName: t.string("5+", { nullableVersions: "5+", default: null }),
    assignments: t.array("0+", {
      memberId: t.string("0+"),
      assignment: t.bytes("0+"),
    }),
  },
});
/** A decoded SyncGroup request. */
export type SyncGroupRequest = Decoded<typeof SyncGroupRequest>;

/** SyncGroup response. */
export const SyncGroupResponse = message({
  name: "SyncGroupResponse",
  apiKey: 14,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "4+",
  fields: {
    throttleTimeMs: t.int32("1+"),
    errorCode: t.int16("0+"),
    protocolType: t.string("5+", { nullableVersions: "5+", default: null }),
    protocolName: t.string("5+", { nullableVersions: "5+", default: null }),
    assignment: t.bytes("0+"),
  },
});
/** A decoded SyncGroup response. */
export type SyncGroupResponse = Decoded<typeof SyncGroupResponse>;
/** What the SyncGroup response encoder accepts. */
export type SyncGroupResponseInput = Encodable<typeof SyncGroupResponse>;
