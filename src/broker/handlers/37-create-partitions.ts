/**
 * CreatePartitions (key 37), versions 0-3 implemented and advertised.
 *
 * `count` is the topic's new total. As Apache Kafka answers: an unknown topic is
 * UNKNOWN_TOPIC_OR_PARTITION; a count not above the current one INVALID_PARTITIONS ("Topic
 * currently has 3 partitions, which is higher than the requested 2.", "Topic already has 3
 * partition(s)."); assignments, when given, must list one replica list per new partition, each
 * this node only (else INVALID_REPLICA_ASSIGNMENT) — they are then ignored, every partition
 * lives here. A name given twice gets one INVALID_REQUEST. validateOnly checks and changes
 * nothing. Every requested topic is in the response: admin tools wait for each one.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { RequestOf, ResponseInputOf } from "../../protocol/messages/index.js";
import { logLimits } from "../../util/limits.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";
import { NO_ERROR, duplicates, errorFields, replicaListProblem, thrownErrorFields, withTopicLock } from "./admin-common.js";
import type { ErrorFields } from "./admin-common.js";

type PartitionsTopic = RequestOf<typeof ApiKey.CreatePartitions>["topics"][number];
type TopicResult = NonNullable<ResponseInputOf<typeof ApiKey.CreatePartitions>["results"]>[number];

/** The CreatePartitions handler; see the module comment. */
export const createPartitionsHandler: ApiHandler<typeof ApiKey.CreatePartitions, BrokerState> = {
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(state, req) {
    const dup = duplicates(req.topics.map((t) => t.name));
    const reported = new Set<string>();
    const results = await Promise.all(
      req.topics.map(async (t): Promise<TopicResult | null> => {
        if (dup.has(t.name)) {
          if (reported.has(t.name)) return null;
          reported.add(t.name);
          return { name: t.name, ...errorFields(KafkaErrors.INVALID_REQUEST, "Duplicate topic name.") };
        }
        return { name: t.name, ...(await withTopicLock(state, t.name, () => grow(state, t, req.validateOnly))) };
      }),
    );
    return { throttleTimeMs: 0, results: results.filter((r): r is TopicResult => r !== null) };
  },
};

async function grow(state: BrokerState, t: PartitionsTopic, validateOnly: boolean): Promise<ErrorFields> {
  if (!state.log.hasTopic(t.name)) return errorFields(KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION);
  const current = state.log.describeTopic(t.name).partitions;
  if (t.count < current) return errorFields(KafkaErrors.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${t.count}.`);
  if (t.count === current) return errorFields(KafkaErrors.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
  if (t.count > logLimits.partitionsPerTopicMax) {
    return errorFields(KafkaErrors.INVALID_PARTITIONS, `Number of partitions ${t.count} is above Weir's limit of ${logLimits.partitionsPerTopicMax} per topic.`);
  }
  if (t.assignments !== null) {
    const added = t.count - current;
    if (t.assignments.length !== added) {
      return errorFields(KafkaErrors.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${added} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`);
    }
    for (const a of t.assignments) {
      // Existing partitions have one replica, so new ones must too.
      const problem = replicaListProblem(a.brokerIds, state.config.nodeId, 1);
      if (problem !== null) return errorFields(KafkaErrors.INVALID_REPLICA_ASSIGNMENT, problem);
    }
  }
  if (validateOnly) return NO_ERROR;
  try {
    await state.log.addPartitions(t.name, t.count);
    return NO_ERROR;
  } catch (e) {
    return thrownErrorFields(e);
  }
}
