/**
 * kafkajs 2.2.4 scenarios (in this process; kafkajs uses no flexible versions: Produce v7, Fetch
 * v11, Metadata v6): produce and consume in a group, the admin client, offsets by timestamp,
 * group offsets and lag, and the bad paths.
 */
import { minInsyncReplicasDynamicDefault } from "./allowances.js";
import { setTimeout as sleep } from "node:timers/promises";
import kafkajsModule, { AssignerProtocol, type Consumer, type KafkaMessage } from "kafkajs";
import { kafkajs, retrying } from "../clients.js";
import { plain, type Ctx, type Json, type Scenario } from "../framework.js";

// kafkajs is CommonJS; node cannot see this export by name.
const { ConfigResourceTypes } = kafkajsModule;
const BASE_TS = 1_700_000_000_000;

/** A kafkajs error as data: its class, Kafka error type, retriable flag, and its causes. */
function errorOf(e: unknown): Json {
  if (!(e instanceof Error)) return String(e);
  const k = e as Error & { type?: string; retriable?: boolean; cause?: unknown; originalError?: unknown };
  const cause = k.originalError ?? k.cause;
  return { name: k.name, type: k.type ?? null, retriable: k.retriable ?? null, message: k.message, cause: cause === undefined ? null : errorOf(cause) };
}

async function outcome(p: Promise<unknown>): Promise<Json> {
  try {
    return { ok: plain(await p) };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

/**
 * kafkajs's per-partition answers sorted by partition: they come in the order of the broker's
 * response, which the protocol leaves open (Kafka's follows a hash map).
 */
function byPartition(list: readonly { partition: number }[]): Json[] {
  return plain([...list].sort((a, b) => a.partition - b.partition)) as Json[];
}

/** Reads `count` records of `topic` in group `group` from the beginning; the consumer is stopped after. */
async function consumeAll(ctx: Ctx, topic: string, group: string, count: number, onRunning?: (c: Consumer) => Promise<void>): Promise<Json[]> {
  const consumer = kafkajs(ctx).consumer({ groupId: group, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 500 });
  const got: { partition: number; m: KafkaMessage }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        got.push({ partition, m: message });
        return Promise.resolve();
      },
    });
    const deadline = Date.now() + 30_000;
    while (got.length < count && Date.now() < deadline) await sleep(50);
    if (onRunning !== undefined) await onRunning(consumer);
  } finally {
    await consumer.disconnect();
  }
  return got
    .map(({ partition, m }) => ({
      partition,
      offset: Number(m.offset),
      key: m.key?.toString("utf8") ?? null,
      value: m.value?.toString("utf8") ?? null,
      headers: plain(m.headers ?? {}),
      timestamp: m.timestamp,
      attributes: m.attributes,
    }))
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

export const kafkajsScenarios: Scenario[] = [
  {
    name: "kafkajs-produce-consume",
    client: "kafkajs",
    compares: "producer.send (acks -1, 0 and 1; gzip) with keys, null keys, headers, set and unset timestamps: RecordMetadata; a group consumer reads every record back",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 2);
      const producer = kafkajs(ctx).producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const sent: Json[] = [];
      try {
        sent.push(
          byPartition(
            await producer.send({
              topic,
              messages: [
                { key: "a", value: "1", partition: 0, timestamp: String(BASE_TS), headers: { h: "x", b: Buffer.from("bytes") } },
                { key: null, value: "2", partition: 0, timestamp: String(BASE_TS + 1) },
                { key: "c", value: null, partition: 1, timestamp: String(BASE_TS + 2), headers: { dup: ["1", "2"] } },
              ],
            }),
          ),
        );
        sent.push(byPartition(await producer.send({ topic, acks: 1, compression: 1, messages: [{ key: "g", value: "gz".repeat(50), partition: 1, timestamp: String(BASE_TS + 3) }] })));
        sent.push(byPartition(await producer.send({ topic, acks: 0, messages: [{ key: "z", value: "acks0", partition: 1, timestamp: String(BASE_TS + 4) }] })));
        sent.push(byPartition(await producer.send({ topic, messages: [{ key: "n", value: "now", partition: 0 }] })));
      } finally {
        await producer.disconnect();
      }
      const records = await consumeAll(ctx, topic, ctx.group(), 6);
      for (const r of records as { key: string; timestamp: Json }[]) if (r.key === "n") r.timestamp = ctx.clock(r.timestamp as string);
      return { sent, records };
    },
  },
  {
    name: "kafkajs-admin",
    client: "kafkajs",
    compares: "admin: createTopics with configs (and again: false), listTopics, fetchTopicMetadata, describeConfigs, createPartitions, fetchTopicOffsets, deleteTopics, describeCluster",
    allowances: [
      minInsyncReplicasDynamicDefault(
        (obs) => {
          const entries = (((obs as Record<string, Json>).configs as Record<string, Json>).resources as Record<string, Json>[])[0].configEntries as Record<string, Json>[];
          return entries.find((e) => e.configName === "min.insync.replicas")!;
        },
        { source: "configSource", dynamic: 3, plain: 5 },
      ),
    ],
    async run(ctx) {
      const topic = ctx.topic();
      const admin = kafkajs(ctx).admin();
      await admin.connect();
      try {
        const created = await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: "retention.ms", value: "7200000" }] }], waitForLeaders: true });
        const again = await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
        const listed = (await admin.listTopics()).filter((t) => t === topic);
        const metadata = (await admin.fetchTopicMetadata({ topics: [topic] })).topics.map((t) => ({
          name: t.name,
          partitions: byPartition(t.partitions.map((p) => ({ ...p, partition: p.partitionId }))),
        }));
        const configs = plain(await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false })) as { resources: { configEntries: Json[] }[] };
        configs.resources[0].configEntries.sort((a, b) => String((a as { configName: string }).configName).localeCompare(String((b as { configName: string }).configName)));
        const grow = await outcome(admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] }));
        const shrink = await outcome(admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] }));
        // Kafka's broker takes the new partitions' leadership from the controller a moment later.
        const offsets = byPartition(await retrying(() => admin.fetchTopicOffsets(topic)));
        const deleted = await outcome(admin.deleteTopics({ topics: [topic] }));
        const deleteMissing = await outcome(admin.deleteTopics({ topics: [ctx.topic("missing")], timeout: 2000 }));
        const cluster = plain(await admin.describeCluster()) as { clusterId: string; brokers: { port: number }[] };
        return {
          created,
          again,
          listed,
          metadata,
          configs: configs as unknown as Json,
          grow,
          shrink,
          offsets,
          deleted,
          deleteMissing,
          cluster: { ...cluster, clusterId: ctx.clusterId(cluster.clusterId), brokers: cluster.brokers.map((b) => ({ ...b, port: ctx.port(b.port) })) },
        };
      } finally {
        await admin.disconnect();
      }
    },
  },
  {
    name: "kafkajs-offsets-by-timestamp",
    client: "kafkajs",
    compares: "fetchTopicOffsetsByTimestamp before, between, at and after the records' timestamps, and without one; fetchTopicOffsets",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 2);
      const kafka = kafkajs(ctx);
      const producer = kafka.producer();
      const admin = kafka.admin();
      await Promise.all([producer.connect(), admin.connect()]);
      try {
        const ts = [0, 100, 50, 200];
        await producer.send({ topic, messages: ts.map((d, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0, timestamp: String(BASE_TS + d) })) });
        await producer.send({ topic, messages: [{ value: "p1", partition: 1, timestamp: String(BASE_TS + 120) }] });
        const at: Record<string, Json> = {};
        for (const d of [-5, 0, 1, 60, 100, 121, 200, 201]) at[String(d)] = byPartition(await admin.fetchTopicOffsetsByTimestamp(topic, BASE_TS + d));
        return { at, none: byPartition(await admin.fetchTopicOffsetsByTimestamp(topic)), offsets: byPartition(await admin.fetchTopicOffsets(topic)) };
      } finally {
        await Promise.all([producer.disconnect(), admin.disconnect()]);
      }
    },
  },
  {
    name: "kafkajs-group",
    client: "kafkajs",
    compares: "a group consumer on 3 partitions with auto-commit: the group while running and after (describeGroups), fetchOffsets, resetOffsets, deleteGroups",
    async run(ctx) {
      const topic = ctx.topic();
      const group = ctx.group();
      await ctx.target.createTopic(topic, 3);
      const kafka = kafkajs(ctx);
      const producer = kafka.producer();
      const admin = kafka.admin();
      await Promise.all([producer.connect(), admin.connect()]);
      const describe = async (): Promise<Json> => {
        const { groups } = await admin.describeGroups([group]);
        return groups.map((g) => ({
          groupId: g.groupId,
          state: g.state,
          protocolType: g.protocolType,
          protocol: g.protocol,
          members: g.members.map((m) => ({ clientId: m.clientId, assignment: plain(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? null) })),
        }));
      };
      const committed = async (): Promise<Json> =>
        (await admin.fetchOffsets({ groupId: group, topics: [topic] })).map((t) => ({ topic: t.topic, partitions: byPartition(t.partitions) }));
      try {
        await producer.send({ topic, messages: Array.from({ length: 9 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 3, timestamp: String(BASE_TS + i) })) });
        let running: Json = null;
        const records = await consumeAll(ctx, topic, group, 9, async (consumer) => {
          // Auto-commit runs between batches; commit explicitly so the offsets are there now.
          await consumer.commitOffsets([0, 1, 2].map((p) => ({ topic, partition: p, offset: "3" })));
          running = await describe();
        });
        const afterClose = await describe();
        const offsets = await committed();
        await admin.resetOffsets({ groupId: group, topic, earliest: true });
        const afterReset = await committed();
        const deleted = await outcome(admin.deleteGroups([group]));
        const afterDelete = await describe();
        return { records: records.map((r) => (r as { value: string }).value), running, afterClose, offsets, afterReset, deleted, afterDelete };
      } finally {
        await Promise.all([producer.disconnect(), admin.disconnect()]);
      }
    },
  },
  {
    name: "kafkajs-missing-topic",
    client: "kafkajs",
    compares: "auto-creation off: send to a missing topic, fetchTopicMetadata and fetchTopicOffsets of it: the errors",
    async run(ctx) {
      const topic = ctx.topic("missing");
      const kafka = kafkajs(ctx, { retries: 1, initialRetryTime: 100, maxRetryTime: 200 });
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      const admin = kafka.admin();
      await Promise.all([producer.connect(), admin.connect()]);
      try {
        return {
          send: await outcome(producer.send({ topic, messages: [{ value: "x" }] })),
          metadata: await outcome(admin.fetchTopicMetadata({ topics: [topic] })),
          offsets: await outcome(admin.fetchTopicOffsets(topic)),
          listed: (await admin.listTopics()).includes(topic),
        };
      } finally {
        await Promise.all([producer.disconnect(), admin.disconnect()]);
      }
    },
  },
  {
    name: "kafkajs-oversize-record",
    client: "kafkajs",
    compares: "a 2,000-byte record on a topic with max.message.bytes=1024 and a 1,100,000-byte one on a default topic: the error, nothing stored",
    async run(ctx) {
      const small = ctx.topic("small");
      const topic = ctx.topic();
      await ctx.target.createTopic(small, 1, { "max.message.bytes": "1024" });
      await ctx.target.createTopic(topic, 1);
      const kafka = kafkajs(ctx, { retries: 0 });
      const producer = kafka.producer();
      const admin = kafka.admin();
      await Promise.all([producer.connect(), admin.connect()]);
      try {
        return {
          overTopic: await outcome(producer.send({ topic: small, messages: [{ value: "y".repeat(2000), partition: 0 }] })),
          big: await outcome(producer.send({ topic, messages: [{ value: "x".repeat(1_100_000), partition: 0 }] })),
          fits: await outcome(producer.send({ topic: small, messages: [{ value: "z".repeat(500), partition: 0 }] }).then(byPartition)),
          offsets: [byPartition(await admin.fetchTopicOffsets(small)), byPartition(await admin.fetchTopicOffsets(topic))],
        };
      } finally {
        await Promise.all([producer.disconnect(), admin.disconnect()]);
      }
    },
  },
];
