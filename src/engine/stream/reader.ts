/**
 * `DataStreamReader`: Spark's `spark.readStream` — format, option(s), schema, then `load()`,
 * giving a streaming DataFrame (`isStreaming === true`). Formats: `kafka`, `rate`, and the file
 * formats `json`, `csv`, `parquet`, `text` watching a directory. Batch actions on the frame fail;
 * run it with `df.writeStream...start()`.
 *
 * In a session in replay mode (replay.ts), Kafka sources are bounded to the replayed time range.
 */
import { WeirError } from "../../util/errors.js";
import { DataFrame, type SessionLike } from "../api/dataframe.js";
import { SourceOptions, type OptionValue } from "../io/files/options.js";
import { parseSchema, type StructType } from "../types.js";
import { FileStreamSource } from "./file-stream.js";
import { KafkaStreamSource } from "./kafka-stream.js";
import { RateStreamSource } from "./rate-stream.js";
import { streamReplayOf } from "./replay.js";
import { StreamingRelation, type StreamSource } from "./source.js";

/** The formats readStream loads. */
export const STREAM_READ_FORMATS: readonly string[] = ["kafka", "rate", "json", "csv", "parquet", "text"];

/** See the module comment. */
export class DataStreamReader {
  private formatName = "parquet";
  private readonly opts = new SourceOptions();
  private userSchema: StructType | undefined;

  constructor(private readonly session: SessionLike) {}

  /** The source format: `kafka`, `rate`, `json`, `csv`, `parquet` (default), `text`. */
  format(name: string): this {
    const f = name.toLowerCase();
    if (!STREAM_READ_FORMATS.includes(f)) {
      throw new WeirError("INVALID_ARGUMENT", `[DATA_SOURCE_NOT_FOUND] Failed to find the data source: ${name}. Weir streams from ${STREAM_READ_FORMATS.join(", ")}.`, {
        details: { format: name, allowed: STREAM_READ_FORMATS },
      });
    }
    this.formatName = f;
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

  /** The schema of a file source (a StructType or DDL string); required for all file formats but text. */
  schema(schema: StructType | string): this {
    this.userSchema = typeof schema === "string" ? parseSchema(schema) : schema;
    return this;
  }

  /** The streaming DataFrame of the source (`path` for file formats, or the `path` option). */
  async load(path?: string): Promise<DataFrame> {
    const first = await this.source(path);
    const options = this.opts.toMap();
    let fresh: StreamSource | null = first;
    // The loaded source serves the first query; later ones get a new instance with the same options.
    const create = (): StreamSource => {
      if (fresh !== null) {
        const s = fresh;
        fresh = null;
        return s;
      }
      return this.copyOf(first, options);
    };
    return DataFrame.fromSource(this.session, new StreamingRelation(first, create));
  }

  /** `format("json").load(path)`. */
  json(path: string): Promise<DataFrame> {
    return this.format("json").load(path);
  }

  /** `format("csv").load(path)`. */
  csv(path: string): Promise<DataFrame> {
    return this.format("csv").load(path);
  }

  /** `format("parquet").load(path)`. */
  parquet(path: string): Promise<DataFrame> {
    return this.format("parquet").load(path);
  }

  /** `format("text").load(path)`. */
  text(path: string): Promise<DataFrame> {
    return this.format("text").load(path);
  }

  /** A new instance of a loaded source (the options were validated when it was loaded). */
  private copyOf(s: StreamSource, options: ReadonlyMap<string, string>): StreamSource {
    if (s instanceof KafkaStreamSource) return new KafkaStreamSource(this.session.logClient(), options, streamReplayOf(this.session));
    if (s instanceof RateStreamSource) return new RateStreamSource(options);
    return (s as FileStreamSource).copy();
  }

  private async source(path: string | undefined): Promise<StreamSource> {
    switch (this.formatName) {
      case "kafka":
        if (this.userSchema !== undefined) throw new WeirError("INVALID_ARGUMENT", "Kafka source has a fixed schema and cannot be set with a custom one");
        return new KafkaStreamSource(this.session.logClient(), this.opts.toMap(), streamReplayOf(this.session));
      case "rate":
        if (this.userSchema !== undefined) throw new WeirError("INVALID_ARGUMENT", "The rate source does not support a user-specified schema.");
        return new RateStreamSource(this.opts.toMap());
      default:
        return FileStreamSource.create(this.formatName, path ?? this.opts.get("path"), this.opts.clone(), this.userSchema);
    }
  }
}
