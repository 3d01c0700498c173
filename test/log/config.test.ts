// Topic configs: Kafka key names, defaults, validation errors that name the key and the values allowed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultTopicConfig, parseTopicConfig, topicConfigEntries, topicConfigKeys, topicConfigOverrides } from "../../src/log/config.js";
import { isWeirError } from "../../src/util/errors.js";

const fails = (overrides: Record<string, string | number>, pattern: RegExp): void => {
  assert.throws(() => parseTopicConfig(overrides), (e) => isWeirError(e, "CONFIG") && pattern.test((e as Error).message));
};

describe("topic config", () => {
  it("has Kafka's defaults and lists every key for DescribeConfigs", () => {
    assert.equal(defaultTopicConfig.segmentBytes, 1024 ** 3);
    assert.equal(defaultTopicConfig.maxMessageBytes, 1_048_588);
    const entries = topicConfigEntries(defaultTopicConfig);
    assert.deepEqual(entries.map((e) => e.name), [...topicConfigKeys]);
    assert.ok(entries.every((e) => e.isDefault));
    assert.equal(entries.find((e) => e.name === "cleanup.policy")?.value, "delete");
    assert.equal(entries.find((e) => e.name === "flush.messages")?.value, "9223372036854775807");
  });

  it("parses Kafka-named overrides into a typed config", () => {
    const c = parseTopicConfig({ "segment.bytes": "1048576", "retention.ms": -1, "cleanup.policy": "compact, delete", "message.timestamp.type": "LogAppendTime", "flush.ms": "100" });
    assert.equal(c.segmentBytes, 1_048_576);
    assert.equal(c.retentionMs, -1);
    assert.deepEqual(c.cleanupPolicy, { compact: true, delete: true });
    assert.equal(c.messageTimestampType, "LogAppendTime");
    assert.deepEqual(c.flush, { kind: "interval", intervalMs: 100 });
    assert.deepEqual(topicConfigOverrides(c), {
      "segment.bytes": "1048576",
      "retention.ms": "-1",
      "cleanup.policy": "compact,delete",
      "message.timestamp.type": "LogAppendTime",
      "flush.ms": "100",
    });
  });

  it("flush.messages=1 means fsync every append, whatever flush.ms says", () => {
    assert.deepEqual(parseTopicConfig({ "flush.ms": 100, "flush.messages": 1 }).flush, { kind: "every-append" });
    assert.deepEqual(parseTopicConfig({ "flush.messages": "9223372036854775807" }).flush, { kind: "os" });
  });

  it("names the key and the allowed values in errors", () => {
    fails({ "segment.bytes": 5 }, /segment\.bytes.*\[14, 2147483647\]/);
    fails({ "segment.bytes": "1.5" }, /segment\.bytes/);
    fails({ "cleanup.policy": "archive" }, /cleanup\.policy.*"delete" and "compact"/);
    fails({ "message.timestamp.type": "Now" }, /"CreateTime" or "LogAppendTime"/);
    fails({ "flush.messages": 100 }, /flush\.messages.*1 \(fsync every append\)/);
    fails({ "flush.ms": 0 }, /flush\.ms/);
    fails({ "retention.bytes": "lots" }, /retention\.bytes/);
    fails({ "no.such.config": 1 }, /unknown topic config no\.such\.config; known keys: segment\.bytes/);
    fails({ "min.insync.replicas": 0 }, /min\.insync\.replicas.*\[1, 2147483647\]/);
    fails({ "compression.type": "gzip" }, /only producer is supported: Weir stores batches as the producer compressed them/);
    fails({ "remote.storage.enable": "true" }, /tiered storage is not available/);
    fails({ "min.compaction.lag.ms": 1000 }, /only 0 is supported/);
    fails({ "unclean.leader.election.enable": "maybe" }, /true or false/);
    fails({ "leader.replication.throttled.replicas": "x" }, /partition:broker pairs/);
  });

  it("accepts Kafka's other topic configs, keeping the ones that differ from Kafka's defaults and describing all", () => {
    const cfg = parseTopicConfig({
      "min.insync.replicas": 2,
      "compression.type": "producer",
      "unclean.leader.election.enable": "TRUE",
      "segment.jitter.ms": 5,
      "message.timestamp.after.max.ms": "9223372036854775807",
      "leader.replication.throttled.replicas": "0:1,1:1",
    });
    assert.equal(cfg.minInsyncReplicas, 2);
    assert.equal(cfg.messageTimestampAfterMaxMs, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(cfg.passive, { "unclean.leader.election.enable": "true", "segment.jitter.ms": "5", "leader.replication.throttled.replicas": "0:1,1:1" });
    const entries = new Map(topicConfigEntries(cfg).map((e) => [e.name, e]));
    assert.equal(entries.size, 33, "Kafka 4 describes 33 topic configs");
    assert.deepEqual(entries.get("message.timestamp.after.max.ms"), { name: "message.timestamp.after.max.ms", value: "9223372036854775807", isDefault: false });
    assert.deepEqual(entries.get("compression.type"), { name: "compression.type", value: "producer", isDefault: true });
    assert.deepEqual(entries.get("min.cleanable.dirty.ratio"), { name: "min.cleanable.dirty.ratio", value: "0.5", isDefault: true });
    assert.deepEqual(entries.get("segment.jitter.ms"), { name: "segment.jitter.ms", value: "5", isDefault: false });
  });
});
