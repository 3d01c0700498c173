/**
 * CreatePartitions (API key 37): requests and responses v0-3; flexible from v2.
 *
 * v3 may answer THROTTLING_QUOTA_EXCEEDED (KIP-599). The response must list every topic asked.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** CreatePartitions request. */
export const CreatePartitionsRequest = message({
  name: "CreatePartitionsRequest",
  apiKey: 37,
  type: "request",
  validVersions: "0-3",
  flexibleVersions: "2+",
  fields: {
    topics: t.array("0+", {
      name: t.string("0+"),
      count: t.int32("0+"),
      assignments: t.array("0+", { brokerIds: t.array("0+", "int32") }, { nullableVersions: "0+" }),
    }),
    timeoutMs: t.int32("0+"),
    validateOnly: t.bool("0+"),
  },
});
/** A decoded CreatePartitions request. */
export type CreatePartitionsRequest = Decoded<typeof CreatePartitionsRequest>;

/** CreatePartitions response. */
export const CreatePartitionsResponse = message({
  name: "CreatePartitionsResponse",
  apiKey: 37,
  type: "response",
  validVersions: "0-3",
  flexibleVersions: "2+",
  fields: {
    throttleTimeMs: t.int32("0+"),
    results: t.array("0+", {
      name: t.string("0+"),
      errorCode: t.int16("0+"),
      errorMessage: t.string("0+", { nullableVersions: "0+", default: null }),
    }),
  },
});
/** A decoded CreatePartitions response. */
export type CreatePartitionsResponse = Decoded<typeof CreatePartitionsResponse>;
/** What the CreatePartitions response encoder accepts. */
export type CreatePartitionsResponseInput = Encodable<typeof CreatePartitionsResponse>;
