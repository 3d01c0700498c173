/**
 * Apache Kafka Java client 4.3.1 scenarios, with its defaults (the producer idempotent with
 * acks=all, the consumer on the classic group protocol), through test/harness/java/WeirClientDriver.java:
 * produce and consume, the admin client, list offsets, groups with the range and cooperative-sticky
 * assignors, and the bad paths.
 */
import { minInsyncReplicasDynamicDefault } from "./allowances.js";
import type { DriverEvent } from "../../../harness/harness.js";
import { events, java, py, type JavaRun } from "../clients.js";
import type { Ctx, Json, Scenario } from "../framework.js";

/**
 * The driver's events with the clock timestamps of `kind` events marked: the producer stamps
 * CreateTime itself, non-decreasing per partition in offset order.
 */
function withClocks(ctx: Ctx, r: JavaRun, kind: "produced" | "record"): Json[] {
  const stamped = new Map<DriverEvent, string>();
  const mine = r.events.filter((e) => e.event === kind);
  for (const p of new Set(mine.map((e) => e.partition))) {
    const list = mine.filter((e) => e.partition === p).sort((a, b) => (a.offset as number) - (b.offset as number));
    ctx.clocks(list.map((e) => e.timestamp as number)).forEach((c, i) => stamped.set(list[i], c));
  }
  return r.events.map((e) => {
    const ts = stamped.get(e);
    if (ts !== undefined) return { ...(e as Record<string, Json>), timestamp: ts };
    if (e.event === "produce-done") return { ...(e as Record<string, Json>), ms: "<elapsed>" };
    return e as unknown as Json;
  });
}

const produced = (ctx: Ctx, r: JavaRun): Json[] => withClocks(ctx, r, "produced");
const consumed = (ctx: Ctx, r: JavaRun): Json[] => withClocks(ctx, r, "record");

const RANGE = "org.apache.kafka.clients.consumer.RangeAssignor";
const COOPERATIVE_STICKY = "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";

/** Two members of one group on a 3-partition topic with `assignor`, joining one after the other. */
function groupScenario(name: string, assignor: string, label: string): Scenario {
  return {
    name,
    client: "java",
    compares: `two consumers in one group with the ${label} assignor: assignments, generations, the group as described, committed offsets (with leader epoch) and lag, before and after they leave`,
    async run(ctx) {
      const topic = ctx.topic();
      const group = ctx.group();
      await ctx.target.createTopic(topic, 3);
      await java(ctx, "produce", ["--topic", topic, "--count", "12", "--quiet"]);
      const r = await java(ctx, "group-consume", ["--topic", topic, "--group", group, "--members", "2", "--count", "12", "--timeout-ms", "60000"], {
        "partition.assignment.strategy": assignor,
      });
      const offsets = events(await java(ctx, "group-offsets", ["--group", group, "--topic", topic]));
      return { consumed: events(r), offsets, code: r.code };
    },
  };
}

export const javaScenarios: Scenario[] = [
  {
    name: "java-produce-consume",
    client: "java",
    compares: "the default (idempotent, acks=all) producer with keys and headers: offsets, partitions; assign + seek from earliest and from offset 3: records with leader epoch, timestamp type, headers; positions",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 2);
      const p = await java(ctx, "produce", ["--topic", topic, "--count", "6", "--header", "h=v", "--header", "ü=ß"]);
      const nullKeys = await java(ctx, "produce", ["--topic", topic, "--count", "2", "--partition", "1", "--key-prefix", "null", "--value-prefix", "nk-"]);
      const all = await java(ctx, "consume", ["--topic", topic, "--from", "earliest", "--count", "8", "--timeout-ms", "15000"]);
      const from3 = await java(ctx, "consume", ["--topic", topic, "--partition", "1", "--from", "3", "--count", "2", "--timeout-ms", "15000"]);
      return { produced: produced(ctx, p), nullKeys: produced(ctx, nullKeys), all: consumed(ctx, all), from3: consumed(ctx, from3) };
    },
  },
  {
    name: "java-admin",
    client: "java",
    compares: "Admin: createTopics with a config (id, partitions, replication factor), describeTopics with every config's value, source, default/read-only/sensitive flags, listTopics, describeCluster, deleteTopics",
    allowances: [
      minInsyncReplicasDynamicDefault((obs) => ((obs as Record<string, Record<string, Json>>).configs as Record<string, Record<string, Json>>)["min.insync.replicas"], {
        source: "source",
        dynamic: "DYNAMIC_DEFAULT_BROKER_CONFIG",
        plain: "DEFAULT_CONFIG",
      }),
    ],
    async run(ctx) {
      const topic = ctx.topic();
      const created = (await java(ctx, "create-topic", ["--topic", topic, "--partitions", "3", "--topic-config", "retention.ms=7200000", "--topic-config", "cleanup.policy=compact"])).events;
      const described = (await java(ctx, "describe-topic", ["--topic", topic, "--configs"])).events;
      const listed = (await java(ctx, "list-topics", [])).events.map((e) => ({ ...e, names: (e.names as string[]).filter((n) => n === topic) }));
      const cluster = (await java(ctx, "describe-cluster", [])).events.map((e) => ({
        ...e,
        clusterId: ctx.clusterId(e.clusterId as string),
        nodes: (e.nodes as { port: number }[]).map((n) => ({ ...n, port: ctx.port(n.port) })),
      }));
      const deleted = events(await java(ctx, "delete-topic", ["--topic", topic]));
      const withId = (e: DriverEvent): Json => ("topicId" in e ? { ...(e as Record<string, Json>), topicId: ctx.topicId(e.topicId as string) } : (e as unknown as Json));
      const configs: Record<string, Json> = {};
      for (const e of described.filter((d) => d.event === "topic-config")) configs[e.name as string] = { value: e.value as Json, source: e.source as Json, isDefault: e.isDefault as Json, readOnly: e.readOnly as Json, sensitive: e.sensitive as Json };
      return {
        created: created.map(withId),
        topic: described.filter((d) => d.event !== "topic-config").map(withId),
        configs,
        listed: listed as unknown as Json,
        cluster: cluster as unknown as Json,
        deleted,
      };
    },
  },
  {
    name: "java-list-offsets",
    client: "java",
    compares: "Admin.listOffsets earliest, latest and max-timestamp (records with set timestamps, the maximum twice) on two partitions, one of them empty",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 2);
      // Set timestamps (kafka-python), so the tie for the maximum is the same on both brokers.
      const ts = [100, 300, 300, 200].map((d) => 1_700_000_000_000 + d);
      await py(ctx, "produce.py", { topic, records: ts.map((t, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0, timestamp: t })) });
      return events(await java(ctx, "list-offsets", ["--topic", topic]));
    },
  },
  {
    name: "java-fetch-out-of-range",
    client: "java",
    compares: "seek to offset 100 past the end with auto.offset.reset none (OffsetOutOfRangeException), latest and earliest (the reset position, the records)",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 1);
      await java(ctx, "produce", ["--topic", topic, "--count", "3", "--quiet"]);
      const from100 = async (reset: string): Promise<Json> =>
        consumed(ctx, await java(ctx, "consume", ["--topic", topic, "--partition", "0", "--from", "100", "--count", "3", "--timeout-ms", "4000"], { "auto.offset.reset": reset }));
      return { none: await from100("none"), latest: await from100("latest"), earliest: await from100("earliest") };
    },
  },
  {
    name: "java-missing-topic",
    client: "java",
    compares: "auto-creation off: produce to a missing topic (max.block.ms 3 s), describe it, delete it: the exceptions; it stays missing",
    async run(ctx) {
      const topic = ctx.topic("missing");
      return {
        produce: events(await java(ctx, "produce", ["--topic", topic, "--count", "1"], { "max.block.ms": "3000" })),
        describe: events(await java(ctx, "describe-topic", ["--topic", topic])),
        delete: events(await java(ctx, "delete-topic", ["--topic", topic])),
        listed: (await java(ctx, "list-topics", [])).events.some((e) => (e.names as string[]).includes(topic)),
      };
    },
  },
  {
    name: "java-oversize-record",
    client: "java",
    compares: "a 1,100,000-byte record (max.request.size raised) and a 2,000-byte one on a topic with max.message.bytes=1024: RecordTooLargeException from the broker; nothing stored",
    allowances: [
      {
        difference: "produce-error-message",
        what: "RecordTooLargeException carries Weir's error_message (the batch size and the limit) where Kafka sends none and the client uses the error code's default text",
        apply(obs, kind) {
          if (kind === "kafka") return obs;
          const o = obs as Record<string, { type: string; message: string }[]>;
          for (const key of ["big", "overTopic"]) {
            for (const e of o[key]) {
              if (e.type === "org.apache.kafka.common.errors.RecordTooLargeException" && /^batch of \d+ bytes exceeds max\.message\.bytes=\d+ of /.test(e.message)) {
                e.message = "The request included a message larger than the max message size the server will accept.";
              }
            }
          }
          return obs;
        },
      },
    ],
    async run(ctx) {
      const topic = ctx.topic();
      const small = ctx.topic("small");
      await ctx.target.createTopic(topic, 1);
      await ctx.target.createTopic(small, 1, { "max.message.bytes": "1024" });
      return {
        big: events(await java(ctx, "produce-large", ["--topic", topic, "--size", "1100000"], { "max.request.size": "2000000" })),
        overTopic: events(await java(ctx, "produce-large", ["--topic", small, "--size", "2000"])),
        fits: events(await java(ctx, "produce-large", ["--topic", small, "--size", "500"])),
        offsets: events(await java(ctx, "list-offsets", ["--topic", topic])).map((e) => ({ ...(e as Record<string, Json>), maxTimestamp: null })),
      };
    },
  },
  {
    name: "java-delete-while-consuming",
    client: "java",
    compares: "an assigned consumer reads 3 records, the topic is deleted (Admin), the consumer keeps polling for 3 s: what poll() throws or returns; the topic is gone",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 1);
      await java(ctx, "produce", ["--topic", topic, "--count", "3", "--quiet"]);
      return events(await java(ctx, "consume-delete", ["--topic", topic, "--count", "3", "--after-ms", "3000"]));
    },
  },
  groupScenario("java-group-range", RANGE, "range"),
  groupScenario("java-group-cooperative-sticky", COOPERATIVE_STICKY, "cooperative-sticky"),
];
