/**
 * Opening a partition directory: finish or undo what a crash interrupted, then load segments.
 *
 * 1. Leftovers: `.tmp` and `.cleaned` files are unfinished work and are deleted; a `.swap` log
 *    file is committed compaction output, so its rename over the old log is completed (and the old
 *    index files dropped); index files without a log are deleted.
 * 2. Segments wholly below the checkpoint's recovery point were fsynced with their index files:
 *    their indexes are loaded and checked against the log's tail, and rebuilt if that fails.
 * 3. From the segment holding the recovery point on (every segment after an unclean shutdown
 *    when the checkpoint is missing), each batch is validated (CRC included) and the indexes are
 *    rebuilt; the first torn or corrupt batch ends the log: the file is truncated there and later
 *    segments are deleted.
 * 4. What was validated is fsynced, index files of all but the last segment are written, and the
 *    checkpoint is rewritten as "not clean", so a crash from now on is recovered the same way.
 */
import type { LogFs } from "./fs.js";
import { CHECKPOINT_FILE, parseSegmentFileName, readCheckpoint, segmentFileName, writeCheckpoint } from "./files.js";
import type { Checkpoint } from "./files.js";
import { Segment } from "./segment.js";
import type { SegmentSettings } from "./segment.js";

/** What opening a partition found and did, for logs and tests. */
export interface RecoveryReport {
  /** The checkpoint found on disk. */
  checkpoint: Checkpoint;
  /** Segments whose batches were validated one by one. */
  segmentsRecovered: number;
  /** Segments whose index files were missing or inconsistent and were rebuilt. */
  indexesRebuilt: number;
  /** Bytes cut from torn or corrupt tails. */
  bytesTruncated: number;
  /** Segments deleted because they followed a truncation. */
  segmentsDeleted: number;
  /** Leftover files of interrupted work (`.tmp`, `.cleaned`, orphan indexes) removed, and `.swap` files completed. */
  leftoversHandled: number;
  /** Why data was cut, one line per truncation. */
  reasons: string[];
}

/** A loaded partition: its segments in offset order (never empty) and what recovery did. */
export interface LoadedPartition {
  segments: Segment[];
  report: RecoveryReport;
}

/** Deletes or completes what an interrupted compaction or durable write left behind. */
function handleLeftovers(fs: LogFs, dir: string): number {
  let handled = 0;
  const names = fs.readdir(dir);
  for (const name of names) {
    const f = parseSegmentFileName(name);
    if (name === `${CHECKPOINT_FILE}.tmp` || (f !== null && (f.suffix === ".tmp" || f.suffix === ".cleaned"))) {
      fs.unlink(`${dir}/${name}`);
      handled++;
    } else if (f !== null && f.suffix === ".swap") {
      if (f.kind === "log") {
        // The swap was committed: the old segment's indexes describe the old file, so drop them.
        for (const kind of ["index", "timeindex"] as const) {
          const p = `${dir}/${segmentFileName(f.baseOffset, kind)}`;
          if (fs.exists(p)) fs.unlink(p);
        }
        fs.rename(`${dir}/${name}`, `${dir}/${segmentFileName(f.baseOffset, "log")}`);
      } else {
        fs.unlink(`${dir}/${name}`);
      }
      handled++;
    }
  }
  const logs = new Set(fs.readdir(dir).filter((n) => parseSegmentFileName(n)?.kind === "log"));
  for (const name of fs.readdir(dir)) {
    const f = parseSegmentFileName(name);
    if (f !== null && f.kind !== "log" && f.suffix === "" && !logs.has(segmentFileName(f.baseOffset, "log"))) {
      fs.unlink(`${dir}/${name}`);
      handled++;
    }
  }
  return handled;
}

/** See the module comment. `dir` is created when missing. */
export async function loadPartition(fs: LogFs, dir: string, settings: SegmentSettings, now: number): Promise<LoadedPartition> {
  fs.mkdir(dir);
  const checkpoint = readCheckpoint(fs, dir);
  const report: RecoveryReport = {
    checkpoint,
    segmentsRecovered: 0,
    indexesRebuilt: 0,
    bytesTruncated: 0,
    segmentsDeleted: 0,
    leftoversHandled: handleLeftovers(fs, dir),
    reasons: [],
  };
  const bases = fs
    .readdir(dir)
    .map(parseSegmentFileName)
    .filter((f) => f !== null && f.kind === "log" && f.suffix === "")
    .map((f) => f!.baseOffset)
    .sort((a, b) => a - b);

  const segments: Segment[] = [];
  const scanned = new Set<Segment>();
  const deleteFrom = (i: number): void => {
    // Everything after a truncation point followed a write that never completed.
    for (const later of bases.slice(i)) {
      for (const kind of ["log", "index", "timeindex"] as const) {
        const p = `${dir}/${segmentFileName(later, kind)}`;
        if (fs.exists(p)) fs.unlink(p);
      }
      report.segmentsDeleted++;
    }
  };
  for (let i = 0; i < bases.length; i++) {
    const base = bases[i];
    const prevNext = segments.length > 0 ? segments[segments.length - 1].nextOffset : 0;
    if (base < prevNext) {
      // Rolls and compaction never start a segment below the end of the previous one.
      report.reasons.push(`${dir}/${segmentFileName(base, "log")}: starts at ${base}, below the previous segment's end ${prevNext}`);
      deleteFrom(i);
      break;
    }
    const isLast = i === bases.length - 1;
    const trusted = checkpoint.clean || (!isLast && bases[i + 1] <= checkpoint.recoveryPoint);
    let seg = trusted ? Segment.openTrusted(fs, dir, base, settings, now) : null;
    if (seg !== null) {
      segments.push(seg);
      continue;
    }
    if (trusted) report.indexesRebuilt++;
    else report.segmentsRecovered++;
    const r = Segment.recover(fs, dir, base, settings, now, prevNext);
    seg = r.segment;
    scanned.add(seg);
    segments.push(seg);
    if (r.truncatedBytes > 0) {
      report.bytesTruncated += r.truncatedBytes;
      report.reasons.push(`${seg.path("log")}: cut ${r.truncatedBytes} bytes: ${r.reason ?? "unknown"}`);
      deleteFrom(i + 1);
      break;
    }
    // Above the recovery point nothing was compacted, so a segment must end where the next one
    // starts; a shorter one lost its unflushed tail, and what follows would leave a hole.
    if (!trusted && !isLast && seg.nextOffset !== bases[i + 1]) {
      report.reasons.push(`${seg.path("log")}: ends at offset ${seg.nextOffset} but the next segment starts at ${bases[i + 1]}`);
      deleteFrom(i + 1);
      break;
    }
  }
  if (segments.length === 0) {
    // Keep offsets growing even when every file is gone: start where the flushed log ended.
    segments.push(Segment.create(fs, dir, checkpoint.recoveryPoint, settings, now));
  }

  // What was validated may still sit only in the page cache (after a process crash): make it
  // durable before anything is built on it, and give every inactive segment its index files.
  for (const seg of segments) {
    if (!scanned.has(seg)) continue;
    await seg.fsync();
    if (seg !== segments[segments.length - 1]) await seg.writeIndexes();
  }
  await writeCheckpoint(fs, dir, { recoveryPoint: segments[segments.length - 1].baseOffset, clean: false });
  return { segments, report };
}

/**
 * Cuts the log at `offset`, which lies in `segments[index]`: later segments are deleted and that
 * segment is cut at the start of the batch holding `offset`, then scanned again. The checkpoint is
 * moved back first, so a crash half way is repaired by the next open. After that first await
 * everything is synchronous, so the caller can swap in the segments that remain (the cut one
 * replaced by its rescan) before anything else runs; it closes the dropped ones and fsyncs the cut.
 * `beforeCut` runs right after that await (the partition writes its write-behind queue there).
 */
export async function cutSegments(
  fs: LogFs,
  dir: string,
  segments: readonly Segment[],
  index: number,
  offset: number,
  settings: SegmentSettings,
  now: number,
  beforeCut: () => void = () => undefined,
): Promise<{ kept: Segment[]; dropped: Segment[] }> {
  const seg = segments[index];
  await writeCheckpoint(fs, dir, { recoveryPoint: seg.baseOffset, clean: false });
  beforeCut();
  const later = segments.slice(index + 1);
  for (const s of later) s.deleteFiles();
  const loc = seg.locate(offset, seg.size);
  seg.deleteIndexFiles();
  seg.truncateFile(loc === null ? seg.size : loc.position);
  const prevNext = index > 0 ? segments[index - 1].nextOffset : 0;
  const rescanned = Segment.recover(fs, dir, seg.baseOffset, settings, now, prevNext).segment;
  return { kept: [...segments.slice(0, index), rescanned], dropped: [...later, seg] };
}

