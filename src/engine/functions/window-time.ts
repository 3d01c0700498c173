/**
 * Event-time windows (`window(ts, "10 minutes", "5 minutes", "0 seconds")`), session windows
 * (`session_window(ts, "5 minutes")`) and Spark's interval strings. The scalar `window` gives the
 * tumbling window of a timestamp; sliding windows assign a row to several windows, which the
 * engine does by expanding rows with {@link windowsFor}. `session_window` gives a row's own
 * session; aggregations merge them (exec/session-window.ts).
 */
import type { ArgInfo, ScalarFunction } from "../expr/ast.js";
import { TimestampType, struct, type DataType } from "../types.js";
import { WeirError } from "../../util/errors.js";
import { coerceArg, constArg, scalar } from "./define.js";
import { sqlType, unexpectedInputType } from "./errors.js";

const UNIT_MICROS: Record<string, number> = {
  week: 7 * 86_400_000_000,
  day: 86_400_000_000,
  hour: 3_600_000_000,
  minute: 60_000_000,
  second: 1_000_000,
  millisecond: 1000,
  microsecond: 1,
};

const UNIT_ALIASES: Record<string, string> = {
  w: "week",
  d: "day",
  h: "hour",
  hr: "hour",
  hrs: "hour",
  m: "minute",
  min: "minute",
  mins: "minute",
  s: "second",
  sec: "second",
  secs: "second",
  ms: "millisecond",
  msec: "millisecond",
  msecs: "millisecond",
  us: "microsecond",
  usec: "microsecond",
};

function badInterval(text: string, why: string): WeirError {
  return new WeirError(
    "ANALYSIS",
    `[INVALID_INTERVAL_FORMAT] Error parsing ${JSON.stringify(text)} to interval: ${why}. ` +
      `Write a duration such as "10 minutes", "1 hour 30 minutes", "500 milliseconds" (units: week, day, hour, minute, second, millisecond, microsecond).`,
    { details: { text } },
  );
}

/**
 * Parses a Spark interval string into microseconds: one or more `<number> <unit>` pairs, with an
 * optional leading `interval` keyword (`10 minutes`, `1 hour 30 minutes`, `1.5 seconds`,
 * `interval 2 days`). Units are week, day, hour, minute, second, millisecond, microsecond,
 * singular or plural, plus common abbreviations (min, sec, ms). Months and years are rejected,
 * as Spark rejects them for time windows. Throws WeirError("ANALYSIS") with the offending text.
 */
export function parseInterval(text: string): number {
  let s = text.trim().toLowerCase();
  if (s.startsWith("interval")) s = s.slice("interval".length).trim();
  if (s === "") throw badInterval(text, "the interval is empty");
  const re = /^([+-]?\d+(?:\.\d+)?)\s*([a-z]+)\s*/;
  let total = 0;
  while (s.length > 0) {
    const m = re.exec(s);
    if (m === null) throw badInterval(text, `cannot read a "<number> <unit>" pair at ${JSON.stringify(s)}`);
    let unit = m[2];
    if (unit.endsWith("s") && UNIT_MICROS[unit.slice(0, -1)] !== undefined) unit = unit.slice(0, -1);
    unit = UNIT_ALIASES[unit] ?? unit;
    const per = UNIT_MICROS[unit];
    if (per === undefined) {
      if (/^(month|year)s?$/.test(unit)) throw badInterval(text, "months and years are not fixed durations and cannot be used for time windows");
      throw badInterval(text, `unknown unit '${m[2]}'`);
    }
    total += Number(m[1]) * per;
    s = s.slice(m[0].length);
  }
  return Math.round(total);
}

function mod(a: number, b: number): number {
  const r = a % b;
  return r < 0 ? r + b : r;
}

/**
 * The windows `[start, end)` (microseconds) containing `tsMicros`, for windows of `sizeMicros`
 * starting every `slideMicros` with offset `startMicros` — Spark's TimeWindow expansion, latest
 * window first. A tumbling window (slide = size) gives exactly one.
 */
export function windowsFor(tsMicros: number, sizeMicros: number, slideMicros: number, startMicros: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const n = Math.ceil(sizeMicros / slideMicros);
  const lastStart = tsMicros - mod(tsMicros - startMicros, slideMicros);
  for (let i = 0; i < n; i++) {
    const start = lastStart - i * slideMicros;
    const end = start + sizeMicros;
    if (start <= tsMicros && tsMicros < end) out.push([start, end]);
  }
  return out;
}

/** The window struct type: struct<start:timestamp,end:timestamp>. */
export const WINDOW_STRUCT = struct([
  { name: "start", dataType: TimestampType, nullable: true },
  { name: "end", dataType: TimestampType, nullable: true },
]);

/** The constant durations of a window() call: [size, slide, start] in microseconds. */
export function windowDurations(args: readonly ArgInfo[]): [number, number, number] {
  const dur = (i: number, what: string): number => {
    const v = constArg("window", args, i, what);
    if (typeof v === "number") return v;
    if (typeof v !== "string") throw badInterval(String(v), `the ${what} must be an interval string`);
    return parseInterval(v);
  };
  const size = dur(1, "windowDuration");
  const slide = args.length > 2 ? dur(2, "slideDuration") : size;
  const start = args.length > 3 ? dur(3, "startTime") : 0;
  if (size <= 0) throw badInterval(String(args[1].value), "the window duration must be positive");
  if (slide <= 0) throw badInterval(String(args[2]?.value), "the slide duration must be positive");
  if (slide > size) throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH.PARAMETER_CONSTRAINT_VIOLATION] The slide duration (${slide} µs) must be less than or equal to the windowDuration (${size} µs).`);
  if (Math.abs(start) >= slide) throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH.PARAMETER_CONSTRAINT_VIOLATION] The absolute value of the start time (${start} µs) must be less than the slideDuration (${slide} µs).`);
  return [size, slide, start];
}

/**
 * `window(ts, windowDuration[, slideDuration[, startTime]])`: the window struct of `ts`. For a
 * sliding window (slide < size) this gives only the latest window containing `ts`; the engine
 * expands rows into every window with {@link windowsFor}.
 */
const windowFn = scalar({
  name: "window",
  minArgs: 2,
  maxArgs: 4,
  resolve(args) {
    windowDurations(args);
    return { dataType: WINDOW_STRUCT, coerceTo: [coerceArg("window", args, 0, "timestamp")] };
  },
  build(args) {
    const [size, slide, start] = windowDurations(args);
    return (v) => {
      const ts = v[0] as number;
      const s = ts - mod(ts - start, slide);
      return [s, s + size];
    };
  },
});

/** True for the type of a `window(...)` or `session_window(...)` column: struct<start: timestamp, end: timestamp>. */
function isWindowStruct(t: DataType): boolean {
  return t.kind === "struct" && t.fields.length === 2 && t.fields.every((f) => f.dataType.kind === "timestamp") && t.fields[0].name.toLowerCase() === "start" && t.fields[1].name.toLowerCase() === "end";
}

/** A gap in microseconds, or null when the text is not a duration (a per-row gap that does not parse drops its row, as Spark does). */
function gapOf(text: string, cache: Map<string, number | null>): number | null {
  let v = cache.get(text);
  if (v === undefined) {
    try {
      v = parseInterval(text);
    } catch {
      v = null;
    }
    if (cache.size < 1024) cache.set(text, v);
  }
  return v;
}

/**
 * `session_window(timeColumn, gapDuration)`: a row's own session `[t, t + gap)` as
 * struct<start, end>, Spark's SessionWindow before sessions are merged. An aggregation grouped
 * by it merges the sessions of a key that overlap or touch (the analyzer marks it: see
 * `sessionWindow` on the aggregate node), so `end` becomes the last event of the session plus the
 * gap. The time column is a timestamp (strings and dates are cast), or a window struct, whose
 * time is its end minus one microsecond (Spark's window_time). The gap is an interval string,
 * constant (`"5 minutes"`) or per row (a string column or expression). The value is null, and the
 * analyzer's filter drops the row, when the time is null or the gap is null, not a duration, zero
 * or negative, as Spark drops them.
 */
const sessionWindowFn = scalar({
  name: "session_window",
  minArgs: 2,
  maxArgs: 2,
  nullIntolerant: true,
  resolve(args) {
    const t = args[0].dataType;
    let timeTo: DataType | undefined;
    if (!isWindowStruct(t)) {
      if (t.kind !== "timestamp" && t.kind !== "string" && t.kind !== "date" && t.kind !== "null") {
        throw unexpectedInputType("session_window", 0, '("TIMESTAMP" or "STRUCT<start: TIMESTAMP, end: TIMESTAMP>")', t);
      }
      timeTo = coerceArg("session_window", args, 0, "timestamp");
    }
    const g = args[1];
    if (g.dataType.kind !== "string" && g.dataType.kind !== "null") {
      throw new WeirError(
        "ANALYSIS",
        `Gap duration expression used in session window must be CalendarIntervalType (an interval string such as "5 minutes"), but got ${sqlType(g.dataType)}.`,
        { details: { function: "session_window", argument: 1 } },
      );
    }
    // A constant gap that is not a duration is refused here (Spark casts it to null and returns no rows).
    if (g.foldable && typeof g.value === "string") parseInterval(g.value);
    return { dataType: WINDOW_STRUCT, coerceTo: [timeTo, undefined] };
  },
  build(args) {
    const fromStruct = isWindowStruct(args[0].dataType);
    const cache = new Map<string, number | null>();
    const constant = args[1].foldable && typeof args[1].value === "string" ? parseInterval(args[1].value) : undefined;
    return (v) => {
      const t = v[0];
      const g = v[1];
      if (t === null || g === null) return null;
      const time = fromStruct ? (t as number[])[1] - 1 : (t as number);
      const gap = constant ?? gapOf(g as string, cache);
      if (gap === null || gap <= 0) return null;
      return [time, time + gap];
    };
  },
});

/** The window functions of this module. */
export const WINDOW_TIME_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [[windowFn], [sessionWindowFn]];
