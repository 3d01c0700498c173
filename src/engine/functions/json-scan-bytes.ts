/**
 * The from_json fast path over UTF-8 bytes: the scanner of json-scan.ts (same shape, same
 * FALLBACK rule, same scan plan) reading a Kafka value in place, without decoding it to a string
 * first, and a locating variant that only records where chosen fields lie (the workers' fused
 * count). It reads 4 bytes at a time where that pays (docs/benchmarks.md, "Words at a time").
 */
import type { StructType } from "../types.js";
import { MICROS_PER_DAY, MICROS_PER_SECOND, daysFromCivil, daysInMonth, parseTimestampString } from "./datetime-util.js";
import { FALLBACK, K_BOOLEAN, K_DOUBLE, K_FLOAT, K_INT, K_STRING, K_TIMESTAMP, scanPlan } from "./json-scan.js";

/** Set by the scanning helpers: the position after what they read (module scratch, no allocation). */
let end = 0;
/** Set by scanNumberB: the number read (when it returned true). */
let num = 0;

/** Parses the UTF-8 JSON bytes `bytes[start, end)` into a row of the schema, or returns FALLBACK. */
export type JsonBytesScanner = (bytes: Buffer, start: number, end: number) => unknown[] | typeof FALLBACK;

/** Position of the first non-whitespace byte at or after `i`. */
function wsB(b: Buffer, i: number, n: number): number {
  while (i < n) {
    const c = b[i];
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
  return i;
}

/** As stringEnd, over bytes; also -1 for a byte >= 0x80 (non-ASCII text takes the string path). */
function stringEndB(b: Buffer, i: number, n: number): number {
  while (i < n) {
    const c = b[i];
    if (c === 34) return i;
    if (c === 92 || c < 32 || c >= 128) return -1;
    i++;
  }
  return -1;
}

/** As scanNumber, over bytes. */
function scanNumberB(b: Buffer, i: number, n: number): number {
  let neg = false;
  if (i < n && b[i] === 45) {
    neg = true;
    i++;
  }
  if (i >= n) return 0;
  let c = b[i];
  let v = 0;
  let digits = 0;
  if (c === 48) {
    i++;
  } else if (c >= 49 && c <= 57) {
    while (i < n) {
      c = b[i];
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      digits++;
      i++;
    }
  } else return 0;
  let plain = true;
  if (i < n && b[i] === 46) {
    plain = false;
    i++;
    const start = i;
    while (i < n && (c = b[i]) >= 48 && c <= 57) i++;
    if (i === start) return 0;
  }
  if (i < n && ((c = b[i]) === 101 || c === 69)) {
    plain = false;
    i++;
    if (i < n && ((c = b[i]) === 43 || c === 45)) i++;
    const start = i;
    while (i < n && (c = b[i]) >= 48 && c <= 57) i++;
    if (i === start) return 0;
  }
  end = i;
  if (plain && digits <= 15) {
    if (neg && v === 0) return 2;
    num = neg ? -v : v;
    return 1;
  }
  return 2;
}

/**
 * The position after the JSON number at `i` (grammar checked, value not computed), or -1 when
 * there is none: for the values of keys outside the schema.
 */
function skipNumberB(b: Buffer, i: number, n: number): number {
  if (i < n && b[i] === 45) i++;
  if (i >= n) return -1;
  let c = b[i];
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) {
    i++;
    while (i < n && (c = b[i]) >= 48 && c <= 57) i++;
  } else return -1;
  if (i < n && b[i] === 46) {
    const start = ++i;
    while (i < n && (c = b[i]) >= 48 && c <= 57) i++;
    if (i === start) return -1;
  }
  if (i < n && ((c = b[i]) === 101 || c === 69)) {
    i++;
    if (i < n && ((c = b[i]) === 43 || c === 45)) i++;
    const start = i;
    while (i < n && (c = b[i]) >= 48 && c <= 57) i++;
    if (i === start) return -1;
  }
  return i;
}

/** As digitsAt, over bytes. */
function digitsAtB(b: Buffer, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = b[i + k] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** As timestampAt, over ASCII bytes. */
function timestampAtB(b: Buffer, i: number, e: number): number | null {
  if (e - i >= 19 && b[i + 4] === 45 && b[i + 7] === 45 && b[i + 10] === 84 && b[i + 13] === 58 && b[i + 16] === 58) {
    const year = digitsAtB(b, i, 4);
    const month = digitsAtB(b, i + 5, 2);
    const day = digitsAtB(b, i + 8, 2);
    const hour = digitsAtB(b, i + 11, 2);
    const minute = digitsAtB(b, i + 14, 2);
    const second = digitsAtB(b, i + 17, 2);
    let j = i + 19;
    let micros = 0;
    let fraction = 0;
    if (j < e && b[j] === 46) {
      j++;
      for (let d: number; j < e && (d = b[j] - 48) >= 0 && d <= 9; j++) if (++fraction <= 6) micros = micros * 10 + d;
      for (let k = fraction; k < 6; k++) micros *= 10;
    }
    if (j < e && b[j] === 90) j++;
    if (j === e && year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && fraction <= 9) {
      return daysFromCivil(year, month, day) * MICROS_PER_DAY + ((hour * 60 + minute) * 60 + second) * MICROS_PER_SECOND + micros;
    }
  }
  return parseTimestampString(b.toString("latin1", i, e));
}

/** True when `b` has the ASCII literal `lit` at `i` (sets `end`). */
function literalB(b: Buffer, i: number, n: number, lit: string): boolean {
  const m = lit.length;
  if (i + m > n) return false;
  for (let k = 0; k < m; k++) if (b[i + k] !== lit.charCodeAt(k)) return false;
  end = i + m;
  return true;
}

/**
 * 1 for the bytes that end the fast scan of a string's body: the closing quote, a backslash, a
 * control character or a byte >= 0x80 (see stringEndB). One load per byte instead of four
 * comparisons.
 */
const STRING_STOP = new Uint8Array(256).map((_, c) => (c === 34 || c === 92 || c < 32 || c >= 128 ? 1 : 0));

/**
 * The bytes scanner reads 4 bytes at a time where it can (SWAR: the tests of 4 bytes at once
 * in one 32-bit word, little-endian, so the lowest flagged byte is the first): over this
 * machine's JS, one word costs about what one byte's table load does.
 */

/**
 * The position of the first byte of `b[i, n)` that ends a string's fast scan (a quote, a
 * backslash, a control character or a byte >= 0x80: {@link STRING_STOP}), or `n` when none.
 * `dv` views the same bytes as `b`.
 */
function stopAt(b: Buffer, dv: DataView, i: number, n: number): number {
  for (; i + 4 <= n; i += 4) {
    const x = dv.getInt32(i, true);
    const q = x ^ 0x22222222;
    const s = x ^ 0x5c5c5c5c;
    // Per byte, the high bit set for: == '"', == '\\', < 0x20 (exact for the lowest such byte;
    // borrows only flag bytes above it), >= 0x80.
    const t = ((((q - 0x01010101) | 0) & ~q) | (((s - 0x01010101) | 0) & ~s) | (((x - 0x20202020) | 0) & ~x) | x) & 0x80808080;
    if (t !== 0) return i + ((31 - Math.clz32(t & -t)) >> 3);
  }
  for (; i < n; i++) if (STRING_STOP[b[i]] !== 0) return i;
  return n;
}

/** The position of the first byte of `b[i, n)` that is not an ASCII digit, or `n`. */
function digitsEnd(b: Buffer, dv: DataView, i: number, n: number): number {
  for (; i + 4 <= n; i += 4) {
    const x = dv.getInt32(i, true);
    // Every byte in 0x30..0x39: its high nibble is 3, and adding 6 keeps it 3.
    if ((x & 0xf0f0f0f0) !== 0x30303030 || ((x + 0x06060606) & 0xf0f0f0f0) !== 0x30303030) break;
  }
  for (; i < n; i++) {
    const d = b[i];
    if (d < 48 || d > 57) return i;
  }
  return n;
}

/**
 * STRING_HASH, the interner's (and the locator's) hash of a string's bytes `b[s, e)`: over each
 * whole 4-byte word `h = imul(h ^ word, 0x9e3779b1)`, then over each remaining byte
 * `h = imul(h, 31) + byte`, from 0.
 */
function hashRange(b: Buffer, dv: DataView, s: number, e: number): number {
  let h = 0;
  let i = s;
  for (; i + 4 <= e; i += 4) h = Math.imul(h ^ dv.getInt32(i, true), 0x9e3779b1);
  for (; i < e; i++) h = (Math.imul(h, 31) + b[i]) | 0;
  return h;
}

/** The first 4-byte words of `bytes` (little-endian), as {@link sameAt} compares them. */
function wordsOf(bytes: Buffer): Int32Array {
  const out = new Int32Array(bytes.length >> 2);
  for (let k = 0; k < out.length; k++) out[k] = bytes.readInt32LE(k * 4);
  return out;
}

/** True when `b` holds `q` at `i` (`words` = wordsOf(q); the caller checked the bounds). */
function sameAt(b: Buffer, dv: DataView, i: number, q: Buffer, words: Int32Array): boolean {
  const w = words.length;
  for (let k = 0; k < w; k++) if (dv.getInt32(i + k * 4, true) !== words[k]) return false;
  for (let k = w * 4; k < q.length; k++) if (b[i + k] !== q[k]) return false;
  return true;
}

const NO_BYTES: DataView = new DataView(new ArrayBuffer(0));

/** Key positions a bytes scanner remembers the shape of. */
const SHAPE_MAX = 32;
/** How often a bytes scanner learns a key of its shape (then it keeps what it has: records of many shapes take the slower match). */
const SHAPE_CHANGES_MAX = 4096;

/** The row of a locating scan (never filled, never returned). */
const EMPTY_ROW: unknown[] = [];

/** Slots of a string interner (a power of two). */
const INTERN_SLOTS = 512;
/** Values longer than this are never interned. */
const INTERN_LENGTH_MAX = 40;

/**
 * Turns ASCII byte ranges into strings (given the STRING_HASH of their bytes (see hashRange), which the
 * scan computes as it reads them), handing out the same string again for bytes seen recently (low-cardinality fields such as a category then allocate nothing per row); gives up
 * interning when most lookups miss (unique values such as ids).
 */
function interner(): (b: Buffer, s: number, e: number, h: number) => string {
  const strings = new Array<string>(INTERN_SLOTS).fill("");
  // Each slot's hash, length and bytes, so that a hit is checked against bytes, not string characters.
  const hashes = new Int32Array(INTERN_SLOTS);
  const lengths = new Int32Array(INTERN_SLOTS).fill(-1);
  const bytes = new Uint8Array(INTERN_SLOTS * INTERN_LENGTH_MAX);
  let lookups = 0;
  let misses = 0;
  let on = true;
  return (b, s, e, h) => {
    const len = e - s;
    if (!on || len > INTERN_LENGTH_MAX) return b.toString("latin1", s, e);
    // Two slots per value (its own and its neighbour), so that two frequent values whose hashes
    // meet do not evict each other on every row.
    const home = (h ^ (h >>> 15) ^ len) & (INTERN_SLOTS - 1);
    lookups++;
    let slot = home;
    if (hashes[slot] !== h || lengths[slot] !== len) slot ^= 1;
    if (hashes[slot] === h && lengths[slot] === len) {
      const from = slot * INTERN_LENGTH_MAX;
      let k = 0;
      while (k < len && bytes[from + k] === b[s + k]) k++;
      if (k === len) return strings[slot];
    }
    const at = lengths[home] < 0 || lengths[home ^ 1] >= 0 ? home : home ^ 1;
    const base = at * INTERN_LENGTH_MAX;
    const str = b.toString("latin1", s, e);
    strings[at] = str;
    hashes[at] = h;
    lengths[at] = len;
    for (let k = 0; k < len; k++) bytes[base + k] = b[s + k];
    // Hits count too: gives up when most of 4 096+ lookups missed, starts counting afresh every 65 536.
    if (++misses * 2 > lookups && lookups >= 4096) on = false;
    else if (lookups >= 65536) lookups = misses = 0;
    return str;
  };
}

/**
 * The scanner of {@link compileJsonScanner} over the UTF-8 bytes of the text (for
 * `from_json(cast(binary AS STRING))`, skipping the string of the whole value): ASCII text
 * only — any byte >= 0x80, like anything else unusual, returns FALLBACK and the caller decodes
 * the bytes and takes the string path. So a row it returns is the one the string scanner
 * returns for the decoded text.
 */
export function compileJsonBytesScanner(t: StructType, keep?: readonly number[]): JsonBytesScanner | null {
  const scan = bytesScanner(t, keep, null);
  return scan === null ? null : (scan as JsonBytesScanner);
}

/** Returned by a {@link JsonBytesLocator}'s scan when the record's located fields are in its arrays. */
export const LOCATED: unique symbol = Symbol("json-scan located");

/**
 * A scan over a record's UTF-8 JSON bytes that builds no row: it checks the record exactly as
 * {@link compileJsonBytesScanner} does (so it takes the same records, FALLBACK for the others)
 * and, for each located field, leaves the position of its string value's bytes in the arrays:
 * what a group table keyed by those bytes needs (exec/parallel/fused.ts).
 */
export interface JsonBytesLocator {
  /** Scans `bytes[start, end)`: LOCATED (positions set) or FALLBACK (the record needs the general path). */
  readonly scan: (bytes: Buffer, start: number, end: number) => typeof LOCATED | typeof FALLBACK;
  /** Per located field, the position of its value's first byte after the opening quote; -1 when the value is null or missing. */
  readonly starts: Int32Array;
  /** Per located field, the position of its value's closing quote. */
  readonly ends: Int32Array;
  /** Per located field, the hash of its value's bytes (`h = imul(h, 31) + byte` from 0; 0 for null). */
  readonly hashes: Int32Array;
}

/**
 * The locator of the string fields `fields` (positions in the row that {@link
 * compileJsonBytesScanner}`(t, keep)` gives) of a struct schema; null when that scanner does
 * not exist or a field is not a string. A located value is ASCII without escapes: its string
 * is its bytes read as Latin-1, and two values are equal exactly when their bytes are.
 */
export function compileJsonBytesLocator(t: StructType, keep: readonly number[] | undefined, fields: readonly number[]): JsonBytesLocator | null {
  const width = keep === undefined ? t.fields.length : keep.length;
  for (const r of fields) {
    if (!Number.isInteger(r) || r < 0 || r >= width) return null;
    if (t.fields[keep === undefined ? r : keep[r]].dataType.kind !== "string") return null;
  }
  const loc = { starts: new Int32Array(fields.length), ends: new Int32Array(fields.length), hashes: new Int32Array(fields.length), fields };
  const scan = bytesScanner(t, keep, loc);
  if (scan === null) return null;
  return { scan: scan as JsonBytesLocator["scan"], starts: loc.starts, ends: loc.ends, hashes: loc.hashes };
}

/** Where a locating scan leaves its positions, and the row fields it locates. */
interface LocateInto {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly hashes: Int32Array;
  readonly fields: readonly number[];
}

/**
 * The bytes scanner of a schema: with `loc` null it builds rows (compileJsonBytesScanner),
 * else it locates the fields `loc.fields` and builds nothing (compileJsonBytesLocator). One
 * function for both, so that the checks are the same code.
 */
function bytesScanner(t: StructType, keep: readonly number[] | undefined, loc: LocateInto | null): ((b: Buffer, start: number, len: number) => unknown[] | typeof FALLBACK | typeof LOCATED) | null {
  const plan = scanPlan(t, keep);
  if (plan === null) return null;
  const { n, names, kinds, lo, hi, width } = plan;
  // Non-ASCII field names would never match as bytes here.
  if (names.some((name) => [...name].some((ch) => ch.charCodeAt(0) >= 128))) return null;
  const keys = names.map((name) => Buffer.from(name, "latin1"));
  const keyWords = keys.map(wordsOf);
  const keyLengths = Int32Array.from(keys, (k) => k.length);
  const intern = Array.from({ length: n }, () => interner());
  // The shape of the records seen: per key position, the key last read there (its bytes, words
  // and schema field, -1 for none), so that records of one shape match each key, in the schema
  // or not, with one compare. Learned from the records, at most SHAPE_CHANGES_MAX times.
  const shapeKeys = new Array<Buffer>(SHAPE_MAX).fill(Buffer.alloc(0));
  const shapeWords = new Array<Int32Array>(SHAPE_MAX).fill(new Int32Array(0));
  const shapeLengths = new Int32Array(SHAPE_MAX).fill(-1);
  const shapeFields = new Int32Array(SHAPE_MAX);
  let shapeChanges = 0;
  // A DataView of the last buffer scanned (the fetch's, for every record in it; it keeps that
  // buffer alive until the next one, at most as long as the scanner).
  let viewed: Buffer | null = null;
  let dv: DataView = NO_BYTES;
  // Locating: a field's target is its position in loc's arrays (-1: not located, not built).
  const slot = loc === null ? plan.slot : plan.slot.map((r) => (r < 0 ? -1 : loc.fields.indexOf(r)));
  const locating = loc !== null;
  const starts = loc === null ? new Int32Array(0) : loc.starts;
  const ends = loc === null ? new Int32Array(0) : loc.ends;
  const hashes = loc === null ? new Int32Array(0) : loc.hashes;
  const located = starts.length;

  /** True when the key `b[i, e)` is field `f`'s name (lengths first: most keys differ there). */
  const is = (b: Buffer, i: number, e: number, f: number): boolean => {
    if (keyLengths[f] !== e - i) return false;
    const q = keys[f];
    for (let k = 0; i < e; k++, i++) if (b[i] !== q[k]) return false;
    return true;
  };
  /** The schema field whose name is the key `b[i, e)`, trying `guess` first; -1 when none. */
  const matchKey = (b: Buffer, i: number, e: number, guess: number): number => {
    if (guess < n && is(b, i, e, guess)) return guess;
    for (let f = 0; f < n; f++) if (f !== guess && is(b, i, e, f)) return f;
    return -1;
  };

  return (b: Buffer, start: number, len: number): unknown[] | typeof FALLBACK | typeof LOCATED => {
    if (b !== viewed) {
      viewed = b;
      dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    // Whitespace is rare: wsB only when the next byte could be some.
    let i = start;
    if (i < len && b[i] <= 32) i = wsB(b, i, len);
    if (i >= len || b[i] !== 123) return FALLBACK;
    i++;
    if (i < len && b[i] <= 32) i = wsB(b, i, len);
    let row: unknown[] = EMPTY_ROW;
    if (!locating) row = width === 1 ? [null] : new Array<unknown>(width).fill(null);
    else
      for (let p = 0; p < located; p++) {
        starts[p] = -1;
        hashes[p] = 0;
      }
    let seen = 0;
    let guess = 0;
    let position = 0;
    if (i < len && b[i] === 125) {
      i++;
    } else {
      for (;;) {
        if (i >= len || b[i] !== 34) return FALLBACK;
        // The key, read to its closing quote first (an escape or a non-ASCII byte is the
        // general path's), then matched by length and bytes.
        const keyStart = i + 1;
        let keyEnd = -1;
        let f = -1;
        // The key the last records had at this position, with its closing quote (a stored key
        // holds no quote or backslash, so equal bytes are the same key).
        const m = position < SHAPE_MAX ? shapeLengths[position] : -1;
        if (m >= 0 && keyStart + m < len && b[keyStart + m] === 34 && sameAt(b, dv, keyStart, shapeKeys[position], shapeWords[position])) {
          f = shapeFields[position];
          keyEnd = keyStart + m;
        } else {
          // The field expected next (the one after the last matched): its name and closing
          // quote compared in place, so a record in schema order reads each of its keys once.
          if (guess < n) {
            const g = keyLengths[guess];
            if (keyStart + g < len && b[keyStart + g] === 34 && sameAt(b, dv, keyStart, keys[guess], keyWords[guess])) {
              f = guess;
              keyEnd = keyStart + g;
            }
          }
          if (f < 0) {
            keyEnd = stopAt(b, dv, keyStart, len);
            if (keyEnd >= len || b[keyEnd] !== 34) return FALLBACK;
            f = matchKey(b, keyStart, keyEnd, n);
          }
          if (position < SHAPE_MAX && shapeChanges < SHAPE_CHANGES_MAX) {
            shapeChanges++;
            const key = Buffer.from(b.subarray(keyStart, keyEnd));
            shapeKeys[position] = key;
            shapeWords[position] = wordsOf(key);
            shapeLengths[position] = key.length;
            shapeFields[position] = f;
          }
        }
        position++;
        // Whitespace is rare: wsB only when the next byte could be some.
        i = keyEnd + 1;
        if (i < len && b[i] <= 32) i = wsB(b, i, len);
        if (i >= len || b[i] !== 58) return FALLBACK;
        i++;
        if (i < len && b[i] <= 32) i = wsB(b, i, len);
        if (i >= len) return FALLBACK;
        const c = b[i];
        if (f >= 0) {
          const bit = 1 << f;
          if ((seen & bit) !== 0) return FALLBACK;
          seen |= bit;
          guess = f + 1;
          const to = slot[f];
          if (c === 110) {
            if (!literalB(b, i, len, "null")) return FALLBACK;
            i = end;
          } else {
            switch (kinds[f]) {
              case K_STRING: {
                if (c !== 34) return FALLBACK;
                const e = stopAt(b, dv, i + 1, len);
                if (e >= len || b[e] !== 34) return FALLBACK;
                // A field not built needs only its end (no hash).
                if (to >= 0) {
                  const h = hashRange(b, dv, i + 1, e);
                  if (locating) {
                    starts[to] = i + 1;
                    ends[to] = e;
                    hashes[to] = h;
                  } else row[to] = intern[f](b, i + 1, e, h);
                }
                i = e + 1;
                break;
              }
              case K_INT: {
                if (scanNumberB(b, i, len) !== 1 || num < lo[f] || num > hi[f]) return FALLBACK;
                if (to >= 0 && !locating) row[to] = num;
                i = end;
                break;
              }
              case K_DOUBLE:
              case K_FLOAT: {
                const r = scanNumberB(b, i, len);
                if (r === 0) return FALLBACK;
                if (to >= 0 && !locating) {
                  const v = r === 1 ? num : Number(b.toString("latin1", i, end));
                  row[to] = kinds[f] === K_FLOAT ? Math.fround(v) : v;
                }
                i = end;
                break;
              }
              case K_BOOLEAN: {
                let v: boolean;
                if (c === 116 && literalB(b, i, len, "true")) v = true;
                else if (c === 102 && literalB(b, i, len, "false")) v = false;
                else return FALLBACK;
                if (to >= 0 && !locating) row[to] = v;
                i = end;
                break;
              }
              case K_TIMESTAMP: {
                if (c !== 34) return FALLBACK;
                const e = stringEndB(b, i + 1, len);
                if (e < 0) return FALLBACK;
                const us = timestampAtB(b, i + 1, e);
                if (us === null) return FALLBACK;
                if (to >= 0 && !locating) row[to] = us;
                i = e + 1;
                break;
              }
              default:
                return FALLBACK;
            }
          }
        } else if (c === 34) {
          // Another key's string: only its end matters (escapes, control characters and
          // non-ASCII bytes are the general path's, as in a field's value).
          const e = stopAt(b, dv, i + 1, len);
          if (e >= len || b[e] !== 34) return FALLBACK;
          i = e + 1;
        } else if (c === 45 || (c >= 48 && c <= 57)) {
          // A plain integer without a leading zero (the common case) is skipped here; anything
          // else (a sign, a zero, a fraction or an exponent) by skipNumberB from its start.
          let e = i + 1;
          let d = 0;
          if (c >= 49) {
            e = digitsEnd(b, dv, e, len);
            if (e < len) d = b[e];
          }
          if (c < 49 || d === 46 || d === 101 || d === 69) {
            e = skipNumberB(b, i, len);
            if (e < 0) return FALLBACK;
          }
          i = e;
        } else if ((c === 116 && literalB(b, i, len, "true")) || (c === 102 && literalB(b, i, len, "false")) || (c === 110 && literalB(b, i, len, "null"))) {
          i = end;
        } else return FALLBACK;
        if (i < len && b[i] <= 32) i = wsB(b, i, len);
        if (i >= len) return FALLBACK;
        const d = b[i];
        if (d === 44) {
          i++;
          if (i < len && b[i] <= 32) i = wsB(b, i, len);
          continue;
        }
        if (d !== 125) return FALLBACK;
        i++;
        break;
      }
    }
    if (i < len && wsB(b, i, len) !== len) return FALLBACK;
    return locating ? LOCATED : row;
  };
}
