import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import type { Admin } from "kafkajs";
import { Broker } from "../../src/broker/broker.js";
import type { ApiHandler, RequestContext } from "../../src/broker/dispatch.js";
import { createTopicsHandler } from "../../src/broker/handlers/19-create-topics.js";
import { deleteTopicsHandler } from "../../src/broker/handlers/20-delete-topics.js";
import { describeConfigsHandler } from "../../src/broker/handlers/32-describe-configs.js";
import { createPartitionsHandler } from "../../src/broker/handlers/37-create-partitions.js";
import { incrementalAlterConfigsHandler } from "../../src/broker/handlers/44-incremental-alter-configs.js";
import type { BrokerState } from "../../src/broker/state.js";
import { KafkaErrors } from "../../src/protocol/errors.js";
import { apis } from "../../src/protocol/messages/index.js";
import type { RegisteredApiKey, RequestInputOf, ResponseOf } from "../../src/protocol/messages/index.js";
import { ZERO_UUID, decodeExact, encodeToBuffer } from "../../src/protocol/schema/index.js";

// kafkajs is CommonJS; Node's ESM loader does not see all of its named exports.
const { ConfigResourceTypes, Kafka, logLevel } = kafkajs;
const E = KafkaErrors;

/** A broker on a free port over a fresh temp dir; `stop` removes it all. */
async function startBroker(): Promise<{ broker: Broker; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "weir-admin-"));
  const broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: dir, defaultPartitions: 2 }, { maintenanceIntervalMs: 0 });
  return {
    broker,
    stop: async () => {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ctx = {} as RequestContext;

/** The Kafka error types inside a kafkajs error (aggregates and retry wrappers unpacked). */
function kafkajsTypes(e: unknown): string[] {
  if (typeof e !== "object" || e === null) return [];
  const err = e as { type?: unknown; errors?: unknown[]; cause?: unknown };
  const own = typeof err.type === "string" ? [err.type] : [];
  return [...own, ...(err.errors ?? []).flatMap(kafkajsTypes), ...kafkajsTypes(err.cause)];
}

/** Asserts that `p` rejects with a kafkajs error carrying Kafka error `type`. */
async function rejectsWith(p: Promise<unknown>, type: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(kafkajsTypes(e).includes(type), `expected ${type}, got ${JSON.stringify(kafkajsTypes(e))}: ${String(e)}`);
    return true;
  });
}

/**
 * Calls a handler as the dispatcher would, through the codec both ways at `version`: the request
 * is encoded and decoded (so absent fields take their defaults), the answer must encode.
 */
async function call<K extends RegisteredApiKey>(state: BrokerState, h: ApiHandler<K, BrokerState>, version: number, input: RequestInputOf<K>): Promise<ResponseOf<K>> {
  const api = apis[h.apiKey];
  const req = decodeExact(api.request, version, encodeToBuffer(api.request, version, input as never));
  const res = await h.handle(state, req as never, version, ctx);
  assert.ok(res !== null);
  return decodeExact(api.response, version, encodeToBuffer(api.response, version, res as never)) as ResponseOf<K>;
}

describe("admin APIs through kafkajs", () => {
  let b: Awaited<ReturnType<typeof startBroker>>;
  let admin: Admin;

  before(async () => {
    b = await startBroker();
    const kafka = new Kafka({ clientId: "weir-admin-test", brokers: [`127.0.0.1:${b.broker.address.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    await admin?.disconnect();
    await b?.stop();
  });

  it("creates topics with partitions and configs, and lists them", async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: "kj-a", numPartitions: 3, configEntries: [{ name: "retention.ms", value: "60000" }] }, { topic: "kj-b" }] }), true);
    assert.deepEqual((await admin.listTopics()).filter((t) => t.startsWith("kj-")).sort(), ["kj-a", "kj-b"]);
    const md = await admin.fetchTopicMetadata({ topics: ["kj-a", "kj-b"] });
    assert.deepEqual(md.topics.map((t) => [t.name, t.partitions.length]).sort(), [["kj-a", 3], ["kj-b", 2]]);
    assert.equal(b.broker.log.describeTopic("kj-a").config.retentionMs, 60000);
  });

  it("answers false (TOPIC_ALREADY_EXISTS) for an existing topic and creates nothing on validateOnly", async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: "kj-a" }] }), false);
    assert.equal(await admin.createTopics({ topics: [{ topic: "kj-v", numPartitions: 2 }], validateOnly: true, waitForLeaders: false }), true);
    assert.equal(b.broker.log.hasTopic("kj-v"), false);
  });

  it("rejects a bad config, a replication factor above 1 and a bad name", async () => {
    await rejectsWith(admin.createTopics({ topics: [{ topic: "kj-bad", configEntries: [{ name: "retention.ms", value: "soon" }] }] }), "INVALID_CONFIG");
    await rejectsWith(admin.createTopics({ topics: [{ topic: "kj-rf", replicationFactor: 3 }] }), "INVALID_REPLICATION_FACTOR");
    await rejectsWith(admin.createTopics({ topics: [{ topic: "bad/name" }] }), "INVALID_TOPIC_EXCEPTION");
    assert.equal(b.broker.log.hasTopic("kj-bad"), false);
  });

  it("grows a topic with createPartitions and refuses to shrink it or touch an unknown topic", async () => {
    await admin.createPartitions({ topicPartitions: [{ topic: "kj-a", count: 5 }] });
    assert.equal(b.broker.log.describeTopic("kj-a").partitions, 5);
    await rejectsWith(admin.createPartitions({ topicPartitions: [{ topic: "kj-a", count: 2 }] }), "INVALID_PARTITIONS");
    await rejectsWith(admin.createPartitions({ topicPartitions: [{ topic: "kj-none", count: 2 }] }), "UNKNOWN_TOPIC_OR_PARTITION");
    await admin.createPartitions({ topicPartitions: [{ topic: "kj-a", count: 9 }], validateOnly: true });
    assert.equal(b.broker.log.describeTopic("kj-a").partitions, 5);
  });

  it("describes every topic config with its source and synonyms", async () => {
    const res = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: "kj-a" }], includeSynonyms: true });
    const entries = res.resources[0].configEntries;
    assert.ok(entries.length >= 10);
    const retention = entries.find((c) => c.configName === "retention.ms")!;
    assert.equal(retention.configValue, "60000");
    assert.equal(retention.isDefault, false);
    assert.equal(retention.configSource, 1);
    assert.deepEqual(
      retention.configSynonyms.map((s) => [s.configName, s.configSource]),
      [["retention.ms", 1], ["log.retention.ms", 5]],
    );
    const segment = entries.find((c) => c.configName === "segment.bytes")!;
    assert.equal(segment.isDefault, true);
    assert.equal(segment.configSource, 5);
    const some = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: "kj-a", configNames: ["cleanup.policy"] }], includeSynonyms: false });
    assert.deepEqual(some.resources[0].configEntries.map((c) => [c.configName, c.configValue]), [["cleanup.policy", "delete"]]);
  });

  it("describes the broker's settings, read-only", async () => {
    const res = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: "1" }], includeSynonyms: false });
    const byName = new Map(res.resources[0].configEntries.map((c) => [c.configName, c]));
    assert.equal(byName.get("num.partitions")?.configValue, "2");
    assert.equal(byName.get("num.partitions")?.configSource, 4);
    assert.equal(byName.get("auto.create.topics.enable")?.configValue, "true");
    assert.equal(byName.get("log.retention.ms")?.configValue, "604800000");
    assert.ok([...byName.values()].every((c) => c.readOnly));
  });

  it("answers UNKNOWN_TOPIC_OR_PARTITION when describing an unknown topic", async () => {
    await rejectsWith(admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: "kj-none" }], includeSynonyms: false }), "UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("deletes topics, and an unknown one is UNKNOWN_TOPIC_OR_PARTITION", async () => {
    await admin.deleteTopics({ topics: ["kj-b"] });
    assert.equal(b.broker.log.hasTopic("kj-b"), false);
    assert.ok(!(await admin.listTopics()).includes("kj-b"));
    await rejectsWith(admin.deleteTopics({ topics: ["kj-b"] }), "UNKNOWN_TOPIC_OR_PARTITION");
  });
});

describe("admin handlers at the wire level", () => {
  let b: Awaited<ReturnType<typeof startBroker>>;
  let state: BrokerState;
  before(async () => {
    b = await startBroker();
    state = b.broker.state;
  });
  after(async () => {
    await b?.stop();
  });

  it("CreateTopics: duplicates, defaults, partitions and replication checks, v5+ configs and v7 ids", async () => {
    const res = await call(state, createTopicsHandler, 7, {
      topics: [
        { name: "w-dup", numPartitions: 1, replicationFactor: 1 },
        { name: "w-dup", numPartitions: 1, replicationFactor: 1 },
        { name: "w-def", numPartitions: -1, replicationFactor: -1, configs: [{ name: "cleanup.policy", value: "compact" }] },
        { name: "w-zero", numPartitions: 0, replicationFactor: 1 },
        { name: "w-rf0", numPartitions: 1, replicationFactor: 0 },
        { name: "w-unknown-key", numPartitions: 1, replicationFactor: 1, configs: [{ name: "no.such.key", value: "1" }] },
        { name: "w.x", numPartitions: 1, replicationFactor: 1 },
      ],
    });
    const by = new Map(res.topics.map((t) => [t.name, t]));
    assert.equal(res.topics.length, 6, "one answer per distinct name");
    assert.equal(by.get("w-dup")!.errorCode, E.INVALID_REQUEST.code);
    assert.equal(by.get("w-dup")!.errorMessage, "Duplicate topic name.");
    assert.equal(state.log.hasTopic("w-dup"), false);
    const def = by.get("w-def")!;
    assert.equal(def.errorCode, 0);
    assert.equal(def.numPartitions, 2);
    assert.equal(def.replicationFactor, 1);
    assert.equal(def.topicId, state.topicId("w-def"));
    const policy = def.configs!.find((c) => c.name === "cleanup.policy")!;
    assert.deepEqual([policy.value, policy.configSource], ["compact", 1]);
    assert.equal(def.configs!.find((c) => c.name === "retention.ms")!.configSource, 5);
    assert.equal(by.get("w-zero")!.errorCode, E.INVALID_PARTITIONS.code);
    assert.equal(by.get("w-rf0")!.errorCode, E.INVALID_REPLICATION_FACTOR.code);
    assert.equal(by.get("w-unknown-key")!.errorCode, E.INVALID_CONFIG.code);
    assert.match(by.get("w-unknown-key")!.errorMessage!, /no\.such\.key/);
    assert.equal(by.get("w.x")!.errorCode, 0);
    const collide = await call(state, createTopicsHandler, 7, { topics: [{ name: "w_x", numPartitions: 1, replicationFactor: 1 }] });
    assert.equal(collide.topics[0].errorCode, E.INVALID_TOPIC_EXCEPTION.code);
  });

  it("CreateTopics: manual assignments give the partition count and must name this node", async () => {
    const ok = await call(state, createTopicsHandler, 4, {
      topics: [{ name: "w-assigned", numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 1, brokerIds: [1] }, { partitionIndex: 0, brokerIds: [1] }] }],
    });
    assert.equal(ok.topics[0].errorCode, 0);
    assert.equal(state.log.describeTopic("w-assigned").partitions, 2);
    const bad = await call(state, createTopicsHandler, 4, {
      topics: [
        { name: "w-a1", numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [2] }] },
        { name: "w-a2", numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 1, brokerIds: [1] }] },
        { name: "w-a3", numPartitions: 2, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }] },
      ],
    });
    assert.deepEqual(bad.topics.map((t) => t.errorCode), [E.INVALID_REPLICA_ASSIGNMENT.code, E.INVALID_REPLICA_ASSIGNMENT.code, E.INVALID_REQUEST.code]);
  });

  it("CreateTopics v0 and v1: no error message in v0, one in v1", async () => {
    const v0 = await call(state, createTopicsHandler, 0, { topics: [{ name: "w-dup2", numPartitions: 1, replicationFactor: 2 }] });
    assert.equal(v0.topics[0].errorCode, E.INVALID_REPLICATION_FACTOR.code);
    const v1 = await call(state, createTopicsHandler, 1, { topics: [{ name: "w-dup2", numPartitions: 1, replicationFactor: 2 }], validateOnly: true });
    assert.match(v1.topics[0].errorMessage!, /only 1 broker/);
  });

  it("DeleteTopics v6: by id, unknown id, both name and id", async () => {
    await state.createTopic("w-del", 1);
    const id = state.topicId("w-del");
    const res = await call(state, deleteTopicsHandler, 6, {
      topics: [
        { name: null, topicId: id },
        { name: null, topicId: "0b5c7b0e-1d4e-4a4e-9d7e-3a2b1c0d9e8f" },
        { name: "w-def", topicId: id },
      ],
    });
    assert.equal(res.responses.length, 3);
    const deleted = res.responses.find((r) => r.topicId === id && r.errorCode === 0)!;
    assert.equal(deleted.name, "w-del");
    assert.equal(res.responses.find((r) => r.topicId !== id)!.errorCode, E.UNKNOWN_TOPIC_ID.code);
    assert.equal(res.responses.find((r) => r.name === "w-def")!.errorCode, E.INVALID_REQUEST.code);
    assert.equal(state.log.hasTopic("w-del"), false);
    assert.equal(state.topicNameById(id), undefined);
    const dup = await call(state, deleteTopicsHandler, 5, { topicNames: ["w-def", "w-def", "w-gone"] });
    assert.deepEqual(dup.responses.map((r) => [r.name, r.errorCode]), [["w-def", E.INVALID_REQUEST.code], ["w-gone", E.UNKNOWN_TOPIC_OR_PARTITION.code]]);
  });

  it("CreatePartitions: lists every topic, validates assignments, keeps Kafka's messages", async () => {
    await state.createTopic("w-grow", 3);
    const res = await call(state, createPartitionsHandler, 3, {
      topics: [
        { name: "w-grow", count: 2, assignments: null },
        { name: "w-grow-none", count: 4, assignments: null },
      ],
      validateOnly: false,
    });
    assert.deepEqual(res.results.map((r) => [r.name, r.errorCode]), [["w-grow", E.INVALID_PARTITIONS.code], ["w-grow-none", E.UNKNOWN_TOPIC_OR_PARTITION.code]]);
    assert.equal(res.results[0].errorMessage, "Topic currently has 3 partitions, which is higher than the requested 2.");
    const same = await call(state, createPartitionsHandler, 0, { topics: [{ name: "w-grow", count: 3, assignments: null }], validateOnly: false });
    assert.equal(same.results[0].errorMessage, "Topic already has 3 partition(s).");
    const badAssign = await call(state, createPartitionsHandler, 1, { topics: [{ name: "w-grow", count: 5, assignments: [{ brokerIds: [1] }] }], validateOnly: false });
    assert.equal(badAssign.results[0].errorCode, E.INVALID_REPLICA_ASSIGNMENT.code);
    const ok = await call(state, createPartitionsHandler, 2, { topics: [{ name: "w-grow", count: 5, assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] }], validateOnly: false });
    assert.equal(ok.results[0].errorCode, 0);
    assert.equal(state.log.describeTopic("w-grow").partitions, 5);
  });

  it("DescribeConfigs: v0 isDefault, v3 types and documentation, bad resources", async () => {
    const v0 = await call(state, describeConfigsHandler, 0, { resources: [{ resourceType: 2, resourceName: "w-def", configurationKeys: null }] });
    const policy0 = v0.results[0].configs.find((c) => c.name === "cleanup.policy")!;
    assert.deepEqual([policy0.value, policy0.isDefault], ["compact", false]);
    const v4 = await call(state, describeConfigsHandler, 4, {
      resources: [
        { resourceType: 2, resourceName: "w-def", configurationKeys: ["cleanup.policy", "segment.bytes", "nope"] },
        { resourceType: 4, resourceName: "", configurationKeys: null },
        { resourceType: 4, resourceName: "7", configurationKeys: null },
        { resourceType: 2, resourceName: "w-none", configurationKeys: null },
        { resourceType: 16, resourceName: "x", configurationKeys: null },
      ],
      includeSynonyms: true,
      includeDocumentation: true,
    });
    const [topic, broker, otherBroker, unknown, badType] = v4.results;
    assert.deepEqual(topic.configs.map((c) => [c.name, c.configType, c.configSource]), [["segment.bytes", 3, 5], ["cleanup.policy", 7, 1]]);
    assert.ok(topic.configs.every((c) => (c.documentation ?? "").length > 10));
    assert.equal(broker.errorCode, 0);
    assert.ok(broker.configs.length > 10);
    assert.equal(otherBroker.errorCode, E.INVALID_REQUEST.code);
    assert.equal(unknown.errorCode, E.UNKNOWN_TOPIC_OR_PARTITION.code);
    assert.equal(badType.errorCode, E.INVALID_REQUEST.code);
  });

  it("IncrementalAlterConfigs: SET, DELETE, APPEND, SUBTRACT, atomic per resource, validateOnly", async () => {
    await state.createTopic("w-alter", 1);
    const alter = (configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false, resourceName = "w-alter") =>
      call(state, incrementalAlterConfigsHandler, 1, { resources: [{ resourceType: 2, resourceName, configs }], validateOnly });
    const cfg = () => state.log.describeTopic("w-alter");

    assert.equal((await alter([{ name: "retention.ms", configOperation: 0, value: "1000" }, { name: "cleanup.policy", configOperation: 2, value: "compact" }])).responses[0].errorCode, 0);
    assert.equal(cfg().config.retentionMs, 1000);
    assert.deepEqual(cfg().config.cleanupPolicy, { delete: true, compact: true });
    assert.equal((await alter([{ name: "cleanup.policy", configOperation: 3, value: "delete" }])).responses[0].errorCode, 0);
    assert.deepEqual(cfg().config.cleanupPolicy, { delete: false, compact: true });

    // One bad change leaves the whole resource as it was.
    const bad = await alter([{ name: "retention.ms", configOperation: 0, value: "5" }, { name: "segment.bytes", configOperation: 0, value: "-3" }]);
    assert.equal(bad.responses[0].errorCode, E.INVALID_CONFIG.code);
    assert.equal(cfg().config.retentionMs, 1000);
    assert.equal((await alter([{ name: "retention.ms", configOperation: 2, value: "5" }])).responses[0].errorCode, E.INVALID_CONFIG.code);
    assert.equal((await alter([{ name: "retention.ms", configOperation: 0, value: "5" }], true)).responses[0].errorCode, 0);
    assert.equal(cfg().config.retentionMs, 1000);
    assert.equal((await alter([{ name: "retention.ms", configOperation: 1, value: null }])).responses[0].errorCode, 0);
    assert.equal(cfg().config.retentionMs, 604800000);
    assert.equal("retention.ms" in cfg().overrides, false);
    assert.equal((await alter([{ name: "a", configOperation: 0, value: "1" }, { name: "a", configOperation: 1, value: null }])).responses[0].errorCode, E.INVALID_REQUEST.code);
    assert.equal((await alter([{ name: "retention.ms", configOperation: 0, value: "1" }], false, "w-none")).responses[0].errorCode, E.UNKNOWN_TOPIC_OR_PARTITION.code);
    const brokerRes = await call(state, incrementalAlterConfigsHandler, 0, { resources: [{ resourceType: 4, resourceName: "1", configs: [{ name: "num.partitions", configOperation: 0, value: "3" }] }], validateOnly: false });
    assert.equal(brokerRes.responses[0].errorCode, E.INVALID_REQUEST.code);
    assert.match(brokerRes.responses[0].errorMessage!, /static/);
  });

  it("validateOnly CreateTopics answers v7 with a zero id and the would-be configs", async () => {
    const res = await call(state, createTopicsHandler, 7, { topics: [{ name: "w-vo", numPartitions: 4, replicationFactor: 1, configs: [{ name: "max.message.bytes", value: "2000" }] }], validateOnly: true });
    const t = res.topics[0];
    assert.deepEqual([t.errorCode, t.topicId, t.numPartitions], [0, ZERO_UUID, 4]);
    assert.equal(t.configs!.find((c) => c.name === "max.message.bytes")!.value, "2000");
    assert.equal(state.log.hasTopic("w-vo"), false);
  });
});
