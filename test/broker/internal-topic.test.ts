/** The coordinator's internal topic is the coordinator's: clients cannot write or delete it. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker } from "../../src/broker/broker.js";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { KafkaErrors } from "../../src/protocol/errors.js";
import { buildBatch } from "../../src/protocol/records/index.js";
import { WireClient } from "../helpers/wire-client.js";

describe("internal topics and deleted topics' offsets", () => {
  let dir: string;
  let broker: Broker;
  let c: WireClient;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-internal-"));
    broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: dir }, { maintenanceIntervalMs: 0 });
    c = await WireClient.connect(broker.address.port);
  });
  after(async () => {
    c.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses produce to __consumer_offsets and its deletion with INVALID_TOPIC_EXCEPTION", async () => {
    const p = await c.request(ApiKey.Produce, 9, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: "__consumer_offsets", partitionData: [{ index: 0, records: buildBatch([{ key: Buffer.from("k"), value: Buffer.from("v") }]) }] }],
    });
    assert.equal(p.responses[0].partitionResponses[0].errorCode, KafkaErrors.INVALID_TOPIC_EXCEPTION.code);
    const d = await c.request(ApiKey.DeleteTopics, 5, { topicNames: ["__consumer_offsets"], timeoutMs: 1000 });
    assert.equal(d.responses[0].errorCode, KafkaErrors.INVALID_TOPIC_EXCEPTION.code);
    assert.ok(broker.log.hasTopic("__consumer_offsets"));
  });

  it("drops a deleted topic's committed offsets, as Kafka does", async () => {
    await broker.log.createTopic("gone", 1);
    const commit = await c.request(ApiKey.OffsetCommit, 2, {
      groupId: "g-gone",
      generationIdOrMemberEpoch: -1,
      memberId: "",
      topics: [{ name: "gone", partitions: [{ partitionIndex: 0, committedOffset: 5, committedMetadata: "m" }] }],
    });
    assert.equal(commit.topics[0].partitions[0].errorCode, 0);
    const fetchOffsets = async (): Promise<number> => {
      const r = await c.request(ApiKey.OffsetFetch, 3, { groupId: "g-gone", topics: [{ name: "gone", partitionIndexes: [0] }] });
      return r.topics[0].partitions[0].committedOffset;
    };
    assert.equal(await fetchOffsets(), 5);
    const d = await c.request(ApiKey.DeleteTopics, 5, { topicNames: ["gone"], timeoutMs: 1000 });
    assert.equal(d.responses[0].errorCode, 0);
    assert.equal(await fetchOffsets(), -1);
  });
});

describe("topic configs a one-node broker answers as Kafka does", () => {
  it("refuses acks=all with NOT_ENOUGH_REPLICAS when min.insync.replicas is above 1, and takes acks=1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weir-minisr-"));
    const broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: dir }, { maintenanceIntervalMs: 0 });
    const c = await WireClient.connect(broker.address.port);
    try {
      const created = await c.request(ApiKey.CreateTopics, 5, {
        topics: [{ name: "isr", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: "min.insync.replicas", value: "2" }] }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      assert.equal(created.topics[0].errorCode, 0);
      const produce = (acks: number) =>
        c.request(ApiKey.Produce, 9, { acks, timeoutMs: 1000, topicData: [{ name: "isr", partitionData: [{ index: 0, records: buildBatch([{ key: null, value: Buffer.from("x") }]) }] }] });
      assert.equal((await produce(-1)).responses[0].partitionResponses[0].errorCode, KafkaErrors.NOT_ENOUGH_REPLICAS.code);
      assert.equal((await produce(1)).responses[0].partitionResponses[0].errorCode, 0);
    } finally {
      c.close();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
