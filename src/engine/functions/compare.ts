/**
 * Ordering and equality of engine values per type, as Spark defines them: NaN equals NaN and
 * sorts above every other number; strings compare by code point (UTF-8 byte order); booleans
 * false < true; arrays and structs lexicographically with nulls first.
 */
import type { DataType } from "../types.js";

/** A comparator of two non-null values. */
export type Comparator = (a: unknown, b: unknown) => number;

function compareNumbers(a: unknown, b: unknown): number {
  const x = a as number;
  const y = b as number;
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  // At least one NaN: NaN is the largest value and equal to itself.
  const xn = Number.isNaN(x);
  const yn = Number.isNaN(y);
  return xn === yn ? 0 : xn ? 1 : -1;
}

/** Compares strings by Unicode code point, as Spark's UTF-8 byte comparison does. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      // Surrogates (code points above U+FFFF) sort after every BMP character in UTF-8 order.
      const sa = ca >= 0xd800 && ca <= 0xdfff;
      const sb = cb >= 0xd800 && cb <= 0xdfff;
      if (sa !== sb) return sa ? 1 : -1;
      return ca < cb ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** The comparator for non-null values of type `t`. */
export function comparatorFor(t: DataType): Comparator {
  switch (t.kind) {
    case "string":
      return (a, b) => compareStrings(a as string, b as string);
    case "boolean":
      return (a, b) => (a === b ? 0 : a ? 1 : -1);
    case "binary":
      return (a, b) => Buffer.compare(a as Buffer, b as Buffer);
    case "array": {
      const el = comparatorFor(t.elementType);
      return (a, b) => {
        const x = a as unknown[];
        const y = b as unknown[];
        const n = Math.min(x.length, y.length);
        for (let i = 0; i < n; i++) {
          const c = compareNullable(el, x[i], y[i]);
          if (c !== 0) return c;
        }
        return x.length - y.length;
      };
    }
    case "struct": {
      const cs = t.fields.map((f) => comparatorFor(f.dataType));
      return (a, b) => {
        const x = a as unknown[];
        const y = b as unknown[];
        for (let i = 0; i < cs.length; i++) {
          const c = compareNullable(cs[i], x[i], y[i]);
          if (c !== 0) return c;
        }
        return 0;
      };
    }
    case "map":
      return (a, b) => (equalsFor(t)(a, b) ? 0 : (a as Map<unknown, unknown>).size - (b as Map<unknown, unknown>).size || 1);
    default:
      return compareNumbers;
  }
}

function compareNullable(c: Comparator, a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  return c(a, b);
}

/** Equality of non-null values of type `t` (NaN = NaN, deep for nested types). */
export function equalsFor(t: DataType): (a: unknown, b: unknown) => boolean {
  switch (t.kind) {
    case "string":
    case "boolean":
    case "byte":
    case "short":
    case "int":
    case "long":
    case "date":
    case "timestamp":
      return (a, b) => a === b;
    case "float":
    case "double":
      return (a, b) => a === b || (Number.isNaN(a) && Number.isNaN(b));
    case "binary":
      return (a, b) => (a as Buffer).equals(b as Buffer);
    case "map": {
      const ve = equalsFor(t.valueType);
      return (a, b) => {
        const x = a as Map<unknown, unknown>;
        const y = b as Map<unknown, unknown>;
        if (x.size !== y.size) return false;
        for (const [k, v] of x) {
          if (!y.has(k)) return false;
          const w = y.get(k);
          if (v === null || w === null ? v !== w : !ve(v, w)) return false;
        }
        return true;
      };
    }
    default: {
      const c = comparatorFor(t);
      return (a, b) => c(a, b) === 0;
    }
  }
}

/** A string key identifying a value for hashing (distinct, collect_set, HyperLogLog). */
export function valueKey(v: unknown): string {
  if (v === null || v === undefined) return "\u0000n";
  switch (typeof v) {
    case "string":
      return "s" + v;
    case "number":
      return Object.is(v, -0) ? "d0" : "d" + String(v);
    case "boolean":
      return v ? "bT" : "bF";
    case "bigint":
      return "d" + v.toString();
    default:
      break;
  }
  if (Buffer.isBuffer(v)) return "x" + v.toString("hex");
  if (Array.isArray(v)) return "[" + v.map(valueKey).join("\u0001") + "]";
  if (v instanceof Map) return "{" + [...v].map(([k, x]) => valueKey(k) + "\u0002" + valueKey(x)).join("\u0001") + "}";
  return "o" + (JSON.stringify(v) ?? "");
}
