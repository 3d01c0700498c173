/**
 * Wire load generators for benchmarks against a broker running in another process.
 *
 * They are built so the generator is not the bottleneck: produce requests are encoded once and
 * only their correlation id is patched before each send; consumed batches are counted from their
 * headers, never decoded. Each reports its own CPU use beside the broker's, so a reader can see
 * which side was busy.
 */
import { Connection } from "../../src/client/wire/index.js";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { ProduceRequest, ProduceResponse } from "../../src/protocol/messages/index.js";
import { buildBatch } from "../../src/protocol/records/index.js";
import type { BrokerProcess } from "./processes.js";
import { LatencyRecorder, secondsSince } from "./stats.js";
import { CORRELATION_ID_OFFSET, decodeResponseFrame, encodeRequestFrame, WireConnection } from "./wire.js";

const MB = 1e6;
const PRODUCE_VERSION = 9;
const FETCH_VERSION = 12;
const METADATA_VERSION = 9;
/** Consecutive empty answers below the high watermark after which {@link consumeAll} gives up. */
const FETCH_STALLS_MAX = 10;
/** Offsets of the batch header fields read by the consumer (record batch v2). */
const BATCH_LENGTH_AT = 8;
const LAST_OFFSET_DELTA_AT = 23;
const RECORDS_COUNT_AT = 57;
const BATCH_HEADER_BYTES = 61;
const BATCH_LOG_OVERHEAD = 12;

/** Pre-built record batches of equal size and record count. */
export interface BatchSet {
  batches: Buffer[];
  recordsPerBatch: number;
  recordValueBytes: number;
}

/** `distinct` different batches, each as many `valueBytes`-byte records (null keys) as fit in `batchBytes`. */
export function makeBatches(valueBytes: number, batchBytes: number, distinct = 16): BatchSet {
  const value = (i: number, j: number): Buffer => Buffer.from(`${i}:${j}:`.padEnd(valueBytes, "x").slice(0, valueBytes));
  const build = (i: number, n: number): Buffer => buildBatch(Array.from({ length: n }, (_, j) => ({ key: null, value: value(i, j) })));
  let n = 1;
  while (build(0, n + 1).length <= batchBytes) n++;
  return { batches: Array.from({ length: distinct }, (_, i) => build(i, n)), recordsPerBatch: n, recordValueBytes: valueBytes };
}

/** Creates `topic` through Metadata auto-creation and checks its partition count. */
export async function createTopic(b: BrokerProcess, topic: string, partitions: number): Promise<void> {
  const c = await Connection.connect({ host: b.host, port: b.port, clientId: "weir-bench" });
  try {
    const res = await c.send(ApiKey.Metadata, METADATA_VERSION, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const t = res.topics.find((x) => x.name === topic);
    if (t === undefined || t.errorCode !== 0 || t.partitions.length !== partitions) {
      throw new Error(`topic ${topic} was not created with ${partitions} partitions (start the broker with --default-partitions ${partitions}): ${JSON.stringify(t)}`);
    }
  } finally {
    c.close();
  }
}

/** CPU use of the broker and of this process (the load generator) over a phase, in % of one core. */
export interface CpuMeter {
  stop(): { brokerCpuPct: number; generatorCpuPct: number };
}

/** Starts measuring; {@link CpuMeter.stop} gives the averages since. */
export function cpuMeter(b: BrokerProcess): CpuMeter {
  const t0 = process.hrtime.bigint();
  const g0 = process.cpuUsage();
  const b0 = b.stats()?.cpuSeconds ?? NaN;
  return {
    stop: () => {
      const s = secondsSince(t0);
      const g = process.cpuUsage(g0);
      const b1 = b.stats()?.cpuSeconds ?? NaN;
      return { brokerCpuPct: ((b1 - b0) / s) * 100, generatorCpuPct: ((g.user + g.system) / 1e6 / s) * 100 };
    },
  };
}

/** Options of {@link produceLoad}. */
export interface ProduceLoadOptions {
  topic: string;
  partitions: number;
  acks: number;
  /** Stop once this many records are acknowledged (rounded up to whole requests)... */
  records: number;
  /** ...or once this long has passed. */
  secondsMax: number;
  connections: number;
  inflightPerConnection: number;
  batches: BatchSet;
}

/** What {@link produceLoad} measured. Latency is per request, from write to response. */
export interface ProduceFigures {
  acks: number;
  connections: number;
  inflightPerConnection: number;
  records: number;
  bytes: number;
  requests: number;
  seconds: number;
  recordsPerS: number;
  mbPerS: number;
  latencyMs: { p50: number; p99: number; max: number };
  brokerCpuPct: number;
  generatorCpuPct: number;
}

/** One Produce v9 frame carrying one batch for each partition of `topic`. */
function produceFrame(o: ProduceLoadOptions, first: number): Buffer {
  const { batches } = o.batches;
  return encodeRequestFrame(ProduceRequest, PRODUCE_VERSION, {
    transactionalId: null,
    acks: o.acks,
    timeoutMs: 30_000,
    topicData: [{ name: o.topic, partitionData: Array.from({ length: o.partitions }, (_, p) => ({ index: p, records: batches[(first + p) % batches.length] })) }],
  });
}

/**
 * Sends pre-encoded Produce requests (one batch per partition each), `inflightPerConnection` at
 * a time on each connection, until the record target or the time limit. Every in-flight slot
 * owns its frame, so a frame is never patched while the socket may still be writing it. Any
 * error code in a response fails the run.
 */
export async function produceLoad(b: BrokerProcess, o: ProduceLoadOptions): Promise<ProduceFigures> {
  const conns = await Promise.all(Array.from({ length: o.connections }, () => WireConnection.open(b.host, b.port)));
  const frames = conns.map((_, c) => Array.from({ length: o.inflightPerConnection }, (_, s) => produceFrame(o, c * o.inflightPerConnection + s)));
  const recordsPerRequest = o.partitions * o.batches.recordsPerBatch;
  const bytesPerRequest = o.partitions * o.batches.batches[0].length;
  const targetRequests = Math.ceil(o.records / recordsPerRequest);
  const latency = new LatencyRecorder();
  let sent = 0;
  let acked = 0;
  let outstanding = 0;
  let maxMs = 0;
  const deadline = Date.now() + o.secondsMax * 1000;
  const cpu = cpuMeter(b);
  const t0 = process.hrtime.bigint();
  let tLast = t0;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: Error): void => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      const send = (conn: WireConnection, frame: Buffer): void => {
        if (failed) return;
        if (sent >= targetRequests || Date.now() > deadline) {
          if (outstanding === 0) resolve();
          return;
        }
        const id = ++sent;
        outstanding++;
        frame.writeInt32BE(id, CORRELATION_ID_OFFSET);
        const ts = process.hrtime.bigint();
        conn.sendRaw(frame, (body) => {
          outstanding--;
          const now = process.hrtime.bigint();
          if (body.length === 0) return fail(conn.error ?? new Error("empty response"));
          const ms = Number(now - ts) / 1e6;
          latency.add(ms);
          if (ms > maxMs) maxMs = ms;
          const res = decodeResponseFrame(ProduceResponse, PRODUCE_VERSION, body);
          if (res.correlationId !== id) return fail(new Error(`correlation id ${res.correlationId} answers request ${id}`));
          for (const t of res.body.responses) {
            for (const p of t.partitionResponses) {
              if (p.errorCode !== 0) return fail(new Error(`produce to ${t.name}-${p.index} failed: error ${p.errorCode} ${p.errorMessage ?? ""}`));
            }
          }
          acked++;
          tLast = now;
          send(conn, frame);
        });
      };
      conns.forEach((conn, c) => frames[c].forEach((f) => send(conn, f)));
    });
  } finally {
    for (const c of conns) c.close();
  }
  const seconds = Number(tLast - t0) / 1e9;
  const [p50, p99] = latency.percentiles([50, 99]);
  const records = acked * recordsPerRequest;
  const bytes = acked * bytesPerRequest;
  return {
    acks: o.acks,
    connections: o.connections,
    inflightPerConnection: o.inflightPerConnection,
    records,
    bytes,
    requests: acked,
    seconds,
    recordsPerS: records / seconds,
    mbPerS: bytes / MB / seconds,
    latencyMs: { p50, p99, max: maxMs },
    ...cpu.stop(),
  };
}

/** Options of {@link consumeAll}. */
export interface ConsumeOptions {
  topic: string;
  partitions: number;
  connections: number;
  partitionMaxBytes: number;
  maxBytes: number;
}

/** What {@link consumeAll} measured; bytes are record batch bytes. */
export interface ConsumeFigures {
  connections: number;
  records: number;
  bytes: number;
  fetches: number;
  seconds: number;
  recordsPerS: number;
  mbPerS: number;
  brokerCpuPct: number;
  generatorCpuPct: number;
}

/**
 * Fetches every partition from offset 0 to the high watermark its first answer reports, the
 * partitions spread over the connections, each connection with one Fetch v12 in flight (as a
 * Kafka consumer has per broker). Records are counted from batch headers (recordsCount at byte
 * 57), walking batches by batchLength.
 */
export async function consumeAll(b: BrokerProcess, o: ConsumeOptions): Promise<ConsumeFigures> {
  const conns = await Promise.all(Array.from({ length: o.connections }, () => Connection.connect({ host: b.host, port: b.port, clientId: "weir-bench" })));
  let records = 0;
  let bytes = 0;
  let fetches = 0;
  const cpu = cpuMeter(b);
  const t0 = process.hrtime.bigint();
  const fetchAll = async (conn: Connection, partitions: number[]): Promise<void> => {
    const offsets = new Map(partitions.map((p) => [p, 0]));
    const ends = new Map<number, number>();
    const unfinished = (): number[] => partitions.filter((p) => ends.get(p) === undefined || offsets.get(p)! < ends.get(p)!);
    let stalls = 0;
    for (let wanted = unfinished(); wanted.length > 0; wanted = unfinished()) {
      let got = 0;
      const res = await conn.send(ApiKey.Fetch, FETCH_VERSION, {
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: o.maxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: o.topic, partitions: wanted.map((p) => ({ partition: p, fetchOffset: offsets.get(p)!, partitionMaxBytes: o.partitionMaxBytes })) }],
        forgottenTopicsData: [],
        rackId: "",
      });
      fetches++;
      if (res.errorCode !== 0) throw new Error(`fetch failed: error ${res.errorCode}`);
      for (const t of res.responses) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw new Error(`fetch of ${o.topic}-${p.partitionIndex} failed: error ${p.errorCode}`);
          if (!ends.has(p.partitionIndex)) ends.set(p.partitionIndex, Number(p.highWatermark));
          const buf = p.records;
          if (buf === null) continue;
          let pos = 0;
          let next = offsets.get(p.partitionIndex)!;
          while (pos + BATCH_HEADER_BYTES <= buf.length) {
            const total = buf.readInt32BE(pos + BATCH_LENGTH_AT) + BATCH_LOG_OVERHEAD;
            if (pos + total > buf.length) break; // a partial batch at the end of a response
            records += buf.readInt32BE(pos + RECORDS_COUNT_AT);
            next = Number(buf.readBigInt64BE(pos)) + buf.readInt32BE(pos + LAST_OFFSET_DELTA_AT) + 1;
            pos += total;
          }
          bytes += pos;
          got += pos;
          offsets.set(p.partitionIndex, next);
        }
      }
      // Data below the high watermark must come back; answers without any mean a broker bug.
      stalls = got > 0 ? 0 : stalls + 1;
      if (stalls >= FETCH_STALLS_MAX) throw new Error(`${stalls} fetches in a row returned nothing below the high watermark of ${o.topic} partitions ${wanted.join(",")}`);
    }
  };
  try {
    const all = Array.from({ length: o.partitions }, (_, p) => p);
    await Promise.all(conns.map((c, i) => fetchAll(c, all.filter((p) => p % o.connections === i))));
  } finally {
    for (const c of conns) c.close();
  }
  const seconds = secondsSince(t0);
  return { connections: o.connections, records, bytes, fetches, seconds, recordsPerS: records / seconds, mbPerS: bytes / MB / seconds, ...cpu.stop() };
}
