/**
 * Log compaction for cleanup.policy=compact: keep the latest record of every key, drop
 * tombstones (null values) once delete.retention.ms has passed since their timestamp, and keep
 * every surviving record at its original offset.
 *
 * Only segments below the recovery point are cleaned, and only their records decide what is
 * superseded: a record is never dropped because of a newer one that a machine crash could still
 * lose. Records of the active segment are left for a later pass.
 *
 * Copy-on-compact, one segment at a time, oldest first: the cleaned copy is written to
 * `<base>.log.cleaned` and fsynced, renamed to `.swap` (the commit point: recovery completes a
 * `.swap` and deletes a `.cleaned`), then renamed over `<base>.log`. Oldest first matters: a
 * tombstone is only dropped after the older values it hides were dropped from earlier segments,
 * so a crash between two swaps cannot resurrect a deleted key. Batches whose records all survive
 * are copied byte for byte; the survivors of other batches are re-encoded in runs of consecutive
 * offsets (one batch per run, so offsets stay exact), with their original codec and producer fields.
 */
import type { LogFs } from "./fs.js";
import { Segment } from "./segment.js";
import type { SegmentSettings } from "./segment.js";
import { buildBatch, compressionOf, isControlBatch, isTransactional, iterateRecords, timestampTypeOf } from "../protocol/records/index.js";
import type { BatchHeader, RecordInput, RecordView } from "../protocol/records/index.js";
import { logLimits } from "../util/limits.js";

/** What compaction needs from the partition it cleans. */
export interface CompactionHost {
  readonly fs: LogFs;
  readonly dir: string;
  readonly settings: SegmentSettings;
  /** The segments that may be cleaned: oldest first, durable, not the active one. */
  cleanable(): Segment[];
  /** Puts `cleaned` in place of `old` (same base offset) in the segment list and retires `old`. */
  replace(old: Segment, cleaned: Segment): void;
}

/** What one compaction pass did. */
export interface CompactionReport {
  segmentsCleaned: number;
  recordsRemoved: number;
  tombstonesRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Distinct keys in the offset map. */
  keys: number;
}

/** Latest offset of each key (keys as latin1 strings: one char per byte, so exact). */
type OffsetMap = Map<string, number>;

function keyOf(r: RecordView): string | null {
  return r.key === null ? null : r.key.toString("latin1");
}

/** Builds the key → latest offset map over `segments`, stopping when the map is full. */
function buildOffsetMap(segments: readonly Segment[]): OffsetMap {
  const map: OffsetMap = new Map();
  for (const seg of segments) {
    for (const b of seg.batches()) {
      if (isControlBatch(b.header.attributes)) continue;
      for (const r of iterateRecords(b.bytes, 0)) {
        const k = keyOf(r);
        if (k === null) continue;
        // A full map still gives exact answers for the prefix it covers: stop adding new keys.
        if (!map.has(k) && map.size >= logLimits.compactionKeysMax) return map;
        map.set(k, r.offset);
      }
    }
  }
  return map;
}

/** The verdict on one record. */
type Verdict = "keep" | "superseded" | "tombstone";

function judge(r: RecordView, map: OffsetMap, tombstoneHorizon: number): Verdict {
  const k = keyOf(r);
  if (k === null) return "keep";
  const latest = map.get(k);
  // Not in the map: beyond what the map covers, so nothing is known to supersede it.
  if (latest === undefined) return "keep";
  if (latest > r.offset) return "superseded";
  return r.value === null && r.timestamp < tombstoneHorizon ? "tombstone" : "keep";
}

/** Whether cleaning `seg` would drop anything (so unchanged segments are not rewritten). */
function hasGarbage(seg: Segment, map: OffsetMap, horizon: number): boolean {
  for (const b of seg.batches()) {
    if (isControlBatch(b.header.attributes)) continue;
    for (const r of iterateRecords(b.bytes, 0)) if (judge(r, map, horizon) !== "keep") return true;
  }
  return false;
}

/** Re-encodes a run of consecutive-offset survivors of batch `h` as one batch. */
function encodeRun(run: RecordView[], h: BatchHeader): Buffer {
  const records: RecordInput[] = run.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }));
  const type = timestampTypeOf(h.attributes);
  return buildBatch(records, {
    baseOffset: run[0].offset,
    compression: compressionOf(h.attributes),
    timestampType: type,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence < 0 ? h.baseSequence : h.baseSequence + (run[0].offset - h.baseOffset),
    transactional: isTransactional(h.attributes),
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    // For LogAppendTime batches every record carries the batch's time.
    ...(type === "logAppend" ? { now: h.maxTimestamp } : {}),
  });
}

/** Writes the survivors of `seg` to a `.cleaned` segment; returns it with the counts of what was dropped. */
function writeCleaned(host: CompactionHost, seg: Segment, map: OffsetMap, horizon: number, now: number, report: CompactionReport): Segment {
  const out = Segment.create(host.fs, host.dir, seg.baseOffset, host.settings, now, ".cleaned");
  const emit = (buf: Buffer, base: number, last: number, maxTs: number): void => out.append(buf, base, last, maxTs, now);
  try {
    for (const b of seg.batches()) {
      const h = b.header;
      if (isControlBatch(h.attributes)) {
        emit(b.bytes, h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.maxTimestamp);
        continue;
      }
      const all = [...iterateRecords(b.bytes, 0)];
      const kept = all.filter((r) => {
        const v = judge(r, map, horizon);
        if (v === "superseded") report.recordsRemoved++;
        if (v === "tombstone") report.tombstonesRemoved++;
        return v === "keep";
      });
      if (kept.length === all.length) {
        emit(b.bytes, h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.maxTimestamp);
        continue;
      }
      let run: RecordView[] = [];
      const flush = (): void => {
        if (run.length === 0) return;
        const buf = encodeRun(run, h);
        emit(buf, run[0].offset, run[run.length - 1].offset, run.reduce((m, r) => Math.max(m, r.timestamp), -1));
        run = [];
      };
      for (const r of kept) {
        if (run.length > 0 && r.offset !== run[run.length - 1].offset + 1) flush();
        run.push(r);
      }
      flush();
    }
  } catch (e) {
    out.close();
    host.fs.unlink(out.path("log", ".cleaned"));
    throw e;
  }
  return out;
}

/** One compaction pass over the host's cleanable segments. See the module comment. */
export async function compactLog(host: CompactionHost, deleteRetentionMs: number, now: number): Promise<CompactionReport> {
  const segments = host.cleanable();
  const report: CompactionReport = { segmentsCleaned: 0, recordsRemoved: 0, tombstonesRemoved: 0, bytesBefore: 0, bytesAfter: 0, keys: 0 };
  if (segments.length === 0) return report;
  const map = buildOffsetMap(segments);
  report.keys = map.size;
  const horizon = now - deleteRetentionMs;
  for (const seg of segments) {
    if (!hasGarbage(seg, map, horizon)) continue;
    const cleaned = writeCleaned(host, seg, map, horizon, now, report);
    await cleaned.fsync();
    cleaned.renameLog(".swap");
    await host.fs.fsyncDir(host.dir);
    seg.deleteIndexFiles();
    cleaned.renameLog("");
    report.bytesBefore += seg.size;
    report.bytesAfter += cleaned.size;
    report.segmentsCleaned++;
    host.replace(seg, cleaned);
    await cleaned.writeIndexes();
  }
  return report;
}
