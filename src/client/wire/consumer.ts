/**
 * Reading a topic's records from positions the caller chooses, and committing a group member's
 * positions: the two halves of a consumer that `weir consume` puts together with
 * {@link GroupMember} (which partitions) and {@link AdminClient} (where to start).
 *
 *   const client = await RemoteLogClient.connect({ bootstrap });
 *   const reader = new TopicReader({ source: client, topic: "events" });
 *   reader.assign(0, 0);
 *   const records = await reader.poll();   // one fetch round over the assigned partitions
 *
 * Fetches return whole batches, the first of which may begin before the position (Kafka answers
 * from the batch that holds the offset asked for); records below the position and control
 * batches (transaction markers) are skipped, and the position moves past the last batch read, so
 * gaps (compacted or aborted records) are stepped over.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import { batchesIn, isControlBatch, iterateRecords, timestampTypeOf, type RecordHeader, type TimestampType } from "../../protocol/records/index.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import type { LogFetchResult } from "../log-client.js";
import type { TopicPartition } from "./admin.js";
import type { Cluster } from "./cluster.js";
import { kafkaError } from "./errors.js";

/** Where a {@link TopicReader} fetches from; `LogClient` (src/client/log-client.ts) is one. */
export interface FetchSource {
  fetch(topic: string, partition: number, offset: number, maxBytes: number): Promise<LogFetchResult>;
}

/** One record read, with where it came from. Key, value and header values are views of the fetched bytes. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** Options of {@link TopicReader}. */
export interface TopicReaderOptions {
  source: FetchSource;
  topic: string;
  /** Bytes asked for per partition and fetch (at least one whole batch comes back). Default 1 MiB. */
  partitionBytesMax?: number;
}

/** A partition's read state. */
interface PartitionState {
  position: number;
  highWatermark: number | null;
}

/** See the module comment. */
export class TopicReader {
  private readonly partitions = new Map<number, PartitionState>();
  private readonly partitionBytesMax: number;

  constructor(private readonly opts: TopicReaderOptions) {
    this.partitionBytesMax = opts.partitionBytesMax ?? 1024 * 1024;
  }

  /** Starts (or moves) reading `partition` at `offset`. */
  assign(partition: number, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new WeirError("INVALID_ARGUMENT", `a start offset must be an integer ≥ 0, got ${offset}`, { details: { partition, offset } });
    this.partitions.set(partition, { position: offset, highWatermark: null });
  }

  /** Stops reading `partition`. */
  unassign(partition: number): void {
    this.partitions.delete(partition);
  }

  /** The partitions being read, in order. */
  assigned(): number[] {
    return [...this.partitions.keys()].sort((a, b) => a - b);
  }

  /** The next offset to read of `partition`, or undefined when it is not assigned. */
  position(partition: number): number | undefined {
    return this.partitions.get(partition)?.position;
  }

  /** The partition's high watermark at its last fetch, or null before the first. */
  highWatermark(partition: number): number | null {
    return this.partitions.get(partition)?.highWatermark ?? null;
  }

  /** True when every assigned partition's position reached its high watermark at the last fetch. */
  caughtUp(): boolean {
    for (const p of this.partitions.values()) if (p.highWatermark === null || p.position < p.highWatermark) return false;
    return true;
  }

  /**
   * One fetch round: each assigned partition is fetched at its position (concurrently) and its
   * records are returned, partition by partition in offset order; positions advance past them.
   * Returns at once, with no records when there are none yet. A position below the log start
   * (retention deleted those records) moves to the log start, as a consumer with
   * auto.offset.reset=earliest does.
   */
  async poll(): Promise<ConsumedRecord[]> {
    const topic = this.opts.topic;
    const rounds = await Promise.all(
      this.assigned().map(async (partition) => {
        const state = this.partitions.get(partition)!;
        const at = state.position;
        let fetched: LogFetchResult;
        try {
          fetched = await this.opts.source.fetch(topic, partition, at, this.partitionBytesMax);
        } catch (e) {
          const start = isWeirError(e, "OFFSET_OUT_OF_RANGE") ? e.details.logStartOffset : undefined;
          if (typeof start === "number" && start > at) {
            if (this.partitions.get(partition) === state) state.position = start;
            return [];
          }
          throw e;
        }
        // The partition may have been reassigned while the fetch was out.
        if (this.partitions.get(partition) !== state || state.position !== at) return [];
        state.highWatermark = fetched.highWatermark;
        const out: ConsumedRecord[] = [];
        for (const { pos, header } of batchesIn(fetched.records)) {
          const next = header.baseOffset + header.lastOffsetDelta + 1;
          if (next <= state.position) continue;
          if (!isControlBatch(header.attributes)) {
            const timestampType = timestampTypeOf(header.attributes);
            for (const r of iterateRecords(fetched.records, pos)) {
              if (r.offset < state.position) continue;
              // iterateRecords already gives LogAppendTime records the batch's time.
              out.push({ topic, partition, offset: r.offset, timestamp: r.timestamp, timestampType, key: r.key, value: r.value, headers: r.headers });
            }
          }
          state.position = next;
        }
        return out;
      }),
    );
    return rounds.flat();
  }
}

/** A group member's generation, as {@link GroupMember.assignment} reports it. */
export interface MemberGeneration {
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
}

/**
 * Commits `offsets` (the next offset to read of each partition) for a member of `groupId` in its
 * generation (OffsetCommit at the group's coordinator). A commit after the group moved on fails
 * with details.kafkaError ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS or UNKNOWN_MEMBER_ID, as
 * Kafka's consumer reports CommitFailedException; retriable errors are retried.
 */
export async function commitMemberOffsets(cluster: Cluster, groupId: string, member: MemberGeneration, offsets: readonly (TopicPartition & { offset: number })[]): Promise<void> {
  if (offsets.length === 0) return;
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; commitTimestamp: number; committedMetadata: string }[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: "" });
    byTopic.set(o.topic, list);
  }
  await cluster.retry(`OffsetCommit of group '${groupId}'`, async () => {
    const coordinator = await cluster.findCoordinator(groupId);
    const conn = await cluster.connectionTo(coordinator);
    const { response } = await conn.request(ApiKey.OffsetCommit, () => ({
      groupId,
      generationIdOrMemberEpoch: member.generationId,
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId ?? null,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    }));
    for (const t of response.topics) {
      for (const p of t.partitions) {
        if (p.errorCode === KafkaErrors.NONE.code) continue;
        if (p.errorCode === KafkaErrors.NOT_COORDINATOR.code || p.errorCode === KafkaErrors.COORDINATOR_NOT_AVAILABLE.code) cluster.forgetCoordinator(groupId);
        throw kafkaError(p.errorCode, `OffsetCommit of group '${groupId}', ${t.name}-${p.partitionIndex}, at ${conn.address}`);
      }
    }
  });
}
