/**
 * RemoteLogClient, the Kafka source and the Kafka writer against real Apache Kafka: topics,
 * offsets, whole-batch fetches (Kafka cuts a fetch mid-batch at its byte limit), the idempotent
 * producer, every compression codec — and the same rows as Weir's embedded log for the same data.
 *
 * Runs through `npm run test:harness` (which fills the peer cache first), or
 * `node scripts/run-tests.mjs test/harness/kafka-log-client.test.ts`.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { RemoteLogClient } from "../../src/client/remote.js";
import type { LogClient } from "../../src/client/log-client.js";
import { createKafkaSource } from "../../src/engine/io/kafka-source.js";
import { writeKafka } from "../../src/engine/io/kafka-sink.js";
import { StringType, field, struct, type Row } from "../../src/engine/types.js";
import { batchesIn, buildBatch, iterateRecords } from "../../src/protocol/records/index.js";
import { T0, collect, embeddedFixture, fixtureRecord, produceRange, readable, type ClientFixture } from "../engine/io/kafka-fixtures.js";
import { kafkaVersion, startKafka, type KafkaHandle } from "./harness.js";
import { rejectsWith as rejects } from "../helpers/rejects.js";

const opts = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));


/** The same data on both logs: "ev" with 3 partitions in every codec, headers on p0. */
async function seed(c: LogClient): Promise<void> {
  await c.createTopic("ev", 3, { "retention.ms": "-1" });
  await produceRange(c, "ev", 0, 0, 40, { perBatch: 4, headers: true });
  await produceRange(c, "ev", 1, 0, 2, { compression: "gzip" });
  await produceRange(c, "ev", 1, 2, 4, { compression: "snappy" });
  await produceRange(c, "ev", 1, 6, 4, { compression: "lz4" });
  await produceRange(c, "ev", 1, 10, 4, { compression: "zstd" });
}

describe(`RemoteLogClient against Apache Kafka ${kafkaVersion}`, { timeout: 300_000 }, () => {
  let kafka: KafkaHandle;
  let client: RemoteLogClient;
  let weir: ClientFixture;

  before(async () => {
    kafka = await startKafka();
    client = await RemoteLogClient.connect({ bootstrap: kafka.bootstrap });
    weir = await embeddedFixture();
    await Promise.all([seed(client), seed(weir.client)]);
  });

  after(async () => {
    await client?.close();
    await weir?.stop();
    await kafka?.stop();
  });

  it("lists, describes and creates topics", async () => {
    assert.deepEqual(
      (await client.listTopics()).filter((t) => !t.internal).map((t) => [t.name, t.partitions]),
      [["ev", 3]],
    );
    assert.deepEqual([...(await client.describeTopics(["ev", "nope"])).keys()], ["ev"]);
    await rejects(client.createTopic("ev", 1), "ALREADY_EXISTS", /ev/);
  });

  it("answers earliest, latest and by-timestamp offsets as Weir does", async () => {
    const tps = [0, 1, 2].map((partition) => ({ topic: "ev", partition }));
    assert.deepEqual(await client.earliestOffsets(tps), [0, 0, 0]);
    assert.deepEqual(await client.latestOffsets(tps), [40, 14, 0]);
    const q = [
      { topic: "ev", partition: 0, timestamp: T0 + 4500 },
      { topic: "ev", partition: 1, timestamp: T0 + 60_000 },
      { topic: "ev", partition: 2, timestamp: 0 },
    ];
    assert.deepEqual(await client.offsetsForTimes(q), [5, null, null]);
    assert.deepEqual(await weir.client.offsetsForTimes(q), [5, null, null]);
  });

  it("fetches whole batches even where Kafka cuts the answer mid-batch", async () => {
    const full = await client.fetch("ev", 0, 5, 1 << 20);
    assert.equal(full.highWatermark, 40);
    assert.deepEqual(
      [...batchesIn(full.records)].map((b) => b.header.baseOffset).slice(0, 3),
      [4, 8, 12],
    );
    for (const bytes of [1, 150, 333]) {
      const cut = await client.fetch("ev", 0, 0, bytes);
      assert.ok(cut.records.length > 0);
      assert.ok([...batchesIn(cut.records)].length >= 1, `maxBytes ${bytes}`);
    }
    assert.equal((await client.fetch("ev", 0, 40, 1000)).records.length, 0);
    await rejects(client.fetch("ev", 0, 41, 1000), "OFFSET_OUT_OF_RANGE", /OFFSET_OUT_OF_RANGE/);
    await rejects(client.fetch("nope", 0, 0, 1000), "NOT_FOUND", /nope/);
  });

  it("produces idempotently: one producer id, per-partition sequences, a resend acknowledged once", async () => {
    const headers = [...batchesIn((await client.fetch("ev", 0, 0, 1 << 20)).records)].map((b) => b.header);
    assert.equal(new Set(headers.map((h) => h.producerId)).size, 1);
    assert.deepEqual(
      headers.slice(0, 3).map((h) => h.baseSequence),
      [0, 4, 8],
    );
    await client.createTopic("dedup", 1);
    const first = await client.produce("dedup", 0, buildBatch([fixtureRecord(0), fixtureRecord(1)]));
    (client as unknown as { sequences: Map<string, number> }).sequences.set(["dedup", 0].join("\u0000"), 0);
    const again = await client.produce("dedup", 0, buildBatch([fixtureRecord(0), fixtureRecord(1)]));
    assert.equal(again.baseOffset, first.baseOffset);
    assert.deepEqual(await client.latestOffsets([{ topic: "dedup", partition: 0 }]), [2]);
    await client.createTopic("strict", 1, { "max.message.bytes": "200" });
    await rejects(client.produce("strict", 0, buildBatch([{ key: null, value: Buffer.alloc(500) }])), "IO", /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/);
    assert.equal((await client.produce("strict", 0, buildBatch([fixtureRecord(0)]))).baseOffset, 0);
  });

  it("reads compressed batches of every codec back", async () => {
    const r = await client.fetch("ev", 1, 0, 1 << 20);
    const codecs = [...batchesIn(r.records)].map((b) => b.header.attributes & 7);
    assert.deepEqual([...new Set(codecs)], [1, 2, 3, 4]);
    const values = [...batchesIn(r.records)].flatMap((b) => [...iterateRecords(r.records, b.pos)].map((x) => x.value?.toString()));
    assert.deepEqual(values, Array.from({ length: 14 }, (_, i) => `v${i}`));
  });

  const cases: Record<string, string>[] = [
    { subscribe: "ev", includeHeaders: "true" },
    { subscribePattern: "e.*", startingOffsets: '{"ev":{"0":7,"1":-2,"2":-2}}', endingOffsets: '{"ev":{"0":33,"1":-1,"2":-1}}' },
    { assign: '{"ev":[0,1]}', startingTimestamp: String(T0 + 3000), endingOffsetsByTimestamp: `{"ev":{"0":${T0 + 20_000},"1":${T0 + 9000}}}` },
  ];
  for (const o of cases) {
    it(`the Kafka source gives the same rows as over Weir's log: ${JSON.stringify(o)}`, async () => {
      const [k, w] = await Promise.all([collect(createKafkaSource(client, opts(o), { fetchBytes: 200 })), collect(createKafkaSource(weir.client, opts(o)))]);
      assert.ok(k.length > 0);
      assert.deepEqual(readable(k), readable(w));
    });
  }

  it("the Kafka writer produces to Kafka, keyed records partitioned as Kafka's own producer would", async () => {
    await client.createTopic("written", 4);
    const rows: Row[] = Array.from({ length: 100 }, (_, i) => [`key-${i % 10}`, `value-${i}`]);
    async function* stream(): AsyncGenerator<Row[]> {
      yield await Promise.resolve(rows);
    }
    const input = { schema: struct([field("key", StringType), field("value", StringType)]), execute: () => Promise.resolve([stream()]) };
    const r = await writeKafka(client, input, opts({ topic: "written", "kafka.compression.type": "zstd" }));
    assert.equal(r.records, 100);
    const back = readable(await collect(createKafkaSource(client, opts({ subscribe: "written" }))));
    assert.equal(back.length, 100);
    const partitionOf = new Map<unknown, unknown>();
    for (const x of back) {
      assert.equal(partitionOf.get(x[0]) ?? x[3], x[3], "one partition per key");
      partitionOf.set(x[0], x[3]);
    }
  });
});
