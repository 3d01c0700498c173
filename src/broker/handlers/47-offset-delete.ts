/**
 * OffsetDelete (key 47), version 0 (KIP-496).
 *
 * Deletes a group's committed offsets for some partitions. Partitions of unknown topics get
 * UNKNOWN_TOPIC_OR_PARTITION; of topics a live consumer group subscribes to,
 * GROUP_SUBSCRIBED_TO_TOPIC. A group-level error (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP for a live
 * group of another protocol type) leaves only the unknown-partition entries in the answer, as
 * in Kafka.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

/** True when the topic exists and has the partition. */
function partitionExists(state: BrokerState, topic: string, partition: number): boolean {
  return state.log.hasTopic(topic) && partition >= 0 && partition < state.log.describeTopic(topic).partitions;
}

/** The OffsetDelete handler. */
export const offsetDeleteHandler: ApiHandler<typeof ApiKey.OffsetDelete, BrokerState> = {
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(state, req) {
    const errors = new Map<string, { partitionIndex: number; errorCode: number }[]>();
    const add = (topic: string, partitionIndex: number, errorCode: number): void => {
      let list = errors.get(topic);
      if (list === undefined) errors.set(topic, (list = []));
      list.push({ partitionIndex, errorCode });
    };
    const known: { topic: string; partition: number }[] = [];
    for (const t of req.topics) {
      for (const p of t.partitions) {
        if (partitionExists(state, t.name, p.partitionIndex)) known.push({ topic: t.name, partition: p.partitionIndex });
        else add(t.name, p.partitionIndex, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code);
      }
    }
    // Asked even with no known partition: the group-level answer (GROUP_ID_NOT_FOUND) still counts.
    const r = await state.groups.deleteOffsets(req.groupId, known);
    r.partitions.forEach((code, i) => add(known[i].topic, known[i].partition, code));
    return { errorCode: r.errorCode, throttleTimeMs: 0, topics: [...errors].map(([name, partitions]) => ({ name, partitions })) };
  },
};
