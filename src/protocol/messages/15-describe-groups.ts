/**
 * DescribeGroups (API key 15): requests and responses v0-5; flexible from v5.
 *
 * v1 adds throttling, v3 authorized operations, v4 the members' group instance ids.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** DescribeGroups request. */
export const DescribeGroupsRequest = message({
  name: "DescribeGroupsRequest",
  apiKey: 15,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "5+",
  fields: {
    groups: t.array("0+", "string"),
    includeAuthorizedOperations: t.bool("3+"),
  },
});
/** A decoded DescribeGroups request. */
export type DescribeGroupsRequest = Decoded<typeof DescribeGroupsRequest>;

/** DescribeGroups response. */
export const DescribeGroupsResponse = message({
  name: "DescribeGroupsResponse",
  apiKey: 15,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "5+",
  fields: {
    throttleTimeMs: t.int32("1+"),
    groups: t.array("0+", {
      errorCode: t.int16("0+"),
      groupId: t.string("0+"),
      groupState: t.string("0+"),
      protocolType: t.string("0+"),
      protocolData: t.string("0+"),
      members: t.array("0+", {
        memberId: t.string("0+"),
        groupInstanceId: t.string("4+", { nullableVersions: "4+", default: null }),
        clientId: t.string("0+"),
        clientHost: t.string("0+"),
        memberMetadata: t.bytes("0+"),
        memberAssignment: t.bytes("0+"),
      }),
      authorizedOperations: t.int32("3+", { default: -2147483648 }),
    }),
  },
});
/** A decoded DescribeGroups response. */
export type DescribeGroupsResponse = Decoded<typeof DescribeGroupsResponse>;
/** What the DescribeGroups response encoder accepts. */
export type DescribeGroupsResponseInput = Encodable<typeof DescribeGroupsResponse>;
