/**
 * The engine's one view of a log: topics, partitions, offsets, raw record-batch reads and
 * idempotent appends. Two implementations answer it identically: {@link EmbeddedLogClient}
 * (direct calls on an in-process LogManager, zero copy) and {@link RemoteLogClient} (the Kafka
 * wire protocol, against Weir's broker or Apache Kafka). The engine never learns which one it has.
 *
 * Units are Kafka's: offsets are record offsets, timestamps are milliseconds since the epoch.
 * Failures are WeirErrors: NOT_FOUND for a missing topic or partition, ALREADY_EXISTS from
 * createTopic, OFFSET_OUT_OF_RANGE from fetch (details.logStartOffset when known),
 * INVALID_ARGUMENT for bad arguments, IO / CLOSED for faults of the transport.
 */
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, crc32c } from "../protocol/records/index.js";
import { WeirError } from "../util/errors.js";

/** A topic partition. */
export interface LogTopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A topic as listTopics / describeTopics report it. */
export interface LogTopicInfo {
  readonly name: string;
  readonly partitions: number;
  /** Kafka-internal topics (`__consumer_offsets`): pattern subscriptions leave them out. */
  readonly internal: boolean;
}

/** What {@link LogClient.fetch} returns. */
export interface LogFetchResult {
  /**
   * Whole record batches (v2), as stored: the first may start before the offset asked for (the
   * caller skips records below it). Empty at or past the high watermark. Never a partial batch.
   */
  readonly records: Buffer;
  /** End of what readers may see (ListOffsets "latest"). */
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /**
   * True when every batch's frame (lengths, magic, CRC-32C) was already checked on this read
   * (the embedded client's segment reads do), so a decoder need not check it again.
   */
  readonly framesChecked: boolean;
}

/** What {@link LogClient.produce} returns. */
export interface LogProduceResult {
  /** Offset given to the batch's first record. */
  readonly baseOffset: number;
  /** The LogAppendTime stamped by the log, or -1 for CreateTime topics. */
  readonly logAppendTime: number;
}

/** See the module comment. */
export interface LogClient {
  /** Every topic, internal ones flagged, sorted by name. */
  listTopics(): Promise<LogTopicInfo[]>;
  /** The named topics that exist (absent ones are left out of the map). */
  describeTopics(names: readonly string[]): Promise<Map<string, LogTopicInfo>>;
  /** Creates a topic with Kafka-named config overrides; ALREADY_EXISTS when it exists. */
  createTopic(name: string, partitions: number, configs?: Readonly<Record<string, string>>): Promise<void>;
  /** The log start offset of each partition, in the order asked. */
  earliestOffsets(partitions: readonly LogTopicPartition[]): Promise<number[]>;
  /** The high watermark (next offset to be read at the end) of each partition, in the order asked. */
  latestOffsets(partitions: readonly LogTopicPartition[]): Promise<number[]>;
  /**
   * Kafka's ListOffsets by timestamp: for each partition the earliest offset whose record
   * timestamp is ≥ `timestamp` (ms), or null when no record is that recent (the caller then
   * uses the latest offset, or fails, as its semantics say).
   */
  offsetsForTimes(requests: readonly (LogTopicPartition & { readonly timestamp: number })[]): Promise<(number | null)[]>;
  /**
   * Whole record batches from the one containing `offset`, at most about `maxBytes` (but at
   * least one batch), never past the high watermark. OFFSET_OUT_OF_RANGE outside
   * [logStartOffset, logEndOffset].
   */
  fetch(topic: string, partition: number, offset: number, maxBytes: number): Promise<LogFetchResult>;
  /**
   * As {@link fetch}, reading the batches straight into `into` when they fit: the result's
   * records are then a view of `into` (check with `records.buffer === into.buffer`), else a
   * buffer of their own (batches larger than `into`, or nothing to read). Saves a copy and an
   * allocation per fetch for callers that reuse memory, e.g. a worker thread's shared fetch
   * slot. Optional: a client without it is used through {@link fetch}. `into` must not be read
   * or written by anyone else until the promise settles.
   */
  fetchInto?(topic: string, partition: number, offset: number, maxBytes: number, into: Buffer): Promise<LogFetchResult>;
  /**
   * Appends one record batch (v2, offset deltas 0..n-1, not transactional) idempotently: the
   * client stamps its producer id, epoch and the partition's next sequence into the batch (the
   * buffer is handed over and rewritten in place), retries keep the sequence, so the log holds
   * the batch exactly once. Appends to one partition are applied in call order; resolves once
   * the log acknowledged it (acks=all).
   */
  produce(topic: string, partition: number, batch: Buffer): Promise<LogProduceResult>;
  /** Releases connections or the owned log. Idempotent. */
  close(): Promise<void>;
}

// Field positions of record batch v2 (see src/protocol/records/batch.ts).
const OFF_CRC = 17;
const OFF_ATTRIBUTES = 21;
const OFF_LAST_OFFSET_DELTA = 23;
const OFF_PRODUCER_ID = 43;
const OFF_PRODUCER_EPOCH = 51;
const OFF_BASE_SEQUENCE = 53;
const UINT32 = 0x1_0000_0000;
const INT32_MAX = 0x7fffffff;

/**
 * Writes producer id, epoch and base sequence into the batch at the start of `batch` and
 * recomputes its CRC-32C (which covers those fields). Returns the number of records the batch's
 * offset deltas span, by which the partition's sequence advances.
 */
export function stampProducer(batch: Buffer, producerId: number, producerEpoch: number, baseSequence: number): number {
  if (batch.length < BATCH_HEADER_BYTES || batch.readInt32BE(8) + BATCH_LOG_OVERHEAD !== batch.length) {
    throw new WeirError("CORRUPT_BATCH", `produce takes exactly one record batch; got ${batch.length} bytes whose header says otherwise`, {
      details: { bytes: batch.length },
    });
  }
  const hi = Math.floor(producerId / UINT32);
  batch.writeInt32BE(hi, OFF_PRODUCER_ID);
  batch.writeUInt32BE(producerId - hi * UINT32, OFF_PRODUCER_ID + 4);
  batch.writeInt16BE(producerEpoch, OFF_PRODUCER_EPOCH);
  batch.writeInt32BE(baseSequence, OFF_BASE_SEQUENCE);
  batch.writeUInt32BE(crc32c(batch.subarray(OFF_ATTRIBUTES)), OFF_CRC);
  return batch.readInt32BE(OFF_LAST_OFFSET_DELTA) + 1;
}

/** The sequence `count` records after `seq` (int32, wrapping as Kafka's producer does). */
export function advanceSequence(seq: number, count: number): number {
  const next = seq + count;
  return next > INT32_MAX ? next - INT32_MAX - 1 : next;
}

/**
 * Runs tasks one after another per key (a partition's produces keep their order and their
 * sequence numbers), while different keys run concurrently.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier task of `key` settled. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.tails.set(key, settled);
    void settled.then(() => {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    return run;
  }
}

/** Throws INVALID_ARGUMENT unless `n` is a non-negative safe integer (an offset or a timestamp). */
export function checkNonNegative(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new WeirError("INVALID_ARGUMENT", `${what} must be a non-negative integer, got ${n}`, { details: { [what]: n } });
}
