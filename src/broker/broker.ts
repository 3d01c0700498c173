/**
 * A Kafka-wire broker over a Weir log: one process, one node, every partition led here.
 *
 *   const broker = await Broker.start({ port: 9092, dataDir: "./weir-data" });
 *   ...
 *   await broker.stop(); // flushes and closes the log
 */
import { join } from "node:path";
import { LogManager, NodeFs, type LogFs } from "../log/index.js";
import type { TopicConfig } from "../log/index.js";
import { brokerConfigDefaults, type BrokerConfig } from "./config.js";
import { GroupCoordinator } from "./coordinator/index.js";
import { Dispatcher, type DispatchHooks } from "./dispatch.js";
import { handlers } from "./handlers/index.js";
import { ProducerStateManager } from "./producer-state.js";
import { TcpServer } from "./server.js";
import { BrokerState } from "./state.js";

/** Options beyond {@link BrokerConfig}: injection points for tests and embedding. */
export interface BrokerOptions {
  /** The filesystem under the log (a MemoryFs in tests). */
  fs?: LogFs;
  /** Broker-wide topic defaults (Kafka's log.* settings), e.g. a flush policy. */
  topicDefaults?: Partial<TopicConfig>;
  /** Interval of retention and compaction rounds, ms; 0 disables them. Default 5 minutes. */
  maintenanceIntervalMs?: number;
  /** Where rejected requests and faults are reported. Default: stderr for faults only. */
  hooks?: DispatchHooks;
  /** Reports a background fault (maintenance). Default: stderr. */
  onError?: (e: unknown) => void;
}

/** See the module comment. */
export class Broker {
  private stopped = false;

  private constructor(
    readonly state: BrokerState,
    private readonly server: TcpServer,
    /** The bound address (the port is the real one when 0 was asked for). */
    readonly address: { host: string; port: number },
  ) {}

  /** Opens the log (recovering it), binds the port and starts answering. */
  static async start(config: Partial<BrokerConfig> = {}, opts: BrokerOptions = {}): Promise<Broker> {
    const cfg: BrokerConfig = { ...brokerConfigDefaults, ...config };
    const fs = opts.fs ?? new NodeFs();
    const log = await LogManager.open({ dataDir: cfg.dataDir, fs, defaults: opts.topicDefaults });
    const onError = opts.onError ?? ((e: unknown) => process.stderr.write(`weir broker: ${e instanceof Error ? e.stack : String(e)}\n`));
    let groups: GroupCoordinator | null = null;
    try {
      const producers = ProducerStateManager.open(fs, join(cfg.dataDir, "producer-ids.json"));
      const state = new BrokerState(cfg, log, producers);
      state.groups = groups = await GroupCoordinator.open(log, {
        config: {
          initialRebalanceDelayMs: cfg.groupInitialRebalanceDelayMs,
          minSessionTimeoutMs: cfg.groupMinSessionTimeoutMs,
          maxSessionTimeoutMs: cfg.groupMaxSessionTimeoutMs,
          offsetsRetentionMs: cfg.offsetsRetentionMs,
          offsetsRetentionCheckIntervalMs: cfg.offsetsRetentionCheckIntervalMs,
        },
        onError,
      });
      const hooks: DispatchHooks = opts.hooks ?? {
        onHandlerFault: (err, header) => onError(new Error(`handler fault in API ${header.apiKey} v${header.apiVersion}`, { cause: err })),
      };
      const dispatcher = new Dispatcher(state, handlers, hooks);
      const server = new TcpServer((frame, conn) => dispatcher.handleFrame(frame, conn), {
        host: cfg.host,
        port: cfg.port,
        connectionsMax: cfg.connectionsMax,
        requestBytesMax: cfg.requestBytesMax,
        idleMs: cfg.connectionIdleMs,
      });
      const address = await server.listen();
      state.advertised = { host: cfg.host, port: address.port };
      const interval = opts.maintenanceIntervalMs ?? 5 * 60 * 1000;
      if (interval > 0) log.startMaintenance(interval, onError);
      return new Broker(state, server, address);
    } catch (e) {
      groups?.close();
      await log.close();
      throw e;
    }
  }

  /** The log this broker serves (for embedding and tests). */
  get log(): LogManager {
    return this.state.log;
  }

  /** Open client connections. */
  get connectionCount(): number {
    return this.server.connectionCount;
  }

  /** Stops accepting, closes connections, flushes and closes the log. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // First, so requests waiting in JoinGroup/SyncGroup are answered and nothing writes after.
    this.state.groups.close();
    await this.server.close();
    await this.state.log.close();
  }
}
