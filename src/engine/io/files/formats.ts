/**
 * The file formats by Spark's short names, and building a file source without a session (the
 * reader wraps it in a DataFrame; tests and the streaming engine use it directly).
 */
import { WeirError } from "../../../util/errors.js";
import type { StructType } from "../../types.js";
import { csvFormat } from "./csv.js";
import { jsonFormat } from "./json.js";
import type { SourceOptions } from "./options.js";
import { parquetFormat } from "./parquet.js";
import { createFileSource, type FileFormat, type FileScanSource } from "./source.js";
import { textFormat } from "./text.js";

const FILE_FORMATS: Readonly<Record<string, FileFormat>> = { json: jsonFormat, csv: csvFormat, parquet: parquetFormat, text: textFormat };

/** The formats `load()` reads. */
export const READ_FORMATS: readonly string[] = [...Object.keys(FILE_FORMATS), "kafka"];

/** Looks up a file format by Spark's short name (case-insensitive); throws listing the known ones. */
export function fileFormat(name: string): FileFormat {
  const f = FILE_FORMATS[name.toLowerCase()];
  if (f === undefined) {
    throw new WeirError("INVALID_ARGUMENT", `[DATA_SOURCE_NOT_FOUND] Failed to find the data source: ${name}. Weir reads the formats ${READ_FORMATS.join(", ")}.`, {
      details: { format: name, allowed: READ_FORMATS },
    });
  }
  return f;
}

/**
 * Lists `paths` and builds the {@link FileScanSource} of a file format (which exposes
 * `droppedMalformed`), inferring the schema unless one is given.
 */
export function loadFileSource(format: string, paths: readonly string[], options: SourceOptions, schema?: StructType): Promise<FileScanSource> {
  return createFileSource(fileFormat(format), paths, options, schema);
}
