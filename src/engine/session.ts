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
import { streamsOf, type StreamingQueryManager } from "./stream/query.js";
import { memoryTables } from "./stream/sinks.js";

/** Options of {@link Weir.embedded}. */
export interface EmbeddedSessionOptions {
  /** The data directory of the log (created when missing). Not needed when `log` is given. */
  dataDir?: string;
  /**
   * A log already open in this process, to share instead of opening `dataDir`: a LogManager, or
   * a running Broker (whose producer state is then shared too). The session leaves it open.
   */
  log?: LogManager | { readonly state: SharedLogState };
}

/** Options of {@link Weir.connect}. */
export interface ConnectSessionOptions {
  /** `host:port[,host:port...]` of Weir brokers or an Apache Kafka cluster. */
  bootstrapServers: string;
  /** Client id sent to the brokers; default "weir". */
  clientId?: string;
  /** How long one operation may take, retries included; default 30 s. */
  operationTimeoutMs?: number;
}

type FromRows = typeof DataFrame.fromRows;

/** See the module comment. */
export class Weir {
  private closed = false;

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
    const log = opts.log;
    if (log !== undefined) {
      const client = "state" in log ? EmbeddedLogClient.forBroker(log) : EmbeddedLogClient.share(log);
      return new Weir(client, "embedded");
    }
    if (opts.dataDir === undefined || opts.dataDir.trim() === "") {
      throw new WeirError("INVALID_ARGUMENT", "Weir.embedded needs a dataDir (where the log lives, created when missing) or a log to share");
    }
    return new Weir(await EmbeddedLogClient.open({ dataDir: join(opts.dataDir) }), "embedded");
  }

  /** A session over the Kafka wire protocol (Weir brokers or Apache Kafka); IO when no broker answers. */
  static async connect(opts: ConnectSessionOptions): Promise<Weir> {
    if (typeof opts.bootstrapServers !== "string" || opts.bootstrapServers.trim() === "") {
      throw new WeirError("INVALID_ARGUMENT", "Weir.connect needs bootstrapServers: host:port[,host:port...]");
    }
    const client = await RemoteLogClient.connect({
      bootstrap: opts.bootstrapServers,
      ...(opts.clientId === undefined ? {} : { clientId: opts.clientId }),
      ...(opts.operationTimeoutMs === undefined ? {} : { operationTimeoutMs: opts.operationTimeoutMs }),
    });
    return new Weir(client, "remote");
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

  /** Stops the session's streaming queries, then closes the log client (and the log, when the session opened it). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await streamsOf(this).stopAll();
    this.closed = true;
    await this.client?.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new WeirError("CLOSED", "this Weir session is closed");
  }
}
