/**
 * Grouping and join keys, and sort order. A key is turned into a value a JS Map compares the way
 * Spark compares the key (Map's SameValueZero already treats NaN as NaN and -0 as 0, as Spark's
 * normalisation does); binary and nested values become canonical strings. Comparators follow
 * Spark's ordering: NaN above every number, nulls first or last as the sort key says.
 */
import type { DataType, Row } from "../types.js";
import type { SortKey } from "../plan/expressions.js";
import { compile, type Evaluator } from "./bind.js";

/** How a key value of this type becomes a Map key; null when the value itself serves. */
export function keyNormalizer(t: DataType): ((v: unknown) => unknown) | null {
  switch (t.kind) {
    case "binary":
      return (v) => (v === null ? null : (v as Buffer).toString("latin1"));
    case "array":
    case "map":
    case "struct": {
      const encode = canonicalEncoder(t);
      return (v) => (v === null ? null : encode(v));
    }
    default:
      return null;
  }
}

/**
 * The canonical string of a nested value, built for its type: the same string as
 * {@link canonical} (state stores keep keys in this form, so it must never change), without
 * JSON.stringify's replacer calls, which cost more than the rest of a grouping. Maps and binary
 * values, rare in keys, take the generic path.
 */
export function canonicalEncoder(t: DataType): (v: unknown) => string {
  switch (t.kind) {
    case "string":
      return (v) => (v === null || v === undefined ? "null" : JSON.stringify(v));
    case "boolean":
      return (v) => (v === null || v === undefined ? "null" : v ? "true" : "false");
    case "byte":
    case "short":
    case "int":
    case "long":
    case "float":
    case "double":
    case "date":
    case "timestamp":
      // JSON writes a finite number as Number#toString does; canonical writes the others as strings.
      return (v) => {
        if (v === null || v === undefined) return "null";
        const n = v as number;
        return Number.isFinite(n) ? String(n) : `"${String(n)}"`;
      };
    case "null":
      return () => "null";
    case "struct": {
      const fields = t.fields.map((f) => canonicalEncoder(f.dataType));
      return (v) => {
        if (v === null || v === undefined) return "null";
        const a = v as unknown[];
        // A struct value holds one value per field; anything else is encoded as canonical would.
        if (a.length !== fields.length) return canonical(a);
        let s = "[";
        for (let i = 0; i < fields.length; i++) s += (i === 0 ? "" : ",") + fields[i](a[i]);
        return s + "]";
      };
    }
    case "array": {
      const element = canonicalEncoder(t.elementType);
      return (v) => {
        if (v === null || v === undefined) return "null";
        const a = v as unknown[];
        let s = "[";
        for (let i = 0; i < a.length; i++) s += (i === 0 ? "" : ",") + element(a[i]);
        return s + "]";
      };
    }
    default:
      return (v) => canonical(v);
  }
}

/**
 * The canonical string of any value: JSON, with Maps as `{"m":[[k,v],...]}`, non-finite numbers
 * as strings and Buffers as `{"b":[bytes]}`.
 */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x instanceof Map) return { m: [...x.entries()] };
    if (typeof x === "number" && !Number.isFinite(x)) return String(x);
    if (x !== null && typeof x === "object" && (x as { type?: string }).type === "Buffer") return { b: (x as { data: number[] }).data };
    return x;
  });
}

function part(v: unknown): string {
  if (v === null) return "\u0000";
  if (typeof v === "string") return `s${v.length}:${v}`;
  return typeof v === "number" && Object.is(v, -0) ? "0" : (v as number | boolean).toString();
}

/**
 * Builds the key function of a list of expressions over rows laid out as `input`. The key is
 * null when any part is null and `nullMatches` is false (join keys: null never equals null).
 */
export function keyFunction(exprs: readonly { readonly dataType: DataType }[], evaluators: readonly Evaluator[], nullIsKey: boolean): (row: Row) => unknown {
  const norms = exprs.map((e) => keyNormalizer(e.dataType));
  if (evaluators.length === 1) {
    const f = evaluators[0];
    const norm = norms[0];
    if (nullIsKey) return norm === null ? f : (row) => norm(f(row));
    // A null join key can never match: `undefined` marks it.
    return norm === null ? (row) => f(row) ?? undefined : (row) => norm(f(row)) ?? undefined;
  }
  const n = evaluators.length;
  return (row) => {
    let s = "";
    for (let i = 0; i < n; i++) {
      let v = evaluators[i](row);
      if (v === null && !nullIsKey) return undefined;
      const norm = norms[i];
      if (norm !== null) v = norm(v);
      s += part(v) + "\u0001";
    }
    return s;
  };
}

/** A UTF-16 unit remapped so that surrogates (characters above U+FFFF) sort after U+E000..U+FFFF. */
function codePointRank(u: number): number {
  return u >= 0xe000 ? u - 0x800 : u >= 0xd800 ? u + 0x2000 : u;
}

/**
 * Spark's string order: by UTF-8 bytes, which is code-point order. JS's `<` compares UTF-16
 * units, which differs when a character above U+FFFF meets one in U+E000..U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < 0xd800 && y < 0xd800 ? x - y : codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Orders two non-null values of a type as Spark does. */
export function valueComparator(t: DataType): (a: unknown, b: unknown) => number {
  switch (t.kind) {
    case "byte":
    case "short":
    case "int":
    case "long":
    case "date":
    case "timestamp":
      return (a, b) => (a as number) - (b as number);
    case "float":
    case "double":
      return (a, b) => {
        const x = a as number;
        const y = b as number;
        if (x < y) return -1;
        if (x > y) return 1;
        if (x === y) return 0;
        return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
      };
    case "string":
      return (a, b) => compareStrings(a as string, b as string);
    case "boolean":
      return (a, b) => (a === b ? 0 : a === false ? -1 : 1);
    case "binary":
      return (a, b) => Buffer.compare(a as Buffer, b as Buffer);
    case "array": {
      const el = valueComparator(t.elementType);
      return (a, b) => {
        const x = a as unknown[];
        const y = b as unknown[];
        const n = Math.min(x.length, y.length);
        for (let i = 0; i < n; i++) {
          const c = nullsFirst(x[i], y[i], el);
          if (c !== 0) return c;
        }
        return x.length - y.length;
      };
    }
    case "struct": {
      const fs = t.fields.map((f) => valueComparator(f.dataType));
      return (a, b) => {
        for (let i = 0; i < fs.length; i++) {
          const c = nullsFirst((a as unknown[])[i], (b as unknown[])[i], fs[i]);
          if (c !== 0) return c;
        }
        return 0;
      };
    }
    default:
      return () => 0;
  }
}

function nullsFirst(a: unknown, b: unknown, cmp: (a: unknown, b: unknown) => number): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  return cmp(a, b);
}

/** A comparator of rows by sort keys (expressions compiled against `input`). */
export function rowComparator(keys: readonly SortKey[], input: ReadonlyMap<number, number>): (a: Row, b: Row) => number {
  const parts = keys.map((k) => ({ f: compile(k.expr, input), cmp: valueComparator(k.expr.dataType), asc: k.ascending, nullsFirst: k.nullsFirst }));
  return (a, b) => {
    for (const p of parts) {
      const x = p.f(a);
      const y = p.f(b);
      let c: number;
      if (x === null) c = y === null ? 0 : p.nullsFirst ? -1 : 1;
      else if (y === null) c = p.nullsFirst ? 1 : -1;
      else c = p.asc ? p.cmp(x, y) : -p.cmp(x, y);
      if (c !== 0) return c;
    }
    return 0;
  };
}
