/**
 * One segment of a partition: a `.log` file of record batches exactly as they came off the wire,
 * named by its base offset, with its sparse offset and time indexes in memory.
 *
 * A segment is written only while it is the active (last) one; after a roll it is immutable until
 * retention deletes it or compaction replaces it whole. Index files are written when it stops
 * being active (roll) and on clean close; on open they are trusted only below the recovery point,
 * and rebuilt from the log when missing or inconsistent.
 *
 * Write-behind: the active segment can queue batches ({@link Segment.enqueue}) and write them
 * later with one gathered write ({@link Segment.writeQueued}). Queued batches count in `size`,
 * `nextOffset` and the indexes at once (positions follow from the queued sizes); `writtenSize`
 * is where the file ends. Nothing reads, cuts or indexes the file past `writtenSize`: the owner
 * writes the queue first, and the methods that would assert it.
 */
import type { LogFile, LogFs } from "./fs.js";
import { writeFileDurably } from "./fs.js";
import { segmentFileName } from "./files.js";
import { OffsetIndex, OFFSET_INDEX_ENTRY_BYTES } from "./offset-index.js";
import { TimeIndex, TIME_INDEX_ENTRY_BYTES } from "./time-index.js";
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, batchTotalBytes, iterateRecords, readBatchHeader } from "../protocol/records/index.js";
import type { BatchHeader } from "../protocol/records/index.js";
import { WeirError, isWeirError } from "../util/errors.js";
import { limits, logLimits } from "../util/limits.js";
import { assert } from "../util/assert.js";

/** Largest offset distance from a segment's base: relative offsets are u32 in the indexes and Kafka keeps them within an int. */
export const RELATIVE_OFFSET_MAX = 2 ** 31 - 1;

/** Smallest batchLength: the header after the batchLength field. */
const BATCH_LENGTH_MIN = BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD;

/** Bytes read per pread when scanning batch headers (lookups, tail checks): an index interval and then some. */
const SCAN_CHUNK_BYTES = 8 * 1024;
/** Bytes read per pread when validating a whole segment (recovery): large reads keep it near disk speed. */
const RECOVERY_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Checks the frame and CRC-32C of a stored batch, without decoding its records: iterateRecords
 * checks exactly that up front (and decodes only when iterated). Every record was validated at
 * append; what can go wrong since is damage on disk or a torn write, which the CRC catches. This
 * is 2-3x faster than validateBatch, which walks every record again.
 */
function checkStoredBatch(buf: Buffer, pos: number): void {
  iterateRecords(buf, pos);
}

/** The settings a segment needs from its topic's config. */
export interface SegmentSettings {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
}

/** A batch found in a segment. */
export interface BatchLocation {
  position: number;
  header: BatchHeader;
}

/** What a validating scan of a segment found. */
export interface RecoveryResult {
  segment: Segment;
  /** Bytes cut from the end of the file (a torn or corrupt tail); 0 when the file was whole. */
  truncatedBytes: number;
  /** Why the tail was cut, or null. */
  reason: string | null;
}

/**
 * A window on a file for sequential scans: serves byte ranges from one large pread instead of a
 * syscall per batch header.
 */
class ChunkReader {
  private buf = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly file: LogFile,
    private readonly end: number,
    private readonly chunkBytes: number,
  ) {}

  /** A buffer holding file bytes [pos, pos+len) at `off`, or null when they lie beyond the end. */
  at(pos: number, len: number): { buf: Buffer; off: number } | null {
    if (pos + len > this.end) return null;
    if (pos >= this.start && pos + len <= this.start + this.buf.length) return { buf: this.buf, off: pos - this.start };
    const size = Math.min(this.end - pos, Math.max(this.chunkBytes, len));
    const buf = Buffer.allocUnsafe(size);
    const n = this.file.pread(buf, 0, size, pos);
    this.buf = buf.subarray(0, n);
    this.start = pos;
    return n < len ? null : { buf: this.buf, off: 0 };
  }
}

/** See the module comment. */
export class Segment {
  readonly baseOffset: number;
  readonly dir: string;
  private readonly fs: LogFs;
  private readonly settings: SegmentSettings;
  private file: LogFile;
  /** Suffix of the log file's current name ("" once it is part of the log). */
  private logSuffix: "" | ".cleaned" | ".swap" = "";
  offsetIndex: OffsetIndex;
  timeIndex: TimeIndex;
  /** Bytes of whole batches, queued ones included (the file may be longer only while a torn tail awaits truncation). */
  size = 0;
  /** Batches queued by {@link enqueue}, not yet written. */
  private queue: Buffer[] = [];
  /** Bytes in {@link queue}. */
  queuedBytes = 0;
  /** Last offset + 1, or the base offset while empty. */
  nextOffset: number;
  /** Largest batch maxTimestamp, or -1. */
  maxTimestamp = -1;
  /** Base offset of the first batch that reached {@link maxTimestamp}, or -1. */
  offsetOfMaxTimestamp = -1;
  /** maxTimestamp of the first batch: segment.ms counts from it, as Kafka's rollingBasedTimestamp. */
  firstBatchTimestamp = -1;
  /** When the segment was created or opened (segment.ms for batches without timestamps). */
  readonly createdMs: number;
  /** Time of the last append (retention falls back to it when batches carry no timestamps). */
  lastModifiedMs: number;
  /** True while the index files on disk do not match the indexes in memory. */
  indexesDirty = true;
  /** False from creation until the directory holding the new file has been fsynced: until then a crash may drop the file whole. */
  nameDurable = true;
  /** Set when a failed write could not be undone or left queued batches unwritten: the file and this segment disagree, its log must stop. */
  broken = false;
  private bytesSinceIndexEntry = 0;

  private constructor(fs: LogFs, dir: string, baseOffset: number, file: LogFile, settings: SegmentSettings, now: number) {
    this.fs = fs;
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.file = file;
    this.settings = settings;
    this.nextOffset = baseOffset;
    this.createdMs = now;
    this.lastModifiedMs = now;
    this.offsetIndex = new OffsetIndex(Math.max(1, Math.floor(settings.segmentIndexBytes / OFFSET_INDEX_ENTRY_BYTES)));
    this.timeIndex = new TimeIndex(Math.max(1, Math.floor(settings.segmentIndexBytes / TIME_INDEX_ENTRY_BYTES)));
  }

  /** Path of one of this segment's files. */
  path(kind: "log" | "index" | "timeindex", suffix: "" | ".cleaned" | ".swap" = ""): string {
    return `${this.dir}/${segmentFileName(this.baseOffset, kind, suffix)}`;
  }

  /** Creates an empty segment (an existing file of that name is emptied). `suffix` names compaction output. */
  static create(fs: LogFs, dir: string, baseOffset: number, settings: SegmentSettings, now: number, suffix: "" | ".cleaned" = ""): Segment {
    const file = fs.open(`${dir}/${segmentFileName(baseOffset, "log", suffix)}`, "truncate");
    const seg = new Segment(fs, dir, baseOffset, file, settings, now);
    seg.logSuffix = suffix;
    seg.nameDurable = false;
    if (suffix === "") seg.deleteIndexFiles();
    return seg;
  }

  /**
   * Opens a segment whose index files are trusted (below the recovery point): loads them and
   * checks them against the log's tail. Returns null when they are missing or inconsistent, and
   * the caller recovers the segment instead.
   */
  static openTrusted(fs: LogFs, dir: string, baseOffset: number, settings: SegmentSettings, now: number): Segment | null {
    const idxPath = `${dir}/${segmentFileName(baseOffset, "index")}`;
    const tidxPath = `${dir}/${segmentFileName(baseOffset, "timeindex")}`;
    if (!fs.exists(idxPath) || !fs.exists(tidxPath)) return null;
    const file = fs.open(`${dir}/${segmentFileName(baseOffset, "log")}`, "read-write");
    const seg = new Segment(fs, dir, baseOffset, file, settings, now);
    try {
      const oi = OffsetIndex.fromBuffer(fs.readFile(idxPath), seg.offsetIndex.maxEntries, idxPath);
      const ti = TimeIndex.fromBuffer(fs.readFile(tidxPath), seg.timeIndex.maxEntries, tidxPath);
      if (seg.loadTail(oi, ti)) {
        seg.lastModifiedMs = fs.stat(seg.path("log"))?.mtimeMs ?? now;
        return seg;
      }
    } catch (e) {
      if (!isWeirError(e, "LOG_CORRUPT") && !isWeirError(e, "CORRUPT_BATCH")) {
        file.close();
        throw e;
      }
    }
    file.close();
    return null;
  }

  /** Adopts loaded indexes after checking that they agree with the log; false when they do not. */
  private loadTail(oi: OffsetIndex, ti: TimeIndex): boolean {
    const fileSize = this.file.size();
    const last = oi.lastEntry();
    const reader = new ChunkReader(this.file, fileSize, SCAN_CHUNK_BYTES);
    let pos = last?.position ?? 0;
    let next = last === null ? this.baseOffset : this.baseOffset + last.relOffset;
    const tl = ti.lastEntry();
    let maxTs = tl?.timestamp ?? -1;
    let offsetOfMax = tl === null ? -1 : this.baseOffset + tl.relOffset;
    while (pos < fileSize) {
      const v = reader.at(pos, BATCH_HEADER_BYTES);
      if (v === null) return false;
      const h = readBatchHeader(v.buf, v.off);
      const total = batchTotalBytes(h);
      if (h.batchLength < BATCH_LENGTH_MIN || pos + total > fileSize || h.baseOffset < next || h.lastOffsetDelta < 0) return false;
      // The last index entry must point exactly at a batch with its offset.
      if (last !== null && pos === last.position && h.baseOffset !== this.baseOffset + last.relOffset) return false;
      if (h.maxTimestamp > maxTs) {
        maxTs = h.maxTimestamp;
        offsetOfMax = h.baseOffset;
      }
      next = h.baseOffset + h.lastOffsetDelta + 1;
      pos += total;
    }
    if (next - 1 - this.baseOffset > RELATIVE_OFFSET_MAX) return false;
    if (tl !== null && this.baseOffset + tl.relOffset >= next) return false;
    if (fileSize === 0 && (oi.entries > 0 || ti.entries > 0)) return false;
    if (fileSize > 0) {
      const first = reader.at(0, BATCH_HEADER_BYTES);
      if (first === null) return false;
      this.firstBatchTimestamp = readBatchHeader(first.buf, first.off).maxTimestamp;
    }
    this.offsetIndex = oi;
    this.timeIndex = ti;
    this.size = fileSize;
    this.nextOffset = next;
    this.maxTimestamp = maxTs;
    this.offsetOfMaxTimestamp = offsetOfMax;
    this.bytesSinceIndexEntry = fileSize - (last?.position ?? 0);
    this.indexesDirty = false;
    return true;
  }

  /**
   * Opens a segment by checking every batch (frame and CRC) and rebuilding its indexes. The file
   * is truncated at the first batch that is torn, corrupt, or whose offsets are below `minOffset`
   * or go backwards: everything after it is a torn tail of an interrupted write.
   */
  static recover(fs: LogFs, dir: string, baseOffset: number, settings: SegmentSettings, now: number, minOffset: number): RecoveryResult {
    const file = fs.open(`${dir}/${segmentFileName(baseOffset, "log")}`, "read-write");
    const seg = new Segment(fs, dir, baseOffset, file, settings, now);
    seg.lastModifiedMs = fs.stat(seg.path("log"))?.mtimeMs ?? now;
    const fileSize = file.size();
    const reader = new ChunkReader(file, fileSize, RECOVERY_CHUNK_BYTES);
    let pos = 0;
    let next = Math.max(baseOffset, minOffset);
    let reason: string | null = null;
    while (pos < fileSize) {
      const hv = reader.at(pos, BATCH_HEADER_BYTES);
      if (hv === null) {
        reason = `torn batch header at position ${pos}: ${fileSize - pos} bytes left`;
        break;
      }
      let h: BatchHeader;
      try {
        h = readBatchHeader(hv.buf, hv.off);
      } catch (e) {
        reason = `unreadable batch header at position ${pos}: ${(e as Error).message}`;
        break;
      }
      const total = batchTotalBytes(h);
      if (h.batchLength < BATCH_LENGTH_MIN || total > limits.batchBytesMax) {
        reason = `impossible batchLength ${h.batchLength} at position ${pos}`;
        break;
      }
      const bv = reader.at(pos, total);
      if (bv === null) {
        reason = `torn batch at position ${pos}: needs ${total} bytes, ${fileSize - pos} left`;
        break;
      }
      try {
        checkStoredBatch(bv.buf, bv.off);
      } catch (e) {
        if (!(e instanceof WeirError)) throw e;
        reason = `invalid batch at position ${pos}: ${e.message}`;
        break;
      }
      const lastOffset = h.baseOffset + h.lastOffsetDelta;
      if (h.baseOffset < next || lastOffset - baseOffset > RELATIVE_OFFSET_MAX) {
        reason = `batch at position ${pos} has offsets ${h.baseOffset}..${lastOffset}, expected from ${next}`;
        break;
      }
      seg.track(pos, h.baseOffset, lastOffset, h.maxTimestamp, total);
      next = lastOffset + 1;
      pos += total;
    }
    const truncatedBytes = fileSize - pos;
    if (truncatedBytes > 0) file.truncate(pos);
    seg.size = pos;
    return { segment: seg, truncatedBytes, reason };
  }

  /** Updates offsets, timestamps and indexes for a batch of `bytes` bytes written at `position`. */
  private track(position: number, baseOffset: number, lastOffset: number, maxTimestamp: number, bytes: number): void {
    if (position === 0) this.firstBatchTimestamp = maxTimestamp;
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = baseOffset;
    }
    // As Kafka: index this batch when more than indexIntervalBytes were written since the last entry.
    if (this.bytesSinceIndexEntry > this.settings.indexIntervalBytes && !this.offsetIndex.isFull()) {
      this.offsetIndex.append(baseOffset - this.baseOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += bytes;
    this.nextOffset = lastOffset + 1;
    this.indexesDirty = true;
  }

  /**
   * True when this (active, non-empty) segment should not take a batch of `bytes` ending at
   * `lastOffset`: the partition rolls first. Size, age (segment.ms in message time from the first
   * batch, as Kafka's rollingBasedTimestamp), full indexes or relative offsets out of range.
   */
  isFullFor(bytes: number, maxTimestamp: number, lastOffset: number, now: number, limits: { segmentBytes: number; segmentMs: number }): boolean {
    if (this.size === 0) return false;
    const age = this.firstBatchTimestamp >= 0 ? maxTimestamp - this.firstBatchTimestamp : now - this.createdMs;
    return (
      this.size + bytes > limits.segmentBytes ||
      age > limits.segmentMs ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      lastOffset - this.baseOffset > RELATIVE_OFFSET_MAX
    );
  }

  /** Bytes written to the file: {@link size} less what is queued. */
  get writtenSize(): number {
    return this.size - this.queuedBytes;
  }

  /**
   * Queues one batch (already validated, offsets assigned) for {@link writeQueued}: the segment's
   * size, offsets, timestamps and indexes account for it at once, the file does not yet.
   */
  enqueue(batch: Buffer, baseOffset: number, lastOffset: number, maxTimestamp: number, now: number): void {
    const position = this.size;
    this.queue.push(batch);
    this.queuedBytes += batch.length;
    this.size += batch.length;
    this.lastModifiedMs = now;
    this.track(position, baseOffset, lastOffset, maxTimestamp, batch.length);
  }

  /**
   * Writes the queued batches with one gathered write (a no-op when none are queued). On an error
   * the queue is dropped, `size` goes back to what was written before, and the segment is marked
   * broken (its offsets and indexes still count the lost batches: its log must stop); the file is
   * cut back to that size when that still works, else a torn tail is left for recovery.
   */
  writeQueued(): void {
    if (this.queue.length === 0) return;
    const position = this.writtenSize;
    const queue = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    try {
      this.file.appendv(queue);
    } catch (e) {
      this.broken = true;
      this.size = position;
      try {
        this.file.truncate(position);
      } catch {
        // The torn tail stays; recovery cuts it.
      }
      throw e;
    }
  }

  /**
   * Appends one batch (already validated, offsets assigned) as is, at once. On a write error the
   * file is cut back to its previous size; if even that fails the segment is marked broken.
   */
  append(batch: Buffer, baseOffset: number, lastOffset: number, maxTimestamp: number, now: number): void {
    assert(this.queue.length === 0, `append to ${this.path("log")} with batches queued`);
    const position = this.size;
    try {
      this.file.append(batch);
    } catch (e) {
      try {
        this.file.truncate(position);
      } catch {
        this.broken = true;
      }
      throw e;
    }
    this.size += batch.length;
    this.lastModifiedMs = now;
    this.track(position, baseOffset, lastOffset, maxTimestamp, batch.length);
  }

  /** The first batch whose last offset is >= `offset`, among the batches before file position `limit`. */
  locate(offset: number, limit: number): BatchLocation | null {
    this.checkWritten(limit);
    const rel = offset - this.baseOffset;
    let pos = rel <= 0 ? 0 : this.offsetIndex.lookup(rel);
    const reader = new ChunkReader(this.file, limit, SCAN_CHUNK_BYTES);
    while (pos < limit) {
      const v = reader.at(pos, BATCH_HEADER_BYTES);
      if (v === null) return null;
      const header = readBatchHeader(v.buf, v.off);
      if (header.baseOffset + header.lastOffsetDelta >= offset) return { position: pos, header };
      pos += batchTotalBytes(header);
    }
    return null;
  }

  /**
   * Whole batches from `position`: up to `maxBytes`, but always the first batch even if larger
   * (Kafka's fetch semantics), never past file position `limit`. Every batch is validated (CRC)
   * before it is returned; damage on disk is LOG_CORRUPT, never data. The bytes are read into
   * `into` when given and large enough (the result is then a view of it), else into a buffer of
   * their own.
   */
  read(position: number, firstBatchBytes: number, maxBytes: number, limit: number, into?: Buffer): Buffer {
    this.checkWritten(limit);
    const want = Math.min(limit - position, Math.max(firstBatchBytes, Math.min(maxBytes, logLimits.readBytesMax)));
    const buf = into !== undefined && into.length >= want ? into : Buffer.allocUnsafe(want);
    const n = this.file.pread(buf, 0, want, position);
    let end = 0;
    try {
      while (end + BATCH_HEADER_BYTES <= n) {
        const total = batchTotalBytes(readBatchHeader(buf, end));
        if (end + total > n) break;
        checkStoredBatch(buf, end);
        end += total;
      }
    } catch (e) {
      if (!(e instanceof WeirError)) throw e;
      throw new WeirError("LOG_CORRUPT", `segment ${this.path("log", this.logSuffix)} holds a damaged batch at position ${position + end}: ${e.message}`, {
        cause: e,
        details: { path: this.path("log"), position: position + end },
      });
    }
    if (end < firstBatchBytes) {
      throw new WeirError("LOG_CORRUPT", `segment ${this.path("log")} is shorter than its index says (read ${n} of ${want} bytes at ${position})`, {
        details: { path: this.path("log"), position, read: n, wanted: want },
      });
    }
    return buf.subarray(0, end);
  }

  /** Reads the whole batch at `loc` into its own buffer. */
  readBatch(loc: BatchLocation): Buffer {
    return this.read(loc.position, batchTotalBytes(loc.header), 0, loc.position + batchTotalBytes(loc.header));
  }

  /**
   * The first record at or after `fromOffset` whose timestamp is >= `timestamp`, among batches
   * before `limit`; null when there is none.
   */
  findByTimestamp(timestamp: number, limit: number): { offset: number; timestamp: number } | null {
    if (this.maxTimestamp < timestamp) return null;
    const rel = this.timeIndex.lookupBefore(timestamp);
    let loc = this.locate(rel < 0 ? this.baseOffset : this.baseOffset + rel, limit);
    while (loc !== null) {
      if (loc.header.maxTimestamp >= timestamp) {
        const batch = this.readBatch(loc);
        for (const r of iterateRecords(batch, 0)) if (r.timestamp >= timestamp) return { offset: r.offset, timestamp: r.timestamp };
      }
      loc = this.locate(loc.header.baseOffset + loc.header.lastOffsetDelta + 1, limit);
    }
    return null;
  }

  /** Reads below `limit` must not reach queued bytes, which the file does not hold yet. */
  private checkWritten(limit: number): void {
    assert(limit <= this.writtenSize, `read of ${this.path("log")} up to ${limit} past its written end ${this.writtenSize}`);
  }

  /** Adds the final time index entry and writes both index files durably (nothing may be queued). */
  async writeIndexes(): Promise<void> {
    assert(this.queue.length === 0, `index write of ${this.path("log")} with batches queued`);
    if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
    await writeFileDurably(this.fs, this.path("index"), this.offsetIndex.toBuffer());
    await writeFileDurably(this.fs, this.path("timeindex"), this.timeIndex.toBuffer());
    // writeFileDurably fsynced this directory, which holds the log file's name too.
    this.nameDurable = true;
    this.indexesDirty = false;
  }

  /** Cuts the log file at `position` (a batch boundary); the segment must be recovered afterwards. */
  truncateFile(position: number): void {
    assert(this.queue.length === 0, `truncation of ${this.path("log")} with batches queued`);
    this.file.truncate(position);
    this.size = Math.min(this.size, position);
  }

  /** Makes the log file's written bytes durable (queued ones are not covered). */
  fsync(): Promise<void> {
    return this.file.fsync();
  }

  /** Renames this segment's log file to carry `suffix` (compaction commits `.cleaned` output this way). */
  renameLog(suffix: "" | ".swap"): void {
    this.fs.rename(this.path("log", this.logSuffix), this.path("log", suffix));
    this.logSuffix = suffix;
  }

  /** Removes this segment's index files (they are stale or about to be). */
  deleteIndexFiles(): void {
    for (const kind of ["index", "timeindex"] as const) if (this.fs.exists(this.path(kind))) this.fs.unlink(this.path(kind));
  }

  /**
   * Deletes the segment's files, the log first: a crash in between leaves orphan index files,
   * which open removes, rather than a log whose indexes must be rebuilt. The file stays open
   * (reads of it must end first); call {@link close} after.
   */
  deleteFiles(): void {
    const log = this.path("log", this.logSuffix);
    if (this.fs.exists(log)) this.fs.unlink(log);
    this.deleteIndexFiles();
  }

  /** Closes the log file. */
  close(): void {
    this.file.close();
  }

  /**
   * Every batch before file position `limit`, with its bytes (a view into a read buffer that
   * stays valid). Used by compaction; batches were validated when written or recovered.
   */
  *batches(limit: number = this.size): Generator<BatchLocation & { bytes: Buffer }, void, undefined> {
    this.checkWritten(limit);
    const reader = new ChunkReader(this.file, limit, RECOVERY_CHUNK_BYTES);
    let pos = 0;
    while (pos < limit) {
      const hv = reader.at(pos, BATCH_HEADER_BYTES);
      if (hv === null) return;
      const header = readBatchHeader(hv.buf, hv.off);
      const total = batchTotalBytes(header);
      const bv = reader.at(pos, total);
      if (bv === null) return;
      yield { position: pos, header, bytes: bv.buf.subarray(bv.off, bv.off + total) };
      pos += total;
    }
  }
}
