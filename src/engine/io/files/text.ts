/**
 * The text data source: one row per line in a single `value` string column (or, with
 * `wholetext`, one row per file), as Spark's `spark.read.text`.
 */
import { WeirError } from "../../../util/errors.js";
import { field, struct, StringType, type Row, type StructType } from "../../types.js";
import { readLines, readWholeText } from "./input.js";
import type { InputFile } from "./listing.js";
import type { SourceOptions } from "./options.js";
import { FILE_BATCH_ROWS, type FileFormat, type FormatReader } from "./source.js";

/** The fixed schema of the text source. */
export const TEXT_SCHEMA: StructType = struct([field("value", StringType)]);

class TextReader implements FormatReader {
  private readonly wholeText: boolean;

  constructor(schema: StructType, options: SourceOptions) {
    if (schema.fields.length !== 1 || schema.fields[0].dataType.kind !== "string") {
      throw new WeirError("ANALYSIS", `Text data source supports only a single column of type string, and you have ${schema.fields.length} columns (${schema.fields.map((f) => f.name).join(", ")}).`, {
        details: { columns: schema.fields.map((f) => f.name) },
      });
    }
    this.wholeText = options.getBool("wholetext", false);
  }

  async *read(file: InputFile, columns: readonly number[] | undefined, signal: AbortSignal | undefined): AsyncIterable<Row[]> {
    const keep = columns === undefined || columns.length > 0;
    if (this.wholeText) {
      const text = await readWholeText(file.path);
      yield [keep ? [text] : []];
      return;
    }
    let batch: Row[] = [];
    for await (const { line } of readLines(file.path, signal)) {
      batch.push(keep ? [line] : []);
      if (batch.length >= FILE_BATCH_ROWS) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}

/** Spark's `text` format. */
export const textFormat: FileFormat = {
  name: "text",
  needsFiles: false,
  inferSchema: () => Promise.resolve(TEXT_SCHEMA),
  createReader: (schema, options) => new TextReader(schema, options),
};
