/**
 * `Weir`: the user's entry point, Spark's SparkSession for TypeScript.
 *
 *   const weir = await Weir.embedded({ dataDir: "./weir-data" });   // a log in this process
 *   const weir = await Weir.connect({ bootstrapServers: "k1:9092" }); // Weir or Apache Kafka
 *   const weir = Weir.local();                                       // files and in-memory data only
 *
 *   const df = await weir.read.format("kafka").option("subscribe", "events").load();
 *   await weir.close();
 *
 * A session holds the log it reads Kafka topics from (its {@link LogClient}); which kind it is
 * never changes what a query does.
 */
import { join } from "node:path";
import { EmbeddedLogClient, type SharedLogState } from "../client/embedded.js";
import type { LogClient } from "../client/log-client.js";
import { RemoteLogClient } from "../client/remote.js";
import type { LogManager } from "../log/index.js";
import { WeirError } from "../util/errors.js";
import { DataFrame } from "./api/dataframe.js";
import { DataFrameReader } from "./io/reader.js";
import { MemorySource } from "./exec/memory-source.js";
import { DataStreamReader } from "./stream/reader.js";
import { runtimeConfigOf, type RuntimeConfig } from "./api/conf.js";
import { streamsOf, type StreamingQueryManager } from "./stream/query.js";
import { setStreamReplay, type StreamReplay } from "./stream/replay.js";
import { memoryTables } from "./stream/sinks.js";
import { ParallelRuntime, parallelSettings, setParallelRuntime, type ParallelSettings } from "./exec/parallel/pool.js";

/** Options of {@link Weir.embedded}. */
export interface EmbeddedSessionOptions {
  /** The data directory of the log (created when missing). Not needed when `log` is given. */
  dataDir?: string;
  /**
   * A log already open in this process, to share instead of opening `dataDir`: a LogManager, or
   * a running Broker (whose producer state is then shared too). The session leaves it open.
   */
  log?: LogManager | { readonly state: SharedLogState };
  /** Replay mode (bounded Kafka streaming sources, redirected sinks): see src/engine/stream/replay.ts. */
  replay?: StreamReplay;
  /**
   * Worker threads a batch aggregation over a Kafka topic may use: the partitions are decoded,
   * filtered and partially aggregated on them, the log read and the results merged on the
   * calling thread (docs/engine-internals.md, "Parallel aggregation"). Default: the machine's
   * available parallelism (`os.availableParallelism()`); 0 runs every query on the calling
   * thread. Results are the same either way.
   */
  parallelism?: number;
  /**
   * Fewest records (over the query's offset ranges) for which an aggregation uses the worker
   * threads; smaller ones run on the calling thread. Default 100 000.
   */
  parallelMinRecords?: number;
}

/** Options of {@link Weir.connect}. */
export interface ConnectSessionOptions {
  /** `host:port[,host:port...]` of Weir brokers or an Apache Kafka cluster. */
  bootstrapServers: string;
  /** Client id sent to the brokers; default "weir". */
  clientId?: string;
  /** How long one operation may take, retries included; default 30 s. */
  operationTimeoutMs?: number;
  /** Replay mode (bounded Kafka streaming sources, redirected sinks): see src/engine/stream/replay.ts. */
  replay?: StreamReplay;
}

type FromRows = typeof DataFrame.fromRows;

/** Refuses replay settings whose range is empty or not made of epoch milliseconds. */
function checkReplay(replay: StreamReplay | undefined): void {
  if (replay === undefined) return;
  const { fromMs, toMs } = replay;
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || fromMs < 0) {
    throw new WeirError("INVALID_ARGUMENT", `replay needs fromMs and toMs as milliseconds since the epoch, got ${String(fromMs)} and ${String(toMs)}`);
  }
  if (fromMs >= toMs) {
    throw new WeirError("INVALID_ARGUMENT", `replay range is empty: fromMs (${new Date(fromMs).toISOString()}) must be before toMs (${new Date(toMs).toISOString()})`);
  }
}

function withReplay(weir: Weir, replay: StreamReplay | undefined): Weir {
  if (replay !== undefined) setStreamReplay(weir, replay);
  return weir;
}

/** See the module comment. */
export class Weir {
  private closed = false;
  /** The worker threads of parallel aggregations (embedded sessions only). */
  private parallel: ParallelRuntime | null = null;

  private constructor(
    private readonly client: LogClient | null,
    /** How this session reaches its log: "embedded", "remote", or "local" (no log). */
    readonly mode: "embedded" | "remote" | "local",
  ) {}

  /**
   * A session over a log in this process: opens (and on close, closes) the log in `dataDir`, or
   * shares `log` (a LogManager or a running Broker), which it leaves open.
   */
  static async embedded(opts: EmbeddedSessionOptions): Promise<Weir> {
    checkReplay(opts.replay);
    const parallel = parallelSettings(opts.parallelism, opts.parallelMinRecords);
    const log = opts.log;
    if (log !== undefined) {
      const client = "state" in log ? EmbeddedLogClient.forBroker(log) : EmbeddedLogClient.share(log);
      return withReplay(new Weir(client, "embedded").withParallelism(parallel), opts.replay);
    }
    if (opts.dataDir === undefined || opts.dataDir.trim() === "") {
      throw new WeirError("INVALID_ARGUMENT", "Weir.embedded needs a dataDir (where the log lives, created when missing) or a log to share");
    }
    return withReplay(new Weir(await EmbeddedLogClient.open({ dataDir: join(opts.dataDir) }), "embedded").withParallelism(parallel), opts.replay);
  }

  /** Gives an embedded session its worker threads for parallel aggregations (started when a query first needs them). */
  private withParallelism(settings: ParallelSettings): Weir {
    const runtime = new ParallelRuntime(settings);
    this.parallel = runtime;
    setParallelRuntime(this.logClient(), runtime);
    return this;
  }

  /** A session over the Kafka wire protocol (Weir brokers or Apache Kafka); IO when no broker answers. */
  static async connect(opts: ConnectSessionOptions): Promise<Weir> {
    if (typeof opts.bootstrapServers !== "string" || opts.bootstrapServers.trim() === "") {
      throw new WeirError("INVALID_ARGUMENT", "Weir.connect needs bootstrapServers: host:port[,host:port...]");
    }
    checkReplay(opts.replay);
    const client = await RemoteLogClient.connect({
      bootstrap: opts.bootstrapServers,
      ...(opts.clientId === undefined ? {} : { clientId: opts.clientId }),
      ...(opts.operationTimeoutMs === undefined ? {} : { operationTimeoutMs: opts.operationTimeoutMs }),
    });
    return withReplay(new Weir(client, "remote"), opts.replay);
  }

  /** A session without a log: files and in-memory data only (format "kafka" fails clearly). */
  static local(): Weir {
    return new Weir(null, "local");
  }

  /** Spark's `spark.read`: a new {@link DataFrameReader}. */
  get read(): DataFrameReader {
    this.checkOpen();
    return new DataFrameReader(this);
  }

  /** Spark's `spark.readStream`: a new {@link DataStreamReader} for a streaming DataFrame. */
  get readStream(): DataStreamReader {
    this.checkOpen();
    return new DataStreamReader(this);
  }

  /** Spark's `spark.conf`: per-session settings by Spark's names (see api/conf.ts for the keys Weir reads). */
  get conf(): RuntimeConfig {
    return runtimeConfigOf(this);
  }

  /** Spark's `spark.streams`: the session's streaming queries and listeners. */
  get streams(): StreamingQueryManager {
    return streamsOf(this);
  }

  /**
   * A batch DataFrame of the rows a memory sink holds so far (its query's `queryName`), as
   * Spark's `spark.table(name)` on the memory sink's table.
   */
  table(name: string): DataFrame {
    this.checkOpen();
    const t = memoryTables(this).get(name);
    if (t === undefined) {
      throw new WeirError("ANALYSIS", `[TABLE_OR_VIEW_NOT_FOUND] The table or view \`${name}\` cannot be found. Start a query with writeStream.format("memory").queryName(${JSON.stringify(name)}) first.`, {
        details: { table: name },
      });
    }
    return DataFrame.fromSource(this, new MemorySource(t.schema, t.rows()));
  }

  /**
   * Spark's `createDataFrame`: a DataFrame of in-memory rows (objects keyed by column name, or
   * arrays), with a schema given (StructType or DDL string) or inferred.
   */
  createDataFrame(rows: Parameters<FromRows>[1], schema?: Parameters<FromRows>[2]): DataFrame {
    this.checkOpen();
    return DataFrame.fromRows(this, rows, schema);
  }

  /** The session's log client; fails clearly on a local session (no log) or a closed one. */
  logClient(): LogClient {
    this.checkOpen();
    if (this.client === null) {
      throw new WeirError(
        "INVALID_ARGUMENT",
        "this session has no log (Weir.local() reads and writes files and in-memory data only); open it with Weir.embedded({ dataDir }) or Weir.connect({ bootstrapServers }) to read or write Kafka topics",
      );
    }
    return this.client;
  }

  /**
   * Stops the session's streaming queries, terminates its worker threads, then closes the log
   * client (and the log, when the session opened it). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await streamsOf(this).stopAll();
    this.closed = true;
    await this.parallel?.close();
    await this.client?.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new WeirError("CLOSED", "this Weir session is closed");
  }
}
