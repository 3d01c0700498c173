/**
 * A batching producer for one topic, in the manner of Kafka's Java producer: records are
 * partitioned (an explicit partition; else murmur2 of the key, as Kafka's default partitioner;
 * else a "sticky" partition that keyless records share until its batch is sent), collected per
 * partition into record batches (v2, optionally compressed) of up to `batchBytes`, sent when full
 * or after `lingerMs`, and the offsets the log gave them are recorded per partition.
 *
 *   const client = await RemoteLogClient.connect({ bootstrap });       // idempotent, acks=all
 *   const producer = new Producer({ sink: client, topic: "events", partitions: 3 });
 *   await producer.send({ key: Buffer.from("k"), value: Buffer.from("v") });
 *   await producer.flush();
 *
 * Where batches go is a {@link ProduceSink}: {@link RemoteLogClient} (src/client/remote.ts)
 * stamps producer id and sequence numbers into each batch and sends it with acks=all, so retries
 * never duplicate; {@link LeaderProduceSink} sends plain batches with acks=1 (leader only, not
 * idempotent). Batches of one partition are sent one after another, in order.
 */
import { murmur2, partitionForKey } from "../partitioner.js";
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import { buildBatch, type CompressionCodec, type RecordInput } from "../../protocol/records/index.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import { KeyedSerializer } from "../log-client.js";
import type { Cluster } from "./cluster.js";
import { kafkaError } from "./errors.js";

/** Where the producer sends each batch; `LogClient` (src/client/log-client.ts) is one. */
export interface ProduceSink {
  /** Appends one record batch to a partition; resolves with the offset of its first record. */
  produce(topic: string, partition: number, batch: Buffer): Promise<{ baseOffset: number }>;
}

/** The defaults of {@link ProducerOptions}, those of Kafka's Java producer (4.x). */
export const producerDefaults = {
  lingerMs: 5,
  batchBytes: 16_384,
  /** Records buffered or in flight above this many bytes make {@link Producer.send} wait (buffer.memory). */
  bufferBytesMax: 32 * 1024 * 1024,
} as const;

/** Options of {@link Producer}. */
export interface ProducerOptions {
  sink: ProduceSink;
  topic: string;
  /** The topic's partition count. */
  partitions: number;
  /** Default none. */
  compression?: CompressionCodec;
  /** How long a partition's first record waits for company before its batch is sent. Default 5 ms. */
  lingerMs?: number;
  /** A batch is sent once its records reach this many bytes. Default 16 KiB. */
  batchBytes?: number;
  /** Default 32 MiB. */
  bufferBytesMax?: number;
  /** Picks sticky partitions for keyless records; default Math.random. */
  random?: () => number;
}

/** A record to send; `partition` overrides the partitioner. */
export interface ProducerRecord extends RecordInput {
  partition?: number;
}

/** What one partition received. */
export interface PartitionProduced {
  partition: number;
  records: number;
  /** Bytes of keys, values and headers (before batching and compression). */
  bytes: number;
  firstOffset: number;
  lastOffset: number;
}

/** A partition's batch being collected. */
interface Pending {
  records: RecordInput[];
  bytes: number;
  timer: NodeJS.Timeout | null;
}


/** The bytes a record adds to its batch, roughly (payload plus the varints and deltas around it). */
function recordBytes(r: RecordInput): number {
  let n = 16 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) n += 4 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return n;
}

/** The payload bytes of a record: key, value, header keys and values. */
function payloadBytes(r: RecordInput): number {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) n += Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return n;
}

/** See the module comment. */
export class Producer {
  private readonly pending = new Map<number, Pending>();
  private readonly produced = new Map<number, PartitionProduced>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly order = new KeyedSerializer();
  private sticky = -1;
  private bufferedBytes = 0;
  private failure: Error | null = null;
  private spaceWaiters: (() => void)[] = [];
  private readonly lingerMs: number;
  private readonly batchBytes: number;
  private readonly bufferBytesMax: number;
  private readonly random: () => number;

  constructor(private readonly opts: ProducerOptions) {
    if (!Number.isSafeInteger(opts.partitions) || opts.partitions < 1) throw new WeirError("INVALID_ARGUMENT", `a producer needs a partition count ≥ 1, got ${opts.partitions}`);
    this.lingerMs = opts.lingerMs ?? producerDefaults.lingerMs;
    this.batchBytes = opts.batchBytes ?? producerDefaults.batchBytes;
    this.bufferBytesMax = opts.bufferBytesMax ?? producerDefaults.bufferBytesMax;
    this.random = opts.random ?? Math.random;
  }

  /**
   * Adds a record to its partition's batch; waits while the buffer is full. Throws the first
   * failure of an earlier batch (the producer is then unusable) and INVALID_ARGUMENT for a
   * partition outside the topic.
   */
  async send(record: ProducerRecord): Promise<void> {
    this.throwIfFailed();
    const size = recordBytes(record);
    while (this.bufferedBytes > 0 && this.bufferedBytes + size > this.bufferBytesMax) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      this.throwIfFailed();
    }
    const partition = this.partitionOf(record);
    let p = this.pending.get(partition);
    if (p === undefined) {
      p = { records: [], bytes: 0, timer: null };
      this.pending.set(partition, p);
    }
    const { partition: _p, ...input } = record;
    p.records.push(input);
    p.bytes += size;
    this.bufferedBytes += size;
    if (p.bytes >= this.batchBytes) this.sendBatch(partition);
    else if (p.timer === null) p.timer = setTimeout(() => this.sendBatch(partition), this.lingerMs);
  }

  /** Sends every collected batch and waits until all are acknowledged; throws the first failure. */
  async flush(): Promise<void> {
    for (const partition of [...this.pending.keys()]) this.sendBatch(partition);
    while (this.inflight.size > 0) await Promise.all(this.inflight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  /** What each partition received so far, by partition. */
  results(): PartitionProduced[] {
    return [...this.produced.values()].sort((a, b) => a.partition - b.partition);
  }

  private partitionOf(record: ProducerRecord): number {
    const n = this.opts.partitions;
    if (record.partition !== undefined) {
      if (!Number.isSafeInteger(record.partition) || record.partition < 0 || record.partition >= n) {
        throw new WeirError("INVALID_ARGUMENT", `topic '${this.opts.topic}' has no partition ${record.partition} (it has ${n}: 0-${n - 1})`, {
          details: { topic: this.opts.topic, partition: record.partition, partitions: n },
        });
      }
      return record.partition;
    }
    if (record.key !== null) return partitionForKey(record.key, n);
    if (this.sticky < 0) this.sticky = this.pickSticky();
    return this.sticky;
  }

  /** A new sticky partition, another than the last one when there is a choice (as Kafka's BuiltInPartitioner). */
  private pickSticky(): number {
    const n = this.opts.partitions;
    if (n === 1) return 0;
    if (this.sticky < 0) return Math.floor(this.random() * n);
    return (this.sticky + 1 + Math.floor(this.random() * (n - 1))) % n;
  }

  /** Takes the partition's collected records off and sends them as one batch, after the partition's earlier batches. */
  private sendBatch(partition: number): void {
    const p = this.pending.get(partition);
    if (p === undefined) return;
    this.pending.delete(partition);
    if (p.timer !== null) clearTimeout(p.timer);
    if (partition === this.sticky) this.sticky = this.pickSticky();
    const { topic, sink, compression } = this.opts;
    const task = this.order
      .run(String(partition), async () => {
        if (this.failure !== null) return;
        const batch = buildBatch(p.records, { compression: compression ?? "none" });
        const { baseOffset } = await sink.produce(topic, partition, batch);
        this.record(partition, p.records, baseOffset);
      })
      .catch((e: unknown) => {
        this.failure ??= e instanceof Error ? e : new Error(String(e));
      })
      .finally(() => {
        this.inflight.delete(task);
        this.bufferedBytes -= p.bytes;
        const waiters = this.spaceWaiters;
        this.spaceWaiters = [];
        for (const w of waiters) w();
      });
    this.inflight.add(task);
  }

  private record(partition: number, records: readonly RecordInput[], baseOffset: number): void {
    const bytes = records.reduce((n, r) => n + payloadBytes(r), 0);
    const lastOffset = baseOffset + records.length - 1;
    const prev = this.produced.get(partition);
    if (prev === undefined) this.produced.set(partition, { partition, records: records.length, bytes, firstOffset: baseOffset, lastOffset });
    else {
      prev.records += records.length;
      prev.bytes += bytes;
      prev.lastOffset = Math.max(prev.lastOffset, lastOffset);
    }
  }
}

/**
 * A {@link ProduceSink} that sends plain batches (no producer id) to each partition's leader,
 * with acks=1 (the leader acknowledges once it appended, without waiting for replicas) or
 * acks=all (-1; the in-sync replicas have it). Not
 * idempotent: a retry after a lost answer may append a batch twice, so retriable errors are only
 * retried when no answer could have been lost (leadership moved, topic being created).
 */
export class LeaderProduceSink implements ProduceSink {
  private readonly leaders = new Map<string, number>();

  constructor(
    private readonly cluster: Cluster,
    private readonly acks: -1 | 1 = 1,
  ) {}

  /** See {@link ProduceSink.produce}. */
  produce(topic: string, partition: number, batch: Buffer): Promise<{ baseOffset: number }> {
    const key = `${topic}\0${partition}`;
    return this.cluster.retry(`Produce to ${topic}-${partition}`, async () => {
      let leader = this.leaders.get(key);
      if (leader === undefined) {
        const md = await this.cluster.metadata([topic]);
        leader = md.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partition === partition)?.leaderId;
        if (leader === undefined) throw new WeirError("NOT_FOUND", `topic '${topic}' has no partition ${partition}`, { details: { topic, partition } });
        this.leaders.set(key, leader);
      }
      const conn = await this.cluster.connectionTo(leader);
      let response;
      try {
        ({ response } = await conn.request(
          ApiKey.Produce,
          () => ({ transactionalId: null, acks: this.acks, timeoutMs: this.cluster.operationTimeoutMs, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] }),
          { minVersion: 3 },
        ));
      } catch (e) {
        // The request may have been appended; resending could duplicate it.
        if (isWeirError(e)) throw new WeirError(e.code, e.message, { cause: e, details: e.details });
        throw e;
      }
      const p = response.responses.find((t) => t.name === topic)?.partitionResponses.find((x) => x.index === partition);
      if (p === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered Produce without ${topic}-${partition}`, { details: { topic, partition } });
      if (p.errorCode !== KafkaErrors.NONE.code) {
        // A leader that moved refused the batch without appending it: ask Metadata again, retry.
        this.leaders.delete(key);
        throw kafkaError(p.errorCode, `Produce to ${topic}-${partition} at ${conn.address}`, p.errorMessage);
      }
      return { baseOffset: p.baseOffset };
    });
  }
}

export { murmur2, partitionForKey };
