/**
 * The CSV data source (reading): Spark's options (header, sep, quote, escape, comment, nullValue,
 * emptyValue, inferSchema, timestampFormat, dateFormat, ignoreLeading/TrailingWhiteSpace, mode,
 * columnNameOfCorruptRecord, samplingRatio), parsed with csv-parse. Without `inferSchema` every
 * column is a string, named from the header or `_c0, _c1...`.
 */
import { parse, type Options as CsvParseOptions, type CsvError } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { compileParser, parseDateString, parseTimestampString } from "../../functions/datetime-util.js";
import { WeirError } from "../../../util/errors.js";
import { DoubleType, field, IntegerType, LongType, NullType, StringType, struct, type DataType, type Row, type StructType } from "../../types.js";
import { DEFAULT_CORRUPT_RECORD_COLUMN, MalformedRecordHandler, parseParseMode, type MalformedRecords, type ParseMode } from "../parse-mode.js";
import { fileError, openInput } from "./input.js";
import type { InputFile } from "./listing.js";
import { sampler, type SourceOptions } from "./options.js";
import { widerPartitionType } from "./partitioning.js";
import { FILE_BATCH_ROWS, type FileFormat, type FormatReader } from "./source.js";

/** A quoted empty field (`""`), which Spark reads as `emptyValue` rather than null. */
const QUOTED_EMPTY = Symbol("quoted-empty");
type Token = string | typeof QUOTED_EMPTY;

interface CsvRecord {
  record: Token[];
  /** The record's text without its line break. */
  raw: string;
  /** The line the record starts on (1-based). */
  line: number;
}

/** The read-side CSV options, validated once. */
interface CsvReadOptions {
  header: boolean;
  nullValue: string;
  emptyValue: string;
  parseTimestamp: (s: string) => number | null;
  parseDate: (s: string) => number | null;
  parser: CsvParseOptions;
}

function readOptions(options: SourceOptions, mode: ParseMode): CsvReadOptions {
  const sep = options.getAny(["sep", "delimiter"]) ?? ",";
  const quote = options.getChar(["quote"], '"', true);
  const escape = options.getChar(["escape"], "\\");
  const comment = options.getChar(["comment"], "\u0000");
  const timestampFormat = options.get("timestampFormat");
  const dateFormat = options.get("dateFormat");
  const dateParser = dateFormat === undefined ? undefined : compileParser(dateFormat);
  return {
    header: options.getBool("header", false),
    nullValue: options.get("nullValue") ?? "",
    emptyValue: options.get("emptyValue") ?? "",
    parseTimestamp: timestampFormat === undefined ? lenientTimestamp : compileParser(timestampFormat),
    parseDate: dateParser === undefined ? strictDate : (s) => {
      const us = dateParser(s);
      return us === null ? null : Math.floor(us / 86_400_000_000);
    },
    parser: {
      delimiter: sep === "\\t" ? "\t" : sep,
      quote: quote === "" ? false : quote,
      escape: escape === quote ? quote : escape,
      comment: comment === "\u0000" ? undefined : comment,
      comment_no_infix: true,
      ltrim: options.getBool("ignoreLeadingWhiteSpace", false),
      rtrim: options.getBool("ignoreTrailingWhiteSpace", false),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: mode !== "FAILFAST",
      bom: true,
      raw: true,
      record_delimiter: ["\r\n", "\n", "\r"],
    },
  };
}

/** Spark's lenient default timestamp parsing, requiring a time part so plain dates stay dates. */
function lenientTimestamp(s: string): number | null {
  return /^\s*[+-]?\d{4,}-\d{1,2}-\d{1,2}[T ]\d/.test(s) ? parseTimestampString(s) : null;
}

function strictDate(s: string): number | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? parseDateString(s) : null;
}

/**
 * The records of a file with their raw text (without the line break) and first line number.
 * csv-parse runs with neither `cast` nor `info`, which slow it several times over; line numbers
 * come from counting line breaks in the raw text (which carries skipped blank and comment lines
 * before a record), and a quoted empty field is told from an unquoted one by re-parsing the rare
 * record that has both an empty field and a doubled quote.
 */
async function* records(file: InputFile, parser: CsvParseOptions, onSkip: (raw: string, err: CsvError | undefined) => void): AsyncGenerator<CsvRecord> {
  const input = openInput(file.path);
  const csv = input.pipe(
    parse({
      ...parser,
      on_skip: (err, raw) => {
        onSkip((raw ?? "").replace(/\r?\n$/, ""), err);
        return undefined;
      },
    }),
  );
  input.on("error", (e) => csv.destroy(e));
  const quote = typeof parser.quote === "string" ? parser.quote : null;
  const comment = typeof parser.comment === "string" ? parser.comment : null;
  let line = 1;
  try {
    for await (const r of csv) {
      const { record, raw } = r as { record: string[]; raw: string };
      let body = raw;
      // Skip the blank and comment lines csv-parse passed over before this record.
      for (;;) {
        const m = /^(\r?\n|\r)/.exec(body);
        if (m !== null) {
          body = body.slice(m[0].length);
          line++;
        } else if (comment !== null && body.startsWith(comment)) {
          const nl = body.indexOf("\n");
          body = nl < 0 ? "" : body.slice(nl + 1);
          line++;
        } else break;
      }
      const start = line;
      for (let i = body.indexOf("\n"); i >= 0; i = body.indexOf("\n", i + 1)) line++;
      const text = body.replace(/\r?\n$|\r$/, "");
      const tokens: Token[] = quote !== null && record.includes("") && text.includes(quote + quote) ? markQuotedEmpty(text, parser) : record;
      yield { record: tokens, raw: text, line: start };
    }
  } catch (e) {
    if (e instanceof WeirError) throw e;
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw fileError(file.path, e);
    throw new WeirError("EXECUTION", `[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected in record parsing: file:${file.path} line ${line}: ${(e as Error).message}. Parse Mode: FAILFAST.`, {
      cause: e,
      details: { path: file.path, line },
    });
  } finally {
    input.destroy();
  }
}

/** Re-parses one record's text with a cast that marks quoted empty fields (the slow path). */
function markQuotedEmpty(text: string, parser: CsvParseOptions): Token[] {
  const rows = parseSync(text, {
    ...parser,
    raw: false,
    skip_records_with_error: false,
    cast: (value: string, ctx: { quoting: boolean }) => (ctx.quoting && value === "" ? QUOTED_EMPTY : value),
  }) as Token[][];
  return rows[0] ?? [];
}

const INT_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?$/;

/** The type Spark's CSV inference gives one non-null field. */
function inferField(s: string, opts: CsvReadOptions): DataType {
  if (INT_RE.test(s)) {
    const n = Number(s);
    if (n >= -2147483648 && n <= 2147483647) return IntegerType;
    return Number.isSafeInteger(n) ? LongType : DoubleType; // Spark: decimal(p,0) past bigint
  }
  if (DOUBLE_RE.test(s) || s === "NaN" || /^[+-]?Inf(inity)?$/.test(s)) return DoubleType;
  if (opts.parseDate(s) !== null) return { kind: "date" };
  if (opts.parseTimestamp(s) !== null) return { kind: "timestamp" };
  const l = s.toLowerCase();
  if (l === "true" || l === "false") return { kind: "boolean" };
  return StringType;
}

function headerNames(record: Token[], nullValue: string): string[] {
  const names = record.map((t, i) => (t === QUOTED_EMPTY || t === "" || t === nullValue ? `_c${i}` : t));
  // Spark makes duplicate header names unique by appending their position.
  const lower = names.map((n) => n.toLowerCase());
  return names.map((n, i) => (lower.indexOf(lower[i]) !== lower.lastIndexOf(lower[i]) ? `${n}${i}` : n));
}

async function inferCsv(files: readonly InputFile[], options: SourceOptions): Promise<StructType> {
  const mode = parseParseMode(options.get("mode"));
  const opts = readOptions(options, mode);
  const inferTypes = options.getBool("inferSchema", false);
  const take = sampler(options);
  let names: string[] | null = null;
  let types: DataType[] = [];
  for (const file of files) {
    let first = true;
    for await (const r of records(file, opts.parser, () => undefined)) {
      if (first) {
        first = false;
        if (names === null) {
          names = opts.header ? headerNames(r.record, opts.nullValue) : r.record.map((_t, i) => `_c${i}`);
          types = names.map(() => NullType);
        }
        if (opts.header) continue;
      }
      if (!inferTypes) break;
      if (!take()) continue;
      for (let i = 0; i < types.length && i < r.record.length; i++) {
        const t = r.record[i];
        if (t === QUOTED_EMPTY || t === opts.nullValue || t === "") continue;
        types[i] = mergeCsvTypes(types[i], inferField(t, opts));
      }
    }
    if (names !== null && !inferTypes) break;
  }
  return struct((names ?? []).map((n, i) => field(n, inferTypes && types[i].kind !== "null" ? types[i] : StringType)));
}

/** Spark's CSVInferSchema.compatibleType: numeric widening, date+timestamp, else string. */
function mergeCsvTypes(a: DataType, b: DataType): DataType {
  return widerPartitionType(a, b);
}

/** Converts one CSV token to `type`; throws on a value that does not parse. */
function convertToken(t: Token, type: DataType, opts: CsvReadOptions): unknown {
  if (t === QUOTED_EMPTY) return type.kind === "string" ? opts.emptyValue : null;
  // Univocity turns an unquoted empty field into nullValue, so it is null whatever nullValue is.
  if (t === opts.nullValue || t === "") return null;
  let v: unknown = null;
  switch (type.kind) {
    case "string":
      return t;
    case "byte":
    case "short":
    case "int":
    case "long": {
      const n = INT_RE.test(t.trim()) ? Number(t) : NaN;
      const bound = type.kind === "byte" ? 128 : type.kind === "short" ? 32768 : type.kind === "int" ? 2147483648 : 2 ** 63;
      if (Number.isFinite(n) && n >= -bound && n < bound) v = n;
      break;
    }
    case "float":
    case "double": {
      const s = t.trim();
      if (s === "NaN") v = NaN;
      else if (/^\+?Inf(inity)?$/.test(s)) v = Infinity;
      else if (/^-Inf(inity)?$/.test(s)) v = -Infinity;
      else if (DOUBLE_RE.test(s)) v = type.kind === "float" ? Math.fround(parseFloat(s)) : parseFloat(s);
      break;
    }
    case "boolean": {
      const l = t.trim().toLowerCase();
      v = l === "true" ? true : l === "false" ? false : null;
      break;
    }
    case "timestamp":
      v = opts.parseTimestamp(t);
      break;
    case "date":
      v = opts.parseDate(t);
      break;
    default:
      throw new WeirError("ANALYSIS", `[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the type "${type.kind}".`);
  }
  if (v === null) throw new WeirError("EXECUTION", `cannot parse ${JSON.stringify(t)} as ${type.kind}`, { details: { value: t, type: type.kind } });
  return v;
}

class CsvReader implements FormatReader {
  private readonly opts: CsvReadOptions;
  private readonly handler: MalformedRecordHandler;
  /** Schema positions of the CSV's columns, in file order (every field but the corrupt-record one). */
  private readonly tokenFields: number[];

  constructor(private readonly schema: StructType, options: SourceOptions, malformed: MalformedRecords) {
    const mode = parseParseMode(options.get("mode"));
    this.opts = readOptions(options, mode);
    this.handler = new MalformedRecordHandler(mode, schema, malformed, options.get("columnNameOfCorruptRecord") ?? DEFAULT_CORRUPT_RECORD_COLUMN);
    for (const f of schema.fields) {
      if (f.dataType.kind === "array" || f.dataType.kind === "map" || f.dataType.kind === "struct") {
        throw new WeirError("ANALYSIS", `[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column \`${f.name}\` of the type "${f.dataType.kind.toUpperCase()}".`, { details: { column: f.name } });
      }
    }
    this.tokenFields = schema.fields.map((_f, i) => i).filter((i) => i !== this.handler.corruptColumn);
  }

  async *read(file: InputFile, columns: readonly number[] | undefined, signal: AbortSignal | undefined): AsyncIterable<Row[]> {
    const width = this.schema.fields.length;
    let batch: Row[] = [];
    const skipped: Row[] = [];
    const where = (line: number) => () => `file:${file.path} line ${line}`;
    const onSkip = (raw: string, err: CsvError | undefined): void => {
      const row = this.handler.onMalformed(raw, () => `file:${file.path}`, err ?? "unparsable CSV record");
      if (row !== null) skipped.push(row);
    };
    let first = true;
    for await (const r of records(file, this.opts.parser, onSkip)) {
      if (signal?.aborted === true) return;
      for (const row of skipped.splice(0)) batch.push(pick(row, columns));
      if (first) {
        first = false;
        if (this.opts.header) continue;
      }
      const row = new Array<unknown>(width).fill(null);
      let bad: unknown = null;
      if (r.record.length !== this.tokenFields.length) {
        bad = new WeirError("EXECUTION", `expected ${this.tokenFields.length} fields, found ${r.record.length}`);
      }
      for (let i = 0; i < this.tokenFields.length && i < r.record.length; i++) {
        const pos = this.tokenFields[i];
        try {
          row[pos] = convertToken(r.record[i], this.schema.fields[pos].dataType, this.opts);
        } catch (e) {
          if (e instanceof WeirError && e.code === "ANALYSIS") throw e;
          bad ??= e;
        }
      }
      const out = bad === null ? row : this.handler.onMalformed(r.raw, where(r.line), bad, row);
      if (out !== null) batch.push(pick(out, columns));
      if (batch.length >= FILE_BATCH_ROWS) {
        yield batch;
        batch = [];
      }
    }
    for (const row of skipped.splice(0)) batch.push(pick(row, columns));
    if (batch.length > 0) yield batch;
  }
}

function pick(row: Row, columns: readonly number[] | undefined): Row {
  return columns === undefined ? row : columns.map((c) => row[c]);
}

/** Spark's `csv` format (reading). */
export const csvFormat: FileFormat = {
  name: "csv",
  needsFiles: true,
  inferSchema: inferCsv,
  createReader: (schema, options, malformed) => new CsvReader(schema, options, malformed),
};
