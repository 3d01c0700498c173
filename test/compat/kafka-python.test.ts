/**
 * kafka-python 2.0.2 (Debian's python3-kafka on Python 3.11) against the broker: KafkaProducer
 * with every codec this install can use, KafkaConsumer with assign/seek and in a group,
 * offsets_for_times / beginning_offsets / end_offsets, and KafkaAdminClient. The driver scripts in
 * py/ print plain JSON; every scenario uses its own topic and asserts on the exact records.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { python, startBroker, storedBatches, type TestBroker } from "./helpers.js";

interface Sent {
  apiVersion: number[];
  sent: { partition: number; offset: number; timestamp: number }[];
}
interface Rec {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}
interface Consumed {
  records: Rec[];
  positions: Record<string, number>;
}
type ProduceRecord = { key?: string | null; value: string | null; headers?: [string, string][]; partition?: number; timestamp?: number };

/** The APIs of the admin scenarios. */

/** What a consumer should read back for `recs`, as sent to `offsets`. */
function expected(recs: ProduceRecord[], sent: Sent["sent"]): Rec[] {
  return recs
    .map((r, i) => ({
      partition: sent[i].partition,
      offset: sent[i].offset,
      timestamp: r.timestamp ?? sent[i].timestamp,
      timestampType: 0,
      key: r.key ?? null,
      value: r.value,
      headers: r.headers ?? [],
    }))
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

describe("kafka-python 2.0.2", () => {
  let b: TestBroker;
  let codecs: Record<string, boolean>;
  before(async () => {
    b = await startBroker();
    codecs = await python<Record<string, boolean>>("codecs.py", {});
  });
  after(async () => b.stop());

  it("KafkaProducer sends keys, null keys and values, headers and timestamps; assign + seek reads them back", async () => {
    const topic = "kp-plain";
    await b.broker.log.createTopic(topic, 2);
    const base = Date.now() - 60_000;
    const recs: ProduceRecord[] = [
      ...Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: [["trace", `t-${i}`], ["n", "ż"]] as [string, string][], partition: 0, timestamp: base + i * 10 })),
      { key: null, value: "no-key", partition: 1, timestamp: base + 100 },
      { key: "tombstone", value: null, partition: 1, timestamp: base + 101 },
      { key: "empty", value: "", partition: 1, timestamp: base + 102 },
    ];
    const out = await python<Sent>("produce.py", { bootstrap: b.bootstrap, topic, records: recs });
    assert.ok(out.apiVersion[0] >= 2, `kafka-python inferred broker version ${out.apiVersion.join(".")}, want ≥ 2.x (record headers, zstd)`);
    assert.deepEqual(
      out.sent.map((s) => `${s.partition}/${s.offset}`),
      ["0/0", "0/1", "0/2", "0/3", "0/4", "1/0", "1/1", "1/2"],
    );
    assert.deepEqual(out.sent.map((s) => s.timestamp), recs.map((r) => r.timestamp));

    const all = await python<Consumed>("consume.py", { bootstrap: b.bootstrap, topic, from: { 0: 0, 1: 0 }, count: recs.length });
    assert.deepEqual(all.records, expected(recs, out.sent));
    assert.deepEqual(all.positions, { 0: 5, 1: 3 });

    const mid = await python<Consumed>("consume.py", { bootstrap: b.bootstrap, topic, from: { 0: 3 }, count: 2 });
    assert.deepEqual(mid.records.map((r) => `${r.key}@${r.offset}`), ["k3@3", "k4@4"]);

    const atEnd = await python<Consumed>("consume.py", { bootstrap: b.bootstrap, topic, from: { 0: "end", 1: "end" }, count: 0 });
    assert.deepEqual(atEnd, { records: [], positions: { 0: 5, 1: 3 } });
  });

  it("KafkaProducer auto-creates an unknown topic, with acks=0 (no response) and acks=all", async () => {
    const topic = "kp-auto-created";
    assert.equal(b.broker.log.hasTopic(topic), false);
    const fireAndForget = await python<Sent>("produce.py", { bootstrap: b.bootstrap, topic, acks: 0, records: [{ value: "a" }, { value: "b" }, { value: "c" }] });
    // With acks=0 the broker sends no response and kafka-python reports offset -1.
    assert.deepEqual(fireAndForget.sent.map((s) => [s.partition, s.offset]), [[0, -1], [0, -1], [0, -1]]);
    const deadline = Date.now() + 10_000;
    while (!(b.broker.log.hasTopic(topic) && b.broker.log.partition(topic, 0).highWatermark() === 3) && Date.now() < deadline) await sleep(20);
    const acked = await python<Sent>("produce.py", { bootstrap: b.bootstrap, topic, acks: "all", records: [{ value: "d" }] });
    assert.deepEqual(acked.sent.map((s) => [s.partition, s.offset]), [[0, 3]]);
    assert.equal(b.broker.log.describeTopic(topic).partitions, 1);
    const got = await python<Consumed>("consume.py", { bootstrap: b.bootstrap, topic, from: { 0: "beginning" }, count: 4 });
    assert.deepEqual(got.records.map((r) => `${r.value}@${r.offset}`), ["a@0", "b@1", "c@2", "d@3"]);
  });

  for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
    it(`KafkaProducer(compression_type="${codec}") round-trips records, stored as ${codec} batches`, async () => {
      const module = { gzip: "gzip", snappy: "python3-snappy", lz4: "python3-lz4", zstd: "python3-zstandard" }[codec];
      assert.ok(codecs[codec], `kafka-python cannot use ${codec}: ${module} is not installed (scripts/compat-setup.sh installs it)`);
      const topic = `kp-codec-${codec}`;
      await b.broker.log.createTopic(topic, 1);
      const base = Date.now() - 1000;
      const recs: ProduceRecord[] = Array.from({ length: 30 }, (_, i) => ({
        key: `key-${i}`,
        value: `value-${i}-${"xyz".repeat(50)}`,
        headers: [["i", String(i)]],
        partition: 0,
        timestamp: base + i,
      }));
      const out = await python<Sent>("produce.py", { bootstrap: b.bootstrap, topic, records: recs, compression: codec, lingerMs: 100 });
      assert.deepEqual(out.sent.map((s) => s.offset), recs.map((_, i) => i));
      const got = await python<Consumed>("consume.py", { bootstrap: b.bootstrap, topic, from: { 0: 0 }, count: recs.length });
      assert.deepEqual(got.records, expected(recs, out.sent));
      const batches = storedBatches(b.broker, topic, 0);
      assert.deepEqual([...new Set(batches.map((x) => x.codec))], [codec], "codec of the stored batches");
    });
  }

  it("a LogAppendTime topic stamps the append time, and the rewritten batch CRC passes kafka-python's check", async () => {
    const topic = "kp-log-append-time";
    await b.broker.log.createTopic(topic, 1, { "message.timestamp.type": "LogAppendTime" });
    const recs: ProduceRecord[] = Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: `v${i}-${"q".repeat(80)}`, partition: 0, timestamp: 1_000_000 + i }));
    const from = Date.now();
    // Two requests, the second gzip-compressed: the broker rewrites maxTimestamp, the timestamp
    // type bit and the CRC, without touching the (compressed) records.
    const plain = await python<Sent>("produce.py", { bootstrap: b.bootstrap, topic, records: recs.slice(0, 3) });
    const gzip = await python<Sent>("produce.py", { bootstrap: b.bootstrap, topic, records: recs.slice(3), compression: "gzip", lingerMs: 100 });
    const to = Date.now();
    const sent = [...plain.sent, ...gzip.sent];
    assert.deepEqual(sent.map((s) => s.offset), [0, 1, 2, 3, 4, 5]);
    for (const s of sent) assert.ok(s.timestamp >= from && s.timestamp <= to, `RecordMetadata.timestamp ${s.timestamp} is the append time`);
    // kafka-python checks every batch's CRC by default (check_crcs=True).
    const got = await python<Consumed>("consume.py", { bootstrap: b.bootstrap, topic, from: { 0: 0 }, count: 6 });
    assert.deepEqual(
      got.records.map((r) => [r.key, r.offset, r.timestamp, r.timestampType]),
      recs.map((r, i) => [r.key, i, sent[i].timestamp, 1]),
    );
  });

  it("offsets_for_times finds the first offset at or after a timestamp, None after the last; beginning/end offsets", async () => {
    const topic = "kp-times";
    await b.broker.log.createTopic(topic, 2);
    const base = Date.now() - 60_000;
    // Partition 0: rising timestamps base, base+10 … base+40 at offsets 0-4. Partition 1: out of
    // order (base+100, base+50, base+200): the answer is the first offset whose timestamp is ≥ the
    // target, not the closest timestamp.
    const recs: ProduceRecord[] = [
      ...Array.from({ length: 5 }, (_, i) => ({ value: `p0-${i}`, partition: 0, timestamp: base + i * 10 })),
      { value: "p1-0", partition: 1, timestamp: base + 100 },
      { value: "p1-1", partition: 1, timestamp: base + 50 },
      { value: "p1-2", partition: 1, timestamp: base + 200 },
    ];
    await python<Sent>("produce.py", { bootstrap: b.bootstrap, topic, records: recs });
    const queries = [
      { partition: 0, timestamp: base + 15 }, // between records: the next one
      { partition: 0, timestamp: base + 20 }, // exactly a record's timestamp
      { partition: 0, timestamp: base - 1000 }, // before the first
      { partition: 0, timestamp: base + 41 }, // after the last: None
      { partition: 1, timestamp: base + 60 },
      { partition: 1, timestamp: base + 150 },
      { partition: 1, timestamp: base + 201 },
    ];
    const out = await python<{
      forTimes: ({ offset: number; timestamp: number } | null)[];
      forTimesAll: Record<string, { offset: number; timestamp: number } | null>;
      beginning: Record<string, number>;
      end: Record<string, number>;
    }>("offsets.py", {
      bootstrap: b.bootstrap,
      topic,
      partitions: [0, 1],
      queries,
      combined: [
        { partition: 0, timestamp: base + 15 },
        { partition: 1, timestamp: base + 60 },
      ],
    });
    assert.deepEqual(out.forTimes, [
      { offset: 2, timestamp: base + 20 },
      { offset: 2, timestamp: base + 20 },
      { offset: 0, timestamp: base },
      null,
      { offset: 0, timestamp: base + 100 },
      { offset: 2, timestamp: base + 200 },
      null,
    ]);
    // One call for both partitions: one ListOffsets request with two partitions.
    assert.deepEqual(out.forTimesAll, { 0: { offset: 2, timestamp: base + 20 }, 1: { offset: 0, timestamp: base + 100 } });
    assert.deepEqual(out.beginning, { 0: 0, 1: 0 });
    assert.deepEqual(out.end, { 0: 5, 1: 3 });
  });

  it("a group consumer (subscribe) reads everything, commits, and a restart resumes after the commit", async () => {
    const topic = "kp-group";
    const group = "kp-group-1";
    await b.broker.log.createTopic(topic, 2);
    const first: ProduceRecord[] = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2, timestamp: Date.now() }));
    const sent1 = await python<Sent>("produce.py", { bootstrap: b.bootstrap, topic, records: first });
    interface GroupOut {
      records: Rec[];
      assignment: number[];
      committed: Record<string, number | null>;
    }
    const run1 = await python<GroupOut>("group.py", { bootstrap: b.bootstrap, topic, group, count: 10, deadlineMs: 30_000 }, { timeoutMs: 60_000 });
    assert.deepEqual(run1.assignment, [0, 1]);
    assert.deepEqual(run1.records, expected(first, sent1.sent));
    assert.deepEqual(run1.committed, { 0: 5, 1: 5 });

    const more: ProduceRecord[] = [
      { key: "late-0", value: "x", partition: 0, timestamp: Date.now() },
      { key: "late-1", value: "y", partition: 1, timestamp: Date.now() },
    ];
    const sent2 = await python<Sent>("produce.py", { bootstrap: b.bootstrap, topic, records: more });
    const run2 = await python<GroupOut>("group.py", { bootstrap: b.bootstrap, topic, group, count: 2, deadlineMs: 30_000 }, { timeoutMs: 60_000 });
    assert.deepEqual(run2.records, expected(more, sent2.sent));
    assert.deepEqual(run2.committed, { 0: 6, 1: 6 });
  });

  it("KafkaAdminClient creates a topic with partitions, lists it, refuses a duplicate, and deletes it", async () => {
    const topic = "kp-admin-created";
    const out = await python<{ results: unknown[] }>("admin.py", {
      bootstrap: b.bootstrap,
      steps: [
        { op: "create", topic, partitions: 3, configs: { "retention.ms": "3600000" } },
        { op: "list" },
        { op: "create", topic, partitions: 1 },
        { op: "delete", topic },
        { op: "list" },
      ],
    });
    const [created, listed, duplicate, deleted, listedAfter] = out.results as [Record<string, unknown>, string[], Record<string, unknown>, Record<string, unknown>, string[]];
    assert.deepEqual(created, { [topic]: 0 });
    assert.ok(listed.includes(topic), `list_topics after create: ${JSON.stringify(listed)}`);
    assert.deepEqual(duplicate, { raised: "TopicAlreadyExistsError" });
    assert.deepEqual(deleted, { [topic]: 0 });
    assert.ok(!listedAfter.includes(topic), `list_topics after delete: ${JSON.stringify(listedAfter)}`);
    assert.equal(b.broker.log.hasTopic(topic), false);
  });

  it("KafkaAdminClient create_topics applies topic_configs, and describe_configs shows them among all configs", async () => {
    const topic = "kp-admin-configs";
    const out = await python<{ results: unknown[] }>("admin.py", {
      bootstrap: b.bootstrap,
      steps: [
        { op: "create", topic, partitions: 2, configs: { "retention.ms": "3600000", "cleanup.policy": "compact", "max.message.bytes": "2000000" } },
        { op: "describe", topic },
      ],
    });
    const [created, described] = out.results as [Record<string, unknown>, { error: number; configs: Record<string, { value: string | null; readOnly: boolean; sensitive: boolean }> }];
    assert.deepEqual(created, { [topic]: 0 });
    assert.equal(b.broker.log.describeTopic(topic).partitions, 2);
    assert.equal(described.error, 0);
    assert.equal(described.configs["retention.ms"]?.value, "3600000");
    assert.equal(described.configs["cleanup.policy"]?.value, "compact");
    assert.equal(described.configs["max.message.bytes"]?.value, "2000000");
    // Every config is listed with its value, not only the overridden ones.
    assert.equal(described.configs["segment.bytes"]?.value, String(b.broker.log.describeTopic(topic).config.segmentBytes));
    assert.ok(Object.keys(described.configs).length >= 10, `describe_configs listed ${Object.keys(described.configs).join(", ")}`);
    const cfg = b.broker.log.describeTopic(topic).config;
    assert.equal(cfg.retentionMs, 3_600_000);
    assert.deepEqual(cfg.cleanupPolicy, { delete: false, compact: true });
    assert.equal(cfg.maxMessageBytes, 2_000_000);
  });
});
