/**
 * {@link LogClient} over the Kafka wire protocol, for Weir's broker and Apache Kafka alike:
 * Metadata for topics and leaders, ListOffsets for offsets, Fetch (v4-12, read_uncommitted,
 * by topic name) for record batches, CreateTopics, and an idempotent producer (InitProducerId,
 * then Produce with acks=all and per-partition sequence numbers).
 *
 *   const client = await RemoteLogClient.connect({ bootstrap: "127.0.0.1:9092" });
 *   const { records } = await client.fetch("events", 0, 0, 1 << 20);
 *   await client.close();
 *
 * Requests go to each partition's leader (from Metadata, cached per topic and refreshed after a
 * leadership error); retriable errors are retried within the cluster's operation deadline. A
 * produce retried after a lost answer carries the same sequence, so the broker acknowledges it
 * once and never appends it twice.
 */
import { ApiKey } from "../protocol/api-keys.js";
import { KafkaErrors } from "../protocol/errors.js";
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD } from "../protocol/records/index.js";
import { AdminClient, kafkaError, type ClusterOptions, type TopicMetadata } from "./wire/index.js";
import type { Cluster } from "./wire/index.js";
import { WeirError, isWeirError } from "../util/errors.js";
import {
  KeyedSerializer,
  advanceSequence,
  checkNonNegative,
  stampProducer,
  type LogClient,
  type LogFetchResult,
  type LogProduceResult,
  type LogTopicInfo,
  type LogTopicPartition,
} from "./log-client.js";

/** Fetch v13+ names topics by id; names are what this client has, so it stays at or below 12. */
const FETCH_VERSION_MAX = 12;
/** Fetch v4 brings isolation levels and record batch v2 (and Kafka 4 speaks nothing older). */
const FETCH_VERSION_MIN = 4;
/** Produce v3 brings record batch v2. */
const PRODUCE_VERSION_MIN = 3;
const INT32_MAX = 0x7fffffff;
/** The transaction timeout an idempotent (non-transactional) producer sends, as Kafka's default. */
const TRANSACTION_TIMEOUT_MS = 60_000;
const ACKS_ALL = -1;
const READ_UNCOMMITTED = 0;

/** Kafka errors after which the partition's leader is looked up again. */
const LEADERSHIP_ERRORS: ReadonlySet<number> = new Set([
  KafkaErrors.NOT_LEADER_OR_FOLLOWER.code,
  KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code,
  KafkaErrors.FENCED_LEADER_EPOCH.code,
  KafkaErrors.UNKNOWN_LEADER_EPOCH.code,
  KafkaErrors.REPLICA_NOT_AVAILABLE.code,
]);

/** See the module comment. */
export class RemoteLogClient implements LogClient {
  private readonly topics = new Map<string, TopicMetadata>();
  private producer: Promise<{ id: number; epoch: number }> | null = null;
  private readonly sequences = new Map<string, number>();
  private readonly order = new KeyedSerializer();
  private closed = false;

  private constructor(private readonly admin: AdminClient) {}

  /** Connects to the cluster at `opts.bootstrap` (`host:port[,host:port...]`). */
  static async connect(opts: ClusterOptions): Promise<RemoteLogClient> {
    return new RemoteLogClient(await AdminClient.connect(opts));
  }

  /** The connections under this client. */
  get cluster(): Cluster {
    return this.admin.cluster;
  }

  /** See {@link LogClient.listTopics}. */
  async listTopics(): Promise<LogTopicInfo[]> {
    const md = await this.cluster.metadata(null);
    return md.topics.map((t) => ({ name: t.name, partitions: t.partitions.length, internal: t.isInternal }));
  }

  /** See {@link LogClient.describeTopics}. */
  async describeTopics(names: readonly string[]): Promise<Map<string, LogTopicInfo>> {
    if (names.length === 0) return new Map();
    const md = await this.cluster.metadata([...new Set(names)]);
    for (const t of md.topics) this.topics.set(t.name, t);
    return new Map(md.topics.map((t) => [t.name, { name: t.name, partitions: t.partitions.length, internal: t.isInternal }]));
  }

  /** See {@link LogClient.createTopic}; returns once every partition's leader answers. */
  async createTopic(name: string, partitions: number, configs: Readonly<Record<string, string>> = {}): Promise<void> {
    await this.admin.createTopics([{ name, partitions, configs: { ...configs } }]);
    this.topics.delete(name);
  }

  /** See {@link LogClient.earliestOffsets}. */
  async earliestOffsets(partitions: readonly LogTopicPartition[]): Promise<number[]> {
    return (await this.admin.listOffsets(partitions, "earliest")).map((r) => r.offset ?? 0);
  }

  /** See {@link LogClient.latestOffsets}. */
  async latestOffsets(partitions: readonly LogTopicPartition[]): Promise<number[]> {
    return (await this.admin.listOffsets(partitions, "latest")).map((r) => r.offset ?? 0);
  }

  /** See {@link LogClient.offsetsForTimes}: one ListOffsets round per distinct timestamp. */
  async offsetsForTimes(requests: readonly (LogTopicPartition & { readonly timestamp: number })[]): Promise<(number | null)[]> {
    for (const r of requests) checkNonNegative(r.timestamp, "timestamp");
    const byTimestamp = new Map<number, number[]>();
    requests.forEach((r, i) => {
      const list = byTimestamp.get(r.timestamp);
      if (list === undefined) byTimestamp.set(r.timestamp, [i]);
      else list.push(i);
    });
    const out = new Array<number | null>(requests.length).fill(null);
    await Promise.all(
      [...byTimestamp].map(async ([timestamp, indexes]) => {
        const found = await this.admin.listOffsets(
          indexes.map((i) => ({ topic: requests[i].topic, partition: requests[i].partition })),
          { timestamp },
        );
        found.forEach((f, j) => (out[indexes[j]] = f.offset));
      }),
    );
    return out;
  }

  /** See {@link LogClient.fetch}. */
  async fetch(topic: string, partition: number, offset: number, maxBytes: number): Promise<LogFetchResult> {
    checkNonNegative(offset, "offset");
    const bytes = Math.max(1, Math.min(INT32_MAX, Math.floor(maxBytes)));
    return this.atLeader(`Fetch of ${topic}-${partition} at offset ${offset}`, topic, partition, async (conn) => {
      const { response } = await conn.request(
        ApiKey.Fetch,
        () => ({
          replicaId: -1,
          maxWaitMs: 0,
          minBytes: 1,
          maxBytes: bytes,
          isolationLevel: READ_UNCOMMITTED,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: bytes }] }],
          forgottenTopicsData: [],
          rackId: "",
        }),
        { minVersion: FETCH_VERSION_MIN, maxVersion: FETCH_VERSION_MAX },
      );
      if (response.errorCode !== KafkaErrors.NONE.code) throw kafkaError(response.errorCode, `Fetch of ${topic}-${partition} at ${conn.address}`);
      const p = response.responses.find((t) => t.topic === topic)?.partitions.find((x) => x.partitionIndex === partition);
      if (p === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered Fetch without ${topic}-${partition}`, { details: { topic, partition } });
      if (p.errorCode !== KafkaErrors.NONE.code) {
        const e = kafkaError(p.errorCode, `Fetch of ${topic}-${partition} at offset ${offset} from ${conn.address}`);
        if (p.errorCode === KafkaErrors.OFFSET_OUT_OF_RANGE.code) {
          throw new WeirError(e.code, e.message, { details: { ...e.details, topic, partition, offset, logStartOffset: p.logStartOffset } });
        }
        throw e;
      }
      return { records: wholeBatches(p.records ?? Buffer.alloc(0)), highWatermark: p.highWatermark, logStartOffset: p.logStartOffset, framesChecked: false };
    });
  }

  /** See {@link LogClient.produce}. */
  produce(topic: string, partition: number, batch: Buffer): Promise<LogProduceResult> {
    return this.order.run(`${topic}\0${partition}`, () => this.produceNow(topic, partition, batch));
  }

  private async produceNow(topic: string, partition: number, batch: Buffer): Promise<LogProduceResult> {
    const { id, epoch } = await this.initProducer();
    const key = `${topic}\0${partition}`;
    const firstSeq = this.sequences.get(key) ?? 0;
    const count = stampProducer(batch, id, epoch, firstSeq);
    const result = await this.atLeader(`Produce to ${topic}-${partition}`, topic, partition, async (conn) => {
      const { response } = await conn.request(
        ApiKey.Produce,
        () => ({ transactionalId: null, acks: ACKS_ALL, timeoutMs: this.cluster.operationTimeoutMs, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] }),
        { minVersion: PRODUCE_VERSION_MIN },
      );
      const p = response.responses.find((t) => t.name === topic)?.partitionResponses.find((x) => x.index === partition);
      if (p === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered Produce without ${topic}-${partition}`, { details: { topic, partition } });
      if (p.errorCode !== KafkaErrors.NONE.code) throw kafkaError(p.errorCode, `Produce to ${topic}-${partition} at ${conn.address}`, p.errorMessage);
      return { baseOffset: p.baseOffset, logAppendTime: p.logAppendTimeMs };
    });
    this.sequences.set(key, advanceSequence(firstSeq, count));
    return result;
  }

  /** The producer id and epoch (InitProducerId without a transactional id), asked for once. */
  private initProducer(): Promise<{ id: number; epoch: number }> {
    this.producer ??= this.cluster
      .retry("InitProducerId", async () => {
        const conn = await this.cluster.anyConnection();
        const { response } = await conn.request(ApiKey.InitProducerId, () => ({ transactionalId: null, transactionTimeoutMs: TRANSACTION_TIMEOUT_MS, producerId: -1, producerEpoch: -1 }));
        if (response.errorCode !== KafkaErrors.NONE.code) throw kafkaError(response.errorCode, `InitProducerId at ${conn.address}`);
        return { id: response.producerId, epoch: response.producerEpoch };
      })
      .catch((e: unknown) => {
        this.producer = null;
        throw e;
      });
    return this.producer;
  }

  /**
   * Runs `call` on a connection to the leader of `topic`-`partition`, retrying retriable errors
   * within the operation deadline and looking the leader up again after leadership errors.
   */
  private atLeader<T>(what: string, topic: string, partition: number, call: (conn: Awaited<ReturnType<Cluster["connectionTo"]>>) => Promise<T>): Promise<T> {
    return this.cluster.retry(what, async () => {
      if (this.closed) throw new WeirError("CLOSED", "the log client is closed");
      const leader = await this.leaderOf(topic, partition);
      try {
        return await call(await this.cluster.connectionTo(leader));
      } catch (e) {
        const code = isWeirError(e) ? e.details.kafkaErrorCode : undefined;
        if ((typeof code === "number" && LEADERSHIP_ERRORS.has(code)) || (isWeirError(e) && (e.code === "IO" || e.code === "CLOSED") && code === undefined)) {
          this.topics.delete(topic);
        }
        throw e;
      }
    });
  }

  /** The leader's node id, from cached Metadata; NOT_FOUND (not retried) for a missing topic or partition. */
  private async leaderOf(topic: string, partition: number): Promise<number> {
    let t = this.topics.get(topic);
    // A partition missing from cached Metadata may have been added since: ask again once.
    if (t === undefined || !t.partitions.some((x) => x.partition === partition)) {
      const md = await this.cluster.metadata([topic]);
      t = md.topics.find((x) => x.name === topic);
      if (t === undefined) throw new WeirError("NOT_FOUND", `unknown topic ${JSON.stringify(topic)}`, { details: { topic } });
      this.topics.set(topic, t);
    }
    const p = t.partitions.find((x) => x.partition === partition);
    if (p === undefined) {
      throw new WeirError("NOT_FOUND", `topic ${topic} has no partition ${partition} (it has ${t.partitions.length})`, { details: { topic, partition } });
    }
    return p.leaderId;
  }

  /** See {@link LogClient.close}. */
  close(): Promise<void> {
    this.closed = true;
    this.admin.close();
    return Promise.resolve();
  }
}

/** `records` without a partial batch at its end (a broker cuts a fetch at its byte limit). */
function wholeBatches(records: Buffer): Buffer {
  let pos = 0;
  while (records.length - pos >= BATCH_HEADER_BYTES) {
    const total = records.readInt32BE(pos + 8) + BATCH_LOG_OVERHEAD;
    if (total < BATCH_HEADER_BYTES || total > records.length - pos) break;
    pos += total;
  }
  return pos === records.length ? records : records.subarray(0, pos);
}
