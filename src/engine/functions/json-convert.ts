/**
 * JSON text ↔ engine values, as Spark's JSON data source and from_json/to_json do it.
 *
 * Parsing is JSON.parse (V8's native parser) followed by a converter compiled once per schema,
 * which reads only the schema's fields by name, so the hot path of
 * `from_json(cast(value AS string), schema)` does no per-row schema work.
 */
import type { DataType, Row, StructType } from "../types.js";
import { BooleanType, DoubleType, LongType, NullType, StringType, arrayOf, simpleString, struct } from "../types.js";
import { WeirError } from "../../util/errors.js";
import { MICROS_PER_SECOND, formatDate, microsToParts, parseDateString, parseTimestampString } from "./datetime-util.js";
import { primitiveText } from "./define.js";
import { doubleToString, floatToString } from "./format.js";
import { LONG_MAX, LONG_MAX_EXCLUSIVE, LONG_MIN } from "./limits.js";

/**
 * JSON.parse as Spark's Jackson-based readers see a text: they read the first root value and
 * ignore whatever follows it (`{"a":1} x` and `{"a":1}{"a":2}` are `{"a":1}` to from_json,
 * get_json_object, json_array_length and the JSON file source, even in FAILFAST mode). So when
 * the whole text is not JSON but begins with a complete object or array, that value is returned.
 * Throws JSON.parse's SyntaxError for the whole text otherwise. Costs nothing on valid JSON.
 */
export function parseJsonLikeSpark(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const end = firstContainerEnd(text);
    if (end < 0 || end === text.length) throw e;
    try {
      return JSON.parse(text.slice(0, end)) as unknown;
    } catch {
      throw e;
    }
  }
}

/**
 * The end of the object or array that `text` starts with (after JSON whitespace), found by
 * matching brackets outside strings; -1 when it starts with something else or never closes.
 * Only the structure is looked at: JSON.parse of the prefix checks the rest.
 */
function firstContainerEnd(text: string): number {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  const open = text.charCodeAt(i);
  if (open !== 123 && open !== 91) return -1;
  let depth = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote, over backslash escapes.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) depth++;
    else if ((c === 125 || c === 93) && --depth === 0) return i + 1;
  }
  return -1;
}

/** Options of {@link parseJsonToRow} and {@link compileJsonRowParser}. */
export interface JsonParseOptions {
  /**
   * Spark 4's spark.sql.json.enablePartialResults (default true): a field whose value does not
   * fit its type becomes null and the rest of the record is kept. When false such a record
   * throws like malformed text. Text that is not JSON always throws.
   */
  readonly partialResults?: boolean;
}

/** A converter from a parsed JSON value (never null/undefined) to the engine value of a type; throws on mismatch. */
type Conv = (v: unknown) => unknown;

/** Thrown by converters; caught by the row parser to apply partial results. */
class FieldMismatch extends Error {}

function mismatch(v: unknown, t: DataType): never {
  throw new FieldMismatch(`the JSON value ${truncate(JSON.stringify(v))} does not fit the type ${simpleString(t)}`);
}

function truncate(s: string | undefined): string {
  const x = s ?? "undefined";
  return x.length > 80 ? `${x.slice(0, 77)}...` : x;
}

const INT_RANGES: Partial<Record<DataType["kind"], readonly [number, number]>> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
  long: [LONG_MIN, LONG_MAX],
};

const NON_NUMERIC: Record<string, number> = { NaN: NaN, Infinity: Infinity, "+Infinity": Infinity, "-Infinity": -Infinity, INF: Infinity, "+INF": Infinity, "-INF": -Infinity };

/** Compiles the converter of parsed JSON values to values of type `t`. */
export function compileJsonConverter(t: DataType, partial = false): Conv {
  switch (t.kind) {
    case "string":
      // Spark keeps the JSON text of a non-string value in a string field.
      return (v) => (typeof v === "string" ? v : JSON.stringify(v));
    case "byte":
    case "short":
    case "int":
    case "long": {
      const [lo, hi] = INT_RANGES[t.kind]!;
      return (v) => {
        if (typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi) return v;
        return mismatch(v, t);
      };
    }
    case "float":
    case "double": {
      const round = t.kind === "float" ? Math.fround : (x: number): number => x;
      return (v) => {
        if (typeof v === "number") return round(v);
        if (typeof v === "string" && v in NON_NUMERIC) return NON_NUMERIC[v];
        return mismatch(v, t);
      };
    }
    case "boolean":
      return (v) => (typeof v === "boolean" ? v : mismatch(v, t));
    case "timestamp":
      return (v) => {
        if (typeof v === "string") {
          const us = parseTimestampString(v);
          if (us !== null) return us;
        } else if (typeof v === "number" && Number.isInteger(v)) return v * MICROS_PER_SECOND;
        return mismatch(v, t);
      };
    case "date":
      return (v) => {
        if (typeof v === "string") {
          const d = parseDateString(v);
          if (d !== null) return d;
        } else if (typeof v === "number" && Number.isInteger(v)) return v;
        return mismatch(v, t);
      };
    case "binary":
      return (v) => (typeof v === "string" ? Buffer.from(v, "base64") : mismatch(v, t));
    case "null":
      return () => null;
    case "array": {
      const el = compileJsonConverter(t.elementType, partial);
      return (v) => {
        if (!Array.isArray(v)) return mismatch(v, t);
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          out[i] = x === null || x === undefined ? null : el(x);
        }
        return out;
      };
    }
    case "map": {
      const vc = compileJsonConverter(t.valueType, partial);
      const kc = t.keyType.kind === "string" ? null : compileJsonConverter(t.keyType, partial);
      return (v) => {
        if (typeof v !== "object" || v === null || Array.isArray(v)) return mismatch(v, t);
        const out = new Map<unknown, unknown>();
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
          out.set(kc === null ? k : kc(tryNumber(k)), x === null ? null : vc(x));
        }
        return out;
      };
    }
    case "struct":
      return compileStruct(t, partial);
  }
}

function tryNumber(k: string): unknown {
  const n = Number(k);
  return k.trim() !== "" && Number.isFinite(n) ? n : k;
}

function compileStruct(t: StructType, partial: boolean): Conv {
  const n = t.fields.length;
  const names = t.fields.map((f) => f.name);
  const convs = t.fields.map((f) => compileJsonConverter(f.dataType, partial));
  // Names inherited from Object.prototype ("constructor", "toString") must be own properties to count.
  const inherited = names.map((name) => name in Object.prototype);
  const anyInherited = inherited.some(Boolean);
  return (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return mismatch(v, t);
    const o = v as Record<string, unknown>;
    const row = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const x = anyInherited && inherited[i] && !Object.hasOwn(o, names[i]) ? undefined : o[names[i]];
      if (x === null || x === undefined) {
        row[i] = null;
      } else if (partial) {
        try {
          row[i] = convs[i](x);
        } catch (e) {
          if (!(e instanceof FieldMismatch)) throw e;
          row[i] = null;
        }
      } else row[i] = convs[i](x);
    }
    return row;
  };
}

function malformed(text: string, why: string, cause?: unknown): WeirError {
  return new WeirError("EXECUTION", `[MALFORMED_RECORD_IN_PARSING] Malformed records are detected in record parsing: ${truncate(text)} (${why}).`, {
    cause,
    details: { record: truncate(text) },
  });
}

/**
 * Compiles a parser of JSON text into rows of `schema` (the JSON must be an object). The
 * returned function throws WeirError("EXECUTION", "[MALFORMED_RECORD_IN_PARSING] ...") for text
 * that is not JSON or (without partial results) a value that does not fit its field's type; the
 * caller applies Spark's PERMISSIVE / DROPMALFORMED / FAILFAST modes.
 */
export function compileJsonRowParser(schema: StructType, opts: JsonParseOptions = {}): (text: string) => Row {
  const conv = compileStruct(schema, opts.partialResults ?? true);
  return (text) => {
    let parsed: unknown;
    try {
      parsed = parseJsonLikeSpark(text);
    } catch (e) {
      throw malformed(text, (e as Error).message, e);
    }
    try {
      return conv(parsed) as Row;
    } catch (e) {
      if (e instanceof FieldMismatch) throw malformed(text, e.message);
      throw e;
    }
  };
}

const parserCache = new WeakMap<StructType, Map<boolean, (text: string) => Row>>();

/**
 * Parses one JSON object into a row of `schema` (a parser is compiled and cached per schema
 * object). Throws WeirError("EXECUTION") when the text is not valid JSON, is not an object, or
 * (with `partialResults: false`) holds a value that does not fit its type.
 */
export function parseJsonToRow(text: string, schema: StructType, opts?: JsonParseOptions): Row {
  const partial = opts?.partialResults ?? true;
  let bySchema = parserCache.get(schema);
  if (bySchema === undefined) {
    bySchema = new Map();
    parserCache.set(schema, bySchema);
  }
  let p = bySchema.get(partial);
  if (p === undefined) {
    p = compileJsonRowParser(schema, { partialResults: partial });
    bySchema.set(partial, p);
  }
  return p(text);
}

/** Converts a parsed JSON value to the engine representation of `t`; throws WeirError("EXECUTION") when it does not fit. */
export function jsonValueToValue(v: unknown, t: DataType): unknown {
  if (v === null || v === undefined) return null;
  try {
    return compileJsonConverter(t, false)(v);
  } catch (e) {
    if (e instanceof FieldMismatch) throw new WeirError("EXECUTION", e.message);
    throw e;
  }
}

// ---- schema inference ----

function inferType(v: unknown): DataType {
  if (v === null || v === undefined) return NullType;
  switch (typeof v) {
    case "boolean":
      return BooleanType;
    case "number":
      return Number.isInteger(v) && v >= LONG_MIN && v < LONG_MAX_EXCLUSIVE ? LongType : DoubleType;
    case "string":
      return StringType;
    default:
      break;
  }
  if (Array.isArray(v)) {
    let e: DataType = NullType;
    for (const x of v) e = mergeTypes(e, inferType(x));
    return arrayOf(e);
  }
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return struct(entries.map(([name, x]) => ({ name, dataType: inferType(x), nullable: true })));
}

/** Spark's JsonInferSchema.compatibleType: widen numbers, merge structs and arrays, otherwise string. */
function mergeTypes(a: DataType, b: DataType): DataType {
  if (a.kind === "null") return b;
  if (b.kind === "null") return a;
  if (a.kind === b.kind && a.kind !== "array" && a.kind !== "struct") return a;
  if ((a.kind === "long" && b.kind === "double") || (a.kind === "double" && b.kind === "long")) return DoubleType;
  if (a.kind === "array" && b.kind === "array") return arrayOf(mergeTypes(a.elementType, b.elementType));
  if (a.kind === "struct" && b.kind === "struct") {
    const byName = new Map<string, DataType>();
    for (const f of a.fields) byName.set(f.name, f.dataType);
    for (const f of b.fields) {
      const prev = byName.get(f.name);
      byName.set(f.name, prev === undefined ? f.dataType : mergeTypes(prev, f.dataType));
    }
    const names = [...byName.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return struct(names.map((name) => ({ name, dataType: byName.get(name)!, nullable: true })));
  }
  return StringType;
}

/** Replaces types never seen with a value (null, empty arrays) by string, as Spark does. */
function finalizeType(t: DataType): DataType {
  switch (t.kind) {
    case "null":
      return StringType;
    case "array":
      return arrayOf(finalizeType(t.elementType));
    case "struct":
      return struct(t.fields.map((f) => ({ ...f, dataType: finalizeType(f.dataType) })));
    default:
      return t;
  }
}

/**
 * Infers a schema from parsed JSON records as Spark's JSON reader does: integers → bigint, other
 * numbers → double, strings, booleans, objects → structs with fields sorted by name, arrays of
 * the merged element type, conflicting types → string, fields only ever null → string; top-level
 * fields sorted by name. Values that are not objects (top-level arrays, scalars) are skipped.
 * Limitation: JSON.parse makes `1.0` an integer, so a field whose values are all written like
 * `1.0` is inferred as bigint where Spark infers double.
 */
export function inferJsonSchema(values: Iterable<unknown>): StructType {
  let acc: DataType = struct([]);
  for (const v of values) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) continue;
    acc = mergeTypes(acc, inferType(v));
  }
  return finalizeType(acc) as StructType;
}

// ---- writing ----

/** Spark's JSON timestamp text (timestampFormat `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` in UTC): `2024-01-01T00:00:00.000Z`. */
export function timestampToJson(us: number): string {
  const p = microsToParts(us);
  const y = p.year > 9999 ? `+${p.year}` : String(p.year).padStart(4, "0");
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${y}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}.${String(Math.floor(p.micros / 1000)).padStart(3, "0")}Z`;
}

/**
 * Converts a non-null engine value of type `t` to a JSON-able JS value as Spark's JSON writer
 * would write it: timestamps as `2024-01-01T00:00:00.000Z`, dates `2024-01-01`, binary base64,
 * structs as objects without their null fields, maps as objects. NaN/Infinity become the strings
 * "NaN"/"Infinity" (Spark writes them as bare tokens, which are not JSON); use {@link writeJson}
 * for Spark's exact text.
 */
export function valueToJson(v: unknown, t: DataType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case "timestamp":
      return timestampToJson(v as number);
    case "date":
      return formatDate(v as number);
    case "binary":
      return (v as Buffer).toString("base64");
    case "float":
    case "double": {
      const d = v as number;
      return Number.isFinite(d) ? d : String(d);
    }
    case "array":
      return (v as unknown[]).map((e) => valueToJson(e, t.elementType));
    case "map": {
      const o: Record<string, unknown> = {};
      for (const [k, e] of v as Map<unknown, unknown>) o[primitiveText(k)] = valueToJson(e, t.valueType);
      return o;
    }
    case "struct": {
      const o: Record<string, unknown> = {};
      const arr = v as unknown[];
      t.fields.forEach((f, i) => {
        const e = arr[i];
        if (e !== null && e !== undefined) o[f.name] = valueToJson(e, f.dataType);
      });
      return o;
    }
    default:
      return v;
  }
}

/** Compiles a writer of engine values of type `t` to Spark's JSON text (to_json, the JSON writer); doubles print as Java does (`1.0`). */
export function compileJsonWriter(t: DataType): (v: unknown) => string {
  switch (t.kind) {
    case "string":
      return (v) => JSON.stringify(v);
    case "double":
      return (v) => doubleToString(v as number);
    case "float":
      return (v) => floatToString(v as number);
    case "byte":
    case "short":
    case "int":
    case "long":
      return (v) => String(v);
    case "boolean":
      return (v) => (v ? "true" : "false");
    case "null":
      return () => "null";
    case "timestamp":
      return (v) => `"${timestampToJson(v as number)}"`;
    case "date":
      return (v) => `"${formatDate(v as number)}"`;
    case "binary":
      return (v) => `"${(v as Buffer).toString("base64")}"`;
    case "array": {
      const el = compileJsonWriter(t.elementType);
      return (v) => `[${(v as unknown[]).map((e) => (e === null ? "null" : el(e))).join(",")}]`;
    }
    case "map": {
      const el = compileJsonWriter(t.valueType);
      return (v) => {
        const parts: string[] = [];
        for (const [k, e] of v as Map<unknown, unknown>) parts.push(`${JSON.stringify(primitiveText(k))}:${e === null ? "null" : el(e)}`);
        return `{${parts.join(",")}}`;
      };
    }
    case "struct": {
      const keys = t.fields.map((f) => `${JSON.stringify(f.name)}:`);
      const ws = t.fields.map((f) => compileJsonWriter(f.dataType));
      return (v) => {
        const arr = v as unknown[];
        let s = "{";
        let first = true;
        for (let i = 0; i < ws.length; i++) {
          const e = arr[i];
          if (e === null || e === undefined) continue;
          s += (first ? "" : ",") + keys[i] + ws[i](e);
          first = false;
        }
        return s + "}";
      };
    }
  }
}

/** Spark's JSON text of a non-null value of type `t` (see {@link compileJsonWriter}). */
export function writeJson(v: unknown, t: DataType): string {
  return compileJsonWriter(t)(v);
}
