/**
 * Spark's Kafka writer (`df.write.format("kafka")`) over a {@link LogClient}.
 *
 * Columns, as Spark's KafkaWriter takes them (by exact name; others are ignored):
 * - `value` (string or binary) — required;
 * - `key` (string or binary) — optional, null when absent;
 * - `topic` (string) — required unless the `topic` option is set, which then wins;
 * - `partition` (int) — optional; absent or null, records with a key go to
 *   `murmur2(key) % partitions` (Kafka's default partitioner) and keyless records stick to one
 *   partition per batch, moving round-robin from batch to batch (Kafka's sticky partitioner);
 * - `headers` (array<struct<key: string, value: binary>>) — optional.
 *
 * Records are gathered per topic-partition into record batches (compression from
 * `kafka.compression.type`: none, gzip, snappy, lz4, zstd; batch size from `kafka.batch.size`)
 * and produced idempotently with acks=all; the write resolves once every batch is acknowledged.
 * Every input partition (one stream of `execute()`) is written concurrently, as Spark's tasks are.
 */
import { murmur2, partitionForKey } from "../../client/partitioner.js";
import type { LogClient } from "../../client/log-client.js";
import { buildBatch, type CompressionCodec, type RecordHeader, type RecordInput } from "../../protocol/records/index.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import { simpleString, sameType, type DataType, type Row, type StructType } from "../types.js";
import { lowerCaseOptions } from "./kafka-options.js";
import { KAFKA_HEADERS_TYPE } from "./kafka-source.js";

/** What the Kafka writer needs of a DataFrame. */
export interface KafkaWriteInput {
  readonly schema: StructType;
  execute(opts?: { signal?: AbortSignal }): Promise<AsyncIterable<Row[]>[]>;
}

const CODECS: readonly CompressionCodec[] = ["none", "gzip", "snappy", "lz4", "zstd"];
/** Target uncompressed bytes of one record batch (Kafka's batch.size is 16 KiB; larger batches write faster here). */
const BATCH_BYTES_DEFAULT = 512 * 1024;
/** Records in one batch at most. */
const BATCH_RECORDS_MAX = 10_000;
/** Produce requests one input stream keeps in flight. */
const IN_FLIGHT_MAX = 16;
/** Per-record bytes beyond key, value and headers (length, attributes, deltas, counts). */
const RECORD_OVERHEAD_BYTES = 12;

function analysis(message: string): WeirError {
  return new WeirError("ANALYSIS", message);
}

/** The column `name` checked against the types Spark allows, or undefined when absent. */
function column(schema: StructType, name: string, allowed: readonly DataType[]): number | undefined {
  const i = schema.fields.findIndex((f) => f.name === name);
  if (i < 0) return undefined;
  const t = schema.fields[i].dataType;
  if (!allowed.some((a) => sameType(a, t))) {
    throw analysis(`${name} attribute unsupported type ${simpleString(t)}. ${name} must be a(n) ${allowed.map(simpleString).join(" or ")}`);
  }
  return i;
}


interface Pending {
  records: RecordInput[];
  bytes: number;
}

/** Kafka's producer default of `metadata.max.age.ms`: how long a topic's partition count is trusted. */
export const METADATA_MAX_AGE_MS_DEFAULT = 300_000;

/**
 * Partition counts of topics, kept across writes (a streaming query's batches) for
 * `kafka.metadata.max.age.ms` as a Kafka producer keeps its metadata, so a batch does not ask for
 * metadata again. A topic that grew is seen once its entry is older than that; a topic gone fails
 * the write that produces to it.
 */
export class TopicPartitionsCache {
  private readonly entries = new Map<string, { partitions: number; atMs: number }>();

  /** The partition count of `topic` learnt less than `maxAgeMs` ago, if any. */
  get(topic: string, maxAgeMs: number, nowMs: number = Date.now()): number | undefined {
    const e = this.entries.get(topic);
    return e !== undefined && nowMs - e.atMs < maxAgeMs ? e.partitions : undefined;
  }

  /** Remembers that `topic` has `partitions` partitions now. */
  set(topic: string, partitions: number, nowMs: number = Date.now()): void {
    this.entries.set(topic, { partitions, atMs: nowMs });
  }
}

/**
 * Writes `input` to Kafka as Spark's Kafka writer does; resolves with the number of records
 * written. `cache`: partition counts kept across calls (a streaming sink's), see
 * {@link TopicPartitionsCache}; without it every call asks for the topics' metadata.
 */
export async function writeKafka(client: LogClient, input: KafkaWriteInput, options: ReadonlyMap<string, string>, cache?: TopicPartitionsCache): Promise<{ records: number }> {
  const params = lowerCaseOptions(options);
  if (params.has("kafka.key.serializer")) throw new WeirError("INVALID_ARGUMENT", "Kafka option 'key.serializer' is not supported as keys are serialized with ByteArraySerializer.");
  if (params.has("kafka.value.serializer")) throw new WeirError("INVALID_ARGUMENT", "Kafka option 'value.serializer' is not supported as value are serialized with ByteArraySerializer.");
  const codecText = (params.get("kafka.compression.type") ?? "none").trim().toLowerCase();
  if (!(CODECS as readonly string[]).includes(codecText)) {
    throw new WeirError("INVALID_ARGUMENT", `option kafka.compression.type must be one of ${CODECS.join(", ")}; got ${JSON.stringify(params.get("kafka.compression.type"))}`, {
      details: { option: "kafka.compression.type" },
    });
  }
  const codec = codecText as CompressionCodec;
  const batchSizeText = params.get("kafka.batch.size");
  const batchBytes = batchSizeText === undefined ? BATCH_BYTES_DEFAULT : Number(batchSizeText.trim());
  if (!Number.isSafeInteger(batchBytes) || batchBytes < 0) {
    throw new WeirError("INVALID_ARGUMENT", `option kafka.batch.size must be a non-negative integer of bytes; got ${JSON.stringify(batchSizeText)}`, { details: { option: "kafka.batch.size" } });
  }
  const topicOption = params.get("topic")?.trim();
  const maxAgeText = params.get("kafka.metadata.max.age.ms");
  const maxAgeMs = maxAgeText === undefined ? METADATA_MAX_AGE_MS_DEFAULT : Number(maxAgeText.trim());
  if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs < 0) {
    throw new WeirError("INVALID_ARGUMENT", `option kafka.metadata.max.age.ms must be a non-negative integer of milliseconds; got ${JSON.stringify(maxAgeText)}`, {
      details: { option: "kafka.metadata.max.age.ms" },
    });
  }

  // Spark's KafkaWriter.validateQuery, in its order.
  const schema = input.schema;
  const topicCol = topicOption === undefined ? column(schema, "topic", [{ kind: "string" }]) : undefined;
  if (topicOption === undefined && topicCol === undefined) {
    throw analysis("topic option required when no 'topic' attribute is present. Use the topic option for setting a topic.");
  }
  const keyCol = column(schema, "key", [{ kind: "string" }, { kind: "binary" }]);
  const valueCol = column(schema, "value", [{ kind: "string" }, { kind: "binary" }]);
  if (valueCol === undefined) throw analysis("Required attribute 'value' not found");
  const headersCol = column(schema, "headers", [KAFKA_HEADERS_TYPE]);
  const partitionCol = column(schema, "partition", [{ kind: "int" }]);

  const known = new Map<string, number>();
  const lookups = new Map<string, Promise<number>>();
  const partitionsOf = (topic: string): Promise<number> => {
    let p = lookups.get(topic);
    if (p === undefined) {
      const cached = cache?.get(topic, maxAgeMs);
      if (cached !== undefined) {
        known.set(topic, cached);
        return Promise.resolve(cached);
      }
      p = client.describeTopics([topic]).then((m) => {
        const t = m.get(topic);
        if (t === undefined) throw new WeirError("NOT_FOUND", `topic ${JSON.stringify(topic)} does not exist; create it first (the Kafka writer does not create topics)`, { details: { topic } });
        known.set(topic, t.partitions);
        cache?.set(topic, t.partitions);
        return t.partitions;
      });
      lookups.set(topic, p);
    }
    return p;
  };
  /** The partition keyless records of a topic go to until their batch is full (Kafka's sticky partitioner). */
  const sticky = new Map<string, number>();

  const abort = new AbortController();
  const streams = await input.execute({ signal: abort.signal });
  let written = 0;

  const writeStream = async (stream: AsyncIterable<Row[]>): Promise<void> => {
    const pending = new Map<string, Pending & { topic: string; partition: number }>();
    const inFlight: Promise<void>[] = [];
    const flush = async (p: Pending & { topic: string; partition: number }): Promise<void> => {
      pending.delete(`${p.topic}\0${p.partition}`);
      const count = p.records.length;
      const sent = client.produce(p.topic, p.partition, buildBatch(p.records, { compression: codec })).then(() => {
        written += count;
      });
      // Marked handled now; the failure still surfaces where the promise is awaited.
      sent.catch(() => undefined);
      inFlight.push(sent);
      if (inFlight.length >= IN_FLIGHT_MAX) await inFlight.shift();
    };
    for await (const rows of stream) {
      for (const row of rows) {
        const topic = topicOption ?? (row[topicCol!] as string | null);
        if (topic === null || topic === undefined) {
          throw new WeirError("EXECUTION", "[KAFKA_NULL_TOPIC_IN_DATA] The Kafka message data sent to the producer contains a null topic. Use the `topic` option for setting a default topic.");
        }
        const partitions = known.get(topic) ?? (await partitionsOf(topic));
        const key = toBytes(keyCol === undefined ? null : row[keyCol]);
        const value = toBytes(row[valueCol]);
        const headers = headersCol === undefined ? undefined : toHeaders(row[headersCol]);
        let partition = partitionCol === undefined ? null : (row[partitionCol] as number | null);
        if (partition === null) {
          partition = key !== null ? partitionForKey(key, partitions) : (sticky.get(topic) ?? 0) % partitions;
        } else if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
          throw new WeirError("EXECUTION", `partition ${partition} of a record is not a partition of topic ${topic}, which has ${partitions} (0-${partitions - 1})`, { details: { topic, partition } });
        }
        const k = `${topic}\0${partition}`;
        let p = pending.get(k);
        if (p === undefined) {
          p = { topic, partition, records: [], bytes: 0 };
          pending.set(k, p);
        }
        p.records.push(headers === undefined ? { key, value } : { key, value, headers });
        p.bytes += (key?.length ?? 0) + (value?.length ?? 0) + RECORD_OVERHEAD_BYTES + headerBytes(headers);
        if (p.bytes >= batchBytes || p.records.length >= BATCH_RECORDS_MAX) {
          if ((sticky.get(topic) ?? 0) % partitions === partition) sticky.set(topic, (partition + 1) % partitions);
          await flush(p);
        }
      }
    }
    for (const p of [...pending.values()]) await flush(p);
    await Promise.all(inFlight);
  };

  try {
    await Promise.all(streams.map((s) => writeStream(s)));
  } catch (e) {
    abort.abort();
    if (isWeirError(e)) throw e;
    throw new WeirError("EXECUTION", `writing to Kafka failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return { records: written };
}

function toBytes(v: unknown): Buffer | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === "string") return Buffer.from(v, "utf8");
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new WeirError("EXECUTION", `a Kafka key or value must be a string or binary, got ${typeof v}`);
}

/** array<struct<key, value>> values ([key, value] pairs) as record headers; null means none. */
function toHeaders(v: unknown): RecordHeader[] | undefined {
  if (v === null || v === undefined) return undefined;
  const out: RecordHeader[] = [];
  for (const h of v as unknown[]) {
    if (h === null) continue;
    const [key, value] = h as [unknown, unknown];
    if (typeof key !== "string") throw new WeirError("EXECUTION", "a Kafka header key must be a non-null string");
    out.push({ key, value: toBytes(value) });
  }
  return out;
}

function headerBytes(headers: RecordHeader[] | undefined): number {
  if (headers === undefined) return 0;
  let n = 0;
  for (const h of headers) n += h.key.length * 3 + (h.value?.length ?? 0) + 4;
  return n;
}

export { murmur2, partitionForKey };
