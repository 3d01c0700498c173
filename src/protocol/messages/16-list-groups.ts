/**
 * ListGroups (API key 16): requests and responses v0-5; flexible from v3.
 *
 * v1 adds throttling, v4 a states filter and the group state (KIP-518), v5 a types filter and
 * the group type (KIP-848).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** ListGroups request. */
export const ListGroupsRequest = message({
  name: "ListGroupsRequest",
  apiKey: 16,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "3+",
  fields: {
    statesFilter: t.array("4+", "string"),
    typesFilter: t.array("5+", "string"),
  },
});
/** A decoded ListGroups request. */
export type ListGroupsRequest = Decoded<typeof ListGroupsRequest>;

/** ListGroups response. */
export const ListGroupsResponse = message({
  name: "ListGroupsResponse",
  apiKey: 16,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "3+",
  fields: {
    throttleTimeMs: t.int32("1+"),
    errorCode: t.int16("0+"),
    groups: t.array("0+", {
      groupId: t.string("0+"),
      protocolType: t.string("0+"),
      groupState: t.string("4+"),
      groupType: t.string("5+"),
    }),
  },
});
/** A decoded ListGroups response. */
export type ListGroupsResponse = Decoded<typeof ListGroupsResponse>;
/** What the ListGroups response encoder accepts. */
export type ListGroupsResponseInput = Encodable<typeof ListGroupsResponse>;
