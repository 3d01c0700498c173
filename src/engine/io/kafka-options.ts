/**
 * The options of Spark's Kafka batch source, parsed and validated as Spark's
 * KafkaSourceProvider does (option names are case-insensitive; messages follow Spark's):
 *
 * - exactly one of `subscribe` (comma-separated topics), `subscribePattern` (a regex matched
 *   against whole topic names), `assign` (`{"topicA":[0,1]}`);
 * - where to start: `startingTimestamp` > `startingOffsetsByTimestamp` > `startingOffsets`
 *   (`earliest`, the default for batch; `latest` is refused; `{"t":{"0":23,"1":-2}}` with -2 =
 *   earliest); where to end likewise with `ending*` (`latest` default; `earliest` and -2 refused);
 * - `startingOffsetsByTimestampStrategy` (`error` | `latest`), `failOnDataLoss`, `includeHeaders`,
 *   `minPartitions`; `maxOffsetsPerTrigger` and friends are accepted and ignored (streams only);
 *   `kafka.*` options are passed through, except the consumer settings Spark refuses.
 */
import { WeirError } from "../../util/errors.js";

/** Where a scan starts or ends, before it is resolved against the log. */
export type OffsetLimit =
  | { readonly kind: "earliest" }
  | { readonly kind: "latest" }
  /** Offsets per "topic\0partition"; -2 earliest, -1 latest. */
  | { readonly kind: "offsets"; readonly offsets: ReadonlyMap<string, number> }
  /** Timestamps (ms) per "topic\0partition". */
  | { readonly kind: "timestamps"; readonly timestamps: ReadonlyMap<string, number> }
  /** One timestamp (ms) for every partition. */
  | { readonly kind: "timestamp"; readonly timestamp: number };

/** Which partitions to read. */
export type Strategy =
  | { readonly kind: "subscribe"; readonly topics: readonly string[] }
  | { readonly kind: "subscribePattern"; readonly pattern: RegExp; readonly source: string }
  | { readonly kind: "assign"; readonly partitions: readonly { readonly topic: string; readonly partition: number }[] };

/** The validated options of a Kafka batch read. */
export interface KafkaReadOptions {
  readonly strategy: Strategy;
  readonly starting: OffsetLimit;
  readonly ending: OffsetLimit;
  /** What a starting timestamp without a matching offset means: fail, or start at the latest offset. */
  readonly noMatchStrategy: "error" | "latest";
  readonly failOnDataLoss: boolean;
  readonly includeHeaders: boolean;
  /** Split large topic-partitions so that about this many scan partitions result. */
  readonly minPartitions: number | null;
  /** `kafka.max.partition.fetch.bytes`, when given. */
  readonly fetchBytes: number | null;
}

/** Offsets in per-partition JSON: -2 earliest, -1 latest (Spark's KafkaOffsetRangeLimit). */
export const EARLIEST = -2;
export const LATEST = -1;

/** "topic\0partition": the key of per-partition maps. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

/** `topic-partition`, as Spark prints a TopicPartition. */
export function tpName(key: string): string {
  return key.replace("\0", "-");
}

function invalid(message: string, details: Record<string, unknown> = {}): WeirError {
  return new WeirError("INVALID_ARGUMENT", message, { details });
}

/** Options keyed by lower-cased name (Spark's CaseInsensitiveMap). */
export function lowerCaseOptions(options: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of options) out.set(k.toLowerCase(), v);
  return out;
}

/** Parses a boolean option as Scala's toBoolean does (case-insensitive true/false). */
export function booleanOption(params: ReadonlyMap<string, string>, name: string, fallback: boolean): boolean {
  const v = params.get(name.toLowerCase());
  if (v === undefined) return fallback;
  const t = v.trim().toLowerCase();
  if (t === "true") return true;
  if (t === "false") return false;
  throw invalid(`option ${name} must be "true" or "false", got ${JSON.stringify(v)}`, { option: name, value: v });
}

function integerOption(params: ReadonlyMap<string, string>, name: string): number | null {
  const v = params.get(name.toLowerCase());
  if (v === undefined) return null;
  const n = Number(v.trim());
  if (!/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw invalid(`option ${name} must be an integer, got ${JSON.stringify(v)}`, { option: name, value: v });
  return n;
}

const OFFSETS_EXAMPLE = `{"topicA":{"0":23,"1":-1},"topicB":{"0":-2}}`;
const TIMESTAMPS_EXAMPLE = `{"topicA": {"0": 123456789, "1": 123456789}, "topicB": {"0": 123456789, "1": 123456789}}`;
const PARTITIONS_EXAMPLE = `{"topicA":[0,1],"topicB":[0,1]}`;

/** `{"topic":{"0":n,...}}` → "topic\0partition" → n; Spark's message when it is not that shape. */
function partitionValues(option: string, text: string, example: string): Map<string, number> {
  const bad = (): WeirError => invalid(`option ${option}: Expected e.g. ${example}, got ${text}`, { option, value: text });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw bad();
  const out = new Map<string, number>();
  for (const [topic, parts] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof parts !== "object" || parts === null || Array.isArray(parts)) throw bad();
    for (const [p, v] of Object.entries(parts as Record<string, unknown>)) {
      if (!/^\d+$/.test(p) || typeof v !== "number" || !Number.isSafeInteger(v)) throw bad();
      out.set(tpKey(topic, Number(p)), v);
    }
  }
  return out;
}

/** Spark's getKafkaOffsetRangeLimit: global timestamp, then per-partition timestamps, then offsets. */
function offsetLimit(params: ReadonlyMap<string, string>, which: "starting" | "ending", fallback: OffsetLimit): OffsetLimit {
  const timestamp = params.get(`${which}timestamp`);
  if (timestamp !== undefined) {
    const t = timestamp.trim();
    if (!/^[+-]?\d+$/.test(t) || !Number.isSafeInteger(Number(t))) throw invalid(`option ${which}Timestamp: Expected a single long value, got ${t}`, { option: `${which}Timestamp`, value: timestamp });
    return { kind: "timestamp", timestamp: Number(t) };
  }
  const byTimestamp = params.get(`${which}offsetsbytimestamp`);
  if (byTimestamp !== undefined) {
    return { kind: "timestamps", timestamps: partitionValues(`${which}OffsetsByTimestamp`, byTimestamp.trim(), TIMESTAMPS_EXAMPLE) };
  }
  const offsets = params.get(`${which}offsets`);
  if (offsets === undefined) return fallback;
  const o = offsets.trim();
  if (o.toLowerCase() === "latest") return { kind: "latest" };
  if (o.toLowerCase() === "earliest") return { kind: "earliest" };
  const map = partitionValues(`${which}Offsets`, o, OFFSETS_EXAMPLE);
  for (const [k, v] of map) {
    if (v < EARLIEST) throw invalid(`option ${which}Offsets: offset ${v} for ${tpName(k)} is not valid; use an offset >= 0, -2 for earliest or -1 for latest`, { option: `${which}Offsets`, value: o });
  }
  return { kind: "offsets", offsets: map };
}

const STRATEGY_KEYS = ["subscribe", "subscribepattern", "assign"] as const;

function strategyOf(params: ReadonlyMap<string, string>): Strategy {
  const given = STRATEGY_KEYS.filter((k) => params.has(k));
  if (given.length === 0) {
    throw invalid(`One of the following options must be specified for Kafka source: ${STRATEGY_KEYS.join(", ")}. See the docs for more details.`);
  }
  if (given.length > 1) {
    throw invalid(`Only one of the following options can be specified for Kafka source: ${STRATEGY_KEYS.join(", ")}. See the docs for more details.`, { given });
  }
  const value = params.get(given[0])!;
  switch (given[0]) {
    case "assign": {
      if (!value.trim().startsWith("{")) throw invalid(`No topicpartitions to assign as specified value for option 'assign' is '${value}'`, { option: "assign", value });
      return { kind: "assign", partitions: assignedPartitions(value.trim()) };
    }
    case "subscribe": {
      const topics = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (topics.length === 0) throw invalid(`No topics to subscribe to as specified value for option 'subscribe' is '${value}'`, { option: "subscribe", value });
      return { kind: "subscribe", topics: [...new Set(topics)] };
    }
    case "subscribepattern": {
      const source = value.trim();
      if (source === "") throw invalid(`Pattern to subscribe is empty as specified value for option 'subscribePattern' is '${value}'`, { option: "subscribePattern", value });
      let pattern: RegExp;
      try {
        // Kafka matches the whole topic name (java.util.regex.Matcher.matches()).
        pattern = new RegExp(`^(?:${source})$`, "u");
      } catch (e) {
        throw invalid(`option subscribePattern: ${JSON.stringify(source)} is not a valid regular expression: ${(e as Error).message}`, { option: "subscribePattern", value });
      }
      return { kind: "subscribePattern", pattern, source };
    }
  }
}

function assignedPartitions(text: string): { topic: string; partition: number }[] {
  const bad = (): WeirError => invalid(`option assign: Expected e.g. ${PARTITIONS_EXAMPLE}, got ${text}`, { option: "assign", value: text });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw bad();
  const out: { topic: string; partition: number }[] = [];
  const seen = new Set<string>();
  for (const [topic, parts] of Object.entries(parsed as Record<string, unknown>)) {
    if (!Array.isArray(parts)) throw bad();
    for (const p of parts) {
      if (typeof p !== "number" || !Number.isSafeInteger(p) || p < 0) throw bad();
      if (!seen.has(tpKey(topic, p))) out.push({ topic, partition: p });
      seen.add(tpKey(topic, p));
    }
  }
  return out;
}

/** Kafka consumer settings Spark refuses, with its reasons. */
function checkKafkaParams(params: ReadonlyMap<string, string>): void {
  if (params.has("kafka.auto.offset.reset")) {
    throw invalid(
      "Kafka option 'auto.offset.reset' is not supported. Instead set the source option 'startingoffsets' to 'earliest' or 'latest' to specify where to start.",
      { option: "kafka.auto.offset.reset" },
    );
  }
  if (params.has("kafka.key.deserializer")) {
    throw invalid("Kafka option 'key.deserializer' is not supported as keys are deserialized as byte arrays with ByteArrayDeserializer. Use DataFrame operations to explicitly deserialize the keys.");
  }
  if (params.has("kafka.value.deserializer")) {
    throw invalid("Kafka option 'value.deserializer' is not supported as values are deserialized as byte arrays with ByteArrayDeserializer. Use DataFrame operations to explicitly deserialize the values.");
  }
  for (const c of ["enable.auto.commit", "interceptor.classes"]) {
    if (params.has(`kafka.${c}`)) throw invalid(`Kafka option '${c}' is not supported`, { option: `kafka.${c}` });
  }
  const isolation = params.get("kafka.isolation.level");
  if (isolation !== undefined && isolation.trim().toLowerCase() !== "read_uncommitted") {
    throw invalid(`Kafka option 'isolation.level' ${JSON.stringify(isolation)} is not supported by Weir's Kafka source; it reads read_uncommitted`, { option: "kafka.isolation.level", value: isolation });
  }
}

/** Spark's checkOffsetLimitValidity: per-partition limits on both ends name the same partitions, start ≤ end. */
function checkLimitPair(start: OffsetLimit, end: OffsetLimit): void {
  const pair =
    start.kind === "offsets" && end.kind === "offsets"
      ? { s: start.offsets, e: end.offsets, kind: "offset" }
      : start.kind === "timestamps" && end.kind === "timestamps"
        ? { s: start.timestamps, e: end.timestamps, kind: "timestamp" }
        : null;
  if (pair === null) return;
  const sKeys = [...pair.s.keys()].sort();
  const eKeys = [...pair.e.keys()].sort();
  if (sKeys.join("\n") !== eKeys.join("\n")) {
    throw invalid(
      `[MISMATCHED_TOPIC_PARTITIONS_BETWEEN_START_OFFSET_AND_END_OFFSET] The specified start offset and end offset should have the same topic-partitions. Topic-partitions for start offset: ${sKeys.map(tpName).join(", ")}, topic-partitions for end offset: ${eKeys.map(tpName).join(", ")}.`,
    );
  }
  for (const [k, s] of pair.s) {
    const e = pair.e.get(k)!;
    if (s > e && s >= 0 && e >= 0) {
      const [topic, partition] = k.split("\0");
      throw invalid(`[UNRESOLVED_START_OFFSET_GREATER_THAN_END_OFFSET] The specified start ${pair.kind} ${s} is greater than the end ${pair.kind} ${e} for topic ${topic} partition ${partition}.`, {
        topic,
        partition: Number(partition),
      });
    }
  }
}

/** Validates the options of a batch read as Spark's validateBatchOptions does; throws INVALID_ARGUMENT. */
export function parseKafkaReadOptions(options: ReadonlyMap<string, string>): KafkaReadOptions {
  const params = lowerCaseOptions(options);
  const starting = offsetLimit(params, "starting", { kind: "earliest" });
  if (starting.kind === "latest") throw invalid("starting offset can't be latest for batch queries on Kafka", { option: "startingOffsets" });
  if (starting.kind === "offsets") {
    for (const [k, v] of starting.offsets) if (v === LATEST) throw invalid(`startingOffsets for ${tpName(k)} can't be latest for batch queries on Kafka`, { option: "startingOffsets" });
  }
  const ending = offsetLimit(params, "ending", { kind: "latest" });
  if (ending.kind === "earliest") throw invalid("ending offset can't be earliest for batch queries on Kafka", { option: "endingOffsets" });
  if (ending.kind === "offsets") {
    for (const [k, v] of ending.offsets) if (v === EARLIEST) throw invalid(`ending offset for ${tpName(k)} can't be earliest for batch queries on Kafka`, { option: "endingOffsets" });
  }
  const strategy = strategyOf(params);
  const minPartitions = integerOption(params, "minPartitions");
  if (minPartitions !== null && minPartitions <= 0) throw invalid("minPartitions must be positive", { option: "minPartitions", value: minPartitions });
  const maxRecords = integerOption(params, "maxRecordsPerPartition");
  if (maxRecords !== null && maxRecords <= 0) throw invalid("maxRecordsPerPartition must be positive", { option: "maxRecordsPerPartition" });
  // Stream-only rate limits: Spark logs that batch queries ignore them, but still checks them.
  const maxOffsets = integerOption(params, "maxOffsetsPerTrigger");
  const minOffsets = integerOption(params, "minOffsetsPerTrigger");
  if (maxOffsets !== null && minOffsets !== null && minOffsets > maxOffsets) {
    throw invalid(`The value of minOffsetPerTrigger(${minOffsets}) is higher than the maxOffsetsPerTrigger(${maxOffsets}).`, { option: "minOffsetsPerTrigger" });
  }
  checkKafkaParams(params);
  checkLimitPair(starting, ending);
  const rawStrategy = params.get("startingoffsetsbytimestampstrategy");
  let noMatchStrategy: "error" | "latest" = "error";
  if (rawStrategy !== undefined) {
    const s = rawStrategy.trim().toLowerCase();
    if (s !== "error" && s !== "latest") {
      throw invalid(`option startingOffsetsByTimestampStrategy must be one of error, latest; got ${JSON.stringify(rawStrategy)}`, { option: "startingOffsetsByTimestampStrategy", value: rawStrategy });
    }
    noMatchStrategy = s;
  }
  const fetchBytes = integerOption(params, "kafka.max.partition.fetch.bytes");
  if (fetchBytes !== null && fetchBytes <= 0) throw invalid("Kafka option 'max.partition.fetch.bytes' must be positive", { option: "kafka.max.partition.fetch.bytes" });
  return {
    strategy,
    starting,
    ending,
    noMatchStrategy,
    failOnDataLoss: booleanOption(params, "failOnDataLoss", true),
    includeHeaders: booleanOption(params, "includeHeaders", false),
    minPartitions,
    fetchBytes,
  };
}
