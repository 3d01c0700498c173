/**
 * Spark's Kafka batch source over a {@link LogClient}: `spark.read.format("kafka")` with Spark's
 * options (kafka-options.ts), schema and semantics.
 *
 *   key: binary, value: binary, topic: string, partition: int, offset: bigint,
 *   timestamp: timestamp, timestampType: int[, headers: array<struct<key: string, value: binary>>]
 *
 * Offset ranges are fixed when the query runs ({@link ScanSource.partitions}); each scan
 * partition then fetches raw record batches and decodes them lazily straight into rows: keys,
 * values and header values are Buffer views of the fetched bytes, never copies. Control batches
 * (transaction markers) are skipped; records before the range are skipped, the scan stops at its
 * end. The next fetch is in flight while the current bytes are decoded.
 *
 * Pushed filters narrow what is read (the engine applies them again): `partition = n` / `IN`,
 * offset comparisons, and a lower bound on `timestamp` (through ListOffsets by time, which is
 * exact for lower bounds: every record before the offset it returns is older). Upper bounds on
 * timestamps are not pushed: producers' timestamps need not grow with offsets.
 *
 * A scan is two halves, {@link fetchRange} (the fetch loop: range, data loss, prefetch) and
 * {@link RangeDecoder} (record batches into row batches), so that the parallel aggregation
 * (exec/parallel/) can run the first on the thread that owns the log and the second on a
 * worker thread; {@link KAFKA_SCAN} and {@link KAFKA_RANGE} give it access to both.
 */
import type { LogClient, LogFetchResult } from "../../client/log-client.js";
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, isControlBatch, readBatchHeader } from "../../protocol/records/index.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import type { ScanOptions, ScanPartition, ScanSource } from "../source.js";
import { BinaryType, IntegerType, LongType, StringType, TimestampType, arrayOf, field, struct, type Row, type StructType } from "../types.js";
import { parseKafkaReadOptions, type KafkaReadOptions } from "./kafka-options.js";
import { dataLossError, planOffsetRanges, type OffsetRange } from "./kafka-plan.js";
import { pushedBounds } from "./kafka-filters.js";
import { BATCH_ROWS, setRowSource } from "../exec/operator.js";
import { HEADERS, KEY, OFFSET, PARTITION, RowDecoder, TIMESTAMP, TIMESTAMP_TYPE, TOPIC, VALUE, type ValueReader, type ValueSink } from "./kafka-decode.js";

/** One fetch of an offset range's scan: whole record batches, to be read from `from` until `until`. */
export interface RangeFetch {
  /** The fetched record batches (the first may start before `from`; control batches included). */
  readonly records: Buffer;
  /** The log already checked every batch's frame and CRC (see LogFetchResult). */
  readonly framesChecked: boolean;
  /** The first offset wanted from these batches. */
  readonly from: number;
  /** The end (exclusive) of the range. */
  readonly until: number;
  /**
   * The {@link FetchTargets} buffer the records were read into (they are a view of it, from its
   * start), or -1 when they have memory of their own.
   */
  readonly target: number;
}

/**
 * Buffers a fetch loop may read its fetches into (through {@link LogClient.fetchInto}), so that
 * its caller allocates nothing per fetch. A buffer taken is the caller's again with the fetch
 * read into it (RangeFetch.target), which gives it back with `release` once done with it; a
 * buffer the read did not use is given back by the loop.
 */
export interface FetchTargets {
  /** A free buffer and its id, or null when none is free (the fetch then gets its own memory). */
  take(): { readonly id: number; readonly buffer: Buffer } | null;
  /** Makes buffer `id` free again. */
  release(id: number): void;
}

/** What the parallel aggregation needs of a Kafka source (the `KAFKA_SCAN` property of the source). */
export interface KafkaScanHandle {
  /** The log client the source reads. */
  readonly client: LogClient;
  /** Rows per row batch. */
  readonly batchRows: number;
  /** Bytes asked for per fetch (a fetch holds more only when its first record batch is larger). */
  readonly fetchBytes: number;
  /** The schema positions a decoder builds for a scan of these columns (all when undefined). */
  decoderColumns(columns: readonly number[] | undefined): number[];
}

/** What the parallel aggregation needs of one Kafka scan partition (its `KAFKA_RANGE` property). */
export interface KafkaRangeHandle {
  readonly range: OffsetRange;
  /** The range's fetch loop, as the scan runs it. */
  fetches(opts: ScanOptions, targets?: FetchTargets): AsyncGenerator<RangeFetch>;
  /** The range's rows as `rows(opts)` gives them, with the value column read by `valueReader` (see RowDecoder). */
  readValues(opts: ScanOptions, valueReader: ValueReader): AsyncGenerator<Row[]>;
}

/** The key of a Kafka source's {@link KafkaScanHandle}. */
export const KAFKA_SCAN: unique symbol = Symbol("weir.kafkaScan");
/** The key of a Kafka scan partition's {@link KafkaRangeHandle}. */
export const KAFKA_RANGE: unique symbol = Symbol("weir.kafkaRange");

/** The Kafka source's ScanSource, with its handle. */
export type KafkaScanSource = ScanSource & { readonly [KAFKA_SCAN]: KafkaScanHandle };
/** A Kafka scan partition, with its handle. */
export type KafkaScanPartition = ScanPartition & { readonly [KAFKA_RANGE]: KafkaRangeHandle };

/** The Kafka handle of a source, or undefined for other sources. */
export function kafkaScanOf(source: ScanSource): KafkaScanHandle | undefined {
  return (source as Partial<KafkaScanSource>)[KAFKA_SCAN];
}

/** The Kafka handle of a scan partition, or undefined for other sources' partitions. */
export function kafkaRangeOf(partition: ScanPartition): KafkaRangeHandle | undefined {
  return (partition as Partial<KafkaScanPartition>)[KAFKA_RANGE];
}

/** Tuning of a Kafka scan. */
export interface KafkaSourceTuning {
  /** Bytes asked for per fetch (default: `kafka.max.partition.fetch.bytes`, else 4 MiB). */
  fetchBytes?: number;
  /** Rows per yielded batch (default the engine's BATCH_ROWS, 1 024). */
  batchRows?: number;
  /**
   * The offset ranges, planned already (a streaming batch's, from its offsets log): the scan
   * reads exactly these and asks the log nothing to plan them; records removed since are found
   * by the fetches and follow `failOnDataLoss` there. Default: planned from the options.
   */
  ranges?: readonly OffsetRange[];
}

const ALL = [KEY, VALUE, TOPIC, PARTITION, OFFSET, TIMESTAMP, TIMESTAMP_TYPE];
const ALL_WITH_HEADERS = [...ALL, HEADERS];
// Field positions in a batch header.
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const FETCH_BYTES_DEFAULT = 4 * 1024 * 1024;
const BATCH_ROWS_DEFAULT = BATCH_ROWS;

/** The headers column's type: array<struct<key: string, value: binary>>. */
export const KAFKA_HEADERS_TYPE = arrayOf(struct([field("key", StringType), field("value", BinaryType)]));

/** Spark's Kafka source schema (every column nullable, as Spark declares them). */
export function kafkaSchema(includeHeaders: boolean): StructType {
  const fields = [
    field("key", BinaryType),
    field("value", BinaryType),
    field("topic", StringType),
    field("partition", IntegerType),
    field("offset", LongType),
    field("timestamp", TimestampType),
    field("timestampType", IntegerType),
  ];
  if (includeHeaders) fields.push(field("headers", KAFKA_HEADERS_TYPE));
  return struct(fields);
}

/**
 * Builds Spark's Kafka batch source. Options are validated now (INVALID_ARGUMENT with Spark's
 * messages); topics and offsets are resolved when the query runs.
 */
export function createKafkaSource(client: LogClient, options: ReadonlyMap<string, string>, tuning: KafkaSourceTuning = {}): ScanSource {
  const o = parseKafkaReadOptions(options);
  const schema = kafkaSchema(o.includeHeaders);
  const s = o.strategy;
  const what = s.kind === "subscribe" ? s.topics.join(", ") : s.kind === "subscribePattern" ? `pattern ${s.source}` : s.partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(", ");
  const fetchBytes = tuning.fetchBytes ?? o.fetchBytes ?? FETCH_BYTES_DEFAULT;
  const batchRows = Math.max(1, tuning.batchRows ?? BATCH_ROWS_DEFAULT);
  const decoderColumns = (columns: readonly number[] | undefined): number[] => [...(columns ?? (o.includeHeaders ? ALL_WITH_HEADERS : ALL))];
  const source: KafkaScanSource = {
    description: `kafka [${what}]`,
    schema,
    async partitions(): Promise<ScanPartition[]> {
      const ranges = tuning.ranges ?? (await planOffsetRanges(client, o));
      return ranges.map(
        (r): KafkaScanPartition => ({
          description: `${r.topic}-${r.partition} [${r.from}, ${r.until})`,
          rows: (opts: ScanOptions) => scanRange(client, o, r, opts, fetchBytes, decoderColumns(opts.columns), batchRows),
          [KAFKA_RANGE]: {
            range: r,
            fetches: (opts: ScanOptions, targets?: FetchTargets) => fetchRange(client, o, r, opts, fetchBytes, targets),
            readValues: (opts: ScanOptions, valueReader: ValueReader) => scanRange(client, o, r, opts, fetchBytes, decoderColumns(opts.columns), batchRows, valueReader),
          },
        }),
      );
    },
    [KAFKA_SCAN]: { client, batchRows, fetchBytes, decoderColumns },
  };
  return source;
}

/** The last offset + 1 of the whole batches in `records`. */
function endOfBatches(records: Buffer): number {
  let pos = 0;
  let end = -1;
  while (records.length - pos >= BATCH_HEADER_BYTES) {
    const total = records.readInt32BE(pos + 8) + BATCH_LOG_OVERHEAD;
    end = readBatchHeader(records, pos).baseOffset + records.readInt32BE(pos + LAST_OFFSET_DELTA) + 1;
    pos += total;
  }
  return end;
}

type Fetched = { ok: true; result: LogFetchResult; target: number } | { ok: false; error: unknown };

/** Starts a fetch whose failure is kept as data, so an unawaited prefetch never rejects unhandled. */
function startFetch(client: LogClient, r: OffsetRange, offset: number, bytes: number, targets?: FetchTargets): Promise<Fetched> {
  const t = targets !== undefined && client.fetchInto !== undefined ? targets.take() : null;
  if (t === null) {
    return client.fetch(r.topic, r.partition, offset, bytes).then(
      (result) => ({ ok: true as const, result, target: -1 }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  }
  return (client.fetchInto as NonNullable<LogClient["fetchInto"]>)(r.topic, r.partition, offset, bytes, t.buffer).then(
    (result) => {
      // Batches that did not fit (or nothing to read) come in memory of their own.
      const r = result.records;
      if (r.length > 0 && r.buffer === t.buffer.buffer && r.byteOffset === t.buffer.byteOffset) return { ok: true as const, result, target: t.id };
      targets?.release(t.id);
      return { ok: true as const, result, target: -1 };
    },
    (error: unknown) => {
      targets?.release(t.id);
      return { ok: false as const, error };
    },
  );
}

/** The rows of one offset range (see the module comment): its fetches, decoded. */
async function* scanRange(
  client: LogClient,
  o: KafkaReadOptions,
  r: OffsetRange,
  opts: ScanOptions,
  fetchBytes: number,
  columns: readonly number[],
  batchRows: number,
  valueReader: ValueReader | null = null,
): AsyncGenerator<Row[]> {
  const signal = opts.signal;
  const decoder = new RangeDecoder(columns, r.topic, r.partition, batchRows, valueReader);
  for await (const f of fetchRange(client, o, r, opts, fetchBytes)) {
    for (const batch of decoder.decode(f)) {
      yield batch;
      if (isAborted(signal)) return;
    }
  }
  if (isAborted(signal)) return;
  const last = decoder.flush();
  if (last !== null) yield last;
}

/**
 * The fetch loop of one offset range: the fetches that cover it, in order, each holding whole
 * record batches (the records to read are those in [from, until)). The next fetch is in flight
 * while the caller handles one. Records removed since planning follow `failOnDataLoss`.
 */
export async function* fetchRange(client: LogClient, o: KafkaReadOptions, r: OffsetRange, opts: ScanOptions, fetchBytes: number, targets?: FetchTargets): AsyncGenerator<RangeFetch> {
  const bounds = pushedBounds(opts.filters ?? [], r.partition);
  if (bounds === null) return;
  let next = Math.max(r.from, bounds.fromOffset);
  const until = Math.min(r.until, bounds.untilOffset);
  if (next >= until) return;
  if (bounds.fromTimestampMs !== null) {
    const [at] = await client.offsetsForTimes([{ topic: r.topic, partition: r.partition, timestamp: bounds.fromTimestampMs }]);
    if (at === null) return;
    next = Math.max(next, at);
    if (next >= until) return;
  }
  const signal = opts.signal;
  let pending: Promise<Fetched> | null = startFetch(client, r, next, fetchBytes, targets);
  try {
    while (next < until && pending !== null) {
      if (isAborted(signal)) return;
      const fetched: Fetched = await pending;
      pending = null;
      if (!fetched.ok) {
        const e = fetched.error;
        if (!isWeirError(e, "OFFSET_OUT_OF_RANGE")) throw e;
        // Retention (or a truncation) removed the records from `next` on since planning.
        const [start] = await client.earliestOffsets([{ topic: r.topic, partition: r.partition }]);
        if (next >= start) throw e;
        if (o.failOnDataLoss) throw dataLossError(r.topic, r.partition, next, start);
        next = start;
        if (next >= until) break;
        pending = startFetch(client, r, next, fetchBytes, targets);
        continue;
      }
      const { records, highWatermark, framesChecked } = fetched.result;
      const end = endOfBatches(records);
      if (end <= next) {
        if (fetched.target >= 0) targets?.release(fetched.target);
        // Nothing more to read: the range was planned past what the partition holds now.
        if (o.failOnDataLoss) {
          throw dataLossEnd(r, next, until, highWatermark);
        }
        break;
      }
      if (end < until) pending = startFetch(client, r, end, fetchBytes, targets);
      yield { records, framesChecked, from: next, until, target: fetched.target };
      next = end;
    }
  } finally {
    // A prefetch left behind (the caller stopped early) gives its buffer back once it is read.
    void pending?.then((f) => {
      if (f.ok && f.target >= 0) targets?.release(f.target);
    });
  }
}

/**
 * Decodes an offset range's fetches, in order, into row batches of `batchRows` rows (a record
 * batch may hold many more records than a row batch: they are handed out batchRows at a time),
 * each marked with its records' topic, partition and offsets for error messages.
 */
export class RangeDecoder {
  private readonly decoder: RowDecoder;
  private out: Row[] = [];

  constructor(
    columns: readonly number[],
    private readonly topic: string,
    private readonly partition: number,
    private readonly batchRows: number,
    /** Reads the value column in place (see RowDecoder); null for Buffer views. */
    valueReader: ValueReader | null = null,
    /** Takes every record's value instead (see RowDecoder): no rows are then given. */
    sink: ValueSink | null = null,
  ) {
    this.decoder = new RowDecoder(columns, topic, partition, valueReader, sink);
  }

  /** The full row batches of one fetch; rows that do not fill a batch wait for the next fetch (or {@link flush}). */
  *decode(f: RangeFetch): Generator<Row[]> {
    const { records, from, until } = f;
    const decoder = this.decoder;
    const batchRows = this.batchRows;
    let pos = 0;
    while (records.length - pos >= BATCH_HEADER_BYTES) {
      const at = pos;
      const baseOffset = readBatchHeader(records, at).baseOffset;
      pos += records.readInt32BE(at + 8) + BATCH_LOG_OVERHEAD;
      if (baseOffset >= until) break;
      if (baseOffset + records.readInt32BE(at + LAST_OFFSET_DELTA) < from || isControlBatch(records.readInt16BE(at + ATTRIBUTES))) continue;
      decoder.begin(records, at, f.framesChecked, from, until);
      while (!decoder.next(this.out, batchRows)) yield this.take();
      if (this.out.length >= batchRows) yield this.take();
    }
  }

  /** The last rows, fewer than a batch, or null when there are none. */
  flush(): Row[] | null {
    return this.out.length > 0 ? this.take() : null;
  }

  private take(): Row[] {
    const batch = sourced(this.out, this.topic, this.partition, this.decoder.offsets);
    this.out = [];
    return batch;
  }
}

/** Marks a row batch with its records' topic, partition and offsets (for errors), and empties `offsets`. */
function sourced(batch: Row[], topic: string, partition: number, offsets: number[]): Row[] {
  const at = offsets.slice(0, batch.length);
  offsets.length = 0;
  setRowSource(batch, (i) => `topic ${topic}, partition ${partition}, offset ${at[i]}`);
  return batch;
}

/** True once `signal` aborted (a function, so that TypeScript does not narrow across yields). */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** The failure of a range planned past what its partition now holds. */
function dataLossEnd(r: OffsetRange, next: number, until: number, highWatermark: number): WeirError {
  return new WeirError(
    "OFFSET_OUT_OF_RANGE",
    `[KAFKA_DATA_LOSS] Cannot fetch records in [${next}, ${until}) of ${r.topic}-${r.partition}: the partition ends at offset ${highWatermark}. Set the source option "failOnDataLoss" to "false" to read what there is.`,
    { details: { topic: r.topic, partition: r.partition, offset: next, endOffset: until, highWatermark } },
  );
}
