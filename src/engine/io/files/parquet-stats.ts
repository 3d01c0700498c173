/**
 * Row-group skipping for Parquet: a pushed-down conjunct `col <op> literal` (op one of = < <= >
 * >=) rules out a row group whose min/max statistics cannot satisfy it. Only numeric, date,
 * timestamp and boolean columns are used: string statistics may be truncated prefixes. Filters
 * are advisory (the engine filters the rows again), so anything not understood keeps the group.
 */
import type { FileMetaData, RowGroup } from "hyparquet";
import type { Expr } from "../../expr/ast.js";
import type { StructType } from "../../types.js";

const FLIP: Record<string, string> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };
const STATS_KINDS = new Set(["byte", "short", "int", "long", "float", "double", "date", "timestamp"]);

function asNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}

/** False only when the statistics prove no row of `group` satisfies every conjunct of `filters`. */
export function rowGroupMayMatch(_metadata: FileMetaData, group: RowGroup, schema: StructType, filters: readonly Expr[] | undefined): boolean {
  if (filters === undefined) return true;
  for (const f of filters) {
    if (f.kind !== "call" || FLIP[f.fn] === undefined || f.args.length !== 2) continue;
    let [a, b] = f.args;
    let op = f.fn;
    if (a.kind === "lit" && b.kind === "col") {
      [a, b] = [b, a];
      op = FLIP[op];
    }
    if (a.kind !== "col" || b.kind !== "lit") continue;
    const name = a.name.toLowerCase();
    const column = schema.fields.find((x) => x.name.toLowerCase() === name);
    if (column === undefined || !STATS_KINDS.has(column.dataType.kind)) continue;
    // A literal of another kind (a Date, a string) is left to the engine's own filter.
    const lit = asNumber(b.value);
    if (lit === undefined || (b.type !== undefined && b.type.kind !== column.dataType.kind && (column.dataType.kind === "date" || column.dataType.kind === "timestamp"))) continue;
    if (b.type === undefined && (column.dataType.kind === "date" || column.dataType.kind === "timestamp")) continue;
    const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0].toLowerCase() === name);
    const stats = chunk?.meta_data?.statistics;
    const min = asNumber(stats?.min_value ?? stats?.min);
    const max = asNumber(stats?.max_value ?? stats?.max);
    if (min === undefined || max === undefined || Number.isNaN(min) || Number.isNaN(max)) continue;
    const impossible =
      (op === "=" && (lit < min || lit > max)) ||
      (op === "<" && min >= lit) ||
      (op === "<=" && min > lit) ||
      (op === ">" && max <= lit) ||
      (op === ">=" && max < lit);
    if (impossible) return false;
  }
  return true;
}
