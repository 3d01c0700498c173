/**
 * A client's view of a Kafka cluster: bootstrap addresses, the brokers and topics that Metadata
 * reports, pooled connections to them, the coordinator of each group (FindCoordinator), and
 * retries of retriable errors within an operation's deadline.
 *
 *   const cluster = await Cluster.connect({ bootstrap: "127.0.0.1:9092" });
 *   const md = await cluster.metadata(["events"]);
 *   const coordinator = await cluster.connectionTo(await cluster.findCoordinator("my-group"));
 *   cluster.close();
 *
 * Works the same against Apache Kafka (several brokers, leaders and coordinators spread over
 * them) and Weir (one node that leads everything).
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { kafkaError } from "./errors.js";

/** A broker's address. */
export interface BrokerAddress {
  host: string;
  port: number;
}

/** A broker as Metadata or FindCoordinator report it. */
export interface BrokerNode extends BrokerAddress {
  nodeId: number;
  rack: string | null;
}

/** One partition in Metadata. */
export interface PartitionMetadata {
  partition: number;
  /** The leader's node id; -1 while there is none. */
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

/** One topic in Metadata. */
export interface TopicMetadata {
  name: string;
  /** The topic id (all zeros before Metadata v10). */
  topicId: string;
  isInternal: boolean;
  /** Sorted by partition index. */
  partitions: PartitionMetadata[];
}

/** What {@link Cluster.metadata} returns. */
export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerNode[];
  /** The topics that exist, sorted by name. */
  topics: TopicMetadata[];
  /** Asked-for topics that do not exist. */
  missing: string[];
}

/** Options of {@link Cluster.connect}. */
export interface ClusterOptions extends Omit<ConnectionOptions, "host" | "port"> {
  /** `host:port[,host:port...]`, or parsed addresses. */
  bootstrap: string | readonly BrokerAddress[];
  /** How long one operation may take, retries included. Default 30 s. */
  operationTimeoutMs?: number;
}

/** The defaults of {@link ClusterOptions}. */
export const clusterDefaults = {
  operationTimeoutMs: 30_000,
  /** First pause before retrying a retriable error; doubles up to {@link clusterDefaults.retryBackoffMsMax}. */
  retryBackoffMs: 50,
  retryBackoffMsMax: 1000,
} as const;

const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

/**
 * Parses `host:port[,host:port...]` (IPv6 hosts in brackets: `[::1]:9092`). Throws
 * INVALID_ARGUMENT naming the bad entry and the expected form.
 */
export function parseBootstrap(text: string): BrokerAddress[] {
  const entries = text.split(",").map((s) => s.trim());
  const out: BrokerAddress[] = [];
  for (const entry of entries) {
    const m = HOST_PORT.exec(entry);
    const port = m === null ? NaN : Number(m[3]);
    if (m === null || port < 1 || port > 65_535) {
      throw new WeirError("INVALID_ARGUMENT", `bad bootstrap address ${JSON.stringify(entry)} in ${JSON.stringify(text)}: expected host:port[,host:port...] with a port from 1 to 65535`, {
        details: { bootstrap: text, entry },
      });
    }
    out.push({ host: m[1] ?? m[2], port });
  }
  return out;
}

/** `host:port` of an address, for messages and pool keys. */
export function formatAddress(a: BrokerAddress): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** See the module comment. */
export class Cluster {
  private readonly pool = new Map<string, Promise<Connection>>();
  private readonly coordinators = new Map<string, BrokerNode>();
  private nodes = new Map<number, BrokerNode>();
  private closedFlag = false;
  /** How long one operation may take, retries included. */
  readonly operationTimeoutMs: number;

  private constructor(
    private readonly opts: ClusterOptions,
    /** The bootstrap addresses. */
    readonly bootstrap: readonly BrokerAddress[],
  ) {
    this.operationTimeoutMs = opts.operationTimeoutMs ?? clusterDefaults.operationTimeoutMs;
  }

  /**
   * Connects to the first bootstrap address that answers and reads the cluster's brokers. Throws
   * INVALID_ARGUMENT for a malformed bootstrap string and IO when no address answers (the
   * message names each address and why).
   */
  static async connect(opts: ClusterOptions): Promise<Cluster> {
    const bootstrap = typeof opts.bootstrap === "string" ? parseBootstrap(opts.bootstrap) : [...opts.bootstrap];
    if (bootstrap.length === 0) throw new WeirError("INVALID_ARGUMENT", "no bootstrap address given: expected host:port[,host:port...]");
    const cluster = new Cluster(opts, bootstrap);
    const failures: WeirError[] = [];
    for (const address of bootstrap) {
      try {
        await cluster.connectionAt(address);
        await cluster.metadata([]);
        return cluster;
      } catch (e) {
        if (!isWeirError(e)) throw e;
        failures.push(e);
      }
    }
    cluster.close();
    if (failures.length === 1) throw failures[0];
    throw new WeirError("IO", `cannot reach any bootstrap broker: ${failures.map((f) => f.message).join("; ")}`, {
      cause: failures[failures.length - 1],
      retriable: true,
      details: { bootstrap: bootstrap.map(formatAddress), phase: "connect" },
    });
  }

  /** The brokers of the last Metadata answer. */
  get brokers(): readonly BrokerNode[] {
    return [...this.nodes.values()];
  }

  /** A pooled connection to `address`, opened on first use and again after it failed. */
  connectionAt(address: BrokerAddress): Promise<Connection> {
    if (this.closedFlag) return Promise.reject(new WeirError("CLOSED", "the cluster client is closed"));
    const key = formatAddress(address);
    const existing = this.pool.get(key);
    if (existing !== undefined) {
      return existing.then(
        (c) => (c.closed ? this.reconnect(key, address) : c),
        () => this.reconnect(key, address),
      );
    }
    return this.reconnect(key, address);
  }

  /** A pooled connection to broker `nodeId` of the last Metadata answer. */
  async connectionTo(node: number | BrokerAddress): Promise<Connection> {
    if (typeof node !== "number") return this.connectionAt(node);
    const found = this.nodes.get(node);
    if (found === undefined) {
      await this.metadata([]);
      const again = this.nodes.get(node);
      if (again === undefined) throw new WeirError("NOT_FOUND", `broker ${node} is not in the cluster's metadata`, { retriable: true, details: { nodeId: node } });
      return this.connectionAt(again);
    }
    return this.connectionAt(found);
  }

  /** A connection to any broker: a bootstrap one if it is up, else a broker from Metadata. */
  async anyConnection(): Promise<Connection> {
    let last: unknown;
    for (const a of [...this.bootstrap, ...this.nodes.values()]) {
      try {
        return await this.connectionAt(a);
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  /**
   * A new connection of its own to `address`, outside the pool, for a caller that holds
   * requests open for long (a group member's JoinGroup): the caller closes it.
   */
  openConnection(address: BrokerAddress): Promise<Connection> {
    return Connection.connect({ ...this.connectionOptions(), host: address.host, port: address.port });
  }

  /**
   * Metadata of `topics` (null: every topic; []: brokers only), never creating topics. Topics
   * without a leader yet (just created) are waited for within the operation's deadline.
   */
  metadata(topics: readonly string[] | null, opts: { allowAutoTopicCreation?: boolean } = {}): Promise<ClusterMetadata> {
    return this.retry(`Metadata of ${topics === null ? "all topics" : topics.length === 0 ? "the cluster" : topics.join(", ")}`, async () => {
      const conn = await this.anyConnection();
      // v0 has no way to ask for no topics or to forbid auto-creation, so v1 is the floor unless
      // the broker speaks nothing newer.
      const { version, response } = await conn.request(ApiKey.Metadata, (v) => ({
        topics: topics === null ? (v === 0 ? [] : null) : topics.map((name) => ({ name })),
        allowAutoTopicCreation: opts.allowAutoTopicCreation ?? false,
      }));
      if (version === 0 && topics !== null && topics.length === 0) {
        // A v0 empty list means every topic; only the brokers are wanted here.
        response.topics = [];
      }
      this.nodes = new Map(response.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }]));
      const out: TopicMetadata[] = [];
      const missing: string[] = [];
      for (const t of response.topics) {
        const name = t.name ?? "";
        if (t.errorCode === KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code) {
          missing.push(name);
          continue;
        }
        if (t.errorCode !== KafkaErrors.NONE.code) throw kafkaError(t.errorCode, `Metadata of topic '${name}' from ${conn.address}`);
        const partitions = t.partitions
          .map((p) => ({ partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicaNodes, isr: p.isrNodes, errorCode: p.errorCode }))
          .sort((a, b) => a.partition - b.partition);
        const leaderless = partitions.find((p) => p.leaderId < 0 || p.errorCode === KafkaErrors.LEADER_NOT_AVAILABLE.code);
        if (leaderless !== undefined) throw kafkaError(KafkaErrors.LEADER_NOT_AVAILABLE.code, `Metadata of ${name}-${leaderless.partition} from ${conn.address}`);
        out.push({ name, topicId: t.topicId, isInternal: t.isInternal, partitions: partitions.map(({ errorCode: _e, ...p }) => p) });
      }
      out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { clusterId: response.clusterId, controllerId: response.controllerId, brokers: this.brokers.slice(), topics: out, missing };
    });
  }

  /**
   * The coordinator of group `groupId` (FindCoordinator, cached). Kafka answers
   * COORDINATOR_NOT_AVAILABLE while it creates its offsets topic for the first group; that is
   * retried within the operation's deadline.
   */
  async findCoordinator(groupId: string): Promise<BrokerNode> {
    const cached = this.coordinators.get(groupId);
    if (cached !== undefined) return cached;
    const node = await this.retry(`FindCoordinator of group '${groupId}'`, async () => {
      const conn = await this.anyConnection();
      const { version, response } = await conn.request(ApiKey.FindCoordinator, (v) => (v >= 4 ? { keyType: 0, coordinatorKeys: [groupId] } : { keyType: 0, key: groupId }));
      const r = version >= 4 ? response.coordinators.find((c) => c.key === groupId) : { ...response, key: groupId };
      if (r === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered FindCoordinator without the key '${groupId}'`, { details: { groupId } });
      if (r.errorCode !== KafkaErrors.NONE.code) throw kafkaError(r.errorCode, `FindCoordinator of group '${groupId}' at ${conn.address}`, r.errorMessage);
      return { nodeId: r.nodeId, host: r.host, port: r.port, rack: null };
    });
    this.coordinators.set(groupId, node);
    return node;
  }

  /** Forgets the cached coordinator of `groupId` (after NOT_COORDINATOR and the like). */
  forgetCoordinator(groupId: string): void {
    this.coordinators.delete(groupId);
  }

  /**
   * Runs `attempt` until it succeeds, throws a non-retriable error, or the operation's deadline
   * (default {@link operationTimeoutMs}) would pass; pauses grow from 50 ms to 1 s.
   */
  async retry<T>(what: string, attempt: () => Promise<T>, timeoutMs = this.operationTimeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let backoff: number = clusterDefaults.retryBackoffMs;
    for (;;) {
      try {
        return await attempt();
      } catch (e) {
        if (!isWeirError(e) || !e.retriable || this.closedFlag) throw e;
        if (Date.now() + backoff > deadline) {
          throw new WeirError(e.code, `${what}: gave up after ${timeoutMs} ms: ${e.message}`, { cause: e, retriable: true, details: e.details });
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, clusterDefaults.retryBackoffMsMax);
      }
    }
  }

  /** Closes every pooled connection. Idempotent. */
  close(): void {
    this.closedFlag = true;
    for (const p of this.pool.values()) p.then((c) => c.close(), () => undefined);
    this.pool.clear();
  }

  private connectionOptions(): ConnectionOptions {
    const { bootstrap: _b, operationTimeoutMs: _o, ...rest } = this.opts;
    return { ...rest, host: "", port: 0 };
  }

  private reconnect(key: string, address: BrokerAddress): Promise<Connection> {
    const p = Connection.connect({ ...this.connectionOptions(), host: address.host, port: address.port });
    this.pool.set(key, p);
    // A failed connect stays in the pool only until the next call, which tries again.
    p.catch(() => undefined);
    return p;
  }
}
