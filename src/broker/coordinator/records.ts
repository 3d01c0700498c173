/**
 * The records of `__consumer_offsets`, in Apache Kafka's own formats, so tools that read Kafka's
 * offsets topic read Weir's too. Keys and values start with an int16 version:
 *
 *   key version 0-1  OffsetCommitKey     => group:STRING topic:STRING partition:INT32
 *   key version 2    GroupMetadataKey    => group:STRING
 *   OffsetCommitValue (v3)  => offset:INT64 leaderEpoch:INT32 metadata:STRING commitTimestamp:INT64
 *   GroupMetadataValue (v3) => protocolType:STRING generation:INT32 protocol:NULLABLE_STRING
 *                              leader:NULLABLE_STRING currentStateTimestamp:INT64
 *                              [memberId groupInstanceId clientId clientHost rebalanceTimeout
 *                               sessionTimeout subscription:BYTES assignment:BYTES]
 *
 * A null value (tombstone) deletes the key; compaction then drops it. Weir writes the versions
 * above and reads every non-flexible version; records of other key versions (Kafka's newer
 * coordinator writes some) are skipped.
 */
import { Reader } from "../../protocol/primitives/reader.js";
import { Writer } from "../../protocol/primitives/writer.js";
import { decode, encode, message, t } from "../../protocol/schema/index.js";
import type { Decoded, Encodable } from "../../protocol/schema/index.js";
import { WeirError } from "../../util/errors.js";

// Kafka's generator calls these "data" messages; they have no API key, and the schema type only
// labels them.
const OffsetCommitKey = message({
  name: "OffsetCommitKey",
  apiKey: -1,
  type: "header",
  validVersions: "0-1",
  flexibleVersions: "none",
  fields: { group: t.string("0+"), topic: t.string("0+"), partition: t.int32("0+") },
});

const OffsetCommitValue = message({
  name: "OffsetCommitValue",
  apiKey: -1,
  type: "header",
  validVersions: "0-3",
  flexibleVersions: "none",
  fields: {
    offset: t.int64("0+"),
    leaderEpoch: t.int32("3+", { default: -1 }),
    metadata: t.string("0+"),
    commitTimestamp: t.int64("0+"),
    expireTimestamp: t.int64("1", { default: -1 }),
  },
});

const GroupMetadataKey = message({
  name: "GroupMetadataKey",
  apiKey: -1,
  type: "header",
  validVersions: "2",
  flexibleVersions: "none",
  fields: { group: t.string("2") },
});

const GroupMetadataValue = message({
  name: "GroupMetadataValue",
  apiKey: -1,
  type: "header",
  validVersions: "0-3",
  flexibleVersions: "none",
  fields: {
    protocolType: t.string("0+"),
    generation: t.int32("0+"),
    protocol: t.string("0+", { nullableVersions: "0+" }),
    leader: t.string("0+", { nullableVersions: "0+" }),
    currentStateTimestamp: t.int64("2+", { default: -1 }),
    members: t.array("0+", {
      memberId: t.string("0+"),
      groupInstanceId: t.string("3+", { nullableVersions: "3+", default: null }),
      clientId: t.string("0+"),
      clientHost: t.string("0+"),
      rebalanceTimeout: t.int32("1+", { default: -1 }),
      sessionTimeout: t.int32("0+"),
      subscription: t.bytes("0+"),
      assignment: t.bytes("0+"),
    }),
  },
});

const OFFSET_KEY_VERSION = 1;
const OFFSET_VALUE_VERSION = 3;
const GROUP_KEY_VERSION = 2;
const GROUP_VALUE_VERSION = 3;

/** A committed offset as stored. */
export type OffsetCommitValue = Decoded<typeof OffsetCommitValue>;
/** A group's membership as stored. */
export type GroupMetadataValue = Decoded<typeof GroupMetadataValue>;
/** What {@link groupValue} accepts. */
export type GroupMetadataValueInput = Encodable<typeof GroupMetadataValue>;

/** The key of a group's committed offset for one partition. */
export function offsetKey(group: string, topic: string, partition: number): Buffer {
  const w = new Writer(64).int16(OFFSET_KEY_VERSION);
  return encode(OffsetCommitKey, OFFSET_KEY_VERSION, { group, topic, partition }, w).toBuffer();
}

/** The value of a committed offset. */
export function offsetValue(v: { offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number }): Buffer {
  const w = new Writer(64).int16(OFFSET_VALUE_VERSION);
  return encode(OffsetCommitValue, OFFSET_VALUE_VERSION, v, w).toBuffer();
}

/** The key of a group's membership record. */
export function groupKey(group: string): Buffer {
  const w = new Writer(32).int16(GROUP_KEY_VERSION);
  return encode(GroupMetadataKey, GROUP_KEY_VERSION, { group }, w).toBuffer();
}

/** The value of a group's membership record. */
export function groupValue(v: GroupMetadataValueInput): Buffer {
  const w = new Writer(256).int16(GROUP_VALUE_VERSION);
  return encode(GroupMetadataValue, GROUP_VALUE_VERSION, v, w).toBuffer();
}

/** A decoded key of the offsets topic. */
export type OffsetsTopicKey =
  | { kind: "offset"; group: string; topic: string; partition: number }
  | { kind: "group"; group: string }
  | { kind: "other"; version: number };

/** Decodes a whole buffer as `m` at `version`; trailing bytes are corruption. */
function decodeAll<M extends Parameters<typeof decode>[0]>(m: M, version: number, r: Reader): Decoded<M> {
  const v = decode(m, version, r);
  if (r.remaining() !== 0) throw new WeirError("LOG_CORRUPT", `${m.name} v${version} has ${r.remaining()} trailing bytes`);
  return v;
}

/** Decodes a record key of the offsets topic; throws PROTOCOL_DECODE / LOG_CORRUPT when malformed. */
export function decodeKey(key: Buffer): OffsetsTopicKey {
  const r = new Reader(key);
  const version = r.int16();
  if (version === 0 || version === 1) return { kind: "offset", ...decodeAll(OffsetCommitKey, version, r) };
  if (version === GROUP_KEY_VERSION) return { kind: "group", ...decodeAll(GroupMetadataKey, version, r) };
  return { kind: "other", version };
}

/** Decodes an offset value (versions 0-3); throws when malformed or of another version. */
export function decodeOffsetValue(value: Buffer): OffsetCommitValue {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > OFFSET_VALUE_VERSION) throw new WeirError("LOG_CORRUPT", `unsupported OffsetCommitValue version ${version}`);
  return decodeAll(OffsetCommitValue, version, r);
}

/** Decodes a group value (versions 0-3); throws when malformed or of another version. */
export function decodeGroupValue(value: Buffer): GroupMetadataValue {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > GROUP_VALUE_VERSION) throw new WeirError("LOG_CORRUPT", `unsupported GroupMetadataValue version ${version}`);
  return decodeAll(GroupMetadataValue, version, r);
}
