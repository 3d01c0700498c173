/**
 * Committed offsets and group records, kept in memory and durably in the internal compacted
 * topic `__consumer_offsets` (one partition). Opening the store replays the topic; every change
 * is one appended batch whose records are keyed so compaction keeps only the latest per key.
 *
 * The in-memory view changes when a write is appended, before it is fsynced: decisions made right
 * after (a DeleteGroups tombstoning every offset of a group) then see every earlier write. The
 * caller answers its client only once the write is durable, so no client is told "committed"
 * for an offset a crash could take back. If an append fails the log partition is failed and
 * every later write fails too; the view is rebuilt from the log on the next start.
 */
import type { LogManager, PartitionLog } from "../../log/index.js";
import { batchesIn, buildBatch, isControlBatch, iterateRecords } from "../../protocol/records/index.js";
import type { RecordInput } from "../../protocol/records/index.js";
import { WeirError } from "../../util/errors.js";
import { groupLimits } from "../../util/limits.js";
import { decodeGroupValue, decodeKey, decodeOffsetValue, groupKey, groupValue, offsetKey, offsetValue } from "./records.js";
import type { GroupMetadataValue, GroupMetadataValueInput } from "./records.js";

/** Kafka's name for the offsets topic. */
export const OFFSETS_TOPIC = "__consumer_offsets";

/**
 * The offsets topic's config: compacted; fsync on every append, since a commit is acknowledged
 * only once durable; segments of Kafka's offsets.topic.segment.bytes so compaction can run; and
 * room for a commit of many partitions in one batch.
 */
const OFFSETS_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  "cleanup.policy": "compact",
  "flush.messages": "1",
  "segment.bytes": String(100 * 1024 * 1024),
  "max.message.bytes": String(16 * 1024 * 1024),
};

/** A committed offset with its metadata string. */
export interface OffsetAndMetadata {
  readonly offset: number;
  /** -1 when the client did not send one. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  /** When it was committed (ms since the epoch): simple groups' offsets expire from it. */
  readonly commitTimestamp: number;
}

/** One partition's commit. */
export interface OffsetEntry {
  readonly topic: string;
  readonly partition: number;
  readonly value: OffsetAndMetadata;
}

/** topic → partition → offset. */
export type GroupOffsets = ReadonlyMap<string, ReadonlyMap<number, OffsetAndMetadata>>;

/** What loading found. */
export interface LoadReport {
  /** Group records, by group id. */
  readonly groups: ReadonlyMap<string, GroupMetadataValue>;
  /** Records that did not decode and were skipped. */
  readonly skippedRecords: number;
}

/** See the module comment. */
export class OffsetStore {
  private readonly offsets = new Map<string, Map<string, Map<number, OffsetAndMetadata>>>();

  private constructor(private readonly partition: PartitionLog) {}

  /** Opens (creating it if needed) the offsets topic and replays it. */
  static async open(log: LogManager): Promise<{ store: OffsetStore; report: LoadReport }> {
    if (!log.hasTopic(OFFSETS_TOPIC)) {
      try {
        await log.createTopic(OFFSETS_TOPIC, 1, OFFSETS_TOPIC_CONFIG);
      } catch (e) {
        // Another creator won the race; the topic is there either way.
        if (!(e instanceof WeirError && e.code === "ALREADY_EXISTS")) throw e;
      }
    }
    const store = new OffsetStore(log.partition(OFFSETS_TOPIC, 0));
    const report = store.load();
    return { store, report };
  }

  /** Replays the partition from its start to its high watermark. */
  private load(): LoadReport {
    const groups = new Map<string, GroupMetadataValue>();
    let skippedRecords = 0;
    let offset = this.partition.logStartOffset();
    const end = this.partition.highWatermark();
    while (offset < end) {
      const { records } = this.partition.read(offset, groupLimits.offsetsLoadReadBytes);
      const before = offset;
      for (const { pos, header } of batchesIn(records, { partialTail: "stop" })) {
        offset = header.baseOffset + header.lastOffsetDelta + 1;
        if (isControlBatch(header.attributes)) continue;
        for (const r of iterateRecords(records, pos)) {
          if (r.key === null || !this.replay(r.key, r.value, groups)) skippedRecords++;
        }
      }
      // A read always returns at least one whole batch below the HW; no progress means none is left.
      if (offset <= before) break;
    }
    return { groups, skippedRecords };
  }

  /** Applies one stored record; false when it does not decode. */
  private replay(key: Buffer, value: Buffer | null, groups: Map<string, GroupMetadataValue>): boolean {
    try {
      const k = decodeKey(key);
      if (k.kind === "offset") {
        if (value === null) this.forget(k.group, k.topic, k.partition);
        else {
          const v = decodeOffsetValue(value);
          this.set(k.group, k.topic, k.partition, { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp });
        }
      } else if (k.kind === "group") {
        if (value === null) groups.delete(k.group);
        else {
          const v = decodeGroupValue(value);
          // Copy the member bytes out of the read buffer so it can be collected.
          const members = v.members.map((m) => ({ ...m, subscription: Buffer.from(m.subscription), assignment: Buffer.from(m.assignment) }));
          groups.set(k.group, { ...v, members });
        }
      }
      return true;
    } catch {
      return false;
    }
  }

  private set(group: string, topic: string, partition: number, value: OffsetAndMetadata): void {
    let topics = this.offsets.get(group);
    if (topics === undefined) this.offsets.set(group, (topics = new Map<string, Map<number, OffsetAndMetadata>>()));
    let partitions = topics.get(topic);
    if (partitions === undefined) topics.set(topic, (partitions = new Map<number, OffsetAndMetadata>()));
    partitions.set(partition, value);
  }

  private forget(group: string, topic: string, partition: number): void {
    const topics = this.offsets.get(group);
    const partitions = topics?.get(topic);
    if (topics === undefined || partitions === undefined) return;
    partitions.delete(partition);
    if (partitions.size === 0) topics.delete(topic);
    if (topics.size === 0) this.offsets.delete(group);
  }

  /**
   * Appends `records` as one batch, then changes the view with `apply`; resolves once the batch
   * is durable. A batch too large for the topic is refused before anything changes.
   */
  private write(records: RecordInput[], apply: () => void): Promise<void> {
    if (records.length === 0) {
      apply();
      return Promise.resolve();
    }
    let batch: Buffer;
    try {
      batch = buildBatch(records);
    } catch (e) {
      // Over the codec's own limits: refused like an oversized batch, nothing changed.
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const max = this.partition.config.maxMessageBytes;
    if (batch.length > max) {
      return Promise.reject(
        new WeirError("LIMIT_EXCEEDED", `an offsets batch of ${batch.length} bytes exceeds the offsets topic's max.message.bytes of ${max}`, {
          details: { batchBytes: batch.length, limit: max },
        }),
      );
    }
    // PartitionLog.append assigns the offset synchronously, so the view changes in log order.
    const appended = this.partition.append(batch);
    apply();
    return appended.then(() => undefined);
  }

  /** The committed offsets of `group` (a live view: do not keep it across awaits). */
  offsetsOf(group: string): GroupOffsets | undefined {
    return this.offsets.get(group);
  }

  /** The committed offset of one partition, if any. */
  get(group: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.offsets.get(group)?.get(topic)?.get(partition);
  }

  /** Ids of the groups that have committed offsets. */
  groupIds(): string[] {
    return [...this.offsets.keys()];
  }

  /** Commits offsets of `group`: visible at once, resolved when durable. */
  commit(group: string, entries: readonly OffsetEntry[]): Promise<void> {
    const records = entries.map((e) => ({ key: offsetKey(group, e.topic, e.partition), value: offsetValue(e.value), timestamp: e.value.commitTimestamp }));
    return this.write(records, () => {
      for (const e of entries) this.set(group, e.topic, e.partition, e.value);
    });
  }

  /** Deletes the named offsets of `group` that exist (tombstones). */
  remove(group: string, partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    const present = partitions.filter((p) => this.get(group, p.topic, p.partition) !== undefined);
    return this.write(
      present.map((p) => ({ key: offsetKey(group, p.topic, p.partition), value: null })),
      () => {
        for (const p of present) this.forget(group, p.topic, p.partition);
      },
    );
  }

  /** Stores a group record, or deletes it with `null`. */
  storeGroup(group: string, value: GroupMetadataValueInput | null): Promise<void> {
    return this.write([{ key: groupKey(group), value: value === null ? null : groupValue(value) }], () => undefined);
  }

  /** Deletes a group's record and every offset it has, in one batch. */
  removeGroup(group: string): Promise<void> {
    const records: RecordInput[] = [{ key: groupKey(group), value: null }];
    for (const [topic, partitions] of this.offsets.get(group) ?? []) {
      for (const partition of partitions.keys()) records.push({ key: offsetKey(group, topic, partition), value: null });
    }
    return this.write(records, () => this.offsets.delete(group));
  }
}
