/**
 * OffsetFetch (key 9), versions 0-9.
 *
 * Committed offsets with their metadata strings, whatever the group's state; -1 with metadata ""
 * for partitions without a commit. v2+ accepts a null topic list for "every committed offset"
 * and has a top-level error code; v5 leader epochs; v7 RequireStable (Weir has no pending
 * transactional offsets, so every offset is stable); v8 asks for several groups at once
 * (KIP-709); v9's member id and epoch belong to the new consumer protocol and are not checked
 * for classic groups, as in Kafka.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

type Topics = readonly { name: string; partitionIndexes: readonly number[] }[] | null;

/** One group's answer, before version shaping. */
function fetchGroup(state: BrokerState, groupId: string, topics: Topics): { errorCode: number; topics: { name: string; partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string; errorCode: number }[] }[] } {
  if (state.groups.isClosed) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, topics: [] };
  const fetched = state.groups.fetchOffsets(groupId, topics === null ? null : topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes })));
  return {
    errorCode: KafkaErrors.NONE.code,
    topics: fetched.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: p.leaderEpoch, metadata: p.metadata, errorCode: KafkaErrors.NONE.code })),
    })),
  };
}

/** The OffsetFetch handler. */
export const offsetFetchHandler: ApiHandler<typeof ApiKey.OffsetFetch, BrokerState> = {
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 9,
  handle(state, req, version) {
    if (version >= 8) {
      return { throttleTimeMs: 0, groups: req.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(state, g.groupId, g.topics) })) };
    }
    // v0-1 have no null topic list (an empty one means none) and no top-level error: a group
    // error is repeated on every partition asked for.
    const topics = version >= 2 ? req.topics : (req.topics ?? []);
    const r = fetchGroup(state, req.groupId, topics);
    if (version < 2 && r.errorCode !== KafkaErrors.NONE.code) {
      const topicsWithError = (topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: r.errorCode })),
      }));
      return { throttleTimeMs: 0, topics: topicsWithError, errorCode: r.errorCode };
    }
    return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode };
  },
};
