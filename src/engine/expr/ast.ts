/**
 * The unresolved expression tree a {@link Column} wraps, and the contract of the function
 * registry. Expressions are plain data: the analyzer resolves names and types against a schema,
 * then binds them to closures over row arrays (see types.ts for the value representation).
 *
 * Operators are function calls by their SQL name: `+`, `-`, `*`, `/`, `%`, `=`, `<=>`, `!=`,
 * `<`, `<=`, `>`, `>=`, `and`, `or`, `not`, `negative`, `isnull`, `isnotnull`, `in`, `like`,
 * `rlike`; everything else by its Spark function name (`lower`, `regexp_extract`, `count`...).
 */
import type { DataType } from "../types.js";

/** An unresolved expression. */
export type Expr =
  /** A column by name; `name` may be qualified (`t.col`) or a nested path (`s.field`). */
  | { readonly kind: "col"; readonly name: string }
  /** `*` or `t.*`. */
  | { readonly kind: "star"; readonly qualifier?: string }
  /** A literal; `type` when given, else inferred from the JS value. */
  | { readonly kind: "lit"; readonly value: unknown; readonly type?: DataType }
  | { readonly kind: "alias"; readonly child: Expr; readonly name: string }
  /**
   * A scalar, aggregate, generator (explode) or window function, or an operator. `filter` is an
   * aggregate's `FILTER (WHERE cond)` clause: only rows where it is true are aggregated.
   */
  | { readonly kind: "call"; readonly fn: string; readonly args: readonly Expr[]; readonly distinct?: boolean; readonly filter?: Expr }
  /** `cast(child AS to)`; `tryCast` yields null instead of failing. */
  | { readonly kind: "cast"; readonly child: Expr; readonly to: DataType; readonly tryCast?: boolean }
  /** CASE WHEN b1 THEN v1 ... ELSE otherwise END. */
  | { readonly kind: "case"; readonly branches: readonly (readonly [Expr, Expr])[]; readonly otherwise?: Expr }
  /** A sort key: `col.asc()`, `desc_nulls_last(...)`. Spark's default: ascending puts nulls first, descending nulls last. */
  | { readonly kind: "sort"; readonly child: Expr; readonly ascending: boolean; readonly nullsFirst: boolean }
  /** `fn.over(spec)`. */
  | { readonly kind: "window"; readonly fn: Expr; readonly spec: WindowSpecData }
  /** A user-defined function written in TypeScript. */
  | { readonly kind: "udf"; readonly name: string; readonly fn: (...args: never[]) => unknown; readonly returnType: DataType; readonly args: readonly Expr[] }
  /** A field of a struct, element of an array or value of a map: `col.getField("a")`, `col.getItem(0)`. */
  | { readonly kind: "extract"; readonly child: Expr; readonly key: Expr };

/** A window specification (Spark's WindowSpec) as data. */
export interface WindowSpecData {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly Expr[];
  /** Row or range frame; absent means Spark's default frame. */
  readonly frame?: { readonly type: "rows" | "range"; readonly start: number; readonly end: number };
}

/** Spark's unbounded frame bounds (Window.unboundedPreceding / unboundedFollowing / currentRow). */
export const UNBOUNDED_PRECEDING = Number.MIN_SAFE_INTEGER;
export const UNBOUNDED_FOLLOWING = Number.MAX_SAFE_INTEGER;
export const CURRENT_ROW = 0;

/** What a function sees of one argument while it resolves and builds. */
export interface ArgInfo {
  readonly dataType: DataType;
  readonly nullable: boolean;
  /** True when the argument is a constant (a literal or an expression of literals). */
  readonly foldable: boolean;
  /** The constant's value when `foldable` (e.g. a regex pattern, a from_json schema, a date_trunc unit). */
  readonly value?: unknown;
}

/** What a scalar function resolves to. */
export interface ScalarResolution {
  readonly dataType: DataType;
  /** Defaults to true. */
  readonly nullable?: boolean;
  /** Types the arguments must be cast to first (implicit coercion), one per argument; omit to keep them. */
  readonly coerceTo?: readonly (DataType | undefined)[];
}

/**
 * A scalar function: checks its argument types (throwing WeirError("ANALYSIS", ...) with a
 * message naming the function, the argument and the expected types) and builds an evaluator over
 * the argument values.
 */
export interface ScalarFunction {
  readonly name: string;
  /** Allowed argument counts (inclusive); maxArgs Infinity for variadic. */
  readonly minArgs: number;
  readonly maxArgs: number;
  /**
   * True when any null argument gives null without calling `build`'s evaluator (most functions).
   * False for functions that look at nulls themselves (coalesce, concat_ws, isnull, `<=>`, and/or).
   */
  readonly nullIntolerant: boolean;
  /** True when the function must not be constant-folded (rand, current_timestamp). */
  readonly nondeterministic?: boolean;
  resolve(args: readonly ArgInfo[]): ScalarResolution;
  /** Returns the evaluator; `args` are the (coerced) argument infos. */
  build(args: readonly ArgInfo[]): (values: unknown[]) => unknown;
}

/** An aggregate function's accumulator operations (partial aggregation merges accumulators). */
export interface AggregateFunction {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** The result type; throws WeirError("ANALYSIS") for unsupported argument types. */
  resolve(args: readonly ArgInfo[], distinct: boolean): { readonly dataType: DataType; readonly nullable: boolean };
  /** Builds the accumulator operations for these argument types. */
  build(args: readonly ArgInfo[], distinct: boolean): Accumulator;
}

/** Accumulator operations over an opaque state; states are merged for partial (per-partition) aggregation. */
export interface Accumulator {
  init(): unknown;
  /** Adds one row's argument values; returns the new state (may mutate and return the same object). */
  update(state: unknown, values: unknown[]): unknown;
  merge(a: unknown, b: unknown): unknown;
  finish(state: unknown): unknown;
}
