/**
 * {@link LogClient} over an in-process {@link LogManager}: direct calls, no sockets, no copies.
 * A fetch returns the segment bytes as stored (whole batches), so the engine decodes records
 * straight from them.
 *
 *   const client = await EmbeddedLogClient.open({ dataDir: "./weir-data" }); // owns the log
 *   const shared = EmbeddedLogClient.forBroker(broker);                        // the broker's log
 *
 * Produce follows the broker's rules (src/broker/handlers/00-produce.ts): one v2 batch, not
 * transactional, not to an internal topic, validated by the log (src/log/producer-batch.ts), and
 * idempotent: the client holds a producer id from the same allocator the broker uses, and the
 * per-partition producer state (src/broker/producer-state.ts) is shared with a broker serving the
 * same log, so Kafka clients and this one can write to one partition side by side.
 */
import { join } from "node:path";
import { LogManager } from "../log/index.js";
import { isTransactional, readBatchHeader, setPartitionLeaderEpoch } from "../protocol/records/index.js";
import { isInternalTopic } from "../broker/coordinator/index.js";
import { ProducerStateManager, checkSequence, lastSequenceOf, producerStateOf, recordBatch } from "../broker/producer-state.js";
import { WeirError } from "../util/errors.js";
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

/** The file where producer ids are reserved (the broker's, so ids never repeat between them). */
const PRODUCER_IDS_FILE = "producer-ids.json";
/** The leader epoch a one-node log stamps on appended batches (as the broker does). */
const LEADER_EPOCH = 0;

/** What a broker shares with an embedded client (a `Broker`'s `state`). */
export interface SharedLogState {
  readonly log: LogManager;
  readonly producers: ProducerStateManager;
}

/** See the module comment. */
export class EmbeddedLogClient implements LogClient {
  private producerId = -1;
  private producerIdPending: Promise<number> | null = null;
  private readonly sequences = new Map<string, number>();
  private readonly order = new KeyedSerializer();
  private closed = false;

  private constructor(
    /** The log this client reads and writes. */
    readonly log: LogManager,
    private readonly producers: ProducerStateManager,
    private readonly ownsLog: boolean,
  ) {}

  /** Opens (recovering) the log in `dataDir`, created when missing; close() closes it. */
  static async open(opts: { dataDir: string }): Promise<EmbeddedLogClient> {
    const log = await LogManager.open({ dataDir: opts.dataDir });
    try {
      const producers = ProducerStateManager.open(log.fs, join(log.dataDir, PRODUCER_IDS_FILE));
      return new EmbeddedLogClient(log, producers, true);
    } catch (e) {
      await log.close();
      throw e;
    }
  }

  /**
   * A client over a log someone else owns (close() leaves it open). Pass the broker's producer
   * state when a broker serves the same log ({@link forBroker} does); without it the producer
   * id allocator of the data directory is opened, which is only safe when no broker uses it.
   */
  static share(log: LogManager, producers?: ProducerStateManager): EmbeddedLogClient {
    return new EmbeddedLogClient(log, producers ?? ProducerStateManager.open(log.fs, join(log.dataDir, PRODUCER_IDS_FILE)), false);
  }

  /** A client over the log of a broker running in this process (`Broker.state`). */
  static forBroker(broker: { readonly state: SharedLogState }): EmbeddedLogClient {
    return new EmbeddedLogClient(broker.state.log, broker.state.producers, false);
  }

  private checkOpen(): void {
    if (this.closed) throw new WeirError("CLOSED", "the log client is closed");
  }

  private info(name: string): LogTopicInfo {
    return { name, partitions: this.log.describeTopic(name).partitions, internal: isInternalTopic(name) };
  }

  /** See {@link LogClient.listTopics}. */
  listTopics(): Promise<LogTopicInfo[]> {
    return this.call(() => this.log.topics().map((n) => this.info(n)));
  }

  /** See {@link LogClient.describeTopics}. */
  describeTopics(names: readonly string[]): Promise<Map<string, LogTopicInfo>> {
    return this.call(() => new Map(names.filter((n) => this.log.hasTopic(n)).map((n) => [n, this.info(n)])));
  }

  /** See {@link LogClient.createTopic}. */
  async createTopic(name: string, partitions: number, configs: Readonly<Record<string, string>> = {}): Promise<void> {
    this.checkOpen();
    await this.log.createTopic(name, partitions, configs);
  }

  /** See {@link LogClient.earliestOffsets}. */
  earliestOffsets(partitions: readonly LogTopicPartition[]): Promise<number[]> {
    return this.call(() => partitions.map((tp) => this.log.partition(tp.topic, tp.partition).logStartOffset()));
  }

  /** See {@link LogClient.latestOffsets}. */
  latestOffsets(partitions: readonly LogTopicPartition[]): Promise<number[]> {
    return this.call(() => partitions.map((tp) => this.log.partition(tp.topic, tp.partition).highWatermark()));
  }

  /** See {@link LogClient.offsetsForTimes}. */
  offsetsForTimes(requests: readonly (LogTopicPartition & { readonly timestamp: number })[]): Promise<(number | null)[]> {
    return this.call(() =>
      requests.map((r) => {
        checkNonNegative(r.timestamp, "timestamp");
        return this.log.partition(r.topic, r.partition).offsetForTimestamp(r.timestamp)?.offset ?? null;
      }),
    );
  }

  /** See {@link LogClient.fetch}: the segment bytes as stored. */
  fetch(topic: string, partition: number, offset: number, maxBytes: number): Promise<LogFetchResult> {
    // Segment reads validate every batch's frame, CRC included, before returning it.
    return this.call(() => ({ ...this.log.partition(topic, partition).read(offset, maxBytes), framesChecked: true }));
  }

  /** See {@link LogClient.fetchInto}: the log's pread goes straight into `into` when the batches fit. */
  fetchInto(topic: string, partition: number, offset: number, maxBytes: number, into: Buffer): Promise<LogFetchResult> {
    return this.call(() => ({ ...this.log.partition(topic, partition).read(offset, maxBytes, into), framesChecked: true }));
  }

  /** See {@link LogClient.produce}. */
  produce(topic: string, partition: number, batch: Buffer): Promise<LogProduceResult> {
    return this.order.run(`${topic}\0${partition}`, () => this.produceNow(topic, partition, batch));
  }

  private async produceNow(topic: string, partition: number, batch: Buffer): Promise<LogProduceResult> {
    this.checkOpen();
    if (isInternalTopic(topic)) throw new WeirError("INVALID_ARGUMENT", `cannot produce to internal topic ${topic}`, { details: { topic } });
    const log = this.log.partition(topic, partition);
    const header = readBatchHeader(batch, 0);
    if (header.magic !== 2) throw new WeirError("CORRUPT_BATCH", `message format v${header.magic} is not supported; use record batches (magic 2)`, { details: { topic, partition } });
    if (isTransactional(header.attributes)) throw new WeirError("INVALID_ARGUMENT", "transactional batches are not supported by produce()", { details: { topic, partition } });
    const producerId = await this.ensureProducerId();
    const key = `${topic}\0${partition}`;
    const firstSeq = this.sequences.get(key) ?? 0;
    const count = stampProducer(batch, producerId, 0, firstSeq);
    const lastSeq = lastSequenceOf(firstSeq, count);
    const producers = producerStateOf(this.producers, log);
    const decision = checkSequence(producers.get(producerId), 0, firstSeq, lastSeq);
    if (decision.kind === "reject") throw new WeirError("IO", `produce to ${topic}-${partition} refused: ${decision.message}`, { details: { topic, partition } });
    if (decision.kind === "duplicate") return { baseOffset: decision.batch.firstOffset, logAppendTime: decision.batch.logAppendTime };
    // As in the broker: the log validates and assigns offsets synchronously inside append(),
    // so the sequence check above and the state update below see no other append in between.
    setPartitionLeaderEpoch(batch, 0, LEADER_EPOCH);
    const before = log.logEndOffset();
    const pending = log.append(batch);
    if (log.logEndOffset() > before) {
      producers.set(producerId, recordBatch(producers.get(producerId), 0, { firstSeq, lastSeq, firstOffset: before, lastOffset: log.logEndOffset() - 1, logAppendTime: -1 }));
      this.sequences.set(key, advanceSequence(firstSeq, count));
    }
    const result = await pending;
    if (result.logAppendTime >= 0) {
      const meta = producers.get(producerId)?.batches.find((b) => b.firstOffset === result.baseOffset);
      if (meta !== undefined) meta.logAppendTime = result.logAppendTime;
    }
    return { baseOffset: result.baseOffset, logAppendTime: result.logAppendTime };
  }

  private async ensureProducerId(): Promise<number> {
    if (this.producerId >= 0) return this.producerId;
    this.producerIdPending ??= this.producers.allocateId();
    this.producerId = await this.producerIdPending;
    return this.producerId;
  }

  /** See {@link LogClient.close}: closes the log when this client opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsLog) await this.log.close();
  }

  /** Runs a synchronous log call, turning its throw into a rejection. */
  private call<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      this.checkOpen();
      resolve(fn());
    });
  }
}

