/**
 * `DataFrameReader`: Spark's `spark.read` — format, options, schema, then `load(path)` (or
 * `json`/`csv`/`parquet`/`text`). File formats are listed and their schema inferred eagerly, as
 * Spark does at load(); Node's file I/O is asynchronous, so load() returns a Promise of the
 * DataFrame. Format "kafka" builds the Kafka batch source.
 */
import { WeirError } from "../../util/errors.js";
import { DataFrame } from "../api/dataframe.js";
import type { Weir } from "../session.js";
import type { ScanSource } from "../source.js";
import { parseSchema, type StructType } from "../types.js";
import { fileFormat, loadFileSource } from "./files/formats.js";
import { SourceOptions, type OptionValue } from "./files/options.js";
import { createKafkaSource } from "./kafka-source.js";

export { READ_FORMATS, fileFormat, loadFileSource } from "./files/formats.js";

/** Spark's DataFrameReader. Methods return `this` for chaining; `load` and its shorthands return a Promise of the DataFrame. */
export class DataFrameReader {
  private formatName = "parquet";
  private readonly opts = new SourceOptions();
  private userSchema: StructType | undefined;

  constructor(private readonly session: Weir) {}

  /** The input format: `parquet` (Spark's default), `json`, `csv`, `text`, `kafka`. Case-insensitive. */
  format(name: string): this {
    if (name.toLowerCase() !== "kafka") fileFormat(name);
    this.formatName = name.toLowerCase();
    return this;
  }

  /** Sets an option (key case-insensitive; the value stored as a string, as Spark). */
  option(key: string, value: OptionValue): this {
    this.opts.set(key, value);
    return this;
  }

  /** Sets several options. */
  options(entries: Record<string, OptionValue> | ReadonlyMap<string, OptionValue>): this {
    this.opts.setAll(entries);
    return this;
  }

  /** The schema to read with (a StructType or a DDL string such as `"id INT, name STRING"`), skipping inference. */
  schema(schema: StructType | string): this {
    this.userSchema = typeof schema === "string" ? parseSchema(schema) : schema;
    return this;
  }

  /** Loads `paths` (or the `path` option) in the chosen format. */
  async load(...paths: string[]): Promise<DataFrame> {
    return DataFrame.fromSource(this.session, await this.source(paths));
  }

  /** `format("json").load(paths)`. */
  json(...paths: string[]): Promise<DataFrame> {
    return this.format("json").load(...paths);
  }

  /** `format("csv").load(paths)`. */
  csv(...paths: string[]): Promise<DataFrame> {
    return this.format("csv").load(...paths);
  }

  /** `format("parquet").load(paths)`. */
  parquet(...paths: string[]): Promise<DataFrame> {
    return this.format("parquet").load(...paths);
  }

  /** `format("text").load(paths)`: one `value` string column, one row per line. */
  text(...paths: string[]): Promise<DataFrame> {
    return this.format("text").load(...paths);
  }

  /** The source `load()` would read (exposes `droppedMalformed` for file formats). */
  async source(paths: readonly string[] = []): Promise<ScanSource> {
    if (this.formatName === "kafka") {
      if (this.userSchema !== undefined) {
        throw new WeirError("INVALID_ARGUMENT", "Kafka source has a fixed schema and cannot be set with a custom one");
      }
      return createKafkaSource(this.session.logClient(), this.opts.toMap());
    }
    const optionPath = this.opts.get("path");
    const all = paths.length > 0 ? paths : optionPath !== undefined ? [optionPath] : [];
    return loadFileSource(this.formatName, all, this.opts.clone(), this.userSchema);
  }
}
