/**
 * External values (what users pass to createDataFrame and get from collect(): objects, Date,
 * Map, Buffer) ↔ internal values (positional arrays, microseconds, days; see types.ts). Converters
 * are built once per type so the per-row path is a chain of closures, not a type switch.
 */
import { WeirError } from "../../util/errors.js";
import {
  arrayOf,
  BinaryType,
  BooleanType,
  DoubleType,
  field,
  LongType,
  mapOf,
  simpleString,
  StringType,
  struct,
  TimestampType,
  type DataType,
  type Row,
  type StructField,
  type StructType,
} from "../types.js";

const MICROS_PER_MS = 1000;
const MS_PER_DAY = 86_400_000;

/** A converter of one value; null stays null. */
export type Converter = (v: unknown) => unknown;

const identity: Converter = (v) => v;

/** True when values of this type are held the same way internally and externally. */
function isPlain(t: DataType): boolean {
  switch (t.kind) {
    case "timestamp":
    case "date":
    case "struct":
    case "map":
      return false;
    case "array":
      return isPlain(t.elementType);
    default:
      return true;
  }
}

/** Builds the internal → external converter of a type (Date for timestamps, objects for structs). */
export function toExternal(t: DataType): Converter {
  if (isPlain(t)) return identity;
  switch (t.kind) {
    case "timestamp":
      return (v) => (v === null ? null : new Date(Math.floor((v as number) / MICROS_PER_MS)));
    case "date":
      return (v) => (v === null ? null : new Date((v as number) * MS_PER_DAY));
    case "array": {
      const e = toExternal(t.elementType);
      return (v) => (v === null ? null : (v as unknown[]).map((x) => (x === null ? null : e(x))));
    }
    case "map": {
      const k = toExternal(t.keyType);
      const val = toExternal(t.valueType);
      return (v) => {
        if (v === null) return null;
        const out = new Map<unknown, unknown>();
        for (const [a, b] of v as Map<unknown, unknown>) out.set(k(a), b === null ? null : val(b));
        return out;
      };
    }
    case "struct": {
      const row = rowToObject(t);
      return (v) => (v === null ? null : row(v as Row));
    }
    default:
      return identity;
  }
}

/** Builds a converter of internal rows of a schema to objects keyed by column name. */
export function rowToObject(schema: StructType): (row: Row) => Record<string, unknown> {
  const names = schema.fields.map((f) => f.name);
  const convs = schema.fields.map((f) => toExternal(f.dataType));
  const n = names.length;
  return (row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const v = row[i];
      out[names[i]] = v === null || v === undefined ? null : convs[i](v);
    }
    return out;
  };
}

function mismatch(v: unknown, t: DataType, where: string): WeirError {
  const shown = typeof v === "string" ? JSON.stringify(v) : v instanceof Date ? v.toISOString() : String(v);
  return new WeirError(
    "INVALID_ARGUMENT",
    `[FIELD_DATA_TYPE_UNACCEPTABLE] ${where} expects a value of type ${simpleString(t)}, got ${shown} (${v === null ? "null" : typeof v}).`,
    { details: { field: where, type: simpleString(t) } },
  );
}

const INT_RANGES: Partial<Record<DataType["kind"], readonly [number, number]>> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
};

/**
 * Builds the external → internal converter of a type, checking values as Spark's
 * createDataFrame(verifySchema=True) does. `where` names the field in error messages.
 */
export function toInternal(t: DataType, where: string): Converter {
  switch (t.kind) {
    case "string":
      return (v) => {
        if (typeof v !== "string") throw mismatch(v, t, where);
        return v;
      };
    case "boolean":
      return (v) => {
        if (typeof v !== "boolean") throw mismatch(v, t, where);
        return v;
      };
    case "byte":
    case "short":
    case "int": {
      const [lo, hi] = INT_RANGES[t.kind]!;
      return (v) => {
        if (typeof v === "bigint") v = Number(v);
        if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) throw mismatch(v, t, where);
        return v;
      };
    }
    case "long":
      return (v) => {
        if (typeof v === "bigint") return Number(v);
        if (typeof v !== "number" || !Number.isInteger(v)) throw mismatch(v, t, where);
        return v;
      };
    case "float":
    case "double":
      return (v) => {
        if (typeof v === "bigint") return Number(v);
        if (typeof v !== "number") throw mismatch(v, t, where);
        return t.kind === "float" ? Math.fround(v) : v;
      };
    case "binary":
      return (v) => {
        if (Buffer.isBuffer(v)) return v;
        if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        throw mismatch(v, t, where);
      };
    case "timestamp":
      return (v) => {
        if (v instanceof Date) return v.getTime() * MICROS_PER_MS;
        throw mismatch(v, t, where);
      };
    case "date":
      return (v) => {
        if (v instanceof Date) return Math.floor(v.getTime() / MS_PER_DAY);
        throw mismatch(v, t, where);
      };
    case "null":
      return (v) => {
        throw mismatch(v, t, where);
      };
    case "array": {
      const e = toInternal(t.elementType, `${where}[]`);
      return (v) => {
        if (!Array.isArray(v)) throw mismatch(v, t, where);
        return v.map((x) => (x === null || x === undefined ? null : e(x)));
      };
    }
    case "map": {
      const k = toInternal(t.keyType, `${where} key`);
      const val = toInternal(t.valueType, `${where} value`);
      return (v) => {
        const entries = v instanceof Map ? [...(v as Map<unknown, unknown>).entries()] : isPlainObject(v) ? Object.entries(v) : null;
        if (entries === null) throw mismatch(v, t, where);
        const out = new Map<unknown, unknown>();
        for (const [a, b] of entries) out.set(k(a), b === null || b === undefined ? null : val(b));
        return out;
      };
    }
    case "struct": {
      const row = objectToRow(t, where);
      return (v) => row(v);
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Map) && !(v instanceof Uint8Array);
}

/** Builds a converter of external rows (objects keyed by name, or positional arrays) to internal rows. */
export function objectToRow(schema: StructType, where = "row"): (v: unknown) => Row {
  const fields = schema.fields;
  const convs = fields.map((f) => toInternal(f.dataType, where === "row" ? f.name : `${where}.${f.name}`));
  const n = fields.length;
  return (v) => {
    const out: Row = new Array<unknown>(n);
    if (Array.isArray(v)) {
      if (v.length !== n) {
        throw new WeirError("INVALID_ARGUMENT", `[LENGTH_SHOULD_BE_THE_SAME] ${where} has ${v.length} values but the schema has ${n} fields (${fields.map((f) => f.name).join(", ")}).`);
      }
      for (let i = 0; i < n; i++) out[i] = convert(v[i], convs[i], fields[i]);
      return out;
    }
    if (!isPlainObject(v)) throw mismatch(v, schema, where);
    for (let i = 0; i < n; i++) out[i] = convert(lookup(v, fields[i].name), convs[i], fields[i]);
    return out;
  };
}

function convert(v: unknown, conv: Converter, f: StructField): unknown {
  if (v === null || v === undefined) {
    if (!f.nullable) throw new WeirError("INVALID_ARGUMENT", `[FIELD_NOT_NULLABLE] the field ${f.name} is not nullable, but got null.`);
    return null;
  }
  return conv(v);
}

function lookup(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** The type of one external value for schema inference (PySpark's: integers → bigint, floats → double); null when unknown. */
function inferValueType(v: unknown): DataType | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isInteger(v) ? LongType : DoubleType;
  if (typeof v === "bigint") return LongType;
  if (typeof v === "string") return StringType;
  if (typeof v === "boolean") return BooleanType;
  if (v instanceof Date) return TimestampType;
  if (v instanceof Uint8Array) return BinaryType;
  if (Array.isArray(v)) {
    let e: DataType | null = null;
    for (const x of v) e = mergeInferred(e, inferValueType(x));
    return e === null ? null : arrayOf(e);
  }
  if (v instanceof Map) {
    let k: DataType | null = null;
    let val: DataType | null = null;
    for (const [a, b] of v as Map<unknown, unknown>) {
      k = mergeInferred(k, inferValueType(a));
      val = mergeInferred(val, inferValueType(b));
    }
    return k === null || val === null ? null : mapOf(k, val);
  }
  if (isPlainObject(v)) {
    const fields: StructField[] = [];
    for (const [name, x] of Object.entries(v)) {
      const t = inferValueType(x);
      fields.push(field(name, t ?? NULL_MARK));
    }
    return struct(fields);
  }
  return null;
}

/** Placeholder for a not-yet-known field type while inferring (replaced or reported at the end). */
const NULL_MARK: DataType = { kind: "null" };

function mergeInferred(a: DataType | null, b: DataType | null): DataType | null {
  if (a === null || a.kind === "null") return b ?? a;
  if (b === null || b.kind === "null") return a;
  if (a.kind === b.kind) {
    if (a.kind === "array" && b.kind === "array") return arrayOf(mergeInferred(a.elementType, b.elementType) ?? NULL_MARK);
    if (a.kind === "map" && b.kind === "map") return mapOf(mergeInferred(a.keyType, b.keyType) ?? NULL_MARK, mergeInferred(a.valueType, b.valueType) ?? NULL_MARK);
    if (a.kind === "struct" && b.kind === "struct") return mergeStructs(a, b);
    return a;
  }
  if ((a.kind === "long" && b.kind === "double") || (a.kind === "double" && b.kind === "long")) return DoubleType;
  throw new WeirError("INVALID_ARGUMENT", `[CANNOT_MERGE_TYPE] cannot merge the types ${simpleString(a)} and ${simpleString(b)} while inferring the schema; pass a schema.`);
}

function mergeStructs(a: StructType, b: StructType): StructType {
  const fields = [...a.fields];
  for (const f of b.fields) {
    const i = fields.findIndex((x) => x.name === f.name);
    if (i < 0) fields.push(f);
    else fields[i] = field(f.name, mergeInferred(fields[i].dataType, f.dataType) ?? NULL_MARK);
  }
  return struct(fields);
}

function checkKnown(t: DataType, name: string): void {
  if (t.kind === "null") {
    throw new WeirError("INVALID_ARGUMENT", `[CANNOT_DETERMINE_TYPE] cannot determine the type of the field ${name}: every value is null; pass a schema.`);
  }
  if (t.kind === "array") checkKnown(t.elementType, `${name}[]`);
  if (t.kind === "map") {
    checkKnown(t.keyType, `${name} key`);
    checkKnown(t.valueType, `${name} value`);
  }
  if (t.kind === "struct") for (const f of t.fields) checkKnown(f.dataType, `${name}.${f.name}`);
}

/**
 * Infers a schema from external rows as PySpark's createDataFrame does: every row is looked at,
 * field order is first appearance, integers are bigint and fractions double (a field with both
 * becomes double), nested objects are structs. `names` gives the columns of positional rows.
 */
export function inferSchema(rows: readonly unknown[], names?: readonly string[]): StructType {
  let acc: StructType = struct((names ?? []).map((n) => field(n, NULL_MARK)));
  for (const r of rows) {
    if (Array.isArray(r)) {
      if (names === undefined) throw new WeirError("INVALID_ARGUMENT", "rows given as arrays need column names: pass a schema or a list of names.");
      if (r.length !== names.length) throw new WeirError("INVALID_ARGUMENT", `[LENGTH_SHOULD_BE_THE_SAME] a row has ${r.length} values but there are ${names.length} column names.`);
      acc = struct(acc.fields.map((f, i) => field(f.name, mergeInferred(f.dataType, inferValueType(r[i])) ?? NULL_MARK)));
    } else if (isPlainObject(r)) {
      acc = mergeStructs(acc, inferValueType(r) as StructType);
    } else {
      throw new WeirError("INVALID_ARGUMENT", `[CANNOT_INFER_SCHEMA_FOR_TYPE] cannot infer a schema from the row ${String(r)}: rows must be objects or arrays.`);
    }
  }
  for (const f of acc.fields) checkKnown(f.dataType, f.name);
  return acc;
}
