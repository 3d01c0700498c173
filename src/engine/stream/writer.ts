/**
 * `DataStreamWriter`: Spark's `df.writeStream` — format (console, memory, json, csv, parquet,
 * text, kafka), outputMode, trigger, option("checkpointLocation", dir), queryName, partitionBy,
 * foreachBatch, foreach, then `start()` → a {@link StreamingQuery}. File and Kafka sinks need a
 * checkpoint location, as in Spark; the others get a temporary one, deleted when the query stops.
 *
 * In a session in replay mode (replay.ts), start() runs the query with Trigger.AvailableNow and
 * writes where the session's `redirect` says: its checkpoint location, its file output path, and
 * for a Kafka sink a JSON file sink at the given path (each batch appended, in any output mode).
 */
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WeirError } from "../../util/errors.js";
import type { DataFrame } from "../api/dataframe.js";
import { NodeFs } from "../../log/fs.js";
import { SourceOptions, type OptionValue } from "../io/files/options.js";
import { toLocalPath } from "../io/files/listing.js";
import { stateStoreConfOf } from "../api/conf.js";
import type { StateStoreProvider } from "../state/store.js";
import type { Checkpoint } from "./checkpoint.js";
import { parseDuration } from "./duration.js";
import type { Trigger } from "./executor.js";
import { FILE_SINK_FORMATS, FileStreamSink } from "./file-sink.js";
import { analyzeStreamingPlan, checkOutputMode, isStreamingPlan } from "./plan.js";
import { StreamingQuery, streamsOf } from "./query.js";
import { ConsoleSink, ForeachBatchSink, ForeachSink, KafkaSink, MemorySink, MemoryTable, checkpointRequired, memoryTables, type ForeachBatchFunction, type ForeachWriter, type OutputMode, type StreamSink } from "./sinks.js";
import { streamReplayOf } from "./replay.js";
import { createStateProvider } from "./state-provider.js";

/** Spark's trigger settings: `{ processingTime: "10 seconds" }`, `{ once: true }`, `{ availableNow: true }`. */
export type TriggerOptions = { processingTime: string | number } | { once: true } | { availableNow: true };

const SINK_FORMATS = ["console", "memory", "foreach", "foreachbatch", "kafka", ...FILE_SINK_FORMATS];

function invalid(message: string): WeirError {
  return new WeirError("INVALID_ARGUMENT", message);
}

/** A file sink that appends each batch's rows in every output mode (a replayed Kafka sink's changelog). */
class AppendingFileSink implements StreamSink {
  readonly description: string;
  constructor(private readonly files: FileStreamSink) {
    this.description = files.description;
  }

  addBatch(batchId: number, data: DataFrame): Promise<number> {
    return this.files.addBatch(batchId, data, "append");
  }
}

/** See the module comment. */
export class DataStreamWriter {
  private formatName = "parquet";
  private mode: OutputMode = "append";
  private triggerValue: Trigger = { kind: "processingTime", intervalMs: 0 };
  private readonly opts = new SourceOptions();
  private name: string | null = null;
  private partitionColumns: string[] = [];
  private batchFn: ForeachBatchFunction | null = null;
  private rowWriter: ForeachWriter | ((row: Record<string, unknown>) => void | Promise<void>) | null = null;

  constructor(private readonly df: DataFrame) {
    if (!isStreamingPlan(df.plan)) throw new WeirError("ANALYSIS", "'writeStream' can be called only on streaming Dataset/DataFrame");
  }

  /** The sink: `console`, `memory`, `json`, `csv`, `parquet` (default), `text`, `kafka`. */
  format(name: string): this {
    const f = name.toLowerCase();
    if (!SINK_FORMATS.includes(f)) throw invalid(`[DATA_SOURCE_NOT_FOUND] Failed to find the data source: ${name}. Weir's streaming sinks are ${SINK_FORMATS.join(", ")}.`);
    this.formatName = f;
    return this;
  }

  /** `append` (default), `update` or `complete`. */
  outputMode(mode: string): this {
    const m = mode.toLowerCase();
    if (m !== "append" && m !== "update" && m !== "complete") throw invalid(`Unknown output mode ${mode}. Accepted output modes are 'append', 'complete', 'update'`);
    this.mode = m;
    return this;
  }

  /** When batches run; the default runs the next batch as soon as the previous one ends. */
  trigger(t: TriggerOptions): this {
    if ("processingTime" in t) {
      const ms = parseDuration(t.processingTime, "trigger processingTime");
      this.triggerValue = { kind: "processingTime", intervalMs: ms };
    } else if ("availableNow" in t && t.availableNow) this.triggerValue = { kind: "availableNow" };
    else if ("once" in t && t.once) this.triggerValue = { kind: "once" };
    else throw invalid("trigger takes { processingTime: '10 seconds' }, { once: true } or { availableNow: true }");
    return this;
  }

  /** Sets an option (`checkpointLocation`, `path`, sink options). */
  option(key: string, value: OptionValue): this {
    this.opts.set(key, value);
    return this;
  }

  /** Sets several options. */
  options(entries: Record<string, OptionValue> | ReadonlyMap<string, OptionValue>): this {
    this.opts.setAll(entries);
    return this;
  }

  /** The query's name (the memory sink's table name). */
  queryName(name: string): this {
    this.name = name;
    return this;
  }

  /** Partitions file output into `col=value/` directories. */
  partitionBy(...columns: string[]): this {
    this.partitionColumns = columns;
    return this;
  }

  /** Hands each batch to `fn` as a DataFrame, with its batch id. */
  foreachBatch(fn: ForeachBatchFunction): this {
    this.batchFn = fn;
    this.formatName = "foreachbatch";
    return this;
  }

  /** Hands each row to a writer ({open, process, close}) or a function. */
  foreach(writer: ForeachWriter | ((row: Record<string, unknown>) => void | Promise<void>)): this {
    this.rowWriter = writer;
    this.formatName = "foreach";
    return this;
  }

  /** Starts the query; `path` for file sinks. Rejects when the query cannot start (bad mode, incompatible checkpoint). */
  async start(path?: string): Promise<StreamingQuery> {
    const session = this.df.session as object;
    const manager = streamsOf(session);
    manager.checkCanStart(this.name);
    const streaming = analyzeStreamingPlan(this.df.plan);
    checkOutputMode(streaming, this.mode);
    if (FILE_SINK_FORMATS.includes(this.formatName) && this.mode !== "append") {
      throw new WeirError("ANALYSIS", `Data source ${this.formatName} does not support ${this.mode[0].toUpperCase()}${this.mode.slice(1)} output mode.`);
    }
    let trigger = this.triggerValue;
    let sink: StreamSink;
    let checkpointLocation = this.opts.get("checkpointLocation");
    const replay = streamReplayOf(session);
    if (replay === null) sink = this.makeSink(path, session);
    else {
      const isFile = FILE_SINK_FORMATS.includes(this.formatName);
      const decision = replay.redirect({
        format: this.formatName,
        path: isFile ? (path ?? this.opts.get("path") ?? null) : null,
        checkpointLocation: checkpointLocation ?? null,
        queryName: this.name,
        topic: this.formatName === "kafka" ? (this.opts.get("topic") ?? null) : null,
        outputMode: this.mode,
      });
      trigger = { kind: "availableNow" };
      checkpointLocation = decision.checkpointLocation;
      if ((isFile || this.formatName === "kafka") && decision.path === null) throw invalid(`replay: a ${this.formatName} sink needs the path to write to instead of its live output`);
      if (this.formatName === "kafka") sink = new AppendingFileSink(new FileStreamSink("json", decision.path!, new SourceOptions(), []));
      else sink = this.makeSink(isFile ? decision.path! : path, session);
    }
    let temporary = false;
    if (checkpointLocation === undefined) {
      if (this.formatName === "kafka" || FILE_SINK_FORMATS.includes(this.formatName)) throw checkpointRequired(this.formatName);
      checkpointLocation = mkdtempSync(join(tmpdir(), "weir-checkpoint-"));
      temporary = true;
    }
    const fs = new NodeFs();
    const root = toLocalPath(checkpointLocation);
    const stateConf = stateStoreConfOf(session);
    const starting = StreamingQuery.start(
      manager,
      {
        frame: this.df,
        streaming,
        sink,
        outputMode: this.mode,
        trigger,
        fs,
        checkpointLocation: root,
        stateProviders: (cp: Checkpoint) => (operatorId: number, partition: number): StateStoreProvider => createStateProvider(fs, cp.paths.state(operatorId, partition), partition, stateConf),
        name: this.name,
      },
      temporary,
    );
    if (temporary) {
      // A query that could not start leaves no temporary checkpoint behind.
      return starting.catch(async (e: unknown) => {
        await rm(root, { recursive: true, force: true });
        throw e;
      });
    }
    return starting;
  }

  /** `format("json").start(path)` etc. are spelled start(path) after format(), as in Spark. */
  private makeSink(path: string | undefined, session: object): StreamSink {
    switch (this.formatName) {
      case "console": {
        const n = Number(this.opts.get("numRows") ?? 20);
        return new ConsoleSink(n, this.opts.getBool("truncate", true));
      }
      case "memory": {
        if (this.name === null) throw new WeirError("ANALYSIS", "queryName must be specified for memory sink");
        const tables = memoryTables(session);
        let t = tables.get(this.name);
        if (t === undefined || this.mode === "complete") tables.set(this.name, (t = new MemoryTable(this.df.schema)));
        t.schema = this.df.schema;
        return new MemorySink(t);
      }
      case "foreachbatch":
        if (this.batchFn === null) throw invalid("foreachBatch needs a function");
        return new ForeachBatchSink(this.batchFn);
      case "foreach":
        if (this.rowWriter === null) throw invalid("foreach needs a writer");
        return new ForeachSink(this.rowWriter);
      case "kafka":
        return new KafkaSink(this.opts.toMap());
      default: {
        const target = path ?? this.opts.get("path");
        if (target === undefined || target === "") throw new WeirError("INVALID_ARGUMENT", "'path' is not specified: pass the output directory to start(path) or set the option \"path\"");
        return new FileStreamSink(this.formatName, target, this.opts.clone(), this.partitionColumns);
      }
    }
  }
}
