import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GroupCoordinator, OFFSETS_TOPIC } from "../../../src/broker/coordinator/index.js";
import type { GroupCoordinatorConfig } from "../../../src/broker/coordinator/index.js";
import { decodeGroupValue, decodeKey, decodeOffsetValue, groupKey, offsetKey, offsetValue } from "../../../src/broker/coordinator/records.js";
import type { GroupMetadataValue } from "../../../src/broker/coordinator/records.js";
import { batchesIn, iterateRecords } from "../../../src/protocol/records/index.js";
import { LogManager, MemoryFs } from "../../../src/log/index.js";
import { KafkaErrors as E } from "../../../src/protocol/errors.js";
import { subscription } from "./sim.js";

const DAY = 24 * 60 * 60 * 1000;
const config: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 1000,
  maxSessionTimeoutMs: 60_000,
  offsetsRetentionMs: 7 * DAY,
  offsetsRetentionCheckIntervalMs: 600_000,
};

/** A coordinator over a log on `fs`, with a controllable clock. */
async function open(fs: MemoryFs, clock = { t: 1_000_000 }): Promise<{ log: LogManager; groups: GroupCoordinator; clock: { t: number } }> {
  const log = await LogManager.open({ dataDir: "/data", fs });
  const groups = await GroupCoordinator.open(log, { config, now: () => clock.t, onError: (e) => assert.fail(e instanceof Error ? e : String(e)) });
  return { log, groups, clock };
}

const member = (groupId: string, generationId = -1, memberId = ""): { groupId: string; generationId: number; memberId: string; groupInstanceId: null } => ({ groupId, generationId, memberId, groupInstanceId: null });

describe("__consumer_offsets records", () => {
  it("uses Kafka's formats: key v1 (group, topic, partition), value v3", () => {
    const key = offsetKey("g", "t", 3);
    assert.deepEqual(key, Buffer.from([0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 3]));
    assert.deepEqual(decodeKey(key), { kind: "offset", group: "g", topic: "t", partition: 3 });
    const value = offsetValue({ offset: 42, leaderEpoch: 5, metadata: "m", commitTimestamp: 7 });
    assert.equal(value.readInt16BE(0), 3);
    assert.deepEqual(decodeOffsetValue(value), { offset: 42, leaderEpoch: 5, metadata: "m", commitTimestamp: 7, expireTimestamp: -1 });
    assert.deepEqual(decodeKey(groupKey("grp")), { kind: "group", group: "grp" });
    assert.deepEqual(decodeKey(Buffer.from([0, 9, 1, 2])), { kind: "other", version: 9 });
    assert.throws(() => decodeOffsetValue(Buffer.from([0, 3, 0])));
  });
});

describe("group coordinator over the offsets topic", () => {
  it("creates __consumer_offsets as a compacted, internal topic", async () => {
    const { log, groups } = await open(new MemoryFs());
    const d = log.describeTopic(OFFSETS_TOPIC);
    assert.equal(d.partitions, 1);
    assert.equal(d.config.cleanupPolicy.compact, true);
    assert.equal(d.config.flush.kind, "every-append");
    groups.close();
    await log.close();
  });

  it("keeps acknowledged commits and their metadata through a machine crash", async () => {
    const fs = new MemoryFs();
    const a = await open(fs);
    await a.log.createTopic("t", 2);
    const codes = await a.groups.commitOffsets(member("g"), 8, [
      { topic: "t", partition: 0, offset: 10, leaderEpoch: 3, metadata: "hello" },
      { topic: "t", partition: 1, offset: 20, leaderEpoch: -1, metadata: null },
    ]);
    assert.deepEqual(codes, [0, 0]);
    a.groups.close();
    // Only what was fsynced survives: an acknowledged commit must have been.
    fs.crash("lose-unsynced");
    const b = await open(fs);
    assert.deepEqual(b.groups.fetchOffsets("g", [{ name: "t", partitions: [0, 1, 2] }]), [
      {
        name: "t",
        partitions: [
          { partition: 0, offset: 10, leaderEpoch: 3, metadata: "hello" },
          { partition: 1, offset: 20, leaderEpoch: -1, metadata: "" },
          { partition: 2, offset: -1, leaderEpoch: -1, metadata: "" },
        ],
      },
    ]);
    assert.deepEqual(b.groups.listGroups(), [{ groupId: "g", protocolType: "", state: "Empty" }]);
    b.groups.close();
    await b.log.close();
  });

  it("restores a stable group with its members and assignments after a restart", async () => {
    const fs = new MemoryFs();
    const a = await open(fs);
    const meta = subscription(["t"]);
    const req = { groupId: "g", groupInstanceId: null, clientId: "c", clientHost: "/127.0.0.1", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: "consumer", protocols: [{ name: "range", metadata: meta }], requireKnownMemberId: true, supportsSkipAssignment: false };
    const first = await a.groups.join({ ...req, memberId: "" });
    assert.equal(first.errorCode, E.MEMBER_ID_REQUIRED.code);
    const joined = await a.groups.join({ ...req, memberId: first.memberId });
    assert.equal(joined.generationId, 1);
    const synced = await a.groups.sync({ groupId: "g", memberId: first.memberId, groupInstanceId: null, generationId: 1, protocolType: null, protocolName: null, assignments: [{ memberId: first.memberId, assignment: Buffer.from("A") }] });
    assert.deepEqual(synced.assignment, Buffer.from("A"));
    a.groups.close();
    await a.log.close();
    const b = await open(fs);
    const d = b.groups.describeGroup("g");
    assert.equal(d.state, "Stable");
    assert.equal(d.protocolData, "range");
    assert.deepEqual(d.members.map((m) => [m.memberId, m.memberAssignment.toString(), m.memberMetadata.equals(meta)]), [[first.memberId, "A", true]]);
    // The member carries on where it was, without a rebalance.
    assert.equal(b.groups.heartbeat({ groupId: "g", memberId: first.memberId, groupInstanceId: null, generationId: 1 }), E.NONE.code);
    b.groups.close();
    await b.log.close();
  });

  it("writes the group record in Kafka's GroupMetadataValue format once the assignment is synced", async () => {
    const { log, groups } = await open(new MemoryFs());
    const groupRecords = (): GroupMetadataValue[] => {
      const { records } = log.partition(OFFSETS_TOPIC, 0).read(0, 1 << 20);
      const out: GroupMetadataValue[] = [];
      for (const { pos } of batchesIn(records)) {
        for (const r of iterateRecords(records, pos)) if (r.key !== null && r.value !== null && decodeKey(r.key).kind === "group") out.push(decodeGroupValue(r.value));
      }
      return out;
    };
    const j = await groups.join({ groupId: "g2", memberId: "", groupInstanceId: "i", clientId: "c", clientHost: "/h", sessionTimeoutMs: 5000, rebalanceTimeoutMs: 6000, protocolType: "consumer", protocols: [{ name: "range", metadata: Buffer.from("M") }], requireKnownMemberId: false, supportsSkipAssignment: false });
    assert.deepEqual(groupRecords(), [], "nothing is stored before the leader's SyncGroup");
    await groups.sync({ groupId: "g2", memberId: j.memberId, groupInstanceId: "i", generationId: 1, protocolType: null, protocolName: null, assignments: [{ memberId: j.memberId, assignment: Buffer.from("A") }] });
    const [v] = groupRecords();
    assert.equal(v.protocolType, "consumer");
    assert.equal(v.generation, 1);
    assert.equal(v.protocol, "range");
    assert.equal(v.leader, j.memberId);
    assert.deepEqual(
      v.members.map((m) => [m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeout, m.sessionTimeout, m.subscription.toString(), m.assignment.toString()]),
      [[j.memberId, "i", "c", "/h", 6000, 5000, "M", "A"]],
    );
    groups.close();
    await log.close();
  });

  it("deletes an empty group with its offsets, refuses a live one", async () => {
    const fs = new MemoryFs();
    const a = await open(fs);
    await a.log.createTopic("t", 1);
    await a.groups.commitOffsets(member("g"), 8, [{ topic: "t", partition: 0, offset: 5, leaderEpoch: -1, metadata: "" }]);
    assert.deepEqual(await a.groups.deleteGroups(["g", "nope"]), [
      { groupId: "g", errorCode: 0 },
      { groupId: "nope", errorCode: E.GROUP_ID_NOT_FOUND.code },
    ]);
    assert.equal(a.groups.fetchOffsets("g", [{ name: "t", partitions: [0] }])[0].partitions[0].offset, -1);
    a.groups.close();
    await a.log.close();
    const b = await open(fs);
    assert.deepEqual(b.groups.listGroups(), [], "the tombstones hold across a restart");
    b.groups.close();
    await b.log.close();
  });

  it("expires an empty group's offsets after offsets.retention.minutes, then the group", async () => {
    const fs = new MemoryFs();
    const { log, groups, clock } = await open(fs);
    await log.createTopic("t", 2);
    await groups.commitOffsets(member("simple"), 8, [{ topic: "t", partition: 0, offset: 1, leaderEpoch: -1, metadata: "" }]);
    clock.t += 3 * DAY;
    await groups.commitOffsets(member("simple"), 8, [{ topic: "t", partition: 1, offset: 2, leaderEpoch: -1, metadata: "" }]);
    clock.t += 4 * DAY;
    // Simple groups: each offset expires retention after its own commit.
    assert.equal(await groups.expireOffsets(), 1);
    assert.deepEqual(
      groups.fetchOffsets("simple", null).map((t) => t.partitions.map((p) => p.partition)),
      [[1]],
    );
    clock.t += 3 * DAY;
    assert.equal(await groups.expireOffsets(), 1);
    assert.deepEqual(groups.listGroups(), [], "an empty group without offsets goes too");
    groups.close();
    await log.close();
  });

  it("forgets every group's offsets of a deleted topic", async () => {
    const { log, groups } = await open(new MemoryFs());
    const entry = (topic: string, partition: number): { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string } => ({ topic, partition, offset: 3, leaderEpoch: -1, metadata: "" });
    await groups.commitOffsets(member("g1"), 8, [entry("gone", 0), entry("gone", 1), entry("kept", 0)]);
    await groups.commitOffsets(member("g2"), 8, [entry("gone", 0)]);
    await groups.forgetTopic("gone");
    assert.deepEqual(
      groups.fetchOffsets("g1", null).map((t) => t.name),
      ["kept"],
    );
    assert.deepEqual(groups.fetchOffsets("g2", null), []);
    groups.close();
    await log.close();
  });

  it("refuses metadata strings over offset.metadata.max.bytes, partition by partition", async () => {
    const { log, groups } = await open(new MemoryFs());
    const codes = await groups.commitOffsets(member("g"), 8, [
      { topic: "t", partition: 0, offset: 1, leaderEpoch: -1, metadata: "x".repeat(4097) },
      { topic: "t", partition: 1, offset: 1, leaderEpoch: -1, metadata: "ok" },
    ]);
    assert.deepEqual(codes, [E.OFFSET_METADATA_TOO_LARGE.code, 0]);
    groups.close();
    await log.close();
  });

  it("answers waiting JoinGroup requests when it closes", async () => {
    const { log, groups } = await open(new MemoryFs());
    const req = { groupId: "g", groupInstanceId: null, clientId: "c", clientHost: "/h", sessionTimeoutMs: 5000, rebalanceTimeoutMs: 60_000, protocolType: "consumer", protocols: [{ name: "range", metadata: Buffer.alloc(0) }], requireKnownMemberId: false, supportsSkipAssignment: false };
    const a = await groups.join({ ...req, memberId: "" });
    await groups.sync({ groupId: "g", memberId: a.memberId, groupInstanceId: null, generationId: 1, protocolType: null, protocolName: null, assignments: [] });
    // A second member starts a rebalance the first never joins: the join would wait 60 s.
    const waiting = groups.join({ ...req, memberId: "" });
    groups.close();
    assert.equal((await waiting).errorCode, E.COORDINATOR_NOT_AVAILABLE.code);
    await log.close();
  });
});
