/**
 * Produce (key 0), versions 0-9.
 *
 * Advertised from version 0 as Kafka 4 does: librdkafka picks its compression codecs from the
 * overlap of advertised ranges (KAFKA-18659), but only magic v2 record batches are accepted —
 * older message formats get UNSUPPORTED_FOR_MESSAGE_FORMAT. Each partition carries exactly one
 * batch, appended byte-for-byte. Idempotent batches (producerId ≥ 0) pass the sequence rules of
 * producer-state.ts; a retried batch is acknowledged with its original offsets. acks=0 requests
 * get no response.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { ResponseInputOf } from "../../protocol/messages/index.js";
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, isTransactional, readBatchHeader, setPartitionLeaderEpoch, type BatchHeader } from "../../protocol/records/index.js";
import type { AppendResult } from "../../log/index.js";
import { isInternalTopic } from "../coordinator/index.js";
import type { ApiHandler } from "../dispatch.js";
import { errorMessageOf, kafkaErrorCodeOf } from "../errors.js";
import { checkSequence, lastSequenceOf, producerStateOf, recordBatch, type ProducerEntry } from "../producer-state.js";
import type { BrokerState } from "../state.js";

type PartitionResponse = NonNullable<NonNullable<ResponseInputOf<typeof ApiKey.Produce>["responses"]>[number]["partitionResponses"]>[number];

const MAGIC_OFFSET = 16;
/**
 * The leader epoch of every partition: one node that never changes leadership stays in epoch 0,
 * which Metadata reports too. Kafka stamps it into each appended batch's partitionLeaderEpoch
 * (outside the CRC); the Java consumer hands it out as ConsumerRecord.leaderEpoch() and commits it.
 */
const LEADER_EPOCH = 0;

function fail(index: number, errorCode: number, errorMessage: string): PartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage };
}


/** Appends one partition's records, applying the idempotence rules; never throws. */
async function producePartition(state: BrokerState, topic: string, index: number, records: Buffer | null, acks: number): Promise<PartitionResponse> {
  if (records === null || records.length < BATCH_HEADER_BYTES) {
    return fail(index, KafkaErrors.CORRUPT_MESSAGE.code, `partition ${index}: records are missing or shorter than a batch header`);
  }
  if (records[MAGIC_OFFSET] !== 2) {
    return fail(index, KafkaErrors.UNSUPPORTED_FOR_MESSAGE_FORMAT.code, `message format v${records[MAGIC_OFFSET]} is not supported; use record batches (magic 2)`);
  }
  let header: BatchHeader;
  try {
    header = readBatchHeader(records, 0);
  } catch (e) {
    return fail(index, kafkaErrorCodeOf(e), errorMessageOf(e));
  }
  if (header.batchLength + BATCH_LOG_OVERHEAD !== records.length) {
    return fail(index, KafkaErrors.INVALID_RECORD.code, "a produce request must carry exactly one record batch per partition");
  }
  if (isTransactional(header.attributes)) {
    return fail(index, KafkaErrors.INVALID_TXN_STATE.code, "transactional produce is not supported by this broker yet");
  }
  if (isInternalTopic(topic)) {
    // Only the coordinator writes its own topic (Kafka: "Cannot append to internal topic").
    return fail(index, KafkaErrors.INVALID_TOPIC_EXCEPTION.code, `cannot produce to internal topic ${topic}`);
  }
  if (!(await state.ensureTopic(topic))) {
    return fail(index, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, `unknown topic ${topic}`);
  }
  const description = state.log.hasTopic(topic) ? state.log.describeTopic(topic) : null;
  if (description === null || index < 0 || index >= description.partitions) {
    return fail(index, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, `topic ${topic} has no partition ${index}`);
  }
  const log = state.log.partition(topic, index);
  if (acks === -1 && log.config.minInsyncReplicas > 1) {
    // One node is one in-sync replica: acks=all cannot be met, as on a Kafka cluster short of ISRs.
    return fail(index, KafkaErrors.NOT_ENOUGH_REPLICAS.code, `min.insync.replicas=${log.config.minInsyncReplicas} of ${topic} cannot be met by this one-node broker (1 in-sync replica)`);
  }
  const idempotent = header.producerId >= 0 && header.baseSequence >= 0;
  let producers: Map<number, ProducerEntry> | undefined;
  const firstSeq = header.baseSequence;
  const lastSeq = lastSequenceOf(header.baseSequence, header.lastOffsetDelta + 1);
  if (idempotent) {
    try {
      producers = producerStateOf(state.producers, log);
    } catch (e) {
      return fail(index, kafkaErrorCodeOf(e), errorMessageOf(e));
    }
    const decision = checkSequence(producers.get(header.producerId), header.producerEpoch, firstSeq, lastSeq);
    if (decision.kind === "reject") return fail(index, decision.errorCode, decision.message);
    if (decision.kind === "duplicate") {
      return {
        index,
        errorCode: KafkaErrors.NONE.code,
        baseOffset: decision.batch.firstOffset,
        logAppendTimeMs: decision.batch.logAppendTime,
        logStartOffset: log.logStartOffset(),
        recordErrors: [],
        errorMessage: null,
      };
    }
  }
  // The log assigns offsets synchronously inside append() before its first await, so the
  // sequence check above and the state update below see no other append in between.
  setPartitionLeaderEpoch(records, 0, LEADER_EPOCH);
  const before = log.logEndOffset();
  const pending = log.append(records);
  if (producers !== undefined && log.logEndOffset() > before) {
    const lastOffset = log.logEndOffset() - 1;
    producers.set(
      header.producerId,
      recordBatch(producers.get(header.producerId), header.producerEpoch, { firstSeq, lastSeq, firstOffset: before, lastOffset, logAppendTime: -1 }),
    );
  }
  let result: AppendResult;
  try {
    result = await pending;
  } catch (e) {
    return fail(index, kafkaErrorCodeOf(e), errorMessageOf(e));
  }
  if (producers !== undefined && result.logAppendTime >= 0) {
    const entry = producers.get(header.producerId);
    const meta = entry?.batches.find((b) => b.firstOffset === result.baseOffset);
    if (meta !== undefined) meta.logAppendTime = result.logAppendTime;
  }
  return {
    index,
    errorCode: KafkaErrors.NONE.code,
    baseOffset: result.baseOffset,
    logAppendTimeMs: result.logAppendTime,
    logStartOffset: result.logStartOffset,
    recordErrors: [],
    errorMessage: null,
  };
}

/** The Produce handler. */
export const produceHandler: ApiHandler<typeof ApiKey.Produce, BrokerState> = {
  apiKey: ApiKey.Produce,
  minVersion: 0,
  maxVersion: 9,
  async handle(state, req) {
    const responses = await Promise.all(
      req.topicData.map(async (t) => ({
        name: t.name,
        partitionResponses: await Promise.all(t.partitionData.map((p) => producePartition(state, t.name, p.index, p.records, req.acks))),
      })),
    );
    if (req.acks === 0) return null;
    return { responses, throttleTimeMs: 0 };
  },
};
