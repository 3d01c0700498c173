/**
 * CSV lines as Spark's CSV writer (univocity) prints them: `sep` (default `,`), values quoted
 * with `quote` when they hold the separator, the quote, a line break, or leading/trailing
 * space; quotes inside escaped with `escape` (default `\`, Spark's default, not RFC 4180's
 * doubling); null as `nullValue` (default empty), the empty string as `emptyValue` (default
 * `""`); `quoteAll`; leading/trailing whitespace trimmed (ignoreLeading/TrailingWhiteSpace,
 * true when writing); numbers as Java prints them; timestamps with `timestampFormat`.
 */
import { compileFormatter, formatDate } from "../../functions/datetime-util.js";
import { WeirError } from "../../../util/errors.js";
import type { DataType, Row, StructType } from "../../types.js";
import { DEFAULT_WRITE_TIMESTAMP_FORMAT } from "./json-write.js";
import type { SourceOptions } from "./options.js";
import { doubleToString as javaDoubleString, floatToString as javaFloatString } from "../../functions/format.js";

/** The header line (null without `header`) and the line printer of one schema. */
export interface CsvLineWriter {
  readonly header: string | null;
  line(row: Row): string;
}

/** Validates the options and schema, and returns the CSV line printer. */
export function csvLineWriter(schema: StructType, options: SourceOptions): CsvLineWriter {
  for (const f of schema.fields) {
    if (f.dataType.kind === "array" || f.dataType.kind === "map" || f.dataType.kind === "struct" || f.dataType.kind === "binary") {
      throw new WeirError("ANALYSIS", `[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column \`${f.name}\` of the type "${f.dataType.kind.toUpperCase()}".`, {
        details: { column: f.name, type: f.dataType.kind },
      });
    }
  }
  const sepRaw = options.getAny(["sep", "delimiter"]) ?? ",";
  const sep = sepRaw === "\\t" ? "\t" : sepRaw;
  const quote = options.getChar(["quote"], '"', true);
  const escape = options.getChar(["escape"], "\\");
  const nullValue = options.get("nullValue") ?? "";
  const emptyValue = options.get("emptyValue") ?? `${quote}${quote}`;
  const quoteAll = options.getBool("quoteAll", false);
  const escapeQuotes = options.getBool("escapeQuotes", true);
  const trimLeading = options.getBool("ignoreLeadingWhiteSpace", true);
  const trimTrailing = options.getBool("ignoreTrailingWhiteSpace", true);
  const ts = compileFormatter(options.get("timestampFormat") ?? DEFAULT_WRITE_TIMESTAMP_FORMAT);
  const dateFormat = options.get("dateFormat");
  const dateFormatter = dateFormat === undefined ? null : compileFormatter(dateFormat);
  const date = dateFormatter === null ? formatDate : (days: number) => dateFormatter(days * 86_400_000_000);

  const quoted = (s: string): string => {
    let body = s;
    if (quote !== "" && escapeQuotes) body = body.split(quote).join(escape + quote);
    return `${quote}${body}${quote}`;
  };
  const field = (s: string): string => {
    let v = s;
    if (trimLeading) v = v.replace(/^\s+/, "");
    if (trimTrailing) v = v.replace(/\s+$/, "");
    if (v === "") return emptyValue;
    if (quote === "") return v;
    const needs = quoteAll || v.includes(sep) || v.includes(quote) || v.includes("\n") || v.includes("\r") || (!trimLeading && /^\s/.test(v)) || (!trimTrailing && /\s$/.test(v));
    return needs ? quoted(v) : v;
  };
  const text = (v: unknown, t: DataType): string => {
    switch (t.kind) {
      case "double":
        return javaDoubleString(v as number);
      case "float":
        return javaFloatString(v as number);
      case "timestamp":
        return ts(v as number);
      case "date":
        return date(v as number);
      default:
        return String(v);
    }
  };
  const types = schema.fields.map((f) => f.dataType);
  return {
    header: options.getBool("header", false) ? schema.fields.map((f) => field(f.name)).join(sep) : null,
    line: (row) => row.map((v, i) => (v === null || v === undefined ? nullValue : field(text(v, types[i])))).join(sep),
  };
}
