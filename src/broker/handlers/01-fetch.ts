/**
 * Fetch (key 1), versions 4-16.
 *
 * Versions 0-3 are not advertised: they carry the pre-v2 message formats, which Weir does not
 * down-convert (Apache Kafka 4 dropped them too, KIP-896). From v13 topics are named by their id
 * (KIP-516), which the log keeps across restarts.
 *
 * Each partition returns whole batches from the one containing the fetch offset, up to
 * partition_max_bytes, within max_bytes for the response — except that the first non-empty
 * partition always returns at least one whole batch so a consumer can make progress past a
 * large one (Kafka's minOneMessage rule). With fewer than min_bytes available the request waits
 * up to max_wait_ms, woken by appends. Fetch sessions (KIP-227) are not kept: every answer has
 * session id 0, which clients take as "send full fetch requests".
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { RequestOf, ResponseInputOf } from "../../protocol/messages/index.js";
import type { PartitionLog } from "../../log/index.js";
import { fetchLimits } from "../../util/limits.js";
import type { ApiHandler } from "../dispatch.js";
import { kafkaErrorCodeOf } from "../errors.js";
import type { BrokerState } from "../state.js";

type FetchReq = RequestOf<typeof ApiKey.Fetch>;
type FetchTopicResponse = NonNullable<ResponseInputOf<typeof ApiKey.Fetch>["responses"]>[number];
type FetchPartitionResponse = NonNullable<FetchTopicResponse["partitions"]>[number];

const EMPTY = Buffer.alloc(0);

function errorPartition(partitionIndex: number, errorCode: number): FetchPartitionResponse {
  return { partitionIndex, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, preferredReadReplica: -1, records: EMPTY };
}

/** The partition log, or null when the topic or partition does not exist (or was deleted). */
function partitionLog(state: BrokerState, topic: string | undefined, partition: number): PartitionLog | null {
  if (topic === undefined || !state.log.hasTopic(topic)) return null;
  if (partition < 0 || partition >= state.log.describeTopic(topic).partitions) return null;
  return state.log.partition(topic, partition);
}

interface Collected {
  responses: FetchTopicResponse[];
  bytes: number;
  /** Logs and offsets to wait on when too little was found. */
  waits: { log: PartitionLog; offset: number }[];
  anyError: boolean;
}

/** Reads every requested partition once, within the request's byte budgets. */
function collect(state: BrokerState, req: FetchReq, version: number): Collected {
  let budget = req.maxBytes;
  let bytes = 0;
  let anyError = false;
  const waits: { log: PartitionLog; offset: number }[] = [];

  const readPartition = (log: PartitionLog, p: FetchReq["topics"][number]["partitions"][number]): FetchPartitionResponse => {
    try {
      const limit = Math.max(0, Math.min(p.partitionMaxBytes, budget));
      const read = limit > 0 || bytes === 0 ? log.read(p.fetchOffset, Math.max(limit, 1)) : null;
      let records = read?.records ?? EMPTY;
      // Only the first non-empty partition may exceed the limits (to make progress).
      if (records.length > limit && bytes > 0) records = EMPTY;
      bytes += records.length;
      budget -= records.length;
      if (records.length === 0) waits.push({ log, offset: p.fetchOffset });
      const hw = read?.highWatermark ?? log.highWatermark();
      return {
        partitionIndex: p.partition,
        errorCode: KafkaErrors.NONE.code,
        highWatermark: hw,
        lastStableOffset: hw,
        logStartOffset: read?.logStartOffset ?? log.logStartOffset(),
        abortedTransactions: null,
        preferredReadReplica: -1,
        records,
      };
    } catch (e) {
      anyError = true;
      return errorPartition(p.partition, kafkaErrorCodeOf(e));
    }
  };

  const responses = req.topics.map((t) => {
    // From v13 topics are named by id (KIP-516); an id no topic has is UNKNOWN_TOPIC_ID.
    const topic = version >= 13 ? state.topicNameById(t.topicId) : t.topic;
    const missing = version >= 13 && topic === undefined ? KafkaErrors.UNKNOWN_TOPIC_ID.code : KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code;
    const partitions = t.partitions.map((p) => {
      const log = partitionLog(state, topic, p.partition);
      if (log !== null) return readPartition(log, p);
      anyError = true;
      return errorPartition(p.partition, missing);
    });
    return { topic: t.topic, topicId: t.topicId, partitions };
  });
  return { responses, bytes, waits, anyError };
}

/** Waits until one of the partitions has data past its offset, or `ms` passes. */
async function waitForAny(waits: Collected["waits"], ms: number): Promise<void> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
      ...waits.map((w) => w.log.waitForData(w.offset, ac.signal)),
    ]);
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

/** The Fetch handler. */
export const fetchHandler: ApiHandler<typeof ApiKey.Fetch, BrokerState> = {
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 16,
  async handle(state, req, version) {
    if (version >= 7 && req.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: KafkaErrors.FETCH_SESSION_ID_NOT_FOUND.code, sessionId: 0, responses: [] };
    }
    const deadline = Date.now() + Math.min(Math.max(req.maxWaitMs, 0), fetchLimits.maxWaitMsMax);
    let c = collect(state, req, version);
    while (c.bytes < req.minBytes && !c.anyError && c.waits.length > 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        await waitForAny(c.waits, left);
      } catch {
        // Too many waiters on a partition: answer now with what there is.
        break;
      }
      c = collect(state, req, version);
    }
    return { throttleTimeMs: 0, errorCode: KafkaErrors.NONE.code, sessionId: 0, responses: c.responses };
  },
};
