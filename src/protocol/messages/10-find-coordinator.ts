/**
 * FindCoordinator (API key 10): requests and responses v0-6; flexible from v3.
 *
 * v1 adds the key type (0 group, 1 transaction) and error message; v4 batches several keys
 * (KIP-699) and answers a Coordinators list instead of one node; v6 share-group keys.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** FindCoordinator request. */
export const FindCoordinatorRequest = message({
  name: "FindCoordinatorRequest",
  apiKey: 10,
  type: "request",
  validVersions: "0-6",
  flexibleVersions: "3+",
  fields: {
    key: t.string("0-3"),
    keyType: t.int8("1+", { default: 0 }),
    coordinatorKeys: t.array("4+", "string"),
  },
});
/** A decoded FindCoordinator request. */
export type FindCoordinatorRequest = Decoded<typeof FindCoordinatorRequest>;

/** FindCoordinator response. */
export const FindCoordinatorResponse = message({
  name: "FindCoordinatorResponse",
  apiKey: 10,
  type: "response",
  validVersions: "0-6",
  flexibleVersions: "3+",
  fields: {
    throttleTimeMs: t.int32("1+"),
    errorCode: t.int16("0-3"),
    errorMessage: t.string("1-3", { nullableVersions: "1-3" }),
    nodeId: t.int32("0-3"),
    host: t.string("0-3"),
    port: t.int32("0-3"),
    coordinators: t.array("4+", {
      key: t.string("4+"),
      nodeId: t.int32("4+"),
      host: t.string("4+"),
      port: t.int32("4+"),
      errorCode: t.int16("4+"),
      errorMessage: t.string("4+", { nullableVersions: "4+" }),
    }),
  },
});
/** A decoded FindCoordinator response. */
export type FindCoordinatorResponse = Decoded<typeof FindCoordinatorResponse>;
/** What the FindCoordinator response encoder accepts. */
export type FindCoordinatorResponseInput = Encodable<typeof FindCoordinatorResponse>;
