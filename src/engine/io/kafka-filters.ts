/**
 * What the Kafka source can learn from a query's filters before reading: which partitions
 * cannot match, offset bounds, and a lower bound on record timestamps. Only conjuncts of the
 * shape `column op literal` (either side) over `partition`, `offset` and `timestamp` are used;
 * anything else is left to the engine, which applies every filter again on the rows.
 */
import type { Expr } from "../expr/ast.js";

/** Bounds for one partition's scan. */
export interface PushedBounds {
  /** First offset that may match. */
  fromOffset: number;
  /** Offset past the last that may match. */
  untilOffset: number;
  /** Records older than this (ms) cannot match; null when unknown. */
  fromTimestampMs: number | null;
}

const FLIP: Readonly<Record<string, string>> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** The literal's value as a number (integers, bigints, Dates as ms), or null. */
function literalNumber(e: Expr): number | null {
  if (e.kind === "cast") return literalNumber(e.child);
  if (e.kind !== "lit") return null;
  const v = e.value;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "bigint" && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(v);
  return null;
}

const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]00:?00)?$/;

/**
 * A timestamp literal in microseconds: a literal typed timestamp (a number of µs), a Date, or a
 * cast of a date-time string to timestamp, read in UTC as the session time zone is.
 */
function literalMicros(e: Expr): number | null {
  if (e.kind === "lit") {
    if (e.value instanceof Date) return e.value.getTime() * 1000;
    if (e.type?.kind === "timestamp" && typeof e.value === "number") return e.value;
    return null;
  }
  if (e.kind === "cast" && e.to.kind === "timestamp" && e.child.kind === "lit") {
    const v = e.child.value;
    if (v instanceof Date) return v.getTime() * 1000;
    if (typeof v !== "string") return null;
    const m = TIMESTAMP_TEXT.exec(v.trim());
    if (m === null) return null;
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
    const fraction = m[7] === undefined ? 0 : Number(m[7].padEnd(6, "0"));
    return Number.isFinite(ms) ? ms * 1000 + fraction : null;
  }
  return null;
}

function columnName(e: Expr): string | null {
  return e.kind === "col" ? e.name.toLowerCase() : null;
}

/** Splits nested `and`s into conjuncts. */
function conjuncts(filters: readonly Expr[]): Expr[] {
  const out: Expr[] = [];
  const walk = (e: Expr): void => {
    if (e.kind === "call" && e.fn.toLowerCase() === "and" && e.args.length === 2) {
      walk(e.args[0]);
      walk(e.args[1]);
    } else {
      out.push(e);
    }
  };
  filters.forEach(walk);
  return out;
}

/**
 * The bounds `filters` put on the scan of `partition`, or null when no row of that partition
 * can match.
 */
export function pushedBounds(filters: readonly Expr[], partition: number): PushedBounds | null {
  const b: PushedBounds = { fromOffset: 0, untilOffset: Number.MAX_SAFE_INTEGER, fromTimestampMs: null };
  for (const f of conjuncts(filters)) {
    if (f.kind !== "call") continue;
    const fn = f.fn.toLowerCase();
    if (fn === "in" && f.args.length >= 2 && columnName(f.args[0]) === "partition") {
      const values = f.args.slice(1).map(literalNumber);
      if (values.every((v) => v !== null) && !values.includes(partition)) return null;
      continue;
    }
    if (FLIP[fn] === undefined || f.args.length !== 2) continue;
    let [l, r] = f.args;
    let op = fn;
    if (columnName(l) === null) {
      [l, r] = [r, l];
      op = FLIP[fn];
    }
    const name = columnName(l);
    if (name === "partition" || name === "offset") {
      const v = literalNumber(r);
      if (v === null) continue;
      if (name === "partition") {
        if (!compare(partition, op, v)) return null;
        continue;
      }
      // offset op v, as a half-open range [lo, hi).
      if (op === "=" || op === ">=" || op === ">") b.fromOffset = Math.max(b.fromOffset, op === ">" ? Math.floor(v) + 1 : Math.ceil(v));
      if (op === "=" || op === "<=" || op === "<") b.untilOffset = Math.min(b.untilOffset, op === "<" ? Math.ceil(v) : Math.floor(v) + 1);
      continue;
    }
    if (name === "timestamp" && (op === ">=" || op === ">" || op === "=")) {
      const micros = literalMicros(r);
      if (micros === null) continue;
      // A record of ms timestamp t has t*1000 µs: t*1000 >= µs ⇔ t >= ceil(µs/1000); > ⇔ t > floor(µs/1000).
      const ms = op === ">" ? Math.floor(micros / 1000) + 1 : Math.ceil(micros / 1000);
      b.fromTimestampMs = Math.max(b.fromTimestampMs ?? 0, Math.max(0, ms));
    }
  }
  return b;
}

function compare(a: number, op: string, b: number): boolean {
  switch (op) {
    case "=":
      return a === b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}
