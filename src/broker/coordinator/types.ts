/**
 * The data of the classic group protocol: a group's state, the events that change it and the
 * effects a change asks the outside world to perform. {@link step} (machine.ts) is a pure
 * function of (group, event) → (group, effects); the {@link GroupCoordinator} (manager.ts) owns
 * the sockets, timers and the offsets topic and turns effects into answers and writes.
 *
 * Requests that wait (JoinGroup until the rebalance completes, SyncGroup until the leader's
 * assignment is stored) are represented by a numeric token held in the member; the effect that
 * answers a request names its token.
 */

/** Kafka's classic group states, with the names DescribeGroups and ListGroups report. */
export type GroupStateName = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

/** One protocol a member supports (for consumers: an assignor name and its subscription). */
export interface Protocol {
  readonly name: string;
  readonly metadata: Buffer;
}

/** A member of a group. */
export interface Member {
  readonly memberId: string;
  /** Static membership (KIP-345): the id that survives restarts of the member. */
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  /** In the member's order of preference. */
  readonly protocols: readonly Protocol[];
  /** What the leader assigned in the current generation (empty before the first). */
  readonly assignment: Buffer;
  /** The JoinGroup request waiting for the rebalance to complete, or null. */
  readonly joinToken: number | null;
  /** The SyncGroup request waiting for the leader's assignment, or null. */
  readonly syncToken: number | null;
  /** True from the member's first join until its first JoinGroup answer. */
  readonly isNew: boolean;
  /** When the member is removed unless it heartbeats (ms since the epoch). */
  readonly heartbeatDeadline: number;
}

/** The join phase of a rebalance (state PreparingRebalance). */
export interface JoinPhase {
  /** When the join phase ends whether or not every member rejoined. */
  readonly deadline: number;
  /** The first rebalance of an empty group, delayed by group.initial.rebalance.delay.ms. */
  readonly initial: boolean;
  /** How much longer the initial delay may still be extended while members keep arriving. */
  readonly remainingMs: number;
}

/** One group's membership state. Committed offsets live in the offset store, not here. */
export interface Group {
  readonly groupId: string;
  readonly state: GroupStateName;
  /** When the group entered its state (offsets of an empty group expire from here). */
  readonly stateTimestamp: number;
  /** Null for a group only used to store offsets ("simple" consumers). */
  readonly protocolType: string | null;
  /** The protocol chosen for the current generation; null when none is. */
  readonly protocolName: string | null;
  readonly generationId: number;
  readonly leaderId: string | null;
  /** Members in the order they were added (the first one leads when the leader goes). */
  readonly members: ReadonlyMap<string, Member>;
  /** Member ids handed out with MEMBER_ID_REQUIRED, with the time they are forgotten. */
  readonly pendingMembers: ReadonlyMap<string, number>;
  /** group.instance.id → member id. */
  readonly staticMembers: ReadonlyMap<string, string>;
  /** Members that got the JoinGroup answer of this generation but have not sent SyncGroup yet. */
  readonly pendingSync: ReadonlySet<string>;
  /** When members still in {@link pendingSync} are removed; null when nobody is pending. */
  readonly syncDeadline: number | null;
  readonly join: JoinPhase | null;
  /** A member arrived during the initial delay, which may extend it (generation 0 only). */
  readonly newMemberAdded: boolean;
  /** The leader's assignment while it is being stored, before it is handed out. */
  readonly pendingAssignment: ReadonlyMap<string, Buffer> | null;
  /** Topics the members subscribe to (consumer protocol); null when they cannot be known. */
  readonly subscribedTopics: ReadonlySet<string> | null;
}

/** The broker settings the state machine follows. */
export interface GroupRules {
  /** group.initial.rebalance.delay.ms */
  readonly initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms */
  readonly minSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  readonly maxSessionTimeoutMs: number;
  /** group.max.size */
  readonly membersMax: number;
  /** How long a new member may wait for its first JoinGroup answer before it is dropped. */
  readonly newMemberJoinTimeoutMs: number;
}

/** A JoinGroup request as the machine sees it. */
export interface JoinEvent {
  readonly type: "join";
  readonly now: number;
  readonly token: number;
  /** "" for a member's first join. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** v4+: a dynamic member's first join gets MEMBER_ID_REQUIRED and a member id. */
  readonly requireKnownMemberId: boolean;
  /** v9+: a static leader replaced in a stable group is told to skip the assignment (KIP-814). */
  readonly supportsSkipAssignment: boolean;
  /** The id given to this member if it needs a new one (generated outside: it is random). */
  readonly newMemberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly Protocol[];
}

/** A SyncGroup request. */
export interface SyncEvent {
  readonly type: "sync";
  readonly now: number;
  readonly token: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly generationId: number;
  /** v5+; null when not sent. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** Only the leader's carries assignments. */
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Buffer }[];
}

/** A Heartbeat request. */
export interface HeartbeatEvent {
  readonly type: "heartbeat";
  readonly now: number;
  readonly token: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly generationId: number;
}

/** A LeaveGroup request (v3+ may name several members). */
export interface LeaveEvent {
  readonly type: "leave";
  readonly now: number;
  readonly token: number;
  readonly members: readonly { readonly memberId: string; readonly groupInstanceId: string | null }[];
}

/** The membership check of an OffsetCommit request (the offsets themselves are stored outside). */
export interface CommitEvent {
  readonly type: "commit";
  readonly now: number;
  readonly token: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** -1 for commits from outside group management (simple consumers, admin tools). */
  readonly generationId: number;
  readonly apiVersion: number;
}

/** Time passed: deadlines at or before `now` fire. */
export interface TickEvent {
  readonly type: "tick";
  readonly now: number;
}

/** The group record asked for by a {@link StoreEffect} was written (or failed to be). */
export interface StoredEvent {
  readonly type: "stored";
  readonly now: number;
  readonly generationId: number;
  readonly errorCode: number;
}

/** DeleteGroups, or offset retention removing an empty group that has no offsets left. */
export interface DeleteEvent {
  readonly type: "delete";
  readonly now: number;
  readonly token: number;
}

/** Everything that changes a group. */
export type GroupEvent = JoinEvent | SyncEvent | HeartbeatEvent | LeaveEvent | CommitEvent | TickEvent | StoredEvent | DeleteEvent;

/** One member of a JoinGroup answer to the leader. */
export interface JoinMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

/** A JoinGroup answer. */
export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leaderId: string;
  readonly memberId: string;
  readonly skipAssignment: boolean;
  /** Every member's metadata for the chosen protocol, for the leader only. */
  readonly members: readonly JoinMember[];
}

/** A SyncGroup answer; `assignment` is empty bytes on errors, never absent. */
export interface SyncResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

/** One member's outcome in a LeaveGroup answer. */
export interface LeaveMemberResult {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly errorCode: number;
}

/** Answers a waiting JoinGroup request. */
export interface JoinEffect {
  readonly kind: "join";
  readonly token: number;
  readonly result: JoinResult;
}

/** Answers a waiting SyncGroup request. */
export interface SyncEffect {
  readonly kind: "sync";
  readonly token: number;
  readonly result: SyncResult;
}

/** Answers a Heartbeat, an OffsetCommit membership check or a delete with an error code. */
export interface ReplyEffect {
  readonly kind: "reply";
  readonly token: number;
  readonly errorCode: number;
}

/** Answers a LeaveGroup request. */
export interface LeaveEffect {
  readonly kind: "leave";
  readonly token: number;
  readonly members: readonly LeaveMemberResult[];
}

/**
 * Persist the group as the step left it (members, generation, and the pending assignment); the
 * outcome comes back as a {@link StoredEvent} for `generationId`.
 */
export interface StoreEffect {
  readonly kind: "store";
  readonly generationId: number;
}

/** The group was deleted: remove its record and offsets. */
export interface RemovedEffect {
  readonly kind: "removed";
}

/** What a step asks the outside world to do, in order. */
export type GroupEffect = JoinEffect | SyncEffect | ReplyEffect | LeaveEffect | StoreEffect | RemovedEffect;

/** The outcome of one step: the new group (null once deleted or never created) and effects. */
export interface StepResult {
  readonly group: Group | null;
  readonly effects: readonly GroupEffect[];
}
