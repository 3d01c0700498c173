/**
 * Compiles resolved expressions into closures over rows, once per query: `(row) => value`.
 * This is the per-row hot path, so closures capture everything they need up front, reuse one
 * argument array per call site, and specialise the common arities; the only per-row allocations
 * are the values functions themselves return.
 */
import { WeirError } from "../../util/errors.js";
import { assert } from "../../util/assert.js";
import type { Row } from "../types.js";
import type { Attribute, RExpr } from "../plan/expressions.js";
import { buildCast } from "../functions/cast.js";
import { toExternal, toInternal } from "../api/row-convert.js";
import type { ArgInfo } from "../expr/ast.js";
import { isFoldable } from "../plan/expressions.js";

/** A compiled expression. */
export type Evaluator = (row: Row) => unknown;

/** Maps attribute ids to positions in the input rows. */
export function ordinals(input: readonly Attribute[]): Map<number, number> {
  const m = new Map<number, number>();
  input.forEach((a, i) => m.set(a.id, i));
  return m;
}

/** What a function's resolve/build sees of a resolved argument. */
export function argInfo(e: RExpr): ArgInfo {
  if (!isFoldable(e)) return { dataType: e.dataType, nullable: e.nullable, foldable: false };
  try {
    const value = compile(e, new Map())([]);
    return { dataType: e.dataType, nullable: value === null, foldable: true, value };
  } catch {
    // The error surfaces when the query runs (ANSI semantics), not while planning.
    return { dataType: e.dataType, nullable: e.nullable, foldable: false };
  }
}

/** Compiles `e` against rows laid out as `input` (attribute id → position). */
export function compile(e: RExpr, input: ReadonlyMap<number, number>): Evaluator {
  switch (e.kind) {
    case "ref": {
      const i = input.get(e.id);
      assert(i !== undefined, `unbound reference ${e.name}#${e.id}`);
      return (row) => row[i];
    }
    case "lit": {
      const v = e.value;
      return () => v;
    }
    case "cast": {
      const child = compile(e.child, input);
      if (e.child.dataType.kind === e.dataType.kind && e.dataType.kind !== "struct" && e.dataType.kind !== "array" && e.dataType.kind !== "map") return child;
      const conv = buildCast(e.child.dataType, e.dataType, { ansi: true, tryCast: e.tryCast });
      return (row) => {
        const v = child(row);
        return v === null ? null : conv(v);
      };
    }
    case "case":
      return compileCase(e, input);
    case "extract":
      return compileExtract(e, input);
    case "udf":
      return compileUdf(e, input);
    case "call":
      return compileCall(e, input);
    case "agg":
    case "rank":
    case "window":
      assert(false, `${e.kind} expression must be planned by its operator, not compiled`);
  }
}

function compileCall(e: Extract<RExpr, { kind: "call" }>, input: ReadonlyMap<number, number>): Evaluator {
  const args = e.args.map((a) => compile(a, input));
  if (e.name === "and" && args.length === 2) {
    const [l, r] = args;
    // Spark's AND skips the right side once the left is false (so `x <> 0 AND 1/x > 0` never divides by zero).
    return (row) => {
      const a = l(row);
      if (a === false) return false;
      const b = r(row);
      if (b === false) return false;
      return a === null || b === null ? null : true;
    };
  }
  if (e.name === "or" && args.length === 2) {
    const [l, r] = args;
    return (row) => {
      const a = l(row);
      if (a === true) return true;
      const b = r(row);
      if (b === true) return true;
      return a === null || b === null ? null : false;
    };
  }
  const evaluate = e.fn.build(e.args.map(argInfo));
  const strictNulls = e.fn.nullIntolerant;
  const n = args.length;
  const scratch: unknown[] = new Array<unknown>(n);
  if (n === 0) return () => evaluate(scratch);
  if (n === 1) {
    const a0 = args[0];
    return strictNulls
      ? (row) => {
          const v = a0(row);
          if (v === null) return null;
          scratch[0] = v;
          return evaluate(scratch);
        }
      : (row) => {
          scratch[0] = a0(row);
          return evaluate(scratch);
        };
  }
  if (n === 2) {
    const [a0, a1] = args;
    return strictNulls
      ? (row) => {
          const v0 = a0(row);
          if (v0 === null) return null;
          const v1 = a1(row);
          if (v1 === null) return null;
          scratch[0] = v0;
          scratch[1] = v1;
          return evaluate(scratch);
        }
      : (row) => {
          scratch[0] = a0(row);
          scratch[1] = a1(row);
          return evaluate(scratch);
        };
  }
  return (row) => {
    for (let i = 0; i < n; i++) {
      const v = args[i](row);
      if (v === null && strictNulls) return null;
      scratch[i] = v;
    }
    return evaluate(scratch);
  };
}

function compileCase(e: Extract<RExpr, { kind: "case" }>, input: ReadonlyMap<number, number>): Evaluator {
  const conds = e.branches.map(([c]) => compile(c, input));
  const values = e.branches.map(([, v]) => compile(v, input));
  const other = e.otherwise === null ? () => null : compile(e.otherwise, input);
  const n = conds.length;
  return (row) => {
    for (let i = 0; i < n; i++) if (conds[i](row) === true) return values[i](row);
    return other(row);
  };
}

function compileExtract(e: Extract<RExpr, { kind: "extract" }>, input: ReadonlyMap<number, number>): Evaluator {
  const child = compile(e.child, input);
  if (e.mode === "field") {
    const i = e.fieldIndex;
    return (row) => {
      const s = child(row) as unknown[] | null;
      return s === null ? null : (s[i] ?? null);
    };
  }
  const key = compile(e.key, input);
  if (e.mode === "key") {
    return (row) => {
      const m = child(row) as Map<unknown, unknown> | null;
      if (m === null) return null;
      const k = key(row);
      return k === null ? null : (m.get(k) ?? null);
    };
  }
  return (row) => {
    const a = child(row) as unknown[] | null;
    if (a === null) return null;
    const k = key(row) as number | null;
    if (k === null) return null;
    if (k < 0 || k >= a.length) {
      throw new WeirError(
        "EXECUTION",
        `[INVALID_ARRAY_INDEX] The index ${k} is out of bounds. The array has ${a.length} elements. Use the SQL function get() to tolerate accessing element at invalid index and return NULL instead.`,
      );
    }
    return a[k] ?? null;
  };
}

function compileUdf(e: Extract<RExpr, { kind: "udf" }>, input: ReadonlyMap<number, number>): Evaluator {
  const args = e.args.map((a) => compile(a, input));
  const outs = e.args.map((a) => toExternal(a.dataType));
  const back = toInternal(e.dataType, `the result of the UDF ${e.name}`);
  const fn = e.fn as (...args: unknown[]) => unknown;
  const n = args.length;
  return (row) => {
    const values = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const v = args[i](row);
      values[i] = v === null ? null : outs[i](v);
    }
    let r: unknown;
    try {
      r = fn(...values);
    } catch (cause) {
      throw new WeirError("EXECUTION", `[FAILED_EXECUTE_UDF] the user-defined function ${e.name} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
        details: { udf: e.name },
      });
    }
    return r === null || r === undefined ? null : back(r);
  };
}

/** Compiles a predicate: true keeps the row; null and false drop it. */
export function compilePredicate(e: RExpr, input: ReadonlyMap<number, number>): (row: Row) => boolean {
  const f = compile(e, input);
  return (row) => f(row) === true;
}
