/** Fetch semantics through the wire: ids, long polls, ranges, byte budgets and sessions. */
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

describe("Fetch", () => {
  let dir: string;
  let broker: Broker;
  let c: WireClient;
  let topicId: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-fetch-"));
    broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: dir }, { maintenanceIntervalMs: 0 });
    topicId = (await broker.log.createTopic("f", 2)).topicId;
    c = await WireClient.connect(broker.address.port);
  });
  after(async () => {
    c.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const produce = (partition: number, values: string[]): Promise<unknown> =>
    c.request(ApiKey.Produce, 9, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: "f", partitionData: [{ index: partition, records: buildBatch(values.map((v) => ({ key: null, value: Buffer.from(v) }))) }] }],
    });

  it("names topics by id from v13, and answers UNKNOWN_TOPIC_ID for an id no topic has", async () => {
    await produce(0, ["a", "b"]);
    const res = await c.request(ApiKey.Fetch, 13, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      topics: [
        { topicId, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] },
        { topicId: "11111111-2222-3333-4444-555555555555", partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] },
      ],
    });
    assert.equal(res.responses[0].topicId, topicId);
    assert.equal(res.responses[0].partitions[0].errorCode, 0);
    assert.equal(res.responses[0].partitions[0].highWatermark, 2);
    assert.ok(res.responses[0].partitions[0].records!.length > 0);
    assert.equal(res.responses[1].partitions[0].errorCode, KafkaErrors.UNKNOWN_TOPIC_ID.code);
  });

  it("waits for min_bytes and is woken by an append well before max_wait_ms", async () => {
    const other = await WireClient.connect(broker.address.port);
    try {
      const t0 = Date.now();
      const pending = other.request(ApiKey.Fetch, 12, {
        maxWaitMs: 10_000,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [{ topic: "f", partitions: [{ partition: 1, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
      });
      await new Promise((r) => setTimeout(r, 100));
      await produce(1, ["late"]);
      const res = await pending;
      assert.ok(res.responses[0].partitions[0].records!.length > 0);
      assert.ok(Date.now() - t0 < 5000, "the fetch waited for its timeout instead of the append");
    } finally {
      other.close();
    }
  });

  it("answers an empty fetch after max_wait_ms when nothing arrives", async () => {
    const t0 = Date.now();
    const res = await c.request(ApiKey.Fetch, 12, {
      maxWaitMs: 200,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic: "f", partitions: [{ partition: 1, fetchOffset: 1, partitionMaxBytes: 1 << 20 }] }],
    });
    assert.equal(res.responses[0].partitions[0].records!.length, 0);
    assert.ok(Date.now() - t0 >= 150);
  });

  it("answers OFFSET_OUT_OF_RANGE past the log end", async () => {
    const res = await c.request(ApiKey.Fetch, 12, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      topics: [{ topic: "f", partitions: [{ partition: 0, fetchOffset: 99, partitionMaxBytes: 1 << 20 }] }],
    });
    assert.equal(res.responses[0].partitions[0].errorCode, KafkaErrors.OFFSET_OUT_OF_RANGE.code);
  });

  it("returns at least one whole batch for the first partition, even above the byte limits", async () => {
    await produce(0, [Buffer.alloc(5000, 120).toString()]);
    const res = await c.request(ApiKey.Fetch, 12, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 100,
      topics: [{ topic: "f", partitions: [{ partition: 0, fetchOffset: 2, partitionMaxBytes: 100 }, { partition: 1, fetchOffset: 0, partitionMaxBytes: 100 }] }],
    });
    const [p0, p1] = res.responses[0].partitions;
    assert.ok(p0.records!.length > 5000, "the large batch was not returned");
    assert.equal(p1.records!.length, 0, "a later partition exceeded the budget");
  });

  it("keeps no fetch sessions: a non-zero session id gets FETCH_SESSION_ID_NOT_FOUND", async () => {
    const res = await c.request(ApiKey.Fetch, 12, { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionId: 7, sessionEpoch: 1, topics: [] });
    assert.equal(res.errorCode, KafkaErrors.FETCH_SESSION_ID_NOT_FOUND.code);
    assert.equal(res.sessionId, 0);
  });
});
