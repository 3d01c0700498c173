/**
 * Every name the log gives to things on disk, in one place (so recovery, compaction and retention
 * agree on them), and the recovery-point checkpoint of a partition directory.
 *
 *   <dataDir>/<topic>-<partition>/00000000000000000000.log        batches as on the wire
 *                                 00000000000000000000.index      sparse offset index
 *                                 00000000000000000000.timeindex  sparse time index
 *                                 recovery-point.json             flushed point + clean-shutdown flag
 *   <dataDir>/topics/<topic>.json                                  partition count + config overrides
 *
 * Transient suffixes: `.cleaned` (compaction output being written), `.swap` (compaction output
 * committed, replacing the file of the same name without the suffix), `.tmp` (a file being
 * replaced durably). Recovery deletes `.cleaned` and `.tmp` files and completes `.swap` renames.
 */
import type { LogFs } from "./fs.js";
import { writeFileDurably } from "./fs.js";

/** The kinds of segment files. */
export type SegmentFileKind = "log" | "index" | "timeindex";

/** Suffixes a segment file may carry while compaction or a durable replace is under way. */
export type TransientSuffix = "" | ".cleaned" | ".swap" | ".tmp";

/** A parsed segment file name. */
export interface SegmentFileName {
  baseOffset: number;
  kind: SegmentFileKind;
  suffix: TransientSuffix;
}

/** Name of the checkpoint file in each partition directory. */
export const CHECKPOINT_FILE = "recovery-point.json";

/** Directory under the data dir that holds one JSON file per topic. */
export const TOPICS_DIR = "topics";

/** `00000000000000000042.log`: base offsets zero-padded to 20 digits so names sort by offset. */
export function segmentFileName(baseOffset: number, kind: SegmentFileKind, suffix: TransientSuffix = ""): string {
  return `${String(baseOffset).padStart(20, "0")}.${kind}${suffix}`;
}

const SEGMENT_NAME = /^(\d{20})\.(log|index|timeindex)(\.cleaned|\.swap|\.tmp)?$/;

/** Parses a segment file name, or returns null for any other file. */
export function parseSegmentFileName(name: string): SegmentFileName | null {
  const m = SEGMENT_NAME.exec(name);
  if (!m) return null;
  const baseOffset = Number(m[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, kind: m[2] as SegmentFileKind, suffix: (m[3] ?? "") as TransientSuffix };
}

/** `<topic>-<partition>`, Kafka's partition directory name. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Splits a partition directory name at its last `-`, or returns null when it is not one. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const m = /^(.+)-(\d+)$/.exec(name);
  if (!m) return null;
  const partition = Number(m[2]);
  return Number.isSafeInteger(partition) ? { topic: m[1], partition } : null;
}

/** What a partition's checkpoint says. */
export interface Checkpoint {
  /** Every segment below this offset was fsynced with its index files. */
  recoveryPoint: number;
  /** True only when the log was closed cleanly: then even the active segment's index files are good. */
  clean: boolean;
}

/** Reads a partition's checkpoint; a missing or unreadable one means "recover everything". */
export function readCheckpoint(fs: LogFs, dir: string): Checkpoint {
  const path = `${dir}/${CHECKPOINT_FILE}`;
  if (!fs.exists(path)) return { recoveryPoint: 0, clean: false };
  try {
    const v = JSON.parse(fs.readFile(path).toString("utf8")) as Partial<Checkpoint> & { version?: number };
    if (v.version === 1 && Number.isSafeInteger(v.recoveryPoint) && (v.recoveryPoint ?? -1) >= 0 && typeof v.clean === "boolean") {
      return { recoveryPoint: v.recoveryPoint!, clean: v.clean };
    }
  } catch {
    // The file is replaced atomically, so this is damage from outside; recovering everything is safe.
  }
  return { recoveryPoint: 0, clean: false };
}

/** Replaces a partition's checkpoint durably (temporary file, fsync, rename, fsync of the directory). */
export function writeCheckpoint(fs: LogFs, dir: string, cp: Checkpoint): Promise<void> {
  const data = Buffer.from(JSON.stringify({ version: 1, recoveryPoint: cp.recoveryPoint, clean: cp.clean }) + "\n");
  return writeFileDurably(fs, `${dir}/${CHECKPOINT_FILE}`, data);
}
