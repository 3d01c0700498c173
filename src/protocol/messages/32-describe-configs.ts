/**
 * DescribeConfigs (API key 32): requests and responses v0-4; flexible from v4.
 *
 * v1 adds synonyms and replaces IsDefault with ConfigSource; v3 config types and documentation
 * (KIP-569). Admin tools expect every config with its default and source, never an empty list.
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** DescribeConfigs request. */
export const DescribeConfigsRequest = message({
  name: "DescribeConfigsRequest",
  apiKey: 32,
  type: "request",
  validVersions: "0-4",
  flexibleVersions: "4+",
  fields: {
    resources: t.array("0+", {
      resourceType: t.int8("0+"),
      resourceName: t.string("0+"),
      configurationKeys: t.array("0+", "string", { nullableVersions: "0+" }),
    }),
    includeSynonyms: t.bool("1+", { default: false }),
    includeDocumentation: t.bool("3+", { default: false }),
  },
});
/** A decoded DescribeConfigs request. */
export type DescribeConfigsRequest = Decoded<typeof DescribeConfigsRequest>;

/** DescribeConfigs response. */
export const DescribeConfigsResponse = message({
  name: "DescribeConfigsResponse",
  apiKey: 32,
  type: "response",
  validVersions: "0-4",
  flexibleVersions: "4+",
  fields: {
    throttleTimeMs: t.int32("0+"),
    results: t.array("0+", {
      errorCode: t.int16("0+"),
      errorMessage: t.string("0+", { nullableVersions: "0+" }),
      resourceType: t.int8("0+"),
      resourceName: t.string("0+"),
      configs: t.array("0+", {
        name: t.string("0+"),
        value: t.string("0+", { nullableVersions: "0+" }),
        readOnly: t.bool("0+"),
        isDefault: t.bool("0"),
        configSource: t.int8("1+", { default: -1 }),
        isSensitive: t.bool("0+"),
        synonyms: t.array("1+", {
          name: t.string("1+"),
          value: t.string("1+", { nullableVersions: "0+" }),
          source: t.int8("1+"),
        }),
        configType: t.int8("3+", { default: 0 }),
        documentation: t.string("3+", { nullableVersions: "0+" }),
      }),
    }),
  },
});
/** A decoded DescribeConfigs response. */
export type DescribeConfigsResponse = Decoded<typeof DescribeConfigsResponse>;
/** What the DescribeConfigs response encoder accepts. */
export type DescribeConfigsResponseInput = Encodable<typeof DescribeConfigsResponse>;
