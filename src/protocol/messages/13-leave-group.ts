/**
 * LeaveGroup (API key 13): requests and responses v0-5; flexible from v4.
 *
 * v3 leaves several members at once (KIP-345: member id + group instance id per member, with a
 * per-member error in the response); v5 adds the leave reason (KIP-800).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** LeaveGroup request. */
export const LeaveGroupRequest = message({
  name: "LeaveGroupRequest",
  apiKey: 13,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "4+",
  fields: {
    groupId: t.string("0+"),
    memberId: t.string("0-2"),
    members: t.array("3+", {
      memberId: t.string("3+"),
      groupInstanceId: t.string("3+", { nullableVersions: "3+", default: null }),
      reason: t.string("5+", { nullableVersions: "5+", default: null }),
    }),
  },
});
/** A decoded LeaveGroup request. */
export type LeaveGroupRequest = Decoded<typeof LeaveGroupRequest>;

/** LeaveGroup response. */
export const LeaveGroupResponse = message({
  name: "LeaveGroupResponse",
  apiKey: 13,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "4+",
  fields: {
    throttleTimeMs: t.int32("1+"),
    errorCode: t.int16("0+"),
    members: t.array("3+", {
      memberId: t.string("3+"),
      groupInstanceId: t.string("3+", { nullableVersions: "3+" }),
      errorCode: t.int16("3+"),
    }),
  },
});
/** A decoded LeaveGroup response. */
export type LeaveGroupResponse = Decoded<typeof LeaveGroupResponse>;
/** What the LeaveGroup response encoder accepts. */
export type LeaveGroupResponseInput = Encodable<typeof LeaveGroupResponse>;
