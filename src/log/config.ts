/**
 * Per-topic configuration: a typed object for code, and Kafka's key names ("segment.bytes") for
 * the wire (CreateTopics, DescribeConfigs, AlterConfigs), the CLI and the on-disk topic file.
 * Every key is described once in a table: its default, how to parse and check a value, and how to
 * print it back, so errors name the key and what it accepts.
 */
import { WeirError } from "../util/errors.js";
import { limits, logLimits } from "../util/limits.js";

/** When the log fsyncs. See docs/log.md for what survives a process or machine crash in each. */
export type FlushPolicy =
  /** fsync before acknowledging every append (Kafka's flush.messages=1). */
  | { kind: "every-append" }
  /** fsync every `intervalMs` (Kafka's flush.ms). */
  | { kind: "interval"; intervalMs: number }
  /** Leave write-back to the OS; fsync only when a segment rolls and on close (Kafka's default). */
  | { kind: "os" };

/** cleanup.policy: delete old segments, compact by key, or both. */
export interface CleanupPolicy {
  delete: boolean;
  compact: boolean;
}

/** message.timestamp.type. */
export type MessageTimestampType = "CreateTime" | "LogAppendTime";

/** A topic's configuration, validated. Times in ms, sizes in bytes; -1 means "no limit" where Kafka says so. */
export interface TopicConfig {
  segmentBytes: number;
  segmentMs: number;
  retentionMs: number;
  retentionBytes: number;
  cleanupPolicy: CleanupPolicy;
  deleteRetentionMs: number;
  messageTimestampType: MessageTimestampType;
  maxMessageBytes: number;
  indexIntervalBytes: number;
  segmentIndexBytes: number;
  flush: FlushPolicy;
  /** min.insync.replicas: above 1, acks=all produce fails with NOT_ENOUGH_REPLICAS (one replica here). */
  minInsyncReplicas: number;
  /** message.timestamp.before.max.ms: how far in the past a CreateTime record may be (MAX_SAFE_INTEGER: no bound). */
  messageTimestampBeforeMaxMs: number;
  /** message.timestamp.after.max.ms: how far in the future a CreateTime record may be. */
  messageTimestampAfterMaxMs: number;
  /**
   * Kafka topic configs that are accepted, validated, stored and described but change nothing in
   * a one-node log (replication throttles, compression levels with no broker recompression, ...):
   * key → value, only where it differs from Kafka's default. See {@link passiveKeys}.
   */
  passive: Readonly<Record<string, string>>;
}

/** Kafka's Long.MAX_VALUE, the "never" of flush.messages and flush.ms. */
const LONG_MAX = "9223372036854775807";

/** Kafka's defaults (flush left to the OS). */
export const defaultTopicConfig: Readonly<TopicConfig> = Object.freeze({
  segmentBytes: limits.segmentBytesDefault,
  segmentMs: logLimits.segmentMsDefault,
  retentionMs: logLimits.retentionMsDefault,
  retentionBytes: -1,
  cleanupPolicy: Object.freeze({ delete: true, compact: false }),
  deleteRetentionMs: logLimits.deleteRetentionMsDefault,
  messageTimestampType: "CreateTime",
  maxMessageBytes: logLimits.maxMessageBytesDefault,
  indexIntervalBytes: limits.indexIntervalBytesDefault,
  segmentIndexBytes: limits.indexBytesMax,
  flush: Object.freeze({ kind: "os" }),
  minInsyncReplicas: 1,
  messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  messageTimestampAfterMaxMs: logLimits.messageTimestampAfterMaxMsDefault,
  passive: Object.freeze({}),
});

function bad(key: string, value: string, accepts: string): WeirError {
  return new WeirError("CONFIG", `topic config ${key}=${JSON.stringify(value)} is invalid: ${accepts}`, {
    details: { key, value, accepts },
  });
}

function integer(key: string, value: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(key, value, `an integer in [${min}, ${max}]`);
  return n;
}

/** An integer, or Kafka's Long.MAX_VALUE ("no bound"), which becomes MAX_SAFE_INTEGER. */
function longOrMax(key: string, value: string, min: number): number {
  return value.trim() === LONG_MAX ? Number.MAX_SAFE_INTEGER : integer(key, value, min, Number.MAX_SAFE_INTEGER);
}

/** The inverse of {@link longOrMax} for DescribeConfigs. */
function showLong(n: number): string {
  return n >= Number.MAX_SAFE_INTEGER ? LONG_MAX : String(n);
}

interface KeySpec {
  key: string;
  /** Applies a string value to `cfg` (throws CONFIG naming the key and what it accepts). */
  apply(cfg: TopicConfig, value: string): void;
  /** The value as DescribeConfigs shows it. */
  show(cfg: TopicConfig): string;
}

function intKey(key: string, field: "segmentBytes" | "segmentMs" | "retentionMs" | "retentionBytes" | "deleteRetentionMs" | "maxMessageBytes" | "indexIntervalBytes" | "segmentIndexBytes", min: number, max: number): KeySpec {
  return {
    key,
    apply: (cfg, v) => {
      cfg[field] = integer(key, v, min, max);
    },
    show: (cfg) => String(cfg[field]),
  };
}

/**
 * A Kafka topic config that Weir accepts and describes but that has no effect in a one-node log,
 * or whose only accepted value is the one that matches what Weir does. `check` returns the value
 * as stored (normalised) or throws CONFIG saying what is accepted and, for a refused value, why.
 */
interface PassiveSpec {
  key: string;
  defaultValue: string;
  check(key: string, value: string): string;
}

const booleanValue = (key: string, v: string): string => {
  const t = v.trim().toLowerCase();
  if (t !== "true" && t !== "false") throw bad(key, v, "true or false");
  return t;
};
const intIn = (min: number, max: number) => (key: string, v: string): string => String(integer(key, v, min, max));
const longAtLeast = (min: number) => (key: string, v: string): string => showLong(longOrMax(key, v, min));
const onlyValue = (allowed: string, why: string) => (key: string, v: string): string => {
  if (v.trim() !== allowed) throw bad(key, v, `only ${allowed} is supported: ${why}`);
  return allowed;
};
const throttledReplicas = (key: string, v: string): string => {
  const t = v.trim();
  if (!/^(\*|\d+:\d+(,\d+:\d+)*)?$/.test(t)) throw bad(key, v, '"", "*" or a list of partition:broker pairs like "0:1,1:1"');
  return t;
};

/** The passive keys, with Kafka 4's defaults (as Apache Kafka 4.3 describes a new topic). */
export const passiveKeys: readonly PassiveSpec[] = [
  { key: "compression.type", defaultValue: "producer", check: onlyValue("producer", "Weir stores batches as the producer compressed them; broker-side recompression is not supported") },
  {
    key: "compression.gzip.level",
    defaultValue: "-1",
    check: (key, v) => {
      const n = integer(key, v, -1, 9);
      if (n === 0) throw bad(key, v, "-1 (the codec's default) or an integer in [1, 9]");
      return String(n);
    },
  },
  { key: "compression.lz4.level", defaultValue: "9", check: intIn(1, 17) },
  { key: "compression.zstd.level", defaultValue: "3", check: intIn(-131072, 22) },
  { key: "file.delete.delay.ms", defaultValue: "60000", check: longAtLeast(0) },
  { key: "follower.replication.throttled.replicas", defaultValue: "", check: throttledReplicas },
  { key: "leader.replication.throttled.replicas", defaultValue: "", check: throttledReplicas },
  { key: "local.retention.bytes", defaultValue: "-2", check: longAtLeast(-2) },
  { key: "local.retention.ms", defaultValue: "-2", check: longAtLeast(-2) },
  { key: "max.compaction.lag.ms", defaultValue: LONG_MAX, check: longAtLeast(1) },
  {
    key: "min.cleanable.dirty.ratio",
    defaultValue: "0.5",
    check: (key, v) => {
      const n = /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(v) ? Number(v) : NaN;
      if (!(n >= 0 && n <= 1)) throw bad(key, v, "a number in [0, 1]");
      return String(n);
    },
  },
  { key: "min.compaction.lag.ms", defaultValue: "0", check: onlyValue("0", "compaction does not hold back recent records yet") },
  { key: "preallocate", defaultValue: "false", check: booleanValue },
  { key: "remote.log.copy.disable", defaultValue: "false", check: booleanValue },
  { key: "remote.log.delete.on.disable", defaultValue: "false", check: booleanValue },
  { key: "remote.storage.enable", defaultValue: "false", check: onlyValue("false", "tiered storage is not available in Weir") },
  { key: "segment.jitter.ms", defaultValue: "0", check: longAtLeast(0) },
  { key: "unclean.leader.election.enable", defaultValue: "false", check: booleanValue },
];

function passiveKey(p: PassiveSpec): KeySpec {
  return {
    key: p.key,
    apply: (cfg, v) => {
      const value = p.check(p.key, v);
      const next = { ...cfg.passive };
      if (value === p.defaultValue) delete next[p.key];
      else next[p.key] = value;
      cfg.passive = next;
    },
    show: (cfg) => cfg.passive[p.key] ?? p.defaultValue,
  };
}

const specs: readonly KeySpec[] = [
  intKey("segment.bytes", "segmentBytes", logLimits.segmentBytesMin, logLimits.segmentBytesMax),
  intKey("segment.ms", "segmentMs", 1, Number.MAX_SAFE_INTEGER),
  intKey("retention.ms", "retentionMs", -1, Number.MAX_SAFE_INTEGER),
  intKey("retention.bytes", "retentionBytes", -1, Number.MAX_SAFE_INTEGER),
  intKey("delete.retention.ms", "deleteRetentionMs", 0, Number.MAX_SAFE_INTEGER),
  intKey("max.message.bytes", "maxMessageBytes", 0, limits.batchBytesMax),
  intKey("index.interval.bytes", "indexIntervalBytes", 0, logLimits.segmentBytesMax),
  intKey("segment.index.bytes", "segmentIndexBytes", 12, limits.indexBytesMax),
  {
    key: "cleanup.policy",
    apply: (cfg, v) => {
      const parts = v.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
      if (parts.length === 0 || parts.some((p) => p !== "delete" && p !== "compact")) {
        throw bad("cleanup.policy", v, 'a comma-separated list of "delete" and "compact"');
      }
      cfg.cleanupPolicy = { delete: parts.includes("delete"), compact: parts.includes("compact") };
    },
    show: (cfg) => [cfg.cleanupPolicy.compact ? "compact" : "", cfg.cleanupPolicy.delete ? "delete" : ""].filter(Boolean).join(","),
  },
  {
    key: "message.timestamp.type",
    apply: (cfg, v) => {
      if (v !== "CreateTime" && v !== "LogAppendTime") throw bad("message.timestamp.type", v, '"CreateTime" or "LogAppendTime"');
      cfg.messageTimestampType = v;
    },
    show: (cfg) => cfg.messageTimestampType,
  },
  {
    // Weir fsyncs after every append or not by count at all; a count in between is refused
    // rather than silently treated as one of the two.
    key: "flush.messages",
    apply: (cfg, v) => {
      const t = v.trim();
      if (t === "1") cfg.flush = { kind: "every-append" };
      else if (t === LONG_MAX) {
        if (cfg.flush.kind === "every-append") cfg.flush = { kind: "os" };
      } else throw bad("flush.messages", v, `1 (fsync every append) or ${LONG_MAX} (not by count)`);
    },
    show: (cfg) => (cfg.flush.kind === "every-append" ? "1" : LONG_MAX),
  },
  {
    key: "flush.ms",
    apply: (cfg, v) => {
      const t = v.trim();
      if (cfg.flush.kind === "every-append") {
        // flush.messages=1 already fsyncs more often than any interval; still check the value.
        if (t !== LONG_MAX) integer("flush.ms", t, logLimits.flushIntervalMsMin, Number.MAX_SAFE_INTEGER);
        return;
      }
      cfg.flush = t === LONG_MAX ? { kind: "os" } : { kind: "interval", intervalMs: integer("flush.ms", t, logLimits.flushIntervalMsMin, Number.MAX_SAFE_INTEGER) };
    },
    show: (cfg) => (cfg.flush.kind === "interval" ? String(cfg.flush.intervalMs) : LONG_MAX),
  },
  {
    key: "min.insync.replicas",
    apply: (cfg, v) => {
      cfg.minInsyncReplicas = integer("min.insync.replicas", v, 1, 0x7fffffff);
    },
    show: (cfg) => String(cfg.minInsyncReplicas),
  },
  {
    key: "message.timestamp.before.max.ms",
    apply: (cfg, v) => {
      cfg.messageTimestampBeforeMaxMs = longOrMax("message.timestamp.before.max.ms", v, 0);
    },
    show: (cfg) => showLong(cfg.messageTimestampBeforeMaxMs),
  },
  {
    key: "message.timestamp.after.max.ms",
    apply: (cfg, v) => {
      cfg.messageTimestampAfterMaxMs = longOrMax("message.timestamp.after.max.ms", v, 0);
    },
    show: (cfg) => showLong(cfg.messageTimestampAfterMaxMs),
  },
  ...passiveKeys.map(passiveKey),
];

/** The Kafka config keys a topic accepts. */
export const topicConfigKeys: readonly string[] = specs.map((s) => s.key);

/**
 * Builds a validated config from Kafka-named overrides on top of `base`. Unknown keys and bad
 * values throw WeirError CONFIG naming the key and the values it accepts.
 */
export function parseTopicConfig(overrides: Readonly<Record<string, string | number>>, base: Readonly<TopicConfig> = defaultTopicConfig): TopicConfig {
  const cfg: TopicConfig = { ...base, cleanupPolicy: { ...base.cleanupPolicy }, flush: { ...base.flush } };
  // flush.messages before flush.ms, so "flush.messages=1" wins whatever the order given.
  const keys = Object.keys(overrides).sort((a, b) => topicConfigKeys.indexOf(a) - topicConfigKeys.indexOf(b));
  for (const key of keys) {
    const spec = specs.find((s) => s.key === key);
    if (!spec) {
      throw new WeirError("CONFIG", `unknown topic config ${key}; known keys: ${topicConfigKeys.join(", ")}`, { details: { key, known: topicConfigKeys } });
    }
    spec.apply(cfg, String(overrides[key]));
  }
  checkTopicConfig(cfg);
  return cfg;
}

/** Checks a typed config (from code, not from key strings); throws CONFIG naming the field. */
export function checkTopicConfig(cfg: TopicConfig): void {
  for (const spec of specs) spec.apply({ ...cfg, cleanupPolicy: { ...cfg.cleanupPolicy }, flush: { ...cfg.flush } }, spec.show(cfg));
  if (!cfg.cleanupPolicy.compact && !cfg.cleanupPolicy.delete) throw bad("cleanup.policy", "", 'at least one of "delete" and "compact"');
}

/** One row of DescribeConfigs. */
export interface TopicConfigEntry {
  name: string;
  value: string;
  isDefault: boolean;
}

/** Every key with its value and whether it is the default (admin tools need all of them). */
export function topicConfigEntries(cfg: Readonly<TopicConfig>): TopicConfigEntry[] {
  return specs.map((s) => ({ name: s.key, value: s.show(cfg), isDefault: s.show(cfg) === s.show(defaultTopicConfig) }));
}

/** The keys whose values differ from the defaults: what the topic file stores. */
export function topicConfigOverrides(cfg: Readonly<TopicConfig>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of topicConfigEntries(cfg)) if (!e.isDefault) out[e.name] = e.value;
  return out;
}
