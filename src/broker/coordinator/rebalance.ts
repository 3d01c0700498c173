/**
 * The transitions the events of machine.ts share: membership changes, the start and the end of
 * a rebalance, and handing out assignments. Every function edits the draft group of a step in
 * progress ({@link Ctx}) and appends the effects it causes; none does I/O.
 */
import { KafkaErrors } from "../../protocol/errors.js";
import {
  NO_BYTES,
  computeSubscribedTopics,
  draftOf,
  joinMembers,
  rebalanceTimeoutOf,
  selectProtocol,
} from "./group.js";
import type { GroupDraft, MemberDraft } from "./group.js";
import type { Group, GroupEffect, GroupRules, GroupStateName, JoinEvent, JoinResult, StepResult, SyncResult } from "./types.js";

const E = KafkaErrors;

/** A step in progress: the draft group, the effects so far, the time and the rules. */
export interface Ctx {
  g: GroupDraft;
  readonly fx: GroupEffect[];
  readonly now: number;
  readonly rules: GroupRules;
}

// ---- answers --------------------------------------------------------------------------------

/** A JoinGroup error answer (Kafka's JoinGroupResult(memberId, error)): generation -1, no leader. */
export function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: "", memberId, skipAssignment: false, members: [] };
}

/** A SyncGroup error answer; the assignment is empty bytes, never absent. */
export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: NO_BYTES };
}

/** Starts a step on a draft copy of `group`. */
export function start(group: Group, now: number, rules: GroupRules): Ctx {
  return { g: draftOf(group), fx: [], now, rules };
}

/** Ends a step: a join phase that can complete does so before the group is handed back. */
export function finish(c: Ctx): StepResult {
  maybeCompleteJoin(c);
  return { group: c.g, effects: c.fx };
}

/** Leaves `group` as it was and answers with `effect`. */
export function unchanged(group: Group | null, effect: GroupEffect): StepResult {
  return { group, effects: [effect] };
}

/** Moves the group to `state`, stamping when (retention of empty groups counts from it). */
export function transition(c: Ctx, state: GroupStateName): void {
  c.g.state = state;
  c.g.stateTimestamp = c.now;
}

/** The answer a member gets when it rejoins a generation that stays (no rebalance). */
export function currentGeneration(c: Ctx, m: MemberDraft, withMembers: boolean): JoinResult {
  const isLeader = c.g.leaderId === m.memberId;
  return {
    errorCode: E.NONE.code,
    generationId: c.g.generationId,
    protocolType: c.g.protocolType,
    protocolName: c.g.protocolName,
    leaderId: c.g.leaderId ?? "",
    memberId: m.memberId,
    skipAssignment: false,
    members: withMembers && isLeader ? joinMembers(c.g) : [],
  };
}

// ---- membership changes -----------------------------------------------------------------------

/** Removes a member, answering its waiting requests with UNKNOWN_MEMBER_ID. */
export function removeMember(c: Ctx, memberId: string): void {
  const m = c.g.members.get(memberId);
  if (m === undefined) return;
  if (m.joinToken !== null) c.fx.push({ kind: "join", token: m.joinToken, result: joinError("", E.UNKNOWN_MEMBER_ID.code) });
  if (m.syncToken !== null) c.fx.push({ kind: "sync", token: m.syncToken, result: syncError(E.UNKNOWN_MEMBER_ID.code) });
  c.g.members.delete(memberId);
  if (m.groupInstanceId !== null && c.g.staticMembers.get(m.groupInstanceId) === memberId) c.g.staticMembers.delete(m.groupInstanceId);
  removePendingSync(c, memberId);
  if (c.g.leaderId === memberId) c.g.leaderId = c.g.members.keys().next().value ?? null;
}

/** Removes a member and lets the group react: a rebalance, or a join phase that may now end. */
export function removeMemberAndUpdateGroup(c: Ctx, memberId: string): void {
  removeMember(c, memberId);
  if (c.g.state === "Stable" || c.g.state === "CompletingRebalance") prepareRebalance(c);
}

/** The member sent SyncGroup (or left): once nobody is pending, the sync deadline goes. */
export function removePendingSync(c: Ctx, memberId: string): void {
  c.g.pendingSync.delete(memberId);
  if (c.g.pendingSync.size === 0) c.g.syncDeadline = null;
}

/** Takes a rejoining member's new protocols and timeouts; the request waits for the join phase. */
export function updateMember(c: Ctx, m: MemberDraft, e: JoinEvent): void {
  m.protocols = e.protocols;
  m.rebalanceTimeoutMs = e.rebalanceTimeoutMs;
  m.sessionTimeoutMs = e.sessionTimeoutMs;
  // A second JoinGroup supersedes the first (the client gave up on it); answer the first so the
  // connection's in-order responses are not held up behind it.
  if (m.joinToken !== null && m.joinToken !== e.token) c.fx.push({ kind: "join", token: m.joinToken, result: joinError(m.memberId, E.REBALANCE_IN_PROGRESS.code) });
  m.joinToken = e.token;
}

/** Adds a new member waiting in JoinGroup and starts a rebalance if none is under way. */
export function addMemberAndRebalance(c: Ctx, e: JoinEvent, memberId: string): void {
  const m: MemberDraft = {
    memberId,
    groupInstanceId: e.groupInstanceId,
    clientId: e.clientId,
    clientHost: e.clientHost,
    rebalanceTimeoutMs: e.rebalanceTimeoutMs,
    sessionTimeoutMs: e.sessionTimeoutMs,
    protocolType: e.protocolType,
    protocols: e.protocols,
    assignment: NO_BYTES,
    joinToken: e.token,
    syncToken: null,
    isNew: true,
    // A new member cannot heartbeat before it has its first answer; it gets a long grace period.
    heartbeatDeadline: c.now + c.rules.newMemberJoinTimeoutMs,
  };
  if (c.g.state === "PreparingRebalance" && c.g.generationId === 0) c.g.newMemberAdded = true;
  if (c.g.members.size === 0) c.g.protocolType = e.protocolType;
  c.g.members.set(memberId, m);
  if (c.g.leaderId === null) c.g.leaderId = memberId;
  if (m.groupInstanceId !== null) c.g.staticMembers.set(m.groupInstanceId, memberId);
  c.g.pendingMembers.delete(memberId);
  maybePrepareRebalance(c);
}

/**
 * A known static member rejoined with no member id (it restarted): it takes over the old
 * member's place under a new id, fencing requests still waiting under the old one. A stable
 * group keeps its generation and assignment unless the chosen protocol would change.
 */
export function updateStaticMember(c: Ctx, e: JoinEvent, oldId: string): void {
  const previousLeader = c.g.leaderId;
  const m = c.g.members.get(oldId);
  if (m === undefined || e.groupInstanceId === null) return;
  if (m.joinToken !== null) c.fx.push({ kind: "join", token: m.joinToken, result: joinError(oldId, E.FENCED_INSTANCE_ID.code) });
  if (m.syncToken !== null) c.fx.push({ kind: "sync", token: m.syncToken, result: syncError(E.FENCED_INSTANCE_ID.code) });
  m.joinToken = null;
  m.syncToken = null;
  m.memberId = e.newMemberId;
  // Keep the member's place in the order (leader fallback and tie-breaks depend on it).
  c.g.members = new Map([...c.g.members].map(([id, x]) => (id === oldId ? [m.memberId, m] : [id, x])));
  if (c.g.leaderId === oldId) c.g.leaderId = m.memberId;
  c.g.staticMembers.set(e.groupInstanceId, m.memberId);
  if (c.g.pendingSync.delete(oldId)) c.g.pendingSync.add(m.memberId);
  m.heartbeatDeadline = c.now + e.sessionTimeoutMs;
  updateMember(c, m, e);
  switch (c.g.state) {
    case "Stable":
      if (selectProtocol(c.g) !== c.g.protocolName) {
        prepareRebalance(c);
        return;
      }
      m.joinToken = null;
      c.fx.push({ kind: "store", generationId: c.g.generationId });
      if (e.supportsSkipAssignment) {
        // KIP-814: the leader learns it leads (to keep watching metadata) but must not assign:
        // a stable group would not hand out a new assignment.
        const isLeader = c.g.leaderId === m.memberId;
        c.fx.push({ kind: "join", token: e.token, result: { ...currentGeneration(c, m, isLeader), skipAssignment: isLeader } });
      } else {
        // Before v9 the leader id is reported as the old one, so the rejoined member, whatever it
        // was, does not think it leads and does not run a useless assignment.
        c.fx.push({ kind: "join", token: e.token, result: { ...currentGeneration(c, m, false), leaderId: previousLeader ?? "" } });
      }
      return;
    case "CompletingRebalance":
      // The leader may be assigning to the old member id: start over.
      prepareRebalance(c);
      return;
    default:
      // PreparingRebalance: the member now waits for the join phase like everyone else.
      return;
  }
}

// ---- rebalances -------------------------------------------------------------------------------

/** Starts a rebalance unless one is already in its join phase. */
export function maybePrepareRebalance(c: Ctx): void {
  if (c.g.state === "Stable" || c.g.state === "CompletingRebalance" || c.g.state === "Empty") prepareRebalance(c);
}

/**
 * Enters the join phase: members waiting in SyncGroup are told REBALANCE_IN_PROGRESS, and the
 * phase ends at the rebalance timeout (after the initial delay, for an empty group).
 */
export function prepareRebalance(c: Ctx): void {
  if (c.g.state === "CompletingRebalance") resetAndPropagateAssignmentError(c, E.REBALANCE_IN_PROGRESS.code);
  c.g.pendingSync.clear();
  c.g.syncDeadline = null;
  c.g.pendingAssignment = null;
  const timeout = rebalanceTimeoutOf(c.g);
  if (c.g.state === "Empty") {
    const delay = c.rules.initialRebalanceDelayMs;
    c.g.join = { deadline: c.now + delay, initial: true, remainingMs: Math.max(timeout - delay, 0) };
  } else {
    c.g.join = { deadline: c.now + timeout, initial: false, remainingMs: 0 };
  }
  transition(c, "PreparingRebalance");
}

/** Every member waiting in SyncGroup gets `errorCode` and an empty assignment. */
export function resetAndPropagateAssignmentError(c: Ctx, errorCode: number): void {
  for (const m of c.g.members.values()) {
    m.assignment = NO_BYTES;
    if (m.syncToken === null) continue;
    c.fx.push({ kind: "sync", token: m.syncToken, result: syncError(errorCode) });
    m.syncToken = null;
    m.heartbeatDeadline = c.now + m.sessionTimeoutMs;
  }
}

/** Every member waiting in SyncGroup gets its assignment. */
export function propagateAssignment(c: Ctx): void {
  for (const m of c.g.members.values()) {
    if (m.syncToken === null) continue;
    c.fx.push({ kind: "sync", token: m.syncToken, result: { errorCode: E.NONE.code, protocolType: c.g.protocolType, protocolName: c.g.protocolName, assignment: m.assignment } });
    m.syncToken = null;
    // The session restarts once the member has its assignment (it could not heartbeat before).
    m.heartbeatDeadline = c.now + m.sessionTimeoutMs;
  }
}

/** The join phase ends early (outside the initial delay) once nobody is left to wait for. */
export function maybeCompleteJoin(c: Ctx): void {
  if (c.g.state !== "PreparingRebalance" || c.g.join === null || c.g.join.initial) return;
  if (c.g.pendingMembers.size > 0) return;
  for (const m of c.g.members.values()) if (m.joinToken === null) return;
  completeJoin(c);
}

/** If the leader did not rejoin, a member that did leads; false when no member rejoined. */
export function maybeElectNewJoinedLeader(c: Ctx): boolean {
  if (c.g.leaderId === null) return false;
  if (c.g.members.get(c.g.leaderId)?.joinToken != null) return true;
  for (const m of c.g.members.values()) {
    if (m.joinToken !== null) {
      c.g.leaderId = m.memberId;
      return true;
    }
  }
  return false;
}

/**
 * Ends the join phase: drops dynamic members that did not rejoin, starts the next generation
 * with the chosen protocol, and answers every waiting JoinGroup (the leader with every member's
 * metadata). With nobody left the group becomes Empty and is stored.
 */
export function completeJoin(c: Ctx): void {
  // Dynamic members that did not rejoin in time are gone; static ones keep their place.
  for (const m of [...c.g.members.values()]) if (m.joinToken === null && m.groupInstanceId === null) removeMember(c, m.memberId);
  c.g.join = null;
  if (!maybeElectNewJoinedLeader(c) && c.g.members.size > 0) {
    // Only absent static members are left: wait another rebalance timeout for one of them.
    c.g.join = { deadline: c.now + rebalanceTimeoutOf(c.g), initial: false, remainingMs: 0 };
    return;
  }
  c.g.generationId += 1;
  c.g.newMemberAdded = false;
  c.g.pendingSync.clear();
  c.g.syncDeadline = null;
  c.g.pendingAssignment = null;
  if (c.g.members.size === 0) {
    c.g.protocolName = null;
    c.g.subscribedTopics = computeSubscribedTopics(c.g);
    transition(c, "Empty");
    c.fx.push({ kind: "store", generationId: c.g.generationId });
    return;
  }
  // Joins only admit protocols every member supports, so a common one exists; the fallback keeps
  // a broken invariant from stopping the group.
  c.g.protocolName = selectProtocol(c.g) ?? c.g.members.values().next().value?.protocols[0]?.name ?? null;
  c.g.subscribedTopics = computeSubscribedTopics(c.g);
  transition(c, "CompletingRebalance");
  const all = joinMembers(c.g);
  for (const m of c.g.members.values()) {
    if (m.joinToken !== null) {
      const isLeader = c.g.leaderId === m.memberId;
      c.fx.push({ kind: "join", token: m.joinToken, result: { ...currentGeneration(c, m, false), members: isLeader ? all : [] } });
      m.joinToken = null;
    }
    m.heartbeatDeadline = c.now + m.sessionTimeoutMs;
    m.isNew = false;
    c.g.pendingSync.add(m.memberId);
  }
  c.g.syncDeadline = c.now + rebalanceTimeoutOf(c.g);
}

