/**
 * kcat (librdkafka) against the broker: metadata, produce with every codec, keys, null keys and
 * values, headers, explicit partitions, the consumer's start offsets (absolute, relative to the
 * end, by timestamp), offset queries by timestamp, auto-creation, a record close to 1 MiB, and
 * 10,000 records in order. Every scenario uses its own topic; assertions are on the exact records.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { CompressionCodec } from "../../src/protocol/records/index.js";
import { describeFailure, kcat, lines, run, startBroker, storedBatches, type TestBroker } from "./helpers.js";

/** kcat's -f format used throughout: key, value, offset, partition, timestamp. */
const FMT = "%k %s %o %p %T\\n";

/** Consumes a whole topic (or one partition) from `offset` to its end with -f `fmt`. */
async function consume(b: TestBroker, topic: string, opts: { offset?: string; partition?: number; fmt?: string; extra?: string[] } = {}): Promise<string[]> {
  const args = ["-C", "-t", topic, "-e", "-q", "-o", opts.offset ?? "beginning", "-f", opts.fmt ?? FMT, ...(opts.extra ?? [])];
  if (opts.partition !== undefined) args.push("-p", String(opts.partition));
  return lines(await kcat(b.bootstrap, args));
}

/** Produces `input` lines with kcat -P and returns the wall-clock window the produce ran in. */
async function produce(b: TestBroker, topic: string, input: string, args: string[] = []): Promise<{ from: number; to: number }> {
  const from = Date.now();
  await kcat(b.bootstrap, ["-P", "-t", topic, ...args], { input });
  return { from, to: Date.now() };
}

/** Asserts that every consumed line's timestamp (last field) lies in the produce window. */
function assertTimestampsIn(got: string[], w: { from: number; to: number }): void {
  for (const line of got) {
    const ts = Number(line.split(" ").at(-1));
    assert.ok(ts >= w.from && ts <= w.to, `timestamp ${ts} of "${line}" outside the produce window [${w.from}, ${w.to}]`);
  }
}

/** Drops the timestamp field of each line. */
function withoutTs(got: string[]): string[] {
  return got.map((l) => l.split(" ").slice(0, -1).join(" "));
}

describe("kcat (librdkafka 2.0.2)", () => {
  let b: TestBroker;
  before(async () => {
    b = await startBroker();
  });
  after(async () => b.stop());

  it("-L lists the broker as controller and every topic with its partitions", async () => {
    await b.broker.log.createTopic("meta-one", 1);
    await b.broker.log.createTopic("meta-three", 3);
    const md = JSON.parse(await kcat(b.bootstrap, ["-L", "-J"])) as {
      controllerid: number;
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[];
    };
    assert.equal(md.controllerid, 1);
    assert.deepEqual(md.brokers, [{ id: 1, name: b.bootstrap }]);
    const byName = new Map(md.topics.map((t) => [t.topic, t.partitions]));
    const expected = (n: number) => Array.from({ length: n }, (_, p) => ({ partition: p, leader: 1, replicas: [{ id: 1 }], isrs: [{ id: 1 }] }));
    assert.deepEqual(byName.get("meta-one"), expected(1));
    assert.deepEqual(byName.get("meta-three"), expected(3));

    const text = await kcat(b.bootstrap, ["-L", "-t", "meta-three"]);
    assert.match(text, new RegExp(`broker 1 at ${b.bootstrap} \\(controller\\)`));
    assert.match(text, /topic "meta-three" with 3 partitions:/);
    for (let p = 0; p < 3; p++) assert.match(text, new RegExp(`partition ${p}, leader 1, replicas: 1, isrs: 1`));
  });

  for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"] as const satisfies readonly CompressionCodec[]) {
    // librdkafka enables LZ4 only when the broker advertises FindCoordinator v0 (its marker for
    // Kafka ≥ 0.8.2, rdkafka_feature.c); without it, -z lz4 silently sends uncompressed batches.
    it(`produces with -z ${codec} and consumes the exact keys, values, offsets and timestamps`, async () => {
      const topic = `codec-${codec}`;
      await b.broker.log.createTopic(topic, 1);
      // Values long and repetitive enough that compression pays: librdkafka sends a batch
      // uncompressed when compressing does not make it smaller.
      const value = (i: number) => `value-${i}-${"abc".repeat(100)}`;
      const input = Array.from({ length: 20 }, (_, i) => `key-${i}:${value(i)}\n`).join("");
      const w = await produce(b, topic, input, ["-K:", "-z", codec]);
      const got = await consume(b, topic);
      assert.deepEqual(withoutTs(got), Array.from({ length: 20 }, (_, i) => `key-${i} ${value(i)} ${i} 0`));
      assertTimestampsIn(got, w);
      const batches = storedBatches(b.broker, topic, 0);
      assert.ok(batches.length >= 1);
      assert.deepEqual([...new Set(batches.map((x) => x.codec))], [codec], "codec of the stored batches");
      assert.equal(batches.reduce((n, x) => n + x.records, 0), 20);
    });
  }

  it("keeps keys from -K, and null keys and values from -Z", async () => {
    const topic = "keys";
    await b.broker.log.createTopic(topic, 1);
    await produce(b, topic, "k1:v1\n:no-key\nk3:\nk4:v4\n", ["-K:", "-Z"]);
    // %K and %S print the key and value lengths, -1 for null.
    const got = await consume(b, topic, { fmt: "%k|%s|%K|%S|%o\\n", extra: ["-Z"] });
    assert.deepEqual(got, ["k1|v1|2|2|0", "NULL|no-key|-1|6|1", "k3|NULL|2|-1|2", "k4|v4|2|2|3"]);
  });

  it("carries headers from -H, repeated names and order kept, to %h", async () => {
    const topic = "headers";
    await b.broker.log.createTopic(topic, 1);
    await produce(b, topic, "a\nb\n", ["-H", "trace=abc-123", "-H", "empty=", "-H", "trace=second", "-H", "utf8=żółw"]);
    await produce(b, topic, "c\n");
    const got = await consume(b, topic, { fmt: "%s %o [%h]\\n" });
    assert.deepEqual(got, ["a 0 [trace=abc-123,empty=,trace=second,utf8=żółw]", "b 1 [trace=abc-123,empty=,trace=second,utf8=żółw]", "c 2 []"]);
  });

  it("produces to an explicit partition (-p) of a multi-partition topic", async () => {
    const topic = "explicit-partition";
    await b.broker.log.createTopic(topic, 3);
    await produce(b, topic, "k0:v0\nk1:v1\nk2:v2\n", ["-K:", "-p", "2"]);
    await produce(b, topic, "x:y\n", ["-K:", "-p", "0"]);
    assert.deepEqual(withoutTs(await consume(b, topic, { partition: 2 })), ["k0 v0 0 2", "k1 v1 1 2", "k2 v2 2 2"]);
    assert.deepEqual(withoutTs(await consume(b, topic, { partition: 0 })), ["x y 0 0"]);
    assert.deepEqual(await consume(b, topic, { partition: 1 }), []);
    const all = withoutTs(await consume(b, topic)).sort();
    assert.deepEqual(all, ["k0 v0 0 2", "k1 v1 1 2", "k2 v2 2 2", "x y 0 0"]);
    assert.deepEqual([0, 1, 2].map((p) => b.broker.log.partition(topic, p).highWatermark()), [1, 0, 3]);
  });

  it("starts consuming at an absolute offset, relative to the end, at the beginning and at the end", async () => {
    const topic = "start-offsets";
    await b.broker.log.createTopic(topic, 1);
    // Three produce runs make three batches, so a start offset falls inside a batch.
    await produce(b, topic, "0\n1\n2\n3\n");
    await produce(b, topic, "4\n5\n6\n");
    await produce(b, topic, "7\n8\n9\n");
    const at = async (offset: string, extra: string[] = []) => consume(b, topic, { offset, fmt: "%s@%o\\n", partition: 0, extra });
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${from + i}@${from + i}`);
    assert.deepEqual(await at("2"), range(2, 10));
    assert.deepEqual(await at("5"), range(5, 10));
    assert.deepEqual(await at("-1"), range(9, 10));
    assert.deepEqual(await at("-3"), range(7, 10));
    assert.deepEqual(await at("beginning"), range(0, 10));
    assert.deepEqual(await at("end"), []);
    assert.deepEqual(await at("4", ["-c", "3"]), range(4, 7));
    // Past the end: OFFSET_OUT_OF_RANGE, and librdkafka resets as auto.offset.reset says.
    assert.deepEqual(await at("100"), []);
    assert.deepEqual(await at("100", ["-X", "auto.offset.reset=earliest"]), range(0, 10));
  });

  it("starts (s@) and stops (e@) consuming by timestamp, and -Q finds offsets by timestamp", async () => {
    const topic = "by-timestamp";
    await b.broker.log.createTopic(topic, 1);
    for (const run of ["a0\na1\n", "b2\nb3\n", "c4\nc5\n"]) {
      await produce(b, topic, run);
      await sleep(5);
    }
    const all = (await consume(b, topic, { fmt: "%s %o %T\\n" })).map((l) => {
      const [value, offset, ts] = l.split(" ");
      return { value: value, offset: Number(offset), ts: Number(ts) };
    });
    assert.deepEqual(all.map((r) => `${r.value} ${r.offset}`), ["a0 0", "a1 1", "b2 2", "b3 3", "c4 4", "c5 5"]);
    const t2 = all[2].ts;
    const t4 = all[4].ts;
    assert.ok(t2 > all[1].ts && t4 > all[3].ts, `separate produce runs have later timestamps: ${JSON.stringify(all)}`);
    // Kafka: the earliest offset whose timestamp is ≥ the one asked for.
    const firstAtOrAfter = (ts: number) => all.find((r) => r.ts >= ts)?.offset ?? -1;

    const from = async (args: string[]) => lines(await kcat(b.bootstrap, ["-C", "-t", topic, "-p", "0", "-e", "-q", "-f", "%s\\n", ...args]));
    assert.deepEqual(await from(["-o", `s@${t2}`]), ["b2", "b3", "c4", "c5"]);
    assert.deepEqual(await from(["-o", `s@${t2 - 1}`]), all.slice(firstAtOrAfter(t2 - 1)).map((r) => r.value));
    assert.deepEqual(await from(["-o", `s@${all[0].ts - 1000}`]), ["a0", "a1", "b2", "b3", "c4", "c5"]);
    assert.deepEqual(await from(["-o", `s@${t2}`, "-o", `e@${t4}`]), ["b2", "b3"]);

    const query = async (ts: number) => (await kcat(b.bootstrap, ["-Q", "-t", `${topic}:0:${ts}`])).trim();
    assert.equal(await query(t2), `${topic} [0] offset 2`);
    assert.equal(await query(t4), `${topic} [0] offset 4`);
    assert.equal(await query(0), `${topic} [0] offset 0`);
    assert.equal(await query(all[5].ts + 1), `${topic} [0] offset -1`);
  });

  it("a LogAppendTime topic gives consumers the broker's append time", async () => {
    const topic = "log-append-time";
    await b.broker.log.createTopic(topic, 1, { "message.timestamp.type": "LogAppendTime" });
    const w = await produce(b, topic, "a\nb\n", ["-z", "zstd"]);
    const got = lines(await kcat(b.bootstrap, ["-C", "-t", topic, "-e", "-q", "-J"])).map(
      (l) => JSON.parse(l) as { offset: number; tstype: string; ts: number; payload: string },
    );
    assert.deepEqual(got.map((r) => [r.payload, r.offset, r.tstype]), [["a", 0, "logappend"], ["b", 1, "logappend"]]);
    for (const r of got) assert.ok(r.ts >= w.from && r.ts <= w.to, `append time ${r.ts} within [${w.from}, ${w.to}]`);
  });

  it("auto-creates a topic on produce with the default partition count, and spreads keys over them", async () => {
    const auto = await startBroker({ defaultPartitions: 4 });
    try {
      const topic = "auto-created";
      assert.equal(auto.broker.log.hasTopic(topic), false);
      const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
      await produce(auto, topic, keys.map((k) => `${k}:v-${k}\n`).join(""), ["-K:"]);
      assert.equal(auto.broker.log.describeTopic(topic).partitions, 4);
      assert.match(await kcat(auto.bootstrap, ["-L", "-t", topic]), /topic "auto-created" with 4 partitions:/);
      const got = (await consume(auto, topic, { fmt: "%k %s %p %o\\n" })).map((l) => l.split(" "));
      assert.deepEqual(got.map((f) => `${f[0]} ${f[1]}`).sort(), keys.map((k) => `${k} v-${k}`).sort());
      // Offsets are dense per partition, in produce order.
      for (let p = 0; p < 4; p++) {
        const inP = got.filter((f) => f[2] === String(p));
        assert.deepEqual(inP.map((f) => Number(f[3])), inP.map((_, i) => i));
        assert.equal(auto.broker.log.partition(topic, p).highWatermark(), inP.length);
      }
      assert.ok(new Set(got.map((f) => f[2])).size > 1, "keys spread over more than one partition");
    } finally {
      await auto.stop();
    }
  });

  it("does not auto-create when auto-creation is off: UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const strict = await startBroker({ autoCreateTopics: false });
    try {
      const r = await run("kcat", ["-b", strict.bootstrap, "-C", "-t", "not-there", "-e", "-m", "5"]);
      assert.equal(r.code, 1, describeFailure("kcat -C", r));
      assert.match(r.stderr, /Topic not-there error: Broker: Unknown topic or partition/);
      assert.match(await kcat(strict.bootstrap, ["-L", "-t", "not-there"]), /topic "not-there" with 0 partitions: Broker: Unknown topic or partition/);
      assert.equal(strict.broker.log.hasTopic("not-there"), false);
    } finally {
      await strict.stop();
    }
  });

  it("produces and consumes a record just below 1 MiB, and rejects one above max.message.bytes", async () => {
    const topic = "big-record";
    await b.broker.log.createTopic(topic, 1);
    const dir = mkdtempSync(join(tmpdir(), "weir-compat-big-"));
    try {
      // 1,048,000 bytes of value: with the batch and record overhead the batch stays under the
      // default max.message.bytes (1,048,588); librdkafka's own limit is raised to match.
      const big = Buffer.alloc(1_048_000);
      for (let i = 0; i < big.length; i++) big[i] = 97 + (i % 26);
      const bigFile = join(dir, "big");
      writeFileSync(bigFile, big);
      await kcat(b.bootstrap, ["-P", "-t", topic, "-k", "big-key", "-X", "message.max.bytes=1048588", bigFile]);
      await produce(b, topic, "after\n");
      const got = lines(await kcat(b.bootstrap, ["-C", "-t", topic, "-e", "-q", "-f", "%k %S %o\\n"]));
      assert.deepEqual(got, ["big-key 1048000 0", " 5 1"]);
      const value = await kcat(b.bootstrap, ["-C", "-t", topic, "-e", "-q", "-c", "1", "-f", "%s"]);
      assert.ok(value === big.toString("latin1"), "the big value comes back byte for byte");

      // Above the topic's max.message.bytes the broker answers MESSAGE_TOO_LARGE.
      const tooBigFile = join(dir, "too-big");
      writeFileSync(tooBigFile, Buffer.alloc(1_100_000, 120));
      const r = await run("kcat", ["-b", b.bootstrap, "-P", "-t", topic, "-X", "message.max.bytes=2000000", "-X", "message.timeout.ms=10000", tooBigFile]);
      assert.notEqual(r.code, 0, describeFailure("kcat -P too big", r));
      assert.match(r.stderr, /Message size too large/);
      assert.equal(b.broker.log.partition(topic, 0).highWatermark(), 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("-G consumes in a group, commits on close, and resumes after the commit", async () => {
    const topic = "group-consumed";
    await b.broker.log.createTopic(topic, 2);
    await produce(b, topic, "a:1\nb:2\nc:3\n", ["-K:", "-p", "0"]);
    await produce(b, topic, "d:4\ne:5\n", ["-K:", "-p", "1"]);
    // -e ends once every assigned partition reached its end; closing commits the offsets consumed.
    const group = (timeoutMs = 45_000) =>
      kcat(b.bootstrap, ["-G", "kcat-group", "-X", "auto.offset.reset=earliest", "-e", "-q", "-f", "%k %s %p %o\\n", topic], { timeoutMs }).then((out) => lines(out).sort());
    assert.deepEqual(await group(), ["a 1 0 0", "b 2 0 1", "c 3 0 2", "d 4 1 0", "e 5 1 1"]);
    await produce(b, topic, "f:6\n", ["-K:", "-p", "1"]);
    assert.deepEqual(await group(), ["f 6 1 2"]);
  });

  it("produces 10,000 records and consumes them all, in order", async () => {
    const topic = "ten-thousand";
    await b.broker.log.createTopic(topic, 1);
    const n = 10_000;
    const input = Array.from({ length: n }, (_, i) => `k${i}:value-${i}\n`).join("");
    await produce(b, topic, input, ["-K:"]);
    const out = await kcat(b.bootstrap, ["-C", "-t", topic, "-e", "-q", "-f", "%k %s %o\\n"]);
    const expected = Array.from({ length: n }, (_, i) => `k${i} value-${i} ${i}\n`).join("");
    assert.ok(out === expected, `got ${lines(out).length} lines; first difference at line ${lines(out).findIndex((l, i) => `${l}\n` !== `k${i} value-${i} ${i}\n`)}`);
    assert.equal(b.broker.log.partition(topic, 0).highWatermark(), n);
  });
});
