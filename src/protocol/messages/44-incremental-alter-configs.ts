/**
 * IncrementalAlterConfigs (API key 44): requests and responses v0-1; flexible from v1.
 *
 * ConfigOperation: 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT (KIP-339).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** IncrementalAlterConfigs request. */
export const IncrementalAlterConfigsRequest = message({
  name: "IncrementalAlterConfigsRequest",
  apiKey: 44,
  type: "request",
  validVersions: "0-1",
  flexibleVersions: "1+",
  fields: {
    resources: t.array("0+", {
      resourceType: t.int8("0+"),
      resourceName: t.string("0+"),
      configs: t.array("0+", {
        name: t.string("0+"),
        configOperation: t.int8("0+"),
        value: t.string("0+", { nullableVersions: "0+" }),
      }),
    }),
    validateOnly: t.bool("0+"),
  },
});
/** A decoded IncrementalAlterConfigs request. */
export type IncrementalAlterConfigsRequest = Decoded<typeof IncrementalAlterConfigsRequest>;

/** IncrementalAlterConfigs response. */
export const IncrementalAlterConfigsResponse = message({
  name: "IncrementalAlterConfigsResponse",
  apiKey: 44,
  type: "response",
  validVersions: "0-1",
  flexibleVersions: "1+",
  fields: {
    throttleTimeMs: t.int32("0+"),
    responses: t.array("0+", {
      errorCode: t.int16("0+"),
      errorMessage: t.string("0+", { nullableVersions: "0+" }),
      resourceType: t.int8("0+"),
      resourceName: t.string("0+"),
    }),
  },
});
/** A decoded IncrementalAlterConfigs response. */
export type IncrementalAlterConfigsResponse = Decoded<typeof IncrementalAlterConfigsResponse>;
/** What the IncrementalAlterConfigs response encoder accepts. */
export type IncrementalAlterConfigsResponseInput = Encodable<typeof IncrementalAlterConfigsResponse>;
