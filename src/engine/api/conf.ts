/**
 * Spark's `spark.conf` (RuntimeConfig): per-session settings by Spark's names, read by the
 * engine where it has the setting. `weir.conf.set(key, value)`, `get(key, default?)`,
 * `unset(key)`, `getAll()`.
 *
 * Keys Weir understands are validated when set, with Spark's messages; any other key is kept as
 * given (Spark keeps unknown keys too), so configuration copied from a Spark job does not fail.
 * Understood now:
 *
 * - `spark.sql.streaming.multipleWatermarkPolicy`: `min` (default) or `max`, case-insensitive:
 *   how a streaming query with several `withWatermark`s picks its global watermark. A query
 *   records the value in its checkpoint's offsets conf at its first batch and keeps that value on
 *   every restart, as Spark does.
 * - `spark.sql.shuffle.partitions`: a positive integer, the number of state partitions of a
 *   streaming query's checkpoint when it is created (Weir's default is 4, Spark's 200: each state
 *   partition has files of its own, so a small number is better on one machine). An existing
 *   checkpoint keeps the number it was created with, as in Spark.
 * - `spark.sql.streaming.stateStore.minDeltasForSnapshot` (default 10) and
 *   `spark.sql.streaming.stateStore.maintenanceInterval` (default `60s`; Spark's time format:
 *   `500ms`, `60s`, `5m`, `1h`, a bare number is milliseconds): a state partition writes a
 *   snapshot of its whole state once at least that many deltas follow the last one, and at most
 *   once per interval (Spark snapshots from a maintenance task that runs every interval). Read
 *   when a streaming query starts.
 */
import { WeirError } from "../../util/errors.js";

/** The state partitions' key. */
export const SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions";

/** Weir's default for {@link SHUFFLE_PARTITIONS} (see the module comment). */
export const SHUFFLE_PARTITIONS_DEFAULT = 4;

/** The multiple-watermark policy's key. */
export const MULTIPLE_WATERMARK_POLICY = "spark.sql.streaming.multipleWatermarkPolicy";

/** The state store's snapshot spacing in versions: Spark's key. */
export const STATE_MIN_DELTAS_FOR_SNAPSHOT = "spark.sql.streaming.stateStore.minDeltasForSnapshot";

/** The state store's maintenance interval (at most one snapshot per interval): Spark's key. */
export const STATE_MAINTENANCE_INTERVAL = "spark.sql.streaming.stateStore.maintenanceInterval";

/** Spark's time units (JavaUtils.timeStringAs), in milliseconds. */
const TIME_UNITS_MS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A time setting in Spark's format (`500ms`, `60s`, `5m`, `1h`; a bare number is milliseconds)
 * in milliseconds; throws naming the key and the value otherwise.
 */
export function parseTimeConfMs(key: string, value: string): number {
  const m = /^(\d+)\s*([a-z]+)?$/.exec(value.trim().toLowerCase());
  const unit = m === null ? undefined : m[2] === undefined ? 1 : TIME_UNITS_MS[m[2]];
  if (m === null || unit === undefined || !Number.isSafeInteger(Number(m[1]))) {
    throw new WeirError(
      "INVALID_ARGUMENT",
      `${key} should be a time, but was ${value}: time must be specified as seconds (s), milliseconds (ms), microseconds (us), minutes (m or min), hour (h), or day (d), e.g. 50s, 100ms, or 250us`,
      { details: { key, value } },
    );
  }
  return Number(m[1]) * unit;
}

/** Checks a positive int setting with Spark's messages. */
function checkPositiveInt(key: string, value: string): void {
  const v = value.trim();
  if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Math.abs(Number(v)) > 2 ** 31 - 1) {
    throw new WeirError("INVALID_ARGUMENT", `${key} should be int, but was ${value}`, { details: { key, value } });
  }
  if (Number(v) <= 0) throw new WeirError("INVALID_ARGUMENT", `The value of ${key} must be positive, but was ${value}`, { details: { key, value } });
}

/** How several watermarks of one query make its global watermark. */
export type WatermarkPolicy = "min" | "max";

interface KnownKey {
  readonly defaultValue: string;
  /** Throws Spark's IllegalArgumentException text for a value the key does not take. */
  readonly check: (value: string) => void;
}

const KNOWN: ReadonlyMap<string, KnownKey> = new Map([
  [
    MULTIPLE_WATERMARK_POLICY,
    {
      defaultValue: "min",
      check: (value: string) => {
        const v = value.trim().toLowerCase();
        if (v !== "min" && v !== "max") {
          throw new WeirError(
            "INVALID_ARGUMENT",
            `'${value}' in ${MULTIPLE_WATERMARK_POLICY} is invalid. Invalid value for '${MULTIPLE_WATERMARK_POLICY}'. Valid values are 'min' and 'max'`,
            { details: { key: MULTIPLE_WATERMARK_POLICY, value } },
          );
        }
      },
    },
  ],
  [SHUFFLE_PARTITIONS, { defaultValue: String(SHUFFLE_PARTITIONS_DEFAULT), check: (value: string) => checkPositiveInt(SHUFFLE_PARTITIONS, value) }],
  [STATE_MIN_DELTAS_FOR_SNAPSHOT, { defaultValue: "10", check: (value: string) => checkPositiveInt(STATE_MIN_DELTAS_FOR_SNAPSHOT, value) }],
  [STATE_MAINTENANCE_INTERVAL, { defaultValue: "60s", check: (value: string) => void parseTimeConfMs(STATE_MAINTENANCE_INTERVAL, value) }],
]);

/** A config value as `set` takes it (numbers and booleans are stored as their text, as PySpark does). */
export type ConfValue = string | number | boolean;

/** See the module comment. */
export class RuntimeConfig {
  private readonly values = new Map<string, string>();

  /** Sets `key` (checked when Weir understands the key; see the module comment). */
  set(key: string, value: ConfValue): void {
    if (typeof key !== "string" || key.trim() === "") throw new WeirError("INVALID_ARGUMENT", "conf.set needs a non-empty key");
    if (value === null || value === undefined) throw new WeirError("INVALID_ARGUMENT", `conf.set("${key}", ...) needs a value; use conf.unset("${key}") to remove it`);
    const text = String(value);
    KNOWN.get(key)?.check(text);
    this.values.set(key, text);
  }

  /**
   * The value of `key` as it was set; else `defaultValue` when given, else the default of a key
   * Weir understands; else a NOT_FOUND error naming the key (Spark's NoSuchElementException).
   */
  get(key: string, defaultValue?: string): string {
    const v = this.values.get(key);
    if (v !== undefined) return v;
    if (defaultValue !== undefined) return defaultValue;
    const known = KNOWN.get(key);
    if (known !== undefined) return known.defaultValue;
    throw new WeirError("NOT_FOUND", `[SQL_CONF_NOT_FOUND] The SQL config "${key}" cannot be found. Please verify that the config exists.`, { details: { key } });
  }

  /** Removes a value set earlier (the key's default applies again). */
  unset(key: string): void {
    this.values.delete(key);
  }

  /** True when `key` was set in this session. */
  isSet(key: string): boolean {
    return this.values.has(key);
  }

  /** Every key set in this session, with its value. */
  getAll(): Record<string, string> {
    return Object.fromEntries(this.values);
  }
}

const configs = new WeakMap<object, RuntimeConfig>();

/** The RuntimeConfig of a session (created on first use). */
export function runtimeConfigOf(session: object): RuntimeConfig {
  let c = configs.get(session);
  if (c === undefined) configs.set(session, (c = new RuntimeConfig()));
  return c;
}

/** The session's multiple-watermark policy, lower-case. */
export function watermarkPolicyOf(session: object): WatermarkPolicy {
  return parseWatermarkPolicy(runtimeConfigOf(session).get(MULTIPLE_WATERMARK_POLICY));
}

/** The session's `spark.sql.shuffle.partitions` (checked when it was set). */
export function shufflePartitionsOf(session: object): number {
  return Number(runtimeConfigOf(session).get(SHUFFLE_PARTITIONS).trim());
}

/** The session's state store settings, as the file state store's options take them. */
export function stateStoreConfOf(session: object): { snapshotInterval: number; snapshotMinIntervalMs: number } {
  const c = runtimeConfigOf(session);
  return {
    snapshotInterval: Number(c.get(STATE_MIN_DELTAS_FOR_SNAPSHOT).trim()),
    snapshotMinIntervalMs: parseTimeConfMs(STATE_MAINTENANCE_INTERVAL, c.get(STATE_MAINTENANCE_INTERVAL)),
  };
}

/** A policy value as stored (any case); throws Spark's message for anything but min or max. */
export function parseWatermarkPolicy(value: string): WatermarkPolicy {
  KNOWN.get(MULTIPLE_WATERMARK_POLICY)!.check(value);
  return value.trim().toLowerCase() as WatermarkPolicy;
}
