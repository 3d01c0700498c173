/**
 * A member of a consumer group under Kafka's classic group protocol: JoinGroup, SyncGroup (the
 * leader assigns partitions with the range assignor), Heartbeat, LeaveGroup. It tracks which
 * partitions it owns and rejoins whenever the coordinator starts a rebalance; it does not fetch
 * records (that is a consumer's job, built on top).
 *
 *   const member = await GroupMember.start({ cluster, groupId: "g", topics: ["events"],
 *     onAssignment: (a) => console.log(a.generationId, a.partitions) });
 *   ...
 *   await member.leave();
 *
 * Each member holds its own connection to the coordinator: a JoinGroup stays unanswered until
 * the rebalance completes, and a Kafka broker answers one connection's requests in order.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ApiKey } from "../../protocol/api-keys.js";
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, type TopicPartitions } from "../../protocol/consumer-protocol.js";
import { KafkaErrors, kafkaErrorName } from "../../protocol/errors.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import type { Cluster } from "./cluster.js";
import type { Connection } from "./connection.js";
import { kafkaError } from "./errors.js";

/** The assignor this member offers (Kafka's RangeAssignor, the Java consumer's first default). */
export const RANGE_ASSIGNOR = "range";

/** Options of {@link GroupMember.start}. */
export interface GroupMemberOptions {
  cluster: Cluster;
  groupId: string;
  /** The topics to subscribe to. */
  topics: readonly string[];
  /** Default 10 s (brokers allow 6 s to 30 min by default). */
  sessionTimeoutMs?: number;
  /** How long the coordinator waits for members to rejoin. Default 30 s. */
  rebalanceTimeoutMs?: number;
  /** Default 3 s, the Java consumer's. A rebalance is noticed at the next heartbeat. */
  heartbeatIntervalMs?: number;
  /** Static membership (KIP-345); default null. */
  groupInstanceId?: string | null;
  /** Called with each new assignment. */
  onAssignment?: (a: MemberAssignment) => void;
  /** Called when the member stops on an error it cannot recover from. */
  onError?: (e: unknown) => void;
  /**
   * An open connection to the group's coordinator to join through (the member owns it from then
   * on and closes it); by default the member opens its own. Lets a caller time the group
   * protocol apart from connecting.
   */
  connection?: Connection;
}

/** What a member owns in one generation of the group. */
export interface MemberAssignment {
  generationId: number;
  memberId: string;
  /** True when this member computed the generation's assignment. */
  leader: boolean;
  /** Sorted by topic; empty when the member got nothing. */
  partitions: TopicPartitions[];
}

/** Error codes after which a member joins again (with its member id). */
const REJOIN: ReadonlySet<number> = new Set([KafkaErrors.REBALANCE_IN_PROGRESS.code, KafkaErrors.ILLEGAL_GENERATION.code]);
/** Error codes after which a member joins again as a new member. */
const REJOIN_AS_NEW: ReadonlySet<number> = new Set([KafkaErrors.UNKNOWN_MEMBER_ID.code]);
/** Error codes that mean "find the coordinator again". */
const COORDINATOR_MOVED: ReadonlySet<number> = new Set([
  KafkaErrors.NOT_COORDINATOR.code,
  KafkaErrors.COORDINATOR_NOT_AVAILABLE.code,
  KafkaErrors.COORDINATOR_LOAD_IN_PROGRESS.code,
]);

/** A failed group request whose error says what to do next. */
class GroupRequestError extends Error {
  constructor(readonly errorCode: number) {
    super(kafkaErrorName(errorCode));
  }
}

/**
 * Kafka's RangeAssignor (pure): per topic, the subscribed members in member-id order each get a
 * contiguous range of partitions, the first `partitions % members` one more than the rest.
 */
export function rangeAssign(
  members: readonly { memberId: string; topics: readonly string[] }[],
  partitionCounts: ReadonlyMap<string, number>,
): Map<string, TopicPartitions[]> {
  const out = new Map<string, TopicPartitions[]>(members.map((m) => [m.memberId, []]));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const n = partitionCounts.get(topic) ?? 0;
    const subscribed = members
      .filter((m) => m.topics.includes(topic))
      .map((m) => m.memberId)
      .sort();
    const per = Math.floor(n / subscribed.length);
    const extra = n % subscribed.length;
    subscribed.forEach((memberId, i) => {
      const start = i * per + Math.min(i, extra);
      const length = per + (i < extra ? 1 : 0);
      if (length > 0) out.get(memberId)!.push({ topic, partitions: Array.from({ length }, (_, k) => start + k) });
    });
  }
  return out;
}

/** See the module comment. */
export class GroupMember {
  private memberId = "";
  private generationId = -1;
  private current: MemberAssignment | null = null;
  private conn: Connection | null = null;
  private stopped = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;

  private constructor(private readonly opts: GroupMemberOptions) {
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 10_000;
    this.rebalanceTimeoutMs = opts.rebalanceTimeoutMs ?? 30_000;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 3000;
  }

  /**
   * Connects to the group's coordinator and starts joining in the background; resolves once the
   * connection is open (the first assignment arrives through `onAssignment`, or
   * {@link waitForAssignment}).
   */
  static async start(opts: GroupMemberOptions): Promise<GroupMember> {
    if (opts.topics.length === 0) throw new WeirError("INVALID_ARGUMENT", "a group member needs at least one topic to subscribe to");
    const m = new GroupMember(opts);
    m.conn = opts.connection ?? (await m.connect());
    m.loop = m.run();
    return m;
  }

  /** The member's id (empty until the coordinator gave one). */
  get id(): string {
    return this.memberId;
  }

  /** The latest assignment, or null before the first. */
  get assignment(): MemberAssignment | null {
    return this.current;
  }

  /** Resolves with the first assignment of a generation newer than `afterGeneration`. */
  async waitForAssignment(afterGeneration = -1, timeoutMs = this.rebalanceTimeoutMs): Promise<MemberAssignment> {
    const deadline = Date.now() + timeoutMs;
    while (this.current === null || this.current.generationId <= afterGeneration) {
      if (this.stopped) throw new WeirError("CLOSED", `group member of '${this.opts.groupId}' stopped before it got an assignment`);
      if (Date.now() > deadline) throw new WeirError("IO", `no assignment in group '${this.opts.groupId}' within ${timeoutMs} ms`, { retriable: true });
      await sleep(10);
    }
    return this.current;
  }

  /** Leaves the group (LeaveGroup), so the others rebalance at once, and closes the connection. */
  async leave(reason = "the member is leaving"): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    const conn = this.conn;
    if (conn !== null && !conn.closed && this.memberId !== "") {
      try {
        await conn.request(ApiKey.LeaveGroup, (v) =>
          v >= 3
            ? { groupId: this.opts.groupId, members: [{ memberId: this.memberId, groupInstanceId: this.opts.groupInstanceId ?? null, reason }] }
            : { groupId: this.opts.groupId, memberId: this.memberId },
        );
      } catch (e) {
        // The coordinator forgets a member that does not heartbeat anyway; a failed goodbye only
        // delays the others' rebalance by a session timeout.
        if (!isWeirError(e)) throw e;
      }
    }
    this.close();
    await this.loop;
  }

  /** Stops without leaving (as a crashed member would): the coordinator notices after the session timeout. */
  close(): void {
    this.stopped = true;
    this.abort.abort();
    this.conn?.close();
  }

  /** Join, sync, heartbeat until a rebalance; again, until stopped. */
  private async run(): Promise<void> {
    let backoff = 50;
    while (!this.stopped) {
      try {
        const a = await this.joinAndSync();
        if (a === null) continue;
        backoff = 50;
        this.current = a;
        this.opts.onAssignment?.(a);
        await this.heartbeatUntilRebalance();
      } catch (e) {
        if (this.stopped) return;
        const moved = e instanceof GroupRequestError && COORDINATOR_MOVED.has(e.errorCode);
        const lost = isWeirError(e) && e.retriable;
        if (!moved && !lost) {
          this.stopped = true;
          this.conn?.close();
          this.opts.onError?.(e instanceof GroupRequestError ? kafkaError(e.errorCode, `group '${this.opts.groupId}'`) : e);
          return;
        }
        // The coordinator moved or the connection broke: find it again and rejoin.
        this.conn?.close();
        if (!(await this.reconnect(backoff))) return;
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }

  /** Opens a connection to the (possibly new) coordinator, retrying; false when the member stopped meanwhile. */
  private async reconnect(firstBackoffMs: number): Promise<boolean> {
    let backoff = firstBackoffMs;
    while (!this.stopped) {
      this.opts.cluster.forgetCoordinator(this.opts.groupId);
      try {
        await sleep(backoff, undefined, { signal: this.abort.signal });
        this.conn = await this.connect();
        return true;
      } catch (e) {
        if (this.stopped) return false;
        if (!isWeirError(e) || !e.retriable) {
          this.stopped = true;
          this.opts.onError?.(e);
          return false;
        }
        backoff = Math.min(backoff * 2, 1000);
      }
    }
    return false;
  }

  private async connect(): Promise<Connection> {
    const coordinator = await this.opts.cluster.findCoordinator(this.opts.groupId);
    return this.opts.cluster.openConnection(coordinator);
  }

  /** One JoinGroup + SyncGroup round; null when it must be repeated (a rebalance intervened). */
  private async joinAndSync(): Promise<MemberAssignment | null> {
    const conn = this.conn!;
    const metadata = encodeSubscription({ topics: [...this.opts.topics] });
    const { response: join } = await conn.request(
      ApiKey.JoinGroup,
      () => ({
        groupId: this.opts.groupId,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: this.opts.groupInstanceId ?? null,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: [{ name: RANGE_ASSIGNOR, metadata }],
        reason: null,
      }),
      // The answer waits for every member to rejoin, up to the rebalance timeout.
      { timeoutMs: this.rebalanceTimeoutMs + 5000 },
    );
    if (join.errorCode === KafkaErrors.MEMBER_ID_REQUIRED.code) {
      this.memberId = join.memberId;
      return null;
    }
    if (!this.handleGroupError(join.errorCode)) return null;
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    const leader = join.leader === join.memberId;
    const protocolName = join.protocolName ?? RANGE_ASSIGNOR;
    const assignments = leader ? await this.assign(join.members) : [];
    const { response: sync } = await conn.request(
      ApiKey.SyncGroup,
      () => ({
        groupId: this.opts.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.opts.groupInstanceId ?? null,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName,
        assignments,
      }),
      { timeoutMs: this.rebalanceTimeoutMs + 5000 },
    );
    if (!this.handleGroupError(sync.errorCode)) return null;
    const partitions = decodeAssignment(sync.assignment).partitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
    return { generationId: this.generationId, memberId: this.memberId, leader, partitions };
  }

  /** The leader's job: the range assignment of the members' subscriptions, encoded per member. */
  private async assign(members: readonly { memberId: string; metadata: Buffer }[]): Promise<{ memberId: string; assignment: Buffer }[]> {
    const subs = members.map((m) => {
      let topics: string[] = [];
      try {
        topics = decodeSubscription(m.metadata).topics;
      } catch {
        // A member whose metadata does not decode subscribes to nothing and gets nothing.
        topics = [];
      }
      return { memberId: m.memberId, topics };
    });
    const md = await this.opts.cluster.metadata([...new Set(subs.flatMap((s) => s.topics))]);
    const counts = new Map(md.topics.map((t) => [t.name, t.partitions.length]));
    const plan = rangeAssign(subs, counts);
    return subs.map((s) => ({ memberId: s.memberId, assignment: encodeAssignment(plan.get(s.memberId) ?? []) }));
  }

  /** Heartbeats every interval until the coordinator says to rejoin, or the member stops. */
  private async heartbeatUntilRebalance(): Promise<void> {
    const conn = this.conn!;
    while (!this.stopped) {
      try {
        await sleep(this.heartbeatIntervalMs, undefined, { signal: this.abort.signal });
      } catch {
        return;
      }
      const { response } = await conn.request(ApiKey.Heartbeat, () => ({
        groupId: this.opts.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.opts.groupInstanceId ?? null,
      }));
      if (!this.handleGroupError(response.errorCode)) return;
    }
  }

  /**
   * True for NONE. For errors that call for a rejoin, prepares it and returns false; throws
   * GroupRequestError for the rest.
   */
  private handleGroupError(code: number): boolean {
    if (code === KafkaErrors.NONE.code) return true;
    if (REJOIN.has(code)) return false;
    if (REJOIN_AS_NEW.has(code)) {
      this.memberId = "";
      this.generationId = -1;
      return false;
    }
    throw new GroupRequestError(code);
  }
}
