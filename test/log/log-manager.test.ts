// LogManager: topics with configs, partitions, restart, delete, and leftovers of interrupted work.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { LogManager } from "../../src/log/log-manager.js";
import { MemoryFs } from "../../src/log/memory-fs.js";
import { writeFileDurably } from "../../src/log/fs.js";
import { isWeirError } from "../../src/util/errors.js";
import { batchOf, recordsOf, tempDir } from "./helpers.js";

const code = (e: unknown): string | undefined => (isWeirError(e) ? e.code : undefined);

describe("LogManager", () => {
  it("creates topics, appends to partitions, and finds everything again after a restart (real fs)", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const m = await LogManager.open({ dataDir: dir });
      const d = await m.createTopic("orders", 3, { "segment.bytes": "1000", "cleanup.policy": "compact,delete", "flush.messages": 1 });
      assert.equal(d.partitions, 3);
      assert.deepEqual(d.overrides, { "segment.bytes": "1000", "cleanup.policy": "compact,delete", "flush.messages": "1" });
      assert.deepEqual(d.config.flush, { kind: "every-append" });
      for (let p = 0; p < 3; p++) await m.partition("orders", p).append(batchOf(p + 1));
      await m.createTopic("logs", 1);
      assert.deepEqual(m.topics(), ["logs", "orders"]);
      await m.close();
      assert.ok(existsSync(`${dir}/orders-2/00000000000000000000.log`));
      assert.equal((JSON.parse(readFileSync(`${dir}/topics/orders.json`, "utf8")) as { partitions: number }).partitions, 3);

      const again = await LogManager.open({ dataDir: dir });
      assert.deepEqual(again.topics(), ["logs", "orders"]);
      assert.equal(again.describeTopic("orders").config.segmentBytes, 1000);
      assert.equal(recordsOf(again.partition("orders", 2).read(0, 1000).records).length, 3);
      await again.close();
    } finally {
      cleanup();
    }
  });

  it("answers bad names, duplicates and unknown topics with typed errors", async () => {
    const m = await LogManager.open({ dataDir: "/data", fs: new MemoryFs() });
    await assert.rejects(m.createTopic("bad/name", 1), (e) => code(e) === "INVALID_ARGUMENT");
    await assert.rejects(m.createTopic("..", 1), (e) => code(e) === "INVALID_ARGUMENT");
    await assert.rejects(m.createTopic("x".repeat(250), 1), (e) => code(e) === "INVALID_ARGUMENT");
    await assert.rejects(m.createTopic("t", 0), (e) => code(e) === "INVALID_ARGUMENT");
    await assert.rejects(m.createTopic("t", 1, { "retention.ms": "soon" }), (e) => code(e) === "CONFIG" && /retention\.ms/.test((e as Error).message));
    await assert.rejects(m.createTopic("t", 1, { "no.such.key": 1 }), (e) => code(e) === "CONFIG" && /no\.such\.key/.test((e as Error).message));
    await m.createTopic("t", 2);
    await assert.rejects(m.createTopic("t", 2), (e) => code(e) === "ALREADY_EXISTS");
    assert.throws(() => m.partition("t", 2), (e) => code(e) === "NOT_FOUND");
    assert.throws(() => m.partition("nope", 0), (e) => code(e) === "NOT_FOUND");
    await m.close();
  });

  it("deletes a topic with its data, and alters configs and partition counts", async () => {
    const fs = new MemoryFs();
    const m = await LogManager.open({ dataDir: "/data", fs });
    await m.createTopic("a", 2);
    await m.partition("a", 0).append(batchOf(1));
    await m.deleteTopic("a");
    assert.equal(fs.exists("/data/a-0"), false);
    assert.equal(fs.exists("/data/topics/a.json"), false);
    await m.createTopic("a", 1);
    assert.equal(m.partition("a", 0).logEndOffset(), 0, "a recreated topic starts empty");
    const altered = await m.alterTopicConfig("a", { "retention.ms": 5000, "message.timestamp.type": "LogAppendTime" });
    assert.equal(altered.config.retentionMs, 5000);
    assert.equal(m.partition("a", 0).config.messageTimestampType, "LogAppendTime");
    const reset = await m.alterTopicConfig("a", { "retention.ms": null });
    assert.deepEqual(reset.overrides, { "message.timestamp.type": "LogAppendTime" });
    await m.addPartitions("a", 3);
    await m.partition("a", 2).append(batchOf(1));
    await m.close();
    const again = await LogManager.open({ dataDir: "/data", fs });
    assert.equal(again.describeTopic("a").partitions, 3);
    assert.equal(again.describeTopic("a").config.messageTimestampType, "LogAppendTime");
    await again.close();
  });

  it("removes partition directories left by an interrupted create or delete", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const m = await LogManager.open({ dataDir: dir });
      await m.createTopic("keep", 1);
      await m.close();
      mkdirSync(`${dir}/ghost-0`);
      writeFileSync(`${dir}/ghost-0/00000000000000000000.log`, "");
      mkdirSync(`${dir}/keep-5`);
      // Someone else's directory that merely looks like a partition is left alone.
      mkdirSync(`${dir}/other-1`);
      writeFileSync(`${dir}/other-1/state.db`, "x");
      const again = await LogManager.open({ dataDir: dir });
      assert.ok(!existsSync(`${dir}/ghost-0`) && !existsSync(`${dir}/keep-5`) && existsSync(`${dir}/keep-0`));
      assert.ok(existsSync(`${dir}/other-1/state.db`));
      await again.close();
    } finally {
      cleanup();
    }
  });

  it("runs retention and compaction over every partition", async () => {
    const fs = new MemoryFs();
    const m = await LogManager.open({ dataDir: "/data", fs, defaults: { segmentBytes: 200 } });
    await m.createTopic("old", 1, { "retention.ms": 1000 });
    for (let i = 0; i < 6; i++) await m.partition("old", 0).append(batchOf(2, { ts: 10 }));
    await m.createTopic("kv", 1, { "cleanup.policy": "compact" });
    for (let i = 0; i < 6; i++) await m.partition("kv", 0).append(batchOf(2, { key: () => "same" }));
    await m.partition("kv", 0).settle();
    const r = await m.runMaintenance(100_000);
    assert.ok(r.segmentsDeleted >= 2, `deleted ${r.segmentsDeleted}`);
    assert.ok(r.segmentsCompacted >= 1 && r.recordsRemoved >= 2, JSON.stringify(r));
    assert.equal(m.partition("old", 0).logStartOffset(), 12);
    await m.close();
  });
});

describe("LogManager topic ids and concurrent changes", () => {
  it("gives each topic an id that survives a restart, and a new id to a topic created again", async () => {
    const fs = new MemoryFs();
    const m = await LogManager.open({ dataDir: "/data", fs });
    const id = (await m.createTopic("ids", 2)).topicId;
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await m.close();
    const again = await LogManager.open({ dataDir: "/data", fs });
    assert.equal(again.describeTopic("ids").topicId, id);
    await again.deleteTopic("ids");
    assert.notEqual((await again.createTopic("ids", 1)).topicId, id);
    await again.close();
  });

  it("assigns and keeps an id for a topic file written before ids were stored", async () => {
    const fs = new MemoryFs();
    const m = await LogManager.open({ dataDir: "/data", fs });
    await m.createTopic("old", 1);
    await m.close();
    const path = "/data/topics/old.json";
    const file = JSON.parse(fs.readFile(path).toString()) as Record<string, unknown>;
    delete file.topicId;
    await writeFileDurably(fs, path, Buffer.from(JSON.stringify(file)));
    const first = await LogManager.open({ dataDir: "/data", fs });
    const id = first.describeTopic("old").topicId;
    await first.close();
    const second = await LogManager.open({ dataDir: "/data", fs });
    assert.equal(second.describeTopic("old").topicId, id);
    await second.close();
  });

  it("runs create, alter, grow and delete of one topic one after another, so a delete is never undone", async () => {
    const fs = new MemoryFs();
    const m = await LogManager.open({ dataDir: "/data", fs });
    await m.createTopic("race", 1);
    // Started together: the alter and the grow must not write the topic file back after the delete.
    const results = await Promise.allSettled([m.alterTopicConfig("race", { "retention.ms": 1000 }), m.deleteTopic("race"), m.addPartitions("race", 3)]);
    assert.deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled", "rejected"]);
    assert.equal(m.hasTopic("race"), false);
    await m.close();
    const again = await LogManager.open({ dataDir: "/data", fs });
    assert.equal(again.hasTopic("race"), false, "the deleted topic came back after a restart");
    await again.close();
  });
});
