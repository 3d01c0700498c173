import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Admin, ConfigResourceTypes, ConfigSources, IncrementalAlterConfigOperationTypes as Op } from "@platformatic/kafka";
import { Broker } from "../../src/broker/broker.js";

/** The Kafka error names (apiId) inside a @platformatic/kafka error, aggregates unpacked. */
function apiIds(e: unknown): string[] {
  if (typeof e !== "object" || e === null) return [];
  const err = e as { apiId?: unknown; errors?: unknown[]; cause?: unknown };
  const own = typeof err.apiId === "string" ? [err.apiId] : [];
  return [...own, ...(err.errors ?? []).flatMap(apiIds), ...apiIds(err.cause)];
}

/** Asserts that `p` rejects with an error carrying Kafka error `name`. */
async function rejectsWith(p: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(apiIds(e).includes(name), `expected ${name}, got ${JSON.stringify(apiIds(e))}: ${String(e)}`);
    return true;
  });
}

describe("admin APIs through @platformatic/kafka", () => {
  let dir: string;
  let broker: Broker;
  let admin: Admin;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-admin-pk-"));
    broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: dir }, { maintenanceIntervalMs: 0 });
    admin = new Admin({ clientId: "weir-admin-test", bootstrapBrokers: [`127.0.0.1:${broker.address.port}`], retries: 0 });
  });
  after(async () => {
    await admin?.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates topics (v7) and gets back id, partitions, replicas and configs", async () => {
    const created = await admin.createTopics({ topics: ["pk-a", "pk-b"], partitions: 3, configs: [{ name: "cleanup.policy", value: "compact" }] });
    assert.equal(created.length, 2);
    for (const t of created) {
      assert.equal(t.partitions, 3);
      assert.equal(t.replicas, 1);
      assert.equal(t.id, broker.state.topicId(t.name));
      assert.equal(t.configuration["cleanup.policy"], "compact");
      assert.equal(t.configuration["retention.ms"], "604800000");
    }
    assert.deepEqual((await admin.listTopics()).filter((t) => t.startsWith("pk-")), ["pk-a", "pk-b"]);
  });

  it("creates with the broker's default partition count and refuses existing topics and bad configs", async () => {
    const [t] = await admin.createTopics({ topics: ["pk-default"] });
    assert.equal(t.partitions, 1);
    await rejectsWith(admin.createTopics({ topics: ["pk-a"] }), "TOPIC_ALREADY_EXISTS");
    await rejectsWith(admin.createTopics({ topics: ["pk-c"], configs: [{ name: "segment.bytes", value: "1" }] }), "INVALID_CONFIG");
    await rejectsWith(admin.createTopics({ topics: ["pk-d"], replicas: 2 }), "INVALID_REPLICATION_FACTOR");
    await rejectsWith(admin.createTopics({ topics: ["pk-e", "pk-e"] }), "INVALID_REQUEST");
    assert.equal(broker.log.hasTopic("pk-c") || broker.log.hasTopic("pk-d") || broker.log.hasTopic("pk-e"), false);
  });

  it("creates partitions (v3) and refuses to shrink or to grow an unknown topic", async () => {
    await admin.createPartitions({ topics: [{ name: "pk-a", count: 4 }] });
    assert.equal(broker.log.describeTopic("pk-a").partitions, 4);
    await rejectsWith(admin.createPartitions({ topics: [{ name: "pk-a", count: 2 }] }), "INVALID_PARTITIONS");
    await rejectsWith(admin.createPartitions({ topics: [{ name: "pk-none", count: 2 }] }), "UNKNOWN_TOPIC_OR_PARTITION");
    await admin.createPartitions({ topics: [{ name: "pk-a", count: 8 }], validateOnly: true });
    assert.equal(broker.log.describeTopic("pk-a").partitions, 4);
  });

  it("describes topic and broker configs (v4) with types, synonyms and documentation", async () => {
    const [topic, brokerDesc] = await admin.describeConfigs({
      resources: [
        { resourceType: ConfigResourceTypes.TOPIC, resourceName: "pk-a" },
        { resourceType: ConfigResourceTypes.BROKER, resourceName: String(broker.state.config.nodeId) },
      ],
      includeSynonyms: true,
      includeDocumentation: true,
    });
    const policy = topic.configs.find((c) => c.name === "cleanup.policy")!;
    assert.equal(policy.value, "compact");
    assert.equal(policy.configSource, ConfigSources.TOPIC_CONFIG);
    assert.deepEqual(policy.synonyms.map((s) => s.source), [ConfigSources.TOPIC_CONFIG, ConfigSources.DEFAULT_CONFIG]);
    assert.equal(policy.configType, 7);
    assert.ok((policy.documentation ?? "").length > 0);
    assert.ok(topic.configs.length >= 10);
    const names = new Set(brokerDesc.configs.map((c) => c.name));
    for (const n of ["num.partitions", "auto.create.topics.enable", "log.dirs", "node.id", "socket.request.max.bytes", "log.retention.ms", "log.segment.bytes", "message.max.bytes"]) {
      assert.ok(names.has(n), `broker config ${n}`);
    }
    assert.equal(brokerDesc.configs.find((c) => c.name === "log.dirs")!.value, dir);
  });

  it("alters topic configs incrementally (v1): set, append, subtract, delete; errors per resource", async () => {
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: "pk-b",
          configs: [
            { name: "retention.ms", configOperation: Op.SET, value: "3600000" },
            { name: "max.message.bytes", configOperation: Op.SET, value: "2048" },
            { name: "cleanup.policy", configOperation: Op.APPEND, value: "delete" },
          ],
        },
      ],
    });
    let cfg = broker.log.describeTopic("pk-b").config;
    assert.deepEqual([cfg.retentionMs, cfg.maxMessageBytes, cfg.cleanupPolicy], [3_600_000, 2048, { compact: true, delete: true }]);
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: "pk-b",
          configs: [
            { name: "cleanup.policy", configOperation: Op.SUBTRACT, value: "compact" },
            { name: "retention.ms", configOperation: Op.DELETE },
          ],
        },
      ],
    });
    cfg = broker.log.describeTopic("pk-b").config;
    assert.deepEqual([cfg.retentionMs, cfg.cleanupPolicy], [604_800_000, { compact: false, delete: true }]);
    const [described] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: "pk-b", configurationKeys: ["max.message.bytes"] }] });
    assert.deepEqual(described.configs.map((c) => [c.name, c.value, c.configSource]), [["max.message.bytes", "2048", ConfigSources.TOPIC_CONFIG]]);

    const set = (resourceName: string, name: string, value: string, resourceType: 2 | 4 = ConfigResourceTypes.TOPIC) =>
      admin.incrementalAlterConfigs({ resources: [{ resourceType, resourceName, configs: [{ name, configOperation: Op.SET, value }] }] });
    await rejectsWith(set("pk-b", "retention.ms", "later"), "INVALID_CONFIG");
    await rejectsWith(set("pk-b", "no.such.config", "1"), "INVALID_CONFIG");
    await rejectsWith(set("pk-none", "retention.ms", "1"), "UNKNOWN_TOPIC_OR_PARTITION");
    await rejectsWith(set(String(broker.state.config.nodeId), "num.partitions", "3", ConfigResourceTypes.BROKER), "INVALID_REQUEST");
    assert.equal(broker.log.describeTopic("pk-b").config.retentionMs, 604_800_000);
  });

  it("deletes topics (v6) and answers UNKNOWN_TOPIC_OR_PARTITION for an unknown one", async () => {
    const id = broker.state.topicId("pk-default");
    await admin.deleteTopics({ topics: ["pk-default"] });
    assert.equal(broker.log.hasTopic("pk-default"), false);
    assert.equal(broker.state.topicNameById(id), undefined);
    assert.ok(!(await admin.listTopics()).includes("pk-default"));
    await rejectsWith(admin.deleteTopics({ topics: ["pk-default"] }), "UNKNOWN_TOPIC_OR_PARTITION");
  });
});
