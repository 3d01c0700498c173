/**
 * What the admin handlers (CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
 * IncrementalAlterConfigs) share: Kafka's config enumerations, the rows DescribeConfigs and
 * CreateTopics v5+ report for a topic or the broker, and the checks Kafka's controller makes on
 * topic names and manual replica assignments, with its messages.
 */
import { checkTopicName, defaultTopicConfig, topicConfigEntries } from "../../log/index.js";
import type { TopicConfig, TopicDescription } from "../../log/index.js";
import { assert } from "../../util/assert.js";
import type { KafkaErrorInfo } from "../../protocol/errors.js";
import { KafkaErrors } from "../../protocol/errors.js";
import { brokerConfigDefaults } from "../config.js";
import type { BrokerConfig } from "../config.js";
import { errorMessageOf, kafkaErrorCodeOf } from "../errors.js";
import type { BrokerState } from "../state.js";

/** Kafka's ConfigResource.Type ids. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

/** Kafka's DescribeConfigsResponse.ConfigSource ids (the ones Weir reports). */
export const ConfigSource = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

/** Kafka's DescribeConfigsResponse.ConfigType ids (KIP-569). */
export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9 } as const;

/** One synonym of a config: the same setting at another level (topic override, broker default). */
export interface ConfigSynonym {
  name: string;
  value: string;
  source: number;
}

/** One config as DescribeConfigs and CreateTopics v5+ report it, before version-specific shaping. */
export interface ConfigRow {
  name: string;
  value: string;
  /** A {@link ConfigSource} id. */
  source: number;
  /** A {@link ConfigType} id. */
  type: number;
  readOnly: boolean;
  documentation: string;
  /** Most specific first: the topic override, then the broker-level default. */
  synonyms: ConfigSynonym[];
}

/** What Weir knows about a topic config key beyond the log's table. */
interface TopicKeyInfo {
  type: number;
  /** The broker-level setting that supplies the key's default (Kafka's synonym). */
  brokerKey: string;
  documentation: string;
}

const topicKeys: Readonly<Record<string, TopicKeyInfo>> = {
  "segment.bytes": { type: ConfigType.INT, brokerKey: "log.segment.bytes", documentation: "The size in bytes of a log segment; the log rolls a new segment when the active one reaches it." },
  "segment.ms": { type: ConfigType.LONG, brokerKey: "log.roll.ms", documentation: "The time in ms after which the log rolls a new segment even if the active one is not full." },
  "retention.ms": { type: ConfigType.LONG, brokerKey: "log.retention.ms", documentation: "How long in ms the delete policy keeps a segment before deleting it; -1 keeps data forever." },
  "retention.bytes": { type: ConfigType.LONG, brokerKey: "log.retention.bytes", documentation: "The size in bytes a partition may reach before the delete policy removes old segments; -1 means no limit." },
  "cleanup.policy": { type: ConfigType.LIST, brokerKey: "log.cleanup.policy", documentation: 'How old segments are cleaned: "delete", "compact" (keep the latest record per key), or both.' },
  "delete.retention.ms": { type: ConfigType.LONG, brokerKey: "log.cleaner.delete.retention.ms", documentation: "How long in ms tombstones stay readable after compaction could remove them." },
  "message.timestamp.type": { type: ConfigType.STRING, brokerKey: "log.message.timestamp.type", documentation: "Whether a record's timestamp is the producer's CreateTime or the broker's LogAppendTime." },
  "max.message.bytes": { type: ConfigType.INT, brokerKey: "message.max.bytes", documentation: "The largest record batch in bytes the topic accepts." },
  "index.interval.bytes": { type: ConfigType.INT, brokerKey: "log.index.interval.bytes", documentation: "The bytes of log between two entries of the sparse offset and time indexes." },
  "segment.index.bytes": { type: ConfigType.INT, brokerKey: "log.index.size.max.bytes", documentation: "The largest size in bytes of a segment's offset and time index files." },
  "flush.messages": { type: ConfigType.LONG, brokerKey: "log.flush.interval.messages", documentation: "Fsync after this many appends: Weir accepts 1 (every append) or 9223372036854775807 (not by count)." },
  "flush.ms": { type: ConfigType.LONG, brokerKey: "log.flush.interval.ms", documentation: "Fsync at this interval in ms; 9223372036854775807 leaves write-back to the OS." },
  "min.insync.replicas": { type: ConfigType.INT, brokerKey: "min.insync.replicas", documentation: "The in-sync replicas an acks=all produce needs; this one-node broker has one, so above 1 acks=all fails with NOT_ENOUGH_REPLICAS." },
  "message.timestamp.before.max.ms": { type: ConfigType.LONG, brokerKey: "log.message.timestamp.before.max.ms", documentation: "How far in ms a CreateTime record's timestamp may lie before the broker's time." },
  "message.timestamp.after.max.ms": { type: ConfigType.LONG, brokerKey: "log.message.timestamp.after.max.ms", documentation: "How far in ms a CreateTime record's timestamp may lie after the broker's time." },
  "compression.type": { type: ConfigType.STRING, brokerKey: "compression.type", documentation: "Weir keeps batches as the producer compressed them: only producer is accepted." },
  "compression.gzip.level": { type: ConfigType.INT, brokerKey: "compression.gzip.level", documentation: "Broker-side gzip level; no effect, since Weir does not recompress." },
  "compression.lz4.level": { type: ConfigType.INT, brokerKey: "compression.lz4.level", documentation: "Broker-side lz4 level; no effect, since Weir does not recompress." },
  "compression.zstd.level": { type: ConfigType.INT, brokerKey: "compression.zstd.level", documentation: "Broker-side zstd level; no effect, since Weir does not recompress." },
  "file.delete.delay.ms": { type: ConfigType.LONG, brokerKey: "log.segment.delete.delay.ms", documentation: "Kafka's delay before deleting a removed segment's files; Weir deletes them at once." },
  "follower.replication.throttled.replicas": { type: ConfigType.LIST, brokerKey: "follower.replication.throttled.replicas", documentation: "Replicas whose replication is throttled; no effect on one node." },
  "leader.replication.throttled.replicas": { type: ConfigType.LIST, brokerKey: "leader.replication.throttled.replicas", documentation: "Replicas whose replication is throttled; no effect on one node." },
  "local.retention.bytes": { type: ConfigType.LONG, brokerKey: "log.local.retention.bytes", documentation: "Local retention with tiered storage, which Weir does not have; no effect." },
  "local.retention.ms": { type: ConfigType.LONG, brokerKey: "log.local.retention.ms", documentation: "Local retention with tiered storage, which Weir does not have; no effect." },
  "max.compaction.lag.ms": { type: ConfigType.LONG, brokerKey: "log.cleaner.max.compaction.lag.ms", documentation: "The longest a record may stay uncompacted; Weir compacts every maintenance round." },
  "min.cleanable.dirty.ratio": { type: ConfigType.DOUBLE, brokerKey: "log.cleaner.min.cleanable.ratio", documentation: "The dirty ratio that triggers compaction; Weir compacts every maintenance round." },
  "min.compaction.lag.ms": { type: ConfigType.LONG, brokerKey: "log.cleaner.min.compaction.lag.ms", documentation: "The shortest a record stays uncompacted; only 0 is accepted." },
  "preallocate": { type: ConfigType.BOOLEAN, brokerKey: "log.preallocate", documentation: "Whether segment files are preallocated; no effect." },
  "remote.log.copy.disable": { type: ConfigType.BOOLEAN, brokerKey: "remote.log.copy.disable", documentation: "Tiered storage setting; no effect without tiered storage." },
  "remote.log.delete.on.disable": { type: ConfigType.BOOLEAN, brokerKey: "remote.log.delete.on.disable", documentation: "Tiered storage setting; no effect without tiered storage." },
  "remote.storage.enable": { type: ConfigType.BOOLEAN, brokerKey: "remote.log.storage.system.enable", documentation: "Tiered storage is not available in Weir: only false is accepted." },
  "segment.jitter.ms": { type: ConfigType.LONG, brokerKey: "log.roll.jitter.ms", documentation: "A random jitter subtracted from segment.ms; Weir rolls at segment.ms exactly." },
  "unclean.leader.election.enable": { type: ConfigType.BOOLEAN, brokerKey: "unclean.leader.election.enable", documentation: "Whether an out-of-sync replica may become leader; no effect on one node." },
};

/** The info of a topic key; a key the log gained after this table falls back to a string. */
function topicKeyInfo(key: string): TopicKeyInfo {
  const info = topicKeys[key];
  assert(info !== undefined, `no DescribeConfigs type or documentation for topic config ${key}`);
  return info;
}

/** True when `key` is a list-typed topic config (the only keys APPEND and SUBTRACT apply to). */
export function isListTopicKey(key: string): boolean {
  return topicKeyInfo(key).type === ConfigType.LIST;
}

/**
 * Every config of a topic, in the log's key order. Keys in `overrides` have source TOPIC_CONFIG
 * and, as synonyms, the override then the broker-level default; the others DEFAULT_CONFIG.
 */
export function topicConfigRows(config: Readonly<TopicConfig>, overrides: Readonly<Record<string, string>>): ConfigRow[] {
  // The log does not expose its broker-wide base config, so synonyms show Kafka's defaults.
  const defaults = new Map(topicConfigEntries(defaultTopicConfig).map((e) => [e.name, e.value]));
  return topicConfigEntries(config).map((e) => {
    const info = topicKeyInfo(e.name);
    const overridden = Object.hasOwn(overrides, e.name);
    const fallback: ConfigSynonym = { name: info.brokerKey, value: overridden ? (defaults.get(e.name) ?? e.value) : e.value, source: ConfigSource.DEFAULT_CONFIG };
    return {
      name: e.name,
      value: e.value,
      source: overridden ? ConfigSource.TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG,
      type: info.type,
      readOnly: false,
      documentation: info.documentation,
      synonyms: overridden ? [{ name: e.name, value: e.value, source: ConfigSource.TOPIC_CONFIG }, fallback] : [fallback],
    };
  });
}

/** {@link topicConfigRows} of a described topic. */
export function describedTopicRows(desc: TopicDescription): ConfigRow[] {
  return topicConfigRows(desc.config, desc.overrides);
}

/**
 * The broker settings clients ask about, from the broker's config (read-only: Weir's broker
 * config is static). Source STATIC_BROKER_CONFIG where the value differs from Weir's default.
 */
export function brokerConfigRows(state: BrokerState): ConfigRow[] {
  const c = state.config;
  const d = brokerConfigDefaults;
  const rows: ConfigRow[] = [];
  const add = (name: string, value: string | number | boolean, type: number, set: boolean, documentation: string): void => {
    const source = set ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
    rows.push({ name, value: String(value), source, type, readOnly: true, documentation, synonyms: [{ name, value: String(value), source }] });
  };
  const changed = (k: keyof BrokerConfig): boolean => c[k] !== d[k];
  add("node.id", c.nodeId, ConfigType.INT, changed("nodeId"), "The id of this node, reported in Metadata.");
  add("broker.id", c.nodeId, ConfigType.INT, changed("nodeId"), "The id of this broker (the same as node.id).");
  add("listeners", `PLAINTEXT://${c.host}:${c.port}`, ConfigType.STRING, changed("host") || changed("port"), "The address the broker listens on.");
  add("advertised.listeners", `PLAINTEXT://${state.advertised.host}:${state.advertised.port}`, ConfigType.STRING, changed("host") || changed("port"), "The address the broker gives clients in Metadata.");
  add("log.dirs", c.dataDir, ConfigType.STRING, changed("dataDir"), "The directory that holds the log.");
  add("num.partitions", c.defaultPartitions, ConfigType.INT, changed("defaultPartitions"), "The partition count of a topic created without one.");
  add("default.replication.factor", 1, ConfigType.INT, false, "The replication factor of a topic created without one (Weir keeps one copy).");
  add("auto.create.topics.enable", c.autoCreateTopics, ConfigType.BOOLEAN, changed("autoCreateTopics"), "Whether Metadata and Produce create unknown topics.");
  add("delete.topic.enable", true, ConfigType.BOOLEAN, false, "Whether DeleteTopics may delete topics.");
  add("socket.request.max.bytes", c.requestBytesMax, ConfigType.INT, changed("requestBytesMax"), "The largest request frame in bytes the broker accepts.");
  add("max.connections", c.connectionsMax, ConfigType.INT, changed("connectionsMax"), "The most client connections the broker keeps open.");
  add("connections.max.idle.ms", c.connectionIdleMs, ConfigType.LONG, changed("connectionIdleMs"), "Idle connections are closed after this many ms.");
  add("group.initial.rebalance.delay.ms", c.groupInitialRebalanceDelayMs, ConfigType.INT, changed("groupInitialRebalanceDelayMs"), "How long the first rebalance of an empty group waits for more members.");
  add("group.min.session.timeout.ms", c.groupMinSessionTimeoutMs, ConfigType.INT, changed("groupMinSessionTimeoutMs"), "The shortest session timeout a group member may ask for.");
  add("group.max.session.timeout.ms", c.groupMaxSessionTimeoutMs, ConfigType.INT, changed("groupMaxSessionTimeoutMs"), "The longest session timeout a group member may ask for.");
  add("offsets.retention.minutes", Math.floor(c.offsetsRetentionMs / 60_000), ConfigType.INT, changed("offsetsRetentionMs"), "How long an empty group's committed offsets are kept, in minutes.");
  add("offsets.retention.check.interval.ms", c.offsetsRetentionCheckIntervalMs, ConfigType.LONG, changed("offsetsRetentionCheckIntervalMs"), "How often expired committed offsets are looked for.");
  for (const e of topicConfigEntries(defaultTopicConfig)) {
    const info = topicKeyInfo(e.name);
    add(info.brokerKey, e.value, info.type, false, `The default of the topic config ${e.name}: ${info.documentation}`);
  }
  return rows;
}

/** An error as the per-resource fields of a response. */
export interface ErrorFields {
  errorCode: number;
  errorMessage: string | null;
}

/** The fields of a Kafka error with `message` (Kafka's standard message when none is given). */
export function errorFields(error: KafkaErrorInfo, message: string = error.message): ErrorFields {
  return { errorCode: error.code, errorMessage: message };
}

/** The fields answering a thrown operating error (a WeirError from the log). */
export function thrownErrorFields(e: unknown): ErrorFields {
  return { errorCode: kafkaErrorCodeOf(e), errorMessage: errorMessageOf(e) };
}

/** No error. */
export const NO_ERROR: ErrorFields = Object.freeze({ errorCode: KafkaErrors.NONE.code, errorMessage: null });

/** Why `name` is not a legal topic name, or null when it is. */
export function topicNameProblem(name: string): string | null {
  try {
    checkTopicName(name);
    return null;
  } catch (e) {
    return errorMessageOf(e);
  }
}

/**
 * The existing topic whose name differs from `name` only by '.' versus '_' (their metric names
 * would collide, so Kafka refuses such a pair), if any.
 */
export function collidingTopic(state: BrokerState, name: string): string | undefined {
  const norm = (s: string): string => s.replaceAll(".", "_");
  if (!/[._]/.test(name)) return undefined;
  const want = norm(name);
  return state.log.topics().find((t) => t !== name && norm(t) === want);
}

/**
 * Kafka's checks on one partition's manual replica list, with its messages: not empty, no broker
 * twice, every broker registered (here only `nodeId`), and as many replicas as `expected` when
 * given. Null when the list is valid.
 */
export function replicaListProblem(brokerIds: readonly number[], nodeId: number, expected?: number): string | null {
  if (brokerIds.length === 0) return "The manual partition assignment includes an empty replica list.";
  const seen = new Set<number>();
  for (const id of brokerIds) {
    if (seen.has(id)) return `The manual partition assignment includes the broker ${id} more than once.`;
    seen.add(id);
  }
  // Kafka checks registration over the set of ids, which reads in ascending order.
  const unknown = [...seen].sort((a, b) => a - b).find((id) => id !== nodeId);
  if (unknown !== undefined) return `The manual partition assignment includes broker ${unknown}, but no such broker is registered.`;
  if (expected !== undefined && brokerIds.length !== expected) {
    return `The manual partition assignment includes a partition with ${brokerIds.length} replica(s), but this is not consistent with previous partitions, which have ${expected} replica(s).`;
  }
  return null;
}

const topicLocks = new WeakMap<BrokerState, Map<string, Promise<void>>>();

/**
 * Runs `fn` after every admin change of `topic` started before it (create, delete, grow, alter).
 * The log reads a topic's state, awaits I/O, then writes it back; two such changes of one topic
 * must not interleave (a config change could rewrite the file of a topic just deleted).
 */
export function withTopicLock<T>(state: BrokerState, topic: string, fn: () => Promise<T>): Promise<T> {
  let locks = topicLocks.get(state);
  if (locks === undefined) topicLocks.set(state, (locks = new Map<string, Promise<void>>()));
  const run = (locks.get(topic) ?? Promise.resolve()).then(fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  locks.set(topic, tail);
  void tail.then(() => {
    if (locks.get(topic) === tail) locks.delete(topic);
  });
  return run;
}

/** The names that occur more than once in `names`. */
export function duplicates(names: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) dup.add(n);
    seen.add(n);
  }
  return dup;
}
