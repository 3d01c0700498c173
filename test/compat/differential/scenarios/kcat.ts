/**
 * kcat 1.7.1 (librdkafka 2.0.2) scenarios: metadata, produce and consume with keys, headers and
 * every codec, start offsets, by-timestamp lookups, the balanced consumer (-G), and the bad paths
 * (a missing topic with auto-creation off, fetching out of range, an oversize record, a topic
 * deleted under a running consumer).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { events, java, kcat, kcatRecords, py } from "../clients.js";
import type { Ctx, Json, Scenario } from "../framework.js";

/** kcat -L -J, reduced to what a broker decides (the broker list, controller, the topics asked for). */
interface KcatMetadata {
  originating_broker: { id: number; name: string };
  controllerid: number;
  brokers: { id: number; name: string }[];
  topics: { topic: string; error?: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[]; error?: string }[] }[];
}

async function metadata(ctx: Ctx, args: string[], keep: (topic: string) => boolean): Promise<Json> {
  const r = await kcat(ctx, ["-L", "-J", ...args]);
  const md = JSON.parse(r.stdout.join("\n")) as KcatMetadata;
  return {
    code: r.code,
    originating: md.originating_broker,
    controller: md.controllerid,
    brokers: md.brokers,
    topics: md.topics.filter((t) => keep(t.topic)).sort((a, b) => a.topic.localeCompare(b.topic)) as unknown as Json,
  };
}

/** Consumes a topic from `offset` to its end as kcat's JSON records. */
async function consumeJson(ctx: Ctx, topic: string, extra: string[] = []): Promise<{ code: number | null; lines: string[]; stderr: string[] }> {
  const r = await kcat(ctx, ["-C", "-t", topic, "-e", "-J", ...extra]);
  return { code: r.code, lines: r.stdout, stderr: r.stderr };
}

const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
const BASE_TS = 1_700_000_000_000;

export const kcatScenarios: Scenario[] = [
  {
    name: "kcat-metadata",
    client: "kcat",
    compares: "-L -J: brokers, controller, partitions with leader/replicas/ISR; an unknown topic's error",
    async run(ctx) {
      const one = ctx.topic("one");
      const three = ctx.topic("three");
      await ctx.target.createTopic(one, 1);
      await ctx.target.createTopic(three, 3);
      return {
        all: await metadata(ctx, [], (t) => t === one || t === three),
        one: await metadata(ctx, ["-t", three], () => true),
        missing: await metadata(ctx, ["-t", ctx.topic("missing")], () => true),
      };
    },
  },
  {
    name: "kcat-produce-consume",
    client: "kcat",
    compares: "-P -K: -H into one partition, -C -J: keys, empty keys and values, repeated and empty headers, offsets, CreateTime",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 2);
      const p = await kcat(ctx, ["-P", "-t", topic, "-p", "1", "-K:", "-H", "h1=v1", "-H", "h1=v2", "-H", "e=", "-H", "ü=ß"], { input: "a:1\nb:2\n:3\nc:\n" });
      const c = await consumeJson(ctx, topic);
      // Two partitions reach their ends in either order.
      return { produced: p.code, code: c.code, records: kcatRecords(ctx, c.lines, "clock"), stderr: [...c.stderr].sort() };
    },
  },
  {
    name: "kcat-codecs",
    client: "kcat",
    compares: "-z none|gzip|snappy|lz4|zstd, each into its own partition: the records read back",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, CODECS.length);
      const out: Record<string, Json> = {};
      for (const [p, codec] of CODECS.entries()) {
        const input = Array.from({ length: 4 }, (_, i) => `k${i}:${codec}-${"v".repeat(50)}-${i}\n`).join("");
        const r = await kcat(ctx, ["-P", "-t", topic, "-p", String(p), "-K:", "-z", codec], { input });
        const c = await consumeJson(ctx, topic, ["-p", String(p)]);
        out[codec] = { produced: r.code, records: kcatRecords(ctx, c.lines, "clock") };
      }
      return out;
    },
  },
  {
    name: "kcat-start-offsets",
    client: "kcat",
    compares: "-o 2, -o -2, -o beginning -c 3, -o end: which records each start gives",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 1);
      await kcat(ctx, ["-P", "-t", topic, "-K:"], { input: Array.from({ length: 6 }, (_, i) => `k${i}:v${i}\n`).join("") });
      const from = async (args: string[]): Promise<Json> => {
        const r = await kcat(ctx, ["-C", "-t", topic, "-p", "0", "-e", "-q", "-f", "%k=%s@%o\\n", ...args]);
        return { code: r.code, out: r.stdout };
      };
      return {
        absolute: await from(["-o", "2"]),
        fromEnd: await from(["-o", "-2"]),
        count: await from(["-o", "beginning", "-c", "3"]),
        end: await from(["-o", "end"]),
      };
    },
  },
  {
    name: "kcat-fetch-out-of-range",
    client: "kcat",
    compares: "-o 100 past the end: librdkafka's reset to END with the default policy, the error with auto.offset.reset=error",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 1);
      await kcat(ctx, ["-P", "-t", topic], { input: "a\nb\nc\n" });
      const reset = await kcat(ctx, ["-C", "-t", topic, "-p", "0", "-o", "100", "-e", "-f", "%s@%o\\n"]);
      const error = await kcat(ctx, ["-C", "-t", topic, "-p", "0", "-o", "100", "-e", "-X", "auto.offset.reset=error", "-f", "%s@%o\\n"]);
      const earliest = await kcat(ctx, ["-C", "-t", topic, "-p", "0", "-o", "100", "-e", "-X", "auto.offset.reset=earliest", "-f", "%s@%o\\n"]);
      return { reset, error, earliest } as unknown as Json;
    },
  },
  {
    name: "kcat-offsets-for-times",
    client: "kcat",
    compares: "records with set timestamps (kafka-python): -Q offsets per timestamp, -o s@ / e@ consumption",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 2);
      // Out of order on partition 0, as producers with their own clocks can write them.
      const ts = [0, 1000, 500, 2000, 3000].map((d) => BASE_TS + d);
      await py(ctx, "produce.py", {
        topic,
        records: [...ts.map((t, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0, timestamp: t })), { key: "p1", value: "only", partition: 1, timestamp: BASE_TS + 1500 }],
      });
      const queries = [BASE_TS - 1, BASE_TS, BASE_TS + 1, BASE_TS + 600, BASE_TS + 1000, BASE_TS + 2999, BASE_TS + 3000, BASE_TS + 3001];
      const q: Record<string, Json> = {};
      // One line per partition, in the order of the broker's answer (left open by the protocol): sorted.
      for (const t of queries) q[String(t - BASE_TS)] = (await kcat(ctx, ["-Q", "-t", `${topic}:0:${t}`, "-t", `${topic}:1:${t}`])).stdout.sort();
      const range = await kcat(ctx, ["-C", "-t", topic, "-p", "0", "-o", `s@${BASE_TS + 600}`, "-o", `e@${BASE_TS + 3000}`, "-J"]);
      const start = await kcat(ctx, ["-C", "-t", topic, "-p", "0", "-e", "-o", `s@${BASE_TS + 1001}`, "-J"]);
      return { query: q, range: kcatRecords(ctx, range.stdout, "exact"), start: kcatRecords(ctx, start.stdout, "exact") };
    },
  },
  {
    name: "kcat-group",
    client: "kcat",
    compares: "-G balanced consumer on 2 partitions: records, commit on close, resume after the commit; committed offsets and lag (Java admin)",
    async run(ctx) {
      const topic = ctx.topic();
      const group = ctx.group();
      await ctx.target.createTopic(topic, 2);
      await kcat(ctx, ["-P", "-t", topic, "-K:", "-p", "0"], { input: "a:1\nb:2\nc:3\n" });
      await kcat(ctx, ["-P", "-t", topic, "-K:", "-p", "1"], { input: "d:4\ne:5\n" });
      // -e ends once every assigned partition reached its end; closing commits what was consumed.
      const consume = async (): Promise<Json> => {
        const r = await kcat(ctx, ["-G", group, "-X", "auto.offset.reset=earliest", "-e", "-q", "-f", "%k %s %p %o\\n", topic], { timeoutMs: 60_000 });
        return { code: r.code, records: r.stdout.sort() };
      };
      const first = await consume();
      const afterFirst = events(await java(ctx, "group-offsets", ["--group", group, "--topic", topic]));
      await kcat(ctx, ["-P", "-t", topic, "-K:", "-p", "1"], { input: "f:6\n" });
      await kcat(ctx, ["-P", "-t", topic, "-K:", "-p", "0"], { input: "g:7\nh:8\n" });
      const lagging = events(await java(ctx, "group-offsets", ["--group", group, "--topic", topic]));
      const second = await consume();
      const afterSecond = events(await java(ctx, "group-offsets", ["--group", group, "--topic", topic]));
      return { first, afterFirst, lagging, second, afterSecond };
    },
  },
  {
    name: "kcat-oversize-record",
    client: "kcat",
    compares: "a 1,100,000-byte record (message.max.bytes raised in the client) and a 2,000-byte one on a topic with max.message.bytes=1024: MESSAGE_TOO_LARGE, nothing stored",
    async run(ctx) {
      const topic = ctx.topic();
      const small = ctx.topic("small");
      await ctx.target.createTopic(topic, 1);
      await ctx.target.createTopic(small, 1, { "max.message.bytes": "1024" });
      const big = await kcat(ctx, ["-P", "-t", topic, "-X", "message.max.bytes=2000000"], { input: "x".repeat(1_100_000) + "\n" });
      const overTopic = await kcat(ctx, ["-P", "-t", small], { input: "y".repeat(2000) + "\n" });
      const fits = await kcat(ctx, ["-P", "-t", small], { input: "z".repeat(500) + "\n" });
      const left = await kcat(ctx, ["-Q", "-t", `${topic}:0:-1`, "-t", `${small}:0:-1`]);
      return { big, overTopic, fits, left: { ...left, stdout: left.stdout.sort() } } as unknown as Json;
    },
  },
  {
    name: "kcat-missing-topic",
    client: "kcat",
    compares: "auto-creation off: produce to and consume from a missing topic; -L -t; the topic stays missing",
    async run(ctx) {
      const topic = ctx.topic("missing");
      const produce = await kcat(ctx, ["-P", "-t", topic, "-X", "message.timeout.ms=3000"], { input: "a\n" });
      const consume = await kcat(ctx, ["-C", "-t", topic, "-e", "-o", "beginning"]);
      const listed = await kcat(ctx, ["-L", "-J", "-t", topic]);
      return { produce, consume, listed: (JSON.parse(listed.stdout.join("")) as KcatMetadata).topics } as unknown as Json;
    },
  },
  {
    name: "kcat-delete-while-consuming",
    client: "kcat",
    compares: "a running -C consumer whose topic is deleted (Java admin): records before, what librdkafka reports after",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 1);
      await kcat(ctx, ["-P", "-t", topic, "-K:"], { input: "a:1\nb:2\nc:3\n" });
      // No -e: the consumer keeps fetching while the topic goes away, until it is killed after 8 s.
      const args = ["-C", "-u", "-t", topic, "-o", "beginning", "-f", "%k=%s@%o\\n", "-X", "topic.metadata.refresh.interval.ms=500"];
      const consuming = kcat(ctx, args, { runForMs: 8000 });
      await sleep(2500);
      const deleted = events(await java(ctx, "delete-topic", ["--topic", topic]));
      const consumer = await consuming;
      // librdkafka may report the same error on more than one metadata refresh: each line once.
      return { deleted, stdout: consumer.stdout, stderr: [...new Set(consumer.stderr)] };
    },
  },
];
