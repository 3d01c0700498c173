/**
 * IncrementalAlterConfigs (key 44), versions 0-1 implemented and advertised.
 *
 * TOPIC resources: each config names an operation — SET (0) a value, DELETE (1) the override
 * (back to the default), APPEND (2) or SUBTRACT (3) items of a list key (cleanup.policy; other
 * keys answer INVALID_CONFIG, as Kafka does). A resource's changes are checked together and
 * applied together through the log, or not at all; validateOnly checks without applying. Every
 * key the log knows may be changed; an unknown key or a bad value is INVALID_CONFIG with the
 * log's message, a key given twice INVALID_REQUEST, an unknown topic UNKNOWN_TOPIC_OR_PARTITION.
 * BROKER resources answer INVALID_REQUEST: Weir's broker config is static (file and flags).
 */
import { parseTopicConfig, topicConfigEntries, topicConfigKeys } from "../../log/index.js";
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { RequestOf, ResponseInputOf } from "../../protocol/messages/index.js";
import type { ApiHandler } from "../dispatch.js";
import { errorMessageOf } from "../errors.js";
import type { BrokerState } from "../state.js";
import { ConfigResourceType, NO_ERROR, duplicates, errorFields, isListTopicKey, thrownErrorFields, withTopicLock } from "./admin-common.js";
import type { ErrorFields } from "./admin-common.js";

type Resource = RequestOf<typeof ApiKey.IncrementalAlterConfigs>["resources"][number];
type ResourceResult = NonNullable<ResponseInputOf<typeof ApiKey.IncrementalAlterConfigs>["responses"]>[number];

/** Kafka's AlterConfigOp.OpType ids. */
const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** The IncrementalAlterConfigs handler; see the module comment. */
export const incrementalAlterConfigsHandler: ApiHandler<typeof ApiKey.IncrementalAlterConfigs, BrokerState> = {
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(state, req) {
    const dup = duplicates(req.resources.map((r) => `${r.resourceType}:${r.resourceName}`));
    const responses = await Promise.all(
      req.resources.map(async (r): Promise<ResourceResult> => {
        const base = { resourceType: r.resourceType, resourceName: r.resourceName };
        if (dup.has(`${r.resourceType}:${r.resourceName}`)) return { ...base, ...errorFields(KafkaErrors.INVALID_REQUEST, "Each resource may appear only once in a request.") };
        return { ...base, ...(await alter(state, r, req.validateOnly)) };
      }),
    );
    return { throttleTimeMs: 0, responses };
  },
};

async function alter(state: BrokerState, r: Resource, validateOnly: boolean): Promise<ErrorFields> {
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC:
      break;
    case ConfigResourceType.BROKER:
    case ConfigResourceType.BROKER_LOGGER:
      return errorFields(KafkaErrors.INVALID_REQUEST, "Broker configs are static in Weir: set them in the config file or on the command line and restart the broker.");
    default:
      return errorFields(KafkaErrors.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}: Weir alters TOPIC (2) resources.`);
  }
  const name = r.resourceName;
  if (name === "") return errorFields(KafkaErrors.INVALID_REQUEST, "Default topic resources are not allowed.");
  if (duplicates(r.configs.map((c) => c.name)).size > 0) return errorFields(KafkaErrors.INVALID_REQUEST, "Error due to duplicate config keys");

  return withTopicLock(state, name, async () => {
    if (!state.log.hasTopic(name)) return errorFields(KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    const desc = state.log.describeTopic(name);
    const current = new Map(topicConfigEntries(desc.config).map((e) => [e.name, e.value]));
    const changes: Record<string, string | null> = {};
    for (const c of r.configs) {
      const change = changeOf(c, current);
      if (typeof change !== "string" && change !== null) return change;
      changes[c.name] = change;
    }
    // Check the whole resulting override set at once, as the log will apply it.
    const next: Record<string, string> = { ...desc.overrides };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    try {
      parseTopicConfig(next);
    } catch (e) {
      return errorFields(KafkaErrors.INVALID_CONFIG, errorMessageOf(e));
    }
    if (validateOnly) return NO_ERROR;
    try {
      await state.log.alterTopicConfig(name, changes);
      return NO_ERROR;
    } catch (e) {
      return thrownErrorFields(e);
    }
  });
}

/** The new value of one key (null: back to the default), or the error of its operation. */
function changeOf(c: Resource["configs"][number], current: ReadonlyMap<string, string>): string | null | ErrorFields {
  switch (c.configOperation) {
    case OpType.SET:
      if (c.value === null) return errorFields(KafkaErrors.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
      return c.value;
    case OpType.DELETE:
      // Kafka ignores the deletion of a key that has no override, known or not.
      return null;
    case OpType.APPEND:
    case OpType.SUBTRACT: {
      const op = c.configOperation === OpType.APPEND ? "APPEND" : "SUBTRACT";
      if (!topicConfigKeys.includes(c.name)) return errorFields(KafkaErrors.INVALID_CONFIG, `unknown topic config ${c.name}; known keys: ${topicConfigKeys.join(", ")}`);
      if (!isListTopicKey(c.name)) return errorFields(KafkaErrors.INVALID_CONFIG, `Can't ${op} to key ${c.name} because its type is not LIST.`);
      if (c.value === null) return errorFields(KafkaErrors.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
      const items = splitList(current.get(c.name) ?? "");
      for (const v of splitList(c.value)) {
        const at = items.indexOf(v);
        if (c.configOperation === OpType.APPEND && at < 0) items.push(v);
        if (c.configOperation === OpType.SUBTRACT && at >= 0) items.splice(at, 1);
      }
      return items.join(",");
    }
    default:
      return errorFields(KafkaErrors.INVALID_REQUEST, `Unknown alter config operation ${c.configOperation} for ${c.name}: use 0 SET, 1 DELETE, 2 APPEND or 3 SUBTRACT.`);
  }
}

function splitList(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
