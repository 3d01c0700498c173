/**
 * RemoteLogClient against Weir's broker started in-process: Metadata, CreateTopics, ListOffsets,
 * Fetch v4-12 read_uncommitted and the idempotent producer (InitProducerId, acks=all, sequences).
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { RemoteLogClient } from "../../src/client/remote.js";
import { batchesIn, buildBatch, iterateRecords, readBatchHeader } from "../../src/protocol/records/index.js";
import { isWeirError } from "../../src/util/errors.js";
import { T0, fixtureRecord, produceRange, remoteFixture, type ClientFixture } from "../engine/io/kafka-fixtures.js";
import { rejectsWith as rejects } from "../helpers/rejects.js";


describe("RemoteLogClient against Weir's broker", () => {
  let f: ClientFixture;
  before(async () => {
    f = await remoteFixture();
    await f.client.createTopic("events", 2, { "retention.ms": "-1" });
    await produceRange(f.client, "events", 0, 0, 10, { perBatch: 4 });
    await produceRange(f.client, "events", 1, 0, 3, { perBatch: 3, compression: "zstd" });
  });
  after(() => f.stop());

  it("lists and describes topics; a missing one is left out", async () => {
    assert.deepEqual(
      (await f.client.listTopics()).filter((t) => !t.internal),
      [{ name: "events", partitions: 2, internal: false }],
    );
    assert.deepEqual([...(await f.client.describeTopics(["events", "nope"])).keys()], ["events"]);
    assert.equal((await f.client.describeTopics([])).size, 0);
  });

  it("refuses to create a topic twice and names a bad config", async () => {
    await rejects(f.client.createTopic("events", 1), "ALREADY_EXISTS", /events/);
    await rejects(f.client.createTopic("bad", 1, { "cleanup.policy": "sometimes" }), "INVALID_ARGUMENT", /bad/);
  });

  it("answers earliest, latest and by-timestamp offsets", async () => {
    const tps = [{ topic: "events", partition: 0 }, { topic: "events", partition: 1 }];
    assert.deepEqual(await f.client.earliestOffsets(tps), [0, 0]);
    assert.deepEqual(await f.client.latestOffsets(tps), [10, 3]);
    const byTime = await f.client.offsetsForTimes([
      { topic: "events", partition: 0, timestamp: T0 + 4500 },
      { topic: "events", partition: 1, timestamp: T0 + 4500 },
      { topic: "events", partition: 0, timestamp: 0 },
    ]);
    assert.deepEqual(byTime, [5, null, 0]);
  });

  it("fetches whole batches from the one holding the offset, at least one whatever maxBytes says", async () => {
    const r = await f.client.fetch("events", 0, 5, 1 << 20);
    assert.equal(r.highWatermark, 10);
    assert.equal(r.framesChecked, false);
    assert.deepEqual(
      [...batchesIn(r.records)].map((b) => b.header.baseOffset),
      [4, 8],
    );
    const one = await f.client.fetch("events", 0, 0, 1);
    assert.deepEqual(
      [...batchesIn(one.records)].map((b) => b.header.baseOffset),
      [0],
    );
    assert.equal((await f.client.fetch("events", 0, 10, 1000)).records.length, 0);
  });

  it("stamps one producer id and per-partition sequences, acks=all", async () => {
    const headers = [...batchesIn((await f.client.fetch("events", 0, 0, 1 << 20)).records)].map((b) => b.header);
    assert.ok(headers[0].producerId >= 0);
    assert.deepEqual(
      headers.map((h) => h.baseSequence),
      [0, 4, 8],
    );
    const p1 = readBatchHeader((await f.client.fetch("events", 1, 0, 1 << 20)).records, 0);
    assert.equal(p1.producerId, headers[0].producerId);
    assert.equal(p1.attributes & 7, 4);
    assert.deepEqual([...iterateRecords((await f.client.fetch("events", 1, 0, 1 << 20)).records, 0)].map((x) => x.value?.toString()), ["v0", "v1", "v2"]);
  });

  it("acknowledges a resent batch (same sequence) once, without appending it again", async () => {
    await f.client.createTopic("dedup", 1);
    const first = await f.client.produce("dedup", 0, buildBatch([fixtureRecord(0), fixtureRecord(1)]));
    // A retry after a lost answer carries the same sequence: rewind it as the retry would.
    (f.client as unknown as { sequences: Map<string, number> }).sequences.set(["dedup", 0].join("\u0000"), 0);
    const again = await f.client.produce("dedup", 0, buildBatch([fixtureRecord(0), fixtureRecord(1)]));
    assert.equal(again.baseOffset, first.baseOffset);
    assert.deepEqual(await f.client.latestOffsets([{ topic: "dedup", partition: 0 }]), [2]);
  });

  it("names what is wrong: unknown topic or partition, offsets out of range, refused batches", async () => {
    await rejects(f.client.fetch("nope", 0, 0, 100), "NOT_FOUND", /nope/);
    await rejects(f.client.fetch("events", 7, 0, 100), "NOT_FOUND", /partition 7/);
    await rejects(f.client.fetch("events", 0, 11, 100), "OFFSET_OUT_OF_RANGE", /OFFSET_OUT_OF_RANGE/);
    await rejects(f.client.latestOffsets([{ topic: "nope", partition: 0 }]), "NOT_FOUND", /nope/);
    await rejects(f.client.produce("nope", 0, buildBatch([fixtureRecord(0)])), "NOT_FOUND", /nope/);
    await f.client.createTopic("strict", 1, { "max.message.bytes": "200" });
    await rejects(f.client.produce("strict", 0, buildBatch([{ key: null, value: Buffer.alloc(500) }])), "IO", /MESSAGE_TOO_LARGE/);
    assert.equal((await f.client.produce("strict", 0, buildBatch([fixtureRecord(0)]))).baseOffset, 0);
  });

  it("keeps the order of concurrent produces to one partition", async () => {
    await f.client.createTopic("order", 1);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => f.client.produce("order", 0, buildBatch([fixtureRecord(i), fixtureRecord(i + 100)]))));
    assert.deepEqual(
      results.map((r) => r.baseOffset),
      Array.from({ length: 20 }, (_, i) => i * 2),
    );
  });

  it("fails to connect with the address in the message", async () => {
    await rejects(RemoteLogClient.connect({ bootstrap: "127.0.0.1:1", connectTimeoutMs: 2000 }), "IO", /127\.0\.0\.1:1/);
    await rejects(RemoteLogClient.connect({ bootstrap: "nonsense" }), "INVALID_ARGUMENT", /bootstrap/);
  });

  it("refuses calls after close", async () => {
    const f2 = await remoteFixture();
    await f2.client.createTopic("t", 1);
    await f2.client.close();
    await assert.rejects(f2.client.fetch("t", 0, 0, 100), (e: unknown) => isWeirError(e) && (e.code === "CLOSED" || e.code === "IO"));
    await f2.stop();
  });
});
