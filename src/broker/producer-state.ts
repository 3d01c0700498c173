/**
 * Idempotent producers: producer id allocation and per-partition sequence tracking.
 *
 * Kafka's rules (ProducerStateManager), which clients' retry logic depends on:
 * - Each (partition, producerId) remembers the epoch and the last five batches' sequence ranges
 *   and offsets. A batch equal to one of them is a retry: it is acknowledged with the original
 *   offsets and not appended again.
 * - Otherwise its first sequence must follow the last one (int32, wrapping); a gap is
 *   OUT_OF_ORDER_SEQUENCE_NUMBER. A new epoch must start at sequence 0; an older epoch is
 *   INVALID_PRODUCER_EPOCH. An unknown producer that does not start at 0 is UNKNOWN_PRODUCER_ID.
 * - The decision is a pure function of (entry, batch); the caller appends, then records.
 *
 * After a restart the state of a partition is rebuilt from the batches at the tail of its log,
 * which carry producer id, epoch and sequence, the first time an idempotent batch arrives for it.
 */
import { KafkaErrors } from "../protocol/errors.js";
import { batchesIn, type BatchHeader } from "../protocol/records/index.js";
import { writeFileDurably, type LogFs, type PartitionLog } from "../log/index.js";
import { WeirError } from "../util/errors.js";

/** Batches remembered per producer and partition (Kafka's NUM_BATCHES_TO_RETAIN). */
export const BATCHES_RETAINED = 5;
/** Producer ids reserved on disk at a time, so a restart never hands out an id twice. */
const ID_BLOCK = 1000;
const INT32_MAX = 0x7fffffff;

/** One remembered batch. */
export interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  logAppendTime: number;
}

/** A producer's state on one partition. */
export interface ProducerEntry {
  epoch: number;
  batches: BatchMeta[];
}

/** The decision for an incoming idempotent batch. */
export type SequenceDecision =
  | { kind: "append" }
  | { kind: "duplicate"; batch: BatchMeta }
  | { kind: "reject"; errorCode: number; message: string };

/** The sequence after `seq` (int32 wrapping, as Kafka's DefaultRecordBatch.incrementSequence). */
export function nextSequence(seq: number): number {
  return seq === INT32_MAX ? 0 : seq + 1;
}

/** The last sequence of a batch of `count` records starting at `firstSeq`. */
export function lastSequenceOf(firstSeq: number, count: number): number {
  const last = firstSeq + count - 1;
  return last > INT32_MAX ? last - INT32_MAX - 1 : last;
}

/** Decides what to do with an idempotent batch given the producer's entry (pure). */
export function checkSequence(entry: ProducerEntry | undefined, epoch: number, firstSeq: number, lastSeq: number): SequenceDecision {
  if (entry === undefined) {
    if (firstSeq === 0) return { kind: "append" };
    return { kind: "reject", errorCode: KafkaErrors.UNKNOWN_PRODUCER_ID.code, message: `unknown producer starts at sequence ${firstSeq}, not 0` };
  }
  if (epoch < entry.epoch) {
    return { kind: "reject", errorCode: KafkaErrors.INVALID_PRODUCER_EPOCH.code, message: `producer epoch ${epoch} is older than the current ${entry.epoch}` };
  }
  if (epoch > entry.epoch) {
    if (firstSeq === 0) return { kind: "append" };
    return { kind: "reject", errorCode: KafkaErrors.OUT_OF_ORDER_SEQUENCE_NUMBER.code, message: `new epoch ${epoch} must start at sequence 0, not ${firstSeq}` };
  }
  const dup = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
  if (dup !== undefined) return { kind: "duplicate", batch: dup };
  const last = entry.batches[entry.batches.length - 1];
  if (last === undefined || firstSeq === nextSequence(last.lastSeq)) return { kind: "append" };
  return {
    kind: "reject",
    errorCode: KafkaErrors.OUT_OF_ORDER_SEQUENCE_NUMBER.code,
    message: `sequence ${firstSeq} does not follow the last acknowledged ${last.lastSeq}`,
  };
}

/** Returns `entry` updated with an appended batch (pure). */
export function recordBatch(entry: ProducerEntry | undefined, epoch: number, meta: BatchMeta): ProducerEntry {
  const batches = entry === undefined || entry.epoch !== epoch ? [] : entry.batches.slice(-(BATCHES_RETAINED - 1));
  batches.push(meta);
  return { epoch, batches };
}

/** Per-partition producer state, and durable producer id allocation. */
export class ProducerStateManager {
  /** "topic\0partition" → producerId → entry. */
  private readonly partitions = new Map<string, Map<number, ProducerEntry>>();
  private nextId: number;
  private reservedUntil: number;
  private reserving: Promise<void> | null = null;

  private constructor(
    private readonly fs: LogFs,
    private readonly file: string,
    next: number,
  ) {
    this.nextId = next;
    this.reservedUntil = next;
  }

  /** Opens the id allocator stored in `file` (created on first use). */
  static open(fs: LogFs, file: string): ProducerStateManager {
    let next = 0;
    if (fs.exists(file)) {
      const text = fs.readFile(file).toString("utf8");
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new WeirError("CONFIG", `producer id file ${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
      }
      const n = (parsed as { nextProducerId?: unknown }).nextProducerId;
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
        throw new WeirError("CONFIG", `producer id file ${file} must hold {"nextProducerId": <integer ≥ 0>}`);
      }
      next = n;
    }
    return new ProducerStateManager(fs, file, next);
  }

  /** A producer id never handed out before, even across restarts. */
  async allocateId(): Promise<number> {
    while (this.nextId >= this.reservedUntil) {
      if (this.reserving === null) {
        const until = this.reservedUntil + ID_BLOCK;
        this.reserving = writeFileDurably(this.fs, this.file, Buffer.from(JSON.stringify({ nextProducerId: until }) + "\n"))
          .then(() => {
            this.reservedUntil = until;
          })
          .finally(() => {
            this.reserving = null;
          });
      }
      await this.reserving;
    }
    return this.nextId++;
  }

  /** The producer map of a partition, or undefined when it has not been loaded yet. */
  partitionState(topic: string, partition: number): Map<number, ProducerEntry> | undefined {
    return this.partitions.get(`${topic}\0${partition}`);
  }

  /** Installs a partition's producer map (after rebuilding it from the log tail). */
  setPartitionState(topic: string, partition: number, state: Map<number, ProducerEntry>): void {
    this.partitions.set(`${topic}\0${partition}`, state);
  }

  /** Drops the state of every partition of a deleted topic. */
  forgetTopic(topic: string): void {
    for (const key of this.partitions.keys()) if (key.startsWith(`${topic}\0`)) this.partitions.delete(key);
  }

  /** Rebuilds a producer map from batch headers in log order (pure apart from the map it returns). */
  static rebuild(headers: Iterable<BatchHeader>): Map<number, ProducerEntry> {
    const state = new Map<number, ProducerEntry>();
    for (const h of headers) {
      if (h.producerId < 0 || h.baseSequence < 0) continue;
      const meta: BatchMeta = {
        firstSeq: h.baseSequence,
        lastSeq: lastSequenceOf(h.baseSequence, h.lastOffsetDelta + 1),
        firstOffset: h.baseOffset,
        lastOffset: h.baseOffset + h.lastOffsetDelta,
        logAppendTime: -1,
      };
      state.set(h.producerId, recordBatch(state.get(h.producerId), h.producerEpoch, meta));
    }
    return state;
  }
}

/** How far back from the end of a partition the producer state is rebuilt after a restart. */
const REBUILD_OFFSETS = 20_000;
const REBUILD_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * The producer state of a partition, rebuilt from the tail of its log the first time it is
 * needed and kept in `producers`. Shared by the broker's Produce handler and the in-process
 * LogClient, so both apply the same idempotence rules to the same log.
 */
export function producerStateOf(producers: ProducerStateManager, log: PartitionLog): Map<number, ProducerEntry> {
  let s = producers.partitionState(log.topic, log.partition);
  if (s !== undefined) return s;
  const headers: BatchHeader[] = [];
  let offset = Math.max(log.logStartOffset(), log.highWatermark() - REBUILD_OFFSETS);
  while (offset < log.highWatermark()) {
    const { records } = log.read(offset, REBUILD_CHUNK_BYTES);
    if (records.length === 0) break;
    let last = offset;
    for (const { header } of batchesIn(records, { partialTail: "stop" })) {
      headers.push(header);
      last = header.baseOffset + header.lastOffsetDelta + 1;
    }
    if (last <= offset) break;
    offset = last;
  }
  s = ProducerStateManager.rebuild(headers);
  producers.setPartitionState(log.topic, log.partition, s);
  return s;
}
