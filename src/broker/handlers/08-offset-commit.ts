/**
 * OffsetCommit (key 8), versions 0-9.
 *
 * Stores committed offsets with their metadata strings in __consumer_offsets; the answer waits
 * until they are durable. v0 carries no member (accepted while the group is empty, like any
 * commit with generation -1: simple consumers, kafka-python's assign()+commit, admin tools);
 * v1+ members commit with their generation (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * REBALANCE_IN_PROGRESS otherwise); v6 leader epochs; v7 static members (FENCED_INSTANCE_ID).
 * v1's per-partition commit timestamp and v2-4's retention time are ignored: the broker stamps
 * commits and its offsets.retention.minutes applies (what Kafka does when clients leave them at
 * their defaults, as every current client does). From v9 a commit with a generation for a group
 * that does not exist is GROUP_ID_NOT_FOUND (before: ILLEGAL_GENERATION). Partitions of
 * unknown topics get UNKNOWN_TOPIC_OR_PARTITION; metadata over 4096 bytes
 * OFFSET_METADATA_TOO_LARGE.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { CommitPartition } from "../coordinator/index.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

/** True when the topic exists and has the partition. */
function partitionExists(state: BrokerState, topic: string, partition: number): boolean {
  return state.log.hasTopic(topic) && partition >= 0 && partition < state.log.describeTopic(topic).partitions;
}

/** The OffsetCommit handler. */
export const offsetCommitHandler: ApiHandler<typeof ApiKey.OffsetCommit, BrokerState> = {
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  async handle(state, req, version) {
    // Answers in request order: [topic index][partition index] → error code.
    const codes = req.topics.map((t) => t.partitions.map((): number => KafkaErrors.NONE.code));
    const valid: CommitPartition[] = [];
    const slots: [number, number][] = [];
    req.topics.forEach((t, ti) =>
      t.partitions.forEach((p, pi) => {
        if (!partitionExists(state, t.name, p.partitionIndex)) {
          codes[ti][pi] = KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code;
          return;
        }
        valid.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata });
        slots.push([ti, pi]);
      }),
    );
    if (valid.length > 0) {
      const member = {
        groupId: req.groupId,
        generationId: version >= 1 ? req.generationIdOrMemberEpoch : -1,
        memberId: version >= 1 ? req.memberId : "",
        groupInstanceId: version >= 7 ? req.groupInstanceId : null,
      };
      const results = await state.groups.commitOffsets(member, version, valid);
      results.forEach((code, i) => (codes[slots[i][0]][slots[i][1]] = code));
    }
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t, ti) => ({ name: t.name, partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes[ti][pi] })) })),
    };
  },
};
