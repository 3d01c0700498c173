/**
 * @platformatic/kafka 1.35 scenarios (in this process; it uses flexible versions throughout:
 * Fetch by topic id, Metadata v12, CreateTopics v7): produce (plain and idempotent) and consume,
 * the admin client, a group with commits and lag, and the bad paths.
 */
import { minInsyncReplicasDynamicDefault } from "./allowances.js";
import { Admin, ConfigResourceTypes, Consumer, Producer, stringDeserializers, stringSerializers, type MessageToProduce } from "@platformatic/kafka";
import { retrying } from "../clients.js";
import { plain, type Ctx, type Json, type Scenario } from "../framework.js";

const BASE_TS = 1_700_000_000_000n;

type StrConsumer = Consumer<string, string, string, string>;

/** A @platformatic/kafka error as data: its name, Kafka error names (apiId) and codes, and nested errors. */
function errorOf(e: unknown): Json {
  if (!(e instanceof Error)) return String(e);
  const x = e as Error & { code?: string; apiId?: string; apiCode?: number; errors?: unknown[]; cause?: unknown };
  return {
    name: x.name,
    code: x.code ?? null,
    apiId: x.apiId ?? null,
    apiCode: x.apiCode ?? null,
    errors: (x.errors ?? []).map(errorOf),
    cause: x.cause === undefined ? null : errorOf(x.cause),
  };
}

async function outcome(p: Promise<unknown>): Promise<Json> {
  try {
    return { ok: plain(await p) };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

function clients(ctx: Ctx): { bootstrapBrokers: string[]; clientId: string; retries: number; retryDelay: number } {
  return { bootstrapBrokers: [ctx.target.bootstrap], clientId: "weir-diff", retries: 2, retryDelay: 200 };
}

/** Closes a consumer and its streams; the overloads hide the promise form of close(true). */
function closeForce(c: StrConsumer): Promise<void> {
  return new Promise((resolve, reject) => c.close(true, (e) => (e ? reject(e) : resolve())));
}

interface Got {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Json;
  timestamp: string;
}

/** Reads `count` messages of `topic` (group `group`, the given mode) and closes the consumer; `during` runs before the close. */
async function consume(ctx: Ctx, topic: string, group: string, count: number, mode: "earliest" | "committed", during?: (c: StrConsumer) => Promise<Json>): Promise<{ got: Got[]; during: Json }> {
  const consumer: StrConsumer = new Consumer({ ...clients(ctx), groupId: group, deserializers: stringDeserializers, maxWaitTime: 100, sessionTimeout: 10_000, heartbeatInterval: 500 });
  const got: Got[] = [];
  let duringResult: Json = null;
  try {
    const stream = await consumer.consume({ topics: [topic], mode, fallbackMode: "earliest", autocommit: false });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${got.length} of ${count} messages in 30 s`)), 30_000);
      if (count === 0) {
        clearTimeout(timer);
        setTimeout(resolve, 1000);
      }
      stream.on("data", (m: { partition: number; offset: bigint; key: string | null; value: string | null; headers: Map<string, string>; timestamp: bigint; commit(): unknown }) => {
        got.push({ partition: m.partition, offset: m.offset.toString(), key: m.key ?? null, value: m.value ?? null, headers: plain(m.headers), timestamp: m.timestamp.toString() });
        if (got.length === count) {
          clearTimeout(timer);
          resolve();
        }
      });
      stream.on("error", (e: Error) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    if (during !== undefined) duringResult = await during(consumer);
  } finally {
    await closeForce(consumer);
  }
  got.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  return { got, during: duringResult };
}

export const platformaticScenarios: Scenario[] = [
  {
    name: "platformatic-produce-consume",
    client: "platformatic",
    compares: "Producer.send (acks -1 and 1, idempotent, gzip) with keys, headers, set timestamps: the offsets; a consumer reads every record back",
    async run(ctx) {
      const topic = ctx.topic();
      await ctx.target.createTopic(topic, 2);
      const msg = (i: number, partition: number): MessageToProduce<string, string, string, string> => ({
        topic,
        partition,
        key: `k${i}`,
        value: `v${i}`,
        headers: new Map([["i", String(i)]]),
        timestamp: BASE_TS + BigInt(i),
      });
      const plainProducer = new Producer({ ...clients(ctx), serializers: stringSerializers });
      const idempotent = new Producer({ ...clients(ctx), serializers: stringSerializers, idempotent: true });
      const sent: Json[] = [];
      try {
        // Offsets sorted by partition: they come in the order of the broker's response, which the
        // protocol leaves open (Kafka's follows a hash map).
        const send = async (p: Producer<string, string, string, string>, opts: Parameters<typeof p.send>[0]): Promise<void> => {
          const r = await p.send(opts);
          sent.push(plain([...(r.offsets ?? [])].sort((a, b) => a.partition - b.partition)));
        };
        await send(plainProducer, { messages: [msg(0, 0), msg(1, 0), msg(2, 1)], acks: -1 });
        await send(plainProducer, { messages: [msg(3, 1)], acks: 1, compression: "gzip" });
        await send(idempotent, { messages: [msg(4, 0), msg(5, 1)], acks: -1 });
        await send(idempotent, { messages: [msg(6, 0)], acks: -1, compression: "snappy" });
      } finally {
        await plainProducer.close();
        await idempotent.close();
      }
      const { got } = await consume(ctx, topic, ctx.group(), 7, "earliest");
      return { sent, got: got as unknown as Json };
    },
  },
  {
    name: "platformatic-admin",
    client: "platformatic",
    compares: "Admin: createTopics (id, partitions, replicas, configuration), metadata, listTopics, describeConfigs, createPartitions, listOffsets, deleteTopics and errors",
    allowances: [
      minInsyncReplicasDynamicDefault(
        (obs) => {
          const entries = (((obs as Record<string, Json>).configs as Record<string, Json>[])[0].configs as Record<string, Json>[]);
          return entries.find((e) => e.name === "min.insync.replicas")!;
        },
        { source: "configSource", dynamic: 3, plain: 5 },
      ),
    ],
    async run(ctx) {
      const topic = ctx.topic();
      const admin = new Admin(clients(ctx));
      try {
        const created = (await admin.createTopics({ topics: [topic], partitions: 2, configs: [{ name: "retention.ms", value: "7200000" }] })).map((t) => ({
          ...t,
          id: ctx.topicId(t.id),
        }));
        const again = await outcome(admin.createTopics({ topics: [topic], partitions: 2 }));
        const badReplicas = await outcome(admin.createTopics({ topics: [ctx.topic("r3")], partitions: 1, replicas: 3 }));
        const md = await admin.metadata({ topics: [topic] });
        const t = md.topics.get(topic)!;
        const metadata = {
          id: ctx.topicId(md.topics.get(topic)!.id),
          brokers: [...md.brokers.entries()].map(([id, b]) => ({ id, host: b.host, port: ctx.port(b.port), rack: b.rack ?? null })),
          controllerId: md.controllerId,
          partitions: plain(t.partitions),
          partitionsCount: t.partitionsCount,
        };
        const listed = (await admin.listTopics()).filter((n) => n === topic);
        const configs = (await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }] })).map((c) => ({
          ...c,
          configs: [...c.configs].sort((a, b) => a.name.localeCompare(b.name)),
        }));
        // An empty assignment list is INVALID_REPLICA_ASSIGNMENT; without one the broker places them.
        const emptyAssignments = await outcome(admin.createPartitions({ topics: [{ name: topic, count: 3, assignments: [] }] }));
        const grow = await outcome(admin.createPartitions({ topics: [{ name: topic, count: 3 }] }));
        // Kafka's broker takes the new partition's leadership from the controller a moment later;
        // the client caches metadata, so each try refreshes it.
        const offsets = await retrying(async () => {
          await admin.metadata({ topics: [topic], forceUpdate: true });
          return admin.listOffsets({ topics: [{ name: topic, partitions: [0, 1, 2].map((p) => ({ partitionIndex: p, timestamp: -1n })) }] });
        });
        const deleted = await outcome(admin.deleteTopics({ topics: [topic] }));
        const deleteAgain = await outcome(admin.deleteTopics({ topics: [topic] }));
        return {
          created: plain(created),
          again,
          badReplicas,
          metadata,
          listed,
          configs: plain(configs),
          emptyAssignments,
          grow,
          offsets: plain(offsets.map((o) => ({ ...o, partitions: [...o.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex) }))),
          deleted,
          deleteAgain,
        };
      } finally {
        await admin.close();
      }
    },
  },
  {
    name: "platformatic-group",
    client: "platformatic",
    compares: "a group consumer on 3 partitions: commit, listCommittedOffsets, getLag, the group (describeGroups) while running and after, listConsumerGroupOffsets; a restart from the commits",
    async run(ctx) {
      const topic = ctx.topic();
      const group = ctx.group();
      await ctx.target.createTopic(topic, 3);
      // Idempotent, so a retried send cannot write a partition's batch twice.
      const producer = new Producer({ ...clients(ctx), serializers: stringSerializers, idempotent: true });
      const admin = new Admin(clients(ctx));
      const describe = async (): Promise<Json> =>
        plain(
          [...(await admin.describeGroups({ groups: [group] })).values()].map((g) => ({
            id: g.id,
            state: g.state,
            protocolType: g.protocolType,
            protocol: g.protocol,
            members: [...g.members.values()].map((m) => ({ clientId: m.clientId, assignments: plain(m.assignments ?? null) })),
          })),
        );
      // Partitions sorted: the response's order is the broker's (Kafka's follows a hash map).
      const offsets = async (): Promise<Json> =>
        plain(
          (await admin.listConsumerGroupOffsets({ groups: [group] })).map((g) => ({
            ...g,
            topics: g.topics.filter((t) => t.name === topic).map((t) => ({ ...t, partitions: [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex) })),
          })),
        );
      try {
        await producer.send({ messages: Array.from({ length: 9 }, (_, i) => ({ topic, partition: i % 3, key: `k${i}`, value: `v${i}`, timestamp: BASE_TS + BigInt(i) })) });
        const first = await consume(ctx, topic, group, 9, "committed", async (c) => {
          // Commit 2 of the 3 records of each partition, so one record each is left behind.
          await c.commit({ offsets: [0, 1, 2].map((p) => ({ topic, partition: p, offset: 1n, leaderEpoch: 0 })) });
          return {
            committed: plain(await c.listCommittedOffsets({ topics: [{ topic, partitions: [0, 1, 2] }] })),
            lag: plain(await c.getLag({ topics: [topic] })),
            group: await describe(),
          };
        });
        const afterClose = await describe();
        const committed = await offsets();
        const second = await consume(ctx, topic, group, 3, "committed");
        return { first: { values: first.got.map((g) => g.value), during: first.during }, afterClose, committed, second: second.got.map((g) => `${g.value}@${g.offset}`) };
      } finally {
        await producer.close();
        await admin.close();
      }
    },
  },
  {
    name: "platformatic-bad-paths",
    client: "platformatic",
    compares: "Fetch at offset 100 (OFFSET_OUT_OF_RANGE), produce to a missing topic with auto-creation off, an oversize record: the errors",
    async run(ctx) {
      const topic = ctx.topic();
      const small = ctx.topic("small");
      await ctx.target.createTopic(topic, 1);
      await ctx.target.createTopic(small, 1, { "max.message.bytes": "1024" });
      const producer = new Producer({ ...clients(ctx), serializers: stringSerializers });
      const consumer: StrConsumer = new Consumer({ ...clients(ctx), groupId: ctx.group(), deserializers: stringDeserializers });
      try {
        await producer.send({ messages: [{ topic, partition: 0, value: "only" }] });
        const md = await consumer.metadata({ topics: [topic] });
        const fetch = (offset: bigint): Promise<Json> =>
          outcome(
            consumer
              .fetch({
                node: 1,
                maxWaitTime: 10,
                topics: [{ topicId: md.topics.get(topic)!.id, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
              })
              .then((r) => r.responses[0].partitions.map((p) => ({ errorCode: p.errorCode, highWatermark: p.highWatermark, records: (p.records ?? []).length }))),
          );
        return {
          fetchAtEnd: await fetch(1n),
          fetchPastEnd: await fetch(100n),
          missing: await outcome(producer.send({ messages: [{ topic: ctx.topic("missing"), value: "x" }], autocreateTopics: false })),
          overTopic: await outcome(producer.send({ messages: [{ topic: small, partition: 0, value: "y".repeat(2000) }] })),
          big: await outcome(producer.send({ messages: [{ topic, partition: 0, value: "x".repeat(1_100_000) }] })),
        };
      } finally {
        await producer.close();
        await closeForce(consumer);
      }
    },
  },
];
