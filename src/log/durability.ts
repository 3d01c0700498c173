/**
 * The asynchronous edges of a partition log, kept apart from its state changes:
 * - {@link GroupCommit}: fsync rounds. One round covers every segment written since the previous
 *   round; appends that arrive while a round runs wait for the next one, so N producers waiting
 *   for durability share fsyncs instead of queueing N of them.
 * - {@link DataWaiters}: long-poll wake-ups when the high watermark moves.
 */
import type { LogFs } from "./fs.js";
import type { Segment } from "./segment.js";
import { WeirError } from "../util/errors.js";
import { logLimits } from "../util/limits.js";

/** A point in a log: offsets below `offset` are covered, and bytes below `position` of segment `segmentBase`. */
export interface LogPoint {
  offset: number;
  segmentBase: number;
  position: number;
}

/** What {@link GroupCommit} needs from its partition. */
export interface GroupCommitHost {
  readonly fs: LogFs;
  readonly dir: string;
  /**
   * The log end now, written to the files: what a round that starts now will cover. The host
   * writes any queued appends first (and calls onError, then {@link GroupCommit.fail}, when
   * that fails).
   */
  endPoint(): LogPoint;
  /** Called when a round completed: everything before `point` is durable. */
  onDurable(point: LogPoint): void;
  /** Called when a round failed; the partition must stop taking appends. */
  onError(e: unknown): void;
}

/** See the module comment. */
export class GroupCommit {
  /** Everything below this offset is known to be fsynced. */
  durableOffset: number;
  private dirty = new Set<Segment>();
  private running = false;
  private failure: unknown = null;
  private waiters: { offset: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private afterRound: (() => void)[] = [];

  constructor(
    private readonly host: GroupCommitHost,
    durableOffset: number,
  ) {
    this.durableOffset = durableOffset;
  }

  /** Records that `seg` has bytes not yet fsynced. */
  markDirty(seg: Segment): void {
    this.dirty.add(seg);
  }

  /** True when some segment has bytes not yet fsynced. */
  hasDirty(): boolean {
    return this.dirty.size > 0;
  }

  /** Forgets a segment that leaves the log; `close` runs once no round may still use its file. */
  retire(seg: Segment, close: () => void): void {
    this.dirty.delete(seg);
    if (this.running) this.afterRound.push(close);
    else close();
  }

  /** Resolves once no round is running (files may then be cut or closed). */
  async idle(): Promise<void> {
    while (this.running) await new Promise<void>((r) => this.afterRound.push(r));
  }

  /** Resolves once everything below `offset` is fsynced; rejects if a round fails. */
  request(offset: number): Promise<void> {
    if (this.durableOffset >= offset) return Promise.resolve();
    if (this.failure !== null) return Promise.reject(asError(this.failure));
    return new Promise((resolve, reject) => {
      this.waiters.push({ offset, resolve, reject });
      this.run();
    });
  }

  /** Starts a round unless one is running (the interval flush calls this on its timer). */
  run(): void {
    if (this.running || this.failure !== null) return;
    // First: endPoint() writes what the partition still holds queued (write-behind), which marks
    // its segment dirty, and may fail the partition.
    const target = this.host.endPoint();
    if (this.failure !== null) return;
    const segs = [...this.dirty];
    this.dirty.clear();
    // A segment created since the last round also needs its directory entry made durable.
    const newNames = segs.filter((s) => !s.nameDurable);
    this.running = true;
    Promise.all(segs.map((s) => s.fsync()))
      .then(() => (newNames.length > 0 ? this.host.fs.fsyncDir(this.host.dir) : undefined))
      .then(
        () => {
          for (const s of newNames) s.nameDurable = true;
          this.running = false;
          this.markDurable(target);
          this.drain();
          if (this.waiters.length > 0) this.run();
        },
        (e: unknown) => {
          this.running = false;
          this.host.onError(e);
          this.drain();
        },
      );
  }

  /** Records durability reached by other means (the fsync of a rolled segment). */
  markDurable(point: LogPoint): void {
    if (point.offset > this.durableOffset) this.durableOffset = point.offset;
    this.host.onDurable(point);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (w.offset <= this.durableOffset) w.resolve();
      else this.waiters.push(w);
    }
  }

  /** Rejects every waiter, now and later, with `failure`. */
  fail(failure: WeirError): void {
    this.failure = failure;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.reject(failure);
  }

  /** After a truncation: the log end moved back to `offset`. */
  truncated(offset: number): void {
    this.durableOffset = Math.min(this.durableOffset, offset);
  }

  private drain(): void {
    const fns = this.afterRound;
    this.afterRound = [];
    for (const fn of fns) fn();
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** See the module comment. Costs one length check per HW move while nobody waits. */
export class DataWaiters {
  private waiters: { offset: number; wake: () => void }[] = [];

  constructor(private readonly what: string) {}

  /** Resolves when {@link advanced} reports a HW above `offset`, or `signal` aborts. */
  wait(offset: number, signal?: AbortSignal): Promise<void> {
    if (this.waiters.length >= logLimits.appendWaitersMax) {
      return Promise.reject(new WeirError("LIMIT_EXCEEDED", `more than ${logLimits.appendWaitersMax} waiters on ${this.what}`, { retriable: true }));
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      const waiter = {
        offset,
        wake: (): void => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Wakes the waiters below `hw`. */
  advanced(hw: number): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (w.offset < hw) w.wake();
      else this.waiters.push(w);
    }
  }

  /** Wakes everyone (the log closes). */
  wakeAll(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.wake();
  }
}
