/**
 * `df.show()` text, character for character as Spark 4 prints it (Dataset.showString): cells
 * as ToPrettyString renders values (NULL for null, `[1, 2]`, `{a, 1}`, `{k -> v}`), cut to
 * `truncate` characters with "...", right-aligned when truncating and left-aligned otherwise,
 * columns at least 3 wide, wide (East Asian) characters counted twice.
 */
import type { DataType, Row, StructType } from "../types.js";
import { doubleToString, floatToString } from "../functions/format.js";
import { formatDate, formatTimestamp } from "../functions/datetime-util.js";

/** A value as show() prints it. */
export function prettyValue(v: unknown, t: DataType): string {
  if (v === null || v === undefined) return "NULL";
  switch (t.kind) {
    case "string":
      return v as string;
    case "double":
      return doubleToString(v as number);
    case "float":
      return floatToString(v as number);
    case "boolean":
      return v ? "true" : "false";
    case "binary":
      return `[${[...(v as Buffer)].map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ")}]`;
    case "timestamp":
      return formatTimestamp(v as number);
    case "date":
      return formatDate(v as number);
    case "array":
      return `[${(v as unknown[]).map((x) => prettyValue(x, t.elementType)).join(", ")}]`;
    case "struct":
      return `{${t.fields.map((f, i) => prettyValue((v as unknown[])[i], f.dataType)).join(", ")}}`;
    case "map":
      return `{${[...(v as Map<unknown, unknown>)].map(([k, x]) => `${prettyValue(k, t.keyType)} -> ${prettyValue(x, t.valueType)}`).join(", ")}}`;
    default:
      return typeof v === "object" ? JSON.stringify(v) : (v as number).toString();
  }
}

const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\uD840-\uD87F][\uDC00-\uDFFF]/g;

/** Display width: wide characters take two columns (Spark's Utils.stringHalfWidth). */
export function stringHalfWidth(s: string): number {
  const wide = s.match(WIDE);
  return s.length + (wide === null ? 0 : wide.reduce((n, w) => n + (w.length === 2 ? 0 : 1), 0));
}

function cut(s: string, truncate: number): string {
  if (truncate > 0 && s.length > truncate) return truncate < 4 ? s.slice(0, truncate) : s.slice(0, truncate - 3) + "...";
  return s;
}

const MIN_WIDTH = 3;

/**
 * Spark's showString. `rows` holds at most `numRows` rows; `hasMore` says the frame had more.
 * `truncate` is 0 (no truncation) or the cell width.
 */
export function showString(schema: StructType, rows: readonly Row[], numRows: number, truncate: number, vertical: boolean, hasMore: boolean): string {
  const names = schema.fields.map((f) => cut(f.name, truncate));
  const data = rows.map((r) => schema.fields.map((f, i) => cut(prettyValue(r[i], f.dataType), truncate)));
  let sb = "";
  if (!vertical) {
    const widths = names.map((n) => Math.max(MIN_WIDTH, stringHalfWidth(n)));
    for (const row of data) row.forEach((c, i) => (widths[i] = Math.max(widths[i], stringHalfWidth(c))));
    const sep = "+" + widths.map((w) => "-".repeat(w)).join("+") + "+\n";
    const line = (cells: readonly string[]): string =>
      "|" +
      cells
        .map((c, i) => {
          const pad = " ".repeat(widths[i] - stringHalfWidth(c));
          return truncate > 0 ? pad + c : c + pad;
        })
        .join("|") +
      "|\n";
    sb += sep + line(names) + sep;
    for (const row of data) sb += line(row);
    sb += sep;
  } else {
    const nameWidth = names.reduce((m, n) => Math.max(m, stringHalfWidth(n)), MIN_WIDTH);
    const dataWidth = data.reduce((m, row) => Math.max(m, ...row.map(stringHalfWidth)), MIN_WIDTH);
    data.forEach((row, i) => {
      sb += `-RECORD ${i}`.padEnd(nameWidth + dataWidth + 5, "-") + "\n";
      sb += row.map((c, j) => ` ${names[j] + " ".repeat(nameWidth - stringHalfWidth(names[j]))} | ${c + " ".repeat(dataWidth - stringHalfWidth(c))} `).join("\n") + "\n";
    });
    if (data.length === 0) sb += "(0 rows)\n";
  }
  if (hasMore) sb += `only showing top ${numRows} ${numRows === 1 ? "row" : "rows"}\n`;
  return sb;
}
