/**
 * The classic group protocol as a pure function: {@link step}(group, event, rules) → (group,
 * effects). It follows Apache Kafka's GroupCoordinator (the classic protocol of Kafka 3.x), rule
 * for rule, so clients see the answers they were written against:
 *
 * - Empty → PreparingRebalance when a member joins; the first rebalance of an empty group waits
 *   group.initial.rebalance.delay.ms (extended while members keep arriving, in generation 0),
 *   later ones complete as soon as every known member has rejoined and no member id handed out
 *   with MEMBER_ID_REQUIRED is still outstanding, or when the rebalance timeout expires — then
 *   dynamic members that did not rejoin are removed.
 * - PreparingRebalance → CompletingRebalance with a new generation; the leader gets every
 *   member's metadata. The leader's SyncGroup assignment is stored (a {@link StoreEffect}), then
 *   handed out to every member (→ Stable). Members that never send SyncGroup within the
 *   rebalance timeout are removed.
 * - Heartbeats keep members alive (session timeout); during a join phase they answer
 *   REBALANCE_IN_PROGRESS so members rejoin.
 * - Static members (group.instance.id) rejoining with a new member id replace the old one without
 *   a rebalance when the group is stable; the old id is fenced (FENCED_INSTANCE_ID).
 *
 * Time enters only through events (`now`), randomness only through `newMemberId`: the same
 * events give the same groups, which is what the unit tests rely on.
 */
import { KafkaErrors } from "../../protocol/errors.js";
import { NO_BYTES, emptyGroup, isStaticMemberFenced, memberExpiry, sameProtocols, staticMemberId, supportsProtocols } from "./group.js";
import {
  addMemberAndRebalance,
  completeJoin,
  currentGeneration,
  finish,
  joinError,
  prepareRebalance,
  propagateAssignment,
  removeMember,
  removeMemberAndUpdateGroup,
  removePendingSync,
  resetAndPropagateAssignmentError,
  start,
  syncError,
  transition,
  unchanged,
  updateMember,
  updateStaticMember,
} from "./rebalance.js";
import type { Ctx } from "./rebalance.js";
import type {
  CommitEvent,
  DeleteEvent,
  Group,
  GroupEvent,
  GroupRules,
  HeartbeatEvent,
  JoinEvent,
  JoinResult,
  LeaveEvent,
  LeaveMemberResult,
  StepResult,
  StoredEvent,
  SyncEvent,
  TickEvent,
} from "./types.js";

const E = KafkaErrors;

/**
 * Applies one event to group `groupId` (`group` null: it does not exist). See the module comment.
 * The input group is never modified.
 */
export function step(groupId: string, group: Group | null, event: GroupEvent, rules: GroupRules): StepResult {
  switch (event.type) {
    case "join":
      return onJoin(groupId, group, event, rules);
    case "sync":
      return onSync(group, event, rules);
    case "heartbeat":
      return onHeartbeat(group, event, rules);
    case "leave":
      return onLeave(group, event, rules);
    case "commit":
      return onCommit(groupId, group, event, rules);
    case "stored":
      return onStored(group, event, rules);
    case "delete":
      return onDelete(group, event);
    case "tick":
      return onTick(group, event, rules);
  }
}

// ---- events -----------------------------------------------------------------------------------

function onJoin(groupId: string, group: Group | null, e: JoinEvent, rules: GroupRules): StepResult {
  const fail = (code: number, memberId = e.memberId): StepResult => unchanged(group, { kind: "join", token: e.token, result: joinError(memberId, code) });
  if (e.sessionTimeoutMs < rules.minSessionTimeoutMs || e.sessionTimeoutMs > rules.maxSessionTimeoutMs) return fail(E.INVALID_SESSION_TIMEOUT.code);
  const isUnknown = e.memberId === "";
  // Only a first join creates a group; a member id for a group that does not exist is stale.
  if (group === null && !isUnknown) return fail(E.UNKNOWN_MEMBER_ID.code);
  const base = group ?? emptyGroup(groupId, e.now);
  if (isUnknown && base.members.size + base.pendingMembers.size >= rules.membersMax) return fail(E.GROUP_MAX_SIZE_REACHED.code, "");
  if (!supportsProtocols(base, e.protocolType, e.protocols)) return fail(E.INCONSISTENT_GROUP_PROTOCOL.code);
  const c = start(base, e.now, rules);
  if (isUnknown) joinUnknown(c, e);
  else joinKnown(c, e);
  return finish(c);
}

function joinUnknown(c: Ctx, e: JoinEvent): void {
  const oldId = staticMemberId(c.g, e.groupInstanceId);
  if (oldId !== undefined) {
    updateStaticMember(c, e, oldId);
  } else if (e.requireKnownMemberId && e.groupInstanceId === null) {
    // KIP-394: the member must come back with this id, so a client that never gets the answer
    // does not leave a phantom member; the id is forgotten if it does not within the session.
    c.g.pendingMembers.set(e.newMemberId, e.now + e.sessionTimeoutMs);
    c.fx.push({ kind: "join", token: e.token, result: joinError(e.newMemberId, E.MEMBER_ID_REQUIRED.code) });
  } else {
    addMemberAndRebalance(c, e, e.newMemberId);
  }
}

function joinKnown(c: Ctx, e: JoinEvent): void {
  const reply = (result: JoinResult): void => void c.fx.push({ kind: "join", token: e.token, result });
  if (c.g.pendingMembers.has(e.memberId)) {
    addMemberAndRebalance(c, e, e.memberId);
    return;
  }
  if (isStaticMemberFenced(c.g, e.groupInstanceId, e.memberId)) return reply(joinError(e.memberId, E.FENCED_INSTANCE_ID.code));
  const m = c.g.members.get(e.memberId);
  if (m === undefined || (e.groupInstanceId !== null && !c.g.staticMembers.has(e.groupInstanceId))) {
    return reply(joinError(e.memberId, E.UNKNOWN_MEMBER_ID.code));
  }
  switch (c.g.state) {
    case "PreparingRebalance":
      updateMember(c, m, e);
      return;
    case "CompletingRebalance":
      // Same metadata: the member most likely lost the JoinGroup answer; give it again.
      if (sameProtocols(m, e.protocols)) return reply(currentGeneration(c, m, true));
      updateMember(c, m, e);
      prepareRebalance(c);
      return;
    case "Stable":
      // The leader rejoining forces a rebalance: that is how it reacts to metadata changes
      // (new partitions) that do not change any member's subscription.
      if (c.g.leaderId === m.memberId || !sameProtocols(m, e.protocols)) {
        updateMember(c, m, e);
        prepareRebalance(c);
        return;
      }
      return reply(currentGeneration(c, m, false));
    default:
      return reply(joinError(e.memberId, E.UNKNOWN_MEMBER_ID.code));
  }
}

function onSync(group: Group | null, e: SyncEvent, rules: GroupRules): StepResult {
  const fail = (code: number): StepResult => unchanged(group, { kind: "sync", token: e.token, result: syncError(code) });
  if (group === null) return fail(E.UNKNOWN_MEMBER_ID.code);
  if (isStaticMemberFenced(group, e.groupInstanceId, e.memberId)) return fail(E.FENCED_INSTANCE_ID.code);
  if (!group.members.has(e.memberId)) return fail(E.UNKNOWN_MEMBER_ID.code);
  if (e.generationId !== group.generationId) return fail(E.ILLEGAL_GENERATION.code);
  if ((e.protocolType !== null && e.protocolType !== group.protocolType) || (e.protocolName !== null && e.protocolName !== group.protocolName)) {
    return fail(E.INCONSISTENT_GROUP_PROTOCOL.code);
  }
  if (group.state === "Empty") return fail(E.UNKNOWN_MEMBER_ID.code);
  if (group.state === "PreparingRebalance") return fail(E.REBALANCE_IN_PROGRESS.code);
  const c = start(group, e.now, rules);
  const m = c.g.members.get(e.memberId)!;
  removePendingSync(c, m.memberId);
  if (c.g.state === "Stable") {
    c.fx.push({ kind: "sync", token: e.token, result: { errorCode: E.NONE.code, protocolType: c.g.protocolType, protocolName: c.g.protocolName, assignment: m.assignment } });
    m.heartbeatDeadline = c.now + m.sessionTimeoutMs;
    return finish(c);
  }
  // CompletingRebalance: wait for the leader's assignment to be stored.
  if (m.syncToken !== null) c.fx.push({ kind: "sync", token: m.syncToken, result: syncError(E.REBALANCE_IN_PROGRESS.code) });
  m.syncToken = e.token;
  if (c.g.leaderId === m.memberId && c.g.pendingAssignment === null) {
    const assignment = new Map<string, Buffer>();
    for (const a of e.assignments) if (c.g.members.has(a.memberId)) assignment.set(a.memberId, a.assignment);
    // SyncGroup answers always carry an assignment: members the leader left out get empty bytes.
    for (const id of c.g.members.keys()) if (!assignment.has(id)) assignment.set(id, NO_BYTES);
    c.g.pendingAssignment = assignment;
    c.fx.push({ kind: "store", generationId: c.g.generationId });
  }
  return finish(c);
}

function onStored(group: Group | null, e: StoredEvent, rules: GroupRules): StepResult {
  if (group === null || group.state !== "CompletingRebalance" || group.generationId !== e.generationId || group.pendingAssignment === null) {
    return { group, effects: [] };
  }
  const c = start(group, e.now, rules);
  const assignment = c.g.pendingAssignment!;
  c.g.pendingAssignment = null;
  if (e.errorCode !== E.NONE.code) {
    resetAndPropagateAssignmentError(c, e.errorCode);
    prepareRebalance(c);
    return finish(c);
  }
  for (const m of c.g.members.values()) m.assignment = assignment.get(m.memberId) ?? NO_BYTES;
  transition(c, "Stable");
  propagateAssignment(c);
  return finish(c);
}

function onHeartbeat(group: Group | null, e: HeartbeatEvent, rules: GroupRules): StepResult {
  const answer = (g: Group | null, code: number): StepResult => ({ group: g, effects: [{ kind: "reply", token: e.token, errorCode: code }] });
  if (group === null) return answer(null, E.UNKNOWN_MEMBER_ID.code);
  if (isStaticMemberFenced(group, e.groupInstanceId, e.memberId)) return answer(group, E.FENCED_INSTANCE_ID.code);
  if (!group.members.has(e.memberId)) return answer(group, E.UNKNOWN_MEMBER_ID.code);
  if (e.generationId !== group.generationId) return answer(group, E.ILLEGAL_GENERATION.code);
  if (group.state === "Empty") return answer(group, E.UNKNOWN_MEMBER_ID.code);
  const c = start(group, e.now, rules);
  const m = c.g.members.get(e.memberId)!;
  m.heartbeatDeadline = c.now + m.sessionTimeoutMs;
  // Between the JoinGroup answer and SyncGroup a heartbeat is an ordinary one; during the join
  // phase it tells the member to rejoin.
  return answer(finish(c).group, c.g.state === "PreparingRebalance" ? E.REBALANCE_IN_PROGRESS.code : E.NONE.code);
}

function onLeave(group: Group | null, e: LeaveEvent, rules: GroupRules): StepResult {
  if (group === null) {
    const members = e.members.map((x) => ({ ...x, errorCode: E.UNKNOWN_MEMBER_ID.code }));
    return { group, effects: [{ kind: "leave", token: e.token, members }] };
  }
  const c = start(group, e.now, rules);
  const results: LeaveMemberResult[] = e.members.map((x) => {
    const result = (code: number): LeaveMemberResult => ({ memberId: x.memberId, groupInstanceId: x.groupInstanceId, errorCode: code });
    if (x.memberId !== "" && isStaticMemberFenced(c.g, x.groupInstanceId, x.memberId)) return result(E.FENCED_INSTANCE_ID.code);
    if (c.g.pendingMembers.delete(x.memberId)) return result(E.NONE.code);
    // A static member may be named by its instance id alone (the admin client's removeMembers).
    const id = staticMemberId(c.g, x.groupInstanceId) ?? x.memberId;
    if (!c.g.members.has(id)) return result(E.UNKNOWN_MEMBER_ID.code);
    removeMemberAndUpdateGroup(c, id);
    return result(E.NONE.code);
  });
  c.fx.push({ kind: "leave", token: e.token, members: results });
  return finish(c);
}

/**
 * The membership check of an OffsetCommit. Commits without a generation are accepted while the
 * group is empty (simple consumers and admin tools; the first one creates the group); members
 * commit with their current generation, and not while the group waits for SyncGroup.
 */
function onCommit(groupId: string, group: Group | null, e: CommitEvent, rules: GroupRules): StepResult {
  const answer = (g: Group | null, code: number): StepResult => ({ group: g, effects: [{ kind: "reply", token: e.token, errorCode: code }] });
  if (group === null) {
    if (e.generationId < 0) return answer(emptyGroup(groupId, e.now), E.NONE.code);
    // From v9 Kafka names the problem; older clients expect ILLEGAL_GENERATION.
    return answer(null, e.apiVersion >= 9 ? E.GROUP_ID_NOT_FOUND.code : E.ILLEGAL_GENERATION.code);
  }
  if (isStaticMemberFenced(group, e.groupInstanceId, e.memberId)) return answer(group, E.FENCED_INSTANCE_ID.code);
  if (e.generationId < 0 && group.state === "Empty") return answer(group, E.NONE.code);
  const m = group.members.get(e.memberId);
  if (m === undefined || (e.groupInstanceId !== null && !group.staticMembers.has(e.groupInstanceId))) return answer(group, E.UNKNOWN_MEMBER_ID.code);
  if (e.generationId !== group.generationId) return answer(group, E.ILLEGAL_GENERATION.code);
  if (group.state === "CompletingRebalance") return answer(group, E.REBALANCE_IN_PROGRESS.code);
  // Stable or PreparingRebalance: a commit also shows the member is alive.
  const c = start(group, e.now, rules);
  const dm = c.g.members.get(e.memberId)!;
  dm.heartbeatDeadline = c.now + dm.sessionTimeoutMs;
  return answer(finish(c).group, E.NONE.code);
}

function onDelete(group: Group | null, e: DeleteEvent): StepResult {
  if (group === null) return unchanged(null, { kind: "reply", token: e.token, errorCode: E.GROUP_ID_NOT_FOUND.code });
  if (group.state !== "Empty") return unchanged(group, { kind: "reply", token: e.token, errorCode: E.NON_EMPTY_GROUP.code });
  return { group: null, effects: [{ kind: "reply", token: e.token, errorCode: E.NONE.code }, { kind: "removed" }] };
}

function onTick(group: Group | null, e: TickEvent, rules: GroupRules): StepResult {
  if (group === null) return { group, effects: [] };
  const c = start(group, e.now, rules);
  for (const [id, deadline] of [...c.g.pendingMembers]) if (deadline <= c.now) c.g.pendingMembers.delete(id);
  for (const m of [...c.g.members.values()]) {
    const expiry = memberExpiry(m);
    if (expiry !== null && expiry <= c.now && c.g.members.has(m.memberId)) removeMemberAndUpdateGroup(c, m.memberId);
  }
  if ((c.g.state === "CompletingRebalance" || c.g.state === "Stable") && c.g.syncDeadline !== null && c.g.syncDeadline <= c.now) {
    const late = [...c.g.pendingSync];
    c.g.syncDeadline = null;
    if (late.length > 0) {
      for (const id of late) removeMember(c, id);
      prepareRebalance(c);
    }
  }
  const join = c.g.join;
  if (c.g.state === "PreparingRebalance" && join !== null && join.deadline <= c.now) {
    if (join.initial && c.g.newMemberAdded && join.remainingMs > 0 && c.rules.initialRebalanceDelayMs > 0) {
      // Members are still arriving at a new group: wait a little longer, within the timeout.
      const delay = Math.min(c.rules.initialRebalanceDelayMs, join.remainingMs);
      c.g.newMemberAdded = false;
      c.g.join = { deadline: c.now + delay, initial: true, remainingMs: Math.max(join.remainingMs - delay, 0) };
    } else {
      completeJoin(c);
    }
  }
  return finish(c);
}
