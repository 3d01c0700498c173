/**
 * JSON lines as Spark's JSON writer prints them (Jackson): struct fields in schema order, null
 * fields omitted (`ignoreNullFields`, default true), doubles as Java prints them (`1.0`,
 * `1.0E10`, `"NaN"`), timestamps with `timestampFormat` (default `yyyy-MM-dd'T'HH:mm:ss.SSSXXX`,
 * so UTC gives `2024-01-31T12:00:00.000Z`), dates with `dateFormat`, binary as base64, map keys
 * cast to strings.
 */
import { compileFormatter, formatDate } from "../../functions/datetime-util.js";
import type { DataType, Row, StructType } from "../../types.js";
import type { SourceOptions } from "./options.js";
import { doubleToString as javaDoubleString, floatToString as javaFloatString, valueToString as castToString } from "../../functions/format.js";

/** Spark's default timestamp pattern for writing JSON and CSV. */
export const DEFAULT_WRITE_TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

/** Returns a function printing one row as a JSON object (without the newline). */
export function jsonLineWriter(schema: StructType, options: SourceOptions): (row: Row) => string {
  const ignoreNulls = options.getBool("ignoreNullFields", true);
  const ts = compileFormatter(options.get("timestampFormat") ?? DEFAULT_WRITE_TIMESTAMP_FORMAT);
  const dateFormat = options.get("dateFormat");
  const dateFormatter = dateFormat === undefined ? null : compileFormatter(dateFormat);
  const date = dateFormatter === null ? formatDate : (days: number) => dateFormatter(days * 86_400_000_000);

  const value = (v: unknown, t: DataType): string => {
    if (v === null || v === undefined) return "null";
    switch (t.kind) {
      case "string":
        return JSON.stringify(v);
      case "double":
      case "float": {
        const n = v as number;
        if (!Number.isFinite(n)) return JSON.stringify(javaDoubleString(n));
        return t.kind === "float" ? javaFloatString(n) : javaDoubleString(n);
      }
      case "timestamp":
        return JSON.stringify(ts(v as number));
      case "date":
        return JSON.stringify(date(v as number));
      case "binary":
        return JSON.stringify((v as Buffer).toString("base64"));
      case "array":
        return `[${(v as unknown[]).map((e) => value(e, t.elementType)).join(",")}]`;
      case "map": {
        const parts: string[] = [];
        for (const [k, e] of v as Map<unknown, unknown>) parts.push(`${JSON.stringify(castToString(k, t.keyType))}:${value(e, t.valueType)}`);
        return `{${parts.join(",")}}`;
      }
      case "struct":
        return object(v as unknown[], t);
      default:
        return typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" ? String(v) : JSON.stringify(v);
    }
  };

  const object = (values: readonly unknown[], t: StructType): string => {
    const parts: string[] = [];
    for (let i = 0; i < t.fields.length; i++) {
      const v = values[i];
      if ((v === null || v === undefined) && ignoreNulls) continue;
      parts.push(`${JSON.stringify(t.fields[i].name)}:${value(v, t.fields[i].dataType)}`);
    }
    return `{${parts.join(",")}}`;
  };

  return (row) => object(row, schema);
}
