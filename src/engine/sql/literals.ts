/** Numeric literals and type names of Spark SQL expressions. */
import type { Expr } from "../expr/ast.js";
import type { DataType } from "../types.js";
import { ByteType, DoubleType, FloatType, IntegerType, LongType, ShortType, parseDataType } from "../types.js";
import { LONG_MAX, LONG_MAX_EXCLUSIVE, LONG_MIN } from "../functions/limits.js";

/**
 * The literal of a number token (with its sign): integers are int when they fit, else bigint;
 * suffixes L (bigint), S (smallint), Y (tinyint), D/BD (double), F (float); decimals and
 * exponents are doubles (Spark makes `1.5` a decimal; Weir has no decimal type). Null when the
 * value does not fit the type its suffix names.
 */
export function numberLiteral(raw: string, negative: boolean): Expr | null {
  const suffix = /(BD|[LSYDF])$/i.exec(raw)?.[1]?.toUpperCase();
  const digits = suffix === undefined ? raw : raw.slice(0, -suffix.length);
  const n = (negative ? -1 : 1) * Number(digits);
  const typed = (type: DataType, lo: number, hi: number): Expr | null =>
    !Number.isInteger(n) || n < lo || n > hi ? null : { kind: "lit", value: n === 0 ? 0 : n, type };
  switch (suffix) {
    case "L":
      return typed(LongType, LONG_MIN, LONG_MAX);
    case "S":
      return typed(ShortType, -32768, 32767);
    case "Y":
      return typed(ByteType, -128, 127);
    case "D":
    case "BD":
      return { kind: "lit", value: n, type: DoubleType };
    case "F":
      return { kind: "lit", value: Math.fround(n), type: FloatType };
    default:
      break;
  }
  if (/^\d+$/.test(digits)) {
    if (n >= -2147483648 && n <= 2147483647) return { kind: "lit", value: n === 0 ? 0 : n, type: IntegerType };
    if (n >= LONG_MIN && n < LONG_MAX_EXCLUSIVE) return { kind: "lit", value: n, type: LongType };
  }
  return { kind: "lit", value: n, type: DoubleType };
}

/** Parses a type written in an expression (CAST(x AS type), x::type); decimal(p, s) is read as double. */
export function typeFromText(text: string): DataType {
  return parseDataType(text.replace(/\b(decimal|numeric|dec)\s*(\(\s*\d+\s*(,\s*\d+\s*)?\))?/gi, "double"));
}
