/**
 * The over-the-wire client: Weir's own Kafka client, built on its codec (src/protocol), for any
 * Kafka-compatible cluster (Apache Kafka 4.x, Weir, ...).
 *
 * - {@link Connection}: one broker connection; framing, pipelining, timeouts, ApiVersions.
 * - {@link Cluster}: bootstrap, Metadata, pooled connections, group coordinators, retries.
 * - {@link AdminClient}: groups and offsets (list, describe, OffsetFetch, ListOffsets,
 *   OffsetCommit from outside a group, DeleteGroups, CreateTopics).
 * - {@link describeGroupOffsets}, {@link planOffsetReset}, {@link applyOffsetReset}: what
 *   kafka-consumer-groups.sh does, as functions.
 * - {@link GroupMember}: a classic-protocol consumer-group member (join, sync, heartbeat, leave).
 * - Topic administration on {@link AdminClient} (topic-admin.ts): describe, delete, configs,
 *   partition growth — what kafka-topics.sh and kafka-configs.sh do.
 * - {@link Producer}: batching, Kafka's default partitioner ({@link murmur2}), compression, over a
 *   {@link ProduceSink} (RemoteLogClient for idempotent acks=all, {@link LeaderProduceSink}).
 * - {@link TopicReader} and {@link commitMemberOffsets}: a consumer's fetch loop and a group
 *   member's commits.
 */
export { Connection, connectionDefaults } from "./connection.js";
export type { ApiVersionRange, ConnectionOptions, NegotiatedRequestOptions, RequestOptions } from "./connection.js";
export { Cluster, clusterDefaults, formatAddress, parseBootstrap } from "./cluster.js";
export type { BrokerAddress, BrokerNode, ClusterMetadata, ClusterOptions, PartitionMetadata, TopicMetadata } from "./cluster.js";
export { AdminClient, INACTIVE_GROUP_STATES, compareTopicPartitions } from "./admin.js";
export type {
  CommittedOffset,
  DeleteGroupResult,
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  ListedOffset,
  NewTopic,
  OffsetSpec,
  OffsetToCommit,
  TopicPartition,
} from "./admin.js";
export {
  applyOffsetReset,
  computeReset,
  describeGroupOffsets,
  groupNotFound,
  parseIsoDateTime,
  parseTopicSelection,
  planOffsetReset,
} from "./group-offsets.js";
export type { GroupOffsetRow, GroupOffsetsReport, ResetFacts, ResetPlan, ResetPlanRow, ResetSpec, TopicSelection } from "./group-offsets.js";
export { topicNotFound } from "./topic-admin.js";
export type { ConfigChange, ConfigSourceName, DeleteTopicResult, TopicConfigEntry, TopicDescription } from "./topic-admin.js";
export { GroupMember, RANGE_ASSIGNOR, rangeAssign } from "./group-member.js";
export type { GroupMemberOptions, MemberAssignment } from "./group-member.js";
export { kafkaError, kafkaErrorNameOf, throwIfKafkaError } from "./errors.js";
export {
  CONSUMER_PROTOCOL_TYPE,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type ConsumerAssignment,
  type ConsumerSubscription,
  type TopicPartitions,
} from "../../protocol/consumer-protocol.js";
export { LeaderProduceSink, Producer, murmur2, partitionForKey, producerDefaults } from "./producer.js";
export type { PartitionProduced, ProduceSink, ProducerOptions, ProducerRecord } from "./producer.js";
export { TopicReader, commitMemberOffsets } from "./consumer.js";
export type { ConsumedRecord, FetchSource, MemberGeneration, TopicReaderOptions } from "./consumer.js";
