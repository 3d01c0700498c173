/**
 * The group coordinator: the I/O around the pure state machine ({@link step}). It owns
 *
 * - the groups (one {@link Group} value per id, replaced by each step — one owner, no locks:
 *   every step runs to completion synchronously, and no await sits inside a state change);
 * - the requests that wait (JoinGroup, SyncGroup), as tokens the machine answers through effects;
 * - one timer per group, armed at the group's next deadline, which feeds the machine a tick;
 * - the offset store over `__consumer_offsets`: group records written on the machine's request,
 *   committed offsets, and their retention.
 *
 * Handlers call the typed methods below and shape the answers for their API version.
 */
import { randomUUID } from "node:crypto";
import type { LogManager } from "../../log/index.js";
import { KafkaErrors } from "../../protocol/errors.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import { groupLimits } from "../../util/limits.js";
import { CONSUMER_PROTOCOL_TYPE } from "../../protocol/consumer-protocol.js";
import { NO_BYTES, describeGroup, emptyGroup, isSubscribedToTopic, nextDeadline } from "./group.js";
import type { GroupDescription } from "./group.js";
import { groupRecord, restoredGroup } from "./group-record.js";
import { step } from "./machine.js";
import { OffsetStore } from "./offset-store.js";
import type { OffsetAndMetadata } from "./offset-store.js";
import type { Group, GroupEffect, GroupEvent, GroupRules, JoinResult, LeaveMemberResult, Protocol, SyncResult } from "./types.js";

const E = KafkaErrors;

/** The broker settings of the coordinator. */
export interface GroupCoordinatorConfig {
  /** group.initial.rebalance.delay.ms */
  initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms */
  minSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  maxSessionTimeoutMs: number;
  /** offsets.retention.minutes, in ms */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms */
  offsetsRetentionCheckIntervalMs: number;
}

/** Options of {@link GroupCoordinator.open}. */
export interface GroupCoordinatorOptions {
  config: GroupCoordinatorConfig;
  /** Clock in ms; tests may pass their own. */
  now?: () => number;
  /** Reports background faults (a failed group write, skipped records). Default: stderr. */
  onError?: (e: unknown) => void;
}

/** A JoinGroup request, version-independent. */
export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: readonly Protocol[];
  /** v4+ */
  requireKnownMemberId: boolean;
  /** v9+ */
  supportsSkipAssignment: boolean;
}

/** A SyncGroup request, version-independent. */
export interface SyncRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  assignments: readonly { memberId: string; assignment: Buffer }[];
}

/** The identity a Heartbeat or OffsetCommit names. */
export interface MemberRef {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
}

/** One partition of an OffsetCommit. */
export interface CommitPartition {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

/** One partition of an OffsetFetch answer (-1 and "" when nothing is committed). */
export interface FetchedOffset {
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
}

/** A group as ListGroups shows it. */
export interface GroupOverview {
  groupId: string;
  protocolType: string;
  state: string;
}

type Waiter = (effect: GroupEffect | null) => void;

function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: "", memberId, skipAssignment: false, members: [] };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: NO_BYTES };
}

/** The error code answering a failed offsets-topic write. */
function writeErrorCode(e: unknown): number {
  if (isWeirError(e, "LIMIT_EXCEEDED")) return E.INVALID_COMMIT_OFFSET_SIZE.code;
  if (isWeirError(e, "CLOSED")) return E.COORDINATOR_NOT_AVAILABLE.code;
  return E.KAFKA_STORAGE_ERROR.code;
}

/** See the module comment. */
export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly timers = new Map<string, { at: number; handle: NodeJS.Timeout }>();
  private readonly waiters = new Map<number, Waiter>();
  private readonly rules: GroupRules;
  private nextToken = 1;
  private closed = false;
  private retentionTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly store: OffsetStore,
    private readonly config: GroupCoordinatorConfig,
    private readonly now: () => number,
    private readonly onError: (e: unknown) => void,
  ) {
    this.rules = {
      initialRebalanceDelayMs: config.initialRebalanceDelayMs,
      minSessionTimeoutMs: config.minSessionTimeoutMs,
      maxSessionTimeoutMs: config.maxSessionTimeoutMs,
      membersMax: groupLimits.membersPerGroupMax,
      newMemberJoinTimeoutMs: groupLimits.newMemberJoinTimeoutMs,
    };
  }

  /**
   * Opens the offsets topic (creating it on first start), restores groups and offsets from it,
   * and starts the retention check. Call before the broker answers requests.
   */
  static async open(log: LogManager, opts: GroupCoordinatorOptions): Promise<GroupCoordinator> {
    const onError = opts.onError ?? ((e: unknown) => process.stderr.write(`weir group coordinator: ${e instanceof Error ? e.message : String(e)}\n`));
    const now = opts.now ?? Date.now;
    const { store, report } = await OffsetStore.open(log);
    const c = new GroupCoordinator(store, opts.config, now, onError);
    const t = now();
    for (const [id, v] of report.groups) c.groups.set(id, restoredGroup(id, v, t));
    // Groups that only ever stored offsets (simple consumers) exist too, empty and typeless.
    for (const id of store.groupIds()) if (!c.groups.has(id)) c.groups.set(id, emptyGroup(id, t));
    for (const [id, g] of c.groups) c.schedule(id, g);
    if (report.skippedRecords > 0) {
      onError(new WeirError("LOG_CORRUPT", `${report.skippedRecords} records of __consumer_offsets did not decode and were skipped`));
    }
    c.retentionTimer = setInterval(() => {
      c.expireOffsets().catch(onError);
    }, opts.config.offsetsRetentionCheckIntervalMs);
    c.retentionTimer.unref();
    return c;
  }

  // ---- the machine ----------------------------------------------------------------------------

  /** Runs one event through the machine and performs its effects; returns the writes started. */
  private run(groupId: string, event: GroupEvent): Promise<void>[] {
    const { group, effects } = step(groupId, this.groups.get(groupId) ?? null, event, this.rules);
    if (group === null) this.groups.delete(groupId);
    else this.groups.set(groupId, group);
    this.schedule(groupId, group);
    const writes: Promise<void>[] = [];
    for (const fx of effects) {
      switch (fx.kind) {
        case "store":
          if (group !== null) this.persist(groupId, group, fx.generationId);
          break;
        case "removed": {
          const removal = this.store.removeGroup(groupId);
          // Marked handled here (no crash if a caller drops it); callers that await still see it.
          removal.catch(() => undefined);
          writes.push(removal);
          break;
        }
        default: {
          const waiter = this.waiters.get(fx.token);
          this.waiters.delete(fx.token);
          waiter?.(fx);
        }
      }
    }
    return writes;
  }

  /** Writes the group record; the machine learns the outcome (SyncGroup answers wait for it). */
  private persist(groupId: string, group: Group, generationId: number): void {
    const stored = (errorCode: number): void => {
      if (this.closed) return;
      try {
        void this.run(groupId, { type: "stored", now: this.now(), generationId, errorCode });
      } catch (e) {
        this.onError(e);
      }
    };
    this.store.storeGroup(groupId, groupRecord(group)).then(
      () => stored(E.NONE.code),
      (e: unknown) => {
        this.onError(e);
        stored(E.COORDINATOR_NOT_AVAILABLE.code);
      },
    );
  }

  /** Arms (or re-arms, or clears) the group's timer for its next deadline. */
  private schedule(groupId: string, group: Group | null): void {
    const at = group === null || this.closed ? null : nextDeadline(group);
    const current = this.timers.get(groupId);
    // A timer due no later than needed stays: if it fires early, the tick changes nothing and
    // re-arms. This spares a clear/set per heartbeat (each one pushes a deadline later).
    if (current !== undefined && at !== null && current.at <= at) return;
    if (current !== undefined) clearTimeout(current.handle);
    this.timers.delete(groupId);
    if (at === null) return;
    const handle = setTimeout(() => {
      this.timers.delete(groupId);
      try {
        void this.run(groupId, { type: "tick", now: this.now() });
      } catch (e) {
        this.onError(e);
      }
    }, Math.max(0, at - this.now()));
    // Not unref'd: a JoinGroup or SyncGroup may be waiting on this deadline. close() clears it.
    this.timers.set(groupId, { at, handle });
  }

  /** Runs an event whose answer comes back through its token, now or later; null once closed. */
  private request(groupId: string, make: (token: number) => GroupEvent): Promise<GroupEffect | null> {
    if (this.closed) return Promise.resolve(null);
    const token = this.nextToken++;
    return new Promise((resolve, reject) => {
      this.waiters.set(token, resolve);
      try {
        void this.run(groupId, make(token));
      } catch (e) {
        this.waiters.delete(token);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /**
   * Runs an event the machine answers within the step, returning its answer and the writes it
   * started, synchronously (so the caller can act on the answer before anything else runs).
   */
  private immediate(groupId: string, make: (token: number) => GroupEvent): { effect: GroupEffect | null; writes: Promise<void>[] } {
    if (this.closed) return { effect: null, writes: [] };
    const token = this.nextToken++;
    const answer: { effect: GroupEffect | null } = { effect: null };
    this.waiters.set(token, (fx) => (answer.effect = fx));
    try {
      const writes = this.run(groupId, make(token));
      return { effect: answer.effect, writes };
    } finally {
      this.waiters.delete(token);
    }
  }

  // ---- membership APIs ------------------------------------------------------------------------

  /** JoinGroup; resolves when the member has a generation (or an error). */
  async join(r: JoinRequest): Promise<JoinResult> {
    if (r.groupId === "") return joinError(r.memberId, E.INVALID_GROUP_ID.code);
    const fx = await this.request(r.groupId, (token) => ({
      type: "join",
      now: this.now(),
      token,
      memberId: r.memberId,
      groupInstanceId: r.groupInstanceId,
      requireKnownMemberId: r.requireKnownMemberId,
      supportsSkipAssignment: r.supportsSkipAssignment,
      // Kafka's member ids: the client id (or the static instance id), a dash, a random UUID.
      newMemberId: `${r.groupInstanceId ?? r.clientId}-${randomUUID()}`,
      clientId: r.clientId,
      clientHost: r.clientHost,
      rebalanceTimeoutMs: r.rebalanceTimeoutMs,
      sessionTimeoutMs: r.sessionTimeoutMs,
      protocolType: r.protocolType,
      protocols: r.protocols,
    }));
    return fx?.kind === "join" ? fx.result : joinError(r.memberId, E.COORDINATOR_NOT_AVAILABLE.code);
  }

  /** SyncGroup; resolves when the leader's assignment for this generation is stored. */
  async sync(r: SyncRequest): Promise<SyncResult> {
    if (r.groupId === "") return syncError(E.INVALID_GROUP_ID.code);
    const fx = await this.request(r.groupId, (token) => ({ type: "sync", now: this.now(), token, ...r }));
    return fx?.kind === "sync" ? fx.result : syncError(E.COORDINATOR_NOT_AVAILABLE.code);
  }

  /** Heartbeat: the error code to answer. */
  heartbeat(r: MemberRef): number {
    if (r.groupId === "") return E.INVALID_GROUP_ID.code;
    const { effect } = this.immediate(r.groupId, (token) => ({ type: "heartbeat", now: this.now(), token, ...r }));
    return effect?.kind === "reply" ? effect.errorCode : E.COORDINATOR_NOT_AVAILABLE.code;
  }

  /** LeaveGroup: the group-level error and one result per named member. */
  leave(groupId: string, members: readonly { memberId: string; groupInstanceId: string | null }[]): { errorCode: number; members: LeaveMemberResult[] } {
    if (groupId === "") return { errorCode: E.INVALID_GROUP_ID.code, members: [] };
    const { effect } = this.immediate(groupId, (token) => ({ type: "leave", now: this.now(), token, members }));
    if (effect?.kind !== "leave") return { errorCode: E.COORDINATOR_NOT_AVAILABLE.code, members: [] };
    return { errorCode: E.NONE.code, members: [...effect.members] };
  }

  // ---- offsets APIs ---------------------------------------------------------------------------

  /**
   * OffsetCommit: one error code per partition, in order. The membership check and the append
   * happen in one synchronous run, so no other request slips in between; the answer waits until
   * the commit is durable.
   */
  async commitOffsets(member: MemberRef, apiVersion: number, partitions: readonly CommitPartition[]): Promise<number[]> {
    const { effect } = this.immediate(member.groupId, (token) => ({ type: "commit", now: this.now(), token, apiVersion, ...member }));
    const check = effect?.kind === "reply" ? effect.errorCode : E.COORDINATOR_NOT_AVAILABLE.code;
    if (check !== E.NONE.code) return partitions.map(() => check);
    const now = this.now();
    const codes = partitions.map((p) => (Buffer.byteLength(p.metadata ?? "") > groupLimits.offsetMetadataBytesMax ? E.OFFSET_METADATA_TOO_LARGE.code : E.NONE.code));
    const accepted = partitions.filter((_, i) => codes[i] === E.NONE.code);
    const entries = accepted.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      value: { offset: p.offset, leaderEpoch: p.leaderEpoch, metadata: p.metadata ?? "", commitTimestamp: now },
    }));
    try {
      await this.store.commit(member.groupId, entries);
    } catch (e) {
      if (!isWeirError(e, "LIMIT_EXCEEDED")) this.onError(e);
      const code = writeErrorCode(e);
      return codes.map((c) => (c === E.NONE.code ? code : c));
    }
    return codes;
  }

  /**
   * OffsetFetch for one group: the named partitions (-1 and "" where nothing is committed), or
   * with `topics` null every committed offset. Offsets are answered whatever the group's state:
   * a group may use Kafka only to store offsets.
   */
  fetchOffsets(groupId: string, topics: readonly { name: string; partitions: readonly number[] }[] | null): { name: string; partitions: FetchedOffset[] }[] {
    const toFetched = (partition: number, v: OffsetAndMetadata | undefined): FetchedOffset =>
      v === undefined ? { partition, offset: -1, leaderEpoch: -1, metadata: "" } : { partition, offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata };
    if (topics === null) {
      return [...(this.store.offsetsOf(groupId) ?? [])].map(([name, partitions]) => ({
        name,
        partitions: [...partitions].sort((a, b) => a[0] - b[0]).map(([p, v]) => toFetched(p, v)),
      }));
    }
    return topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => toFetched(p, this.store.get(groupId, t.name, p))) }));
  }

  /**
   * OffsetDelete: an empty group's offsets go; a live consumer group keeps those of topics its
   * members subscribe to (GROUP_SUBSCRIBED_TO_TOPIC); other live groups refuse (NON_EMPTY_GROUP).
   */
  async deleteOffsets(groupId: string, partitions: readonly { topic: string; partition: number }[]): Promise<{ errorCode: number; partitions: number[] }> {
    const g = this.closed ? undefined : this.groups.get(groupId);
    if (this.closed) return { errorCode: E.COORDINATOR_NOT_AVAILABLE.code, partitions: [] };
    if (g === undefined) return { errorCode: E.GROUP_ID_NOT_FOUND.code, partitions: [] };
    let codes: number[];
    if (g.state === "Empty") codes = partitions.map(() => E.NONE.code);
    else if (g.protocolType === CONSUMER_PROTOCOL_TYPE) codes = partitions.map((p) => (isSubscribedToTopic(g, p.topic) ? E.GROUP_SUBSCRIBED_TO_TOPIC.code : E.NONE.code));
    else return { errorCode: E.NON_EMPTY_GROUP.code, partitions: [] };
    try {
      await this.store.remove(groupId, partitions.filter((_, i) => codes[i] === E.NONE.code));
    } catch (e) {
      this.onError(e);
      return { errorCode: writeErrorCode(e), partitions: [] };
    }
    return { errorCode: E.NONE.code, partitions: codes };
  }

  /** DeleteGroups: per group NONE (deleted with its offsets), NON_EMPTY_GROUP or GROUP_ID_NOT_FOUND. */
  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const results = groupIds.map((groupId) => {
      const { effect, writes } = this.immediate(groupId, (token) => ({ type: "delete", now: this.now(), token }));
      const errorCode = effect?.kind === "reply" ? effect.errorCode : E.COORDINATOR_NOT_AVAILABLE.code;
      return { groupId, errorCode, done: Promise.all(writes) };
    });
    return Promise.all(
      results.map(async (r) => {
        try {
          await r.done;
          return { groupId: r.groupId, errorCode: r.errorCode };
        } catch (e) {
          this.onError(e);
          return { groupId: r.groupId, errorCode: writeErrorCode(e) };
        }
      }),
    );
  }

  /**
   * Expires committed offsets (offsets.retention.minutes): all of an empty group's once it has
   * been empty that long, or, for groups that only store offsets, each one that long after its
   * commit. An empty group left without offsets is deleted. Returns how many offsets expired.
   * Live groups keep all of theirs (Kafka also expires a live consumer group's offsets of topics
   * it no longer subscribes to; Weir keeps them until the group is empty).
   */
  async expireOffsets(now: number = this.now()): Promise<number> {
    if (this.closed) return 0;
    const retention = this.config.offsetsRetentionMs;
    const writes: Promise<void>[] = [];
    let expired = 0;
    // Every decision below is made in one synchronous pass; only the durability waits at the end.
    for (const [groupId, g] of [...this.groups]) {
      if (g.state !== "Empty") continue;
      const gone: { topic: string; partition: number }[] = [];
      for (const [topic, partitions] of this.store.offsetsOf(groupId) ?? []) {
        for (const [partition, v] of partitions) {
          const since = g.protocolType !== null ? g.stateTimestamp : v.commitTimestamp;
          if (since + retention <= now) gone.push({ topic, partition });
        }
      }
      if (gone.length > 0) {
        writes.push(this.store.remove(groupId, gone));
        expired += gone.length;
      }
      if (this.store.offsetsOf(groupId) === undefined) writes.push(...this.immediate(groupId, (token) => ({ type: "delete", now, token })).writes);
    }
    await Promise.all(writes);
    return expired;
  }

  /**
   * Removes every group's committed offsets of a deleted topic (Kafka does this when a topic is
   * deleted, so a topic created again under the name does not inherit them).
   */
  async forgetTopic(topic: string): Promise<void> {
    if (this.closed) return;
    const writes: Promise<void>[] = [];
    for (const groupId of this.store.groupIds()) {
      const partitions = this.store.offsetsOf(groupId)?.get(topic);
      if (partitions !== undefined) writes.push(this.store.remove(groupId, [...partitions.keys()].map((partition) => ({ topic, partition }))));
    }
    await Promise.all(writes);
  }

  // ---- views --------------------------------------------------------------------------------

  /** ListGroups: every group, in id order. */
  listGroups(): GroupOverview[] {
    return [...this.groups.values()]
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? "", state: g.state }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /** DescribeGroups for one group (Dead with no members when it does not exist). */
  describeGroup(groupId: string): GroupDescription {
    return describeGroup(groupId, this.groups.get(groupId) ?? null);
  }

  /** The group's state machine value, for tests and tools. */
  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  /** True once {@link close} was called: every API answers COORDINATOR_NOT_AVAILABLE. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Stops the coordinator: timers stop, waiting JoinGroup/SyncGroup requests are answered with
   * COORDINATOR_NOT_AVAILABLE (clients then look for the coordinator again). Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t.handle);
    this.timers.clear();
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    const waiting = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of waiting) w(null);
  }
}
