/**
 * A group and its record in `__consumer_offsets`: the record Kafka writes when a generation's
 * assignment is stored or a group becomes empty, and the group it restores on load. A restored
 * group is Stable (with its last members and assignments, each given a fresh session to show
 * up again) or Empty, as Kafka loads groups.
 */
import { computeSubscribedTopics, metadataFor } from "./group.js";
import type { MemberDraft } from "./group.js";
import type { GroupMetadataValue, GroupMetadataValueInput } from "./records.js";
import type { Group } from "./types.js";

/** A group record (from `__consumer_offsets`) as the machine's group: Stable or Empty. */
export function restoredGroup(groupId: string, v: GroupMetadataValue, now: number): Group {
  const members = new Map<string, MemberDraft>();
  const staticMembers = new Map<string, string>();
  for (const m of v.members) {
    members.set(m.memberId, {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeout < 0 ? m.sessionTimeout : m.rebalanceTimeout,
      sessionTimeoutMs: m.sessionTimeout,
      protocolType: v.protocolType,
      protocols: [{ name: v.protocol ?? "", metadata: m.subscription }],
      assignment: m.assignment,
      joinToken: null,
      syncToken: null,
      isNew: false,
      // Members get a full session from the load to show up again (Kafka does the same).
      heartbeatDeadline: now + m.sessionTimeout,
    });
    if (m.groupInstanceId !== null) staticMembers.set(m.groupInstanceId, m.memberId);
  }
  const g: Group = {
    groupId,
    state: members.size > 0 ? "Stable" : "Empty",
    stateTimestamp: v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : now,
    protocolType: v.protocolType === "" ? null : v.protocolType,
    protocolName: members.size > 0 ? v.protocol : null,
    generationId: v.generation,
    leaderId: members.size > 0 ? v.leader : null,
    members,
    pendingMembers: new Map(),
    staticMembers,
    pendingSync: new Set(),
    syncDeadline: null,
    join: null,
    newMemberAdded: false,
    pendingAssignment: null,
    subscribedTopics: null,
  };
  return { ...g, subscribedTopics: computeSubscribedTopics(g) };
}

/** The record that persists `g`: members with the chosen protocol's metadata and their assignment. */
export function groupRecord(g: Group): GroupMetadataValueInput {
  return {
    protocolType: g.protocolType ?? "",
    generation: g.generationId,
    protocol: g.protocolName,
    leader: g.leaderId,
    currentStateTimestamp: g.stateTimestamp,
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: metadataFor(m, g.protocolName),
      assignment: g.pendingAssignment?.get(m.memberId) ?? m.assignment,
    })),
  };
}
