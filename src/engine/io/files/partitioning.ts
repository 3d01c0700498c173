/**
 * Hive-style partition directories (`year=2024/country=FR/part-...`) as Spark writes and
 * discovers them: escaping of names and values, type inference of values (Spark's
 * PartitioningUtils with spark.sql.sources.partitionColumnTypeInference.enabled=true), and the
 * widening of types across directories.
 */
import { parseDateString, parseTimestampString } from "../../functions/datetime-util.js";
import { WeirError } from "../../../util/errors.js";
import { DoubleType, IntegerType, LongType, NullType, StringType, DateType, TimestampType, type DataType } from "../../types.js";
import { valueToString as castToString } from "../../functions/format.js";

/** The directory value Spark writes for a null (or empty string) partition value. */
export const HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";

// Spark's ExternalCatalogUtils.charToEscape: control characters and "#%'*/:=?\{[]^ and DEL.
const ESCAPED = new Set<string>(['"', "#", "%", "'", "*", "/", ":", "=", "?", "\\", "\u007f", "{", "[", "]", "^"]);

/** Escapes a partition column name or value for a directory name (Spark's escapePathName). */
export function escapePathName(s: string): string {
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || ESCAPED.has(ch)) out += `%${code.toString(16).toUpperCase().padStart(2, "0")}`;
    else out += ch;
  }
  return out;
}

/** Reverses {@link escapePathName} (Spark's unescapePathName: `%XX` with two hex digits). */
export function unescapePathName(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The directory name of one partition value: `col=value`, null and "" as the Hive default. */
export function partitionDirectory(name: string, value: unknown, type: DataType): string {
  const text = value === null ? "" : castToString(value, type);
  return `${escapePathName(name)}=${text === "" ? HIVE_DEFAULT_PARTITION : escapePathName(text)}`;
}

/** Parses a `col=value` directory name; null when the name is not one. */
export function parsePartitionDirectory(dirName: string): { name: string; value: string | null } | null {
  const eq = dirName.indexOf("=");
  if (eq <= 0) return null;
  const name = unescapePathName(dirName.slice(0, eq));
  const raw = dirName.slice(eq + 1);
  if (raw === HIVE_DEFAULT_PARTITION) return { name, value: null };
  return { name, value: unescapePathName(raw) };
}

const INT_RE = /^[+-]?\d+$/;
const DECIMAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The type Spark infers for one partition value: int, bigint, (decimal →) double, double, date,
 * timestamp, else string; null for the Hive default (it widens to anything).
 */
export function inferPartitionValueType(raw: string | null): DataType {
  if (raw === null) return NullType;
  if (INT_RE.test(raw)) {
    const n = Number(raw);
    if (n >= -2147483648 && n <= 2147483647) return IntegerType;
    if (Number.isSafeInteger(n)) return LongType;
    return DoubleType; // Spark infers decimal(p,0); Weir has no decimal type.
  }
  if (DECIMAL_RE.test(raw)) return DoubleType;
  // Spark requires the date text to print back the same (yyyy-MM-dd), then tries a timestamp.
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw) && parseDateString(raw) !== null) return DateType;
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(raw) && parseTimestampString(raw) !== null) return TimestampType;
  return StringType;
}

const NUMERIC_RANK: Record<string, number> = { int: 0, long: 1, double: 2 };

/** Spark's findWiderTypeForPartitionColumn: numeric widening, date+timestamp → timestamp, else string. */
export function widerPartitionType(a: DataType, b: DataType): DataType {
  if (a.kind === b.kind) return a;
  if (a.kind === "null") return b;
  if (b.kind === "null") return a;
  const ra = NUMERIC_RANK[a.kind];
  const rb = NUMERIC_RANK[b.kind];
  if (ra !== undefined && rb !== undefined) return ra > rb ? a : b;
  if ((a.kind === "date" && b.kind === "timestamp") || (a.kind === "timestamp" && b.kind === "date")) return TimestampType;
  return StringType;
}

/** Converts a raw partition value to the column's type (the user's type when a schema named it). */
export function convertPartitionValue(raw: string | null, type: DataType, column: string): unknown {
  if (raw === null) return null;
  let v: unknown;
  switch (type.kind) {
    case "string":
      return raw;
    case "byte":
    case "short":
    case "int":
    case "long":
      v = INT_RE.test(raw) ? Number(raw) : null;
      break;
    case "float":
    case "double":
      v = DECIMAL_RE.test(raw) ? Number(raw) : null;
      break;
    case "boolean":
      v = raw.toLowerCase() === "true" ? true : raw.toLowerCase() === "false" ? false : null;
      break;
    case "date":
      v = parseDateString(raw);
      break;
    case "timestamp":
      v = parseTimestampString(raw);
      break;
    default:
      v = null;
  }
  if (v === null) {
    throw new WeirError("EXECUTION", `the partition value ${JSON.stringify(raw)} of the column ${JSON.stringify(column)} is not a valid ${type.kind}`, {
      details: { column, value: raw, type: type.kind },
    });
  }
  return v;
}
