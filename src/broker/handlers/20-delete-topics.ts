/**
 * DeleteTopics (key 20), versions 0-6 implemented and advertised.
 *
 * v0-5 name topics in TopicNames; v6 in Topics, each by name or by id (not both). As Apache
 * Kafka 4's controller answers: a name or id given twice gets one INVALID_REQUEST and is not
 * deleted; an unknown name UNKNOWN_TOPIC_OR_PARTITION, an unknown id UNKNOWN_TOPIC_ID; a name
 * whose topic was also given by id INVALID_REQUEST. A deleted topic's id and producer state are
 * forgotten, so Produce and Fetch then answer UNKNOWN_TOPIC_OR_PARTITION and a topic created
 * again under the name gets a new id.
 */
import { isInternalTopic } from "../coordinator/index.js";
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { ResponseInputOf } from "../../protocol/messages/index.js";
import { ZERO_UUID } from "../../protocol/schema/index.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";
import { NO_ERROR, duplicates, errorFields, thrownErrorFields, withTopicLock } from "./admin-common.js";
import type { ErrorFields } from "./admin-common.js";

type TopicResult = NonNullable<ResponseInputOf<typeof ApiKey.DeleteTopics>["responses"]>[number];

/** One topic of the request, by name (id ZERO_UUID) or by id (name null). */
interface Deletion {
  name: string | null;
  topicId: string;
}

/** The DeleteTopics handler; see the module comment. */
export const deleteTopicsHandler: ApiHandler<typeof ApiKey.DeleteTopics, BrokerState> = {
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(state, req, version) {
    const asked: Deletion[] = version >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const dupNames = duplicates(asked.filter((d) => d.name !== null && d.topicId === ZERO_UUID).map((d) => d.name!));
    const dupIds = duplicates(asked.filter((d) => d.name === null && d.topicId !== ZERO_UUID).map((d) => d.topicId));
    const reported = new Set<string>();
    /** Topics to delete: name → id, so a name and an id of one topic delete it once. */
    const toDelete = new Map<string, string>();
    const byId = new Set<string>();
    const results: (TopicResult | { deleting: string })[] = [];
    const fail = (name: string | null, topicId: string, error: ErrorFields): void => {
      results.push({ name, topicId, ...error });
    };

    // Ids first, as Kafka resolves them before names.
    for (const d of asked) {
      if (d.name !== null || d.topicId === ZERO_UUID || dupIds.has(d.topicId)) continue;
      const name = state.topicNameById(d.topicId);
      if (name === undefined) fail(null, d.topicId, errorFields(KafkaErrors.UNKNOWN_TOPIC_ID));
      else byId.add(name);
    }
    for (const d of asked) {
      if (d.name === null && d.topicId === ZERO_UUID) {
        fail(null, ZERO_UUID, errorFields(KafkaErrors.INVALID_REQUEST, "Neither topic name nor id were specified."));
      } else if (d.name !== null && d.topicId !== ZERO_UUID) {
        fail(d.name, d.topicId, errorFields(KafkaErrors.INVALID_REQUEST, "You may not specify both topic name and topic id."));
      } else if (d.name === null) {
        if (dupIds.has(d.topicId)) {
          if (!reported.has(`id:${d.topicId}`)) fail(null, d.topicId, errorFields(KafkaErrors.INVALID_REQUEST, "Duplicate topic id."));
          reported.add(`id:${d.topicId}`);
          continue;
        }
        const name = state.topicNameById(d.topicId);
        if (name !== undefined && isInternalTopic(name)) {
          fail(name, d.topicId, errorFields(KafkaErrors.INVALID_TOPIC_EXCEPTION, `Cannot delete internal topic ${name}.`));
        } else if (name !== undefined && !toDelete.has(name)) {
          toDelete.set(name, d.topicId);
          results.push({ deleting: name });
        }
      } else if (dupNames.has(d.name)) {
        if (!reported.has(`name:${d.name}`)) fail(d.name, ZERO_UUID, errorFields(KafkaErrors.INVALID_REQUEST, "Duplicate topic name."));
        reported.add(`name:${d.name}`);
      } else if (!state.log.hasTopic(d.name)) {
        fail(d.name, ZERO_UUID, errorFields(KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION));
      } else if (isInternalTopic(d.name)) {
        fail(d.name, state.topicId(d.name), errorFields(KafkaErrors.INVALID_TOPIC_EXCEPTION, `Cannot delete internal topic ${d.name}.`));
      } else if (byId.has(d.name)) {
        fail(d.name, state.topicId(d.name), errorFields(KafkaErrors.INVALID_REQUEST, "The provided topic name maps to an ID that was already supplied."));
      } else {
        toDelete.set(d.name, state.topicId(d.name));
        results.push({ deleting: d.name });
      }
    }

    const outcomes = new Map<string, ErrorFields>();
    await Promise.all(
      [...toDelete.keys()].map((name) =>
        withTopicLock(state, name, async () => {
          try {
            await state.log.deleteTopic(name);
            state.producers.forgetTopic(name);
            // Kafka drops the committed offsets of a deleted topic.
            await state.groups.forgetTopic(name);
            outcomes.set(name, NO_ERROR);
          } catch (e) {
            outcomes.set(name, thrownErrorFields(e));
          }
        }),
      ),
    );
    return {
      throttleTimeMs: 0,
      responses: results.map((r) => ("deleting" in r ? { name: r.deleting, topicId: toDelete.get(r.deleting)!, ...outcomes.get(r.deleting)! } : r)),
    };
  },
};
