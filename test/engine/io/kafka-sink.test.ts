/**
 * Spark's Kafka writer (writeKafka) over both LogClients: column rules and Spark's analysis
 * errors, topic option vs column, partition column, Kafka's murmur2 partitioning of keys, sticky
 * keyless records, headers, every compression codec, idempotent batches, and a round trip
 * through the Kafka source.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import type { LogClient } from "../../../src/client/log-client.js";
import { createKafkaSource } from "../../../src/engine/io/kafka-source.js";
import { TopicPartitionsCache, murmur2, partitionForKey, writeKafka, type KafkaWriteInput } from "../../../src/engine/io/kafka-sink.js";
import { BinaryType, IntegerType, LongType, StringType, arrayOf, field, struct, type Row, type StructType } from "../../../src/engine/types.js";
import { batchesIn, readBatchHeader } from "../../../src/protocol/records/index.js";
import { collect, embeddedFixture, readable, remoteFixture, type ClientFixture } from "./kafka-fixtures.js";
import { rejectsWith as rejects } from "../../helpers/rejects.js";

const HEADERS = arrayOf(struct([field("key", StringType), field("value", BinaryType)]));

/** A DataFrame stand-in: one stream per array of row batches. */
function input(schema: StructType, ...partitions: Row[][][]): KafkaWriteInput & { signal?: AbortSignal } {
  const self: KafkaWriteInput & { signal?: AbortSignal } = {
    schema,
    execute(opts) {
      self.signal = opts?.signal;
      return Promise.resolve(
        partitions.map((batches) =>
          (async function* () {
            for (const b of batches) yield await Promise.resolve(b);
          })(),
        ),
      );
    },
  };
  return self;
}

const opts = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));


async function readAll(client: LogClient, topic: string, extra: Record<string, string> = {}): Promise<unknown[][]> {
  return readable(await collect(createKafkaSource(client, opts({ subscribe: topic, ...extra }))));
}

describe("murmur2 (Kafka's default partitioner hash)", () => {
  it("matches Kafka's own test vectors", () => {
    const cases: [string, number][] = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
      ["abc", 479470107],
    ];
    for (const [s, h] of cases) assert.equal(murmur2(Buffer.from(s)), h, s);
    assert.equal(partitionForKey(Buffer.from("foobar"), 3), (-790332482 & 0x7fffffff) % 3);
  });
});

describe("Kafka writer: Spark's column rules", () => {
  const client = {} as LogClient;
  const s = (...fields: ReturnType<typeof field>[]): StructType => struct(fields);

  it("needs a value column of string or binary", async () => {
    await rejects(writeKafka(client, input(s(field("key", StringType))), opts({ topic: "t" })), "ANALYSIS", /^Required attribute 'value' not found$/);
    await rejects(writeKafka(client, input(s(field("value", IntegerType))), opts({ topic: "t" })), "ANALYSIS", /^value attribute unsupported type int\. value must be a\(n\) string or binary$/);
  });

  it("needs a topic column or the topic option", async () => {
    await rejects(writeKafka(client, input(s(field("value", StringType))), opts({})), "ANALYSIS", /^topic option required when no 'topic' attribute is present\. Use the topic option for setting a topic\.$/);
    await rejects(writeKafka(client, input(s(field("value", StringType), field("topic", LongType))), opts({})), "ANALYSIS", /topic attribute unsupported type bigint\. topic must be a\(n\) string/);
  });

  it("checks key, headers and partition types", async () => {
    await rejects(writeKafka(client, input(s(field("value", StringType), field("key", LongType))), opts({ topic: "t" })), "ANALYSIS", /key attribute unsupported type bigint\. key must be a\(n\) string or binary/);
    await rejects(writeKafka(client, input(s(field("value", StringType), field("headers", StringType))), opts({ topic: "t" })), "ANALYSIS", /headers attribute unsupported type string\. headers must be a\(n\) array<struct<key:string,value:binary>>/);
    await rejects(writeKafka(client, input(s(field("value", StringType), field("partition", LongType))), opts({ topic: "t" })), "ANALYSIS", /partition attribute unsupported type bigint\. partition must be a\(n\) int/);
  });

  it("refuses serializers and unknown codecs, naming the allowed values", async () => {
    const ok = s(field("value", StringType));
    await rejects(writeKafka(client, input(ok), opts({ topic: "t", "kafka.value.serializer": "x" })), "INVALID_ARGUMENT", /'value.serializer' is not supported/);
    await rejects(writeKafka(client, input(ok), opts({ topic: "t", "kafka.compression.type": "brotli" })), "INVALID_ARGUMENT", /kafka.compression.type must be one of none, gzip, snappy, lz4, zstd; got "brotli"/);
    await rejects(writeKafka(client, input(ok), opts({ topic: "t", "kafka.batch.size": "big" })), "INVALID_ARGUMENT", /kafka.batch.size/);
    await rejects(writeKafka(client, input(ok), opts({ topic: "t", "kafka.metadata.max.age.ms": "-1" })), "INVALID_ARGUMENT", /kafka.metadata.max.age.ms must be a non-negative integer of milliseconds; got "-1"/);
  });
});

for (const start of [embeddedFixture, remoteFixture]) {
  describe(`Kafka writer over ${start === embeddedFixture ? "the embedded" : "the remote"} client`, () => {
    let f: ClientFixture;
    before(async () => {
      f = await start();
      await f.client.createTopic("out", 3);
      await f.client.createTopic("alt", 1);
    });
    after(() => f.stop());

    it("with a partitions cache (a streaming sink's), asks for a topic's metadata once per kafka.metadata.max.age.ms", async () => {
      await f.client.createTopic("cached", 2);
      let asked = 0;
      const counting = new Proxy(f.client, {
        get(target, name, receiver) {
          if (name === "describeTopics") {
            return (names: readonly string[]) => {
              asked++;
              return target.describeTopics(names);
            };
          }
          const v = Reflect.get(target, name, receiver) as unknown;
          return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const schema = struct([field("key", StringType), field("value", StringType)]);
      const rows: Row[] = [["a", "1"], ["b", "2"]];
      const cache = new TopicPartitionsCache();
      for (let i = 0; i < 3; i++) assert.equal((await writeKafka(counting, input(schema, [rows]), opts({ topic: "cached" }), cache)).records, 2);
      assert.equal(asked, 1);
      for (let i = 0; i < 2; i++) await writeKafka(counting, input(schema, [rows]), opts({ topic: "cached", "kafka.metadata.max.age.ms": "0" }), cache);
      assert.equal(asked, 3);
      await writeKafka(counting, input(schema, [rows]), opts({ topic: "cached" }));
      assert.equal(asked, 4, "without a cache every write asks");
      const back = await readAll(f.client, "cached");
      assert.equal(back.length, 12);
      for (const row of back) assert.equal(row[3], partitionForKey(Buffer.from(row[0] as string), 2));
    });

    it("writes key/value records (string or binary), keys partitioned by murmur2, and counts them", async () => {
      await f.client.createTopic("kv", 4);
      const schema = struct([field("key", StringType), field("value", BinaryType)]);
      const rows: Row[] = Array.from({ length: 20 }, (_, i) => [`key-${i}`, Buffer.from(`val-${i}`)]);
      const r = await writeKafka(f.client, input(schema, [rows.slice(0, 10), rows.slice(10)]), opts({ topic: "kv" }));
      assert.equal(r.records, 20);
      const back = await readAll(f.client, "kv");
      assert.equal(back.length, 20);
      for (const row of back) assert.equal(row[3], partitionForKey(Buffer.from(row[0] as string), 4), String(row[0]));
      const byKey = new Map(back.map((x) => [x[0], x[1]]));
      assert.equal(byKey.get("key-7"), "val-7");
    });

    it("lets the topic option override the topic column; else writes each row to its topic", async () => {
      const schema = struct([field("topic", StringType), field("value", StringType), field("partition", IntegerType)]);
      const rows: Row[] = [
        ["out", "a", 2],
        ["alt", "b", 0],
        ["out", "c", null],
      ];
      await writeKafka(f.client, input(schema, [rows]), opts({}));
      assert.deepEqual((await readAll(f.client, "alt")).map((x) => x[1]), ["b"]);
      const out = await readAll(f.client, "out");
      assert.deepEqual(out.filter((x) => x[3] === 2).map((x) => x[1]), ["a"]);
      assert.equal(out.length, 2);
      await writeKafka(f.client, input(struct([field("topic", StringType), field("value", StringType)]), [[["out", "d"]]]), opts({ TOPIC: " alt " }));
      assert.deepEqual((await readAll(f.client, "alt")).map((x) => x[1]), ["b", "d"]);
    });

    it("sends keyless records to one partition per batch (sticky), moving on batch by batch", async () => {
      await f.client.createTopic("sticky", 3);
      const schema = struct([field("value", StringType)]);
      const rows: Row[] = Array.from({ length: 30 }, (_, i) => [`v${i}`]);
      await writeKafka(f.client, input(schema, [rows]), opts({ topic: "sticky", "kafka.batch.size": "100" }));
      const back = await readAll(f.client, "sticky");
      assert.equal(back.length, 30);
      assert.equal(new Set(back.map((x) => x[3])).size, 3);
      const small = await writeKafka(f.client, input(schema, [[["x"], ["y"]]]), opts({ topic: "alt" }));
      assert.equal(small.records, 2);
    });

    it("writes headers, null keys and null values (tombstones)", async () => {
      await f.client.createTopic("hdr", 1);
      const schema = struct([field("key", BinaryType), field("value", StringType), field("headers", HEADERS)]);
      const rows: Row[] = [
        [Buffer.from("k"), "v", [["a", Buffer.from("1")], ["b", null]]],
        [null, null, null],
      ];
      await writeKafka(f.client, input(schema, [rows]), opts({ topic: "hdr" }));
      assert.deepEqual(await readAll(f.client, "hdr", { includeHeaders: "true" }).then((r) => r.map((x) => [x[0], x[1], x[7]])), [
        [
          "k",
          "v",
          [
            ["a", "1"],
            ["b", null],
          ],
        ],
        [null, null, null],
      ]);
    });

    it("compresses batches with every codec and produces them idempotently", async () => {
      for (const codec of ["gzip", "snappy", "lz4", "zstd"]) {
        const topic = `z-${codec}`;
        await f.client.createTopic(topic, 1);
        const rows: Row[] = Array.from({ length: 50 }, (_, i) => [`value ${i} `.repeat(10)]);
        await writeKafka(f.client, input(struct([field("value", StringType)]), [rows], [rows]), opts({ topic, "kafka.compression.type": codec.toUpperCase() }));
        const fetched = await f.client.fetch(topic, 0, 0, 1 << 20);
        const headers = [...batchesIn(fetched.records)].map((b) => b.header);
        assert.ok(headers.every((h) => (h.attributes & 7) === ["none", "gzip", "snappy", "lz4", "zstd"].indexOf(codec)), codec);
        assert.ok(headers.every((h) => h.producerId >= 0 && h.baseSequence >= 0));
        assert.equal(readBatchHeader(fetched.records, 0).baseSequence, 0);
        assert.equal((await readAll(f.client, topic)).length, 100);
      }
    });

    it("fails naming an unknown topic, a null topic or a bad partition, and stops the input", async () => {
      const vs = struct([field("value", StringType)]);
      const missing = input(vs, [[["a"]]]);
      await rejects(writeKafka(f.client, missing, opts({ topic: "nowhere" })), "NOT_FOUND", /topic "nowhere" does not exist/);
      assert.equal(missing.signal?.aborted, true);
      await rejects(writeKafka(f.client, input(struct([field("topic", StringType), field("value", StringType)]), [[[null, "a"]]]), opts({})), "EXECUTION", /KAFKA_NULL_TOPIC_IN_DATA/);
      await rejects(writeKafka(f.client, input(struct([field("value", StringType), field("partition", IntegerType)]), [[["a", 3]]]), opts({ topic: "out" })), "EXECUTION", /partition 3 .* topic out, which has 3/);
    });
  });
}
