/**
 * Consumer-group and offset administration over the Kafka wire protocol, against Apache Kafka
 * or Weir: the calls behind `weir groups` (and Kafka's kafka-consumer-groups.sh).
 *
 *   const admin = await AdminClient.connect({ bootstrap: "127.0.0.1:9092" });
 *   try {
 *     const [g] = await admin.describeGroups(["my-group"]);
 *     const committed = await admin.listGroupOffsets("my-group");
 *   } finally {
 *     admin.close();
 *   }
 *
 * Group requests go to the group's coordinator, ListOffsets to each partition's leader, and
 * retriable errors (a coordinator still loading, a leader moving) are retried within the
 * operation's deadline. Every failure is a WeirError (see errors.ts for the codes).
 */
import { ApiKey } from "../../protocol/api-keys.js";
import {
  CONSUMER_PROTOCOL_TYPE,
  decodeAssignment,
  decodeSubscription,
  type ConsumerAssignment,
  type ConsumerSubscription,
} from "../../protocol/consumer-protocol.js";
import { KafkaErrors } from "../../protocol/errors.js";
import { WeirError } from "../../util/errors.js";
import { Cluster, type BrokerNode, type ClusterOptions } from "./cluster.js";
import type { Connection } from "./connection.js";
import { kafkaError } from "./errors.js";
import * as topicAdmin from "./topic-admin.js";

/** A topic partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** One group as ListGroups reports it. */
export interface GroupListing {
  groupId: string;
  /** "consumer" for consumer groups; "" for groups that only hold committed offsets. */
  protocolType: string;
  /** Empty, Stable, PreparingRebalance, CompletingRebalance, Dead (null from brokers before ListGroups v4). */
  state: string | null;
  /** "classic" or "consumer" (null from brokers before ListGroups v5). */
  type: string | null;
}

/** A group member as DescribeGroups reports it, with its consumer-protocol bytes decoded. */
export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The member's JoinGroup metadata as sent. */
  metadataBytes: Buffer;
  /** The member's assignment as handed out (empty outside the Stable state). */
  assignmentBytes: Buffer;
  /** The decoded subscription; null unless the group is a consumer group and the bytes decode. */
  subscription: ConsumerSubscription | null;
  /** The decoded assignment; null unless the group is a consumer group and the bytes decode. */
  assignment: ConsumerAssignment | null;
}

/** A group as DescribeGroups reports it. */
export interface GroupDescription {
  groupId: string;
  /** Empty, Stable, PreparingRebalance, CompletingRebalance, or Dead for a group that does not exist. */
  state: string;
  protocolType: string;
  /** The selected protocol: for consumer groups the assignor ("range", "roundrobin", ...). */
  protocol: string;
  coordinator: BrokerNode;
  members: GroupMemberDescription[];
}

/** A committed offset (OffsetFetch). */
export interface CommittedOffset extends TopicPartition {
  offset: number;
  /** The leader epoch committed with the offset, or null. */
  leaderEpoch: number | null;
  metadata: string | null;
}

/** Which offset {@link AdminClient.listOffsets} asks for. */
export type OffsetSpec = "earliest" | "latest" | { timestamp: number };

/** An offset ListOffsets answered. */
export interface ListedOffset extends TopicPartition {
  /** The offset; null when a timestamp query matched no record (every record is older). */
  offset: number | null;
  /** The timestamp of the record at `offset` for timestamp queries (null otherwise or unknown). */
  timestamp: number | null;
}

/** An offset to commit. */
export interface OffsetToCommit extends TopicPartition {
  offset: number;
  /** Stored with the offset; default "" (what Kafka stores for none). */
  metadata?: string | null;
}

/** The outcome of deleting one group. */
export interface DeleteGroupResult {
  groupId: string;
  /** Null when the group was deleted; else why not (details.kafkaError: NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ...). */
  error: WeirError | null;
}

/** A topic to create. */
export interface NewTopic {
  name: string;
  /** -1 for the broker's default (num.partitions; CreateTopics v4+). */
  partitions: number;
  /** Default 1. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/** Group states in which no member holds partitions, so offsets may be changed from outside. */
export const INACTIVE_GROUP_STATES: ReadonlySet<string> = new Set(["Empty", "Dead"]);

/** ListOffsets' special timestamps. */
const LATEST_TIMESTAMP = -1;
const EARLIEST_TIMESTAMP = -2;

/** Groups `items` by a key into a Map of arrays, keeping their order. */
function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list === undefined) m.set(k, [it]);
    else list.push(it);
  }
  return m;
}

/** Orders topic partitions by topic, then partition. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

/** Decodes one consumer-protocol field, or null when the group is not a consumer group or the bytes are not one. */
function decodeOrNull<T>(protocolType: string, bytes: Buffer, decodeFn: (b: Buffer) => T, emptyIsNull: boolean): T | null {
  if (protocolType !== CONSUMER_PROTOCOL_TYPE || (emptyIsNull && bytes.length === 0)) return null;
  try {
    return decodeFn(bytes);
  } catch {
    // Foreign or malformed member bytes are shown raw; they must not fail a describe.
    return null;
  }
}

/** Retriable errors that mean "ask FindCoordinator again". */
const COORDINATOR_MOVED: ReadonlySet<number> = new Set([KafkaErrors.NOT_COORDINATOR.code, KafkaErrors.COORDINATOR_NOT_AVAILABLE.code]);

/** See the module comment. */
export class AdminClient {
  private constructor(
    /** The cluster connections under this client (for calls not wrapped here). */
    readonly cluster: Cluster,
  ) {}

  /** Connects to the cluster at `opts.bootstrap` (see {@link Cluster.connect} for the failures). */
  static async connect(opts: ClusterOptions): Promise<AdminClient> {
    return new AdminClient(await Cluster.connect(opts));
  }

  /** Closes every connection. */
  close(): void {
    this.cluster.close();
  }

  /** Every group of every broker (ListGroups to each), sorted by group id. */
  async listGroups(): Promise<GroupListing[]> {
    const md = await this.cluster.metadata([]);
    const byId = new Map<string, GroupListing>();
    for (const broker of md.brokers) {
      const listing = await this.cluster.retry(`ListGroups at ${broker.host}:${broker.port}`, async () => {
        const conn = await this.cluster.connectionTo(broker);
        const { version, response } = await conn.request(ApiKey.ListGroups, () => ({ statesFilter: [], typesFilter: [] }));
        if (response.errorCode !== KafkaErrors.NONE.code) throw kafkaError(response.errorCode, `ListGroups at ${conn.address}`);
        return response.groups.map((g) => ({
          groupId: g.groupId,
          protocolType: g.protocolType,
          state: version >= 4 ? g.groupState : null,
          type: version >= 5 ? g.groupType : null,
        }));
      });
      for (const g of listing) byId.set(g.groupId, g);
    }
    return [...byId.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /**
   * Describes groups, in the order of `groupIds`. A group that does not exist comes back with
   * state "Dead" and no members (as Kafka answers), not as an error.
   */
  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    const out = new Map<string, GroupDescription>();
    for (const groupId of new Set(groupIds)) out.set(groupId, await this.describeGroup(groupId));
    return groupIds.map((g) => out.get(g)!);
  }

  /**
   * The committed offsets of `groupId` on every topic (OffsetFetch), sorted by topic and
   * partition; partitions without a committed offset are left out, and a group that does not
   * exist has none.
   */
  async listGroupOffsets(groupId: string): Promise<CommittedOffset[]> {
    return this.withCoordinator(groupId, "OffsetFetch", async (conn) => {
      const { version, response } = await conn.request(
        ApiKey.OffsetFetch,
        (v) => (v >= 8 ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }], requireStable: false } : { groupId, topics: null, requireStable: false }),
        // v0-1 cannot ask for every topic (a null topic list arrived in v2).
        { minVersion: 2 },
      );
      const group = version >= 8 ? response.groups.find((g) => g.groupId === groupId) : { errorCode: response.errorCode, topics: response.topics };
      if (group === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered OffsetFetch without group '${groupId}'`, { details: { groupId } });
      if (group.errorCode === KafkaErrors.GROUP_ID_NOT_FOUND.code) return [];
      if (group.errorCode !== KafkaErrors.NONE.code) throw kafkaError(group.errorCode, `OffsetFetch of group '${groupId}' at ${conn.address}`);
      const offsets: CommittedOffset[] = [];
      for (const t of group.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== KafkaErrors.NONE.code) throw kafkaError(p.errorCode, `OffsetFetch of group '${groupId}', ${t.name}-${p.partitionIndex}, at ${conn.address}`);
          if (p.committedOffset < 0) continue;
          offsets.push({
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch < 0 ? null : p.committedLeaderEpoch,
            metadata: p.metadata,
          });
        }
      }
      return offsets.sort(compareTopicPartitions);
    });
  }

  /**
   * The earliest, latest or first-at-or-after-a-timestamp offset of each partition
   * (ListOffsets to each partition's leader), in the order asked. Throws NOT_FOUND for a topic
   * or partition that does not exist.
   */
  async listOffsets(partitions: readonly TopicPartition[], spec: OffsetSpec): Promise<ListedOffset[]> {
    if (partitions.length === 0) return [];
    const timestamp = spec === "earliest" ? EARLIEST_TIMESTAMP : spec === "latest" ? LATEST_TIMESTAMP : spec.timestamp;
    if (!Number.isSafeInteger(timestamp) || (typeof spec === "object" && timestamp < 0)) {
      throw new WeirError("INVALID_ARGUMENT", `a ListOffsets timestamp must be a non-negative integer of ms since the epoch, got ${timestamp}`, { details: { timestamp } });
    }
    const results = await this.cluster.retry(`ListOffsets of ${partitions.length} partition(s)`, async () => {
      const leaders = await this.leadersOf(partitions);
      const found = new Map<string, ListedOffset>();
      for (const [leader, group] of groupBy(partitions, (tp) => leaders.get(`${tp.topic}\0${tp.partition}`)!)) {
        const conn = await this.cluster.connectionTo(leader);
        const { version, response } = await conn.request(
          ApiKey.ListOffsets,
          () => ({
            replicaId: -1,
            isolationLevel: 0,
            timeoutMs: this.cluster.operationTimeoutMs,
            topics: [...groupBy(group, (tp) => tp.topic)].map(([name, ps]) => ({
              name,
              partitions: ps.map((p) => ({ partitionIndex: p.partition, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })),
            })),
          }),
          // v0 answers lists of old-style offsets and cannot say which timestamp matched.
          { minVersion: conn.brokerVersions(ApiKey.ListOffsets)?.max === 0 ? 0 : 1 },
        );
        for (const t of response.topics) {
          for (const p of t.partitions) {
            if (p.errorCode !== KafkaErrors.NONE.code) throw kafkaError(p.errorCode, `ListOffsets of ${t.name}-${p.partitionIndex} at ${conn.address}`);
            const offset = version === 0 ? (p.oldStyleOffsets[0] ?? -1) : p.offset;
            found.set(`${t.name}\0${p.partitionIndex}`, {
              topic: t.name,
              partition: p.partitionIndex,
              offset: offset < 0 ? null : offset,
              timestamp: version === 0 || p.timestamp < 0 || typeof spec !== "object" ? null : p.timestamp,
            });
          }
        }
      }
      return found;
    });
    return partitions.map((tp) => {
      const r = results.get(`${tp.topic}\0${tp.partition}`);
      if (r === undefined) throw new WeirError("PROTOCOL_DECODE", `ListOffsets answered nothing for ${tp.topic}-${tp.partition}`, { details: { ...tp } });
      return r;
    });
  }

  /**
   * Commits `offsets` for `groupId` from outside the group (OffsetCommit with generation -1 and
   * no member id, as kafka-consumer-groups.sh does). Refuses, before sending anything, when the
   * group has members (state other than Empty or Dead): their next commit would overwrite these
   * offsets, and before that, when a topic or partition does not exist (NOT_FOUND). A group that
   * does not exist is created holding just these offsets.
   */
  async commitOffsets(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    await this.assertGroupInactive(groupId);
    if (offsets.length === 0) return;
    await this.leadersOf(offsets);
    await this.withCoordinator(groupId, "OffsetCommit", async (conn) => {
      const { response } = await conn.request(ApiKey.OffsetCommit, () => ({
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: "",
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [...groupBy(offsets, (o) => o.topic)].map(([name, ps]) => ({
          name,
          partitions: ps.map((p) => ({ partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: p.metadata ?? "" })),
        })),
      }));
      const failed = response.topics.flatMap((t) => t.partitions.filter((p) => p.errorCode !== KafkaErrors.NONE.code).map((p) => ({ topic: t.name, ...p })));
      if (failed.length === 0) return;
      const first = failed[0];
      const where = failed.map((f) => `${f.topic}-${f.partitionIndex}`).join(", ");
      throw kafkaError(first.errorCode, `OffsetCommit of group '${groupId}' at ${conn.address} failed for ${where}`);
    });
  }

  /**
   * Throws IO (details.kafkaError NON_EMPTY_GROUP) when `groupId` has members; returns its
   * description otherwise.
   */
  async assertGroupInactive(groupId: string): Promise<GroupDescription> {
    const [g] = await this.describeGroups([groupId]);
    if (!INACTIVE_GROUP_STATES.has(g.state)) {
      throw new WeirError("IO", `group '${groupId}' has active members (state ${g.state}, ${g.members.length} member(s)); stop them before resetting offsets`, {
        details: { groupId, state: g.state, members: g.members.length, kafkaError: KafkaErrors.NON_EMPTY_GROUP.name, kafkaErrorCode: KafkaErrors.NON_EMPTY_GROUP.code },
      });
    }
    return g;
  }

  /**
   * Deletes groups with their committed offsets (DeleteGroups to each coordinator). Errors are
   * per group: a group with members is NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.
   */
  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupResult[]> {
    const results: DeleteGroupResult[] = [];
    for (const groupId of groupIds) {
      try {
        await this.withCoordinator(groupId, "DeleteGroups", async (conn) => {
          const { response } = await conn.request(ApiKey.DeleteGroups, () => ({ groupsNames: [groupId] }));
          const r = response.results.find((x) => x.groupId === groupId);
          if (r === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered DeleteGroups without group '${groupId}'`, { details: { groupId } });
          if (r.errorCode !== KafkaErrors.NONE.code) throw kafkaError(r.errorCode, `DeleteGroups of group '${groupId}' at ${conn.address}`);
        });
        results.push({ groupId, error: null });
      } catch (e) {
        if (!(e instanceof WeirError) || e.details.kafkaError === undefined) throw e;
        results.push({ groupId, error: e });
      }
    }
    return results;
  }

  /**
   * Creates topics (CreateTopics to any broker, which Kafka forwards to its controller) and
   * waits until the leader of each of their partitions answers. Throws ALREADY_EXISTS for a topic
   * that exists.
   */
  async createTopics(topics: readonly NewTopic[]): Promise<void> {
    if (topics.length === 0) return;
    const conn = await this.cluster.anyConnection();
    const { response } = await conn.request(ApiKey.CreateTopics, () => ({
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor ?? 1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: this.cluster.operationTimeoutMs,
      validateOnly: false,
    }));
    for (const t of response.topics) {
      if (t.errorCode !== KafkaErrors.NONE.code) throw kafkaError(t.errorCode, `CreateTopics of '${t.name}' at ${conn.address}`, t.errorMessage);
    }
    const names = topics.map((t) => t.name);
    const md = await this.cluster.retry(`waiting for the leaders of ${names.join(", ")}`, async () => {
      const found = await this.cluster.metadata(names);
      if (found.missing.length > 0) throw kafkaError(KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, `Metadata of new topic(s) ${found.missing.join(", ")}`);
      return found;
    });
    // Kafka lists a leader in Metadata a moment before that broker acts as one (it answers
    // NOT_LEADER_OR_FOLLOWER meanwhile); a ListOffsets answered by every leader (retried until
    // then) means the topics are ready for use. The partition counts come from Metadata, since
    // `partitions: -1` asks for the broker's default.
    await this.listOffsets(
      md.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition }))),
      "latest",
    );
  }

  /** Describes topics (null: all of them, internal ones flagged); NOT_FOUND for a missing named one. See topic-admin.ts. */
  describeTopics(names: readonly string[] | null): Promise<topicAdmin.TopicDescription[]> {
    return topicAdmin.describeTopics(this, names);
  }

  /** Deletes topics, with a result per topic, and waits until Metadata drops them. See topic-admin.ts. */
  deleteTopics(names: readonly string[]): Promise<topicAdmin.DeleteTopicResult[]> {
    return topicAdmin.deleteTopics(this, names);
  }

  /** Every config of each topic with its source (DescribeConfigs). See topic-admin.ts. */
  describeTopicConfigs(topics: readonly string[]): Promise<topicAdmin.TopicConfigEntry[][]> {
    return topicAdmin.describeTopicConfigs(this, topics);
  }

  /** Sets and deletes config overrides of a topic (IncrementalAlterConfigs). See topic-admin.ts. */
  alterTopicConfigs(topic: string, changes: readonly topicAdmin.ConfigChange[]): Promise<void> {
    return topicAdmin.alterTopicConfigs(this, topic, changes);
  }

  /** Grows a topic to `count` partitions (CreatePartitions) and waits for their leaders. See topic-admin.ts. */
  createPartitions(topic: string, count: number): Promise<void> {
    return topicAdmin.createPartitions(this, topic, count);
  }

  /**
   * The leader of each partition ("topic\0partition" → node id), from Metadata. Throws NOT_FOUND,
   * without retrying, for a topic or partition that does not exist.
   */
  private async leadersOf(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const md = await this.cluster.metadata([...new Set(partitions.map((p) => p.topic))]);
    const leaders = new Map<string, number>();
    for (const t of md.topics) for (const p of t.partitions) leaders.set(`${t.name}\0${p.partition}`, p.leaderId);
    for (const tp of partitions) {
      if (md.missing.includes(tp.topic)) throw new WeirError("NOT_FOUND", `topic '${tp.topic}' does not exist`, { details: { topic: tp.topic } });
      if (!leaders.has(`${tp.topic}\0${tp.partition}`)) {
        const count = md.topics.find((t) => t.name === tp.topic)?.partitions.length ?? 0;
        throw new WeirError("NOT_FOUND", `topic '${tp.topic}' has no partition ${tp.partition} (it has ${count}: 0-${count - 1})`, { details: { ...tp, partitions: count } });
      }
    }
    return leaders;
  }

  /** DescribeGroups of one group at its coordinator. */
  private describeGroup(groupId: string): Promise<GroupDescription> {
    return this.withCoordinator(groupId, "DescribeGroups", async (conn, coordinator) => {
      const { response } = await conn.request(ApiKey.DescribeGroups, () => ({ groups: [groupId], includeAuthorizedOperations: false }));
      const g = response.groups.find((x) => x.groupId === groupId);
      if (g === undefined) throw new WeirError("PROTOCOL_DECODE", `${conn.address} answered DescribeGroups without group '${groupId}'`, { details: { groupId } });
      if (g.errorCode === KafkaErrors.GROUP_ID_NOT_FOUND.code) return { groupId, state: "Dead", protocolType: "", protocol: "", coordinator, members: [] };
      if (g.errorCode !== KafkaErrors.NONE.code) throw kafkaError(g.errorCode, `DescribeGroups of group '${groupId}' at ${conn.address}`);
      return {
        groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        coordinator,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          metadataBytes: m.memberMetadata,
          assignmentBytes: m.memberAssignment,
          subscription: decodeOrNull(g.protocolType, m.memberMetadata, decodeSubscription, true),
          assignment: decodeOrNull(g.protocolType, m.memberAssignment, decodeAssignment, false),
        })),
      };
    });
  }

  /**
   * Runs `call` against the coordinator of `groupId`, retrying retriable errors; after
   * NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE the coordinator is looked up again.
   */
  private withCoordinator<T>(groupId: string, api: string, call: (conn: Connection, coordinator: BrokerNode) => Promise<T>): Promise<T> {
    return this.cluster.retry(`${api} of group '${groupId}'`, async () => {
      const coordinator = await this.cluster.findCoordinator(groupId);
      try {
        return await call(await this.cluster.connectionTo(coordinator), coordinator);
      } catch (e) {
        const code = e instanceof WeirError ? e.details.kafkaErrorCode : undefined;
        if (typeof code === "number" && COORDINATOR_MOVED.has(code)) this.cluster.forgetCoordinator(groupId);
        if (e instanceof WeirError && (e.code === "IO" || e.code === "CLOSED") && e.details.kafkaError === undefined) this.cluster.forgetCoordinator(groupId);
        throw e;
      }
    });
  }
}
