/**
 * One partition's log: an ordered list of segments, the last one active.
 *
 * State has one owner (this object) and every change is computed and applied synchronously;
 * only durability (fsync) and maintenance (roll flushes, retention, compaction, truncation) are
 * asynchronous. Maintenance runs one task at a time on a private queue, so those never
 * interleave with each other, and appends (which touch only the active segment) never wait for them.
 *
 * Offsets: logStartOffset = base of the first segment; logEndOffset (LEO) = next offset to assign;
 * highWatermark (HW) = end of what readers may see. With flush "every-append" the HW only moves
 * once the bytes are fsynced, so no reader ever sees a record that a machine crash could take
 * back; with the other policies it moves as soon as the bytes are written.
 *
 * Write-behind: append() validates and assigns offsets at once but only queues the batch on the
 * active segment; the queue is written with one gathered write (writev) when it holds
 * `logLimits.writeBehindBytesMax` bytes, at the end of the event-loop turn (setImmediate), and
 * before anything that needs the file to hold it: a read, an fsync round, a roll, a truncation,
 * retention, compaction, an index write, close and abandon. A system call per batch was most of
 * an append's cost (docs/benchmarks.md, "Log"). The HW moves, and append()'s promise resolves,
 * only after that write, so readers never see bytes that are not in the file and nothing is
 * acknowledged before its bytes are in the page cache. A failed write fails the log: every
 * queued append rejects with its IO error, and reopening recovers (cuts the torn tail).
 */
import type { LogFs } from "./fs.js";
import type { FlushPolicy, TopicConfig } from "./config.js";
import { checkTopicConfig } from "./config.js";
import { writeCheckpoint } from "./files.js";
import { Segment } from "./segment.js";
import type { SegmentSettings } from "./segment.js";
import { cutSegments, loadPartition } from "./recovery.js";
import type { RecoveryReport } from "./recovery.js";
import { planRetention } from "./retention.js";
import { compactLog } from "./compaction.js";
import { DataWaiters, GroupCommit } from "./durability.js";
import type { LogPoint } from "./durability.js";
import type { CompactionReport } from "./compaction.js";
import { batchTotalBytes, iterateRecords, setBaseOffset, setMaxTimestampAndLogAppendTime } from "../protocol/records/index.js";
import { checkProducerBatch } from "./producer-batch.js";
import { WeirError } from "../util/errors.js";
import { logLimits } from "../util/limits.js";

/** The appends of one write of the queue: settled once their bytes are written (or failed to be). */
interface QueuedWrite {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** How to open a partition log. */
export interface PartitionLogOptions {
  fs: LogFs;
  /** The partition directory, `<dataDir>/<topic>-<partition>`; created when missing. */
  dir: string;
  topic: string;
  partition: number;
  config: TopicConfig;
  /** Clock in ms; tests pass a fake one. */
  now?: () => number;
}

/** What an append assigned. */
export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The time stamped on the batch for LogAppendTime topics, else -1 (as ProduceResponse). */
  logAppendTime: number;
  logStartOffset: number;
}

/** What a read returns. */
export interface ReadResult {
  /** Whole batches, as stored; empty when there is nothing at or after the offset below the HW. */
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
}

/** An offset with the timestamp that selected it (ListOffsets' answer). */
export interface TimestampOffset {
  offset: number;
  timestamp: number;
}

/** See the module comment. */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly fs: LogFs;
  /** What opening found and repaired. */
  readonly recovery: RecoveryReport;
  private cfg: TopicConfig;
  private settings: SegmentSettings;
  private readonly clock: () => number;
  private segments: Segment[];
  private next: number;
  private hw: LogPoint;
  private recoveryPoint: number;
  private readonly commits: GroupCommit;
  private readonly waiters: DataWaiters;
  private tasks: Promise<void> = Promise.resolve();
  private failure: WeirError | null = null;
  private closed = false;
  /** Set when close() begins: no new appends or maintenance from then on. */
  private closing = false;
  private timer: NodeJS.Timeout | null = null;
  /** The appends queued on the active segment and not yet written, or null when none are. */
  private queued: QueuedWrite | null = null;
  /** True while a setImmediate that writes the queue is pending. */
  private writeScheduled = false;

  private constructor(opts: PartitionLogOptions, segments: Segment[], recovery: RecoveryReport, clock: () => number) {
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.dir = opts.dir;
    this.fs = opts.fs;
    this.cfg = opts.config;
    this.settings = settingsOf(opts.config);
    this.clock = clock;
    this.segments = segments;
    this.recovery = recovery;
    const active = this.active();
    this.next = active.nextOffset;
    this.hw = { offset: this.next, segmentBase: active.baseOffset, position: active.size };
    this.recoveryPoint = active.baseOffset;
    this.waiters = new DataWaiters(`${this.topic}-${this.partition}`);
    this.commits = new GroupCommit(
      {
        fs: this.fs,
        dir: this.dir,
        // A round covers what is written: the queue is written first.
        endPoint: () => {
          this.writeQueue();
          return this.endPoint();
        },
        // Under every-append the HW is the durable point; otherwise it already is the log end.
        onDurable: (point) => {
          if (this.cfg.flush.kind === "every-append") this.advanceHw(point);
        },
        onError: (e) => this.fail(e),
      },
      this.next,
    );
    this.startTimer();
  }

  /** Opens (or creates) the partition directory, recovering from an unclean shutdown. */
  static async open(opts: PartitionLogOptions): Promise<PartitionLog> {
    checkTopicConfig(opts.config);
    const clock = opts.now ?? Date.now;
    const loaded = await loadPartition(opts.fs, opts.dir, settingsOf(opts.config), clock());
    return new PartitionLog(opts, loaded.segments, loaded.report, clock);
  }

  /** The topic config in force. */
  get config(): Readonly<TopicConfig> {
    return this.cfg;
  }

  /** Applies a changed topic config (AlterConfigs); index settings apply to new segments. */
  setConfig(config: TopicConfig): void {
    checkTopicConfig(config);
    const wasEvery = this.cfg.flush.kind === "every-append";
    this.cfg = config;
    this.settings = settingsOf(config);
    this.startTimer();
    // Leaving every-append: what was written becomes visible at once, as under the new policy.
    if (wasEvery && config.flush.kind !== "every-append") {
      this.writeQueue();
      if (this.failure === null) this.advanceHw(this.endPoint());
    }
  }

  private active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  /** The log end, queued batches included (equal to the written end right after {@link writeQueue}). */
  private endPoint(): LogPoint {
    const a = this.active();
    return { offset: this.next, segmentBase: a.baseOffset, position: a.size };
  }

  private startTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const flush: FlushPolicy = this.cfg.flush;
    if (flush.kind === "interval" && !this.closed) {
      this.timer = setInterval(() => {
        if (this.commits.hasDirty()) this.commits.run();
      }, flush.intervalMs);
      this.timer.unref();
    }
  }

  /** First offset in the log. */
  logStartOffset(): number {
    return this.segments[0].baseOffset;
  }

  /** Next offset to be assigned. */
  logEndOffset(): number {
    return this.next;
  }

  /** End of what readers see (ListOffsets "latest"). */
  highWatermark(): number {
    return this.hw.offset;
  }

  /** Bytes of all segments. */
  sizeBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /** Number of segments (for tests and metrics). */
  segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first. */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  private checkOpen(): void {
    if (this.closed || this.closing) throw new WeirError("CLOSED", `partition ${this.topic}-${this.partition} is closed`, { details: { topic: this.topic, partition: this.partition } });
  }

  /**
   * Appends one producer batch: validates it, assigns offsets by rewriting its base offset (and
   * for LogAppendTime topics its timestamp) in place, and queues the same bytes on the active
   * segment (write-behind: see the module comment). The caller hands the buffer over and must
   * not change it until the promise settles. Resolves once the bytes are written and the append
   * is as durable as the flush policy promises (fsynced, for every-append); the HW has then
   * moved past it (under every-append: once fsynced).
   *
   * Contract relied on by the broker: validation and offset assignment happen synchronously
   * inside the call, before its first await; logEndOffset() has moved when append() returns its
   * promise (or is unchanged when the promise rejects with a refusal). The write happens before
   * the promise resolves, at the latest at the end of the current event-loop turn. A failed
   * write rejects every append queued with it with the log's IO error and stops the log.
   */
  append(batch: Buffer): Promise<AppendResult> {
    let queued: { result: AppendResult; written: Promise<void> };
    try {
      queued = this.appendNow(batch);
    } catch (e) {
      // A refusal (or a closed or failed log) rejects; it never throws.
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const { result, written } = queued;
    // One reaction per append (no async function): this is the hot path of every produce.
    return written.then(() => (this.cfg.flush.kind === "every-append" ? this.commits.request(result.lastOffset + 1).then(() => result) : result));
  }

  private appendNow(batch: Buffer): { result: AppendResult; written: Promise<void> } {
    this.checkOpen();
    if (this.failure !== null) throw this.failure;
    const now = this.clock();
    const h = checkProducerBatch(batch, this.cfg, { topic: this.topic, partition: this.partition }, now);
    let maxTimestamp = h.maxTimestamp;
    if (this.cfg.messageTimestampType === "LogAppendTime") {
      setMaxTimestampAndLogAppendTime(batch, 0, now);
      maxTimestamp = now;
    }
    if (this.active().isFullFor(batch.length, maxTimestamp, this.next + h.lastOffsetDelta, now, this.cfg)) {
      // The roll writes the old segment's queue first; if that fails, so does this append.
      const failed = this.roll(now);
      if (failed !== null) throw failed;
    }
    const baseOffset = this.next;
    const lastOffset = baseOffset + h.lastOffsetDelta;
    setBaseOffset(batch, 0, baseOffset);
    const seg = this.active();
    seg.enqueue(batch, baseOffset, lastOffset, maxTimestamp, now);
    this.next = lastOffset + 1;
    let q = this.queued;
    if (q === null) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      q = { promise, resolve, reject };
      this.queued = q;
      if (!this.writeScheduled) {
        this.writeScheduled = true;
        setImmediate(() => {
          this.writeScheduled = false;
          this.writeQueue();
        });
      }
    }
    if (seg.queuedBytes >= logLimits.writeBehindBytesMax) this.writeQueue();
    const result = { baseOffset, lastOffset, logAppendTime: this.cfg.messageTimestampType === "LogAppendTime" ? now : -1, logStartOffset: this.logStartOffset() };
    return { result, written: q.promise };
  }

  /**
   * Writes the active segment's queue (one gathered write), then moves the HW (unless it waits
   * for fsyncs) and settles the queued appends. On failure the log fails and they reject with
   * its error. Never throws.
   */
  private writeQueue(): void {
    const q = this.queued;
    if (q === null) return;
    this.queued = null;
    const seg = this.active();
    try {
      seg.writeQueued();
    } catch (e) {
      this.fail(e);
      q.reject(this.failure);
      return;
    }
    this.commits.markDirty(seg);
    if (this.cfg.flush.kind !== "every-append") this.advanceHw(this.endPoint());
    q.resolve();
  }

  /**
   * Starts a new active segment at the log end, after writing the old one's queue. The old one is
   * fsynced with its index files in the background, then the recovery point moves past it:
   * recovery never rescans it. Returns the log's failure instead when that write failed.
   */
  private roll(now: number): WeirError | null {
    this.writeQueue();
    if (this.failure !== null) return this.failure;
    const old = this.active();
    const seg = Segment.create(this.fs, this.dir, this.next, this.settings, now);
    this.segments.push(seg);
    this.enqueue(async () => {
      // Each step checks for abandon(): a crashed process would not have completed it either.
      if (this.segments.includes(old) && !this.closed) {
        await old.fsync();
        if (this.closed) return;
        await old.writeIndexes();
        this.commits.markDurable({ offset: old.nextOffset, segmentBase: old.baseOffset, position: old.size });
      }
      await this.setRecoveryPoint(seg.baseOffset);
    }).catch((e: unknown) => this.fail(e));
    return null;
  }

  private async setRecoveryPoint(offset: number): Promise<void> {
    if (offset <= this.recoveryPoint || this.closed) return;
    await writeCheckpoint(this.fs, this.dir, { recoveryPoint: offset, clean: false });
    this.recoveryPoint = offset;
  }

  /** Runs `fn` on the maintenance queue, after every task queued before it. */
  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tasks.then(fn);
    this.tasks = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  private advanceHw(point: LogPoint): void {
    if (point.offset <= this.hw.offset) return;
    this.hw = point;
    this.waiters.advanced(point.offset);
  }

  /**
   * After an I/O error whose effect on disk is unknown (a failed fsync loses the dirty pages it
   * could not write), the log refuses appends until it is reopened and recovered.
   */
  private fail(e: unknown): void {
    if (this.failure === null) {
      this.failure =
        e instanceof WeirError && e.code === "IO"
          ? new WeirError("IO", `partition ${this.topic}-${this.partition} stopped taking appends after an I/O error (${e.message}); reopen it to recover`, { cause: e, details: { topic: this.topic, partition: this.partition } })
          : new WeirError("IO", `partition ${this.topic}-${this.partition} stopped taking appends after a failure: ${String(e)}`, { cause: e, details: { topic: this.topic, partition: this.partition } });
    }
    this.commits.fail(this.failure);
  }

  /** Closes a segment's file once no fsync may still be using it. */
  private retire(seg: Segment): void {
    this.commits.retire(seg, () => seg.close());
  }

  /** Bytes of segment `seg` that readers may see. */
  private limitOf(seg: Segment): number {
    if (seg.baseOffset < this.hw.segmentBase) return seg.size;
    return seg.baseOffset === this.hw.segmentBase ? Math.min(this.hw.position, seg.size) : 0;
  }

  /** Index of the last segment whose base offset is <= `offset` (0 when none is). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * Whole batches starting with the one that contains `offset`, up to `maxBytes` but at least
   * one batch, never past the HW. Offsets outside [logStartOffset, logEndOffset] are
   * OFFSET_OUT_OF_RANGE. With `into`, the batches are read into it when they fit (the records
   * are then a view of it; see Segment.read).
   */
  read(offset: number, maxBytes: number, into?: Buffer): ReadResult {
    this.checkOpen();
    this.writeQueue();
    const logStart = this.logStartOffset();
    if (!Number.isSafeInteger(offset) || offset < logStart || offset > this.next) {
      throw new WeirError("OFFSET_OUT_OF_RANGE", `offset ${offset} of ${this.topic}-${this.partition} is outside [${logStart}, ${this.next}]`, {
        details: { topic: this.topic, partition: this.partition, offset, logStartOffset: logStart, logEndOffset: this.next },
      });
    }
    const result = (records: Buffer): ReadResult => ({ records, highWatermark: this.hw.offset, logStartOffset: logStart });
    if (offset >= this.hw.offset) return result(Buffer.alloc(0));
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const seg = this.segments[i];
      const limit = this.limitOf(seg);
      if (limit === 0 && seg.baseOffset > this.hw.segmentBase) break;
      const loc = seg.locate(offset, limit);
      if (loc !== null) return result(seg.read(loc.position, batchTotalBytes(loc.header), maxBytes, limit, into));
    }
    return result(Buffer.alloc(0));
  }

  /** The earliest offset whose record timestamp is >= `timestamp`, or null when none is (ListOffsets). */
  offsetForTimestamp(timestamp: number): TimestampOffset | null {
    this.checkOpen();
    this.writeQueue();
    for (const seg of this.segments) {
      const limit = this.limitOf(seg);
      if (limit === 0 || seg.maxTimestamp < timestamp) continue;
      const found = seg.findByTimestamp(timestamp, limit);
      if (found !== null) return found;
    }
    return null;
  }

  /** The first record with the largest timestamp (ListOffsets -3), or null for an empty log. */
  maxTimestampOffset(): TimestampOffset | null {
    this.checkOpen();
    this.writeQueue();
    let best: Segment | null = null;
    for (const seg of this.segments) if (this.limitOf(seg) > 0 && seg.maxTimestamp > (best?.maxTimestamp ?? -1)) best = seg;
    if (best === null) return null;
    const loc = best.locate(best.offsetOfMaxTimestamp, this.limitOf(best));
    if (loc === null) return null;
    for (const r of iterateRecords(best.readBatch(loc), 0)) if (r.timestamp === best.maxTimestamp) return { offset: r.offset, timestamp: r.timestamp };
    // The header claims a maximum no record carries (a producer's error): answer with the batch.
    return { offset: loc.header.baseOffset + loc.header.lastOffsetDelta, timestamp: best.maxTimestamp };
  }

  /**
   * Resolves when the HW moves beyond `offset` (at once if it already has), when `signal`
   * aborts, or when the log closes: a Fetch long-poll's wake-up. Costs nothing while nobody waits.
   */
  waitForData(offset: number, signal?: AbortSignal): Promise<void> {
    if (this.hw.offset > offset || this.closed || signal?.aborted === true) return Promise.resolve();
    return this.waiters.wait(offset, signal);
  }

  /** Writes and fsyncs everything appended so far (any flush policy). */
  flush(): Promise<void> {
    this.checkOpen();
    this.writeQueue();
    if (this.failure !== null) return Promise.reject(this.failure);
    return this.commits.request(this.next);
  }

  /** Resolves once the background work queued so far (roll flushes, maintenance) is done. */
  settle(): Promise<void> {
    return this.tasks;
  }

  /** Starts a new segment now if the active one holds anything (tests, admin tools). */
  rollNow(): void {
    this.checkOpen();
    if (this.active().size > 0) this.roll(this.clock());
  }

  /** Deletes whole segments past retention.ms / retention.bytes; returns how many. */
  deleteOldSegments(now: number = this.clock()): Promise<number> {
    this.checkOpen();
    return this.enqueue(async () => {
      this.writeQueue();
      const decision = planRetention(
        this.segments.map((s) => ({ sizeBytes: s.size, largestTimestamp: s.maxTimestamp >= 0 ? s.maxTimestamp : s.lastModifiedMs })),
        { deleteEnabled: this.cfg.cleanupPolicy.delete, retentionMs: this.cfg.retentionMs, retentionBytes: this.cfg.retentionBytes },
        now,
      );
      if (decision.deleteCount === 0 || this.closed) return 0;
      if (decision.rollFirst && this.roll(now) !== null) return 0;
      // Oldest first, so that a crash in between leaves a log that is a suffix of this one.
      const doomed = this.segments.splice(0, decision.deleteCount);
      for (const s of doomed) {
        s.deleteFiles();
        this.retire(s);
      }
      await this.fs.fsyncDir(this.dir);
      return doomed.length;
    });
  }

  /** One compaction pass (cleanup.policy=compact); a no-op report for other topics. */
  compact(now: number = this.clock()): Promise<CompactionReport> {
    this.checkOpen();
    return this.enqueue(async () => {
      this.writeQueue();
      const host = {
        fs: this.fs,
        dir: this.dir,
        settings: this.settings,
        cleanable: (): Segment[] => (this.cfg.cleanupPolicy.compact && !this.closed ? this.segments.filter((_s, i) => i + 1 < this.segments.length && this.segments[i + 1].baseOffset <= this.recoveryPoint) : []),
        replace: (old: Segment, cleaned: Segment): void => {
          const i = this.segments.indexOf(old);
          if (i < 0) throw new WeirError("INVALID_ARGUMENT", `segment ${old.baseOffset} left the log during compaction`);
          this.segments[i] = cleaned;
          if (this.hw.segmentBase === old.baseOffset) this.hw = { ...this.hw, position: cleaned.size };
          this.retire(old);
        },
      };
      return compactLog(host, this.cfg.deleteRetentionMs, now);
    });
  }

  /**
   * Removes every batch at or after `offset` (a batch containing it goes whole), so the log ends
   * at or before `offset`. For tests, tools and a future replica fetcher.
   */
  truncateTo(offset: number): Promise<void> {
    this.checkOpen();
    return this.enqueue(async () => {
      if (offset >= this.next) return;
      const logStart = this.logStartOffset();
      if (offset < logStart) throw new WeirError("OFFSET_OUT_OF_RANGE", `cannot truncate ${this.topic}-${this.partition} to ${offset}, below its start ${logStart}`);
      // An fsync in flight may still use the files about to be cut or closed.
      await this.commits.idle();
      const i = this.segmentIndexFor(offset);
      // Appends may arrive while the checkpoint is written: their queue is written before the cut.
      const { kept, dropped } = await cutSegments(this.fs, this.dir, this.segments, i, offset, this.settings, this.clock(), () => this.writeQueue());
      for (const s of dropped) this.retire(s);
      this.segments = kept;
      this.recoveryPoint = kept[kept.length - 1].baseOffset;
      this.next = this.active().nextOffset;
      this.commits.truncated(this.next);
      if (this.hw.offset > this.next) this.hw = this.endPoint();
      await this.active().fsync();
    });
  }

  /**
   * Waits for queued maintenance, fsyncs, writes the active segment's indexes and marks the
   * shutdown clean. After an I/O failure it closes the files and rejects with that failure.
   */
  async close(): Promise<void> {
    if (this.closed || this.closing) return;
    this.closing = true;
    this.writeQueue();
    await this.tasks;
    if (this.failure === null) await this.commits.request(this.next);
    this.closed = true;
    this.startTimer();
    if (this.failure === null) {
      await this.active().writeIndexes();
      await writeCheckpoint(this.fs, this.dir, { recoveryPoint: this.next, clean: true });
    }
    this.release();
    // The files are closed either way; the caller must know the shutdown was not clean.
    if (this.failure !== null) throw this.failure;
  }

  /**
   * Drops the log without fsyncing, as a crashed process would (tests; deleting a topic): the
   * appends queued are written (to the page cache) first, as a process that had returned from
   * its write calls. Queued work stops at its next step; resolves once nothing touches the files
   * any more.
   */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.writeQueue();
    this.closed = true;
    this.startTimer();
    await this.tasks;
    await this.commits.idle();
    this.release();
  }

  private release(): void {
    for (const s of this.segments) {
      try {
        s.close();
      } catch {
        // Closing a file of a dead (simulated) process or after an I/O error: nothing left to save.
      }
    }
    this.waiters.wakeAll();
  }
}

function settingsOf(cfg: TopicConfig): SegmentSettings {
  return { indexIntervalBytes: cfg.indexIntervalBytes, segmentIndexBytes: cfg.segmentIndexBytes };
}
