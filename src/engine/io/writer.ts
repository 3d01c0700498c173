/**
 * `DataFrameWriter`: Spark's `df.write` — format, save mode, options, partitionBy, then
 * `save(path)` (or `json`/`csv`/`parquet`/`text`). File outputs follow Spark's layout (a
 * directory of `part-00000-<uuid>-c000.<ext>` files and `_SUCCESS`, Hive-style `col=value/`
 * subdirectories with partitionBy) and commit atomically (see files/commit.ts). Format "kafka"
 * hands the rows to the Kafka sink.
 */
import type { LogClient } from "../../client/log-client.js";
import { WeirError } from "../../util/errors.js";
import type { Row, StructType } from "../types.js";
import { runWriteJob, parseSaveMode, type SaveMode, type WriteResult } from "./files/commit.js";
import { toLocalPath } from "./files/listing.js";
import { SourceOptions, type OptionValue } from "./files/options.js";
import { outputFormat } from "./files/output.js";

/** What the writer needs of a DataFrame (kept structural so the writer does not depend on the DataFrame class). */
export interface WritableFrame {
  readonly schema: StructType;
  /** Runs the query: one batch stream per output partition. */
  execute(opts?: { signal?: AbortSignal }): Promise<AsyncIterable<Row[]>[]>;
  /** The session, needed by format "kafka" only. */
  readonly session?: { logClient(): LogClient };
}

/** The formats `save()` writes. */
export const WRITE_FORMATS: readonly string[] = ["parquet", "json", "csv", "text", "kafka"];

/** Spark's DataFrameWriter. Methods return `this` for chaining; `save` and its shorthands run the query. */
export class DataFrameWriter {
  private formatName = "parquet";
  private saveMode: SaveMode = "errorifexists";
  private readonly opts = new SourceOptions();
  private partitionColumns: string[] = [];

  constructor(private readonly df: WritableFrame) {}

  /** The output format: `parquet` (Spark's default), `json`, `csv`, `text`, `kafka`. Case-insensitive. */
  format(name: string): this {
    const f = name.toLowerCase();
    if (!WRITE_FORMATS.includes(f)) {
      throw new WeirError("INVALID_ARGUMENT", `[DATA_SOURCE_NOT_FOUND] Failed to find the data source: ${name}. Weir writes the formats ${WRITE_FORMATS.join(", ")}.`, {
        details: { format: name, allowed: WRITE_FORMATS },
      });
    }
    this.formatName = f;
    return this;
  }

  /** The save mode: `errorifexists` (default; also `error`, `default`), `append`, `overwrite`, `ignore`. */
  mode(saveMode: string): this {
    this.saveMode = parseSaveMode(saveMode);
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

  /** Partitions the output by columns into `col=value/` directories (Hive style). */
  partitionBy(...columns: (string | readonly string[])[]): this {
    this.partitionColumns = columns.flat();
    return this;
  }

  /** Writes the DataFrame to `path` (or the `path` option) in the chosen format and mode. */
  async save(path?: string): Promise<void> {
    await this.run(path);
  }

  /** `format("json").save(path)`. */
  json(path: string): Promise<void> {
    return this.format("json").save(path);
  }

  /** `format("csv").save(path)`. */
  csv(path: string): Promise<void> {
    return this.format("csv").save(path);
  }

  /** `format("parquet").save(path)`. */
  parquet(path: string): Promise<void> {
    return this.format("parquet").save(path);
  }

  /** `format("text").save(path)`: one string column, one line per row. */
  text(path: string): Promise<void> {
    return this.format("text").save(path);
  }

  /** Runs the write; returns what the job decided and committed (undefined for Kafka). */
  async run(path?: string): Promise<WriteResult | undefined> {
    if (this.formatName === "kafka") {
      if (this.df.session === undefined) throw new WeirError("INVALID_ARGUMENT", "writing to Kafka needs a DataFrame of a session");
      // Loaded on first use: file writes never load the Kafka sink.
      const { writeKafka } = await import("./kafka-sink.js");
      await writeKafka(this.df.session.logClient(), this.df, this.opts.toMap());
      return undefined;
    }
    const target = path ?? this.opts.get("path");
    if (target === undefined || target === "") {
      throw new WeirError("INVALID_ARGUMENT", `no path given: call save(path) or ${this.formatName}(path), or set the option "path"`);
    }
    const schema = this.df.schema;
    const partitionBy = this.partitionColumns.map((name) => {
      const i = schema.fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
      if (i < 0) {
        throw new WeirError("ANALYSIS", `[COLUMN_NOT_FOUND] The column \`${name}\` cannot be found: partitionBy columns must be among ${schema.fields.map((f) => f.name).join(", ")}.`, { details: { column: name } });
      }
      const kind = schema.fields[i].dataType.kind;
      if (kind === "array" || kind === "map" || kind === "struct") {
        throw new WeirError("ANALYSIS", `Cannot use ${kind} for partition column \`${schema.fields[i].name}\`.`, { details: { column: name } });
      }
      return i;
    });
    if (partitionBy.length > 0 && partitionBy.length === schema.fields.length) {
      throw new WeirError("ANALYSIS", "Cannot use all columns for partition columns.", { details: { columns: this.partitionColumns } });
    }
    const dataSchema = { kind: "struct" as const, fields: schema.fields.filter((_f, i) => !partitionBy.includes(i)) };
    const format = outputFormat(this.formatName, dataSchema, this.opts);
    return runWriteJob({
      dest: toLocalPath(target),
      mode: this.saveMode,
      schema,
      partitionBy,
      format,
      execute: (signal) => this.df.execute({ signal }),
    });
  }
}
