/**
 * A fast path of from_json for flat struct schemas: a hand-written scanner over the JSON text
 * that fills the row directly, without JSON.parse's intermediate object.
 *
 * It only handles the common, unambiguous shape: one object, keys without escapes, each schema
 * field at most once, values that are strings without escapes or control characters (string
 * fields), plain integers of at most 15 digits in range (integral fields), JSON numbers (float
 * and double fields), booleans, null, and unknown keys with scalar values. Anything else — a
 * backslash anywhere, nested values, duplicate fields, a value that does not fit its field,
 * malformed text, trailing garbage — returns {@link FALLBACK}, and the caller parses the text
 * again with JSON.parse and the full converter, so every edge case (PERMISSIVE / FAILFAST,
 * partial results, Spark's string-of-JSON for non-string values) keeps its exact behaviour.
 */
import type { DataType, StructType } from "../types.js";

/** Returned by a scanner when the text needs the general path. */
export const FALLBACK: unique symbol = Symbol("json-scan fallback");

/** Parses `text` into a row of the schema, or returns FALLBACK. */
export type JsonScanner = (text: string) => unknown[] | typeof FALLBACK;

// Field kinds of the scanner.
const K_STRING = 0;
const K_INT = 1;
const K_DOUBLE = 2;
const K_FLOAT = 3;
const K_BOOLEAN = 4;
/** Any other type: only null is handled here. */
const K_OTHER = 5;

const INT_BOUNDS: Partial<Record<DataType["kind"], readonly [number, number]>> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
  // Longs beyond 15 digits fall back anyway, so ±(10^15 - 1) is the whole fast range.
  long: [-999_999_999_999_999, 999_999_999_999_999],
};

/** Set by the scanning helpers: the position after what they read (module scratch, no allocation). */
let end = 0;
/** Set by scanNumber: the number read (when it returned true). */
let num = 0;

/** Position of the first non-whitespace character at or after `i` (JSON whitespace only). */
function ws(s: string, i: number, n: number): number {
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
  return i;
}

/**
 * Scans a string body starting after its opening quote; returns the position of the closing
 * quote, or -1 for an escape, a control character or no closing quote.
 */
function stringEnd(s: string, i: number, n: number): number {
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 34) return i;
    if (c === 92 || c < 32) return -1;
    i++;
  }
  return -1;
}

/**
 * Scans a JSON number at `i` (grammar checked); sets `end`, and `num` when `exactInt` holds and
 * the number is a plain integer of at most 15 digits. Returns 0 when invalid, 1 for a plain
 * small integer (num set), 2 for any other valid number (num not set).
 */
function scanNumber(s: string, i: number, n: number): number {
  let neg = false;
  if (i < n && s.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  if (i >= n) return 0;
  let c = s.charCodeAt(i);
  let v = 0;
  let digits = 0;
  if (c === 48) {
    i++;
  } else if (c >= 49 && c <= 57) {
    while (i < n) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      digits++;
      i++;
    }
  } else return 0;
  let plain = true;
  if (i < n && s.charCodeAt(i) === 46) {
    plain = false;
    i++;
    const start = i;
    while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === start) return 0;
  }
  if (i < n && ((c = s.charCodeAt(i)) === 101 || c === 69)) {
    plain = false;
    i++;
    if (i < n && ((c = s.charCodeAt(i)) === 43 || c === 45)) i++;
    const start = i;
    while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === start) return 0;
  }
  end = i;
  if (plain && digits <= 15) {
    // -0 is a double -0 in JSON.parse; keep it for the general path.
    if (neg && v === 0) return 2;
    num = neg ? -v : v;
    return 1;
  }
  return 2;
}

/** True when `s` has the literal `lit` at `i` (sets `end`). */
function literal(s: string, i: number, lit: string): boolean {
  if (!s.startsWith(lit, i)) return false;
  end = i + lit.length;
  return true;
}

/**
 * Compiles the scanner of a struct schema, or returns null when the schema has no flat field a
 * scan could fill (then JSON.parse is used alone).
 */
export function compileJsonScanner(t: StructType): JsonScanner | null {
  const n = t.fields.length;
  if (n === 0 || n > 31) return null;
  const names = t.fields.map((f) => f.name);
  // Field names the scanner must match exactly, including the closing quote.
  const quoted = names.map((name) => `${name}"`);
  // Names that need JSON escaping cannot be matched without unescaping: leave them to JSON.parse.
  if (names.some((name) => JSON.stringify(name) !== `"${name}"`)) return null;
  // Duplicate schema names: which one JSON.parse's object fills is not the scanner's business.
  if (new Set(names).size !== n) return null;
  const kinds = new Int8Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  let flat = 0;
  for (let f = 0; f < n; f++) {
    const k = t.fields[f].dataType.kind;
    const b = INT_BOUNDS[k];
    if (k === "string") kinds[f] = K_STRING;
    else if (b !== undefined) {
      kinds[f] = K_INT;
      lo[f] = b[0];
      hi[f] = b[1];
    } else if (k === "double") kinds[f] = K_DOUBLE;
    else if (k === "float") kinds[f] = K_FLOAT;
    else if (k === "boolean") kinds[f] = K_BOOLEAN;
    else kinds[f] = K_OTHER;
    if (kinds[f] !== K_OTHER) flat++;
  }
  if (flat === 0) return null;

  /** The schema field whose name (and closing quote) is at `i`, trying `guess` first; -1 when none. */
  const matchKey = (s: string, i: number, guess: number): number => {
    if (guess < n && s.startsWith(quoted[guess], i)) return guess;
    for (let f = 0; f < n; f++) if (f !== guess && s.startsWith(quoted[f], i)) return f;
    return -1;
  };

  return (s: string): unknown[] | typeof FALLBACK => {
    const len = s.length;
    let i = ws(s, 0, len);
    if (i >= len || s.charCodeAt(i) !== 123) return FALLBACK;
    i = ws(s, i + 1, len);
    const row = new Array<unknown>(n);
    for (let f = 0; f < n; f++) row[f] = null;
    let seen = 0;
    let guess = 0;
    if (i < len && s.charCodeAt(i) === 125) {
      i++;
    } else {
      for (;;) {
        // Key.
        if (i >= len || s.charCodeAt(i) !== 34) return FALLBACK;
        const keyStart = i + 1;
        const f = matchKey(s, keyStart, guess);
        // A matched name has no escapes, quotes or control characters, and matchKey checked the
        // closing quote after it; other keys are scanned (and checked) to their end.
        const keyEnd = f >= 0 ? keyStart + names[f].length : stringEnd(s, keyStart, len);
        if (keyEnd < 0) return FALLBACK;
        i = ws(s, keyEnd + 1, len);
        if (i >= len || s.charCodeAt(i) !== 58) return FALLBACK;
        i = ws(s, i + 1, len);
        if (i >= len) return FALLBACK;
        const c = s.charCodeAt(i);
        // Value.
        if (f >= 0) {
          const bit = 1 << f;
          if ((seen & bit) !== 0) return FALLBACK;
          seen |= bit;
          guess = f + 1;
          if (c === 110) {
            if (!literal(s, i, "null")) return FALLBACK;
            i = end;
          } else {
            switch (kinds[f]) {
              case K_STRING: {
                if (c !== 34) return FALLBACK;
                const e = stringEnd(s, i + 1, len);
                if (e < 0) return FALLBACK;
                row[f] = s.slice(i + 1, e);
                i = e + 1;
                break;
              }
              case K_INT: {
                if (scanNumber(s, i, len) !== 1 || num < lo[f] || num > hi[f]) return FALLBACK;
                row[f] = num;
                i = end;
                break;
              }
              case K_DOUBLE:
              case K_FLOAT: {
                const r = scanNumber(s, i, len);
                if (r === 0) return FALLBACK;
                const v = r === 1 ? num : Number(s.slice(i, end));
                row[f] = kinds[f] === K_FLOAT ? Math.fround(v) : v;
                i = end;
                break;
              }
              case K_BOOLEAN: {
                if (c === 116 && literal(s, i, "true")) row[f] = true;
                else if (c === 102 && literal(s, i, "false")) row[f] = false;
                else return FALLBACK;
                i = end;
                break;
              }
              default:
                return FALLBACK;
            }
          }
        } else if (c === 34) {
          const e = stringEnd(s, i + 1, len);
          if (e < 0) return FALLBACK;
          i = e + 1;
        } else if (c === 45 || (c >= 48 && c <= 57)) {
          if (scanNumber(s, i, len) === 0) return FALLBACK;
          i = end;
        } else if ((c === 116 && literal(s, i, "true")) || (c === 102 && literal(s, i, "false")) || (c === 110 && literal(s, i, "null"))) {
          i = end;
        } else return FALLBACK;
        i = ws(s, i, len);
        if (i >= len) return FALLBACK;
        const d = s.charCodeAt(i);
        if (d === 44) {
          i = ws(s, i + 1, len);
          continue;
        }
        if (d !== 125) return FALLBACK;
        i++;
        break;
      }
    }
    if (ws(s, i, len) !== len) return FALLBACK;
    return row;
  };
}
