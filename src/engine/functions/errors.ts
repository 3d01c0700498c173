/**
 * Error builders shared by the function library, with Spark's error classes in the message so
 * users can search for them.
 */
import { WeirError } from "../../util/errors.js";
import type { DataType } from "../types.js";
import { simpleString } from "../types.js";

/** A type as Spark quotes it in error messages: `"INT"`, `"ARRAY<STRING>"`. */
export function sqlType(t: DataType): string {
  return `"${simpleString(t).toUpperCase()}"`;
}

const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];

/** "first", "second"... for argument positions (0-based index). */
export function ordinal(i: number): string {
  return ORDINALS[i] ?? `${i + 1}th`;
}

/** Spark's DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE for argument `i` of `fn`. */
export function unexpectedInputType(fn: string, i: number, required: string, actual: DataType): WeirError {
  return new WeirError(
    "ANALYSIS",
    `[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "${fn}(...)" due to data type mismatch: ` +
      `the ${ordinal(i)} parameter requires the ${required} type, however it has the type ${sqlType(actual)}.`,
    { details: { function: fn, argument: i, required, actual: simpleString(actual) } },
  );
}

/** An ANALYSIS error about a function's arguments, with free text. */
export function analysisError(fn: string, message: string): WeirError {
  return new WeirError("ANALYSIS", `Cannot resolve "${fn}(...)": ${message}`, { details: { function: fn } });
}

/** Spark's DATATYPE_MISMATCH.NON_FOLDABLE_INPUT: an argument that must be a constant. */
export function nonFoldable(fn: string, i: number, what: string): WeirError {
  return new WeirError(
    "ANALYSIS",
    `[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve "${fn}(...)" due to data type mismatch: the ${ordinal(i)} parameter (${what}) must be a constant (a literal).`,
    { details: { function: fn, argument: i } },
  );
}

/** Spark's ARITHMETIC_OVERFLOW. */
export function arithmeticOverflow(what: string, tryFn: string): WeirError {
  return new WeirError(
    "EXECUTION",
    `[ARITHMETIC_OVERFLOW] ${what} overflow. Use '${tryFn}' to tolerate overflow and return NULL instead. ` +
      `If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error.`,
  );
}

/** Spark's DIVIDE_BY_ZERO. */
export function divideByZero(): WeirError {
  return new WeirError(
    "EXECUTION",
    "[DIVIDE_BY_ZERO] Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead. " +
      'If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error.',
  );
}
