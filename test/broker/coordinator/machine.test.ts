import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { KafkaErrors as E } from "../../../src/protocol/errors.js";
import { Sim, subscription, testRules } from "./sim.js";

const A1 = Buffer.from("assignment-1");
const A2 = Buffer.from("assignment-2");

/** A stable group with one member; returns the simulator and the member id. */
function stableWithOne(sim = new Sim()): { sim: Sim; a: string } {
  const { memberId: a, token } = sim.joinNew({ clientId: "a" });
  sim.tick(0);
  const j = sim.joined(token)!;
  assert.equal(j.errorCode, E.NONE.code);
  const s = sim.sync(a, j.generationId, [{ memberId: a, assignment: A1 }]);
  sim.stored();
  assert.deepEqual(sim.synced(s)?.assignment, A1);
  assert.equal(sim.state, "Stable");
  return { sim, a };
}

/** A stable group with two members a (leader) and b. */
function stableWithTwo(): { sim: Sim; a: string; b: string; generation: number } {
  const { sim, a } = stableWithOne();
  const { memberId: b, token: tb } = sim.joinNew({ clientId: "b" });
  const ta = sim.join({ memberId: a, clientId: "a" });
  const ja = sim.joined(ta)!;
  const jb = sim.joined(tb)!;
  sim.sync(b, jb.generationId);
  sim.sync(a, ja.generationId, [
    { memberId: a, assignment: A1 },
    { memberId: b, assignment: A2 },
  ]);
  sim.stored();
  assert.equal(sim.state, "Stable");
  return { sim, a, b, generation: ja.generationId };
}

describe("group state machine: joining", () => {
  it("answers a v4+ first join with MEMBER_ID_REQUIRED and a client-id based member id", () => {
    const sim = new Sim();
    const j = sim.joined(sim.join({ clientId: "kafkajs" }))!;
    assert.equal(j.errorCode, E.MEMBER_ID_REQUIRED.code);
    assert.match(j.memberId, /^kafkajs-/);
    assert.equal(sim.state, "Empty");
    assert.ok(sim.group!.pendingMembers.has(j.memberId));
  });

  it("forms generation 1 with the first member as leader, seeing every member's metadata", () => {
    const sim = new Sim();
    const { memberId, token } = sim.joinNew();
    assert.equal(sim.state, "PreparingRebalance");
    assert.equal(sim.joined(token), undefined, "the first rebalance waits for the initial delay");
    sim.tick(0);
    const j = sim.joined(token)!;
    assert.equal(j.errorCode, E.NONE.code);
    assert.equal(j.generationId, 1);
    assert.equal(j.leaderId, memberId);
    assert.equal(j.protocolName, "range");
    assert.deepEqual(
      j.members.map((m) => m.memberId),
      [memberId],
    );
    assert.equal(sim.state, "CompletingRebalance");
  });

  it("joins without a member id round trip before v4", () => {
    const sim = new Sim();
    const t = sim.join({ requireKnownMemberId: false });
    sim.tick(0);
    assert.equal(sim.joined(t)?.errorCode, E.NONE.code);
    assert.equal(sim.joined(t)?.generationId, 1);
  });

  it("lets a second consumer join a stable group (no UNKNOWN_MEMBER_ID) and rebalances both", () => {
    const { sim, a } = stableWithOne();
    const first = sim.joined(sim.join({ clientId: "b" }))!;
    assert.equal(first.errorCode, E.MEMBER_ID_REQUIRED.code);
    assert.equal(sim.state, "Stable", "handing out a member id does not start a rebalance");
    const tb = sim.join({ memberId: first.memberId, clientId: "b" });
    assert.equal(sim.state, "PreparingRebalance");
    assert.equal(sim.heartbeat(a, 1), E.REBALANCE_IN_PROGRESS.code);
    assert.equal(sim.joined(tb), undefined, "waits for the known member to rejoin");
    const ta = sim.join({ memberId: a, clientId: "a" });
    const ja = sim.joined(ta)!;
    const jb = sim.joined(tb)!;
    assert.equal(ja.generationId, 2);
    assert.equal(jb.generationId, 2);
    assert.equal(ja.leaderId, a);
    assert.equal(ja.members.length, 2);
    assert.equal(jb.members.length, 0, "only the leader gets the members");
  });

  it("holds followers' SyncGroup until the leader's assignment is stored, and always carries an assignment", () => {
    const { sim, a } = stableWithOne();
    const { memberId: b, token: tb } = sim.joinNew({ clientId: "b" });
    const { memberId: c, token: tc } = sim.joinNew({ clientId: "c" });
    const ta = sim.join({ memberId: a });
    const gen = sim.joined(ta)!.generationId;
    assert.equal(sim.joined(tb)?.generationId, gen);
    assert.equal(sim.joined(tc)?.generationId, gen);
    const sb = sim.sync(b, gen);
    const sc = sim.sync(c, gen);
    assert.equal(sim.synced(sb), undefined);
    const sa = sim.sync(a, gen, [{ memberId: b, assignment: A2 }]);
    assert.equal(sim.synced(sa), undefined, "nothing is handed out before the store completes");
    sim.stored();
    assert.deepEqual(sim.synced(sb), { errorCode: 0, protocolType: "consumer", protocolName: "range", assignment: A2 });
    assert.deepEqual(sim.synced(sa)?.assignment, Buffer.alloc(0));
    assert.deepEqual(sim.synced(sc)?.assignment, Buffer.alloc(0));
    assert.equal(sim.state, "Stable");
  });

  it("fails everyone waiting in SyncGroup when the assignment cannot be stored, and rebalances", () => {
    const { sim, a } = stableWithOne();
    sim.join({ memberId: a });
    const s = sim.sync(a, 2, [{ memberId: a, assignment: A1 }]);
    sim.stored(E.COORDINATOR_NOT_AVAILABLE.code);
    assert.equal(sim.synced(s)?.errorCode, E.COORDINATOR_NOT_AVAILABLE.code);
    assert.deepEqual(sim.synced(s)?.assignment, Buffer.alloc(0));
    assert.equal(sim.state, "PreparingRebalance");
  });

  it("rejects a member whose protocols share none with the group", () => {
    const { sim } = stableWithOne();
    const j = sim.joined(sim.join({ protocols: [{ name: "other", metadata: Buffer.alloc(0) }] }))!;
    assert.equal(j.errorCode, E.INCONSISTENT_GROUP_PROTOCOL.code);
    const k = sim.joined(sim.join({ protocolType: "connect" }))!;
    assert.equal(k.errorCode, E.INCONSISTENT_GROUP_PROTOCOL.code);
  });

  it("rejects session timeouts outside the broker's bounds", () => {
    const sim = new Sim();
    assert.equal(sim.joined(sim.join({ sessionTimeoutMs: 10 }))?.errorCode, E.INVALID_SESSION_TIMEOUT.code);
    assert.equal(sim.group, null);
  });

  it("answers a stale member id for a group that does not exist with UNKNOWN_MEMBER_ID", () => {
    const sim = new Sim();
    assert.equal(sim.joined(sim.join({ memberId: "ghost" }))?.errorCode, E.UNKNOWN_MEMBER_ID.code);
    assert.equal(sim.group, null);
  });

  it("selects the protocol every member supports, by votes in preference order", () => {
    const p = (...names: string[]): { name: string; metadata: Buffer }[] => names.map((name) => ({ name, metadata: subscription(["t"]) }));
    const sim = new Sim();
    const ta = sim.join({ requireKnownMemberId: false, protocols: p("range", "roundrobin") });
    const tb = sim.join({ requireKnownMemberId: false, protocols: p("range", "roundrobin") });
    const tc = sim.join({ requireKnownMemberId: false, protocols: p("roundrobin", "range") });
    sim.tick(0);
    for (const t of [ta, tb, tc]) assert.equal(sim.joined(t)?.protocolName, "range");
    const sim2 = new Sim();
    sim2.join({ requireKnownMemberId: false, protocols: p("range", "roundrobin") });
    sim2.join({ requireKnownMemberId: false, protocols: p("sticky", "roundrobin") });
    const t = sim2.join({ requireKnownMemberId: false, protocols: p("roundrobin", "range", "sticky") });
    sim2.tick(0);
    assert.equal(sim2.joined(t)?.protocolName, "roundrobin", "the only protocol all three support");
  });

  it("waits group.initial.rebalance.delay.ms for a new group, extending it while members arrive", () => {
    const sim = new Sim({ ...testRules, initialRebalanceDelayMs: 100 });
    const t1 = sim.join({ requireKnownMemberId: false });
    sim.tick(60);
    const t2 = sim.join({ requireKnownMemberId: false });
    sim.tick(40);
    assert.equal(sim.joined(t1), undefined, "a member arrived during the delay: it is extended");
    sim.tick(100);
    assert.equal(sim.joined(t1)?.members.length, 2);
    assert.equal(sim.joined(t2)?.generationId, 1);
  });
});

describe("group state machine: heartbeats, commits and timeouts", () => {
  it("answers heartbeats by generation and membership", () => {
    const { sim, a } = stableWithOne();
    assert.equal(sim.heartbeat(a, 1), E.NONE.code);
    assert.equal(sim.heartbeat(a, 7), E.ILLEGAL_GENERATION.code);
    assert.equal(sim.heartbeat("nobody", 1), E.UNKNOWN_MEMBER_ID.code);
  });

  it("removes a member whose session expires and rebalances the rest", () => {
    const { sim, a, b } = stableWithTwo();
    sim.tick(3000);
    assert.equal(sim.heartbeat(a, 2), E.NONE.code);
    sim.tick(2500);
    assert.ok(!sim.group!.members.has(b), "b sent no heartbeat within its 5 s session");
    assert.equal(sim.state, "PreparingRebalance");
    const t = sim.join({ memberId: a });
    assert.equal(sim.joined(t)?.generationId, 3);
    assert.equal(sim.joined(t)?.members.length, 1);
  });

  it("completes a rebalance at the rebalance timeout without the members that did not rejoin", () => {
    const { sim, a, b } = stableWithTwo();
    const ta = sim.join({ memberId: a });
    assert.equal(sim.joined(ta), undefined);
    // b keeps heartbeating (so its session stays alive) but never rejoins.
    for (let i = 0; i < 4; i++) {
      sim.tick(2000);
      assert.equal(sim.heartbeat(b, 2), E.REBALANCE_IN_PROGRESS.code);
    }
    sim.tick(2000);
    assert.equal(sim.joined(ta)?.generationId, 3);
    assert.ok(!sim.group!.members.has(b));
  });

  it("removes members that never send SyncGroup within the rebalance timeout", () => {
    const { sim, a, b } = stableWithTwo();
    sim.join({ memberId: a });
    sim.join({ memberId: b });
    sim.heartbeat(a, 3);
    const s = sim.sync(a, 3, [{ memberId: a, assignment: A1 }]);
    sim.stored();
    assert.deepEqual(sim.synced(s)?.assignment, A1);
    // b stays alive (heartbeats) but never syncs: the sync deadline, not the session, removes it.
    for (let i = 0; i < 2; i++) {
      sim.tick(4000);
      assert.equal(sim.heartbeat(a, 3), E.NONE.code);
      assert.equal(sim.heartbeat(b, 3), E.NONE.code);
    }
    assert.ok(sim.group!.members.has(b));
    sim.tick(2500);
    assert.ok(!sim.group!.members.has(b));
    assert.equal(sim.state, "PreparingRebalance");
  });

  it("accepts commits from members of the current generation, and generation -1 only while empty", () => {
    const { sim, a } = stableWithOne();
    assert.equal(sim.commit(a, 1), E.NONE.code);
    assert.equal(sim.commit(a, 0), E.ILLEGAL_GENERATION.code);
    assert.equal(sim.commit("", -1), E.UNKNOWN_MEMBER_ID.code);
    assert.equal(sim.commit("x", 1), E.UNKNOWN_MEMBER_ID.code);
    sim.join({ memberId: a });
    assert.equal(sim.commit(a, 2), E.REBALANCE_IN_PROGRESS.code, "generation 2 is waiting for SyncGroup");
    const empty = new Sim();
    assert.equal(empty.commit("", -1), E.NONE.code);
    assert.equal(empty.state, "Empty", "a simple consumer's commit creates an empty group");
    const missing = new Sim();
    assert.equal(missing.commit("m", 3, 8), E.ILLEGAL_GENERATION.code);
    assert.equal(missing.commit("m", 3, 9), E.GROUP_ID_NOT_FOUND.code);
  });
});

describe("group state machine: leaving and deleting", () => {
  it("lets several members leave in one request (v3+) and the group becomes empty", () => {
    const { sim, a, b } = stableWithTwo();
    const { token } = sim.send({
      type: "leave",
      members: [
        { memberId: a, groupInstanceId: null },
        { memberId: b, groupInstanceId: null },
        { memberId: "ghost", groupInstanceId: null },
      ],
    });
    const fx = sim.effects.find((e) => e.kind === "leave" && e.token === token);
    assert.deepEqual(
      fx?.kind === "leave" ? fx.members.map((m) => m.errorCode) : null,
      [0, 0, E.UNKNOWN_MEMBER_ID.code],
    );
    assert.equal(sim.state, "Empty");
    assert.equal(sim.group!.generationId, 3);
    assert.ok(sim.effects.some((e) => e.kind === "store" && e.generationId === 3), "the empty group is stored");
  });

  it("answers a member waiting in JoinGroup that is removed", () => {
    const { sim, a, b } = stableWithTwo();
    // New metadata (another subscription) makes b's rejoin start a rebalance, so it waits.
    const tb = sim.join({ memberId: b, protocols: [{ name: "range", metadata: subscription(["t", "u"]) }] });
    assert.equal(sim.joined(tb), undefined);
    sim.send({ type: "leave", members: [{ memberId: b, groupInstanceId: null }] });
    assert.equal(sim.joined(tb)?.errorCode, E.UNKNOWN_MEMBER_ID.code);
    assert.ok(sim.group!.members.has(a));
  });

  it("deletes only empty groups", () => {
    const { sim, a } = stableWithOne();
    assert.equal(sim.reply(sim.send({ type: "delete" }).token), E.NON_EMPTY_GROUP.code);
    sim.send({ type: "leave", members: [{ memberId: a, groupInstanceId: null }] });
    const r = sim.send({ type: "delete" });
    assert.equal(sim.reply(r.token), E.NONE.code);
    assert.ok(r.effects.some((e) => e.kind === "removed"));
    assert.equal(sim.group, null);
    assert.equal(sim.reply(sim.send({ type: "delete" }).token), E.GROUP_ID_NOT_FOUND.code);
  });
});

describe("group state machine: static membership", () => {
  /** A stable group of static members s1 (leader) and s2. */
  function staticPair(): { sim: Sim; s1: string; s2: string } {
    const sim = new Sim();
    const t1 = sim.join({ groupInstanceId: "i1" });
    const t2 = sim.join({ groupInstanceId: "i2" });
    sim.tick(0);
    const s1 = sim.joined(t1)!.memberId;
    const s2 = sim.joined(t2)!.memberId;
    assert.equal(sim.joined(t1)?.leaderId, s1);
    sim.sync(s2, 1, [], "i2");
    sim.sync(
      s1,
      1,
      [
        { memberId: s1, assignment: A1 },
        { memberId: s2, assignment: A2 },
      ],
      "i1",
    );
    sim.stored();
    assert.equal(sim.state, "Stable");
    return { sim, s1, s2 };
  }

  it("joins static members without MEMBER_ID_REQUIRED", () => {
    const { sim } = staticPair();
    assert.equal(sim.group!.staticMembers.size, 2);
  });

  it("replaces a restarted static member without a rebalance and fences its old id", () => {
    const { sim, s1, s2 } = staticPair();
    const t = sim.join({ groupInstanceId: "i2" });
    const j = sim.joined(t)!;
    assert.equal(j.errorCode, E.NONE.code);
    assert.notEqual(j.memberId, s2);
    assert.equal(j.generationId, 1, "same generation: no rebalance");
    assert.equal(j.leaderId, s1);
    assert.equal(sim.state, "Stable");
    assert.equal(sim.heartbeat(s2, 1, "i2"), E.FENCED_INSTANCE_ID.code);
    assert.equal(sim.heartbeat(j.memberId, 1, "i2"), E.NONE.code);
    const s = sim.sync(j.memberId, 1, [], "i2");
    assert.deepEqual(sim.synced(s)?.assignment, A2, "keeps the old member's assignment");
    assert.equal(sim.commit(s2, 1, 8, "i2"), E.FENCED_INSTANCE_ID.code);
  });

  it("tells a restarted static leader to skip the assignment (JoinGroup v9), older versions hide the lead", () => {
    const { sim, s1 } = staticPair();
    const v9 = sim.joined(sim.join({ groupInstanceId: "i1", supportsSkipAssignment: true }))!;
    assert.equal(v9.leaderId, v9.memberId);
    assert.equal(v9.skipAssignment, true);
    assert.equal(v9.members.length, 2);
    const old = sim.joined(sim.join({ groupInstanceId: "i1" }))!;
    assert.equal(old.leaderId, v9.memberId, "the previous leader id, not the new member's");
    assert.notEqual(old.memberId, s1);
    assert.equal(old.members.length, 0);
  });

  it("keeps a static member that does not rejoin through a rebalance", () => {
    const { sim, s1, s2 } = staticPair();
    const t = sim.join({ memberId: s1, groupInstanceId: "i1" });
    // s2 stays alive but does not rejoin within the 10 s rebalance timeout.
    for (let i = 0; i < 3; i++) {
      sim.tick(3000);
      assert.equal(sim.heartbeat(s2, 1, "i2"), E.REBALANCE_IN_PROGRESS.code);
    }
    assert.equal(sim.joined(t), undefined);
    sim.tick(1000);
    const j = sim.joined(t)!;
    assert.equal(j.generationId, 2);
    assert.ok(sim.group!.members.has(s2));
    assert.deepEqual(
      j.members.map((m) => m.groupInstanceId),
      ["i1", "i2"],
    );
  });

  it("lets the admin client remove a static member by instance id", () => {
    const { sim, s1 } = staticPair();
    const { token } = sim.send({ type: "leave", members: [{ memberId: "", groupInstanceId: "i2" }] });
    const fx = sim.effects.find((e) => e.kind === "leave" && e.token === token);
    assert.equal(fx?.kind === "leave" ? fx.members[0].errorCode : -1, E.NONE.code);
    assert.deepEqual([...sim.group!.members.keys()], [s1]);
    assert.equal(sim.state, "PreparingRebalance");
  });
});
