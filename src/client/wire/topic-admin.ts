/**
 * Topic administration over the Kafka wire protocol, the calls behind `weir topics` (and Kafka's
 * kafka-topics.sh / kafka-configs.sh): describe (Metadata), delete (DeleteTopics), configs
 * (DescribeConfigs, IncrementalAlterConfigs) and partition growth (CreatePartitions). They are
 * exposed as methods of {@link AdminClient}; this module holds the requests so admin.ts stays a
 * readable size.
 *
 * Every request goes to any broker: Kafka forwards topic changes to its controller itself. The
 * changes wait until Metadata shows them, so a command that follows sees the new state.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import { ZERO_UUID } from "../../protocol/schema/index.js";
import { WeirError } from "../../util/errors.js";
import type { AdminClient } from "./admin.js";
import type { PartitionMetadata } from "./cluster.js";
import { kafkaError } from "./errors.js";

/** DescribeConfigs / IncrementalAlterConfigs resource type of a topic. */
const TOPIC_RESOURCE = 2;

/** Kafka's ConfigSource ids (DescribeConfigs v1+), by id. */
const CONFIG_SOURCES = [
  "UNKNOWN",
  "DYNAMIC_TOPIC_CONFIG",
  "DYNAMIC_BROKER_CONFIG",
  "DYNAMIC_DEFAULT_BROKER_CONFIG",
  "STATIC_BROKER_CONFIG",
  "DEFAULT_CONFIG",
  "DYNAMIC_BROKER_LOGGER_CONFIG",
  "CLIENT_METRICS_CONFIG",
  "GROUP_CONFIG",
] as const;

/** Where a config's value comes from, in Kafka's words (`DYNAMIC_TOPIC_CONFIG` is a topic override). */
export type ConfigSourceName = (typeof CONFIG_SOURCES)[number];

/** A topic with its partitions, as Metadata reports it. */
export interface TopicDescription {
  name: string;
  /** The topic id (all zeros from brokers before Metadata v10). */
  topicId: string;
  internal: boolean;
  /** Sorted by partition: leader, replicas and in-sync replicas (node ids). */
  partitions: PartitionMetadata[];
}

/** One config of a topic as DescribeConfigs reports it. */
export interface TopicConfigEntry {
  name: string;
  /** Null for sensitive values. */
  value: string | null;
  source: ConfigSourceName;
  /** True when the topic has no value of its own (its value is a broker or built-in default). */
  isDefault: boolean;
  readOnly: boolean;
  sensitive: boolean;
}

/** One change of {@link alterTopicConfigs}: set a value, or delete the topic's override. */
export type ConfigChange = { op: "set"; name: string; value: string } | { op: "delete"; name: string };

/** The outcome of deleting one topic. */
export interface DeleteTopicResult {
  topic: string;
  /** Null when the topic was deleted; else why not (details.kafkaError: UNKNOWN_TOPIC_OR_PARTITION, ...). */
  error: WeirError | null;
}

/** NOT_FOUND "topic 'x' does not exist", the error every topic call throws for a missing topic. */
export function topicNotFound(topic: string): WeirError {
  return new WeirError("NOT_FOUND", `topic '${topic}' does not exist`, {
    details: { topic, kafkaError: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.name, kafkaErrorCode: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code },
  });
}

/**
 * Describes topics (Metadata): `names` null for every topic (internal ones included, flagged),
 * else the named ones in that order. Throws NOT_FOUND for a named topic that does not exist.
 */
export async function describeTopics(admin: AdminClient, names: readonly string[] | null): Promise<TopicDescription[]> {
  const md = await admin.cluster.metadata(names === null ? null : [...new Set(names)]);
  if (md.missing.length > 0) throw topicNotFound(md.missing[0]);
  const byName = new Map(md.topics.map((t) => [t.name, { name: t.name, topicId: t.topicId, internal: t.isInternal, partitions: t.partitions }]));
  if (names === null) return [...byName.values()];
  return names.map((n) => {
    const t = byName.get(n);
    if (t === undefined) throw topicNotFound(n);
    return t;
  });
}

/**
 * Deletes topics (DeleteTopics) and waits until Metadata no longer lists the deleted ones.
 * Errors are per topic: an unknown one has details.kafkaError UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function deleteTopics(admin: AdminClient, names: readonly string[]): Promise<DeleteTopicResult[]> {
  if (names.length === 0) return [];
  // v6 names topics by name or id; the zero id means "by name".
  const conn = await admin.cluster.anyConnection();
  const { response } = await conn.request(ApiKey.DeleteTopics, (v) =>
    v >= 6 ? { topics: names.map((name) => ({ name, topicId: ZERO_UUID })), timeoutMs: admin.cluster.operationTimeoutMs } : { topicNames: [...names], timeoutMs: admin.cluster.operationTimeoutMs },
  );
  const errors = new Map<string, WeirError | null>();
  for (const r of response.responses) {
    const name = r.name ?? "";
    errors.set(name, r.errorCode === KafkaErrors.NONE.code ? null : kafkaError(r.errorCode, `DeleteTopics of '${name}' at ${conn.address}`, r.errorMessage));
  }
  const results = names.map((topic) => {
    const error = errors.get(topic);
    if (error === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered DeleteTopics without topic '${topic}'`, { details: { topic } });
    return { topic, error };
  });
  const deleted = results.filter((r) => r.error === null).map((r) => r.topic);
  if (deleted.length > 0) {
    await admin.cluster.retry(`waiting for the deletion of ${deleted.join(", ")}`, async () => {
      const md = await admin.cluster.metadata(deleted);
      if (md.topics.length > 0) throw new WeirError("IO", `topic(s) ${md.topics.map((t) => t.name).join(", ")} still listed`, { retriable: true });
    });
  }
  return results;
}

/**
 * Every config of each topic (DescribeConfigs), sorted by name, in the order of `topics`.
 * Throws NOT_FOUND for a topic that does not exist.
 */
export async function describeTopicConfigs(admin: AdminClient, topics: readonly string[]): Promise<TopicConfigEntry[][]> {
  if (topics.length === 0) return [];
  const conn = await admin.cluster.anyConnection();
  const { version, response } = await conn.request(ApiKey.DescribeConfigs, () => ({
    resources: topics.map((name) => ({ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null })),
    includeSynonyms: false,
    includeDocumentation: false,
  }));
  return topics.map((topic) => {
    const r = response.results.find((x) => x.resourceType === TOPIC_RESOURCE && x.resourceName === topic);
    if (r === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered DescribeConfigs without topic '${topic}'`, { details: { topic } });
    if (r.errorCode === KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code) throw topicNotFound(topic);
    if (r.errorCode !== KafkaErrors.NONE.code) throw kafkaError(r.errorCode, `DescribeConfigs of topic '${topic}' at ${conn.address}`, r.errorMessage);
    return r.configs
      .map((c) => {
        // v0 only says whether a value is a default; a non-default one is the topic's override.
        const source: ConfigSourceName = version === 0 ? (c.isDefault ? "DEFAULT_CONFIG" : "DYNAMIC_TOPIC_CONFIG") : (CONFIG_SOURCES[c.configSource] ?? "UNKNOWN");
        return { name: c.name, value: c.value, source, isDefault: source !== "DYNAMIC_TOPIC_CONFIG", readOnly: c.readOnly, sensitive: c.isSensitive };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });
}

/**
 * Changes configs of one topic (IncrementalAlterConfigs): sets values and deletes overrides
 * (back to the default), all or nothing. Throws NOT_FOUND for an unknown topic and the broker's
 * refusal (INVALID_CONFIG with its message) for an unknown key or a bad value.
 */
export async function alterTopicConfigs(admin: AdminClient, topic: string, changes: readonly ConfigChange[]): Promise<void> {
  if (changes.length === 0) throw new WeirError("INVALID_ARGUMENT", "no config change given");
  const conn = await admin.cluster.anyConnection();
  const { response } = await conn.request(ApiKey.IncrementalAlterConfigs, () => ({
    resources: [
      {
        resourceType: TOPIC_RESOURCE,
        resourceName: topic,
        configs: changes.map((c) => (c.op === "set" ? { name: c.name, configOperation: 0, value: c.value } : { name: c.name, configOperation: 1, value: null })),
      },
    ],
    validateOnly: false,
  }));
  const r = response.responses.find((x) => x.resourceName === topic);
  if (r === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered IncrementalAlterConfigs without topic '${topic}'`, { details: { topic } });
  if (r.errorCode === KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code) throw topicNotFound(topic);
  if (r.errorCode !== KafkaErrors.NONE.code) throw kafkaError(r.errorCode, `IncrementalAlterConfigs of topic '${topic}' at ${conn.address}`, r.errorMessage);
}

/**
 * Grows `topic` to `count` partitions in all (CreatePartitions) and waits until each new
 * partition's leader answers. Throws NOT_FOUND for an unknown topic and the broker's refusal
 * (INVALID_PARTITIONS) for a count that is not larger than the current one.
 */
export async function createPartitions(admin: AdminClient, topic: string, count: number): Promise<void> {
  const conn = await admin.cluster.anyConnection();
  const { response } = await conn.request(ApiKey.CreatePartitions, () => ({
    topics: [{ name: topic, count, assignments: null }],
    timeoutMs: admin.cluster.operationTimeoutMs,
    validateOnly: false,
  }));
  const r = response.results.find((x) => x.name === topic);
  if (r === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered CreatePartitions without topic '${topic}'`, { details: { topic } });
  if (r.errorCode === KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code) throw topicNotFound(topic);
  if (r.errorCode !== KafkaErrors.NONE.code) throw kafkaError(r.errorCode, `CreatePartitions of topic '${topic}' at ${conn.address}`, r.errorMessage);
  await admin.cluster.retry(`waiting for the new partitions of ${topic}`, async () => {
    const md = await admin.cluster.metadata([topic]);
    const have = md.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (have < count) throw new WeirError("IO", `${topic} lists ${have} of ${count} partitions`, { retriable: true });
  });
  // As after CreateTopics: a leader answering ListOffsets is ready for use.
  await admin.listOffsets(
    Array.from({ length: count }, (_, partition) => ({ topic, partition })),
    "latest",
  );
}
