/**
 * Writing the records of one request through a {@link LogClient}: resolve (or create) the topic,
 * give every record a partition, build one record batch per partition, append the batches, and
 * map the offsets back to the records in request order.
 *
 * Guarantees: every check that can fail on the request's content runs before the first append.
 * The records a request sends to one partition are one batch, so they are appended atomically
 * (all or none) and contiguously, in request order, even when requests run concurrently. Batches
 * of different partitions are appended independently: if the log refuses one (a topic config
 * the server cannot see, such as max.message.bytes, or an I/O fault), the others may already be
 * written, and the answer says per record which were.
 */
import type { LogClient, LogTopicInfo } from "../../client/log-client.js";
import { partitionForKey } from "../../client/partitioner.js";
import { checkTopicName } from "../../log/index.js";
import { buildBatch } from "../../protocol/records/index.js";
import { isWeirError } from "../../util/errors.js";
import { IngestError } from "./errors.js";
import type { IngestRecord } from "./parse.js";

/** How a topic that does not exist is handled. */
export interface TopicPolicy {
  readonly autoCreateTopics: boolean;
  readonly partitionsOnCreate: number;
}

/** Where one record was written (Confluent v2's per-record `offsets` entry). */
export interface RecordResult {
  partition: number;
  offset: number | null;
  timestamp: number | null;
  /** Present only when this record's batch was not written. */
  error_code?: number;
  error?: string;
}

/** What a produce request did: per-record results in request order, and the first failure. */
export interface ProduceOutcome {
  readonly offsets: RecordResult[];
  readonly failure: IngestError | null;
}

/** Refuses names Kafka refuses, before any I/O. */
export function checkIngestTopic(topic: string): void {
  try {
    checkTopicName(topic);
  } catch (e) {
    if (isWeirError(e)) throw new IngestError("INVALID_TOPIC", e.message);
    throw e;
  }
}

/** The topic's description, creating it first when it is missing and the policy allows. */
export async function resolveTopic(client: LogClient, topic: string, policy: TopicPolicy): Promise<LogTopicInfo> {
  const found = (await client.describeTopics([topic])).get(topic);
  if (found !== undefined) return checkNotInternal(found);
  if (!policy.autoCreateTopics) throw new IngestError("TOPIC_NOT_FOUND", `topic ${topic} does not exist (automatic topic creation is off)`);
  try {
    await client.createTopic(topic, policy.partitionsOnCreate);
  } catch (e) {
    // Another request may have created it first; anything else means this client cannot create it.
    if (!isWeirError(e, "ALREADY_EXISTS")) {
      throw new IngestError("TOPIC_NOT_FOUND", `topic ${topic} does not exist and could not be created: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  const created = (await client.describeTopics([topic])).get(topic);
  if (created === undefined) throw new IngestError("TOPIC_NOT_FOUND", `topic ${topic} was created but is not visible yet; retry the request`);
  return checkNotInternal(created);
}

function checkNotInternal(info: LogTopicInfo): LogTopicInfo {
  if (info.internal) throw new IngestError("INVALID_TOPIC", `topic ${info.name} is internal; records cannot be written to it over HTTP`);
  return info;
}

/**
 * The partition of every record: its own when given (checked against the topic), Kafka's
 * murmur2 partitioner for keyed records, and `keylessPartition` for the keyless ones, so that the
 * keyless records of one request stay together in one batch (Kafka's sticky partitioner does
 * the same per batch).
 */
export function assignPartitions(records: readonly IngestRecord[], topic: LogTopicInfo, keylessPartition: number): number[] {
  return records.map((r, i) => {
    if (r.partition !== null) {
      if (r.partition >= topic.partitions) {
        throw new IngestError("PARTITION_NOT_FOUND", `record ${i}: field "partition" is ${r.partition}, but topic ${topic.name} has partitions 0..${topic.partitions - 1}`);
      }
      return r.partition;
    }
    return r.key === null ? keylessPartition : partitionForKey(r.key, topic.partitions);
  });
}

/** The answer for a log error: the log refused the content (422), the topic vanished (404), or a fault (500). */
function produceError(e: unknown, topic: string, partition: number): IngestError {
  const why = e instanceof Error ? e.message : String(e);
  if (isWeirError(e) && (e.code === "LIMIT_EXCEEDED" || e.code === "INVALID_RECORD" || e.code === "INVALID_TIMESTAMP" || e.code === "CORRUPT_BATCH")) {
    return new IngestError("RECORDS_REJECTED", `the log refused the records for ${topic}-${partition}: ${why}`, { cause: e });
  }
  if (isWeirError(e, "NOT_FOUND")) return new IngestError("TOPIC_NOT_FOUND", `writing to ${topic}-${partition} failed: ${why}`, { cause: e });
  return new IngestError("LOG_ERROR", `writing to ${topic}-${partition} failed: ${why}`, { cause: e });
}

/**
 * Builds one batch per partition (all of them before the first append, so a batch that cannot
 * be built fails the request with nothing written), appends them concurrently and collects
 * per-record offsets and timestamps in request order.
 */
export async function writeRecords(client: LogClient, topic: string, records: readonly IngestRecord[], partitions: readonly number[], now: number): Promise<ProduceOutcome> {
  const byPartition = new Map<number, number[]>();
  partitions.forEach((p, i) => {
    const list = byPartition.get(p);
    if (list === undefined) byPartition.set(p, [i]);
    else list.push(i);
  });
  const batches = [...byPartition].map(([partition, indexes]) => {
    try {
      const batch = buildBatch(
        indexes.map((i) => ({ key: records[i].key, value: records[i].value, headers: records[i].headers, timestamp: records[i].timestamp ?? now })),
        { now },
      );
      return { partition, indexes, batch };
    } catch (e) {
      throw produceError(e, topic, partition);
    }
  });
  const settled = await Promise.allSettled(batches.map((b) => client.produce(topic, b.partition, b.batch)));
  const offsets = new Array<RecordResult>(records.length);
  let failure: IngestError | null = null;
  settled.forEach((s, n) => {
    const { partition, indexes } = batches[n];
    if (s.status === "fulfilled") {
      indexes.forEach((i, delta) => {
        const timestamp = s.value.logAppendTime >= 0 ? s.value.logAppendTime : (records[i].timestamp ?? now);
        offsets[i] = { partition, offset: s.value.baseOffset + delta, timestamp };
      });
      return;
    }
    const err = produceError(s.reason, topic, partition);
    failure ??= err;
    for (const i of indexes) offsets[i] = { partition, offset: null, timestamp: null, error_code: err.errorCode, error: err.message };
  });
  return { offsets, failure: failure === null ? null : partialFailure(failure, offsets) };
}

/** The first failure, its message saying how much of the request was written anyway. */
function partialFailure(first: IngestError, offsets: readonly RecordResult[]): IngestError {
  const written = offsets.filter((o) => o.offset !== null).length;
  if (written === 0) return first;
  return new IngestError(first.kind, `${first.message} (${written} of ${offsets.length} records, those of other partitions, were written: see "offsets")`, { cause: first });
}
