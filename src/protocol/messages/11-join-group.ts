/**
 * JoinGroup (API key 11): requests and responses v0-9; flexible from v6.
 *
 * v1 adds the rebalance timeout; v4 requires a second join with the assigned member id
 * (MEMBER_ID_REQUIRED); v5 static membership; v7 the protocol type in the response; v8 the
 * leave reason (KIP-800); v9 SkipAssignment.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** JoinGroup request. */
export const JoinGroupRequest = message({
  name: "JoinGroupRequest",
  apiKey: 11,
  type: "request",
  validVersions: "0-9",
  flexibleVersions: "6+",
  fields: {
    groupId: t.string("0+"),
    sessionTimeoutMs: t.int32("0+"),
    // Absent before v1: Kafka then uses the session timeout; -1 is only a placeholder.
    rebalanceTimeoutMs: t.int32("1+", { default: -1 }),
    memberId: t.string("0+"),
    groupInstanceId: t.string("5+", { nullableVersions: "5+", default: null }),
    protocolType: t.string("0+"),
    protocols: t.array("0+", {
      name: t.string("0+"),
      metadata: t.bytes("0+"),
    }),
    reason: t.string("8+", { nullableVersions: "8+", default: null }),
  },
});
/** A decoded JoinGroup request. */
export type JoinGroupRequest = Decoded<typeof JoinGroupRequest>;

/** JoinGroup response. */
export const JoinGroupResponse = message({
  name: "JoinGroupResponse",
  apiKey: 11,
  type: "response",
  validVersions: "0-9",
  flexibleVersions: "6+",
  fields: {
    throttleTimeMs: t.int32("2+"),
    errorCode: t.int16("0+"),
    generationId: t.int32("0+", { default: -1 }),
    protocolType: t.string("7+", { nullableVersions: "7+", default: null }),
    protocolName: t.string("0+", { nullableVersions: "7+" }),
    leader: t.string("0+"),
    skipAssignment: t.bool("9+", { default: false }),
    memberId: t.string("0+"),
    members: t.array("0+", {
      memberId: t.string("0+"),
      groupInstanceId: t.string("5+", { nullableVersions: "5+", default: null }),
      metadata: t.bytes("0+"),
    }),
  },
});
/** A decoded JoinGroup response. */
export type JoinGroupResponse = Decoded<typeof JoinGroupResponse>;
/** What the JoinGroup response encoder accepts. */
export type JoinGroupResponseInput = Encodable<typeof JoinGroupResponse>;
