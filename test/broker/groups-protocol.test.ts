/**
 * The group APIs on the wire, version by version, with Weir's own codec as the client: what each
 * answer carries where clients depend on it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { KafkaErrors as E } from "../../src/protocol/errors.js";
import { startBroker, WireClient, type TestBroker } from "./coordinator/helpers.js";
import { subscription } from "./coordinator/sim.js";

const protocols = (topics: string[]): { name: string; metadata: Buffer }[] => [{ name: "range", metadata: subscription(topics) }];

/** Joins `groupId` through MEMBER_ID_REQUIRED (v5) and returns the JoinGroup answer. */
async function joinV5(c: WireClient, groupId: string, topics: string[], memberId = ""): Promise<{ memberId: string; generationId: number; leader: string; members: { memberId: string }[]; errorCode: number }> {
  const body = { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: "consumer", protocols: protocols(topics) };
  let r = await c.send(ApiKey.JoinGroup, 5, body);
  if (r.errorCode === E.MEMBER_ID_REQUIRED.code) r = await c.send(ApiKey.JoinGroup, 5, { ...body, memberId: r.memberId });
  return r;
}

describe("group APIs on the wire", () => {
  let b: TestBroker;
  let c: WireClient;
  before(async () => {
    b = await startBroker();
    await b.broker.log.createTopic("t", 3);
    await b.broker.log.createTopic("u", 1);
    c = await WireClient.connect(b.port, "proto-test");
  });
  after(async () => {
    c.close();
    await b.stop();
  });

  it("advertises the group APIs at the versions it implements", async () => {
    const r = await c.send(ApiKey.ApiVersions, 3, { clientSoftwareName: "weir-test", clientSoftwareVersion: "1" });
    const range = (k: number): [number, number] | undefined => {
      const a = r.apiKeys.find((x) => x.apiKey === k);
      return a === undefined ? undefined : [a.minVersion, a.maxVersion];
    };
    assert.deepEqual(range(ApiKey.OffsetCommit), [0, 9]);
    assert.deepEqual(range(ApiKey.OffsetFetch), [0, 9]);
    assert.deepEqual(range(ApiKey.FindCoordinator), [0, 6]);
    assert.deepEqual(range(ApiKey.JoinGroup), [0, 9]);
    assert.deepEqual(range(ApiKey.Heartbeat), [0, 4]);
    assert.deepEqual(range(ApiKey.LeaveGroup), [0, 5]);
    assert.deepEqual(range(ApiKey.SyncGroup), [0, 5]);
    assert.deepEqual(range(ApiKey.DescribeGroups), [0, 5]);
    assert.deepEqual(range(ApiKey.ListGroups), [0, 5]);
    assert.deepEqual(range(ApiKey.DeleteGroups), [0, 2]);
    assert.deepEqual(range(ApiKey.OffsetDelete), [0, 0]);
  });

  it("FindCoordinator names this broker, one entry per key from v4", async () => {
    const v0 = await c.send(ApiKey.FindCoordinator, 0, { key: "g" });
    assert.deepEqual([v0.errorCode, v0.nodeId, v0.host, v0.port], [0, 1, "127.0.0.1", b.port]);
    const v4 = await c.send(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ["a", "b"] });
    assert.deepEqual(
      v4.coordinators.map((x) => [x.key, x.nodeId, x.port, x.errorCode]),
      [
        ["a", 1, b.port, 0],
        ["b", 1, b.port, 0],
      ],
    );
    const share = await c.send(ApiKey.FindCoordinator, 6, { keyType: 2, coordinatorKeys: ["s"] });
    assert.equal(share.coordinators[0].errorCode, E.INVALID_REQUEST.code);
  });

  it("hides __consumer_offsets from the all-topics Metadata answer, and marks it internal when named", async () => {
    const all = await c.send(ApiKey.Metadata, 9, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.ok(!all.topics.some((t) => t.name === "__consumer_offsets"));
    const named = await c.send(ApiKey.Metadata, 9, { topics: [{ name: "__consumer_offsets" }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(named.topics[0].errorCode, 0);
    assert.equal(named.topics[0].isInternal, true);
  });

  it("runs a two-member generation: JoinGroup v5, SyncGroup v3 with an empty assignment for a member left out", async () => {
    const c2 = await WireClient.connect(b.port, "second");
    try {
      const a = await joinV5(c, "two", ["t"]);
      assert.equal(a.generationId, 1);
      const sa = await c.send(ApiKey.SyncGroup, 3, { groupId: "two", generationId: 1, memberId: a.memberId, groupInstanceId: null, assignments: [{ memberId: a.memberId, assignment: Buffer.from("all") }] });
      assert.deepEqual(sa.assignment, Buffer.from("all"));
      // The second member: MEMBER_ID_REQUIRED, then its join waits for the first to rejoin.
      const second = joinV5(c2, "two", ["t"]);
      await new Promise((r) => setTimeout(r, 50));
      const hb = await c.send(ApiKey.Heartbeat, 3, { groupId: "two", generationId: 1, memberId: a.memberId, groupInstanceId: null });
      assert.equal(hb.errorCode, E.REBALANCE_IN_PROGRESS.code);
      const a2 = await joinV5(c, "two", ["t"], a.memberId);
      const m2 = await second;
      assert.equal(m2.errorCode, 0);
      assert.equal(a2.generationId, 2);
      assert.equal(m2.generationId, 2);
      assert.equal(a2.leader, a.memberId);
      assert.equal(a2.members.length, 2);
      const followerSync = c2.send(ApiKey.SyncGroup, 3, { groupId: "two", generationId: 2, memberId: m2.memberId, groupInstanceId: null, assignments: [] });
      await c.send(ApiKey.SyncGroup, 3, { groupId: "two", generationId: 2, memberId: a.memberId, groupInstanceId: null, assignments: [{ memberId: a.memberId, assignment: Buffer.from("x") }] });
      const f = await followerSync;
      assert.equal(f.errorCode, 0);
      assert.deepEqual(f.assignment, Buffer.alloc(0), "always present, empty when the leader assigned nothing");

      const d = await c.send(ApiKey.DescribeGroups, 5, { groups: ["two", "nope"], includeAuthorizedOperations: false });
      assert.equal(d.groups[0].groupState, "Stable");
      assert.equal(d.groups[0].protocolType, "consumer");
      assert.equal(d.groups[0].protocolData, "range");
      assert.deepEqual(
        d.groups[0].members.map((m) => [m.clientId, m.clientHost, m.memberMetadata.equals(subscription(["t"])), m.memberAssignment.toString()]),
        [
          ["proto-test", "/127.0.0.1", true, "x"],
          ["second", "/127.0.0.1", true, ""],
        ],
      );
      assert.deepEqual([d.groups[1].errorCode, d.groups[1].groupState, d.groups[1].members.length], [0, "Dead", 0]);

      // OffsetDelete: t is consumed by a live member; u is not.
      const od = await c.send(ApiKey.OffsetDelete, 0, {
        groupId: "two",
        topics: [
          { name: "t", partitions: [{ partitionIndex: 0 }] },
          { name: "u", partitions: [{ partitionIndex: 0 }] },
          { name: "nope", partitions: [{ partitionIndex: 0 }] },
        ],
      });
      assert.equal(od.errorCode, 0);
      assert.deepEqual(
        od.topics.map((t) => [t.name, t.partitions[0].errorCode]),
        [
          ["nope", E.UNKNOWN_TOPIC_OR_PARTITION.code],
          ["t", E.GROUP_SUBSCRIBED_TO_TOPIC.code],
          ["u", 0],
        ],
      );

      const del = await c.send(ApiKey.DeleteGroups, 2, { groupsNames: ["two"] });
      assert.equal(del.results[0].errorCode, E.NON_EMPTY_GROUP.code);

      // LeaveGroup v3 with both members (and a stranger) in one request.
      const leave = await c.send(ApiKey.LeaveGroup, 4, {
        groupId: "two",
        members: [
          { memberId: a.memberId, groupInstanceId: null },
          { memberId: m2.memberId, groupInstanceId: null },
          { memberId: "stranger", groupInstanceId: null },
        ],
      });
      assert.equal(leave.errorCode, 0);
      assert.deepEqual(
        leave.members.map((m) => m.errorCode),
        [0, 0, E.UNKNOWN_MEMBER_ID.code],
      );
      const empty = await c.send(ApiKey.ListGroups, 4, { statesFilter: ["empty"] });
      assert.ok(empty.groups.some((g) => g.groupId === "two" && g.groupState === "Empty" && g.protocolType === "consumer"));
      const del2 = await c.send(ApiKey.DeleteGroups, 2, { groupsNames: ["two", "two"] });
      assert.deepEqual(
        del2.results.map((r) => [r.groupId, r.errorCode]),
        [["two", 0]],
      );
    } finally {
      c2.close();
    }
  });

  it("removes a member that stops heartbeating after its session timeout; the rebalance completes without it", async () => {
    const c2 = await WireClient.connect(b.port, "survivor");
    try {
      const body = { groupId: "expiry", sessionTimeoutMs: 1000, rebalanceTimeoutMs: 20_000, groupInstanceId: null, protocolType: "consumer", protocols: protocols(["t"]) };
      const first = await c.send(ApiKey.JoinGroup, 5, { ...body, memberId: "" });
      const a = await c.send(ApiKey.JoinGroup, 5, { ...body, memberId: first.memberId });
      await c.send(ApiKey.SyncGroup, 3, { groupId: "expiry", generationId: a.generationId, memberId: a.memberId, groupInstanceId: null, assignments: [] });
      // a now goes silent. The survivor's join waits for a to rejoin, until a's session ends.
      const started = Date.now();
      const s = await joinV5(c2, "expiry", ["t"]);
      const waited = Date.now() - started;
      assert.equal(s.errorCode, 0);
      assert.equal(s.generationId, a.generationId + 1);
      assert.deepEqual(
        s.members.map((m) => m.memberId),
        [s.memberId],
      );
      assert.ok(waited >= 800 && waited < 5000, `completed after ${waited} ms`);
      const hb = await c.send(ApiKey.Heartbeat, 3, { groupId: "expiry", generationId: a.generationId, memberId: a.memberId, groupInstanceId: null });
      assert.equal(hb.errorCode, E.UNKNOWN_MEMBER_ID.code);
      await c2.send(ApiKey.LeaveGroup, 3, { groupId: "expiry", members: [{ memberId: s.memberId, groupInstanceId: null }] });
    } finally {
      c2.close();
    }
  });

  it("JoinGroup v0 joins without MEMBER_ID_REQUIRED; LeaveGroup v0 answers with the member's error", async () => {
    const r = await c.send(ApiKey.JoinGroup, 0, { groupId: "old", sessionTimeoutMs: 10_000, memberId: "", protocolType: "consumer", protocols: protocols(["t"]) });
    assert.equal(r.errorCode, 0);
    assert.equal(r.protocolName, "range");
    assert.equal((await c.send(ApiKey.LeaveGroup, 0, { groupId: "old", memberId: "ghost" })).errorCode, E.UNKNOWN_MEMBER_ID.code);
    assert.equal((await c.send(ApiKey.LeaveGroup, 0, { groupId: "old", memberId: r.memberId })).errorCode, 0);
    assert.equal((await c.send(ApiKey.Heartbeat, 0, { groupId: "old", generationId: r.generationId, memberId: r.memberId })).errorCode, E.UNKNOWN_MEMBER_ID.code);
  });

  it("SyncGroup v5 refuses a protocol name that is not the group's", async () => {
    const j = await c.send(ApiKey.JoinGroup, 9, { groupId: "v9", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: "static-1", protocolType: "consumer", protocols: protocols(["t"]), reason: null });
    assert.equal(j.errorCode, 0, "static members join without MEMBER_ID_REQUIRED");
    assert.equal(j.protocolType, "consumer");
    assert.match(j.memberId, /^static-1-/);
    const bad = await c.send(ApiKey.SyncGroup, 5, { groupId: "v9", generationId: j.generationId, memberId: j.memberId, groupInstanceId: "static-1", protocolType: "consumer", protocolName: "roundrobin", assignments: [] });
    assert.equal(bad.errorCode, E.INCONSISTENT_GROUP_PROTOCOL.code);
    const ok = await c.send(ApiKey.SyncGroup, 5, { groupId: "v9", generationId: j.generationId, memberId: j.memberId, groupInstanceId: "static-1", protocolType: "consumer", protocolName: "range", assignments: [] });
    assert.deepEqual([ok.errorCode, ok.protocolType, ok.protocolName, ok.assignment.length], [0, "consumer", "range", 0]);
    const fenced = await c.send(ApiKey.Heartbeat, 4, { groupId: "v9", generationId: j.generationId, memberId: "impostor", groupInstanceId: "static-1" });
    assert.equal(fenced.errorCode, E.FENCED_INSTANCE_ID.code);
    await c.send(ApiKey.LeaveGroup, 5, { groupId: "v9", members: [{ memberId: j.memberId, groupInstanceId: "static-1", reason: null }] });
  });

  it("OffsetCommit with generation -1 (simple consumers) and OffsetFetch in every shape", async () => {
    const commit = await c.send(ApiKey.OffsetCommit, 2, {
      groupId: "simple",
      generationIdOrMemberEpoch: -1,
      memberId: "",
      retentionTimeMs: -1,
      topics: [
        { name: "t", partitions: [{ partitionIndex: 0, committedOffset: 5, committedMetadata: "meta-é" }, { partitionIndex: 7, committedOffset: 1, committedMetadata: null }] },
        { name: "missing", partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] },
      ],
    });
    assert.deepEqual(
      commit.topics.map((t) => t.partitions.map((p) => p.errorCode)),
      [[0, E.UNKNOWN_TOPIC_OR_PARTITION.code], [E.UNKNOWN_TOPIC_OR_PARTITION.code]],
    );
    await c.send(ApiKey.OffsetCommit, 8, { groupId: "other", generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, topics: [{ name: "u", partitions: [{ partitionIndex: 0, committedOffset: 9, committedLeaderEpoch: 2, committedMetadata: "o" }] }] });

    const v1 = await c.send(ApiKey.OffsetFetch, 1, { groupId: "simple", topics: [{ name: "t", partitionIndexes: [0, 1] }] });
    assert.deepEqual(
      v1.topics[0].partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]),
      [
        [0, 5, "meta-é", 0],
        [1, -1, "", 0],
      ],
    );
    const all = await c.send(ApiKey.OffsetFetch, 5, { groupId: "simple", topics: null, requireStable: false });
    assert.deepEqual(
      all.topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)]),
      [["t", [5]]],
    );
    const multi = await c.send(ApiKey.OffsetFetch, 8, {
      groups: [
        { groupId: "simple", topics: [{ name: "t", partitionIndexes: [0] }] },
        { groupId: "other", topics: null },
        { groupId: "never", topics: [{ name: "t", partitionIndexes: [2] }] },
      ],
      requireStable: true,
    });
    assert.deepEqual(
      multi.groups.map((g) => [g.groupId, g.errorCode, g.topics.map((t) => [t.name, t.partitions.map((p) => [p.committedOffset, p.committedLeaderEpoch, p.metadata])])]),
      [
        ["simple", 0, [["t", [[5, -1, "meta-é"]]]]],
        ["other", 0, [["u", [[9, 2, "o"]]]]],
        ["never", 0, [["t", [[-1, -1, ""]]]]],
      ],
    );
    const v9 = await c.send(ApiKey.OffsetFetch, 9, { groups: [{ groupId: "simple", memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
    assert.equal(v9.groups[0].topics[0].partitions[0].metadata, "meta-é");

    const list = await c.send(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ["classic"] });
    assert.ok(list.groups.some((g) => g.groupId === "simple" && g.protocolType === "" && g.groupType === "classic"));
    const consumerType = await c.send(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ["consumer"] });
    assert.deepEqual(consumerType.groups, []);

    const od = await c.send(ApiKey.OffsetDelete, 0, { groupId: "simple", topics: [{ name: "t", partitions: [{ partitionIndex: 0 }] }] });
    assert.equal(od.topics[0].partitions[0].errorCode, 0);
    const after = await c.send(ApiKey.OffsetFetch, 5, { groupId: "simple", topics: [{ name: "t", partitionIndexes: [0] }], requireStable: false });
    assert.equal(after.topics[0].partitions[0].committedOffset, -1);
    const gone = await c.send(ApiKey.OffsetDelete, 0, { groupId: "never", topics: [] });
    assert.equal(gone.errorCode, E.GROUP_ID_NOT_FOUND.code);
  });

  it("refuses commits from a stale generation or an unknown member", async () => {
    const j = await joinV5(c, "members", ["t"]);
    const commit = (generation: number, memberId: string, version = 7): Promise<number> =>
      c
        .send(ApiKey.OffsetCommit, version, { groupId: "members", generationIdOrMemberEpoch: generation, memberId, groupInstanceId: null, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: "" }] }] })
        .then((r) => r.topics[0].partitions[0].errorCode);
    assert.equal(await commit(j.generationId, j.memberId), E.REBALANCE_IN_PROGRESS.code, "not before SyncGroup");
    await c.send(ApiKey.SyncGroup, 3, { groupId: "members", generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, assignments: [] });
    assert.equal(await commit(j.generationId, j.memberId), 0);
    assert.equal(await commit(j.generationId + 1, j.memberId), E.ILLEGAL_GENERATION.code);
    assert.equal(await commit(j.generationId, "nobody"), E.UNKNOWN_MEMBER_ID.code);
    assert.equal(await commit(-1, ""), E.UNKNOWN_MEMBER_ID.code, "generation -1 only while the group is empty");
    const none = await c.send(ApiKey.OffsetCommit, 9, { groupId: "no-such-group", generationIdOrMemberEpoch: 3, memberId: "m", groupInstanceId: null, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: "" }] }] });
    assert.equal(none.topics[0].partitions[0].errorCode, E.GROUP_ID_NOT_FOUND.code);
    await c.send(ApiKey.LeaveGroup, 3, { groupId: "members", members: [{ memberId: j.memberId, groupInstanceId: null }] });
  });
});
