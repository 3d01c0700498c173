/**
 * Spark's `pyspark.sql.functions`, as plain exported builders with Spark's names. Each builds an
 * unresolved call expression; the function itself (types, evaluation) lives in the registry
 * (engine/functions). As in Spark, a bare string argument where a column is expected names a
 * column, while patterns, formats and separators are plain strings.
 */
import { WeirError } from "../../util/errors.js";
import type { Expr } from "../expr/ast.js";
import { parseExpression } from "../sql/parser.js";
import { StringType, mapOf, parseDataType, simpleString, type DataType, type StructType } from "../types.js";
import { Column, litExpr, toExpr, type ColumnLike } from "./column.js";

export { not } from "./column.js";

function call(fn: string, ...args: Expr[]): Column {
  return new Column({ kind: "call", fn, args });
}

function cols(xs: readonly ColumnLike[]): Expr[] {
  return xs.map(toExpr);
}

/** A column by name (`"a"`, `"t.a"`, `"s.field"`, `"*"`). */
export function col(name: string): Column {
  return new Column(toExpr(name));
}

/** Same as {@link col}. */
export function column(name: string): Column {
  return col(name);
}

/** A literal (a Column is returned as it is). Integers in the int range are INT, others BIGINT, fractions DOUBLE. */
export function lit(value: unknown): Column {
  return value instanceof Column ? value : new Column(litExpr(value));
}

/** A column from a SQL expression string (`expr("amount * 2 AS doubled")`). */
export function expr(text: string): Column {
  return new Column(parseExpression(text));
}

/** Starts a CASE WHEN chain: `when(cond, v).when(cond2, v2).otherwise(v3)`. */
export function when(condition: Column, value: unknown): Column {
  return new Column({ kind: "case", branches: [[condition.expr, litExpr(value)]] });
}

/** The first non-null argument. */
export function coalesce(...c: ColumnLike[]): Column {
  return call("coalesce", ...cols(c));
}

export function isnull(c: ColumnLike): Column {
  return call("isnull", toExpr(c));
}
export function isnotnull(c: ColumnLike): Column {
  return call("isnotnull", toExpr(c));
}
export function isnan(c: ColumnLike): Column {
  return call("isnan", toExpr(c));
}

// ---- collections and generators

/** Splits a string around matches of a Java regular expression. */
export function split(str: ColumnLike, pattern: string, limit = -1): Column {
  return call("split", toExpr(str), litExpr(pattern), litExpr(limit));
}
/** One row per array element (or map entry); rows with null or empty collections disappear. */
export function explode(c: ColumnLike): Column {
  return call("explode", toExpr(c));
}
/** Like explode, but a null or empty collection gives one row with null. */
export function explode_outer(c: ColumnLike): Column {
  return call("explode_outer", toExpr(c));
}
/** explode with the position (`pos`, `col`). */
export function posexplode(c: ColumnLike): Column {
  return call("posexplode", toExpr(c));
}
export function posexplode_outer(c: ColumnLike): Column {
  return call("posexplode_outer", toExpr(c));
}
export function array(...c: ColumnLike[]): Column {
  return call("array", ...cols(c));
}
export function struct(...c: ColumnLike[]): Column {
  return call("struct", ...cols(c));
}
export function size(c: ColumnLike): Column {
  return call("size", toExpr(c));
}
export function array_contains(c: ColumnLike, value: unknown): Column {
  return call("array_contains", toExpr(c), litExpr(value));
}
export function element_at(c: ColumnLike, key: unknown): Column {
  return call("element_at", toExpr(c), litExpr(key));
}

// ---- strings

export function lower(c: ColumnLike): Column {
  return call("lower", toExpr(c));
}
export function upper(c: ColumnLike): Column {
  return call("upper", toExpr(c));
}
export function trim(c: ColumnLike): Column {
  return call("trim", toExpr(c));
}
export function ltrim(c: ColumnLike): Column {
  return call("ltrim", toExpr(c));
}
export function rtrim(c: ColumnLike): Column {
  return call("rtrim", toExpr(c));
}
export function length(c: ColumnLike): Column {
  return call("length", toExpr(c));
}
export function concat(...c: ColumnLike[]): Column {
  return call("concat", ...cols(c));
}
/** Joins the non-null arguments with a separator. */
export function concat_ws(sep: string, ...c: ColumnLike[]): Column {
  return call("concat_ws", litExpr(sep), ...cols(c));
}
/** `len` characters from the 1-based position `pos`. */
export function substring(str: ColumnLike, pos: number, len: number): Column {
  return call("substring", toExpr(str), litExpr(pos), litExpr(len));
}
/** Group `idx` of the first match of a Java regular expression ("" when there is no match). */
export function regexp_extract(str: ColumnLike, pattern: string, idx: number): Column {
  return call("regexp_extract", toExpr(str), litExpr(pattern), litExpr(idx));
}
export function regexp_replace(str: ColumnLike, pattern: string | Column, replacement: string | Column): Column {
  return call("regexp_replace", toExpr(str), litExpr(pattern), litExpr(replacement));
}

// ---- JSON

/** Parses a JSON string column with a schema (a StructType/DataType or a DDL string). */
/**
 * Parses JSON text into `schema` (a DDL string or a DataType), as Spark's from_json. `options`
 * as Spark's: `mode` (PERMISSIVE, the default, or FAILFAST) and `columnNameOfCorruptRecord`
 * (default `_corrupt_record`: a string field of that name receives the text of a malformed record).
 */
export function from_json(c: ColumnLike, schema: string | DataType, options?: Readonly<Record<string, string>>): Column {
  const text = typeof schema === "string" ? schema : simpleString(schema);
  if (options === undefined) return call("from_json", toExpr(c), litExpr(text));
  return call("from_json", toExpr(c), litExpr(text), { kind: "lit", value: new Map(Object.entries(options)), type: mapOf(StringType, StringType) });
}
export function to_json(c: ColumnLike): Column {
  return call("to_json", toExpr(c));
}
/** Extracts a value by JSONPath (`$.a.b[0]`) as a string. */
export function get_json_object(c: ColumnLike, path: string): Column {
  return call("get_json_object", toExpr(c), litExpr(path));
}

// ---- date and time (session time zone UTC)

export function to_timestamp(c: ColumnLike, format?: string): Column {
  return format === undefined ? call("to_timestamp", toExpr(c)) : call("to_timestamp", toExpr(c), litExpr(format));
}
export function to_date(c: ColumnLike, format?: string): Column {
  return format === undefined ? call("to_date", toExpr(c)) : call("to_date", toExpr(c), litExpr(format));
}
export function from_unixtime(c: ColumnLike, format = "yyyy-MM-dd HH:mm:ss"): Column {
  return call("from_unixtime", toExpr(c), litExpr(format));
}
/** Seconds since the epoch: of now (no argument), or of a timestamp/date/string column. */
export function unix_timestamp(c?: ColumnLike, format = "yyyy-MM-dd HH:mm:ss"): Column {
  return c === undefined ? call("unix_timestamp") : call("unix_timestamp", toExpr(c), litExpr(format));
}
/** Truncates a timestamp to a unit (`"hour"`, `"day"`, `"month"`...). */
export function date_trunc(format: string, timestamp: ColumnLike): Column {
  return call("date_trunc", litExpr(format), toExpr(timestamp));
}
export function date_format(c: ColumnLike, format: string): Column {
  return call("date_format", toExpr(c), litExpr(format));
}
export function current_timestamp(): Column {
  return call("current_timestamp");
}
export function current_date(): Column {
  return call("current_date");
}
export function year(c: ColumnLike): Column {
  return call("year", toExpr(c));
}
export function month(c: ColumnLike): Column {
  return call("month", toExpr(c));
}
export function dayofmonth(c: ColumnLike): Column {
  return call("dayofmonth", toExpr(c));
}
export function hour(c: ColumnLike): Column {
  return call("hour", toExpr(c));
}
export function minute(c: ColumnLike): Column {
  return call("minute", toExpr(c));
}
export function second(c: ColumnLike): Column {
  return call("second", toExpr(c));
}
/**
 * The event-time window (`struct<start, end>`) of a timestamp column: tumbling, or sliding when
 * `slideDuration` is shorter than `windowDuration`. Durations are interval strings ("10 minutes").
 */
export function window(timeColumn: ColumnLike, windowDuration: string, slideDuration?: string, startTime?: string): Column {
  const args = [toExpr(timeColumn), litExpr(windowDuration)];
  if (slideDuration !== undefined || startTime !== undefined) args.push(litExpr(slideDuration ?? windowDuration));
  if (startTime !== undefined) args.push(litExpr(startTime));
  return call("window", ...args);
}

/**
 * The session window (`struct<start, end>`) of a timestamp column, for `groupBy(session_window(ts,
 * "5 minutes"), ...)`: rows of a key whose events are less than the gap apart (or exactly the
 * gap) fall into one session, which ends at its last event plus the gap. The gap is an interval
 * string, or a Column giving one per row (rows whose gap is not a positive duration are dropped).
 * Outside an aggregation it is each row's own session `[ts, ts + gap)`.
 */
export function session_window(timeColumn: ColumnLike, gapDuration: string | Column): Column {
  return call("session_window", toExpr(timeColumn), typeof gapDuration === "string" ? litExpr(gapDuration) : gapDuration.expr);
}

// ---- aggregates

/** count(*) with `"*"`, else the non-null values of a column. */
export function count(c: ColumnLike): Column {
  return c === "*" ? call("count", { kind: "lit", value: 1 }) : call("count", toExpr(c));
}
export function countDistinct(...c: ColumnLike[]): Column {
  return new Column({ kind: "call", fn: "count", args: cols(c), distinct: true });
}
export function count_distinct(...c: ColumnLike[]): Column {
  return countDistinct(...c);
}
export function approx_count_distinct(c: ColumnLike, rsd?: number): Column {
  return rsd === undefined ? call("approx_count_distinct", toExpr(c)) : call("approx_count_distinct", toExpr(c), litExpr(rsd));
}
export function sum(c: ColumnLike): Column {
  return call("sum", toExpr(c));
}
export function sum_distinct(c: ColumnLike): Column {
  return new Column({ kind: "call", fn: "sum", args: [toExpr(c)], distinct: true });
}
export function sumDistinct(c: ColumnLike): Column {
  return sum_distinct(c);
}
export function avg(c: ColumnLike): Column {
  return call("avg", toExpr(c));
}
/** Same as {@link avg} (named `avg(x)` like Spark). */
export function mean(c: ColumnLike): Column {
  return avg(c);
}
export function min(c: ColumnLike): Column {
  return call("min", toExpr(c));
}
export function max(c: ColumnLike): Column {
  return call("max", toExpr(c));
}
export function first(c: ColumnLike, ignorenulls = false): Column {
  return ignorenulls ? call("first", toExpr(c), litExpr(true)) : call("first", toExpr(c));
}
export function last(c: ColumnLike, ignorenulls = false): Column {
  return ignorenulls ? call("last", toExpr(c), litExpr(true)) : call("last", toExpr(c));
}
export function collect_list(c: ColumnLike): Column {
  return call("collect_list", toExpr(c));
}
export function collect_set(c: ColumnLike): Column {
  return call("collect_set", toExpr(c));
}
export function stddev(c: ColumnLike): Column {
  return call("stddev", toExpr(c));
}
export function variance(c: ColumnLike): Column {
  return call("variance", toExpr(c));
}
/** The number of rows where the boolean column is true. */
export function count_if(c: ColumnLike): Column {
  return call("count_if", toExpr(c));
}
/** True when every non-null value is true (null when there are none). */
export function bool_and(c: ColumnLike): Column {
  return call("bool_and", toExpr(c));
}
/** True when any non-null value is true (null when there are none). */
export function bool_or(c: ColumnLike): Column {
  return call("bool_or", toExpr(c));
}

// ---- window functions

export function row_number(): Column {
  return call("row_number");
}
export function rank(): Column {
  return call("rank");
}
export function dense_rank(): Column {
  return call("dense_rank");
}

/** (rank - 1) / (rows in partition - 1): the relative rank, 0 to 1. */
export function percent_rank(): Column {
  return call("percent_rank");
}
/** The share of the partition's rows ordered at or before the current row (its peers included). */
export function cume_dist(): Column {
  return call("cume_dist");
}
/** The bucket number (1..n) when the ordered partition is cut into n near-equal buckets. */
export function ntile(n: number): Column {
  return call("ntile", litExpr(n));
}
/** The value `offset` rows before the current row in the window's order, or `defaultValue`. */
export function lag(c: ColumnLike, offset = 1, defaultValue: unknown = null): Column {
  return call("lag", toExpr(c), litExpr(offset), litExpr(defaultValue));
}
/** The value `offset` rows after the current row in the window's order, or `defaultValue`. */
export function lead(c: ColumnLike, offset = 1, defaultValue: unknown = null): Column {
  return call("lead", toExpr(c), litExpr(offset), litExpr(defaultValue));
}

// ---- math

export function abs(c: ColumnLike): Column {
  return call("abs", toExpr(c));
}
/** HALF_UP rounding to `scale` decimal places. */
export function round(c: ColumnLike, scale = 0): Column {
  return call("round", toExpr(c), litExpr(scale));
}
export function floor(c: ColumnLike): Column {
  return call("floor", toExpr(c));
}
export function ceil(c: ColumnLike): Column {
  return call("ceil", toExpr(c));
}
export function sqrt(c: ColumnLike): Column {
  return call("sqrt", toExpr(c));
}
/** `base ^ exponent`; numbers are literals, strings column names. */
export function pow(base: ColumnLike | number, exponent: ColumnLike | number): Column {
  const arg = (x: ColumnLike | number): Expr => (typeof x === "number" ? litExpr(x) : toExpr(x));
  return call("pow", arg(base), arg(exponent));
}
/** `a + b`, null instead of an overflow error. */
export function try_add(a: ColumnLike, b: ColumnLike): Column {
  return call("try_add", toExpr(a), toExpr(b));
}
/** `a - b`, null instead of an overflow error. */
export function try_subtract(a: ColumnLike, b: ColumnLike): Column {
  return call("try_subtract", toExpr(a), toExpr(b));
}
/** `a * b`, null instead of an overflow error. */
export function try_multiply(a: ColumnLike, b: ColumnLike): Column {
  return call("try_multiply", toExpr(a), toExpr(b));
}
/** `a / b`, null instead of a division-by-zero error. */
export function try_divide(a: ColumnLike, b: ColumnLike): Column {
  return call("try_divide", toExpr(a), toExpr(b));
}
/** `a % b`, null instead of a division-by-zero error. */
export function try_mod(a: ColumnLike, b: ColumnLike): Column {
  return call("try_mod", toExpr(a), toExpr(b));
}
export function greatest(...c: ColumnLike[]): Column {
  return call("greatest", ...cols(c));
}
export function least(...c: ColumnLike[]): Column {
  return call("least", ...cols(c));
}

// ---- sort orders

export function asc(name: string): Column {
  return col(name).asc();
}
export function desc(name: string): Column {
  return col(name).desc();
}
export function asc_nulls_last(name: string): Column {
  return col(name).asc_nulls_last();
}
export function desc_nulls_first(name: string): Column {
  return col(name).desc_nulls_first();
}

// ---- user-defined functions

/** A TypeScript function usable on columns: `const up = udf((s: string) => s.toUpperCase(), "string")`. */
export type UserDefinedFunction = (...c: ColumnLike[]) => Column;

/**
 * Wraps a function as a UDF. It receives external values (Date for timestamps, objects for
 * structs, null for null) and returns a value of `returnType`; a throw fails the query with
 * EXECUTION. The column name is `name(args)`, with the function's own name by default.
 */
export function udf<A extends unknown[]>(fn: (...args: A) => unknown, returnType: DataType | string = "string", name?: string): UserDefinedFunction {
  const type = typeof returnType === "string" ? parseDataType(returnType) : returnType;
  const label = name ?? (fn.name !== "" ? fn.name : "udf");
  if (typeof fn !== "function") throw new WeirError("INVALID_ARGUMENT", `udf() expects a function, got ${typeof fn}.`);
  return (...c: ColumnLike[]) => new Column({ kind: "udf", name: label, fn, returnType: type, args: cols(c) });
}

/** Makes a schema DDL string from a StructType (for from_json callers that hold one). */
export function schemaDDL(schema: StructType): string {
  return simpleString(schema);
}

// ---- scoring (engine/functions/scoring.ts; formulas in docs/engine.md, "Scoring functions")

/**
 * Lexicon-based sentiment of a text, a double in [0, 1]: 0 very negative, 0.5 neutral (or
 * empty), 1 very positive; null for null. Handles negation ("not good"), intensifiers ("very"),
 * "!", emoticons and emoji.
 */
export function sentiment(c: ColumnLike): Column {
  return call("sentiment", toExpr(c));
}
/**
 * An aggregate: the z-score of the last row's value against the values of the group or window
 * frame, `(last - mean) / stddev` (sample stddev). Over an ordered frame ending at the current
 * row (`rowsBetween(-99, 0)`) it is the current row's z-score. Null with fewer than 2 values or a
 * stddev of 0.
 */
export function zscore(c: ColumnLike): Column {
  return call("zscore", toExpr(c));
}
/** An aggregate: `abs(zscore(c)) > threshold` (default 3); null where the z-score is null. */
export function is_anomaly(c: ColumnLike, threshold = 3): Column {
  return call("is_anomaly", toExpr(c), litExpr(threshold));
}
