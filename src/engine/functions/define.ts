/**
 * Helpers for defining functions: argument checks with Spark's implicit casts (ANSI mode), and
 * value comparison/equality per type.
 */
import type { ArgInfo, ScalarFunction, ScalarResolution } from "../expr/ast.js";
import type { DataType } from "../types.js";
import { DoubleType, LongType, StringType, BinaryType, TimestampType, DateType, BooleanType, IntegerType, isNumeric, isIntegral } from "../types.js";
import { analysisError, nonFoldable, unexpectedInputType } from "./errors.js";

/** A scalar function definition; `nullIntolerant` defaults to true. */
export interface ScalarDef {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs?: number;
  readonly nullIntolerant?: boolean;
  readonly nondeterministic?: boolean;
  resolve(args: readonly ArgInfo[]): ScalarResolution;
  build(args: readonly ArgInfo[]): (values: unknown[]) => unknown;
}

/** Makes a {@link ScalarFunction} from a definition (maxArgs defaults to minArgs). */
export function scalar(def: ScalarDef): ScalarFunction {
  return {
    name: def.name,
    minArgs: def.minArgs,
    maxArgs: def.maxArgs ?? def.minArgs,
    nullIntolerant: def.nullIntolerant ?? true,
    nondeterministic: def.nondeterministic ?? false,
    resolve: (args) => def.resolve(args),
    build: (args) => def.build(args),
  };
}

/** Categories of expected argument types, as Spark names them in errors. */
export type Expect = "string" | "numeric" | "integral" | "double" | "long" | "int" | "boolean" | "timestamp" | "date" | "binary" | "string_or_binary";

const REQUIRED_TEXT: Record<Expect, string> = {
  string: '"STRING"',
  numeric: '"NUMERIC"',
  integral: '"INTEGRAL"',
  double: '"DOUBLE"',
  long: '"BIGINT"',
  int: '"INT"',
  boolean: '"BOOLEAN"',
  timestamp: '"TIMESTAMP"',
  date: '"DATE"',
  binary: '"BINARY"',
  string_or_binary: '("STRING" or "BINARY")',
};

function isComplex(t: DataType): boolean {
  return t.kind === "array" || t.kind === "map" || t.kind === "struct";
}

/**
 * The type argument `i` must be implicitly cast to for a parameter of category `want` (undefined
 * when it already fits), following ANSI implicit casts: null fits anything; strings become
 * numbers, booleans, dates, timestamps or binary; atomic values become strings; dates become
 * timestamps and timestamps dates. Throws DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE otherwise.
 */
export function coerceArg(fn: string, args: readonly ArgInfo[], i: number, want: Expect): DataType | undefined {
  const t = args[i].dataType;
  const fail = (): never => {
    throw unexpectedInputType(fn, i, REQUIRED_TEXT[want], t);
  };
  switch (want) {
    case "string":
      if (t.kind === "string") return undefined;
      return isComplex(t) ? fail() : StringType;
    case "string_or_binary":
      if (t.kind === "string" || t.kind === "binary") return undefined;
      return isComplex(t) ? fail() : StringType;
    case "binary":
      if (t.kind === "binary") return undefined;
      return t.kind === "string" || t.kind === "null" ? BinaryType : fail();
    case "numeric":
      if (isNumeric(t)) return undefined;
      return t.kind === "string" || t.kind === "null" ? DoubleType : fail();
    case "integral":
      if (isIntegral(t)) return undefined;
      return t.kind === "string" || t.kind === "null" ? LongType : fail();
    case "double":
      if (t.kind === "double") return undefined;
      return isNumeric(t) || t.kind === "string" || t.kind === "null" ? DoubleType : fail();
    case "long":
      if (t.kind === "long") return undefined;
      return isIntegral(t) || t.kind === "string" || t.kind === "null" ? LongType : fail();
    case "int":
      if (t.kind === "int") return undefined;
      return t.kind === "byte" || t.kind === "short" || t.kind === "string" || t.kind === "null" || (t.kind === "long" && args[i].foldable)
        ? IntegerType
        : fail();
    case "boolean":
      if (t.kind === "boolean") return undefined;
      return t.kind === "string" || t.kind === "null" ? BooleanType : fail();
    case "timestamp":
      if (t.kind === "timestamp") return undefined;
      return t.kind === "string" || t.kind === "date" || t.kind === "null" ? TimestampType : fail();
    case "date":
      if (t.kind === "date") return undefined;
      return t.kind === "string" || t.kind === "timestamp" || t.kind === "null" ? DateType : fail();
  }
}

/** Coerces every argument to the given categories (the last category repeats for variadic functions). */
export function coerceAll(fn: string, args: readonly ArgInfo[], wants: readonly Expect[]): (DataType | undefined)[] {
  return args.map((_, i) => coerceArg(fn, args, i, wants[Math.min(i, wants.length - 1)]));
}

/** The constant value of argument `i`, which must be foldable; `what` names it in the error. */
export function constArg(fn: string, args: readonly ArgInfo[], i: number, what: string): unknown {
  const a = args[i];
  if (!a.foldable) throw nonFoldable(fn, i, what);
  return a.value ?? null;
}

/** The constant string of argument `i` when it is foldable, else undefined (for precompiling patterns). */
export function foldedString(args: readonly ArgInfo[], i: number): string | null | undefined {
  const a = args[i];
  if (a === undefined || !a.foldable) return undefined;
  const v = a.value;
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? v : Buffer.isBuffer(v) ? v.toString("utf8") : primitiveText(v);
}

/** Text of a primitive value (numbers, booleans); JSON for anything else. */
export function primitiveText(v: unknown): string {
  return typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" || typeof v === "string" ? String(v) : JSON.stringify(v) ?? "null";
}

/** Throws an ANALYSIS error unless `ok`. */
export function check(ok: boolean, fn: string, message: string): void {
  if (!ok) throw analysisError(fn, message);
}

/** A cache of one compiled object per distinct key (for per-row patterns when the argument is not constant). */
export function memo1<T>(compile: (key: string) => T): (key: string) => T {
  let lastKey: string | undefined;
  let last: T | undefined;
  const cache = new Map<string, T>();
  return (key) => {
    if (key === lastKey) return last as T;
    let v = cache.get(key);
    if (v === undefined) {
      v = compile(key);
      if (cache.size > 1000) cache.clear();
      cache.set(key, v);
    }
    lastKey = key;
    last = v;
    return v;
  };
}
