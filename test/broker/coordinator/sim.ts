/**
 * A driver for the pure group state machine: holds one group, a clock and a token counter, feeds
 * events through step() and remembers every effect, so tests read like a protocol exchange.
 */
import { step } from "../../../src/broker/coordinator/machine.js";
import type { Group, GroupEffect, GroupEvent, GroupRules, JoinResult, Protocol, SyncResult } from "../../../src/broker/coordinator/types.js";
import { Writer } from "../../../src/protocol/primitives/writer.js";

/** Rules with short timeouts and no initial delay, as the tests want them. */
export const testRules: GroupRules = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 1000,
  maxSessionTimeoutMs: 60_000,
  membersMax: 10,
  newMemberJoinTimeoutMs: 300_000,
};

/** A consumer subscription (ConsumerProtocolSubscription v0) to `topics`. */
export function subscription(topics: string[]): Buffer {
  const w = new Writer().int16(0).int32(topics.length);
  for (const t of topics) w.string(t);
  return w.int32(-1).toBuffer();
}

/** Options of a JoinGroup in the simulator. */
export interface JoinOpts {
  memberId?: string;
  groupInstanceId?: string | null;
  /** v4+ behaviour (default true). */
  requireKnownMemberId?: boolean;
  supportsSkipAssignment?: boolean;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocols?: Protocol[];
  protocolType?: string;
  clientId?: string;
}

/** See the module comment. */
export class Sim {
  group: Group | null = null;
  now = 1_000_000;
  readonly effects: GroupEffect[] = [];
  private token = 1;
  private ids = 0;

  constructor(
    readonly rules: GroupRules = testRules,
    readonly groupId = "g",
  ) {}

  /** Feeds one event (its `now` and `token` filled in); returns the effects of that step. */
  send(event: Record<string, unknown> & { type: GroupEvent["type"] }): { token: number; effects: readonly GroupEffect[] } {
    const token = this.token++;
    const e = { now: this.now, token, ...event } as unknown as GroupEvent;
    const before = this.group === null ? null : JSON.stringify(snapshot(this.group));
    const r = step(this.groupId, this.group, e, this.rules);
    // The machine is pure: the group it was given must be unchanged.
    if (this.group !== null && JSON.stringify(snapshot(this.group)) !== before) throw new Error("step() modified its input group");
    this.group = r.group;
    this.effects.push(...r.effects);
    return { token, effects: r.effects };
  }

  /** Sends a JoinGroup; returns its token. */
  join(o: JoinOpts = {}): number {
    const clientId = o.clientId ?? "client";
    return this.send({
      type: "join",
      memberId: o.memberId ?? "",
      groupInstanceId: o.groupInstanceId ?? null,
      requireKnownMemberId: o.requireKnownMemberId ?? (o.groupInstanceId ?? null) === null,
      supportsSkipAssignment: o.supportsSkipAssignment ?? false,
      newMemberId: `${o.groupInstanceId ?? clientId}-${++this.ids}`,
      clientId,
      clientHost: "/127.0.0.1",
      rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 10_000,
      sessionTimeoutMs: o.sessionTimeoutMs ?? 5_000,
      protocolType: o.protocolType ?? "consumer",
      protocols: o.protocols ?? [{ name: "range", metadata: subscription(["t"]) }],
    }).token;
  }

  /** Sends a SyncGroup; returns its token. */
  sync(memberId: string, generationId: number, assignments: { memberId: string; assignment: Buffer }[] = [], groupInstanceId: string | null = null): number {
    return this.send({ type: "sync", memberId, groupInstanceId, generationId, protocolType: null, protocolName: null, assignments }).token;
  }

  /** Sends a Heartbeat; returns its error code. */
  heartbeat(memberId: string, generationId: number, groupInstanceId: string | null = null): number {
    return this.reply(this.send({ type: "heartbeat", memberId, groupInstanceId, generationId }).token);
  }

  /** Sends the membership check of an OffsetCommit; returns its error code. */
  commit(memberId: string, generationId: number, apiVersion = 8, groupInstanceId: string | null = null): number {
    return this.reply(this.send({ type: "commit", memberId, groupInstanceId, generationId, apiVersion }).token);
  }

  /** Moves the clock and delivers a tick. */
  tick(ms: number): readonly GroupEffect[] {
    this.now += ms;
    return this.send({ type: "tick" }).effects;
  }

  /** The JoinGroup answer for `token`, if any yet. */
  joined(token: number): JoinResult | undefined {
    for (const fx of this.effects) if (fx.kind === "join" && fx.token === token) return fx.result;
    return undefined;
  }

  /** The SyncGroup answer for `token`, if any yet. */
  synced(token: number): SyncResult | undefined {
    for (const fx of this.effects) if (fx.kind === "sync" && fx.token === token) return fx.result;
    return undefined;
  }

  /** The error code of a reply effect. */
  reply(token: number): number {
    for (const fx of this.effects) if (fx.kind === "reply" && fx.token === token) return fx.errorCode;
    throw new Error(`no reply for token ${token}`);
  }

  /** Delivers the outcome of the last store effect. */
  stored(errorCode = 0): void {
    const store = [...this.effects].reverse().find((fx) => fx.kind === "store");
    if (store?.kind !== "store") throw new Error("no store effect to complete");
    this.send({ type: "stored", generationId: store.generationId, errorCode });
  }

  /** Joins a new dynamic member through MEMBER_ID_REQUIRED; returns its id and the second join's token. */
  joinNew(o: JoinOpts = {}): { memberId: string; token: number } {
    const first = this.joined(this.join(o));
    if (first?.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${JSON.stringify(first)}`);
    return { memberId: first.memberId, token: this.join({ ...o, memberId: first.memberId }) };
  }

  get state(): string {
    return this.group?.state ?? "none";
  }
}

/** A JSON-able view of a group (maps and buffers spelled out) for equality checks. */
export function snapshot(g: Group): unknown {
  return {
    ...g,
    members: [...g.members.entries()].map(([k, m]) => [k, { ...m, assignment: m.assignment.toString("hex"), protocols: m.protocols.map((p) => [p.name, p.metadata.toString("hex")]) }]),
    pendingMembers: [...g.pendingMembers],
    staticMembers: [...g.staticMembers],
    pendingSync: [...g.pendingSync],
    pendingAssignment: g.pendingAssignment === null ? null : [...g.pendingAssignment].map(([k, v]) => [k, v.toString("hex")]),
    subscribedTopics: g.subscribedTopics === null ? null : [...g.subscribedTopics],
  };
}
