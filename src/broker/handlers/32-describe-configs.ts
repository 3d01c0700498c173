/**
 * DescribeConfigs (key 32), versions 0-4 implemented and advertised.
 *
 * TOPIC resources (type 2) list every topic config the log knows, with its value and where it
 * comes from: isDefault (v0), configSource (v1+: TOPIC_CONFIG for an override, DEFAULT_CONFIG
 * otherwise), synonyms when asked (v1+: the override, then the broker-level default), configType
 * (v3+) and documentation when asked (v3+). BROKER resources (type 4, named "" or this node's id)
 * list the broker settings clients look at, read-only. configurationKeys null or empty means every
 * key; otherwise only those keys that exist, as Kafka does. An invalid topic name is
 * INVALID_TOPIC_EXCEPTION, an unknown topic UNKNOWN_TOPIC_OR_PARTITION, another broker id or
 * another resource type INVALID_REQUEST — each in its own resource's result.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { RequestOf, ResponseInputOf } from "../../protocol/messages/index.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";
import { ConfigResourceType, ConfigSource, NO_ERROR, brokerConfigRows, describedTopicRows, errorFields, topicNameProblem } from "./admin-common.js";
import type { ConfigRow, ErrorFields } from "./admin-common.js";

type Request = RequestOf<typeof ApiKey.DescribeConfigs>;
type Resource = Request["resources"][number];
type ResourceResult = NonNullable<ResponseInputOf<typeof ApiKey.DescribeConfigs>["results"]>[number];
type ConfigEntry = NonNullable<ResourceResult["configs"]>[number];

/**
 * A described resource's error fields. Kafka answers error_message "" (not null) for a resource it
 * described, and clients show it as is (kafkajs's errorMessage); the differential suite compares it.
 */
const DESCRIBED: ErrorFields = Object.freeze({ ...NO_ERROR, errorMessage: "" });

/** The DescribeConfigs handler; see the module comment. */
export const describeConfigsHandler: ApiHandler<typeof ApiKey.DescribeConfigs, BrokerState> = {
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(state, req) {
    const results = req.resources.map((r): ResourceResult => {
      const rows = rowsOf(state, r);
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      if (!Array.isArray(rows)) return { ...base, ...rows, configs: [] };
      const keys = r.configurationKeys;
      const wanted = keys === null || keys.length === 0 ? rows : rows.filter((row) => keys.includes(row.name));
      return { ...base, ...DESCRIBED, configs: wanted.map((row) => entry(row, req.includeSynonyms, req.includeDocumentation)) };
    });
    return { throttleTimeMs: 0, results };
  },
};

/** The rows of one resource, or its error. */
function rowsOf(state: BrokerState, r: Resource): ConfigRow[] | ErrorFields {
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC: {
      const problem = topicNameProblem(r.resourceName);
      if (problem !== null) return errorFields(KafkaErrors.INVALID_TOPIC_EXCEPTION, problem);
      if (!state.log.hasTopic(r.resourceName)) return errorFields(KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${r.resourceName}' does not exist.`);
      return describedTopicRows(state.log.describeTopic(r.resourceName));
    }
    case ConfigResourceType.BROKER: {
      const id = String(state.config.nodeId);
      if (r.resourceName !== "" && r.resourceName !== id) {
        return errorFields(KafkaErrors.INVALID_REQUEST, `Unexpected broker id, expected ${id} or empty string, but received ${r.resourceName}`);
      }
      return brokerConfigRows(state);
    }
    case ConfigResourceType.BROKER_LOGGER:
      return errorFields(KafkaErrors.INVALID_REQUEST, "Weir has no broker loggers to describe.");
    default:
      return errorFields(KafkaErrors.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}: Weir describes TOPIC (2) and BROKER (4) resources.`);
  }
}

/** One row in the response's shape; fields a version lacks are left out by the encoder. */
function entry(row: ConfigRow, includeSynonyms: boolean, includeDocumentation: boolean): ConfigEntry {
  return {
    name: row.name,
    value: row.value,
    readOnly: row.readOnly,
    isDefault: row.source === ConfigSource.DEFAULT_CONFIG,
    configSource: row.source,
    isSensitive: false,
    synonyms: includeSynonyms ? row.synonyms : [],
    configType: row.type,
    documentation: includeDocumentation ? row.documentation : null,
  };
}
