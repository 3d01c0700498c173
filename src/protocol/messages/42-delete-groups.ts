/**
 * DeleteGroups (API key 42): requests and responses v0-2; flexible from v2.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** DeleteGroups request. */
export const DeleteGroupsRequest = message({
  name: "DeleteGroupsRequest",
  apiKey: 42,
  type: "request",
  validVersions: "0-2",
  flexibleVersions: "2+",
  fields: {
    groupsNames: t.array("0+", "string"),
  },
});
/** A decoded DeleteGroups request. */
export type DeleteGroupsRequest = Decoded<typeof DeleteGroupsRequest>;

/** DeleteGroups response. */
export const DeleteGroupsResponse = message({
  name: "DeleteGroupsResponse",
  apiKey: 42,
  type: "response",
  validVersions: "0-2",
  flexibleVersions: "2+",
  fields: {
    throttleTimeMs: t.int32("0+"),
    results: t.array("0+", {
      groupId: t.string("0+"),
      errorCode: t.int16("0+"),
    }),
  },
});
/** A decoded DeleteGroups response. */
export type DeleteGroupsResponse = Decoded<typeof DeleteGroupsResponse>;
/** What the DeleteGroups response encoder accepts. */
export type DeleteGroupsResponseInput = Encodable<typeof DeleteGroupsResponse>;
