/**
 * A fast path of from_json for flat struct schemas: a hand-written scanner over the JSON text
 * that fills the row directly, without JSON.parse's intermediate object.
 *
 * It only handles the common, unambiguous shape: one object, keys without escapes, each schema
 * field at most once, values that are strings without escapes or control characters (string
 * fields), plain integers of at most 15 digits in range (integral fields), JSON numbers (float
 * and double fields), booleans, null, timestamps as strings (read as the converter reads them:
 * the common `yyyy-MM-ddTHH:mm:ss[.fraction][Z]` in place, other forms by parseTimestampString),
 * and unknown keys with scalar values. Anything else — a
 * backslash anywhere, nested values, duplicate fields, a value that does not fit its field,
 * malformed text, trailing garbage — returns {@link FALLBACK}, and the caller parses the text
 * again with JSON.parse and the full converter, so every edge case (PERMISSIVE / FAILFAST,
 * partial results, Spark's string-of-JSON for non-string values) keeps its exact behaviour.
 *
 * This module holds the scan plan both scanners share and the scanner over JS strings; the one
 * over UTF-8 bytes (Kafka values read in place, the workers' fused count) is json-scan-bytes.ts.
 */
import type { DataType, StructType } from "../types.js";
import { MICROS_PER_DAY, MICROS_PER_SECOND, daysFromCivil, daysInMonth, parseTimestampString } from "./datetime-util.js";

/** Returned by a scanner when the text needs the general path. */
export const FALLBACK: unique symbol = Symbol("json-scan fallback");

/** Parses `text` into a row of the schema, or returns FALLBACK. */
export type JsonScanner = (text: string) => unknown[] | typeof FALLBACK;

// Field kinds of the scanners.
export const K_STRING = 0;
export const K_INT = 1;
export const K_DOUBLE = 2;
export const K_FLOAT = 3;
export const K_BOOLEAN = 4;
/** Any other type: only null is handled here. */
export const K_OTHER = 5;
export const K_TIMESTAMP = 6;

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

/** The number written by the `n` ASCII digits at `i` of `s`, or -1 when one is not a digit. */
function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(i + k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The timestamp (µs) of the text `s[i, e)`, exactly as the converter's parseTimestampString
 * reads it (null when that gives null). The form JSON writers use, `yyyy-MM-ddTHH:mm:ss`, an
 * optional fraction and an optional `Z`, is read in place; any other form, and anything out of
 * range, goes through parseTimestampString itself.
 */
function timestampAt(s: string, i: number, e: number): number | null {
  if (e - i >= 19 && s.charCodeAt(i + 4) === 45 && s.charCodeAt(i + 7) === 45 && s.charCodeAt(i + 10) === 84 && s.charCodeAt(i + 13) === 58 && s.charCodeAt(i + 16) === 58) {
    const year = digitsAt(s, i, 4);
    const month = digitsAt(s, i + 5, 2);
    const day = digitsAt(s, i + 8, 2);
    const hour = digitsAt(s, i + 11, 2);
    const minute = digitsAt(s, i + 14, 2);
    const second = digitsAt(s, i + 17, 2);
    let j = i + 19;
    let micros = 0;
    let fraction = 0;
    if (j < e && s.charCodeAt(j) === 46) {
      j++;
      // parseTimestampString: the first 6 digits, padded with zeros; more than 9 is invalid.
      for (let d: number; j < e && (d = s.charCodeAt(j) - 48) >= 0 && d <= 9; j++) if (++fraction <= 6) micros = micros * 10 + d;
      for (let k = fraction; k < 6; k++) micros *= 10;
    }
    if (j < e && s.charCodeAt(j) === 90) j++;
    if (j === e && year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && fraction <= 9) {
      return daysFromCivil(year, month, day) * MICROS_PER_DAY + ((hour * 60 + minute) * 60 + second) * MICROS_PER_SECOND + micros;
    }
  }
  return parseTimestampString(s.slice(i, e));
}

/** True when `s` has the literal `lit` at `i` (sets `end`). */
function literal(s: string, i: number, lit: string): boolean {
  if (!s.startsWith(lit, i)) return false;
  end = i + lit.length;
  return true;
}

/** What both scanners (this text one and json-scan-bytes.ts) know of a schema. */
export interface ScanPlan {
  readonly n: number;
  readonly names: readonly string[];
  /** Field names with their closing quote, as the scanners match them. */
  readonly quoted: readonly string[];
  readonly kinds: Int8Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  /** The row slot of each schema field, -1 for fields not kept. */
  readonly slot: Int32Array;
  /** Fields per row. */
  readonly width: number;
}

/** The scan plan of a schema, or null when no scan could fill it (see compileJsonScanner). */
export function scanPlan(t: StructType, keep: readonly number[] | undefined): ScanPlan | null {
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
    else if (k === "timestamp") kinds[f] = K_TIMESTAMP;
    else kinds[f] = K_OTHER;
    if (kinds[f] !== K_OTHER) flat++;
  }
  if (flat === 0) return null;
  const slot = new Int32Array(n);
  let width = n;
  if (keep === undefined) for (let f = 0; f < n; f++) slot[f] = f;
  else {
    slot.fill(-1);
    keep.forEach((f, i) => (slot[f] = i));
    width = keep.length;
  }
  return { n, names, quoted, kinds, lo, hi, slot, width };
}

/**
 * Compiles the scanner of a struct schema, or returns null when the schema has no flat field a
 * scan could fill (then JSON.parse is used alone). With `keep` (positions of schema fields,
 * ascending), rows hold only those fields: the others are still checked (a value that would
 * send the full scan to the general path sends this one there too) but not built.
 */
export function compileJsonScanner(t: StructType, keep?: readonly number[]): JsonScanner | null {
  const plan = scanPlan(t, keep);
  if (plan === null) return null;
  const { n, names, quoted, kinds, lo, hi, slot, width } = plan;

  /** True when `s` holds `q` at `i` (a loop: startsWith with a position is a slow builtin call). */
  const at = (s: string, i: number, q: string): boolean => {
    const m = q.length;
    if (i + m > s.length) return false;
    for (let k = 0; k < m; k++) if (s.charCodeAt(i + k) !== q.charCodeAt(k)) return false;
    return true;
  };
  /** The schema field whose name (and closing quote) is at `i`, trying `guess` first; -1 when none. */
  const matchKey = (s: string, i: number, guess: number): number => {
    if (guess < n && at(s, i, quoted[guess])) return guess;
    for (let f = 0; f < n; f++) if (f !== guess && at(s, i, quoted[f])) return f;
    return -1;
  };

  return (s: string): unknown[] | typeof FALLBACK => {
    const len = s.length;
    let i = ws(s, 0, len);
    if (i >= len || s.charCodeAt(i) !== 123) return FALLBACK;
    i = ws(s, i + 1, len);
    const row = new Array<unknown>(width);
    for (let f = 0; f < width; f++) row[f] = null;
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
          const at = slot[f];
          if (c === 110) {
            if (!literal(s, i, "null")) return FALLBACK;
            i = end;
          } else {
            switch (kinds[f]) {
              case K_STRING: {
                if (c !== 34) return FALLBACK;
                const e = stringEnd(s, i + 1, len);
                if (e < 0) return FALLBACK;
                if (at >= 0) row[at] = s.slice(i + 1, e);
                i = e + 1;
                break;
              }
              case K_INT: {
                if (scanNumber(s, i, len) !== 1 || num < lo[f] || num > hi[f]) return FALLBACK;
                if (at >= 0) row[at] = num;
                i = end;
                break;
              }
              case K_DOUBLE:
              case K_FLOAT: {
                const r = scanNumber(s, i, len);
                if (r === 0) return FALLBACK;
                if (at >= 0) {
                  const v = r === 1 ? num : Number(s.slice(i, end));
                  row[at] = kinds[f] === K_FLOAT ? Math.fround(v) : v;
                }
                i = end;
                break;
              }
              case K_BOOLEAN: {
                let b: boolean;
                if (c === 116 && literal(s, i, "true")) b = true;
                else if (c === 102 && literal(s, i, "false")) b = false;
                else return FALLBACK;
                if (at >= 0) row[at] = b;
                i = end;
                break;
              }
              case K_TIMESTAMP: {
                // A string only (a number of seconds is the general path's); one that is not a
                // timestamp is the general path's to judge (malformed or partial).
                if (c !== 34) return FALLBACK;
                const e = stringEnd(s, i + 1, len);
                if (e < 0) return FALLBACK;
                const us = timestampAt(s, i + 1, e);
                if (us === null) return FALLBACK;
                if (at >= 0) row[at] = us;
                i = e + 1;
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
