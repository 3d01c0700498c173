/**
 * Spark's implicit type widening (AnsiTypeCoercion.findWiderTypeForTwo, ANSI mode) and the
 * types of JS literal values.
 */
import type { DataType, StructField } from "../types.js";
import {
  BinaryType,
  BooleanType,
  DoubleType,
  IntegerType,
  LongType,
  NullType,
  StringType,
  TimestampType,
  arrayOf,
  isIntegral,
  isNumeric,
  mapOf,
  struct,
} from "../types.js";

const NUMERIC_RANK: Partial<Record<DataType["kind"], number>> = { byte: 1, short: 2, int: 3, long: 4, float: 5, double: 6 };

/** Spark's findTightestCommonType: no precision loss beyond numeric widening, no strings. */
function tightest(a: DataType, b: DataType): DataType | null {
  if (a.kind === b.kind && a.kind !== "array" && a.kind !== "map" && a.kind !== "struct") return a;
  if (a.kind === "null") return b;
  if (b.kind === "null") return a;
  const ra = NUMERIC_RANK[a.kind];
  const rb = NUMERIC_RANK[b.kind];
  if (ra !== undefined && rb !== undefined) return ra >= rb ? a : b;
  if ((a.kind === "date" && b.kind === "timestamp") || (a.kind === "timestamp" && b.kind === "date")) return TimestampType;
  return null;
}

/** Spark's findWiderTypeForString: a string meets another atomic type as that type (integral → bigint). */
function widerForString(a: DataType, b: DataType): DataType | null {
  if (a.kind === "string") {
    if (isIntegral(b)) return LongType;
    if (b.kind === "float" || b.kind === "double") return DoubleType;
    if (b.kind === "null" || b.kind === "string") return StringType;
    if (b.kind === "array" || b.kind === "map" || b.kind === "struct") return null;
    return b;
  }
  if (b.kind === "string") return widerForString(b, a);
  return null;
}

function complex(a: DataType, b: DataType): DataType | null {
  if (a.kind === "array" && b.kind === "array") {
    const e = widerOfTwo(a.elementType, b.elementType);
    return e === null ? null : arrayOf(e, a.containsNull || b.containsNull);
  }
  if (a.kind === "map" && b.kind === "map") {
    const k = widerOfTwo(a.keyType, b.keyType);
    const v = widerOfTwo(a.valueType, b.valueType);
    return k === null || v === null ? null : mapOf(k, v, a.valueContainsNull || b.valueContainsNull);
  }
  if (a.kind === "struct" && b.kind === "struct") {
    if (a.fields.length !== b.fields.length) return null;
    const fields: StructField[] = [];
    for (let i = 0; i < a.fields.length; i++) {
      const fa = a.fields[i];
      const fb = b.fields[i];
      if (fa.name.toLowerCase() !== fb.name.toLowerCase()) return null;
      const t = widerOfTwo(fa.dataType, fb.dataType);
      if (t === null) return null;
      fields.push({ name: fa.name, dataType: t, nullable: fa.nullable || fb.nullable });
    }
    return struct(fields);
  }
  return null;
}

function widerOfTwo(a: DataType, b: DataType): DataType | null {
  return tightest(a, b) ?? widerForString(a, b) ?? complex(a, b);
}

/**
 * The common type of `types` as Spark's ANSI mode widens them (for coalesce, if/case branches,
 * array elements, IN lists, comparisons, unions): the same type; null with T is T; numeric types
 * widen (int + bigint → bigint, int + double → double, bigint + float → float); date + timestamp →
 * timestamp; a string with an integral type → bigint, with float/double → double, with another
 * atomic type → that type; arrays, maps and structs widen element-wise. Null when there is none.
 */
export function commonType(types: readonly DataType[]): DataType | null {
  let acc: DataType = NullType;
  for (const t of types) {
    const w = widerOfTwo(acc, t);
    if (w === null) return null;
    acc = w;
  }
  return acc;
}

/**
 * The Spark type of a JS literal: integers in the int32 range → int, other integers → bigint,
 * other numbers → double, bigint → bigint, strings, booleans, Buffer/Uint8Array → binary, Date →
 * timestamp, arrays → array of their elements' common type (string when there is none), Map →
 * map, null/undefined → the null type. Plain objects become structs of their properties.
 */
export function literalType(value: unknown): DataType {
  if (value === null || value === undefined) return NullType;
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) && !Object.is(value, -0) ? (value >= -2147483648 && value <= 2147483647 ? IntegerType : LongType) : DoubleType;
    case "bigint":
      return LongType;
    case "string":
      return StringType;
    case "boolean":
      return BooleanType;
    default:
      break;
  }
  if (value instanceof Date) return TimestampType;
  if (value instanceof Uint8Array) return BinaryType;
  if (Array.isArray(value)) {
    // An empty array is array<void>, as Spark 4's array(); mixed incompatible elements fall back to string.
    const e = commonType(value.map(literalType)) ?? StringType;
    return arrayOf(e, value.some((v) => v === null || v === undefined));
  }
  if (value instanceof Map) {
    const k = commonType([...value.keys()].map(literalType)) ?? StringType;
    const v = commonType([...value.values()].map(literalType)) ?? StringType;
    return mapOf(k, v);
  }
  if (typeof value === "object") {
    return struct(Object.entries(value as Record<string, unknown>).map(([name, v]) => ({ name, dataType: literalType(v), nullable: true })));
  }
  return StringType;
}

/** True when the numeric type `t` is float or double. */
export function isFractional(t: DataType): boolean {
  return t.kind === "float" || t.kind === "double";
}

/** The wider of two numeric types (for arithmetic); null when either is not numeric. */
export function widerNumeric(a: DataType, b: DataType): DataType | null {
  if (!isNumeric(a) || !isNumeric(b)) return null;
  return tightest(a, b);
}
