/**
 * CreateTopics (key 19), versions 0-7 implemented and advertised.
 *
 * Answers as Apache Kafka 4's controller does, topic by topic (errors are per topic):
 * - a name given twice in one request gets one INVALID_REQUEST "Duplicate topic name." and is
 *   not created; a name Kafka refuses gets INVALID_TOPIC_EXCEPTION, an existing one
 *   TOPIC_ALREADY_EXISTS, one differing from an existing topic only by '.' versus '_'
 *   INVALID_TOPIC_EXCEPTION;
 * - numPartitions -1 means the broker default (num.partitions); 0 or below -1 is
 *   INVALID_PARTITIONS. replicationFactor -1 or 1 is accepted (one node keeps one copy), 0 or
 *   below -1 and anything above 1 is INVALID_REPLICATION_FACTOR;
 * - manual assignments need numPartitions and replicationFactor -1 (else INVALID_REQUEST), give
 *   the partition count, and must be partitions 0..n-1 each replicated on this node only
 *   (else INVALID_REPLICA_ASSIGNMENT);
 * - configs become topic overrides; an unknown key or a bad value is INVALID_CONFIG with the
 *   log's message, which names the key and what it accepts;
 * - validateOnly checks all of the above and creates nothing.
 * From v5 a created topic comes back with its partition count, replication factor and every
 * config with its source; from v7 with its topic id.
 */
import { parseTopicConfig, topicConfigEntries, topicConfigOverrides } from "../../log/index.js";
import type { TopicConfig } from "../../log/index.js";
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { RequestOf, ResponseInputOf } from "../../protocol/messages/index.js";
import { ZERO_UUID } from "../../protocol/schema/index.js";
import { logLimits } from "../../util/limits.js";
import { isWeirError } from "../../util/errors.js";
import type { ApiHandler } from "../dispatch.js";
import { errorMessageOf } from "../errors.js";
import type { BrokerState } from "../state.js";
import { NO_ERROR, collidingTopic, duplicates, errorFields, replicaListProblem, thrownErrorFields, topicConfigRows, topicNameProblem, withTopicLock } from "./admin-common.js";
import type { ErrorFields } from "./admin-common.js";

type Request = RequestOf<typeof ApiKey.CreateTopics>;
type CreatableTopic = Request["topics"][number];
type TopicResult = NonNullable<ResponseInputOf<typeof ApiKey.CreateTopics>["topics"]>[number];

/** Kafka's KRaft metadata log; its name is reserved. */
const CLUSTER_METADATA_TOPIC = "__cluster_metadata";

/** What a topic will be created with, once every check passed. */
interface Plan {
  partitions: number;
  overrides: Record<string, string>;
  config: TopicConfig;
}

/** The CreateTopics handler; see the module comment. */
export const createTopicsHandler: ApiHandler<typeof ApiKey.CreateTopics, BrokerState> = {
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(state, req) {
    const dup = duplicates(req.topics.map((t) => t.name));
    const reported = new Set<string>();
    const results = await Promise.all(
      req.topics.map(async (t): Promise<TopicResult | null> => {
        if (!dup.has(t.name)) return createOne(state, t, req.validateOnly);
        if (reported.has(t.name)) return null;
        reported.add(t.name);
        return failed(t.name, errorFields(KafkaErrors.INVALID_REQUEST, "Duplicate topic name."));
      }),
    );
    return { throttleTimeMs: 0, topics: results.filter((r): r is TopicResult => r !== null) };
  },
};

function failed(name: string, error: ErrorFields): TopicResult {
  return { name, topicId: ZERO_UUID, ...error, numPartitions: -1, replicationFactor: -1, configs: [] };
}

async function createOne(state: BrokerState, t: CreatableTopic, validateOnly: boolean): Promise<TopicResult> {
  const plan = planTopic(state, t);
  if ("errorCode" in plan) return failed(t.name, plan);
  if (validateOnly) return created(t.name, ZERO_UUID, plan.partitions, plan.config, topicConfigOverrides(plan.config));

  const exists = (): TopicResult => failed(t.name, errorFields(KafkaErrors.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`));
  return withTopicLock(state, t.name, async () => {
    // Another request may have created it while this one waited for the lock.
    if (state.log.hasTopic(t.name)) return exists();
    try {
      const desc = await state.createTopic(t.name, plan.partitions, plan.overrides);
      // BrokerState joins a creation already under way (an auto-create from Metadata); if that
      // one is not what was asked for, the topic was someone else's.
      if (desc.partitions !== plan.partitions || !sameValues(desc.config, plan.config, Object.keys(plan.overrides))) return exists();
      return created(t.name, state.topicId(t.name), desc.partitions, desc.config, desc.overrides);
    } catch (e) {
      return isWeirError(e, "ALREADY_EXISTS") ? exists() : failed(t.name, thrownErrorFields(e));
    }
  });
}

function created(name: string, topicId: string, partitions: number, config: TopicConfig, overrides: Record<string, string>): TopicResult {
  return {
    name,
    topicId,
    ...NO_ERROR,
    topicConfigErrorCode: KafkaErrors.NONE.code,
    numPartitions: partitions,
    replicationFactor: 1,
    configs: topicConfigRows(config, overrides).map((r) => ({ name: r.name, value: r.value, readOnly: r.readOnly, configSource: r.source, isSensitive: false })),
  };
}

/** True when `a` and `b` show the same value for every key of `keys`. */
function sameValues(a: TopicConfig, b: TopicConfig, keys: readonly string[]): boolean {
  const av = new Map(topicConfigEntries(a).map((e) => [e.name, e.value]));
  const bv = new Map(topicConfigEntries(b).map((e) => [e.name, e.value]));
  return keys.every((k) => av.get(k) === bv.get(k));
}

/** Every check of the module comment, in Kafka's order; the plan or the error. */
function planTopic(state: BrokerState, t: CreatableTopic): Plan | ErrorFields {
  const nameProblem = topicNameProblem(t.name);
  if (nameProblem !== null) return errorFields(KafkaErrors.INVALID_TOPIC_EXCEPTION, nameProblem);
  if (t.name === CLUSTER_METADATA_TOPIC) return errorFields(KafkaErrors.INVALID_REQUEST, `Creation of internal topic ${CLUSTER_METADATA_TOPIC} is prohibited.`);
  if (state.log.hasTopic(t.name)) return errorFields(KafkaErrors.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
  const other = collidingTopic(state, t.name);
  if (other !== undefined) return errorFields(KafkaErrors.INVALID_TOPIC_EXCEPTION, `Topic '${t.name}' collides with existing topic: ${other}`);

  const overrides: Record<string, string> = {};
  for (const c of t.configs) {
    if (c.value === null) return errorFields(KafkaErrors.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
    overrides[c.name] = c.value; // Kafka keeps the last of a key given twice.
  }
  let config: TopicConfig;
  try {
    config = parseTopicConfig(overrides);
  } catch (e) {
    return errorFields(KafkaErrors.INVALID_CONFIG, errorMessageOf(e));
  }

  const partitions = partitionCount(state, t);
  if (typeof partitions !== "number") return partitions;
  if (partitions > logLimits.partitionsPerTopicMax) {
    return errorFields(KafkaErrors.INVALID_PARTITIONS, `Number of partitions ${partitions} is above Weir's limit of ${logLimits.partitionsPerTopicMax} per topic.`);
  }
  return { partitions, overrides, config };
}

/** The partition count a topic asks for (explicitly, by default or by assignments), or the error. */
function partitionCount(state: BrokerState, t: CreatableTopic): number | ErrorFields {
  if (t.assignments.length > 0) {
    if (t.replicationFactor !== -1) return errorFields(KafkaErrors.INVALID_REQUEST, "A manual partition assignment was specified, but replication factor was not set to -1.");
    if (t.numPartitions !== -1) return errorFields(KafkaErrors.INVALID_REQUEST, "A manual partition assignment was specified, but numPartitions was not set to -1.");
    const assigned = new Set<number>();
    let replicas: number | undefined;
    for (const a of t.assignments) {
      if (assigned.has(a.partitionIndex)) return errorFields(KafkaErrors.INVALID_REPLICA_ASSIGNMENT, `Found multiple manual partition assignments for partition ${a.partitionIndex}`);
      const problem = replicaListProblem(a.brokerIds, state.config.nodeId, replicas);
      if (problem !== null) return errorFields(KafkaErrors.INVALID_REPLICA_ASSIGNMENT, problem);
      replicas = a.brokerIds.length;
      assigned.add(a.partitionIndex);
    }
    for (let p = 0; p < assigned.size; p++) {
      if (!assigned.has(p)) return errorFields(KafkaErrors.INVALID_REPLICA_ASSIGNMENT, "partitions should be a consecutive 0-based integer sequence");
    }
    return assigned.size;
  }
  if (t.numPartitions === 0 || t.numPartitions < -1) return errorFields(KafkaErrors.INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive value.");
  if (t.replicationFactor === 0 || t.replicationFactor < -1) {
    return errorFields(KafkaErrors.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0, or -1 to use the default value.");
  }
  if (t.replicationFactor > 1) {
    return errorFields(
      KafkaErrors.INVALID_REPLICATION_FACTOR,
      `Unable to replicate the partition ${t.replicationFactor} time(s): The target replication factor of ${t.replicationFactor} cannot be reached because only 1 broker(s) are registered.`,
    );
  }
  return t.numPartitions === -1 ? state.config.defaultPartitions : t.numPartitions;
}
