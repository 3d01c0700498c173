/**
 * How resolved expressions print: Spark's auto-generated column names (`sum(amount)`,
 * `(a + b)`, `CAST(x AS INT)`, `CASE WHEN ... END`), which users see and select by, and the
 * id-carrying form explain() shows (`amount#3`).
 */
import { simpleString, type DataType } from "../types.js";
import type { RExpr, ResolvedFrame, SortKey } from "./expressions.js";
import { UNBOUNDED_FOLLOWING, UNBOUNDED_PRECEDING } from "../expr/ast.js";

const BINARY_OPS: Record<string, string> = {
  "+": "+",
  "-": "-",
  "*": "*",
  "/": "/",
  "%": "%",
  "=": "=",
  "==": "=",
  "<=>": "<=>",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
  and: "AND",
  or: "OR",
};

/** Functions whose Spark name prints differently from their registry name. */
const DISPLAY_NAMES: Record<string, string> = {
  pow: "POWER",
  power: "POWER",
  sqrt: "SQRT",
  floor: "FLOOR",
  ceil: "CEIL",
  ceiling: "CEIL",
  mean: "avg",
};

/** Spark's SQL spelling of a type in names and errors: `INT`, `ARRAY<STRING>`, `STRUCT<a: INT>`. */
export function typeSql(t: DataType): string {
  switch (t.kind) {
    case "array":
      return `ARRAY<${typeSql(t.elementType)}>`;
    case "map":
      return `MAP<${typeSql(t.keyType)}, ${typeSql(t.valueType)}>`;
    case "struct":
      return `STRUCT<${t.fields.map((f) => `${quoteIfNeeded(f.name)}: ${typeSql(f.dataType)}`).join(", ")}>`;
    default:
      return simpleString(t).toUpperCase();
  }
}

/** Back-quotes a name that is not a plain identifier. */
export function quoteIfNeeded(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : "`" + name.replace(/`/g, "``") + "`";
}

/** The column name Spark would generate for an expression. */
export function prettyName(e: RExpr): string {
  return print(e, false);
}

/** The expression as explain() shows it, references with their ids. */
export function planString(e: RExpr): string {
  return print(e, true);
}

/** A sort key as explain() and window names show it: `x ASC NULLS FIRST`. */
export function sortKeyString(k: SortKey, withIds: boolean): string {
  return `${print(k.expr, withIds)} ${k.ascending ? "ASC" : "DESC"} NULLS ${k.nullsFirst ? "FIRST" : "LAST"}`;
}

function boundString(v: number, preceding: boolean): string {
  if (v === UNBOUNDED_PRECEDING) return "UNBOUNDED PRECEDING";
  if (v === UNBOUNDED_FOLLOWING) return "UNBOUNDED FOLLOWING";
  if (v === 0) return "CURRENT ROW";
  void preceding;
  return v < 0 ? `${-v} PRECEDING` : `${v} FOLLOWING`;
}

/** Spark's frame text: `ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`. */
export function frameString(f: ResolvedFrame): string {
  return `${f.type.toUpperCase()} BETWEEN ${boundString(f.start, true)} AND ${boundString(f.end, false)}`;
}

/** Prints a JS literal value as Spark's Literal.toString does. */
export function literalString(value: unknown, t: DataType): string {
  if (value === null) return "NULL";
  if (t.kind === "timestamp" && typeof value === "number") return new Date(value / 1000).toISOString().replace("T", " ").replace("Z", "");
  if (t.kind === "date" && typeof value === "number") return new Date(value * 86_400_000).toISOString().slice(0, 10);
  if (Buffer.isBuffer(value)) return `X'${value.toString("hex").toUpperCase()}'`;
  if (Array.isArray(value)) return `[${value.map((v) => literalString(v, t.kind === "array" ? t.elementType : t)).join(", ")}]`;
  if ((t.kind === "double" || t.kind === "float") && typeof value === "number" && Number.isInteger(value)) return `${value}.0`;
  if (value instanceof Map) return `map(${[...(value as Map<unknown, unknown>)].map(([k, v]) => `${String(k as string)}, ${String(v as string)}`).join(", ")})`;
  return typeof value === "object" ? JSON.stringify(value) : (value as string | number | boolean).toString();
}

function print(e: RExpr, ids: boolean): string {
  const p = (x: RExpr): string => print(x, ids);
  switch (e.kind) {
    case "ref":
      return ids ? `${e.name}#${e.id}` : e.name;
    case "lit":
      return literalString(e.value, e.dataType);
    case "cast":
      if (ids) return `${e.tryCast ? "try_cast" : "cast"}(${p(e.child)} as ${simpleString(e.dataType)})`;
      if (e.implicit) return p(e.child);
      return `${e.tryCast ? "TRY_CAST" : "CAST"}(${p(e.child)} AS ${typeSql(e.dataType)})`;
    case "case": {
      const parts = e.branches.map(([c, v]) => `WHEN ${p(c)} THEN ${p(v)}`);
      const other = e.otherwise === null ? "" : ` ELSE ${p(e.otherwise)}`;
      return `CASE ${parts.join(" ")}${other} END`;
    }
    case "extract":
      return e.mode === "field" ? `${p(e.child)}.${e.fieldName}` : `${p(e.child)}[${p(e.key)}]`;
    case "udf":
      return `${e.name}(${e.args.map(p).join(", ")})`;
    case "agg":
      return `${DISPLAY_NAMES[e.name] ?? e.name}(${e.distinct ? "DISTINCT " : ""}${e.args.map(p).join(", ")})${e.filter === undefined ? "" : ` FILTER (WHERE ${p(e.filter)})`}`;
    case "rank":
      return `${e.name}(${e.args.map(p).join(", ")})`;
    case "window": {
      const partition = e.partitionBy.length === 0 ? "" : `PARTITION BY ${e.partitionBy.map(p).join(", ")} `;
      const order = e.orderBy.length === 0 ? "" : `ORDER BY ${e.orderBy.map((k) => sortKeyString(k, ids)).join(", ")} `;
      const offsetFrame = e.fn.kind === "rank" && (e.fn.name === "lag" || e.fn.name === "lead");
      const frame = offsetFrame ? `ROWS BETWEEN ${e.frame.start} FOLLOWING AND ${e.frame.end} FOLLOWING` : frameString(e.frame);
      return `${p(e.fn)} OVER (${partition}${order}${frame})`;
    }
    case "call":
      // explain() shows how the optimizer rewrote a from_json (the fields it builds, bytes read directly).
      if (ids && e.name === "from_json" && "planSuffix" in e.fn) return `from_json(${p(e.args[0])}${String(e.fn.planSuffix)})`;
      return printCall(e.name, e.args, ids);
  }
}

/** Prints a call by its registry name: operators infix and parenthesised, as Spark's `sql`. */
export function printCall(name: string, args: readonly RExpr[], ids: boolean): string {
  const p = (x: RExpr): string => print(x, ids);
  const op = BINARY_OPS[name];
  if (op !== undefined && args.length === 2) return `(${p(args[0])} ${op} ${p(args[1])})`;
  switch (name) {
    case "!=":
    case "<>":
      return `(NOT (${p(args[0])} = ${p(args[1])}))`;
    case "not":
      return `(NOT ${p(args[0])})`;
    case "negative":
      return `(- ${p(args[0])})`;
    case "isnull":
      return `(${p(args[0])} IS NULL)`;
    case "isnotnull":
      return `(${p(args[0])} IS NOT NULL)`;
    case "in":
      return `(${p(args[0])} IN (${args.slice(1).map(p).join(", ")}))`;
    case "like":
      return `${p(args[0])} LIKE ${p(args[1])}`;
    case "rlike":
      return `RLIKE(${p(args[0])}, ${p(args[1])})`;
    case "window":
      return "window";
    case "from_json":
      return `from_json(${p(args[0])})`;
    case "struct":
      // struct(...) resolves to named_struct(name1, value1, ...); Spark names it by the values.
      if (ids) return `named_struct(${args.map(p).join(", ")})`;
      return `struct(${args.filter((_, i) => i % 2 === 1).map(p).join(", ")})`;
    default:
      return `${DISPLAY_NAMES[name] ?? name}(${args.map(p).join(", ")})`;
  }
}
