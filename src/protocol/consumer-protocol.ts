/**
 * Kafka's consumer embedded protocol: what consumers put in JoinGroup's member metadata (their
 * subscription) and what the leader hands out in SyncGroup (each member's assignment). The broker
 * stores both as opaque bytes; the coordinator reads a subscription's topics (OffsetDelete needs
 * them), admin tools decode both to show who owns which partition, and a group member encodes them.
 *
 *   ConsumerProtocolSubscription => Version:int16 Topics:[STRING] UserData:NULLABLE_BYTES
 *                                   OwnedPartitions (v1+) GenerationId:int32 (v2+) RackId:NULLABLE_STRING (v3+)
 *     OwnedPartitions => [Topic:STRING Partitions:[INT32]]
 *   ConsumerProtocolAssignment => Version:int16 AssignedPartitions:[Topic:STRING Partitions:[INT32]]
 *                                 UserData:NULLABLE_BYTES
 *
 * Neither is ever flexible. Versions only append fields, so bytes of a version newer than the
 * newest one known here are read as the newest known (Kafka's ConsumerProtocol does the same) and
 * trailing bytes are ignored.
 */
import { WeirError, isWeirError } from "../util/errors.js";
import { Reader } from "./primitives/reader.js";
import { Writer } from "./primitives/writer.js";
import { decode, encode, message, t, type Decoded } from "./schema/index.js";

/** The protocol type of Kafka consumers' groups (JoinGroup's ProtocolType). */
export const CONSUMER_PROTOCOL_TYPE = "consumer";

/** The newest version of the subscription and assignment schemas known here. */
export const CONSUMER_PROTOCOL_VERSION_MAX = 3;

const topicPartitions = {
  topic: t.string("0+"),
  partitions: t.array("0+", "int32"),
};

/** ConsumerProtocolSubscription (member metadata), after its int16 version. */
const SubscriptionSchema = message({
  name: "ConsumerProtocolSubscription",
  apiKey: -1,
  type: "header",
  validVersions: "0-3",
  flexibleVersions: "none",
  fields: {
    topics: t.array("0+", "string"),
    userData: t.bytes("0+", { nullableVersions: "0+", default: null }),
    ownedPartitions: t.array("1+", topicPartitions),
    generationId: t.int32("2+", { default: -1 }),
    rackId: t.string("3+", { nullableVersions: "3+", default: null }),
  },
});

/** ConsumerProtocolAssignment (a member's share), after its int16 version. */
const AssignmentSchema = message({
  name: "ConsumerProtocolAssignment",
  apiKey: -1,
  type: "header",
  validVersions: "0-3",
  flexibleVersions: "none",
  fields: {
    assignedPartitions: t.array("0+", topicPartitions),
    userData: t.bytes("0+", { nullableVersions: "0+", default: null }),
  },
});

/** Partitions of one topic. */
export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** A consumer's subscription, as sent in JoinGroup's member metadata. */
export interface ConsumerSubscription {
  /** The version the bytes were written with. */
  version: number;
  topics: string[];
  userData: Buffer | null;
  /** Partitions the member owned before this rebalance (v1+; empty before). */
  ownedPartitions: TopicPartitions[];
  /** The generation of `ownedPartitions` (v2+; -1 before). */
  generationId: number;
  /** The member's rack (v3+; null before). */
  rackId: string | null;
}

/** A member's assignment, as handed out in SyncGroup. */
export interface ConsumerAssignment {
  /** The version the bytes were written with. */
  version: number;
  partitions: TopicPartitions[];
  userData: Buffer | null;
}

/** Reads the int16 version prefix; a negative one is not consumer-protocol data. */
function readVersion(r: Reader, what: string): number {
  const version = r.int16();
  if (version < 0) {
    throw new WeirError("PROTOCOL_DECODE", `${what} has a negative version ${version}`, { details: { version } });
  }
  return version;
}

/**
 * Decodes the body after the version prefix as the newest known version the bytes hold. Some
 * clients label their bytes with a version whose fields they do not write (kafkajs writes
 * `MemberMetadata` version 1 with only version 0's fields), so when the labelled version does not
 * decode, lower ones are tried; the error of the labelled version is thrown if none does.
 */
function decodeLenient<M extends typeof SubscriptionSchema | typeof AssignmentSchema>(schema: M, version: number, bytes: Buffer): Decoded<M> {
  let first: unknown;
  for (let v = Math.min(version, CONSUMER_PROTOCOL_VERSION_MAX); v >= 0; v--) {
    try {
      return decode(schema, v, new Reader(bytes, 2));
    } catch (e) {
      if (!isWeirError(e)) throw e;
      first ??= e;
    }
  }
  throw first;
}

/**
 * Decodes a subscription (JoinGroup member metadata, DescribeGroups' member_metadata). Throws
 * PROTOCOL_DECODE for bytes that are not one.
 */
export function decodeSubscription(bytes: Buffer): ConsumerSubscription {
  const r = new Reader(bytes);
  const version = readVersion(r, "consumer subscription");
  const s = decodeLenient(SubscriptionSchema, version, bytes);
  return {
    version,
    topics: s.topics,
    userData: s.userData,
    ownedPartitions: s.ownedPartitions.map((p) => ({ topic: p.topic, partitions: p.partitions })),
    generationId: s.generationId,
    rackId: s.rackId,
  };
}

/**
 * Decodes an assignment (SyncGroup's assignment, DescribeGroups' member_assignment). Empty bytes
 * are an empty assignment (what a coordinator gives a member that got nothing). Throws
 * PROTOCOL_DECODE for bytes that are not one.
 */
export function decodeAssignment(bytes: Buffer): ConsumerAssignment {
  if (bytes.length === 0) return { version: 0, partitions: [], userData: null };
  const version = readVersion(new Reader(bytes), "consumer assignment");
  const a = decodeLenient(AssignmentSchema, version, bytes);
  return { version, partitions: a.assignedPartitions.map((p) => ({ topic: p.topic, partitions: p.partitions })), userData: a.userData };
}

/** Encodes a subscription at `version` (default the newest); fields the version lacks are left out. */
export function encodeSubscription(s: Partial<ConsumerSubscription> & { topics: string[] }, version = CONSUMER_PROTOCOL_VERSION_MAX): Buffer {
  const w = new Writer(64).int16(version);
  encode(
    SubscriptionSchema,
    version,
    {
      topics: s.topics,
      userData: s.userData ?? null,
      ownedPartitions: s.ownedPartitions ?? [],
      generationId: s.generationId ?? -1,
      rackId: s.rackId ?? null,
    },
    w,
  );
  return w.toBuffer();
}

/** Encodes an assignment at `version` (default the newest). */
export function encodeAssignment(partitions: readonly TopicPartitions[], userData: Buffer | null = null, version = CONSUMER_PROTOCOL_VERSION_MAX): Buffer {
  const w = new Writer(64).int16(version);
  encode(AssignmentSchema, version, { assignedPartitions: partitions.map((p) => ({ topic: p.topic, partitions: p.partitions })), userData }, w);
  return w.toBuffer();
}

/**
 * The topics of a subscription, or null when the bytes are not one. Lenient on purpose: the
 * topics come first in every version, so they are read even when later fields are cut short or
 * malformed (the coordinator only needs the topics, and must not fail on a client's odd bytes).
 */
export function subscriptionTopics(metadata: Buffer): string[] | null {
  try {
    const r = new Reader(metadata);
    if (r.int16() < 0) return null;
    // A topic name takes at least its 2-byte length, which bounds the count before allocating.
    const count = r.arrayLength(2);
    if (count < 0) return null;
    const topics: string[] = [];
    for (let i = 0; i < count; i++) topics.push(r.string());
    return topics;
  } catch {
    return null;
  }
}
