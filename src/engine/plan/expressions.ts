/**
 * Resolved expressions: what the analyzer turns an {@link Expr} into once names, types and
 * functions are known. Columns become references to attributes by id (Spark's exprId), so the
 * optimizer can move expressions between operators without renumbering positions; physical
 * planning binds ids to row positions (exec/bind.ts).
 */
import type { DataType } from "../types.js";
import type { AggregateFunction, ScalarFunction } from "../expr/ast.js";

/** One output column of a plan node. The id is unique per query and survives renames of the plan. */
export interface Attribute {
  readonly id: number;
  readonly name: string;
  readonly dataType: DataType;
  readonly nullable: boolean;
  /** The alias of the relation it comes from (`df.alias("a")`), for `a.col` lookups. */
  readonly qualifier?: string;
}

let nextAttributeId = 1;

/** A fresh attribute id (ids only need to be unique within a process). */
export function newId(): number {
  return nextAttributeId++;
}

/** A new attribute (fresh id). */
export function newAttribute(name: string, dataType: DataType, nullable: boolean, qualifier?: string): Attribute {
  return qualifier === undefined ? { id: newId(), name, dataType, nullable } : { id: newId(), name, dataType, nullable, qualifier };
}

/** A resolved frame: bounds relative to the current row (rows) or its order value (range). */
export interface ResolvedFrame {
  readonly type: "rows" | "range";
  readonly start: number;
  readonly end: number;
}

/** A resolved sort key. */
export interface SortKey {
  readonly expr: RExpr;
  readonly ascending: boolean;
  readonly nullsFirst: boolean;
}

/** A resolved expression; every variant knows its type and nullability. */
export type RExpr =
  | { readonly kind: "ref"; readonly id: number; readonly name: string; readonly dataType: DataType; readonly nullable: boolean }
  | { readonly kind: "lit"; readonly value: unknown; readonly dataType: DataType; readonly nullable: boolean }
  | {
      readonly kind: "call";
      /** The lower-case registry name (`+`, `lower`). */
      readonly name: string;
      readonly fn: ScalarFunction;
      readonly args: readonly RExpr[];
      readonly dataType: DataType;
      readonly nullable: boolean;
    }
  | {
      readonly kind: "cast";
      readonly child: RExpr;
      readonly dataType: DataType;
      readonly nullable: boolean;
      readonly tryCast: boolean;
      /** Inserted by type coercion (hidden from generated column names, as in Spark). */
      readonly implicit: boolean;
    }
  | {
      readonly kind: "case";
      readonly branches: readonly (readonly [RExpr, RExpr])[];
      readonly otherwise: RExpr | null;
      readonly dataType: DataType;
      readonly nullable: boolean;
    }
  | {
      readonly kind: "extract";
      readonly child: RExpr;
      /** field: struct field by index; item: array element by 0-based index; key: map value. */
      readonly mode: "field" | "item" | "key";
      readonly key: RExpr;
      /** For `field`: the field's position and name. */
      readonly fieldIndex: number;
      readonly fieldName: string;
      readonly dataType: DataType;
      readonly nullable: boolean;
    }
  | {
      readonly kind: "udf";
      readonly name: string;
      readonly fn: (...args: never[]) => unknown;
      readonly args: readonly RExpr[];
      readonly dataType: DataType;
      readonly nullable: boolean;
    }
  | {
      /** Only inside an Aggregate node (or a Window node, as a window function). */
      readonly kind: "agg";
      readonly name: string;
      readonly fn: AggregateFunction;
      readonly args: readonly RExpr[];
      readonly distinct: boolean;
      /** The `FILTER (WHERE cond)` clause: only rows where it is true are aggregated. */
      readonly filter?: RExpr;
      readonly dataType: DataType;
      readonly nullable: boolean;
    }
  | {
      /**
       * A ranking or offset window function, only inside a Window node: row_number, rank,
       * dense_rank, percent_rank, cume_dist (no args), ntile(n), lag/lead(input, offset, default).
       */
      readonly kind: "rank";
      readonly name: RankName;
      readonly args: readonly RExpr[];
      readonly dataType: DataType;
      readonly nullable: boolean;
    }
  | {
      /** `fn OVER (spec)` before the analyzer lifts it into a Window node. */
      readonly kind: "window";
      readonly fn: RExpr;
      readonly partitionBy: readonly RExpr[];
      readonly orderBy: readonly SortKey[];
      readonly frame: ResolvedFrame;
      readonly dataType: DataType;
      readonly nullable: boolean;
    };

/** The window functions the window operator computes itself. */
export type RankName = "row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist" | "ntile" | "lag" | "lead";

/** An expression with the attribute it produces (a project list entry). */
export interface NamedExpr {
  readonly expr: RExpr;
  readonly attr: Attribute;
}

/** A reference to an attribute. */
export function refTo(a: Attribute): RExpr {
  return { kind: "ref", id: a.id, name: a.name, dataType: a.dataType, nullable: a.nullable };
}

/** The direct children of an expression. */
export function childrenOf(e: RExpr): readonly RExpr[] {
  switch (e.kind) {
    case "ref":
    case "lit":
      return [];
    case "agg":
      return e.filter === undefined ? e.args : [...e.args, e.filter];
    case "call":
    case "udf":
    case "rank":
      return e.args;
    case "cast":
      return [e.child];
    case "case":
      return [...e.branches.flatMap(([c, v]) => [c, v]), ...(e.otherwise === null ? [] : [e.otherwise])];
    case "extract":
      return [e.child, e.key];
    case "window":
      return [e.fn, ...e.partitionBy, ...e.orderBy.map((k) => k.expr)];
  }
}

/** Rebuilds one level of an expression with `f` applied to its direct children. */
export function mapChildren(e: RExpr, f: (c: RExpr) => RExpr): RExpr {
  switch (e.kind) {
    case "ref":
    case "lit":
      return e;
    case "rank":
      return { ...e, args: e.args.map(f) };
    case "call":
      return { ...e, args: e.args.map(f) };
    case "udf":
      return { ...e, args: e.args.map(f) };
    case "agg":
      return e.filter === undefined ? { ...e, args: e.args.map(f) } : { ...e, args: e.args.map(f), filter: f(e.filter) };
    case "cast":
      return { ...e, child: f(e.child) };
    case "case":
      return { ...e, branches: e.branches.map(([c, v]) => [f(c), f(v)] as const), otherwise: e.otherwise === null ? null : f(e.otherwise) };
    case "extract":
      return { ...e, child: f(e.child), key: f(e.key) };
    case "window":
      return { ...e, fn: f(e.fn), partitionBy: e.partitionBy.map(f), orderBy: e.orderBy.map((k) => ({ ...k, expr: f(k.expr) })) };
  }
}

/** Rebuilds an expression bottom-up: `f` sees each node after its children were rewritten. */
export function transformUp(e: RExpr, f: (e: RExpr) => RExpr): RExpr {
  return f(mapChildren(e, (c) => transformUp(c, f)));
}

/** True when `pred` holds for `e` or any expression below it. */
export function exists(e: RExpr, pred: (e: RExpr) => boolean): boolean {
  if (pred(e)) return true;
  return childrenOf(e).some((c) => exists(c, pred));
}

/** The attribute ids an expression reads. */
export function referencedIds(e: RExpr, into: Set<number> = new Set()): Set<number> {
  if (e.kind === "ref") into.add(e.id);
  for (const c of childrenOf(e)) referencedIds(c, into);
  return into;
}

/** True when an expression gives the same value for the same input every time (no rand, no UDF). */
export function isDeterministic(e: RExpr): boolean {
  return !exists(e, (x) => x.kind === "udf" || (x.kind === "call" && x.fn.nondeterministic === true));
}

/** True when the expression reads no column and can be computed once at planning time. */
export function isFoldable(e: RExpr): boolean {
  return !exists(
    e,
    (x) => x.kind === "ref" || x.kind === "agg" || x.kind === "rank" || x.kind === "window" || x.kind === "udf" || (x.kind === "call" && x.fn.nondeterministic === true),
  );
}

/** Structural equality (Spark's semanticEquals): same tree, same references, same literals. */
export function sameExpr(a: RExpr, b: RExpr): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "ref":
      return a.id === (b as typeof a).id;
    case "lit":
      return litEquals(a.value, (b as typeof a).value) && a.dataType.kind === b.dataType.kind;
    case "call":
    case "udf":
      if (a.name !== (b as typeof a).name || (a.kind === "udf" && a.fn !== (b as typeof a).fn)) return false;
      return sameList(a.args, (b as typeof a).args);
    case "agg": {
      const o = b as typeof a;
      const sameFilter = a.filter === undefined || o.filter === undefined ? a.filter === o.filter : sameExpr(a.filter, o.filter);
      return a.name === o.name && a.distinct === o.distinct && sameFilter && sameList(a.args, o.args);
    }
    case "cast":
      return a.dataType.kind === b.dataType.kind && a.tryCast === (b as typeof a).tryCast && sameExpr(a.child, (b as typeof a).child);
    case "rank":
      return a.name === (b as typeof a).name && sameList(a.args, (b as typeof a).args);
    default:
      return sameList(childrenOf(a), childrenOf(b)) && JSON.stringify(a.dataType) === JSON.stringify(b.dataType);
  }
}

function sameList(a: readonly RExpr[], b: readonly RExpr[]): boolean {
  return a.length === b.length && a.every((x, i) => sameExpr(x, b[i]));
}

function litEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => litEquals(x, b[i]));
  return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
}

/** Splits a condition into its AND-ed parts. */
export function splitConjuncts(e: RExpr): RExpr[] {
  if (e.kind === "call" && e.name === "and") return [...splitConjuncts(e.args[0]), ...splitConjuncts(e.args[1])];
  return [e];
}
