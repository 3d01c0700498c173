/**
 * Metadata (key 3), versions 0-12.
 *
 * One broker leads every partition, with itself as the only replica. A null topic list (v1+), or
 * an empty one in v0, asks for every topic. Unknown topics are created with the default
 * partition count when auto-creation is on and the request allows it (v4+), as kcat and
 * librdkafka expect; otherwise they get UNKNOWN_TOPIC_OR_PARTITION. v10+ may name topics by id.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import { ZERO_UUID } from "../../protocol/schema/index.js";
import type { ResponseInputOf } from "../../protocol/messages/index.js";
import { checkTopicName } from "../../log/index.js";
import { isWeirError } from "../../util/errors.js";
import { isInternalTopic } from "../coordinator/index.js";
import type { ApiHandler } from "../dispatch.js";
import { kafkaErrorCodeOf } from "../errors.js";
import type { BrokerState } from "../state.js";

type MetadataTopic = NonNullable<ResponseInputOf<typeof ApiKey.Metadata>["topics"]>[number];

/** The Metadata answer for one existing topic. */
export function topicMetadata(state: BrokerState, name: string): MetadataTopic {
  const nodeId = state.config.nodeId;
  const count = state.log.describeTopic(name).partitions;
  return {
    errorCode: KafkaErrors.NONE.code,
    name,
    topicId: state.topicId(name),
    isInternal: isInternalTopic(name),
    partitions: Array.from({ length: count }, (_, p) => ({
      errorCode: KafkaErrors.NONE.code,
      partitionIndex: p,
      leaderId: nodeId,
      leaderEpoch: 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
  };
}

/** {@link topicMetadata}, or UNKNOWN_TOPIC_OR_PARTITION when the topic was deleted meanwhile. */
function safeTopicMetadata(state: BrokerState, name: string): MetadataTopic {
  try {
    return topicMetadata(state, name);
  } catch (e) {
    return errorTopic(name, isWeirError(e) ? kafkaErrorCodeOf(e) : KafkaErrors.UNKNOWN_SERVER_ERROR.code);
  }
}

function errorTopic(name: string | null, errorCode: number, topicId = ZERO_UUID): MetadataTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [] };
}

/** Resolves one requested name: existing, auto-created, or an error entry. */
async function resolveTopic(state: BrokerState, name: string, allowCreate: boolean): Promise<MetadataTopic> {
  if (state.log.hasTopic(name)) return safeTopicMetadata(state, name);
  try {
    checkTopicName(name);
  } catch {
    return errorTopic(name, KafkaErrors.INVALID_TOPIC_EXCEPTION.code);
  }
  if (!allowCreate) return errorTopic(name, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code);
  try {
    if (await state.ensureTopic(name)) return safeTopicMetadata(state, name);
    return errorTopic(name, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code);
  } catch (e) {
    return errorTopic(name, isWeirError(e) ? kafkaErrorCodeOf(e) : KafkaErrors.UNKNOWN_SERVER_ERROR.code);
  }
}

/** The Metadata handler. */
export const metadataHandler: ApiHandler<typeof ApiKey.Metadata, BrokerState> = {
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  async handle(state, req, version) {
    const all = req.topics === null || (version === 0 && req.topics.length === 0);
    const allowCreate = state.config.autoCreateTopics && (version < 4 || req.allowAutoTopicCreation);
    let topics: MetadataTopic[];
    if (all) {
      // Internal topics (__consumer_offsets) are answered only when asked for by name.
      topics = state.log.topics().filter((name) => !isInternalTopic(name)).sort().map((name) => topicMetadata(state, name));
    } else {
      topics = await Promise.all(
        (req.topics ?? []).map((t) => {
          if (t.name !== null) return resolveTopic(state, t.name, allowCreate);
          const name = state.topicNameById(t.topicId);
          return Promise.resolve(name === undefined ? errorTopic(null, KafkaErrors.UNKNOWN_TOPIC_ID.code, t.topicId) : safeTopicMetadata(state, name));
        }),
      );
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: state.config.nodeId, host: state.advertised.host, port: state.advertised.port, rack: null }],
      clusterId: state.config.clusterId,
      controllerId: state.config.nodeId,
      topics,
    };
  },
};
