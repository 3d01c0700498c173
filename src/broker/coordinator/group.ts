/**
 * Pure queries over a {@link Group} and the mutable draft the state machine edits. A step
 * clones its input group into a draft, changes the draft and returns it: the input is never
 * modified, so (group, event) → (group, effects) stays a pure function.
 */
import { CONSUMER_PROTOCOL_TYPE, subscriptionTopics } from "../../protocol/consumer-protocol.js";
import type { Group, JoinMember, Member, Protocol } from "./types.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A member being changed by a step. */
export type MemberDraft = Mutable<Member>;

/** A group being changed by a step. */
export interface GroupDraft extends Omit<Mutable<Group>, "members" | "pendingMembers" | "staticMembers" | "pendingSync" | "pendingAssignment"> {
  members: Map<string, MemberDraft>;
  pendingMembers: Map<string, number>;
  staticMembers: Map<string, string>;
  pendingSync: Set<string>;
  pendingAssignment: Map<string, Buffer> | null;
}

/** Empty bytes: the assignment of a member that has none, and of every error answer. */
export const NO_BYTES: Buffer = Buffer.alloc(0);

/** A new group with no members and no protocol (Kafka's `new GroupMetadata(id, Empty)`). */
export function emptyGroup(groupId: string, now: number): Group {
  return {
    groupId,
    state: "Empty",
    stateTimestamp: now,
    protocolType: null,
    protocolName: null,
    generationId: 0,
    leaderId: null,
    members: new Map(),
    pendingMembers: new Map(),
    staticMembers: new Map(),
    pendingSync: new Set(),
    syncDeadline: null,
    join: null,
    newMemberAdded: false,
    pendingAssignment: null,
    subscribedTopics: null,
  };
}

/** A draft copy of `g`; members are copied too, byte buffers are shared (never mutated). */
export function draftOf(g: Group): GroupDraft {
  return {
    ...g,
    members: new Map([...g.members].map(([id, m]) => [id, { ...m }])),
    pendingMembers: new Map(g.pendingMembers),
    staticMembers: new Map(g.staticMembers),
    pendingSync: new Set(g.pendingSync),
    pendingAssignment: g.pendingAssignment === null ? null : new Map(g.pendingAssignment),
  };
}

/** The metadata a member sent for `protocol` (empty if it did not name it). */
export function metadataFor(m: Member, protocol: string | null): Buffer {
  return m.protocols.find((p) => p.name === protocol)?.metadata ?? NO_BYTES;
}

/** True when a rejoin carries exactly the protocols (names, order and metadata) the member has. */
export function sameProtocols(m: Member, protocols: readonly Protocol[]): boolean {
  return m.protocols.length === protocols.length && m.protocols.every((p, i) => p.name === protocols[i].name && p.metadata.equals(protocols[i].metadata));
}

/** The protocols every member supports, in no particular order. */
function candidateProtocols(g: Group): Set<string> {
  const counts = new Map<string, number>();
  for (const m of g.members.values()) {
    for (const name of new Set(m.protocols.map((p) => p.name))) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return new Set([...counts].filter(([, n]) => n === g.members.size).map(([name]) => name));
}

/**
 * Whether a member with these protocols may join: the first member needs a protocol type and at
 * least one protocol; later ones the group's type and a protocol every member supports.
 */
export function supportsProtocols(g: Group, protocolType: string, protocols: readonly Protocol[]): boolean {
  if (g.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
  if (g.protocolType !== protocolType) return false;
  const candidates = candidateProtocols(g);
  return protocols.some((p) => candidates.has(p.name));
}

/**
 * Kafka's protocol selection: among the protocols every member supports, each member votes for
 * the first one in its own preference order, and the most votes win. Ties go to the protocol
 * that comes first in the preference order of the earliest member, which keeps the choice
 * deterministic (Kafka leaves ties to hash order).
 */
export function selectProtocol(g: Group): string | null {
  const candidates = candidateProtocols(g);
  if (candidates.size === 0) return null;
  const votes = new Map<string, number>();
  for (const m of g.members.values()) {
    const vote = m.protocols.find((p) => candidates.has(p.name));
    if (vote !== undefined) votes.set(vote.name, (votes.get(vote.name) ?? 0) + 1);
  }
  const first = g.members.values().next().value;
  const order = first === undefined ? [...candidates] : first.protocols.map((p) => p.name).filter((n) => candidates.has(n));
  let best: string | null = null;
  for (const name of order) if (best === null || (votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name;
  return best;
}

/** The rebalance timeout of the group: the longest any member asked for. */
export function rebalanceTimeoutOf(g: Group): number {
  let max = 0;
  for (const m of g.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
  return max;
}

/** The member id holding `groupInstanceId`, if any. */
export function staticMemberId(g: Group, groupInstanceId: string | null): string | undefined {
  return groupInstanceId === null ? undefined : g.staticMembers.get(groupInstanceId);
}

/** A request naming a static instance now held by another member id is fenced (KIP-345). */
export function isStaticMemberFenced(g: Group, groupInstanceId: string | null, memberId: string): boolean {
  const holder = staticMemberId(g, groupInstanceId);
  return holder !== undefined && holder !== memberId;
}

/**
 * When the member expires, or null while it cannot: a member waiting in JoinGroup or SyncGroup
 * counts as alive (the rebalance timeout bounds those waits), except a new member, which has
 * never been answered and may have gone.
 */
export function memberExpiry(m: Member): number | null {
  if (!m.isNew && (m.joinToken !== null || m.syncToken !== null)) return null;
  return m.heartbeatDeadline;
}

/** The earliest deadline of the group, or null when no timer is needed. */
export function nextDeadline(g: Group): number | null {
  let next: number | null = null;
  const consider = (t: number | null): void => {
    if (t !== null && (next === null || t < next)) next = t;
  };
  for (const t of g.pendingMembers.values()) consider(t);
  for (const m of g.members.values()) consider(memberExpiry(m));
  if (g.state === "PreparingRebalance" && g.join !== null) consider(g.join.deadline);
  if ((g.state === "CompletingRebalance" || g.state === "Stable") && g.pendingSync.size > 0) consider(g.syncDeadline);
  return next;
}

/** Every member's metadata for the chosen protocol: what the leader assigns from. */
export function joinMembers(g: Group): JoinMember[] {
  return [...g.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: metadataFor(m, g.protocolName) }));
}

/**
 * The union of the members' subscribed topics for consumer groups; an empty set for an empty
 * consumer group; null when unknown (another protocol type, or metadata that does not parse).
 */
export function computeSubscribedTopics(g: Group): ReadonlySet<string> | null {
  if (g.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
  if (g.members.size === 0) return new Set();
  if (g.protocolName === null) return null;
  const topics = new Set<string>();
  for (const m of g.members.values()) {
    const sub = subscriptionTopics(metadataFor(m, g.protocolName));
    if (sub === null) return null;
    for (const t of sub) topics.add(t);
  }
  return topics;
}

/** Whether live members consume `topic` (true when that cannot be known, to stay safe). */
export function isSubscribedToTopic(g: Group, topic: string): boolean {
  return g.subscribedTopics === null || g.subscribedTopics.has(topic);
}

/** One member as DescribeGroups shows it. */
export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The metadata of the chosen protocol, only while the group is Stable. */
  memberMetadata: Buffer;
  /** The member's assignment, only while the group is Stable. */
  memberAssignment: Buffer;
}

/** A group as DescribeGroups shows it (Kafka's GroupSummary). */
export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The chosen protocol while Stable, else "". */
  protocolData: string;
  members: MemberDescription[];
}

/** The DescribeGroups view of `g`; a missing group is Dead with no members, as in Kafka. */
export function describeGroup(groupId: string, g: Group | null): GroupDescription {
  if (g === null) return { groupId, state: "Dead", protocolType: "", protocolData: "", members: [] };
  const stable = g.state === "Stable";
  return {
    groupId,
    state: g.state,
    protocolType: g.protocolType ?? "",
    protocolData: stable ? (g.protocolName ?? "") : "",
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? metadataFor(m, g.protocolName) : NO_BYTES,
      memberAssignment: stable ? m.assignment : NO_BYTES,
    })),
  };
}
