/**
 * Real Node Kafka clients against the broker, unchanged but for the bootstrap address:
 * kafkajs 2.2.4 and @platformatic/kafka produce with every codec they support (idempotent and
 * not); what they wrote is read back through the wire both by Weir's decoder and by
 * @platformatic/kafka's own Fetch decoder.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as KafkaJs from "kafkajs";
import { Consumer, Producer, stringSerializers, type MessageToProduce } from "@platformatic/kafka";
import { Broker } from "../../src/broker/broker.js";
import { registerKafkajsCodecs } from "../helpers/kafkajs-codecs.js";
import { WireClient, readPartition as readWholePartition } from "../helpers/wire-client.js";

const require = createRequire(import.meta.url);
const kafkajs = require("kafkajs") as typeof KafkaJs;
registerKafkajsCodecs();

interface Got {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Reads a whole partition through the wire, as plain strings. */
async function readPartition(port: number, topic: string, partition = 0): Promise<Got[]> {
  const c = await WireClient.connect(port);
  try {
    return (await readWholePartition(c, topic, partition)).map((r) => ({
      offset: r.offset,
      key: r.key?.toString() ?? null,
      value: r.value?.toString() ?? null,
      headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString() ?? ""])),
    }));
  } finally {
    c.close();
  }
}

describe("Node Kafka clients against the broker", () => {
  let dir: string;
  let broker: Broker;
  let bootstrap: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-clients-"));
    broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: dir }, { maintenanceIntervalMs: 0 });
    bootstrap = `127.0.0.1:${broker.address.port}`;
  });
  after(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const kafkajsCodecs = [
    ["none", kafkajs.CompressionTypes.None],
    ["gzip", kafkajs.CompressionTypes.GZIP],
    ["snappy", kafkajs.CompressionTypes.Snappy],
    ["lz4", kafkajs.CompressionTypes.LZ4],
    ["zstd", kafkajs.CompressionTypes.ZSTD],
  ] as const;

  for (const idempotent of [false, true]) {
    it(`kafkajs produces with every codec (idempotent=${idempotent})`, async () => {
      const kafka = new kafkajs.Kafka({ brokers: [bootstrap], clientId: "weir-kafkajs", logLevel: kafkajs.logLevel.NOTHING });
      const producer = kafka.producer({ idempotent, allowAutoTopicCreation: true, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
      await producer.connect();
      try {
        for (const [name, type] of kafkajsCodecs) {
          const topic = `kafkajs-${name}-${idempotent}`;
          const messages = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `${name}-value-${i}`, headers: { h: `hv${i}` }, partition: 0 }));
          const res = await producer.send({ topic, compression: type, acks: -1, messages });
          assert.equal(res[0].errorCode, 0);
          assert.equal(res[0].baseOffset, "0");
          const got = await readPartition(broker.address.port, topic);
          assert.deepEqual(
            got,
            messages.map((m, i) => ({ offset: i, key: m.key, value: m.value, headers: m.headers })),
          );
        }
      } finally {
        await producer.disconnect();
      }
    });
  }

  it("kafkajs's group consumer reads what was produced with every codec", async () => {
    const kafka = new kafkajs.Kafka({ brokers: [bootstrap], clientId: "weir-kafkajs", logLevel: kafkajs.logLevel.NOTHING });
    const topics = kafkajsCodecs.map(([name]) => `kafkajs-${name}-false`);
    const consumer = kafka.consumer({ groupId: "kafkajs-codecs", maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      const got = new Map<string, string[]>(topics.map((t) => [t, []]));
      await consumer.subscribe({ topics, fromBeginning: true });
      let done!: () => void;
      const all = new Promise<void>((resolve) => (done = resolve));
      await consumer.run({
        eachMessage: ({ topic, message }) => {
          got.get(topic)!.push(`${message.offset}:${message.key?.toString()}:${message.value?.toString()}:${message.headers?.h?.toString()}`);
          if ([...got.values()].every((v) => v.length === 50)) done();
          return Promise.resolve();
        },
      });
      await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error("kafkajs did not consume everything in 20 s")), 20_000))]);
      for (const [name] of kafkajsCodecs) {
        assert.deepEqual(
          got.get(`kafkajs-${name}-false`),
          Array.from({ length: 50 }, (_, i) => `${i}:k${i}:${name}-value-${i}:hv${i}`),
        );
      }
    } finally {
      await consumer.disconnect();
    }
  });

  it("kafkajs's idempotent producer gets one copy of each record when a send is retried", async () => {
    const kafka = new kafkajs.Kafka({ brokers: [bootstrap], clientId: "weir-kafkajs", logLevel: kafkajs.logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      for (let i = 0; i < 20; i++) await producer.send({ topic: "kafkajs-idem", messages: [{ value: `v${i}`, partition: 0 }] });
      const got = await readPartition(broker.address.port, "kafkajs-idem");
      assert.deepEqual(got.map((g) => g.value), Array.from({ length: 20 }, (_, i) => `v${i}`));
    } finally {
      await producer.disconnect();
    }
  });

  // @platformatic/kafka compresses zstd with node:zlib's zstd, which Node 20 lacks.
  for (const compression of ["none", "gzip", "snappy", "lz4"] as const) {
    it(`@platformatic/kafka produces (${compression}) and reads back with its own fetch`, async () => {
      const topic = `platformatic-${compression}`;
      const producer = new Producer({ clientId: "weir-plt", bootstrapBrokers: [bootstrap], serializers: stringSerializers, idempotent: compression !== "none", autocreateTopics: true });
      const messages: MessageToProduce<string, string, string, string>[] = Array.from({ length: 30 }, (_, i) => ({
        topic,
        partition: 0,
        key: `k${i}`,
        value: `${compression}-${i}`,
        headers: new Map([["h", `hv${i}`]]),
      }));
      try {
        const res = await producer.send({ messages, compression, acks: -1 });
        assert.equal(res.offsets?.[0]?.offset, 0n, "the base offset of the one batch");
      } finally {
        await producer.close();
      }
      const got = await readPartition(broker.address.port, topic);
      assert.deepEqual(got, messages.map((m, i) => ({ offset: i, key: m.key, value: m.value, headers: { h: `hv${i}` } })));

      const consumer = new Consumer({ clientId: "weir-plt", groupId: "unused", bootstrapBrokers: [bootstrap] });
      try {
        // The client fetches with v16, naming topics by the id Metadata gave it.
        const res = await consumer.fetch({
          node: 1,
          topics: [{ topicId: broker.log.describeTopic(topic).topicId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
        });
        const p = res.responses[0].partitions[0];
        assert.equal(p.errorCode, 0);
        assert.equal(p.highWatermark, 30n);
        const values = (p.records ?? []).flatMap((b) => b.records.map((r) => [Number(b.firstOffset) + r.offsetDelta, r.value?.toString()]));
        assert.deepEqual(values, messages.map((m, i) => [i, m.value]));
      } finally {
        await consumer.close();
      }
    });
  }
});
