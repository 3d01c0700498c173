/**
 * The consumer embedded protocol (src/protocol/consumer-protocol.ts): round trips of every
 * version, bytes written by kafkajs, bytes of a newer version, and malformed input.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import fc from "fast-check";
import { AssignerProtocol } from "kafkajs";
import {
  CONSUMER_PROTOCOL_VERSION_MAX,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  subscriptionTopics,
} from "../../src/protocol/consumer-protocol.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { isWeirError } from "../../src/util/errors.js";


const topicName = fc.string({ minLength: 1, maxLength: 20 });
const topicPartitions = fc.array(
  fc.record({ topic: topicName, partitions: fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 5 }) }).map((r) => ({ ...r })),
  { maxLength: 4 },
);
const userData = fc.option(fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)), { nil: null });

describe("consumer protocol", () => {
  it("round-trips subscriptions at every version, keeping the fields the version has", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: CONSUMER_PROTOCOL_VERSION_MAX }),
        fc.array(topicName, { maxLength: 5 }),
        userData,
        topicPartitions,
        fc.integer({ min: -1, max: 1000 }),
        fc.option(fc.string({ maxLength: 8 }), { nil: null }),
        (version, topics, ud, owned, generationId, rackId) => {
          const s = decodeSubscription(encodeSubscription({ topics, userData: ud, ownedPartitions: owned, generationId, rackId }, version));
          assert.equal(s.version, version);
          assert.deepEqual(s.topics, topics);
          assert.deepEqual(s.userData, ud);
          assert.deepEqual(s.ownedPartitions, version >= 1 ? owned : []);
          assert.equal(s.generationId, version >= 2 ? generationId : -1);
          assert.equal(s.rackId, version >= 3 ? rackId : null);
        },
      ),
    );
  });

  it("round-trips assignments at every version", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: CONSUMER_PROTOCOL_VERSION_MAX }), topicPartitions, userData, (version, partitions, ud) => {
        assert.deepEqual(decodeAssignment(encodeAssignment(partitions, ud, version)), { version, partitions, userData: ud });
      }),
    );
  });

  it("reads what kafkajs writes, including version 1 metadata that carries only version 0's fields", () => {
    const metadata = AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ["a", "b"], userData: Buffer.from("ud") });
    const s = decodeSubscription(metadata);
    assert.deepEqual([s.version, s.topics, s.userData], [1, ["a", "b"], Buffer.from("ud")]);
    assert.deepEqual(subscriptionTopics(metadata), ["a", "b"]);
    const assignment = AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: { a: [0, 2], b: [1] }, userData: Buffer.alloc(0) });
    assert.deepEqual(decodeAssignment(assignment).partitions, [
      { topic: "a", partitions: [0, 2] },
      { topic: "b", partitions: [1] },
    ]);
    // And kafkajs reads what this module writes.
    assert.deepEqual(AssignerProtocol.MemberAssignment.decode(encodeAssignment([{ topic: "a", partitions: [3] }]))?.assignment, { a: [3] });
  });

  it("reads bytes of a newer version as the newest known, ignoring fields appended since", () => {
    const w = new Writer().int16(9);
    const known = encodeSubscription({ topics: ["t"], rackId: "r1" }).subarray(2);
    const bytes = Buffer.concat([w.toBuffer(), known, Buffer.from([1, 2, 3, 4])]);
    const s = decodeSubscription(bytes);
    assert.deepEqual([s.version, s.topics, s.rackId], [9, ["t"], "r1"]);
  });

  it("treats empty assignment bytes as no partitions and refuses malformed bytes", () => {
    assert.deepEqual(decodeAssignment(Buffer.alloc(0)), { version: 0, partitions: [], userData: null });
    for (const bad of [Buffer.from([0xff, 0xff, 0, 0, 0, 0]), Buffer.from([0, 0, 0, 0, 0, 5, 0]), Buffer.from([0])]) {
      assert.throws(() => decodeSubscription(bad), (e: unknown) => isWeirError(e, "PROTOCOL_DECODE") || isWeirError(e, "LIMIT_EXCEEDED"));
      assert.throws(() => decodeAssignment(bad), (e: unknown) => isWeirError(e, "PROTOCOL_DECODE") || isWeirError(e, "LIMIT_EXCEEDED"));
    }
    assert.equal(subscriptionTopics(Buffer.from([0xff, 0xff])), null);
  });
});
