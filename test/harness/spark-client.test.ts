/**
 * Spark as a client of Weir: PySpark's Kafka source batch-reads a topic from Weir and from
 * Apache Kafka holding the same data, and must get exactly the same rows from both.
 *
 * Both brokers get the same topic (3 partitions, retention off, since the records carry fixed
 * CreateTime timestamps from 2023) and the same Produce requests: record batches encoded once
 * here, with explicit partitions, keys, headers and timestamps (one batch gzip-compressed, one
 * with out-of-order timestamps), sent byte for byte to each broker. Then one Spark job per
 * broker runs every read (test/harness/spark/batch_reads.py) with includeHeaders, and each read
 * is compared row by row: topic, partition, offset, key, value, timestamp, timestampType and
 * headers. Kafka's rows are also checked against a model of the expected ranges, so an empty or
 * wrong answer from both cannot pass as a match.
 *
 * Runs through `npm run test:harness` (which fills the peer cache first), about 1-2 minutes.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Broker } from "../../src/broker/broker.js";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { KafkaErrors } from "../../src/protocol/errors.js";
import type { ResponseOf } from "../../src/protocol/messages/index.js";
import { buildBatch, type CompressionCodec, type RecordHeader } from "../../src/protocol/records/index.js";
import { WireClient } from "../helpers/wire-client.js";
import { runSpark, startKafka, type KafkaHandle } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const topic = "spark-client";
const partitions = 3;
/** 2023-11-14T22:13:20Z: fixed, so every run writes the same bytes; retention is off on the topic. */
const T0 = 1_700_000_000_000;

interface Rec {
  key: string | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
}

interface ProducedBatch {
  partition: number;
  records: Rec[];
  compression?: CompressionCodec;
}

const h = (key: string, value: string | null): RecordHeader => ({ key, value: value === null ? null : Buffer.from(value) });

/**
 * The data: partition 0 has three batches with rising timestamps; partition 1 repeated
 * timestamps, an out-of-order batch and a batch entirely older than the one before; partition 2
 * a gzip batch and a plain one. Keys and values include null, non-UTF-8 bytes and a repeated
 * header key.
 */
function dataset(): ProducedBatch[] {
  const rec = (p: number, i: number, dt: number, extra: Partial<Rec> = {}): Rec => ({
    key: `k-${p}-${i}`,
    value: Buffer.from(`value ${p}/${i}`),
    headers: [],
    timestamp: T0 + dt,
    ...extra,
  });
  return [
    {
      partition: 0,
      records: [
        rec(0, 0, 0, { headers: [h("trace", "a1")] }),
        rec(0, 1, 10, { key: null }),
        rec(0, 2, 20, { headers: [h("dup", "1"), h("dup", "2"), h("ключ", "значение")] }),
        rec(0, 3, 30, { value: Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a]) }),
      ],
    },
    { partition: 0, records: [rec(0, 4, 40), rec(0, 5, 50, { headers: [h("nullable", null)] }), rec(0, 6, 60, { value: null })] },
    { partition: 0, records: [rec(0, 7, 70), rec(0, 8, 80), rec(0, 9, 90, { value: Buffer.alloc(0), headers: [h("", "")] })] },
    { partition: 1, records: [rec(1, 0, 100), rec(1, 1, 100), rec(1, 2, 100)] },
    { partition: 1, records: [rec(1, 3, 150), rec(1, 4, 120, { headers: [h("late", "yes")] }), rec(1, 5, 160)] },
    { partition: 1, records: [rec(1, 6, 105), rec(1, 7, 110)] },
    {
      partition: 2,
      compression: "gzip",
      records: [rec(2, 0, 200), rec(2, 1, 210), rec(2, 2, 220, { key: "" }), rec(2, 3, 230), rec(2, 4, 240, { headers: [h("z", "gz")] })],
    },
    { partition: 2, records: [rec(2, 5, 250)] },
  ];
}

/** One Spark row as batch_reads.py prints it. */
type Row = [topic: string, partition: number, offset: number, key: string | null, value: string | null, ts: number, tsType: number, headers: [string, string | null][]];

interface ReadResult {
  read: string;
  rows?: Row[];
  error?: string;
}

interface Read {
  name: string;
  options: Record<string, string>;
}

const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString("hex").toUpperCase());

/** The rows Spark should return for offsets [start, end) of each partition, from the produced data. */
function expectedRows(data: readonly ProducedBatch[], ranges: Record<number, [number, number]>): Row[] {
  const rows: Row[] = [];
  for (let p = 0; p < partitions; p++) {
    const range = ranges[p];
    if (range === undefined) continue;
    const recs = data.filter((b) => b.partition === p).flatMap((b) => b.records);
    recs.forEach((r, offset) => {
      if (offset < range[0] || offset >= range[1]) return;
      const key = r.key === null ? null : hex(Buffer.from(r.key));
      rows.push([topic, p, offset, key, hex(r.value), r.timestamp, 0, r.headers.map((x) => [x.key, hex(x.value)] as [string, string | null])]);
    });
  }
  return rows;
}

/** Offset of the first record with timestamp >= ts (Kafka's ListOffsets), or null when none. */
function offsetForTime(data: readonly ProducedBatch[], p: number, ts: number): number | null {
  const i = data
    .filter((b) => b.partition === p)
    .flatMap((b) => b.records)
    .findIndex((r) => r.timestamp >= ts);
  return i < 0 ? null : i;
}

function latest(data: readonly ProducedBatch[], p: number): number {
  return data.filter((b) => b.partition === p).reduce((n, b) => n + b.records.length, 0);
}

/** The reads, each with the offset ranges the model expects (or that Spark must refuse it). */
function reads(data: readonly ProducedBatch[]): { read: Read; expect: Record<number, [number, number]> | "error" }[] {
  const j = (o: unknown): string => JSON.stringify(o);
  const ts = (p: number, t: number, noMatch: number): number => offsetForTime(data, p, T0 + t) ?? noMatch;
  const all = (f: (p: number) => [number, number]): Record<number, [number, number]> => Object.fromEntries([0, 1, 2].map((p) => [p, f(p)]));
  return [
    {
      // -2/-1 and explicit offsets, starting and ending inside batches (and inside the gzip batch).
      read: {
        name: "offsets-json",
        options: { subscribe: topic, startingOffsets: j({ [topic]: { 0: -2, 1: 2, 2: 1 } }), endingOffsets: j({ [topic]: { 0: 6, 1: -1, 2: -1 } }) },
      },
      expect: { 0: [0, 6], 1: [2, latest(data, 1)], 2: [1, latest(data, 2)] },
    },
    {
      // assign + JSON offsets, split into more Spark partitions than Kafka partitions.
      read: {
        name: "offsets-json-assign-split",
        options: { assign: j({ [topic]: [0, 2] }), startingOffsets: j({ [topic]: { 0: 5, 2: -2 } }), endingOffsets: j({ [topic]: { 0: -1, 2: 3 } }), minPartitions: "5" },
      },
      expect: { 0: [5, latest(data, 0)], 2: [0, 3] },
    },
    {
      read: { name: "earliest-latest", options: { subscribe: topic, startingOffsets: "earliest", endingOffsets: "latest" } },
      expect: all((p) => [0, latest(data, p)]),
    },
    {
      // One timestamp for every partition; no ending match means latest.
      read: { name: "timestamps", options: { subscribe: topic, startingTimestamp: String(T0 + 45), endingTimestamp: String(T0 + 155) } },
      expect: all((p) => [ts(p, 45, latest(data, p)), ts(p, 155, latest(data, p))]),
    },
    {
      read: {
        name: "offsets-by-timestamp-json",
        options: {
          subscribe: topic,
          startingOffsetsByTimestamp: j({ [topic]: { 0: T0 + 25, 1: T0 + 121, 2: T0 + 215 } }),
          endingOffsetsByTimestamp: j({ [topic]: { 0: T0 + 75, 1: T0 + 10_000, 2: T0 + 245 } }),
        },
      },
      expect: { 0: [ts(0, 25, -1), ts(0, 75, -1)], 1: [ts(1, 121, -1), latest(data, 1)], 2: [ts(2, 215, -1), ts(2, 245, -1)] },
    },
    {
      // A starting timestamp without a match, resolved to latest by the strategy option.
      read: {
        name: "offsets-by-timestamp-strategy-latest",
        options: {
          subscribe: topic,
          startingOffsetsByTimestamp: j({ [topic]: { 0: T0 + 100_000, 1: T0 + 106, 2: T0 } }),
          startingOffsetsByTimestampStrategy: "latest",
          endingOffsets: "latest",
        },
      },
      expect: { 0: [latest(data, 0), latest(data, 0)], 1: [ts(1, 106, -1), latest(data, 1)], 2: [0, latest(data, 2)] },
    },
    {
      // The same without the strategy: Spark refuses the read (the default strategy is "error").
      read: { name: "timestamp-no-match-error", options: { subscribe: topic, startingTimestamp: String(T0 + 100_000) } },
      expect: "error",
    },
    {
      // startingTimestamp wins over startingOffsetsByTimestamp and startingOffsets; likewise for the end.
      read: {
        name: "timestamp-precedence",
        options: {
          subscribe: topic,
          startingTimestamp: String(T0 + 80),
          startingOffsetsByTimestamp: j({ [topic]: { 0: T0, 1: T0, 2: T0 } }),
          startingOffsets: "earliest",
          endingTimestamp: String(T0 + 205),
          endingOffsetsByTimestamp: j({ [topic]: { 0: T0 + 1, 1: T0 + 1, 2: T0 + 1 } }),
          endingOffsets: "latest",
        },
      },
      expect: all((p) => [ts(p, 80, -1), ts(p, 205, latest(data, p))]),
    },
  ];
}

type PartitionProduceResponse = ResponseOf<typeof ApiKey.Produce>["responses"][number]["partitionResponses"][number];

/** Errors Kafka gives while a new topic's leadership is still propagating to its broker. */
const leaderNotYetKnown = new Set<number>([KafkaErrors.NOT_LEADER_OR_FOLLOWER.code, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, KafkaErrors.LEADER_NOT_AVAILABLE.code]);

/** Creates the topic, waits until its partitions have a leader, and produces `data` batch by batch. */
async function load(port: number, data: readonly ProducedBatch[], batches: readonly Buffer[]): Promise<void> {
  const c = await WireClient.connect(port);
  try {
    const created = await c.request(ApiKey.CreateTopics, 5, {
      topics: [{ name: topic, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [{ name: "retention.ms", value: "-1" }] }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    assert.equal(created.topics[0].errorCode, 0, `CreateTopics: ${created.topics[0].errorMessage}`);
    for (let attempt = 0; ; attempt++) {
      const md = await c.request(ApiKey.Metadata, 9, { topics: [{ name: topic }], allowAutoTopicCreation: false });
      const t = md.topics[0];
      if (t.errorCode === 0 && t.partitions.length === partitions && t.partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0)) break;
      assert.ok(attempt < 100, `topic ${topic} has no leaders after 10 s: ${JSON.stringify(t)}`);
      await sleep(100);
    }
    const next = new Map<number, number>();
    for (let i = 0; i < data.length; i++) {
      const { partition, records } = data[i];
      const produce = async (): Promise<PartitionProduceResponse> => {
        const res = await c.request(ApiKey.Produce, 9, {
          acks: -1,
          timeoutMs: 10_000,
          topicData: [{ name: topic, partitionData: [{ index: partition, records: batches[i] }] }],
        });
        return res.responses[0].partitionResponses[0];
      };
      let p = await produce();
      // Kafka may answer NOT_LEADER_OR_FOLLOWER for a moment after a new topic appears in Metadata.
      for (let attempt = 0; leaderNotYetKnown.has(p.errorCode) && attempt < 100; attempt++) {
        await sleep(100);
        p = await produce();
      }
      assert.equal(p.errorCode, 0, `Produce of batch ${i} to partition ${partition}: error ${p.errorCode} ${p.errorMessage ?? ""}`);
      assert.equal(p.baseOffset, next.get(partition) ?? 0, `batch ${i} landed at offset ${p.baseOffset}`);
      next.set(partition, (next.get(partition) ?? 0) + records.length);
    }
  } finally {
    c.close();
  }
}

/** Runs every read in one Spark job against `bootstrap`; results by read name. */
async function sparkReads(bootstrap: string, list: readonly Read[]): Promise<Map<string, ReadResult>> {
  const res = await runSpark(join(here, "spark", "batch_reads.py"), [bootstrap, JSON.stringify(list)]);
  assert.equal(res.code, 0, `spark-submit against ${bootstrap} failed:\n${res.stderr.slice(-6000)}`);
  const results = res.stdout
    .split("\n")
    .filter((l) => l.startsWith('{"read"'))
    .map((l) => JSON.parse(l) as ReadResult);
  assert.deepEqual(
    results.map((r) => r.read),
    list.map((r) => r.name),
    `Spark printed:\n${res.stdout}\n${res.stderr.slice(-3000)}`,
  );
  return new Map(results.map((r) => [r.read, r]));
}

describe("PySpark batch reads of Weir return what they return from Apache Kafka", { timeout: 300_000 }, () => {
  const data = dataset();
  // Encoded once: both brokers receive the very same batch bytes.
  const batches = data.map((b) => buildBatch(b.records.map((r) => ({ ...r, key: r.key === null ? null : Buffer.from(r.key) })), { compression: b.compression ?? "none" }));
  const cases = reads(data);
  let kafka: KafkaHandle | undefined;
  let weir: Broker | undefined;
  let dir: string | undefined;
  let fromKafka = new Map<string, ReadResult>();
  let fromWeir = new Map<string, ReadResult>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-spark-client-"));
    [kafka, weir] = await Promise.all([startKafka(), Broker.start({ host: "127.0.0.1", port: 0, dataDir: dir }, { maintenanceIntervalMs: 0 })]);
    await Promise.all([load(Number(kafka.bootstrap.split(":")[1]), data, batches), load(weir.address.port, data, batches)]);
    const list = cases.map((c) => c.read);
    // One after the other: two Spark JVMs at once would only compete for the same cores.
    fromWeir = await sparkReads(`127.0.0.1:${weir.address.port}`, list);
    fromKafka = await sparkReads(kafka.bootstrap, list);
  });

  after(async () => {
    await Promise.all([kafka?.stop(), weir?.stop()]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  for (const { read, expect } of cases) {
    it(`${read.name}: ${Object.keys(read.options).join(", ")}`, () => {
      const k = fromKafka.get(read.name);
      const w = fromWeir.get(read.name);
      assert.ok(k !== undefined && w !== undefined, "no result from Spark");
      if (expect === "error") {
        assert.ok(k.error !== undefined, `Kafka: expected Spark to refuse the read, got ${JSON.stringify(k.rows)}`);
        assert.equal(w.error, k.error);
        console.log(`# ${read.name}: refused by Spark for both brokers: ${k.error}`);
        return;
      }
      assert.equal(k.error, undefined, `Kafka: ${k.error}`);
      assert.deepEqual(k.rows, expectedRows(data, expect), "Kafka's rows differ from the model of the read");
      assert.ok((k.rows ?? []).length > 0);
      assert.equal(w.error, undefined, `Weir: ${w.error}`);
      assert.deepEqual(w.rows, k.rows);
      console.log(`# ${read.name}: ${k.rows?.length} rows, equal`);
    });
  }
});
