/** The group coordinator: the classic consumer-group protocol and committed offsets. */
export { GroupCoordinator } from "./manager.js";
export type { CommitPartition, FetchedOffset, GroupCoordinatorConfig, GroupCoordinatorOptions, GroupOverview, JoinRequest, MemberRef, SyncRequest } from "./manager.js";
import { OFFSETS_TOPIC } from "./offset-store.js";
export { OFFSETS_TOPIC };
export type { OffsetAndMetadata } from "./offset-store.js";
export { step } from "./machine.js";
// The state machine's data: groups, members, events, effects.
export type * from "./types.js";
export { describeGroup, emptyGroup, nextDeadline, selectProtocol } from "./group.js";
export type { GroupDescription, MemberDescription } from "./group.js";
export { subscriptionTopics, CONSUMER_PROTOCOL_TYPE } from "../../protocol/consumer-protocol.js";

/** True for Weir's internal topics (hidden from Metadata's all-topics answer, marked internal). */
export function isInternalTopic(name: string): boolean {
  return name === OFFSETS_TOPIC;
}
