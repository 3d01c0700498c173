/**
 * ListOffsets (key 2), versions 0-7.
 *
 * The timestamp selects: -1 the latest offset (the high watermark), -2 the earliest (log start),
 * -3 (v7+) the offset of the record with the largest timestamp, and any other value ≥ 0 the
 * earliest offset whose timestamp is ≥ it — or offset -1 / timestamp -1 when none is, which is
 * what kafka-python's offsets_for_times reports as None. v0 answers in the old list form,
 * holding the one offset found.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { ResponseInputOf } from "../../protocol/messages/index.js";
import type { TimestampOffset } from "../../log/index.js";
import type { ApiHandler } from "../dispatch.js";
import { kafkaErrorCodeOf } from "../errors.js";
import type { BrokerState } from "../state.js";

type PartitionAnswer = NonNullable<NonNullable<ResponseInputOf<typeof ApiKey.ListOffsets>["topics"]>[number]["partitions"]>[number];

/** Kafka's special timestamps. */
export const ListOffsetsTimestamp = { latest: -1, earliest: -2, maxTimestamp: -3 } as const;

function answer(partitionIndex: number, errorCode: number, found: TimestampOffset | null): PartitionAnswer {
  const offset = found?.offset ?? -1;
  return {
    partitionIndex,
    errorCode,
    oldStyleOffsets: offset >= 0 ? [offset] : [],
    timestamp: found?.timestamp ?? -1,
    offset,
    leaderEpoch: found === null ? -1 : 0,
  };
}

function lookup(state: BrokerState, topic: string, partition: number, timestamp: number, version: number): PartitionAnswer {
  if (!state.log.hasTopic(topic) || partition < 0 || partition >= state.log.describeTopic(topic).partitions) {
    return answer(partition, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, null);
  }
  try {
    const log = state.log.partition(topic, partition);
    switch (timestamp) {
      case ListOffsetsTimestamp.latest:
        return answer(partition, KafkaErrors.NONE.code, { offset: log.highWatermark(), timestamp: -1 });
      case ListOffsetsTimestamp.earliest:
        return answer(partition, KafkaErrors.NONE.code, { offset: log.logStartOffset(), timestamp: -1 });
      case ListOffsetsTimestamp.maxTimestamp:
        if (version < 7) break;
        return answer(partition, KafkaErrors.NONE.code, log.maxTimestampOffset() ?? { offset: -1, timestamp: -1 });
      default:
        if (timestamp >= 0) return answer(partition, KafkaErrors.NONE.code, log.offsetForTimestamp(timestamp));
    }
    return answer(partition, KafkaErrors.INVALID_REQUEST.code, null);
  } catch (e) {
    return answer(partition, kafkaErrorCodeOf(e), null);
  }
}

/** The ListOffsets handler. */
export const listOffsetsHandler: ApiHandler<typeof ApiKey.ListOffsets, BrokerState> = {
  apiKey: ApiKey.ListOffsets,
  minVersion: 0,
  maxVersion: 7,
  handle(state, req, version) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => lookup(state, t.name, p.partitionIndex, p.timestamp, version)),
      })),
    };
  },
};
