/**
 * `Column`: Spark's Column, an immutable wrapper of an unresolved expression. Methods build
 * bigger expressions; nothing is checked until a DataFrame resolves the column against its
 * schema. Values that are not Columns are literals here (`col("a").eq("x")` compares with the
 * string "x"), while the function builders read a bare string as a column name, as Spark does.
 */
import { WeirError } from "../../util/errors.js";
import type { Expr, WindowSpecData } from "../expr/ast.js";
import { parseDataType, type DataType } from "../types.js";

/** A column or a column name (`"*"` and `"t.*"` select every column). */
export type ColumnLike = Column | string;

/** What {@link Column.over} accepts: a WindowSpec (window.ts), kept structural to avoid an import cycle. */
export interface WindowSpecLike {
  readonly spec: WindowSpecData;
}

/** The expression of a column or column name. */
export function toExpr(c: ColumnLike): Expr {
  if (c instanceof Column) return c.expr;
  if (typeof c !== "string") throw new WeirError("INVALID_ARGUMENT", `expected a Column or a column name, got ${String(c)} (${typeof c}).`);
  if (c === "*") return { kind: "star" };
  if (c.endsWith(".*")) return { kind: "star", qualifier: c.slice(0, -2) };
  return { kind: "col", name: c };
}

/** The expression of a literal value or a Column (how Column methods read their arguments). */
export function litExpr(v: unknown): Expr {
  if (v instanceof Column) return v.expr;
  return { kind: "lit", value: v === undefined ? null : v };
}

function call(fn: string, ...args: Expr[]): Column {
  return new Column({ kind: "call", fn, args });
}

function sortOf(e: Expr, ascending: boolean, nullsFirst: boolean): Column {
  const child = e.kind === "sort" ? e.child : e;
  return new Column({ kind: "sort", child, ascending, nullsFirst });
}

/** See the module comment. */
export class Column {
  constructor(readonly expr: Expr) {}

  /** Names the column (Spark's alias/as/name). */
  alias(name: string): Column {
    return new Column({ kind: "alias", child: this.expr.kind === "alias" ? this.expr.child : this.expr, name });
  }

  /** Same as {@link alias}. */
  as(name: string): Column {
    return this.alias(name);
  }

  /** Same as {@link alias}. */
  name(name: string): Column {
    return this.alias(name);
  }

  /** CAST to a type given as a DataType or a type string (`"int"`, `"array<string>"`); ANSI: bad input fails the query. */
  cast(to: string | DataType): Column {
    return new Column({ kind: "cast", child: this.expr, to: typeof to === "string" ? parseDataType(to) : to });
  }

  /** Same as {@link cast}. */
  astype(to: string | DataType): Column {
    return this.cast(to);
  }

  /** TRY_CAST: null instead of an error when a value does not convert. */
  try_cast(to: string | DataType): Column {
    return new Column({ kind: "cast", child: this.expr, to: typeof to === "string" ? parseDataType(to) : to, tryCast: true });
  }

  plus(other: unknown): Column {
    return call("+", this.expr, litExpr(other));
  }
  minus(other: unknown): Column {
    return call("-", this.expr, litExpr(other));
  }
  multiply(other: unknown): Column {
    return call("*", this.expr, litExpr(other));
  }
  /** Division; always gives a double (Spark's `/`). */
  divide(other: unknown): Column {
    return call("/", this.expr, litExpr(other));
  }
  mod(other: unknown): Column {
    return call("%", this.expr, litExpr(other));
  }
  /** Unary minus. */
  negate(): Column {
    return call("negative", this.expr);
  }

  eq(other: unknown): Column {
    return call("=", this.expr, litExpr(other));
  }
  notEqual(other: unknown): Column {
    return call("!=", this.expr, litExpr(other));
  }
  /** Null-safe equality (`<=>`): null equals null. */
  eqNullSafe(other: unknown): Column {
    return call("<=>", this.expr, litExpr(other));
  }
  gt(other: unknown): Column {
    return call(">", this.expr, litExpr(other));
  }
  geq(other: unknown): Column {
    return call(">=", this.expr, litExpr(other));
  }
  lt(other: unknown): Column {
    return call("<", this.expr, litExpr(other));
  }
  leq(other: unknown): Column {
    return call("<=", this.expr, litExpr(other));
  }
  /** `lo <= this AND this <= hi`. */
  between(lo: unknown, hi: unknown): Column {
    return this.geq(lo).and(this.leq(hi));
  }

  and(other: Column | boolean): Column {
    return call("and", this.expr, litExpr(other));
  }
  or(other: Column | boolean): Column {
    return call("or", this.expr, litExpr(other));
  }
  not(): Column {
    return call("not", this.expr);
  }

  isNull(): Column {
    return call("isnull", this.expr);
  }
  isNotNull(): Column {
    return call("isnotnull", this.expr);
  }
  /** `this IN (values)`; accepts values or one array of values. */
  isin(...values: unknown[]): Column {
    const list = values.length === 1 && Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
    return call("in", this.expr, ...list.map(litExpr));
  }
  /** SQL LIKE (`%` any run, `_` one character). */
  like(pattern: string): Column {
    return call("like", this.expr, litExpr(pattern));
  }
  /** Java-style regular expression search. */
  rlike(pattern: string): Column {
    return call("rlike", this.expr, litExpr(pattern));
  }
  contains(other: unknown): Column {
    return call("contains", this.expr, litExpr(other));
  }
  startsWith(other: unknown): Column {
    return call("startswith", this.expr, litExpr(other));
  }
  endsWith(other: unknown): Column {
    return call("endswith", this.expr, litExpr(other));
  }
  /** Substring from 1-based `startPos`, `length` characters (Spark's substr). */
  substr(startPos: number | Column, length: number | Column): Column {
    return call("substring", this.expr, litExpr(startPos), litExpr(length));
  }

  /** Ascending, nulls first (Spark's default). */
  asc(): Column {
    return sortOf(this.expr, true, true);
  }
  asc_nulls_first(): Column {
    return sortOf(this.expr, true, true);
  }
  asc_nulls_last(): Column {
    return sortOf(this.expr, true, false);
  }
  /** Descending, nulls last (Spark's default). */
  desc(): Column {
    return sortOf(this.expr, false, false);
  }
  desc_nulls_first(): Column {
    return sortOf(this.expr, false, true);
  }
  desc_nulls_last(): Column {
    return sortOf(this.expr, false, false);
  }

  /** A window function or aggregate over a window (`row_number().over(Window.partitionBy("a").orderBy("b"))`). */
  over(window?: WindowSpecLike): Column {
    return new Column({ kind: "window", fn: this.expr, spec: window?.spec ?? { partitionBy: [], orderBy: [] } });
  }

  /** Adds a branch to a `when(...)` chain. */
  when(condition: Column, value: unknown): Column {
    const e = this.expr;
    if (e.kind !== "case" || e.otherwise !== undefined) {
      throw new WeirError("INVALID_ARGUMENT", "when() can only be applied on a Column previously generated by when() function, before otherwise().");
    }
    return new Column({ kind: "case", branches: [...e.branches, [condition.expr, litExpr(value)]] });
  }

  /** The value of a `when(...)` chain when no branch matched (null without it). */
  otherwise(value: unknown): Column {
    const e = this.expr;
    if (e.kind !== "case" || e.otherwise !== undefined) {
      throw new WeirError("INVALID_ARGUMENT", "otherwise() can only be applied once on a Column previously generated by when().");
    }
    return new Column({ kind: "case", branches: e.branches, otherwise: litExpr(value) });
  }

  /** A field of a struct column. */
  getField(name: string): Column {
    return new Column({ kind: "extract", child: this.expr, key: { kind: "lit", value: name } });
  }

  /** An element of an array (0-based) or the value of a map key. */
  getItem(key: unknown): Column {
    return new Column({ kind: "extract", child: this.expr, key: litExpr(key) });
  }

  /** For debugging: `Column<'expr kind'>`. */
  toString(): string {
    return `Column<'${describe(this.expr)}'>`;
  }
}

function describe(e: Expr): string {
  switch (e.kind) {
    case "col":
      return e.name;
    case "lit":
      return String(e.value);
    case "alias":
      return `${describe(e.child)} AS ${e.name}`;
    case "call":
      return `${e.fn}(${e.args.map(describe).join(", ")})`;
    default:
      return e.kind;
  }
}

/** `NOT col`. */
export function not(c: ColumnLike): Column {
  return new Column({ kind: "call", fn: "not", args: [toExpr(c)] });
}
