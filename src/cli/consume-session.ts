/**
 * The loop behind `weir consume`: start positions, one fetch round after another through a
 * {@link TopicReader}, printing, the end conditions (--max, --to-time, idle timeout, a signal),
 * and with --group the member's assignment and offset commits.
 *
 * What counts as consumed (and is committed) is the offset after the last record printed; after
 * a fetch round printed in full it is the reader's position, which also steps over gaps.
 */
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import type { RemoteLogClient } from "../client/remote.js";
import { GroupMember, TopicReader, commitMemberOffsets, type AdminClient, type ConsumedRecord, type MemberGeneration } from "../client/wire/index.js";
import { isWeirError } from "../util/errors.js";
import type { RecordFormatter } from "./record-format.js";

/** Where a partition starts without a committed offset. */
export type StartSpec = { kind: "earliest" } | { kind: "latest" } | { kind: "offset"; offset: number } | { kind: "time"; timestamp: number };

/** The checked flags of `weir consume`. */
export interface ConsumePlan {
  /** Only this partition, or all (null). */
  partition: number | null;
  start: StartSpec;
  /** Each partition ends before its first offset whose record is at or after this time (ms), or never. */
  toTime: number | null;
  group: string | null;
  max: number | null;
  idleMs: number | null;
  formatter: RecordFormatter;
}

/** Pause between fetch rounds that found nothing. */
const IDLE_POLL_MS = 100;
/** How often a group member commits while records flow. */
const COMMIT_INTERVAL_MS = 1000;

/** See the module comment. */
export class ConsumeSession {
  private readonly reader: TopicReader;
  /** Next offset after the last record printed, per assigned or finished partition. */
  private readonly consumed = new Map<number, number>();
  /** End offset per partition (exclusive); null while a future --to-time has no record yet. */
  private readonly ends = new Map<number, number | null>();
  private readonly done = new Set<number>();
  private readonly abort = new AbortController();
  private stopped = false;
  private failure: Error | null = null;
  private printed = 0;
  private member: GroupMember | null = null;
  private generation: MemberGeneration | null = null;
  private lastCommit = 0;

  constructor(
    private readonly admin: AdminClient,
    log: RemoteLogClient,
    private readonly topic: string,
    private readonly plan: ConsumePlan,
  ) {
    this.reader = new TopicReader({ source: log, topic });
  }

  /** Consumes `partitions` (or, with a group, what the group assigns) until an end; returns the records printed. */
  async run(partitions: readonly number[]): Promise<number> {
    const stop = (): void => this.stop();
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    const onStdoutError = (e: NodeJS.ErrnoException): void => {
      // A reader that went away (`| head`) ends the consumer; anything else is a failure.
      if (e.code !== "EPIPE") this.failure ??= e;
      this.stop();
    };
    process.stdout.on("error", onStdoutError);
    try {
      if (this.plan.group === null) {
        await this.assign(partitions, new Map());
      } else {
        this.member = await GroupMember.start({
          cluster: this.admin.cluster,
          groupId: this.plan.group,
          topics: [this.topic],
          onError: (e) => {
            this.failure ??= e instanceof Error ? e : new Error(String(e));
            this.stop();
          },
        });
      }
      await this.loop();
      if (this.failure !== null) throw this.failure;
      return this.printed;
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.stdout.off("error", onStdoutError);
      await this.finishGroup();
    }
  }

  private stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private async loop(): Promise<void> {
    let idleSince = Date.now();
    while (!this.stopped) {
      if (this.member !== null) await this.followAssignment();
      this.finishReached();
      if (this.allDone()) break;
      const records = this.reader.assigned().length === 0 ? [] : await this.reader.poll();
      await this.print(records);
      if (this.plan.max !== null && this.printed >= this.plan.max) break;
      if (records.length > 0) idleSince = Date.now();
      if (this.member !== null && Date.now() - this.lastCommit >= COMMIT_INTERVAL_MS) await this.commit(false);
      if (records.length === 0 && this.reader.caughtUp()) {
        if (this.plan.idleMs !== null && Date.now() - idleSince >= this.plan.idleMs) break;
        await this.resolveFutureEnds();
        this.finishReached();
        if (this.allDone()) break;
        await sleep(IDLE_POLL_MS, undefined, { signal: this.abort.signal }).catch(() => undefined);
      }
    }
  }

  /** True when --to-time ended every partition (never with a group before it has an assignment). */
  private allDone(): boolean {
    if (this.plan.toTime === null) return false;
    if (this.member !== null && this.generation === null) return false;
    return this.reader.assigned().length === 0;
  }

  /** Starts reading `partitions` at committed offsets (given) or the plan's start. */
  private async assign(partitions: readonly number[], committed: ReadonlyMap<number, number>): Promise<void> {
    const fresh = partitions.filter((p) => !this.done.has(p));
    if (fresh.length === 0) return;
    const starts = await this.startOffsets(fresh.filter((p) => !committed.has(p)));
    for (const p of fresh) {
      const at = committed.get(p) ?? starts.get(p)!;
      this.reader.assign(p, at);
      this.consumed.set(p, at);
    }
    await this.resolveEnds(fresh);
  }

  private async startOffsets(partitions: readonly number[]): Promise<Map<number, number>> {
    if (partitions.length === 0) return new Map();
    const tps = partitions.map((partition) => ({ topic: this.topic, partition }));
    const s = this.plan.start;
    const at = (spec: "earliest" | "latest") => this.admin.listOffsets(tps, spec).then((rs) => rs.map((r) => r.offset ?? 0));
    let offsets: number[];
    if (s.kind === "earliest" || s.kind === "latest") offsets = await at(s.kind);
    else if (s.kind === "time") {
      const found = await this.admin.listOffsets(tps, { timestamp: s.timestamp });
      const latest = await at("latest");
      offsets = found.map((f, i) => f.offset ?? latest[i]);
    } else {
      // An explicit offset outside the partition is clamped to it, as `groups reset-offsets` does.
      const [earliest, latest] = await Promise.all([at("earliest"), at("latest")]);
      offsets = partitions.map((_, i) => Math.min(Math.max(s.offset, earliest[i]), latest[i]));
    }
    return new Map(partitions.map((p, i) => [p, offsets[i]]));
  }

  /** The --to-time end of each partition: its first offset at or after the time; the latest offset when none is and the time has passed. */
  private async resolveEnds(partitions: readonly number[]): Promise<void> {
    const to = this.plan.toTime;
    if (to === null || partitions.length === 0) return;
    const tps = partitions.map((partition) => ({ topic: this.topic, partition }));
    const found = await this.admin.listOffsets(tps, { timestamp: to });
    const passed = Date.now() >= to;
    const latest = passed ? await this.admin.listOffsets(tps, "latest") : null;
    partitions.forEach((p, i) => this.ends.set(p, found[i].offset ?? (latest === null ? null : (latest[i].offset ?? 0))));
  }

  /** Once a future --to-time has passed, partitions without a record that late end at their latest offset. */
  private async resolveFutureEnds(): Promise<void> {
    if (this.plan.toTime === null || Date.now() < this.plan.toTime) return;
    const open = this.reader.assigned().filter((p) => this.ends.get(p) === null);
    await this.resolveEnds(open);
  }

  /** Finishes partitions whose position reached their end. */
  private finishReached(): void {
    for (const p of this.reader.assigned()) {
      const end = this.ends.get(p);
      if (typeof end === "number" && this.reader.position(p)! >= end) this.finish(p, end);
    }
  }

  private finish(partition: number, end: number): void {
    this.reader.unassign(partition);
    this.done.add(partition);
    this.consumed.set(partition, Math.min(this.consumed.get(partition) ?? end, end));
  }

  /** Prints a fetch round's records up to the ends and --max, then notes what was consumed. */
  private async print(records: readonly ConsumedRecord[]): Promise<void> {
    const out: Buffer[] = [];
    let cut = false;
    for (const r of records) {
      if (this.done.has(r.partition) || !this.consumed.has(r.partition)) continue;
      let end = this.ends.get(r.partition);
      if (end === null && r.timestamp >= this.plan.toTime!) {
        end = r.offset;
        this.ends.set(r.partition, end);
      }
      if (typeof end === "number" && r.offset >= end) {
        this.consumed.set(r.partition, end);
        this.finish(r.partition, end);
        continue;
      }
      if (this.plan.max !== null && this.printed >= this.plan.max) {
        cut = true;
        break;
      }
      out.push(this.plan.formatter(r));
      this.printed++;
      this.consumed.set(r.partition, r.offset + 1);
    }
    if (!cut) {
      for (const p of this.reader.assigned()) this.consumed.set(p, this.reader.position(p)!);
    }
    if (out.length > 0 && !process.stdout.write(Buffer.concat(out))) {
      await Promise.race([once(process.stdout, "drain"), once(this.abort.signal, "abort")]);
    }
  }

  /** With a group: takes up a new generation's assignment (committing the last one's offsets first). */
  private async followAssignment(): Promise<void> {
    const a = this.member!.assignment;
    if (a === null || a.generationId === this.generation?.generationId) return;
    if (this.generation !== null) await this.commit(true);
    this.generation = { generationId: a.generationId, memberId: a.memberId };
    const mine = new Set(a.partitions.find((tp) => tp.topic === this.topic)?.partitions ?? []);
    for (const p of this.reader.assigned()) {
      if (!mine.has(p)) {
        this.reader.unassign(p);
        this.consumed.delete(p);
      }
    }
    const fresh = [...mine].filter((p) => this.reader.position(p) === undefined);
    const committed = new Map(
      (await this.admin.listGroupOffsets(this.plan.group!)).filter((c) => c.topic === this.topic).map((c) => [c.partition, c.offset]),
    );
    await this.assign(fresh, committed);
  }

  /**
   * Commits what was consumed of the assigned (and finished) partitions in the current
   * generation. A commit the group refuses because it moved on (a rebalance) is dropped when
   * `tolerant`; the next owner then reads those records again (at least once).
   */
  private async commit(tolerant: boolean): Promise<void> {
    if (this.generation === null || this.plan.group === null) return;
    this.lastCommit = Date.now();
    const offsets = [...this.consumed].map(([partition, offset]) => ({ topic: this.topic, partition, offset }));
    try {
      await commitMemberOffsets(this.admin.cluster, this.plan.group, this.generation, offsets);
    } catch (e) {
      const kafka = isWeirError(e) ? e.details.kafkaError : undefined;
      const movedOn = kafka === "ILLEGAL_GENERATION" || kafka === "REBALANCE_IN_PROGRESS" || kafka === "UNKNOWN_MEMBER_ID";
      if (!(tolerant || movedOn)) throw e;
    }
  }

  /** With a group: the last commit, then LeaveGroup so the others rebalance at once. */
  private async finishGroup(): Promise<void> {
    const member = this.member;
    if (member === null) return;
    this.member = null;
    try {
      if (this.failure === null) await this.commit(false);
    } finally {
      await member.leave("weir consume is done");
    }
  }
}
