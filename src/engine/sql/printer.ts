/**
 * Prints an Expr as Spark SQL text that {@link parseExpression} reads back to the same Expr
 * (fully parenthesised). Useful for error messages and tests; column auto-names are the
 * analyzer's business.
 */
import type { Expr, WindowSpecData } from "../expr/ast.js";
import { CURRENT_ROW, UNBOUNDED_FOLLOWING, UNBOUNDED_PRECEDING } from "../expr/ast.js";
import { simpleString } from "../types.js";
import { formatDate, formatTimestamp } from "../functions/datetime-util.js";

const BINARY_OPS = new Set(["+", "-", "*", "/", "%", "=", "<", "<=", ">", ">=", "<=>", "&", "|", "^", "div"]);
const WORD_OPS: Record<string, string> = { and: "AND", or: "OR" };

/** Splits an Expr column path (`a.b`, `` `x.y`.z ``) into its parts. */
export function splitPath(path: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i <= path.length) {
    if (path[i] === "`") {
      let name = "";
      i++;
      while (i < path.length) {
        if (path[i] === "`" && path[i + 1] === "`") {
          name += "`";
          i += 2;
        } else if (path[i] === "`") {
          i++;
          break;
        } else name += path[i++];
      }
      parts.push(name);
      i++; // the dot
    } else {
      const end = path.indexOf(".", i);
      parts.push(path.slice(i, end < 0 ? path.length : end));
      if (end < 0) break;
      i = end + 1;
    }
  }
  return parts;
}

/** An identifier, back-quoted unless it is a plain word. */
export function quoteIdent(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^(and|or|not|null|true|false|case|when|then|else|end|as|in|is|like|ilike|rlike|regexp|between|div|from|over|escape|distinct|cast|try_cast|interval|timestamp|date|asc|desc|nulls|ignore|respect|trim|extract|timestamp_ltz)$/i.test(name)
    ? name
    : "`" + name.replace(/`/g, "``") + "`";
}

function literal(e: Extract<Expr, { kind: "lit" }>): string {
  const v = e.value;
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
  if (typeof v === "number") {
    switch (e.type?.kind) {
      case "long":
        return `${v}L`;
      case "short":
        return `${v}S`;
      case "byte":
        return `${v}Y`;
      case "float":
        return `${v}F`;
      case "double":
        return `${String(v)}D`;
      case "timestamp":
        return `TIMESTAMP '${formatTimestamp(v)}'`;
      case "date":
        return `DATE '${formatDate(v)}'`;
      default:
        return Number.isInteger(v) ? String(v) : `${String(v)}D`;
    }
  }
  return `'${JSON.stringify(v) ?? ""}'`;
}

function windowSpec(s: WindowSpecData): string {
  const parts: string[] = [];
  if (s.partitionBy.length > 0) parts.push(`PARTITION BY ${s.partitionBy.map(printExpression).join(", ")}`);
  if (s.orderBy.length > 0) parts.push(`ORDER BY ${s.orderBy.map(printExpression).join(", ")}`);
  if (s.frame !== undefined) {
    const b = (n: number): string =>
      n === UNBOUNDED_PRECEDING ? "UNBOUNDED PRECEDING" : n === UNBOUNDED_FOLLOWING ? "UNBOUNDED FOLLOWING" : n === CURRENT_ROW ? "CURRENT ROW" : n < 0 ? `${-n} PRECEDING` : `${n} FOLLOWING`;
    parts.push(`${s.frame.type.toUpperCase()} BETWEEN ${b(s.frame.start)} AND ${b(s.frame.end)}`);
  }
  return `(${parts.join(" ")})`;
}

/** Spark SQL text for `e` (see the module comment). UDFs print as their name applied to their arguments. */
export function printExpression(e: Expr): string {
  switch (e.kind) {
    case "col":
      return splitPath(e.name).map(quoteIdent).join(".");
    case "star":
      return e.qualifier === undefined ? "*" : `${splitPath(e.qualifier).map(quoteIdent).join(".")}.*`;
    case "lit":
      return literal(e);
    case "alias":
      return `${printExpression(e.child)} AS ${quoteIdent(e.name)}`;
    case "call": {
      const a = e.args.map(printExpression);
      if (BINARY_OPS.has(e.fn) && a.length === 2) return `(${a[0]} ${e.fn.toUpperCase() === "DIV" ? "DIV" : e.fn} ${a[1]})`;
      if (WORD_OPS[e.fn] !== undefined && a.length === 2) return `(${a[0]} ${WORD_OPS[e.fn]} ${a[1]})`;
      if (e.fn === "not" && a.length === 1) return `(NOT ${a[0]})`;
      if (e.fn === "isnull" && a.length === 1) return `(${a[0]} IS NULL)`;
      if (e.fn === "isnotnull" && a.length === 1) return `(${a[0]} IS NOT NULL)`;
      if (e.fn === "in" && a.length >= 2) return `(${a[0]} IN (${a.slice(1).join(", ")}))`;
      if ((e.fn === "like" || e.fn === "ilike" || e.fn === "rlike") && a.length === 2) return `(${a[0]} ${e.fn.toUpperCase()} ${a[1]})`;
      const filter = e.filter === undefined ? "" : ` FILTER (WHERE ${printExpression(e.filter)})`;
      return `${quoteIdent(e.fn)}(${e.distinct === true ? "DISTINCT " : ""}${a.join(", ")})${filter}`;
    }
    case "cast":
      return `${e.tryCast === true ? "TRY_CAST" : "CAST"}(${printExpression(e.child)} AS ${simpleString(e.to)})`;
    case "case":
      return `CASE ${e.branches.map(([w, t]) => `WHEN ${printExpression(w)} THEN ${printExpression(t)}`).join(" ")}${e.otherwise === undefined ? "" : ` ELSE ${printExpression(e.otherwise)}`} END`;
    case "sort":
      return `${printExpression(e.child)} ${e.ascending ? "ASC" : "DESC"} NULLS ${e.nullsFirst ? "FIRST" : "LAST"}`;
    case "window":
      return `${printExpression(e.fn)} OVER ${windowSpec(e.spec)}`;
    case "udf":
      return `${quoteIdent(e.name)}(${e.args.map(printExpression).join(", ")})`;
    case "extract":
      return `${printExpression(e.child)}[${printExpression(e.key)}]`;
  }
}
