/**
 * Broker configuration: a validated, typed object. Values come from defaults, then an optional
 * JSON file (`--config weir.json`), then command-line flags; each layer overrides the previous.
 * Every bad value is reported with its key, the value given and what is allowed.
 */
import { readFileSync } from "node:fs";
import { WeirError } from "../util/errors.js";
import { netLimits, limits } from "../util/limits.js";

/** The broker's settings. */
export interface BrokerConfig {
  /** Address to listen on and to advertise in Metadata. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Where the log lives. */
  dataDir: string;
  /** Partitions of an auto-created topic (Kafka's num.partitions). */
  defaultPartitions: number;
  /** Create unknown topics on Metadata and Produce (Kafka's auto.create.topics.enable). */
  autoCreateTopics: boolean;
  /** Node id reported in Metadata. */
  nodeId: number;
  /** Cluster id reported in Metadata v2+. */
  clusterId: string;
  /** Largest request frame accepted (Kafka's socket.request.max.bytes). */
  requestBytesMax: number;
  /** Most concurrent connections. */
  connectionsMax: number;
  /** Idle connections are closed after this long (Kafka's connections.max.idle.ms). */
  connectionIdleMs: number;
  /** How long the first rebalance of an empty group waits for more members (group.initial.rebalance.delay.ms). */
  groupInitialRebalanceDelayMs: number;
  /** Shortest session timeout a group member may ask for (group.min.session.timeout.ms). */
  groupMinSessionTimeoutMs: number;
  /** Longest session timeout a group member may ask for (group.max.session.timeout.ms). */
  groupMaxSessionTimeoutMs: number;
  /** How long an empty group's committed offsets are kept (offsets.retention.minutes, in ms). */
  offsetsRetentionMs: number;
  /** How often expired offsets are looked for (offsets.retention.check.interval.ms). */
  offsetsRetentionCheckIntervalMs: number;
}

/** Defaults, as Kafka's where Kafka has one. */
export const brokerConfigDefaults: BrokerConfig = {
  host: "127.0.0.1",
  port: 9092,
  dataDir: "./weir-data",
  defaultPartitions: 1,
  autoCreateTopics: true,
  nodeId: 1,
  clusterId: "weir-cluster",
  requestBytesMax: limits.requestBytesMax,
  connectionsMax: netLimits.connectionsMax,
  connectionIdleMs: netLimits.connectionIdleMsDefault,
  // Kafka waits 3 s; Weir is mostly a development broker and Kafka's docs advise 0 there, so
  // consumers started one by one do not each wait. Set it to 3000 for Kafka's batching of joins.
  groupInitialRebalanceDelayMs: 0,
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
};

type Kind = "string" | "port" | "positiveInt" | "nonNegativeInt" | "boolean";

const kinds: { [K in keyof BrokerConfig]: Kind } = {
  host: "string",
  port: "port",
  dataDir: "string",
  defaultPartitions: "positiveInt",
  autoCreateTopics: "boolean",
  nodeId: "nonNegativeInt",
  clusterId: "string",
  requestBytesMax: "positiveInt",
  connectionsMax: "positiveInt",
  connectionIdleMs: "positiveInt",
  groupInitialRebalanceDelayMs: "nonNegativeInt",
  groupMinSessionTimeoutMs: "positiveInt",
  groupMaxSessionTimeoutMs: "positiveInt",
  offsetsRetentionMs: "positiveInt",
  offsetsRetentionCheckIntervalMs: "positiveInt",
};

const allowed: Record<Kind, string> = {
  string: "a non-empty string",
  port: "an integer from 0 to 65535",
  positiveInt: "an integer ≥ 1",
  nonNegativeInt: "an integer ≥ 0",
  boolean: "true or false",
};

function bad(key: string, value: unknown, kind: Kind, source: string): WeirError {
  return new WeirError("CONFIG", `${source}: ${key} must be ${allowed[kind]}, got ${JSON.stringify(value)}`, {
    details: { key, value, source },
  });
}

/** Converts one raw value (a string from a flag, or a JSON value) to the key's type, or throws. */
function coerce(key: keyof BrokerConfig, value: unknown, source: string): string | number | boolean {
  const kind = kinds[key];
  switch (kind) {
    case "string":
      if (typeof value === "string" && value.length > 0) return value;
      throw bad(key, value, kind, source);
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true") return true;
      if (value === "false") return false;
      throw bad(key, value, kind, source);
    case "port":
    case "positiveInt":
    case "nonNegativeInt": {
      const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
      const min = kind === "positiveInt" ? 1 : 0;
      const max = kind === "port" ? 65535 : Number.MAX_SAFE_INTEGER;
      if (Number.isInteger(n) && n >= min && n <= max) return n;
      throw bad(key, value, kind, source);
    }
  }
}

/** Applies `raw` (keys of {@link BrokerConfig}) over `base`, validating each; unknown keys are errors. */
export function applyConfig(base: BrokerConfig, raw: Record<string, unknown>, source: string): BrokerConfig {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (!(key in kinds)) {
      throw new WeirError("CONFIG", `${source}: unknown setting "${key}"; known settings: ${Object.keys(kinds).join(", ")}`, {
        details: { key, source },
      });
    }
    out[key] = coerce(key as keyof BrokerConfig, value, source);
  }
  return out as unknown as BrokerConfig;
}

/** Reads a JSON config file: an object whose keys are {@link BrokerConfig} settings. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new WeirError("CONFIG", `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new WeirError("CONFIG", `config file ${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new WeirError("CONFIG", `config file ${path} must hold a JSON object of settings`);
  }
  return parsed as Record<string, unknown>;
}

/** Builds the config from defaults, an optional file, then flag values (strings or typed). */
export function resolveBrokerConfig(flags: Record<string, unknown>, configFile?: string): BrokerConfig {
  let cfg = brokerConfigDefaults;
  if (configFile !== undefined) cfg = applyConfig(cfg, readConfigFile(configFile), configFile);
  return applyConfig(cfg, flags, "command line");
}
