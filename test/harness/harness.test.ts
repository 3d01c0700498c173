/**
 * Smoke test of the real-peer harness: Apache Kafka starts and answers kcat, the Java client
 * driver produces and consumes, and PySpark batch-reads a topic through the cached Kafka connector.
 *
 * It runs through `npm run test:harness`, which fills the cache first (`npm run harness:fetch`,
 * about 0.7 GB the first time); `npm test` leaves test/harness out so it never downloads.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../../scripts/harness/proc.js";
import { javaClient, kafkaVersion, runSpark, startKafka, type KafkaHandle } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));

async function kcat(args: readonly string[], input?: string): Promise<string> {
  const res = await run("kcat", args, { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
  assert.equal(res.code, 0, `kcat ${args.join(" ")} failed:\n${res.stderr}`);
  return res.stdout;
}

interface KcatMetadata {
  brokers: { id: number; name: string }[];
  topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
}

describe("real-peer harness", { timeout: 300_000 }, () => {
  let kafka: KafkaHandle;

  before(async () => {
    kafka = await startKafka();
    const rss = kafka.rssBytes();
    console.log(`# Apache Kafka ${kafkaVersion} ready on ${kafka.bootstrap} in ${kafka.readyMs} ms, RSS ${rss === null ? "?" : Math.round(rss / 2 ** 20)} MiB`);
  });

  after(async () => {
    await kafka?.stop();
  });

  it("answers kcat's metadata request with itself as the only broker", async () => {
    const md = JSON.parse(await kcat(["-L", "-J", "-b", kafka.bootstrap, "-m", "10"])) as KcatMetadata;
    assert.deepEqual(
      md.brokers.map((b) => b.name),
      [kafka.bootstrap],
    );
  });

  it("takes a keyed record from kcat and gives it back", async () => {
    const topic = "harness-kcat";
    await kcat(["-P", "-b", kafka.bootstrap, "-t", topic, "-K", ":", "-p", "0"], "k1:hello from kcat\n");
    const out = await kcat(["-C", "-b", kafka.bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k|%s|%p|%o\\n"]);
    assert.equal(out, "k1|hello from kcat|0|0\n");
    const md = JSON.parse(await kcat(["-L", "-J", "-b", kafka.bootstrap, "-t", topic])) as KcatMetadata;
    assert.deepEqual(
      md.topics.map((t) => [t.topic, t.partitions.length]),
      [[topic, 1]],
    );
  });

  it("runs the Java client driver: create and describe a topic, idempotent produce, assign-and-seek consume", async () => {
    const topic = "harness-java";
    const base = ["--bootstrap", kafka.bootstrap, "--topic", topic];
    const created = await javaClient("create-topic", [...base, "--partitions", "2"]);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    assert.deepEqual(created.events[0], { ...created.events[0], event: "created", partitions: 2, replicationFactor: 1 });

    const described = await javaClient("describe-topic", base);
    assert.equal(described.code, 0, described.stdout + described.stderr);
    assert.deepEqual(described.events[0]?.partitions, [
      { partition: 0, leader: 1, replicas: [1], isr: [1] },
      { partition: 1, leader: 1, replicas: [1], isr: [1] },
    ]);

    const produced = await javaClient("produce", [...base, "--partition", "1", "--count", "3"]);
    assert.equal(produced.code, 0, produced.stdout + produced.stderr);
    assert.deepEqual(
      produced.events.filter((e) => e.event === "produced").map((e) => e.offset),
      [0, 1, 2],
    );

    const consumed = await javaClient("consume", [...base, "--partition", "1", "--from", "earliest", "--count", "3"]);
    assert.equal(consumed.code, 0, consumed.stdout + consumed.stderr);
    assert.deepEqual(
      consumed.events.filter((e) => e.event === "record").map((e) => [e.offset, e.key, e.value]),
      [
        [0, "key-0", "value-0"],
        [1, "key-1", "value-1"],
        [2, "key-2", "value-2"],
      ],
    );
  });

  it("lets PySpark batch-read a topic between JSON offsets", async () => {
    const topic = "harness-spark";
    await kcat(["-P", "-b", kafka.bootstrap, "-t", topic, "-K", ":", "-p", "0"], "a:one\nb:two\nc:three\n");
    const starting = JSON.stringify({ [topic]: { "0": -2 } });
    const ending = JSON.stringify({ [topic]: { "0": -1 } });
    const res = await runSpark(join(here, "spark", "batch_read.py"), [kafka.bootstrap, topic, starting, ending]);
    assert.equal(res.code, 0, `spark-submit failed:\n${res.stderr.slice(-6000)}`);
    const rows = res.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(rows, [
      { topic, partition: 0, offset: 0, key: "a", value: "one" },
      { topic, partition: 0, offset: 1, key: "b", value: "two" },
      { topic, partition: 0, offset: 2, key: "c", value: "three" },
    ]);
  });
});
