/**
 * Spark's CAST with ANSI semantics (Spark 4 defaults): malformed input and overflow raise
 * CAST_INVALID_INPUT / CAST_OVERFLOW (code EXECUTION); TRY_CAST gives null instead.
 */
import type { DataType } from "../types.js";
import { isNumeric, simpleString } from "../types.js";
import { WeirError } from "../../util/errors.js";
import { MICROS_PER_DAY, MICROS_PER_SECOND, parseDateString, parseTimestampString } from "./datetime-util.js";
import { sqlType } from "./errors.js";
import { sqlValue, valueToString } from "./format.js";
import { LONG_MAX, LONG_MAX_EXCLUSIVE, LONG_MIN } from "./limits.js";

/** Options of {@link buildCast}. */
export interface CastOptions {
  /** ANSI mode (Spark 4's default): invalid input and overflow raise errors. Off: they give null. */
  readonly ansi: boolean;
  /** TRY_CAST: invalid input and overflow give null. */
  readonly tryCast: boolean;
}

type Conv = (v: unknown) => unknown;

const INT_RANGE: Partial<Record<DataType["kind"], readonly [number, number]>> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
  long: [LONG_MIN, LONG_MAX],
};

function invalidInput(v: unknown, from: DataType, to: DataType): WeirError {
  return new WeirError(
    "EXECUTION",
    `[CAST_INVALID_INPUT] The value ${sqlValue(v, from)} of the type ${sqlType(from)} cannot be cast to ${sqlType(to)} because it is malformed. ` +
      "Correct the value as per the syntax, or change its target type. Use `try_cast` to tolerate malformed input and return NULL instead.",
    { details: { value: v, from: simpleString(from), to: simpleString(to) } },
  );
}

function overflow(v: unknown, from: DataType, to: DataType): WeirError {
  return new WeirError(
    "EXECUTION",
    `[CAST_OVERFLOW] The value ${sqlValue(v, from)} of the type ${sqlType(from)} cannot be cast to ${sqlType(to)} due to an overflow. ` +
      "Use `try_cast` to tolerate overflow and return NULL instead.",
    { details: { value: v, from: simpleString(from), to: simpleString(to) } },
  );
}

const TRUE_STRINGS = new Set(["t", "true", "y", "yes", "1"]);
const FALSE_STRINGS = new Set(["f", "false", "n", "no", "0"]);
const INTEGER_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[dDfF]?$/;
const SPECIAL_DOUBLES: Record<string, number> = {
  nan: NaN,
  infinity: Infinity,
  "+infinity": Infinity,
  "-infinity": -Infinity,
  inf: Infinity,
  "+inf": Infinity,
  "-inf": -Infinity,
};

/** Spark trims ASCII whitespace and control characters around strings before parsing them. */
function trimAll(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 32) a++;
  while (b > a && s.charCodeAt(b - 1) <= 32) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Parses a string as Spark's ANSI cast to double does (Java syntax, `NaN`, `Infinity`, `inf`); null when malformed. */
export function parseDouble(s: string): number | null {
  const t = trimAll(s);
  if (DOUBLE_RE.test(t)) return Number(/[dDfF]$/.test(t) ? t.slice(0, -1) : t);
  const special = SPECIAL_DOUBLES[t.toLowerCase()];
  return special === undefined ? null : special;
}

function toIntegral(from: DataType, to: DataType): Conv {
  const [lo, hi] = INT_RANGE[to.kind]!;
  const check = (n: number, v: unknown): number => {
    if (n < lo || n > hi) throw overflow(v, from, to);
    return n;
  };
  switch (from.kind) {
    case "string":
      return (v) => {
        const t = trimAll(v as string);
        if (!INTEGER_RE.test(t)) throw invalidInput(v, from, to);
        const n = Number(t);
        if (n < lo || n > hi) throw invalidInput(v, from, to);
        return n === 0 ? 0 : n;
      };
    case "boolean":
      return (v) => (v ? 1 : 0);
    case "float":
    case "double":
      return (v) => {
        const d = v as number;
        if (!Number.isFinite(d)) throw overflow(v, from, to);
        const n = Math.trunc(d);
        return check(n === 0 ? 0 : n, v);
      };
    case "timestamp":
      return (v) => check(Math.floor((v as number) / MICROS_PER_SECOND), v);
    default:
      if (isNumeric(from)) {
        const [flo, fhi] = INT_RANGE[from.kind]!;
        if (flo >= lo && fhi <= hi) return (v) => v;
        return (v) => check(v as number, v);
      }
      throw new Error(`unreachable cast ${from.kind} → ${to.kind}`);
  }
}

function toFractional(from: DataType, to: DataType): Conv {
  const round = to.kind === "float" ? Math.fround : (n: number): number => n;
  switch (from.kind) {
    case "string":
      return (v) => {
        const n = parseDouble(v as string);
        if (n === null) throw invalidInput(v, from, to);
        return round(n);
      };
    case "boolean":
      return (v) => (v ? 1 : 0);
    case "timestamp":
      return (v) => round((v as number) / MICROS_PER_SECOND);
    default:
      return to.kind === "float" ? (v) => Math.fround(v as number) : (v) => v;
  }
}

function toTimestamp(from: DataType, to: DataType): Conv {
  switch (from.kind) {
    case "string":
      return (v) => {
        const us = parseTimestampString(v as string);
        if (us === null) throw invalidInput(v, from, to);
        return us;
      };
    case "date":
      return (v) => (v as number) * MICROS_PER_DAY;
    case "float":
    case "double":
      return (v) => {
        const d = v as number;
        if (!Number.isFinite(d)) throw overflow(v, from, to);
        return Math.trunc(d * MICROS_PER_SECOND);
      };
    default:
      return (v) => {
        const us = (v as number) * MICROS_PER_SECOND;
        if (us >= LONG_MAX_EXCLUSIVE || us < LONG_MIN) throw overflow(v, from, to);
        return us;
      };
  }
}

function toDate(from: DataType, to: DataType): Conv {
  if (from.kind === "timestamp") return (v) => Math.floor((v as number) / MICROS_PER_DAY);
  return (v) => {
    const d = parseDateString(v as string);
    if (d === null) throw invalidInput(v, from, to);
    return d;
  };
}

function strict(from: DataType, to: DataType, opts: CastOptions): Conv {
  if (from.kind === to.kind && from.kind !== "array" && from.kind !== "map" && from.kind !== "struct") return (v) => v;
  if (from.kind === "null") return () => null;
  switch (to.kind) {
    case "string":
      return (v) => valueToString(v, from);
    case "boolean":
      if (from.kind === "string") {
        return (v) => {
          const t = trimAll(v as string).toLowerCase();
          if (TRUE_STRINGS.has(t)) return true;
          if (FALSE_STRINGS.has(t)) return false;
          throw invalidInput(v, from, to);
        };
      }
      return (v) => v !== 0;
    case "byte":
    case "short":
    case "int":
    case "long":
      return toIntegral(from, to);
    case "float":
    case "double":
      return toFractional(from, to);
    case "timestamp":
      return toTimestamp(from, to);
    case "date":
      return toDate(from, to);
    case "binary":
      return (v) => Buffer.from(v as string, "utf8");
    case "array": {
      if (from.kind !== "array") break;
      const el = buildCast(from.elementType, to.elementType, opts);
      return (v) => (v as unknown[]).map((e) => (e === null ? null : el(e)));
    }
    case "map": {
      if (from.kind !== "map") break;
      const kc = buildCast(from.keyType, to.keyType, opts);
      const vc = buildCast(from.valueType, to.valueType, opts);
      return (v) => {
        const out = new Map<unknown, unknown>();
        for (const [k, e] of v as Map<unknown, unknown>) out.set(kc(k), e === null ? null : vc(e));
        return out;
      };
    }
    case "struct": {
      if (from.kind !== "struct") break;
      const convs = to.fields.map((f, i) => buildCast(from.fields[i].dataType, f.dataType, opts));
      return (v) => convs.map((c, i) => {
        const e = (v as unknown[])[i];
        return e === null || e === undefined ? null : c(e);
      });
    }
    default:
      break;
  }
  throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] cannot cast ${sqlType(from)} to ${sqlType(to)}.`, {
    details: { from: simpleString(from), to: simpleString(to) },
  });
}

/**
 * Builds a converter of non-null values of type `from` (the caller handles null) to type `to`,
 * following Spark's ANSI cast: strings are trimmed and parsed strictly (`'1.5'` is not an INT),
 * doubles truncate toward zero when cast to integers, numbers cast to timestamps are seconds since
 * the epoch, and timestamps cast to numbers give seconds (floored for integers). With `tryCast`
 * (or `ansi` off) a failed conversion gives null instead of raising WeirError("EXECUTION").
 * Throws WeirError("ANALYSIS") for casts Spark does not allow (see {@link canCast}).
 */
export function buildCast(from: DataType, to: DataType, opts: CastOptions): (v: unknown) => unknown {
  if (!canCast(from, to)) {
    throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] cannot cast ${sqlType(from)} to ${sqlType(to)}.`, {
      details: { from: simpleString(from), to: simpleString(to) },
    });
  }
  const conv = strict(from, to, opts);
  if (opts.ansi && !opts.tryCast) return conv;
  return (v) => {
    try {
      return conv(v);
    } catch (e) {
      if (e instanceof WeirError && e.code === "EXECUTION") return null;
      throw e;
    }
  };
}

/**
 * True when Spark's ANSI mode allows CAST(from AS to): anything to string; string to any atomic
 * type; numbers, booleans and numbers to each other; numbers ↔ timestamps (seconds); date ↔
 * timestamp; arrays, maps and structs (same field count) element-wise. Not allowed: numbers ↔
 * dates, booleans ↔ datetimes, numbers ↔ binary, string → array/map/struct.
 */
export function canCast(from: DataType, to: DataType): boolean {
  if (from.kind === "null") return true;
  if (to.kind === "string") return true;
  switch (from.kind) {
    case "string":
      return to.kind !== "array" && to.kind !== "map" && to.kind !== "struct" && to.kind !== "null";
    case "binary":
      return to.kind === "binary";
    case "boolean":
      return to.kind === "boolean" || isNumeric(to);
    case "date":
      return to.kind === "date" || to.kind === "timestamp";
    case "timestamp":
      return to.kind === "timestamp" || to.kind === "date" || isNumeric(to);
    case "array":
      return to.kind === "array" && canCast(from.elementType, to.elementType);
    case "map":
      return to.kind === "map" && canCast(from.keyType, to.keyType) && canCast(from.valueType, to.valueType);
    case "struct":
      return to.kind === "struct" && to.fields.length === from.fields.length && from.fields.every((f, i) => canCast(f.dataType, to.fields[i].dataType));
    default:
      // numeric
      return isNumeric(to) || to.kind === "boolean" || to.kind === "timestamp";
  }
}
