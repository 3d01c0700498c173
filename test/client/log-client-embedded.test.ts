/**
 * EmbeddedLogClient: the LogClient over an in-process LogManager — topics, offsets, zero-copy
 * fetches of the stored bytes, idempotent produce that follows the broker's rules and shares
 * producer state with a broker serving the same log.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Broker } from "../../src/broker/broker.js";
import { EmbeddedLogClient } from "../../src/client/embedded.js";
import { RemoteLogClient } from "../../src/client/remote.js";
import { batchesIn, buildBatch, iterateRecords, readBatchHeader } from "../../src/protocol/records/index.js";
import { T0, embeddedFixture, fixtureRecord, produceRange, type ClientFixture } from "../engine/io/kafka-fixtures.js";
import { rejectsWith as rejects } from "../helpers/rejects.js";


describe("EmbeddedLogClient", () => {
  let f: ClientFixture;
  before(async () => {
    f = await embeddedFixture();
    await f.client.createTopic("events", 2, { "retention.ms": "-1" });
    await produceRange(f.client, "events", 0, 0, 10, { perBatch: 4 });
    await produceRange(f.client, "events", 1, 0, 3, { perBatch: 3, compression: "gzip" });
  });
  after(() => f.stop());

  it("lists and describes topics; a missing one is left out", async () => {
    assert.deepEqual(await f.client.listTopics(), [{ name: "events", partitions: 2, internal: false }]);
    const d = await f.client.describeTopics(["events", "nope"]);
    assert.deepEqual([...d.keys()], ["events"]);
  });

  it("refuses to create a topic twice", async () => {
    await rejects(f.client.createTopic("events", 1), "ALREADY_EXISTS", /events/);
  });

  it("answers earliest, latest and by-timestamp offsets", async () => {
    const tps = [{ topic: "events", partition: 0 }, { topic: "events", partition: 1 }];
    assert.deepEqual(await f.client.earliestOffsets(tps), [0, 0]);
    assert.deepEqual(await f.client.latestOffsets(tps), [10, 3]);
    const byTime = await f.client.offsetsForTimes([
      { topic: "events", partition: 0, timestamp: T0 + 4500 },
      { topic: "events", partition: 0, timestamp: 0 },
      { topic: "events", partition: 1, timestamp: T0 + 60_000 },
    ]);
    assert.deepEqual(byTime, [5, 0, null]);
  });

  it("fetches whole stored batches, starting with the one that holds the offset", async () => {
    const r = await f.client.fetch("events", 0, 5, 1 << 20);
    assert.equal(r.highWatermark, 10);
    assert.equal(r.logStartOffset, 0);
    assert.equal(r.framesChecked, true);
    const bases = [...batchesIn(r.records)].map((b) => b.header.baseOffset);
    assert.deepEqual(bases, [4, 8]);
    const values = [...iterateRecords(r.records, 0)].map((x) => x.value?.toString());
    assert.deepEqual(values, ["v4", "v5", "v6", "v7"]);
    assert.equal((await f.client.fetch("events", 0, 10, 1 << 20)).records.length, 0);
  });

  it("fetches into a caller's buffer when the batches fit, else into their own", async () => {
    const client = f.client as EmbeddedLogClient;
    const plain = await client.fetch("events", 0, 5, 1 << 20);
    const into = Buffer.from(new SharedArrayBuffer(1 << 16));
    const r = await client.fetchInto("events", 0, 5, 1 << 20, into);
    assert.equal(r.records.buffer, into.buffer);
    assert.equal(r.records.byteOffset, 0);
    assert.deepEqual(Buffer.from(r.records), plain.records);
    assert.equal(r.highWatermark, 10);
    assert.equal(r.framesChecked, true);
    // Too small for the first batch: the result has memory of its own, `into` is left alone.
    const small = Buffer.alloc(8, 7);
    const own = await client.fetchInto("events", 0, 5, 1 << 20, small);
    assert.notEqual(own.records.buffer, small.buffer);
    assert.deepEqual(own.records, plain.records);
    assert.deepEqual(small, Buffer.alloc(8, 7));
    assert.equal((await client.fetchInto("events", 0, 10, 1 << 20, into)).records.length, 0);
  });

  it("stamps its producer id and per-partition sequences into the batches", async () => {
    const r = await f.client.fetch("events", 0, 0, 1 << 20);
    const headers = [...batchesIn(r.records)].map((b) => b.header);
    assert.ok(headers[0].producerId >= 0);
    assert.deepEqual(
      headers.map((h) => [h.producerEpoch, h.baseSequence]),
      [
        [0, 0],
        [0, 4],
        [0, 8],
      ],
    );
    const p1 = readBatchHeader((await f.client.fetch("events", 1, 0, 1 << 20)).records, 0);
    assert.equal(p1.producerId, headers[0].producerId);
    assert.equal(p1.baseSequence, 0);
  });

  it("keeps compressed batches compressed", async () => {
    const r = await f.client.fetch("events", 1, 0, 1 << 20);
    assert.equal(readBatchHeader(r.records, 0).attributes & 7, 1);
    assert.deepEqual([...iterateRecords(r.records, 0)].map((x) => x.value?.toString()), ["v0", "v1", "v2"]);
  });

  it("names what is wrong: unknown topic or partition, offsets out of range", async () => {
    await rejects(f.client.fetch("nope", 0, 0, 100), "NOT_FOUND", /nope/);
    await rejects(f.client.fetch("events", 7, 0, 100), "NOT_FOUND", /partition 7/);
    await rejects(f.client.fetch("events", 0, 11, 100), "OFFSET_OUT_OF_RANGE", /offset 11/);
    await rejects(f.client.latestOffsets([{ topic: "nope", partition: 0 }]), "NOT_FOUND", /nope/);
    await rejects(f.client.produce("nope", 0, buildBatch([fixtureRecord(0)])), "NOT_FOUND", /nope/);
    await rejects(f.client.offsetsForTimes([{ topic: "events", partition: 0, timestamp: -5 }]), "INVALID_ARGUMENT", /timestamp/);
  });

  it("refuses a bad batch without spending a sequence number", async () => {
    await f.client.createTopic("strict", 1, { "max.message.bytes": "200" });
    const big = buildBatch([{ key: null, value: Buffer.alloc(500) }]);
    await rejects(f.client.produce("strict", 0, big), "LIMIT_EXCEEDED", /max.message.bytes/);
    const ok = await f.client.produce("strict", 0, buildBatch([fixtureRecord(0)]));
    assert.equal(ok.baseOffset, 0);
    assert.equal(readBatchHeader((await f.client.fetch("strict", 0, 0, 1000)).records, 0).baseSequence, 0);
    await rejects(f.client.produce("strict", 0, Buffer.alloc(10)), "CORRUPT_BATCH", /.+/);
  });

  it("refuses produce to an internal topic and transactional batches", async () => {
    await rejects(f.client.produce("__consumer_offsets", 0, buildBatch([fixtureRecord(0)])), "INVALID_ARGUMENT", /internal topic/);
    await rejects(f.client.produce("events", 0, buildBatch([fixtureRecord(0)], { transactional: true, producerId: 1, producerEpoch: 0, baseSequence: 0 })), "INVALID_ARGUMENT", /transactional/);
  });

  it("keeps the order of concurrent produces to one partition", async () => {
    await f.client.createTopic("order", 1);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => f.client.produce("order", 0, buildBatch([fixtureRecord(i), fixtureRecord(i + 100)]))));
    assert.deepEqual(
      results.map((r) => r.baseOffset),
      Array.from({ length: 20 }, (_, i) => i * 2),
    );
  });
});

describe("EmbeddedLogClient lifecycle", () => {
  it("creates the data directory, survives a reopen with a new producer id, and closes the log it owns", async () => {
    const parent = mkdtempSync(join(tmpdir(), "weir-logclient-"));
    const dataDir = join(parent, "nested", "data");
    try {
      const a = await EmbeddedLogClient.open({ dataDir });
      assert.ok(existsSync(dataDir));
      await a.createTopic("t", 1);
      await a.produce("t", 0, buildBatch([fixtureRecord(0)]));
      const firstId = readBatchHeader((await a.fetch("t", 0, 0, 1000)).records, 0).producerId;
      await a.close();
      await a.close();
      await rejects(a.fetch("t", 0, 0, 100), "CLOSED", /closed/);
      const b = await EmbeddedLogClient.open({ dataDir });
      assert.equal((await b.produce("t", 0, buildBatch([fixtureRecord(1)]))).baseOffset, 1);
      const second = [...batchesIn((await b.fetch("t", 0, 0, 1000)).records)].map((x) => x.header.producerId);
      assert.notEqual(second[1], firstId);
      await b.close();
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("shares a running broker's log and producer state with Kafka clients", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "weir-logclient-"));
    const broker = await Broker.start({ port: 0, host: "127.0.0.1", dataDir }, { maintenanceIntervalMs: 0 });
    try {
      const local = EmbeddedLogClient.forBroker(broker);
      const remote = await RemoteLogClient.connect({ bootstrap: `127.0.0.1:${broker.address.port}` });
      try {
        await local.createTopic("mixed", 1);
        for (let i = 0; i < 6; i++) {
          const c = i % 2 === 0 ? local : remote;
          assert.equal((await c.produce("mixed", 0, buildBatch([fixtureRecord(i)]))).baseOffset, i);
        }
        const headers = [...batchesIn((await remote.fetch("mixed", 0, 0, 1 << 20)).records)].map((x) => x.header);
        assert.equal(new Set(headers.map((h) => h.producerId)).size, 2);
        assert.deepEqual(
          headers.map((h) => h.baseSequence),
          [0, 0, 1, 1, 2, 2],
        );
        await local.close();
        // The broker's log stays open for others.
        assert.equal((await remote.latestOffsets([{ topic: "mixed", partition: 0 }]))[0], 6);
      } finally {
        await remote.close();
      }
    } finally {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
