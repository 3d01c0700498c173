/**
 * Arbitrary per-key state with timeouts: Weir's TypeScript form of Spark's
 * `flatMapGroupsWithState` / `mapGroupsWithState` and their `GroupState` (Spark's
 * GroupStateImpl), shared by the batch operator (group-state-exec.ts: each group once, with empty
 * state) and the streaming one (group-state-operator.ts: state kept in the checkpoint).
 *
 * What the user's function sees, and gives back, are plain objects keyed by column name whose
 * values follow the engine's representation (types.ts): timestamps are microseconds since the
 * epoch, dates days since the epoch, binary a Buffer, arrays arrays, maps Maps; nested structs
 * are objects keyed by field name, as rows are. Output rows may give a timestamp or date as a
 * `Date` too. Timeouts and watermarks are in milliseconds, as in Spark's GroupState.
 *
 * State values must be JSON values (null, booleans, finite numbers, strings, arrays and plain
 * objects of them): the checkpoint keeps them across restarts, and a value that JSON cannot
 * hold exactly (undefined, NaN, a Date, a Map, a class instance, a cycle) is refused by
 * `update()` naming where in the value it sits.
 */
import { WeirError } from "../../util/errors.js";
import { parseSchema, simpleString, type DataType, type Row, type StructType } from "../types.js";
import { keyNormalizer } from "../exec/keys.js";
import { parseDuration } from "./duration.js";

/** Spark's GroupStateTimeout: none, processing time (setTimeoutDuration) or event time (setTimeoutTimestamp). */
export type GroupStateTimeout = "none" | "processingTime" | "eventTime";

/** The output mode a flatMapGroupsWithState function declares (Spark's `outputMode` argument). */
export type GroupStateOutputMode = "append" | "update";

/** A row, a grouping key or an output row as the function sees it: values by column name (see the module comment). */
export type GroupRow = Record<string, unknown>;

/** A value JSON holds exactly: what a GroupState may keep. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Spark's GroupState: the state of one group, handed to the function with the group's rows.
 * Changes (update, remove, a timeout) are kept when the function returns.
 */
export interface GroupState<S> {
  /** Whether the group has state (Spark's `exists`). */
  readonly exists: boolean;
  /** The state; throws when there is none (Spark's NoSuchElementException). */
  get(): S;
  /** The state, or undefined when there is none. */
  getOption(): S | undefined;
  /** Replaces the state (a JSON value; null and undefined are refused, as Spark refuses null). */
  update(newState: S): void;
  /** Removes the state (and its timeout). */
  remove(): void;
  /**
   * Processing-time timeout: the function is called again with no rows (`hasTimedOut` true) in
   * the first batch whose processing time is past now + `duration` (`"10 seconds"` or ms), unless
   * rows for the group arrive first. Every call of the function clears the previous timeout.
   */
  setTimeoutDuration(duration: string | number): void;
  /**
   * Event-time timeout: the function is called again with no rows once the watermark passes
   * `timestampMs` (ms since the epoch, or a Date), plus `additionalDuration` when given. It cannot
   * be earlier than the current watermark.
   */
  setTimeoutTimestamp(timestamp: number | Date, additionalDuration?: string | number): void;
  /** The batch's event-time watermark in ms; throws when the query declares no watermark. */
  getCurrentWatermarkMs(): number;
  /** The batch's processing time in ms (the trigger's start; in a batch query, now). */
  getCurrentProcessingTimeMs(): number;
  /** True when the function is called because the group's timeout fired (then there are no rows). */
  readonly hasTimedOut: boolean;
  /** The timeout currently set, in ms, or undefined. */
  getTimeoutTimestampMs(): number | undefined;
}

/** The function of flatMapGroupsWithState: any number of output rows per call. */
export type FlatMapGroupsWithStateFunction<S = JsonValue> = (key: GroupRow, rows: GroupRow[], state: GroupState<S>) => Iterable<GroupRow> | Promise<Iterable<GroupRow>>;

/** The function of mapGroupsWithState: exactly one output row per call. */
export type MapGroupsWithStateFunction<S = JsonValue> = (key: GroupRow, rows: GroupRow[], state: GroupState<S>) => GroupRow | Promise<GroupRow>;

/** Options of {@link GroupedData.flatMapGroupsWithState}. */
export interface FlatMapGroupsWithStateOptions<S = JsonValue> {
  /** Append (each output row is final) or update (rows replace earlier ones of the key downstream). */
  readonly outputMode: GroupStateOutputMode;
  /** Default `none`. */
  readonly timeout?: GroupStateTimeout;
  /** The output rows' schema: DDL (`"user STRING, count BIGINT"`) or a StructType. */
  readonly outputSchema: string | StructType;
  readonly func: FlatMapGroupsWithStateFunction<S>;
}

/** Options of {@link GroupedData.mapGroupsWithState}. */
export interface MapGroupsWithStateOptions<S = JsonValue> {
  /** Default `none`. */
  readonly timeout?: GroupStateTimeout;
  /** The output rows' schema: DDL or a StructType. */
  readonly outputSchema: string | StructType;
  readonly func: MapGroupsWithStateFunction<S>;
}

/** What a flatMapGroupsWithState plan node runs (validated options). */
export interface GroupStateSpec {
  readonly func: (key: GroupRow, rows: GroupRow[], state: GroupState<unknown>) => unknown;
  readonly outputMode: GroupStateOutputMode;
  readonly timeout: GroupStateTimeout;
  /** mapGroupsWithState: one row per call, update mode only. */
  readonly isMapGroups: boolean;
  readonly outputSchema: StructType;
}

/** The operation's name in messages. */
export function operationName(spec: Pick<GroupStateSpec, "isMapGroups">): string {
  return spec.isMapGroups ? "mapGroupsWithState" : "flatMapGroupsWithState";
}

/** Marks "no timeout" in stored state (Spark's NO_TIMESTAMP). */
export const NO_TIMESTAMP = -1;

function invalid(message: string, details: Record<string, unknown> = {}): WeirError {
  return new WeirError("INVALID_ARGUMENT", message, { details });
}

const TIMEOUTS: readonly GroupStateTimeout[] = ["none", "processingTime", "eventTime"];

/** Validates the options of flatMapGroupsWithState / mapGroupsWithState into a spec. */
export function groupStateSpec(opts: unknown, isMapGroups: boolean): GroupStateSpec {
  const what = isMapGroups ? "mapGroupsWithState" : "flatMapGroupsWithState";
  if (typeof opts !== "object" || opts === null) throw invalid(`${what} takes an options object { ${isMapGroups ? "" : "outputMode, "}timeout, outputSchema, func }.`);
  const o = opts as Record<string, unknown>;
  const known = new Set(["outputMode", "timeout", "outputSchema", "func"]);
  for (const k of Object.keys(o)) if (!known.has(k)) throw invalid(`${what}: unknown option '${k}'; the options are ${isMapGroups ? "timeout, outputSchema, func" : "outputMode, timeout, outputSchema, func"}.`, { option: k });
  if (typeof o.func !== "function") throw invalid(`${what}: 'func' must be a function (key, rows, state) => ${isMapGroups ? "row" : "rows"}.`);
  let outputMode: GroupStateOutputMode = "update";
  if (isMapGroups) {
    if (o.outputMode !== undefined && (typeof o.outputMode !== "string" || o.outputMode.toLowerCase() !== "update")) {
      throw invalid(`mapGroupsWithState has no outputMode option (it is always update); use flatMapGroupsWithState for append.`, { outputMode: o.outputMode });
    }
  } else {
    const m = typeof o.outputMode === "string" ? o.outputMode.toLowerCase() : o.outputMode;
    if (m !== "append" && m !== "update") throw invalid(`${what}: outputMode must be "append" or "update", got ${JSON.stringify(o.outputMode)}.`, { outputMode: o.outputMode });
    outputMode = m;
  }
  const timeout = o.timeout ?? "none";
  if (typeof timeout !== "string" || !TIMEOUTS.includes(timeout as GroupStateTimeout)) {
    throw invalid(`${what}: timeout must be one of "none", "processingTime", "eventTime", got ${JSON.stringify(o.timeout)}.`, { timeout: o.timeout });
  }
  let outputSchema: StructType;
  if (typeof o.outputSchema === "string") outputSchema = parseSchema(o.outputSchema);
  else if (typeof o.outputSchema === "object" && o.outputSchema !== null && (o.outputSchema as { kind?: unknown }).kind === "struct") outputSchema = o.outputSchema as StructType;
  else throw invalid(`${what}: outputSchema must be a DDL string ("user STRING, count BIGINT") or a StructType.`);
  if (outputSchema.fields.length === 0) throw invalid(`${what}: outputSchema has no fields.`);
  return { func: o.func as GroupStateSpec["func"], outputMode, timeout: timeout as GroupStateTimeout, isMapGroups, outputSchema };
}

// ---- values: engine → function, function → engine

/** A converter of one non-null value. */
type Conv = (v: unknown) => unknown;

function needsPlain(t: DataType): boolean {
  return t.kind === "struct" || t.kind === "map" || (t.kind === "array" && needsPlain(t.elementType));
}

/** Engine value → the function's view: structs become objects; everything else stays as the engine holds it. */
export function toPlain(t: DataType): Conv {
  if (!needsPlain(t)) return (v) => v;
  switch (t.kind) {
    case "struct": {
      const names = t.fields.map((f) => f.name);
      const convs = t.fields.map((f) => toPlain(f.dataType));
      return (v) => {
        const a = v as unknown[];
        const out: GroupRow = {};
        for (let i = 0; i < names.length; i++) out[names[i]] = a[i] === null || a[i] === undefined ? null : convs[i](a[i]);
        return out;
      };
    }
    case "array": {
      const e = toPlain(t.elementType);
      return (v) => (v as unknown[]).map((x) => (x === null ? null : e(x)));
    }
    case "map": {
      const k = toPlain(t.keyType);
      const val = toPlain(t.valueType);
      return (v) => {
        const out = new Map<unknown, unknown>();
        for (const [a, b] of v as Map<unknown, unknown>) out.set(k(a), b === null ? null : val(b));
        return out;
      };
    }
    default:
      return (v) => v;
  }
}

/** Engine rows of `schema` → objects keyed by column name in the function's view. */
export function rowToPlain(schema: StructType): (row: Row) => GroupRow {
  const names = schema.fields.map((f) => f.name);
  const convs = schema.fields.map((f) => toPlain(f.dataType));
  return (row) => {
    const out: GroupRow = {};
    for (let i = 0; i < names.length; i++) out[names[i]] = row[i] === null || row[i] === undefined ? null : convs[i](row[i]);
    return out;
  };
}

function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object" && v !== null) return Array.isArray(v) ? "an array" : v instanceof Map ? "a Map" : "an object";
  return String(v);
}

function outputMismatch(v: unknown, t: DataType, where: string): WeirError {
  return invalid(`[FIELD_DATA_TYPE_UNACCEPTABLE] ${where} expects a value of type ${simpleString(t)}, got ${shown(v)} (${v === null ? "null" : typeof v}).`, { field: where, type: simpleString(t) });
}

const INT_RANGES: Partial<Record<DataType["kind"], readonly [number, number]>> = { byte: [-128, 127], short: [-32768, 32767], int: [-2147483648, 2147483647] };

/** The function's view → engine value of type `t`, checked; `where` names the field in errors. */
export function fromPlain(t: DataType, where: string): Conv {
  switch (t.kind) {
    case "string":
      return (v) => {
        if (typeof v !== "string") throw outputMismatch(v, t, where);
        return v;
      };
    case "boolean":
      return (v) => {
        if (typeof v !== "boolean") throw outputMismatch(v, t, where);
        return v;
      };
    case "byte":
    case "short":
    case "int":
    case "long": {
      const r = INT_RANGES[t.kind];
      return (v) => {
        const n = typeof v === "bigint" ? Number(v) : v;
        if (typeof n !== "number" || !Number.isInteger(n) || (r !== undefined && (n < r[0] || n > r[1]))) throw outputMismatch(v, t, where);
        return n;
      };
    }
    case "float":
    case "double":
      return (v) => {
        const n = typeof v === "bigint" ? Number(v) : v;
        if (typeof n !== "number") throw outputMismatch(v, t, where);
        return t.kind === "float" ? Math.fround(n) : n;
      };
    case "timestamp":
      return (v) => {
        if (v instanceof Date) return v.getTime() * 1000;
        const n = typeof v === "bigint" ? Number(v) : v;
        if (typeof n !== "number" || !Number.isInteger(n)) throw outputMismatch(v, t, where);
        return n;
      };
    case "date":
      return (v) => {
        if (v instanceof Date) return Math.floor(v.getTime() / 86_400_000);
        if (typeof v !== "number" || !Number.isInteger(v)) throw outputMismatch(v, t, where);
        return v;
      };
    case "binary":
      return (v) => {
        if (Buffer.isBuffer(v)) return v;
        if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        throw outputMismatch(v, t, where);
      };
    case "null":
      return (v) => {
        throw outputMismatch(v, t, where);
      };
    case "array": {
      const e = fromPlain(t.elementType, `${where}[]`);
      return (v) => {
        if (!Array.isArray(v)) throw outputMismatch(v, t, where);
        return v.map((x) => (x === null || x === undefined ? null : e(x)));
      };
    }
    case "map": {
      const k = fromPlain(t.keyType, `${where} key`);
      const val = fromPlain(t.valueType, `${where} value`);
      return (v) => {
        const entries = v instanceof Map ? [...(v as Map<unknown, unknown>).entries()] : isPlainObject(v) ? Object.entries(v) : null;
        if (entries === null) throw outputMismatch(v, t, where);
        const out = new Map<unknown, unknown>();
        for (const [a, b] of entries) out.set(k(a), b === null || b === undefined ? null : val(b));
        return out;
      };
    }
    case "struct": {
      const convs = t.fields.map((f) => fromPlain(f.dataType, `${where}.${f.name}`));
      return (v) => {
        if (Array.isArray(v) && v.length === t.fields.length) return t.fields.map((f, i) => field(v[i], convs[i], f.nullable, `${where}.${f.name}`));
        if (!isPlainObject(v)) throw outputMismatch(v, t, where);
        return t.fields.map((f, i) => field(lookup(v, f.name), convs[i], f.nullable, `${where}.${f.name}`));
      };
    }
  }
}

function field(v: unknown, conv: Conv, nullable: boolean, where: string): unknown {
  if (v === null || v === undefined) {
    if (!nullable) throw invalid(`[FIELD_NOT_NULLABLE] ${where} is not nullable, but got ${v === null ? "null" : "no value"}.`, { field: where });
    return null;
  }
  return conv(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function lookup(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** Output objects of `schema` → engine rows, checked against the schema (errors name the field). */
export function plainToRow(schema: StructType): (v: unknown) => Row {
  const convs = schema.fields.map((f) => fromPlain(f.dataType, `the field ${f.name}`));
  const names = new Set(schema.fields.map((f) => f.name.toLowerCase()));
  const list = schema.fields.map((f) => f.name).join(", ");
  return (v) => {
    if (!isPlainObject(v)) throw invalid(`an output row must be an object keyed by column name (${list}), got ${shown(v)}.`);
    for (const k of Object.keys(v)) {
      if (!names.has(k.toLowerCase())) throw invalid(`the output row has a field '${k}' that the outputSchema (${list}) does not declare.`, { field: k });
    }
    return schema.fields.map((f, i) => field(lookup(v, f.name), convs[i], f.nullable, `the field ${f.name}`));
  };
}

// ---- state values

/**
 * Checks that `v` is a JSON value that survives a JSON round trip unchanged, throwing an error
 * that names the offending place (`state.update(): .history[3] is a Date, ...`).
 */
export function checkJsonValue(v: unknown, what: string): void {
  const seen = new Set<object>();
  const walk = (x: unknown, path: string): void => {
    const here = path === "" ? "the value" : path;
    switch (typeof x) {
      case "string":
      case "boolean":
        return;
      case "number":
        if (!Number.isFinite(x)) throw invalid(`${what}: ${here} is ${x}, which JSON cannot hold; state values must be JSON values (see docs/engine.md, "Arbitrary state").`, { path });
        return;
      case "object": {
        if (x === null) return;
        if (seen.has(x)) throw invalid(`${what}: ${here} refers back to an enclosing object (a cycle), which JSON cannot hold.`, { path });
        seen.add(x);
        if (Array.isArray(x)) {
          for (let i = 0; i < x.length; i++) walk(x[i], `${path}[${i}]`);
        } else if (isPlainObject(x)) {
          for (const [k, val] of Object.entries(x)) walk(val, `${path}.${k}`);
        } else {
          const kind = x instanceof Date ? "a Date (store getTime() instead)" : x instanceof Map ? "a Map (store an object or an array of pairs)" : x instanceof Set ? "a Set (store an array)" : Buffer.isBuffer(x) ? "a Buffer (store a base64 string)" : `an instance of ${x.constructor?.name ?? "a class"}`;
          throw invalid(`${what}: ${here} is ${kind}, which JSON cannot hold exactly; state values must be JSON values (null, booleans, finite numbers, strings, arrays, plain objects).`, { path });
        }
        seen.delete(x);
        return;
      }
      default:
        throw invalid(`${what}: ${here} is ${typeof x === "undefined" ? "undefined" : `a ${typeof x}`}, which JSON cannot hold; state values must be JSON values (use null for "no value").`, { path });
    }
  };
  walk(v, "");
}

/** A deep copy of a checked JSON value (so later changes to the caller's object do not change the state). */
function copyJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

// ---- GroupState

/** What a {@link GroupStateImpl} starts from. */
export interface GroupStateInit {
  /** The stored state; undefined when the group has none. */
  readonly value: JsonValue | undefined;
  readonly timeout: GroupStateTimeout;
  readonly batchProcessingTimeMs: number;
  /** The batch's watermark (ms), or null when the query declares none (getCurrentWatermarkMs then throws). */
  readonly watermarkMs: number | null;
  readonly hasTimedOut: boolean;
}

/** Spark's GroupStateImpl: see {@link GroupState}. */
export class GroupStateImpl implements GroupState<unknown> {
  private value: JsonValue | undefined;
  /** True once update() was called. */
  updated = false;
  /** True once remove() was called (and no update() after it). */
  removed = false;
  private timeoutMs = NO_TIMESTAMP;

  constructor(private readonly init: GroupStateInit) {
    this.value = init.value;
  }

  get exists(): boolean {
    return this.value !== undefined;
  }

  get(): unknown {
    if (this.value === undefined) throw new WeirError("EXECUTION", "State is either not defined or has already been removed");
    return this.value;
  }

  getOption(): unknown {
    return this.value;
  }

  update(newState: unknown): void {
    if (newState === null || newState === undefined) throw invalid(`'${String(newState)}' is not a valid state value; call state.remove() to drop the state.`);
    checkJsonValue(newState, "state.update()");
    this.value = copyJson(newState as JsonValue);
    this.updated = true;
    this.removed = false;
  }

  remove(): void {
    this.value = undefined;
    this.removed = true;
    this.updated = false;
    this.timeoutMs = NO_TIMESTAMP;
  }

  setTimeoutDuration(duration: string | number): void {
    if (this.init.timeout !== "processingTime") {
      throw new WeirError("EXECUTION", "Cannot set timeout duration without enabling processing time timeout in [map|flatMap]GroupsWithState (pass timeout: \"processingTime\").");
    }
    const ms = typeof duration === "number" ? duration : parseDuration(duration, "setTimeoutDuration");
    if (!(ms > 0) || !Number.isFinite(ms)) throw invalid(`Timeout duration must be positive, got ${JSON.stringify(duration)}.`, { duration });
    this.timeoutMs = this.init.batchProcessingTimeMs + ms;
  }

  setTimeoutTimestamp(timestamp: number | Date, additionalDuration?: string | number): void {
    if (this.init.timeout !== "eventTime") {
      throw new WeirError("EXECUTION", "Cannot set timeout timestamp without enabling event time timeout in [map|flatMapGroupsWithState (pass timeout: \"eventTime\").");
    }
    let ms = timestamp instanceof Date ? timestamp.getTime() : timestamp;
    if (typeof ms !== "number" || !Number.isFinite(ms)) throw invalid(`setTimeoutTimestamp takes ms since the epoch or a Date, got ${shown(timestamp)}.`);
    if (additionalDuration !== undefined) {
      const extra = typeof additionalDuration === "number" ? additionalDuration : parseDuration(additionalDuration, "setTimeoutTimestamp additionalDuration");
      if (!(extra > 0)) throw invalid(`Timeout duration must be positive, got ${JSON.stringify(additionalDuration)}.`);
      ms += extra;
    }
    if (ms <= 0) throw invalid(`Timeout timestamp must be positive, got ${ms}.`);
    const wm = this.init.watermarkMs;
    if (wm !== null && ms < wm) throw invalid(`Timeout timestamp (${ms}) cannot be earlier than the current watermark (${wm})`, { timestampMs: ms, watermarkMs: wm });
    this.timeoutMs = ms;
  }

  getCurrentWatermarkMs(): number {
    if (this.init.watermarkMs === null) throw new WeirError("EXECUTION", "Cannot get event time watermark timestamp without setting watermark before [map|flatMap]GroupsWithState");
    return this.init.watermarkMs;
  }

  getCurrentProcessingTimeMs(): number {
    return this.init.batchProcessingTimeMs;
  }

  get hasTimedOut(): boolean {
    return this.init.hasTimedOut;
  }

  getTimeoutTimestampMs(): number | undefined {
    return this.timeoutMs === NO_TIMESTAMP ? undefined : this.timeoutMs;
  }

  /** The timeout to store (ms, or {@link NO_TIMESTAMP}). */
  get timeoutTimestampMs(): number {
    return this.timeoutMs;
  }

  /** The state to store (undefined: none). */
  get current(): JsonValue | undefined {
    return this.value;
  }
}

/** A key's description in messages: `{"user":"ann"}`. */
export function describeKey(key: GroupRow): string {
  try {
    return JSON.stringify(key, (_k, v: unknown): unknown => (typeof v === "bigint" ? v.toString() : Buffer.isBuffer(v) ? `<${v.length} bytes>` : v instanceof Map ? Object.fromEntries(v as Map<unknown, unknown>) : v));
  } catch {
    return "(a key)";
  }
}

/**
 * Calls the function for one group and converts what it returns into engine rows of the output
 * schema. A function that throws, or returns something else than the operation promises, fails
 * with an EXECUTION error naming the key.
 */
export async function callGroupFunction(spec: GroupStateSpec, convert: (v: unknown) => Row, key: GroupRow, rows: GroupRow[], state: GroupStateImpl): Promise<Row[]> {
  const name = operationName(spec);
  let result: unknown;
  try {
    result = await spec.func(key, rows, state);
  } catch (cause) {
    if (cause instanceof WeirError) throw cause;
    throw new WeirError("EXECUTION", `[FAILED_EXECUTE_UDF] the ${name} function failed for the key ${describeKey(key)}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      details: { key: describeKey(key) },
    });
  }
  const checked = (r: unknown): Row => {
    try {
      return convert(r);
    } catch (cause) {
      if (!(cause instanceof WeirError)) throw cause;
      throw new WeirError("EXECUTION", `the ${name} function returned a row that does not fit its outputSchema for the key ${describeKey(key)}: ${cause.message}`, { cause, details: { ...cause.details, key: describeKey(key) } });
    }
  };
  if (spec.isMapGroups) {
    if (result === null || result === undefined) throw new WeirError("EXECUTION", `the mapGroupsWithState function returned ${String(result)} for the key ${describeKey(key)}; it must return one row (use flatMapGroupsWithState to return none).`);
    return [checked(result)];
  }
  if (result === null || result === undefined || typeof (result as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function" || typeof result === "string") {
    throw new WeirError("EXECUTION", `the flatMapGroupsWithState function returned ${shown(result)} for the key ${describeKey(key)}; it must return an iterable of rows (an array, [] for none).`);
  }
  const out: Row[] = [];
  for (const r of result as Iterable<unknown>) out.push(checked(r));
  return out;
}

// ---- state keys

/**
 * Builds the encoder of a key (one value per part, engine representation) into the string the
 * state store keys it by: equal keys under Spark's grouping equality give equal strings (-0 and
 * 0, NaN and NaN; binary and nested values by content), and the string is the same in every run.
 */
export function stateKeyEncoder(types: readonly DataType[]): (values: readonly unknown[]) => string {
  const norms = types.map((t) => keyNormalizer(t));
  return (values) => {
    let s = "";
    for (let i = 0; i < values.length; i++) {
      let v = values[i];
      const norm = norms[i];
      if (v !== null && norm !== null) v = norm(v);
      if (i > 0) s += "\u0001";
      if (v === null || v === undefined) s += "\u0000";
      else if (typeof v === "string") s += `s${v.length}:${v}`;
      else if (typeof v === "number") s += Object.is(v, -0) ? "n0" : `n${v}`;
      else if (typeof v === "boolean") s += v ? "t" : "f";
      else s += `x${JSON.stringify(v)}`;
    }
    return s;
  };
}

/** The state partition of a key string (FNV-1a modulo the partition count). */
export function statePartitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
