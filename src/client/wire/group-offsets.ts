/**
 * What kafka-consumer-groups.sh does with a group's offsets, as typed functions over an
 * {@link AdminClient}: the lag report of `--describe` and the plan and execution of
 * `--reset-offsets`. `weir groups` only parses flags and prints what these return.
 *
 * A reset is planned from facts gathered first (the partitions, their earliest and latest
 * offsets, the committed offsets, timestamp lookups) by a pure function, {@link computeReset},
 * so the rules (clamping, fallbacks) are testable without a broker.
 */
import { WeirError } from "../../util/errors.js";
import { compareTopicPartitions, type AdminClient, type GroupDescription, type TopicPartition } from "./admin.js";

/** One line of a group's lag report: a partition, or a member that holds no partition. */
export interface GroupOffsetRow {
  /** Null on the line of a member without partitions. */
  topic: string | null;
  partition: number | null;
  /** The committed offset, or null when none is committed. */
  currentOffset: number | null;
  /** The partition's latest offset, or null when the topic no longer exists. */
  logEndOffset: number | null;
  /** logEndOffset - currentOffset, or null when either is unknown. */
  lag: number | null;
  /** The member holding the partition, or null when no member does. */
  memberId: string | null;
  clientHost: string | null;
  clientId: string | null;
}

/** A group with its lag report. */
export interface GroupOffsetsReport {
  group: GroupDescription;
  /** Partitions by topic and partition, then members without partitions. */
  rows: GroupOffsetRow[];
}

/**
 * The lag report of `groupId`: every partition a member is assigned or the group has an offset
 * for, with the committed offset, the log-end offset, the lag and the owning member (as
 * `kafka-consumer-groups.sh --describe` shows it). Throws NOT_FOUND "Consumer group 'x' does
 * not exist." for a group the coordinator does not know.
 */
export async function describeGroupOffsets(admin: AdminClient, groupId: string): Promise<GroupOffsetsReport> {
  const [group] = await admin.describeGroups([groupId]);
  if (group.state === "Dead") throw groupNotFound(groupId);
  const committed = await admin.listGroupOffsets(groupId);
  const key = (tp: TopicPartition): string => `${tp.topic}\0${tp.partition}`;
  const owners = new Map<string, { tp: TopicPartition; member: GroupDescription["members"][number] }>();
  for (const m of group.members) {
    for (const a of m.assignment?.partitions ?? []) {
      for (const p of a.partitions) owners.set(key({ topic: a.topic, partition: p }), { tp: { topic: a.topic, partition: p }, member: m });
    }
  }
  const all = new Map<string, TopicPartition>();
  for (const { tp } of owners.values()) all.set(key(tp), tp);
  for (const c of committed) all.set(key(c), { topic: c.topic, partition: c.partition });
  const partitions = [...all.values()].sort(compareTopicPartitions);

  // A committed offset may outlive its topic (or partition); those show no log-end offset.
  const md = await admin.cluster.metadata([...new Set(partitions.map((p) => p.topic))]);
  const counts = new Map(md.topics.map((t) => [t.name, t.partitions.length]));
  const existing = partitions.filter((tp) => tp.partition < (counts.get(tp.topic) ?? 0));
  const ends = new Map((await admin.listOffsets(existing, "latest")).map((o) => [key(o), o.offset]));
  const committedAt = new Map(committed.map((c) => [key(c), c.offset]));

  const rows: GroupOffsetRow[] = partitions.map((tp) => {
    const currentOffset = committedAt.get(key(tp)) ?? null;
    const logEndOffset = ends.get(key(tp)) ?? null;
    const owner = owners.get(key(tp))?.member;
    return {
      topic: tp.topic,
      partition: tp.partition,
      currentOffset,
      logEndOffset,
      lag: currentOffset === null || logEndOffset === null ? null : logEndOffset - currentOffset,
      memberId: owner?.memberId ?? null,
      clientHost: owner?.clientHost ?? null,
      clientId: owner?.clientId ?? null,
    };
  });
  for (const m of group.members) {
    if ((m.assignment?.partitions ?? []).some((a) => a.partitions.length > 0)) continue;
    rows.push({ topic: null, partition: null, currentOffset: null, logEndOffset: null, lag: null, memberId: m.memberId, clientHost: m.clientHost, clientId: m.clientId });
  }
  return { group, rows };
}

/** The error for a group that does not exist, in the words of Kafka's tool. */
export function groupNotFound(groupId: string): WeirError {
  return new WeirError("NOT_FOUND", `Consumer group '${groupId}' does not exist.`, { details: { groupId } });
}

/** Where `--reset-offsets` moves a group's offsets. */
export type ResetSpec =
  | { kind: "earliest" }
  | { kind: "latest" }
  /** The first offset whose record timestamp is at or after `timestamp` (ms); latest when none is. */
  | { kind: "datetime"; timestamp: number }
  /** This offset, clamped to [earliest, latest]. */
  | { kind: "offset"; offset: number }
  /** The committed offset plus `by` (which may be negative), clamped to [earliest, latest]. */
  | { kind: "shift"; by: number };

/** The partitions of one topic a reset applies to; null partitions: all of them. */
export interface TopicSelection {
  topic: string;
  partitions: number[] | null;
}

/** One partition of a reset plan. */
export interface ResetPlanRow extends TopicPartition {
  /** The committed offset now, or null. */
  currentOffset: number | null;
  newOffset: number;
}

/** A planned reset. */
export interface ResetPlan {
  groupId: string;
  /** The group's state when planned (Empty or Dead). */
  state: string;
  spec: ResetSpec;
  /** By topic and partition. */
  rows: ResetPlanRow[];
}

/** The facts about one partition that {@link computeReset} decides from. */
export interface ResetFacts extends TopicPartition {
  earliest: number;
  latest: number;
  committed: number | null;
  /** For a datetime reset: the offset found for the timestamp, or null when no record is that new. */
  atTimestamp?: number | null;
}

/**
 * The new offset of each partition under `spec` (pure). Like Kafka's tool: explicit offsets and
 * shifts are clamped to [earliest, latest], a timestamp no record reaches resolves to latest, and
 * a shift needs a committed offset (NOT_FOUND otherwise).
 */
export function computeReset(spec: ResetSpec, facts: readonly ResetFacts[]): ResetPlanRow[] {
  const clamp = (f: ResetFacts, o: number): number => Math.min(Math.max(o, f.earliest), f.latest);
  return facts.map((f) => {
    let newOffset: number;
    switch (spec.kind) {
      case "earliest":
        newOffset = f.earliest;
        break;
      case "latest":
        newOffset = f.latest;
        break;
      case "datetime":
        newOffset = f.atTimestamp ?? f.latest;
        break;
      case "offset":
        newOffset = clamp(f, spec.offset);
        break;
      case "shift":
        if (f.committed === null) {
          throw new WeirError("NOT_FOUND", `cannot shift ${f.topic}-${f.partition}: the group has no committed offset there (use --to-offset, --to-earliest or --to-latest for it)`, {
            details: { topic: f.topic, partition: f.partition },
          });
        }
        newOffset = clamp(f, f.committed + spec.by);
        break;
    }
    return { topic: f.topic, partition: f.partition, currentOffset: f.committed, newOffset };
  });
}

/**
 * Plans a reset of `groupId`'s offsets on `topics` without changing anything: checks the group
 * has no members (IO, details.kafkaError NON_EMPTY_GROUP, otherwise), that the topics and
 * partitions exist (NOT_FOUND), gathers the offsets and computes the new ones.
 */
export async function planOffsetReset(admin: AdminClient, groupId: string, topics: readonly TopicSelection[], spec: ResetSpec): Promise<ResetPlan> {
  const group = await admin.assertGroupInactive(groupId);
  const names = [...new Set(topics.map((t) => t.topic))];
  const md = await admin.cluster.metadata(names);
  if (md.missing.length > 0) throw new WeirError("NOT_FOUND", `topic '${md.missing[0]}' does not exist`, { details: { topic: md.missing[0] } });
  const wanted = new Map<string, TopicPartition>();
  for (const sel of topics) {
    const count = md.topics.find((t) => t.name === sel.topic)!.partitions.length;
    for (const p of sel.partitions ?? Array.from({ length: count }, (_, i) => i)) {
      if (p >= count) {
        throw new WeirError("NOT_FOUND", `topic '${sel.topic}' has no partition ${p} (it has ${count}: 0-${count - 1})`, { details: { topic: sel.topic, partition: p, partitions: count } });
      }
      wanted.set(`${sel.topic}\0${p}`, { topic: sel.topic, partition: p });
    }
  }
  const partitions = [...wanted.values()].sort(compareTopicPartitions);
  const [earliest, latest, committed, atTimestamp] = [
    await admin.listOffsets(partitions, "earliest"),
    await admin.listOffsets(partitions, "latest"),
    await admin.listGroupOffsets(groupId),
    spec.kind === "datetime" ? await admin.listOffsets(partitions, { timestamp: spec.timestamp }) : null,
  ];
  const committedAt = new Map(committed.map((c) => [`${c.topic}\0${c.partition}`, c.offset]));
  const facts: ResetFacts[] = partitions.map((tp, i) => ({
    ...tp,
    earliest: earliest[i].offset ?? 0,
    latest: latest[i].offset ?? 0,
    committed: committedAt.get(`${tp.topic}\0${tp.partition}`) ?? null,
    ...(atTimestamp === null ? {} : { atTimestamp: atTimestamp[i].offset }),
  }));
  return { groupId, state: group.state, spec, rows: computeReset(spec, facts) };
}

/** Commits a planned reset (refused, as planning is, when the group has members by now). */
export async function applyOffsetReset(admin: AdminClient, plan: ResetPlan): Promise<void> {
  await admin.commitOffsets(
    plan.groupId,
    plan.rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.newOffset })),
  );
}

/**
 * Parses a topic selection: `TOPIC` (every partition) or `TOPIC:P[,P...]`. Throws
 * INVALID_ARGUMENT naming `what` (e.g. "--topic") and the accepted forms.
 */
export function parseTopicSelection(text: string, what = "a topic selection"): TopicSelection {
  const m = /^([^:]+?)(?::(\d+(?:,\d+)*))?$/.exec(text.trim());
  if (m === null || m[1].trim() === "") {
    throw new WeirError("INVALID_ARGUMENT", `${what} must be TOPIC or TOPIC:PARTITION[,PARTITION...] (e.g. events or events:0,1), got ${JSON.stringify(text)}`, {
      details: { value: text },
    });
  }
  const partitions = m[2] === undefined ? null : [...new Set(m[2].split(",").map(Number))].sort((a, b) => a - b);
  return { topic: m[1], partitions };
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an ISO 8601 date-time to ms since the epoch: `2026-11-21T10:00:00Z`,
 * `2026-11-21T10:00:00.000+01:00`; without a zone it is UTC (as in Kafka's tool). Throws
 * INVALID_ARGUMENT naming `what` and the accepted forms.
 */
export function parseIsoDateTime(text: string, what = "a date-time"): number {
  const bad = (): WeirError =>
    new WeirError(
      "INVALID_ARGUMENT",
      `${what} must be an ISO 8601 date-time like 2026-11-21T10:00:00Z or 2026-11-21T10:00:00.000+01:00 (no zone means UTC), got ${JSON.stringify(text)}`,
      { details: { value: text } },
    );
  const m = ISO_DATE_TIME.exec(text.trim());
  if (m === null) throw bad();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) throw bad();
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2026-02-31 over to March; a date that does not survive the round trip is not one.
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) throw bad();
  const zone = m[8];
  if (zone === undefined || zone === "Z") return local;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const offsetMin = Number(z[2]) * 60 + Number(z[3]);
  if (Number(z[2]) > 18 || Number(z[3]) > 59) throw bad();
  return local - (z[1] === "+" ? 1 : -1) * offsetMin * 60_000;
}
