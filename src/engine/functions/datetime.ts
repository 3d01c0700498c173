/**
 * Date and time functions. Timestamps are microseconds since the epoch, dates days since the
 * epoch, the session time zone is UTC. Parsing with a pattern under ANSI mode raises
 * CANNOT_PARSE_TIMESTAMP for text that does not match (the try_ variants give null).
 */
import type { ArgInfo, ScalarFunction } from "../expr/ast.js";
import type { DataType } from "../types.js";
import { DateType, IntegerType, LongType, StringType, TimestampType, isNumeric } from "../types.js";
import { WeirError } from "../../util/errors.js";
import { buildCast } from "./cast.js";
import {
  MICROS_PER_DAY,
  MICROS_PER_SECOND,
  civilFromDays,
  compileFormatter,
  compileParser,
  dayOfYear,
  daysFromCivil,
  daysInMonth,
  isoDayOfWeek,
  microsToParts,
} from "./datetime-util.js";
import { coerceArg, foldedString, memo1, scalar } from "./define.js";
import { unexpectedInputType } from "./errors.js";

const DEFAULT_FORMAT = "yyyy-MM-dd HH:mm:ss";

function cannotParse(text: string, pattern: string, tryFn: string): WeirError {
  return new WeirError(
    "EXECUTION",
    `[CANNOT_PARSE_TIMESTAMP] Text '${text}' could not be parsed with the pattern '${pattern}'. Use \`${tryFn}\` to tolerate invalid input string and return NULL instead.`,
    { details: { text, pattern } },
  );
}

/** A pattern-compiling evaluator: constant patterns are compiled once, others cached per pattern. */
function patternArg<T>(args: readonly ArgInfo[], i: number, dflt: string, compile: (p: string) => T): (v: unknown[]) => T {
  if (i >= args.length) {
    const c = compile(dflt);
    return () => c;
  }
  const folded = foldedString(args, i);
  if (typeof folded === "string") {
    const c = compile(folded);
    return () => c;
  }
  const get = memo1(compile);
  return (v) => get(v[i] as string);
}

/** to_timestamp / to_date / unix_timestamp's shared "value to microseconds" step. */
function parseToMicros(name: string, tryFn: string, strict: boolean, args: readonly ArgInfo[], defaultPattern: string | null): (v: unknown[]) => number | null {
  const t = args[0].dataType;
  if (t.kind === "timestamp") return (v) => v[0] as number;
  if (t.kind === "date") return (v) => (v[0] as number) * MICROS_PER_DAY;
  if (isNumeric(t)) {
    const c = buildCast(t, TimestampType, { ansi: true, tryCast: !strict });
    return (v) => c(v[0]) as number | null;
  }
  if (args.length < 2 && defaultPattern === null) {
    const c = buildCast(StringType, TimestampType, { ansi: true, tryCast: !strict });
    return (v) => c(v[0]) as number | null;
  }
  const parser = patternArg(args, 1, defaultPattern ?? DEFAULT_FORMAT, (p) => ({ p, parse: compileParser(p) }));
  void name;
  return (v) => {
    const { p, parse } = parser(v);
    const s = v[0] as string;
    const us = parse(s);
    if (us === null && strict) throw cannotParse(s, p, tryFn);
    return us;
  };
}

function firstArgCoercion(name: string, args: readonly ArgInfo[]): DataType | undefined {
  const t = args[0].dataType;
  if (t.kind === "timestamp" || t.kind === "date" || t.kind === "string" || isNumeric(t)) return undefined;
  if (t.kind === "null") return StringType;
  throw unexpectedInputType(name, 0, '("STRING" or "DATE" or "TIMESTAMP" or "NUMERIC")', t);
}

function toTimestamp(name: string, strict: boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    maxArgs: 2,
    resolve(args) {
      return { dataType: TimestampType, coerceTo: [firstArgCoercion(name, args), args.length > 1 ? coerceArg(name, args, 1, "string") : undefined] };
    },
    build(args) {
      const f = parseToMicros(name, "try_to_timestamp", strict, args, null);
      return (v) => f(v);
    },
  });
}

function toDate(name: string, strict: boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    maxArgs: 2,
    resolve(args) {
      return { dataType: DateType, coerceTo: [firstArgCoercion(name, args), args.length > 1 ? coerceArg(name, args, 1, "string") : undefined] };
    },
    build(args) {
      if (args[0].dataType.kind === "string" && args.length < 2) {
        const c = buildCast(StringType, DateType, { ansi: true, tryCast: !strict });
        return (v) => c(v[0]);
      }
      const f = parseToMicros(name, "try_to_date", strict, args, null);
      return (v) => {
        const us = f(v);
        return us === null ? null : Math.floor(us / MICROS_PER_DAY);
      };
    },
  });
}

function unixTimestamp(name: string): ScalarFunction {
  return scalar({
    name,
    minArgs: name === "unix_timestamp" ? 0 : 1,
    maxArgs: 2,
    nondeterministic: false,
    resolve(args) {
      if (args.length === 0) return { dataType: LongType, nullable: false };
      return { dataType: LongType, coerceTo: [firstArgCoercion(name, args), args.length > 1 ? coerceArg(name, args, 1, "string") : undefined] };
    },
    build(args) {
      if (args.length === 0) {
        const now = Math.floor(Date.now() / 1000);
        return () => now;
      }
      const f = parseToMicros(name, "try_to_timestamp", true, args, DEFAULT_FORMAT);
      return (v) => {
        const us = f(v);
        return us === null ? null : Math.floor(us / MICROS_PER_SECOND);
      };
    },
  });
}

const fromUnixtime = scalar({
  name: "from_unixtime",
  minArgs: 1,
  maxArgs: 2,
  resolve(args) {
    return { dataType: StringType, coerceTo: [coerceArg("from_unixtime", args, 0, "long"), args.length > 1 ? coerceArg("from_unixtime", args, 1, "string") : undefined] };
  },
  build(args) {
    const fmt = patternArg(args, 1, DEFAULT_FORMAT, compileFormatter);
    return (v) => fmt(v)((v[0] as number) * MICROS_PER_SECOND);
  },
});

const dateFormat = scalar({
  name: "date_format",
  minArgs: 2,
  resolve(args) {
    return { dataType: StringType, coerceTo: [coerceArg("date_format", args, 0, "timestamp"), coerceArg("date_format", args, 1, "string")] };
  },
  build(args) {
    const fmt = patternArg(args, 1, DEFAULT_FORMAT, compileFormatter);
    return (v) => fmt(v)(v[0] as number);
  },
});

/** Truncates microseconds to a unit (date_trunc's units); null for an unknown unit. */
export function truncMicros(unit: string, us: number): number | null {
  const p = microsToParts(us);
  const days = Math.floor(us / MICROS_PER_DAY);
  switch (unit.toLowerCase()) {
    case "year":
    case "yyyy":
    case "yy":
      return daysFromCivil(p.year, 1, 1) * MICROS_PER_DAY;
    case "quarter":
      return daysFromCivil(p.year, Math.floor((p.month - 1) / 3) * 3 + 1, 1) * MICROS_PER_DAY;
    case "month":
    case "mon":
    case "mm":
      return daysFromCivil(p.year, p.month, 1) * MICROS_PER_DAY;
    case "week":
      return (days - isoDayOfWeek(days) + 1) * MICROS_PER_DAY;
    case "day":
    case "dd":
      return days * MICROS_PER_DAY;
    case "hour":
      return Math.floor(us / 3_600_000_000) * 3_600_000_000;
    case "minute":
      return Math.floor(us / 60_000_000) * 60_000_000;
    case "second":
      return Math.floor(us / MICROS_PER_SECOND) * MICROS_PER_SECOND;
    case "millisecond":
      return Math.floor(us / 1000) * 1000;
    case "microsecond":
      return us;
    default:
      return null;
  }
}

const dateTrunc = scalar({
  name: "date_trunc",
  minArgs: 2,
  resolve(args) {
    return { dataType: TimestampType, coerceTo: [coerceArg("date_trunc", args, 0, "string"), coerceArg("date_trunc", args, 1, "timestamp")] };
  },
  build() {
    return (v) => truncMicros(v[0] as string, v[1] as number);
  },
});

const trunc = scalar({
  name: "trunc",
  minArgs: 2,
  resolve(args) {
    return { dataType: DateType, coerceTo: [coerceArg("trunc", args, 0, "date"), coerceArg("trunc", args, 1, "string")] };
  },
  build() {
    return (v) => {
      const u = (v[1] as string).toLowerCase();
      if (!["year", "yyyy", "yy", "quarter", "month", "mon", "mm", "week"].includes(u)) return null;
      return Math.floor(truncMicros(u, (v[0] as number) * MICROS_PER_DAY)! / MICROS_PER_DAY);
    };
  },
});

function datePart(name: string, f: (days: number) => number, out: DataType = IntegerType): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    resolve(args) {
      return { dataType: out, coerceTo: [coerceArg(name, args, 0, "date")] };
    },
    build() {
      return (v) => f(v[0] as number);
    },
  });
}

function timePart(name: string, f: (us: number) => number): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    resolve(args) {
      return { dataType: IntegerType, coerceTo: [coerceArg(name, args, 0, "timestamp")] };
    },
    build() {
      return (v) => f(v[0] as number);
    },
  });
}

/** ISO-8601 week number of a day. */
function weekOfYear(days: number): number {
  const thursday = days - isoDayOfWeek(days) + 4;
  const { year } = civilFromDays(thursday);
  return Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1;
}

function now(name: string, type: DataType): ScalarFunction {
  return scalar({
    name,
    minArgs: 0,
    nondeterministic: true,
    resolve() {
      return { dataType: type, nullable: false };
    },
    build() {
      // One value per query, as Spark computes current_timestamp once per query.
      const us = Date.now() * 1000;
      const value = type.kind === "date" ? Math.floor(us / MICROS_PER_DAY) : us;
      return () => value;
    },
  });
}

function dateArith(name: string, sign: 1 | -1): ScalarFunction {
  return scalar({
    name,
    minArgs: 2,
    resolve(args) {
      return { dataType: DateType, coerceTo: [coerceArg(name, args, 0, "date"), coerceArg(name, args, 1, "int")] };
    },
    build() {
      return (v) => (v[0] as number) + sign * (v[1] as number);
    },
  });
}

const datediff = scalar({
  name: "datediff",
  minArgs: 2,
  resolve(args) {
    return { dataType: IntegerType, coerceTo: [coerceArg("datediff", args, 0, "date"), coerceArg("datediff", args, 1, "date")] };
  },
  build() {
    return (v) => (v[0] as number) - (v[1] as number);
  },
});

const addMonths = scalar({
  name: "add_months",
  minArgs: 2,
  resolve(args) {
    return { dataType: DateType, coerceTo: [coerceArg("add_months", args, 0, "date"), coerceArg("add_months", args, 1, "int")] };
  },
  build() {
    return (v) => {
      const { year, month, day } = civilFromDays(v[0] as number);
      const total = year * 12 + (month - 1) + (v[1] as number);
      const y = Math.floor(total / 12);
      const m = total - y * 12 + 1;
      return daysFromCivil(y, m, Math.min(day, daysInMonth(y, m)));
    };
  },
});

const lastDay = datePart("last_day", (d) => {
  const { year, month } = civilFromDays(d);
  return daysFromCivil(year, month, daysInMonth(year, month));
}, DateType);

function fromEpoch(name: string, unit: number): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    resolve(args) {
      return { dataType: TimestampType, coerceTo: [coerceArg(name, args, 0, name === "timestamp_seconds" ? "numeric" : "long")] };
    },
    build() {
      return (v) => Math.trunc((v[0] as number) * unit);
    },
  });
}

function toEpoch(name: string, unit: number): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    resolve(args) {
      return { dataType: LongType, coerceTo: [coerceArg(name, args, 0, "timestamp")] };
    },
    build() {
      return (v) => Math.floor((v[0] as number) / unit);
    },
  });
}

const makeDate = scalar({
  name: "make_date",
  minArgs: 3,
  resolve(args) {
    return { dataType: DateType, coerceTo: [0, 1, 2].map((i) => coerceArg("make_date", args, i, "int")) };
  },
  build() {
    return (v) => {
      const [y, m, d] = v as number[];
      if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
        throw new WeirError("EXECUTION", `[DATETIME_FIELD_OUT_OF_BOUNDS] Invalid date: year ${y}, month ${m}, day ${d}. Use \`try_make_date\` to tolerate it.`);
      }
      return daysFromCivil(y, m, d);
    };
  },
});

/** UTC is the session time zone, so these conversions from/to UTC are the identity for "UTC". */
function utcShift(name: string): ScalarFunction {
  return scalar({
    name,
    minArgs: 2,
    resolve(args) {
      return { dataType: TimestampType, coerceTo: [coerceArg(name, args, 0, "timestamp"), coerceArg(name, args, 1, "string")] };
    },
    build() {
      return (v) => {
        const z = (v[1] as string).toUpperCase();
        const m = /^(?:UTC|GMT|Z)?(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$/.exec(z);
        if (m === null) throw new WeirError("EXECUTION", `[INVALID_TIMEZONE] unsupported time zone ${JSON.stringify(v[1])}: only UTC and fixed offsets (+hh:mm) are supported.`);
        const off = m[1] === undefined ? 0 : (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60) * MICROS_PER_SECOND;
        return name === "from_utc_timestamp" ? (v[0] as number) + off : (v[0] as number) - off;
      };
    },
  });
}

/** Every date/time function of this module. */
export const DATETIME_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [toTimestamp("to_timestamp", true)],
  [toTimestamp("try_to_timestamp", false)],
  [toDate("to_date", true)],
  [toDate("try_to_date", false)],
  [unixTimestamp("unix_timestamp")],
  [unixTimestamp("to_unix_timestamp")],
  [fromUnixtime],
  [dateFormat],
  [dateTrunc],
  [trunc],
  [datePart("year", (d) => civilFromDays(d).year)],
  [datePart("quarter", (d) => Math.floor((civilFromDays(d).month - 1) / 3) + 1)],
  [datePart("month", (d) => civilFromDays(d).month)],
  [datePart("dayofmonth", (d) => civilFromDays(d).day), "day"],
  [datePart("dayofweek", (d) => (isoDayOfWeek(d) % 7) + 1)],
  [datePart("weekday", (d) => isoDayOfWeek(d) - 1)],
  [datePart("dayofyear", dayOfYear)],
  [datePart("weekofyear", weekOfYear)],
  [timePart("hour", (us) => microsToParts(us).hour)],
  [timePart("minute", (us) => microsToParts(us).minute)],
  [timePart("second", (us) => microsToParts(us).second)],
  [now("current_timestamp", TimestampType), "now", "localtimestamp"],
  [now("current_date", DateType), "curdate"],
  [dateArith("date_add", 1), "dateadd"],
  [dateArith("date_sub", -1)],
  [datediff],
  [addMonths],
  [lastDay],
  [fromEpoch("timestamp_seconds", MICROS_PER_SECOND)],
  [fromEpoch("timestamp_millis", 1000)],
  [fromEpoch("timestamp_micros", 1)],
  [toEpoch("unix_seconds", MICROS_PER_SECOND)],
  [toEpoch("unix_millis", 1000)],
  [toEpoch("unix_micros", 1)],
  [makeDate],
  [utcShift("from_utc_timestamp")],
  [utcShift("to_utc_timestamp")],
];
