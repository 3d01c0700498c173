/**
 * The JSON data source: JSON Lines by default (one record per line; a line holding an array
 * gives one record per element), or with `multiLine` one JSON document (an object or an array
 * of objects) per file. Schema inference over a sample (`samplingRatio`), and Spark's parse
 * modes for malformed records.
 */
import { WeirError } from "../../../util/errors.js";
import { inferJsonSchema, jsonValueToValue, parseJsonLikeSpark, parseJsonToRow } from "../../functions/json-convert.js";
import { field, struct, StringType, type Row, type StructType } from "../../types.js";
import { DEFAULT_CORRUPT_RECORD_COLUMN, MalformedRecordHandler, parseParseMode, type MalformedRecords } from "../parse-mode.js";
import { readLines, readWholeText } from "./input.js";
import type { InputFile } from "./listing.js";
import { sampler, type SourceOptions } from "./options.js";
import { FILE_BATCH_ROWS, project, type FileFormat, type FormatReader } from "./source.js";

function corruptColumnName(options: SourceOptions): string {
  return options.get("columnNameOfCorruptRecord") ?? DEFAULT_CORRUPT_RECORD_COLUMN;
}

/** Records of one parsed JSON value: an object, or each element of an array. Null when it holds a non-object. */
function recordsOf(value: unknown): unknown[] | null {
  const list = Array.isArray(value) ? value : [value];
  return list.every((v) => v !== null && typeof v === "object" && !Array.isArray(v)) ? list : null;
}

async function inferJson(files: readonly InputFile[], options: SourceOptions): Promise<StructType> {
  const mode = parseParseMode(options.get("mode"));
  const multiLine = options.getBool("multiLine", false);
  const take = sampler(options);
  const values: unknown[] = [];
  let malformed = false;
  const onBad = (where: string): void => {
    if (mode === "FAILFAST") {
      throw new WeirError("EXECUTION", `[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected in schema inference: ${where}. Parse Mode: FAILFAST.`, { details: { location: where } });
    }
    if (mode === "PERMISSIVE") malformed = true;
  };
  const accept = (text: string, where: () => string): void => {
    let parsed: unknown;
    try {
      parsed = parseJsonLikeSpark(text);
    } catch {
      onBad(where());
      return;
    }
    const records = recordsOf(parsed);
    if (records === null) onBad(where());
    else values.push(...records);
  };
  for (const file of files) {
    if (multiLine) {
      if (take()) accept(await readWholeText(file.path), () => `file:${file.path}`);
      continue;
    }
    for await (const { line, lineNumber } of readLines(file.path)) {
      if (line.trim() === "" || !take()) continue;
      accept(line, () => `file:${file.path} line ${lineNumber}`);
    }
  }
  const inferred = inferJsonSchema(values);
  const corrupt = corruptColumnName(options);
  if (!malformed || inferred.fields.some((f) => f.name === corrupt)) return inferred;
  // Spark adds the corrupt-record column to an inferred schema when PERMISSIVE met bad records; fields stay sorted.
  const fields = [...inferred.fields, field(corrupt, StringType)];
  fields.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return struct(fields);
}

const STRICT = { partialResults: false } as const;

class JsonReader implements FormatReader {
  private readonly multiLine: boolean;
  private readonly handler: MalformedRecordHandler;

  constructor(private readonly schema: StructType, options: SourceOptions, malformed: MalformedRecords) {
    this.multiLine = options.getBool("multiLine", false);
    this.handler = new MalformedRecordHandler(parseParseMode(options.get("mode")), schema, malformed, corruptColumnName(options));
  }

  async *read(file: InputFile, columns: readonly number[] | undefined, signal: AbortSignal | undefined): AsyncIterable<Row[]> {
    let batch: Row[] = [];
    const emit = (row: Row | null): void => {
      if (row !== null) batch.push(project(row, columns));
    };
    if (this.multiLine) {
      const text = await readWholeText(file.path);
      for (const row of this.parseDocument(text, () => `file:${file.path}`)) {
        emit(row);
        if (batch.length >= FILE_BATCH_ROWS) {
          yield batch;
          batch = [];
        }
      }
    } else {
      for await (const { line, lineNumber } of readLines(file.path, signal)) {
        if (line.trim() === "") continue;
        for (const row of this.parseLine(line, () => `file:${file.path} line ${lineNumber}`)) emit(row);
        if (batch.length >= FILE_BATCH_ROWS) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  }

  private parseLine(line: string, where: () => string): (Row | null)[] {
    if (!line.trimStart().startsWith("[")) {
      try {
        // Strict first: a value that does not fit its type makes the record malformed in every mode.
        return [parseJsonToRow(line, this.schema, STRICT)];
      } catch (e) {
        return [this.handler.onMalformed(line, where, e, this.partialRow(line))];
      }
    }
    return this.parseDocument(line, where);
  }

  /** Under PERMISSIVE, the fields that did fit (Spark 4's partial results); null when the text is not JSON. */
  private partialRow(line: string): Row | null {
    if (this.handler.mode !== "PERMISSIVE") return null;
    try {
      return parseJsonToRow(line, this.schema, { partialResults: true });
    } catch {
      return null;
    }
  }

  /** A whole document: an object or an array of objects; anything else is one malformed record. */
  private parseDocument(text: string, where: () => string): (Row | null)[] {
    try {
      const records = recordsOf(parseJsonLikeSpark(text));
      if (records === null) throw new WeirError("EXECUTION", "the JSON document is not an object or an array of objects");
      return records.map((r) => jsonValueToValue(r, this.schema) as Row);
    } catch (e) {
      return [this.handler.onMalformed(text, where, e)];
    }
  }
}

/** Spark's `json` format. */
export const jsonFormat: FileFormat = {
  name: "json",
  needsFiles: true,
  inferSchema: inferJson,
  createReader: (schema, options, malformed) => new JsonReader(schema, options, malformed),
};
