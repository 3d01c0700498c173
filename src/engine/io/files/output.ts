/**
 * Output files of the writer: one {@link OutputFile} per part file, made by the format's
 * {@link OutputFormat}. Text formats (JSON lines, CSV, text) stream through an optional gzip.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { WeirError } from "../../../util/errors.js";
import type { Row, StructType } from "../../types.js";
import { csvLineWriter } from "./csv-write.js";
import { jsonLineWriter } from "./json-write.js";
import type { SourceOptions } from "./options.js";
import { parquetCodec, ParquetOutputFile, parquetSchemaOf } from "./parquet-write.js";

/** One part file being written. */
export interface OutputFile {
  readonly path: string;
  write(rows: readonly Row[]): Promise<void>;
  /** Finishes the file (footer, flush). */
  close(): Promise<void>;
  /** Releases the file after a failure; the caller deletes it. */
  abort(): Promise<void>;
}

/** A format the writer knows. */
export interface OutputFormat {
  readonly name: string;
  /** The part-file suffix, e.g. `.json.gz`, `.snappy.parquet`. */
  readonly extension: string;
  open(path: string): OutputFile;
}

/** The text compression codecs (Spark's `compression` option of json, csv and text). */
const TEXT_CODECS = ["none", "uncompressed", "gzip"];

function textGzip(options: SourceOptions): boolean {
  const c = (options.get("compression") ?? "none").toLowerCase();
  if (!TEXT_CODECS.includes(c)) {
    throw new WeirError("INVALID_ARGUMENT", `[CODEC_NOT_AVAILABLE] The codec ${JSON.stringify(options.get("compression"))} is not available: the option "compression" must be one of ${TEXT_CODECS.join(", ")}`, {
      details: { option: "compression", value: options.get("compression") },
    });
  }
  return c === "gzip";
}

/** A text part file; each batch of rows becomes one string written with backpressure. */
class TextOutputFile implements OutputFile {
  private out: Writable | null = null;
  private done: Promise<void> | null = null;

  constructor(
    readonly path: string,
    private readonly gzip: boolean,
    private readonly render: (rows: readonly Row[]) => string,
    private readonly header: string,
  ) {}

  private openStream(): Writable {
    const file = createWriteStream(this.path);
    if (!this.gzip) {
      this.done = finished(file);
      return file;
    }
    const gz = createGzip();
    gz.pipe(file);
    this.done = Promise.all([finished(gz), finished(file)]).then(() => undefined);
    return gz;
  }

  async write(rows: readonly Row[]): Promise<void> {
    if (this.out === null) {
      this.out = this.openStream();
      if (this.header !== "") await this.put(this.header);
    }
    if (rows.length > 0) await this.put(this.render(rows));
  }

  private async put(s: string): Promise<void> {
    if (!this.out!.write(s)) await once(this.out!, "drain");
  }

  async close(): Promise<void> {
    if (this.out === null) await this.write([]);
    this.out!.end();
    await this.done;
  }

  async abort(): Promise<void> {
    if (this.out === null) return;
    this.out.destroy();
    await this.done?.catch(() => undefined);
  }
}

/**
 * The output format `name` for rows of `schema`; validates the options and the schema now, so a
 * bad option or an unsupported column fails before anything is written.
 */
export function outputFormat(name: string, schema: StructType, options: SourceOptions): OutputFormat {
  switch (name) {
    case "json": {
      const gzip = textGzip(options);
      const line = jsonLineWriter(schema, options);
      return {
        name,
        extension: gzip ? ".json.gz" : ".json",
        open: (path) => new TextOutputFile(path, gzip, (rows) => rows.map((r) => line(r) + "\n").join(""), ""),
      };
    }
    case "csv": {
      const gzip = textGzip(options);
      const csv = csvLineWriter(schema, options);
      return {
        name,
        extension: gzip ? ".csv.gz" : ".csv",
        open: (path) => new TextOutputFile(path, gzip, (rows) => rows.map((r) => csv.line(r) + "\n").join(""), csv.header === null ? "" : csv.header + "\n"),
      };
    }
    case "text": {
      if (schema.fields.length !== 1 || schema.fields[0].dataType.kind !== "string") {
        throw new WeirError("ANALYSIS", `Text data source supports only a single column of type string, and you have ${schema.fields.length} columns (${schema.fields.map((f) => `${f.name}: ${f.dataType.kind}`).join(", ")}).`, {
          details: { columns: schema.fields.map((f) => f.name) },
        });
      }
      const gzip = textGzip(options);
      // Spark writes a null row of the text source as an empty line.
      return { name, extension: gzip ? ".txt.gz" : ".txt", open: (path) => new TextOutputFile(path, gzip, (rows) => rows.map((r) => `${(r[0] as string | null) ?? ""}\n`).join(""), "") };
    }
    case "parquet": {
      const { codec, infix } = parquetCodec(options.get("compression"));
      parquetSchemaOf(schema); // refuses unsupported columns before anything is written
      return { name, extension: `${infix}.parquet`, open: (path) => new ParquetOutputFile(path, schema, codec) };
    }
    default:
      throw new WeirError("INVALID_ARGUMENT", `unknown output format ${JSON.stringify(name)}: use one of json, csv, parquet, text, kafka`, { details: { format: name } });
  }
}
