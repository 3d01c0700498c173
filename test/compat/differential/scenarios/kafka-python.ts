/**
 * kafka-python 2.0.2 scenarios (Debian's python3-kafka on Python 3.11, the scripts in
 * test/compat/py/): the producer's RecordMetadata with and without acks, codecs, assign + seek,
 * offsets_for_times, the admin client, a group with commits, and the bad paths.
 */
import { py, until } from "../clients.js";
import type { Ctx, Json, Scenario } from "../framework.js";

const BASE_TS = 1_700_000_000_000;

interface Sent {
  apiVersion: number[];
  sent: { partition: number; offset: number; timestamp: number }[];
}
interface Consumed {
  records: { partition: number; offset: number; timestamp: number; timestampType: number; key: string | null; value: string | null; headers: Json }[];
  positions: Record<string, number>;
}

/** RecordMetadata as compared: timestamps the producer took from its clock become `<clock>`. */
function sentOf(ctx: Ctx, s: Sent, setTs: readonly (number | null | undefined)[]): Json[] {
  return s.sent.map((m, i) => ({ partition: m.partition, offset: m.offset, timestamp: setTs[i] == null ? ctx.clock(m.timestamp) : m.timestamp }));
}

let codecSupport: Promise<Record<string, boolean>> | null = null;
/** Which codecs this kafka-python install can use (snappy, lz4 and zstd need optional modules); asked once. */
function codecs(ctx: Ctx): Promise<Record<string, boolean>> {
  codecSupport ??= py<Record<string, boolean>>(ctx, "codecs.py", {});
  return codecSupport;
}

export const kafkaPythonScenarios: Scenario[] = [
  {
    name: "kp-produce-metadata",
    client: "kafka-python",
    compares: "KafkaProducer.send with keys, None keys and values, empty values, headers, timestamp_ms and partition: RecordMetadata; the inferred broker version",
    allowances: [
      {
        difference: "version-ranges",
        what: "kafka-python infers the broker version from marker APIs: DescribeAcls v2 makes Kafka 4.3 a 2.5; Weir, without DescribeAcls, is a 2.4 (Produce v8)",
        apply: (obs) => ({ ...(obs as Record<string, Json>), apiVersion: "<inferred>" }),
      },
    ],
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 2);
      const records = [
        { key: "a", value: "1", headers: [["h", "x"]], partition: 0, timestamp: BASE_TS },
        { key: null, value: "2", partition: 0, timestamp: BASE_TS + 5 },
        { key: "c", value: null, partition: 1 },
        { key: "d", value: "", headers: [["h", "y"], ["h", "z"], ["e", ""]], partition: 1, timestamp: BASE_TS - 1 },
        { key: "e", value: "5", partition: 0 },
      ];
      const s = await py<Sent>(ctx, "produce.py", { topic, records });
      return { apiVersion: s.apiVersion, sent: sentOf(ctx, s, records.map((r) => r.timestamp)) };
    },
  },
  {
    name: "kp-acks",
    client: "kafka-python",
    compares: "acks=0 (no response: offset -1), acks=1 and acks='all': RecordMetadata, then every record read back",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 1);
      const out: Record<string, Json> = {};
      for (const [i, acks] of ([0, 1, "all"] as const).entries()) {
        const records = [0, 1, 2].map((j) => ({ key: `k${i}${j}`, value: `acks-${acks}-${j}`, partition: 0, timestamp: BASE_TS + 10 * i + j }));
        const s = await py<Sent>(ctx, "produce.py", { topic, records, acks });
        out[`acks=${acks}`] = s.sent;
      }
      const c = await py<Consumed>(ctx, "consume.py", { topic, from: { "0": "beginning" }, count: 9 });
      return { sent: out, read: c.records.map((r) => `${r.key}=${r.value}@${r.offset}`) };
    },
  },
  {
    name: "kp-codecs",
    client: "kafka-python",
    compares: "compression_type gzip, snappy, lz4, zstd (those this install has): the records read back, CRCs checked",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 4);
      const have = await codecs(ctx);
      const out: Record<string, Json> = {};
      for (const [p, codec] of ["gzip", "snappy", "lz4", "zstd"].entries()) {
        if (!have[codec]) {
          out[codec] = "module missing";
          continue;
        }
        const records = [0, 1, 2].map((i) => ({ key: `k${i}`, value: `${codec}-${"w".repeat(40)}-${i}`, partition: p, timestamp: BASE_TS + i }));
        const s = await py<Sent>(ctx, "produce.py", { topic, records, compression: codec, lingerMs: 50 });
        const c = await py<Consumed>(ctx, "consume.py", { topic, from: { [String(p)]: "beginning" }, count: 3 });
        out[codec] = { sent: s.sent, read: c.records as unknown as Json };
      }
      return out;
    },
  },
  {
    name: "kp-assign-seek",
    client: "kafka-python",
    compares: "KafkaConsumer assign + seek / seek_to_beginning / seek_to_end on two partitions: records with headers, timestamps and types; positions",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 2);
      const records = Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: [["i", String(i)]], partition: i % 2, timestamp: BASE_TS + i }));
      await py(ctx, "produce.py", { topic, records });
      const from = async (f: Record<string, Json>, count: number): Promise<Json> => py(ctx, "consume.py", { topic, from: f, count, deadlineMs: 5000 });
      return {
        beginning: await from({ "0": "beginning", "1": "beginning" }, 6),
        seek: await from({ "0": 1, "1": 2 }, 3),
        end: await from({ "0": "end", "1": "end" }, 0),
      };
    },
  },
  {
    name: "kp-offsets-for-times",
    client: "kafka-python",
    compares: "offsets_for_times (between, exact, before the first, after the last, out-of-order timestamps, two partitions at once), beginning_offsets, end_offsets",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 2);
      const ts = [0, 100, 50, 200, 300];
      await py(ctx, "produce.py", {
        topic,
        records: [...ts.map((d, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0, timestamp: BASE_TS + d })), { key: "x", value: "y", partition: 1, timestamp: BASE_TS + 150 }],
      });
      const queries = [-1, 0, 1, 50, 60, 100, 101, 299, 300, 301].map((d) => ({ partition: 0, timestamp: BASE_TS + d }));
      return py(ctx, "offsets.py", {
        topic,
        partitions: [0, 1],
        queries: [...queries, { partition: 1, timestamp: BASE_TS + 150 }, { partition: 1, timestamp: BASE_TS + 151 }],
        combined: [
          { partition: 0, timestamp: BASE_TS + 60 },
          { partition: 1, timestamp: BASE_TS },
        ],
      });
    },
  },
  {
    name: "kp-admin",
    client: "kafka-python",
    compares: "KafkaAdminClient: create_topics with configs, a duplicate create, list_topics, describe_configs, delete_topics",
    async run(ctx) {
      const topic = ctx.topic();
      const r = await py<{ results: Json[] }>(ctx, "admin.py", {
        steps: [
          { op: "create", topic, partitions: 3, configs: { "retention.ms": "3600000", "cleanup.policy": "compact" } },
          { op: "create", topic, partitions: 1 },
          { op: "list" },
          { op: "describe", topic },
          { op: "delete", topic },
        ],
      });
      // Other scenarios' topics (and Kafka's internal __consumer_offsets) are not this scenario's business.
      r.results[2] = (r.results[2] as string[]).filter((n) => n === topic);
      // Kafka's brokers learn of a deletion from the controller a moment after DeleteTopics answered.
      const gone = await until(async () => !(await py<{ results: string[][] }>(ctx, "admin.py", { steps: [{ op: "list" }] })).results[0].includes(topic));
      return { ...r, goneFromList: gone };
    },
  },
  {
    name: "kp-kafka-only-configs",
    client: "kafka-python",
    compares: "create_topics with a Kafka topic config Weir does not implement, at a value that changes nothing on one node (min.insync.replicas=1, compression.type=producer, unclean.leader.election.enable=false), and an unknown one",
    async run(ctx) {
      const configs: Record<string, string>[] = [{ "min.insync.replicas": "1" }, { "compression.type": "producer" }, { "unclean.leader.election.enable": "false" }, { "no.such.config": "1" }];
      const r = await py<{ results: Json[] }>(ctx, "admin.py", {
        steps: configs.map((c, i) => ({ op: "create", topic: ctx.topic(String(i)), partitions: 1, configs: c })),
      });
      // Keyed by the config: an error code (admin.py's {topic: code}) or the error kafka-python raised.
      return Object.fromEntries(configs.map((c, i) => [Object.keys(c)[0], (r.results[i] as Record<string, Json>)[ctx.topic(String(i))] ?? r.results[i]]));
    },
  },
  {
    name: "kp-group",
    client: "kafka-python",
    compares: "KafkaConsumer(group_id) subscribe on 2 partitions: records, assignment, commit() and committed(); a restart reads only newer records; the group, committed offsets and lag (KafkaAdminClient)",
    async run(ctx) {
      const topic = ctx.topic();
      const group = ctx.group();
      await ctx.target.createTopic(topic, 2);
      const produce = (from: number, n: number): Promise<Json> =>
        py(ctx, "produce.py", { topic, records: Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}`, partition: (from + i) % 2, timestamp: BASE_TS + from + i })) });
      await produce(0, 5);
      const first = await py(ctx, "group.py", { topic, group, count: 5 });
      const afterFirst = await py(ctx, "diff_group_admin.py", { group, topic });
      await produce(5, 3);
      const lagging = await py(ctx, "diff_group_admin.py", { group, topic });
      const second = await py(ctx, "group.py", { topic, group, count: 3 });
      const afterSecond = await py(ctx, "diff_group_admin.py", { group, topic });
      return { first, afterFirst, lagging, second, afterSecond };
    },
  },
  {
    name: "kp-fetch-out-of-range",
    client: "kafka-python",
    compares: "seek(100) past the end with auto_offset_reset none, latest and earliest: the error raised, or the reset position and records",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 1);
      await py(ctx, "produce.py", { topic, records: [0, 1, 2].map((i) => ({ value: `v${i}`, partition: 0, timestamp: BASE_TS + i })) });
      return py(ctx, "diff_bad_paths.py", {
        steps: ["none", "latest", "earliest"].map((reset) => ({ op: "fetch", topic, partition: 0, offset: 100, reset })),
      });
    },
  },
  {
    name: "kp-missing-topic",
    client: "kafka-python",
    compares: "auto-creation off: send() to a missing topic (max_block_ms 3 s); the topic stays missing",
    async run(ctx) {
      const topic = ctx.topic("missing");
      const r = await py(ctx, "diff_bad_paths.py", { steps: [{ op: "produce", topic, partition: null, maxBlockMs: 3000 }] });
      const listed = await py<{ results: string[][] }>(ctx, "admin.py", { steps: [{ op: "list" }] });
      return { r, listed: listed.results[0].includes(topic) };
    },
  },
  {
    name: "kp-oversize-record",
    client: "kafka-python",
    compares: "a 1,100,000-byte record (max_request_size raised) and a 2,000-byte one on a topic with max.message.bytes=1024: MessageSizeTooLargeError from the broker",
    async run(ctx) {
      const topic = ctx.topic();
      const small = ctx.topic("small");
      await ctx.target.createTopic(topic, 1);
      await ctx.target.createTopic(small, 1, { "max.message.bytes": "1024" });
      return py(ctx, "diff_bad_paths.py", {
        steps: [
          { op: "produce", topic, partition: 0, valueBytes: 1_100_000, maxRequestSize: 2_000_000 },
          { op: "produce", topic: small, partition: 0, valueBytes: 2000 },
          { op: "produce", topic: small, partition: 0, valueBytes: 500 },
        ],
      });
    },
  },
];
