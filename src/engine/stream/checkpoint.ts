/**
 * A streaming query's checkpoint directory, in Spark's layout so the files read the same:
 *
 *   <checkpointLocation>/metadata        {"id":"<query uuid>", "weir":{"shufflePartitions":N, "fingerprint":{...}}}
 *   <checkpointLocation>/offsets/<N>     v1 / {"batchWatermarkMs":..,"batchTimestampMs":..,"conf":{..}} / one line per source
 *   <checkpointLocation>/commits/<N>     v1 / {"nextBatchWatermarkMs":..}
 *   <checkpointLocation>/sources/<i>/<N> the sources' own logs (source.ts, SourceMetadataLog)
 *   <checkpointLocation>/state/<operator>/<partition>/...   (the state store's files)
 *   .<name>.crc beside each of metadata, offsets/N, commits/N, sources/<i>/N: its checksum
 *
 * The micro-batch protocol: plan the batch's offset ranges → write offsets/N → run the batch and
 * commit its state version and sink output (keyed by N) → write commits/N. A restart reads the
 * latest entries and re-runs an uncommitted batch N with exactly the ranges in offsets/N.
 *
 * commits/N may still be being written while batch N+1 runs: offsets/N+1 is written only once
 * batch N's sink output and state are durable, so what batch N did is complete and only its
 * commit marker can be missing. A restart that finds offsets/N+1 but commits only up to N-1
 * re-runs N+1 from the end of N (as Spark does with a commit log that trails by one).
 *
 * As in Arroyo, decisions are pure: {@link readCheckpointFacts} gathers what is on disk,
 * {@link decideNextBatch} says what to run, the executor performs it. Every file is written
 * atomically (temporary file, fsync, rename, fsync of the directory), so a crash leaves either
 * the old or the new content, with a checksum sidecar `.<name>.crc` in Hadoop's format beside it
 * (checkpoint-file.ts); anything else found there — a file that does not match its checksum, does
 * not parse, or has fewer or more source lines than the query has sources — is damage from
 * outside and is reported naming the file, never skipped.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { LogFs } from "../../log/fs.js";
import { assert } from "../../util/assert.js";
import { SHUFFLE_PARTITIONS_DEFAULT } from "../api/conf.js";
import { WeirError } from "../../util/errors.js";
import { checkpointCorrupt as corrupt, checksumPathOf, readCheckpointFile, writeCheckpointFile } from "./checkpoint-file.js";

/** One source's offsets as its JSON (for Kafka `{"topic":{"0":23}}`); null when it has none yet (Spark's "-"). */
export type SourceOffset = Record<string, unknown> | unknown[] | string | number | boolean | null;

/** Spark's OffsetSeq: what a batch reads, written before it runs. */
export interface OffsetSeqEntry {
  readonly batchId: number;
  /** The event-time watermark the batch runs with (ms); 0 before any watermark. */
  readonly batchWatermarkMs: number;
  /** The batch's processing time (ms since the epoch): current_timestamp() inside the batch. */
  readonly batchTimestampMs: number;
  /** Settings that must not change across restarts (Spark keeps shuffle partitions and state formats here). */
  readonly conf: Readonly<Record<string, string>>;
  /** One end offset per source, in the query's source order, as the source's JSON; null when a source has none yet (Spark's "-"). */
  readonly sources: readonly SourceOffset[];
}

/** Spark's CommitMetadata: written once a batch's output and state are committed. */
export interface CommitEntry {
  readonly batchId: number;
  readonly nextBatchWatermarkMs: number;
}

/**
 * What must stay the same for a checkpoint to be reused: the sources (in order) and the stateful
 * operators. Stateless changes (a new filter, another projection) are allowed, as in Spark.
 */
export interface QueryFingerprint {
  /** One description per source, e.g. `kafka[subscribe=events]`. */
  readonly sources: readonly string[];
  /** One description per stateful operator, e.g. `aggregate(keys: word string; state: count bigint)`. */
  readonly statefulOperators: readonly string[];
}

/** The `metadata` file. */
export interface CheckpointMetadata {
  /** The query's id, stable across restarts (StreamingQuery.id). */
  readonly id: string;
  readonly fingerprint: QueryFingerprint;
  /**
   * The state partitions (`spark.sql.shuffle.partitions`) fixed when the checkpoint was created;
   * a restart keeps them whatever the session says now, as Spark does.
   */
  readonly shufflePartitions: number;
}

/** What {@link readCheckpointFacts} found. */
export interface CheckpointFacts {
  /** The newest offsets entry, and the one before it (the start of the newest batch). */
  readonly latestOffsets: OffsetSeqEntry | null;
  readonly previousOffsets: OffsetSeqEntry | null;
  readonly latestCommit: CommitEntry | null;
}

/** What to run next, from {@link decideNextBatch}. */
export type BatchDecision =
  /** A new query: batch 0 starts at the sources' starting offsets. */
  | { readonly kind: "start"; readonly batchId: 0; readonly watermarkMs: 0 }
  /** Batch `batchId` was planned but not committed: run it again with the same ranges. */
  | {
      readonly kind: "rerun";
      readonly batchId: number;
      readonly entry: OffsetSeqEntry;
      /** Where the batch starts: the previous batch's end offsets (null: the sources' starting offsets). */
      readonly startOffsets: readonly SourceOffset[] | null;
      readonly watermarkMs: number;
    }
  /** Every planned batch was committed: plan a new one from the latest end offsets. */
  | { readonly kind: "next"; readonly batchId: number; readonly startOffsets: readonly SourceOffset[]; readonly watermarkMs: number };

/** Spark's default spark.sql.streaming.minBatchesToRetain. */
export const MIN_BATCHES_TO_RETAIN = 100;

const VERSION_LINE = "v1";

/** Every path of a checkpoint comes from here. */
export class CheckpointPaths {
  constructor(readonly root: string) {}
  get metadata(): string {
    return join(this.root, "metadata");
  }
  get offsetsDir(): string {
    return join(this.root, "offsets");
  }
  get commitsDir(): string {
    return join(this.root, "commits");
  }
  offsets(batchId: number): string {
    return join(this.offsetsDir, String(batchId));
  }
  commit(batchId: number): string {
    return join(this.commitsDir, String(batchId));
  }
  /** The state store directory of one operator's partition. */
  state(operatorId: number, partition: number): string {
    return join(this.root, "state", String(operatorId), String(partition));
  }
}

function parseJsonLine(path: string, line: string | undefined, what: string): unknown {
  if (line === undefined || line === "") throw corrupt(path, `${what} is missing (the file is truncated)`);
  try {
    return JSON.parse(line) as unknown;
  } catch (e) {
    throw corrupt(path, `${what} is not valid JSON (${(e as Error).message})`, e);
  }
}

/** Checks a log file's first line: `v1`; a newer version asks for a newer Weir. */
function checkVersionLine(path: string, first: string): void {
  if (first === VERSION_LINE) return;
  const m = /^v(\d+)$/.exec(first);
  if (m !== null && Number(m[1]) > 1) {
    throw new WeirError("CHECKPOINT", `checkpoint file ${path} has log version ${m[1]}, newer than this Weir understands (1). Upgrade Weir.`, { details: { path } });
  }
  throw corrupt(path, `the first line must be "${VERSION_LINE}", found ${JSON.stringify(first.slice(0, 40))}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function finiteNumber(path: string, o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw corrupt(path, `"${key}" must be a number, found ${JSON.stringify(v)}`);
  return v;
}

/**
 * Parses offsets/N; throws a CHECKPOINT error naming the file on any damage. With `sourceCount`
 * (the number of sources of the query reading it), the file must hold exactly one offsets line
 * per source: a file cut at a line boundary still parses, and a missing line would otherwise
 * make that source start over.
 */
export function parseOffsetsFile(path: string, batchId: number, text: string, sourceCount?: number): OffsetSeqEntry {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw corrupt(path, "the file is empty");
  checkVersionLine(path, lines[0]);
  const meta = parseJsonLine(path, lines[1], "the batch metadata line");
  if (!isObject(meta)) throw corrupt(path, "the batch metadata line is not a JSON object");
  const conf = meta.conf ?? {};
  if (!isObject(conf) || !Object.values(conf).every((v) => typeof v === "string")) throw corrupt(path, `"conf" must map names to strings`);
  const sources = lines.slice(2).map((l, i) => (l === "-" ? null : (parseJsonLine(path, l, `the offsets of source ${i}`) as SourceOffset)));
  if (sourceCount !== undefined && sources.length !== sourceCount) {
    const why = sources.length < sourceCount ? "the file is truncated" : "the file has lines added";
    throw corrupt(path, `expected one offsets line per source of the query (${sourceCount}) after the batch metadata line, found ${sources.length} (${why})`);
  }
  return {
    batchId,
    batchWatermarkMs: finiteNumber(path, meta, "batchWatermarkMs"),
    batchTimestampMs: finiteNumber(path, meta, "batchTimestampMs"),
    conf: conf as Record<string, string>,
    sources,
  };
}

/** The text of offsets/N. */
export function formatOffsetsFile(e: OffsetSeqEntry): string {
  const meta = JSON.stringify({ batchWatermarkMs: e.batchWatermarkMs, batchTimestampMs: e.batchTimestampMs, conf: e.conf });
  return [VERSION_LINE, meta, ...e.sources.map((s) => (s === null ? "-" : JSON.stringify(s)))].join("\n");
}

/** Parses commits/N. */
export function parseCommitFile(path: string, batchId: number, text: string): CommitEntry {
  const lines = text.split("\n");
  checkVersionLine(path, lines[0]);
  const meta = parseJsonLine(path, lines[1], "the commit metadata line");
  if (!isObject(meta)) throw corrupt(path, "the commit metadata line is not a JSON object");
  return { batchId, nextBatchWatermarkMs: finiteNumber(path, meta, "nextBatchWatermarkMs") };
}

/** Batch ids present in a log directory (files named by a decimal number), ascending. Temporary files are ignored. */
function batchIds(fs: LogFs, dir: string): number[] {
  if (fs.stat(dir) === null) return [];
  const ids: number[] = [];
  for (const name of fs.readdir(dir)) {
    if (/^\d+$/.test(name)) ids.push(Number(name));
    else if (!name.endsWith(".tmp") && !name.startsWith(".")) throw corrupt(join(dir, name), "unexpected file in a checkpoint log directory");
  }
  return ids.sort((a, b) => a - b);
}

/**
 * Reads the facts {@link decideNextBatch} needs: the newest two offsets entries and the newest
 * commit, verified against their checksums; each offsets entry must hold `sourceCount` source lines.
 */
export function readCheckpointFacts(fs: LogFs, paths: CheckpointPaths, sourceCount: number): CheckpointFacts {
  const offsetIds = batchIds(fs, paths.offsetsDir);
  const commitIds = batchIds(fs, paths.commitsDir);
  const readOffsets = (id: number | undefined): OffsetSeqEntry | null => {
    if (id === undefined) return null;
    return parseOffsetsFile(paths.offsets(id), id, readCheckpointFile(fs, paths.offsets(id)).toString("utf8"), sourceCount);
  };
  const latestOffsets = readOffsets(offsetIds.at(-1));
  const previousId = offsetIds.at(-2);
  const previousOffsets = previousId !== undefined && previousId === offsetIds.at(-1)! - 1 ? readOffsets(previousId) : null;
  const commitId = commitIds.at(-1);
  let latestCommit: CommitEntry | null = null;
  if (commitId !== undefined) latestCommit = parseCommitFile(paths.commit(commitId), commitId, readCheckpointFile(fs, paths.commit(commitId)).toString("utf8"));
  return { latestOffsets, previousOffsets, latestCommit };
}

/**
 * Decides what a (re)started query runs next. Pure: the same facts always give the same decision.
 * Throws a CHECKPOINT error when the facts cannot come from this protocol (a commit without its
 * offsets, more than the newest two batches without a commit).
 */
export function decideNextBatch(facts: CheckpointFacts, root: string): BatchDecision {
  const { latestOffsets, previousOffsets, latestCommit } = facts;
  if (latestOffsets === null) {
    if (latestCommit !== null) throw corrupt(join(root, "commits", String(latestCommit.batchId)), "a commit exists but no offsets were ever written");
    return { kind: "start", batchId: 0, watermarkMs: 0 };
  }
  const n = latestOffsets.batchId;
  if (latestCommit !== null && latestCommit.batchId > n) {
    throw corrupt(join(root, "commits", String(latestCommit.batchId)), `batch ${latestCommit.batchId} is committed but the newest offsets are for batch ${n}`);
  }
  if (latestCommit !== null && latestCommit.batchId === n) {
    return { kind: "next", batchId: n + 1, startOffsets: latestOffsets.sources, watermarkMs: latestCommit.nextBatchWatermarkMs };
  }
  // Batch n-1 may lack only its commit marker (it was being written while batch n ran; see the
  // module comment): batch n runs again from n-1's end.
  if (latestCommit !== null && latestCommit.batchId < n - 2) {
    throw corrupt(
      join(root, "offsets", String(n)),
      `batches ${latestCommit.batchId + 1}..${n - 1} have offsets but no commit; only the newest batch, and the one before it while its commit was being written, may be uncommitted`,
    );
  }
  if (n > 0 && previousOffsets === null) throw corrupt(join(root, "offsets", String(n - 1)), `the offsets of batch ${n - 1}, where batch ${n} starts, are missing`);
  return {
    kind: "rerun",
    batchId: n,
    entry: latestOffsets,
    startOffsets: n === 0 ? null : previousOffsets!.sources,
    watermarkMs: latestOffsets.batchWatermarkMs,
  };
}

/** Lists how the stored fingerprint differs from the current query's; empty when compatible. */
export function fingerprintDifferences(stored: QueryFingerprint, current: QueryFingerprint): string[] {
  const out: string[] = [];
  if (stored.sources.length !== current.sources.length) {
    out.push(`the query had ${stored.sources.length} source(s) and now has ${current.sources.length}`);
  }
  const n = Math.min(stored.sources.length, current.sources.length);
  for (let i = 0; i < n; i++) {
    if (stored.sources[i] !== current.sources[i]) out.push(`source ${i} was ${stored.sources[i]} and is now ${current.sources[i]}`);
  }
  if (stored.statefulOperators.join("\n") !== current.statefulOperators.join("\n")) {
    out.push(`the stateful operators were [${stored.statefulOperators.join("; ")}] and are now [${current.statefulOperators.join("; ")}]`);
  }
  return out;
}

/** A checkpoint directory opened for one run of a query. */
export class Checkpoint {
  private constructor(
    private readonly fs: LogFs,
    readonly paths: CheckpointPaths,
    readonly metadata: CheckpointMetadata,
  ) {}

  /**
   * Opens (creating when new) the checkpoint at `root` for a query with `fingerprint`. A
   * checkpoint written by an incompatible query is refused naming its `metadata` file, with the
   * differences listed.
   *
   * `fingerprint` may be a function of the state partitions: a new checkpoint gets
   * `shufflePartitions` (recorded in `metadata`), an existing one keeps the number it recorded
   * (Weir's default, {@link SHUFFLE_PARTITIONS_DEFAULT}, when it recorded none: every checkpoint
   * written before the number was recorded was created with it), and the fingerprint is compared
   * for that number.
   */
  static async open(fs: LogFs, root: string, fingerprint: QueryFingerprint | ((shufflePartitions: number) => QueryFingerprint), shufflePartitions = SHUFFLE_PARTITIONS_DEFAULT): Promise<Checkpoint> {
    assert(Number.isInteger(shufflePartitions) && shufflePartitions > 0, "shufflePartitions must be a positive integer");
    const fingerprintFor = typeof fingerprint === "function" ? fingerprint : () => fingerprint;
    const paths = new CheckpointPaths(root);
    for (const dir of [root, paths.offsetsDir, paths.commitsDir]) if (fs.stat(dir) === null) fs.mkdir(dir);
    if (fs.stat(paths.metadata) === null) {
      const metadata: CheckpointMetadata = { id: randomUUID(), fingerprint: fingerprintFor(shufflePartitions), shufflePartitions };
      await writeCheckpointFile(fs, paths.metadata, Buffer.from(JSON.stringify({ id: metadata.id, weir: { shufflePartitions, fingerprint: metadata.fingerprint } }) + "\n"));
      return new Checkpoint(fs, paths, metadata);
    }
    const stored = parseJsonLine(paths.metadata, readCheckpointFile(fs, paths.metadata).toString("utf8").split("\n")[0], "the metadata line");
    if (!isObject(stored) || typeof stored.id !== "string") throw corrupt(paths.metadata, `expected {"id": "<uuid>", ...}`);
    const weir = stored.weir;
    const fp = isObject(weir) ? weir.fingerprint : undefined;
    if (!isObject(weir) || !isObject(fp) || !Array.isArray(fp.sources) || !Array.isArray(fp.statefulOperators)) {
      throw corrupt(paths.metadata, "the query fingerprint is missing (was it written by Spark? Weir cannot resume Spark's state)");
    }
    const partitions = weir.shufflePartitions ?? SHUFFLE_PARTITIONS_DEFAULT;
    if (typeof partitions !== "number" || !Number.isInteger(partitions) || partitions <= 0) {
      throw corrupt(paths.metadata, `"shufflePartitions" must be a positive integer, found ${JSON.stringify(partitions)}`);
    }
    const storedFp: QueryFingerprint = { sources: fp.sources.map(String), statefulOperators: fp.statefulOperators.map(String) };
    const diffs = fingerprintDifferences(storedFp, fingerprintFor(partitions));
    if (diffs.length > 0) {
      throw new WeirError(
        "CHECKPOINT",
        `the query cannot resume from checkpoint ${root}: it is not compatible with the query that wrote it, as recorded in ${paths.metadata} (${diffs.join("; ")}). ` +
          "Use a new checkpointLocation, or restore the original query.",
        { details: { path: paths.metadata, checkpoint: root, differences: diffs } },
      );
    }
    return new Checkpoint(fs, paths, { id: stored.id, fingerprint: storedFp, shufflePartitions: partitions });
  }

  /** The facts on disk now. */
  facts(): CheckpointFacts {
    return readCheckpointFacts(this.fs, this.paths, this.metadata.fingerprint.sources.length);
  }

  /** What to run next. */
  decide(): BatchDecision {
    return decideNextBatch(this.facts(), this.paths.root);
  }

  /**
   * Writes offsets/N before batch N runs. Rewriting an existing entry with other content is
   * refused: it means another run of the query is writing this checkpoint concurrently.
   */
  async writeOffsets(entry: OffsetSeqEntry): Promise<void> {
    const sourceCount = this.metadata.fingerprint.sources.length;
    assert(entry.sources.length === sourceCount, `batch ${entry.batchId} has ${entry.sources.length} source offsets for ${sourceCount} sources`);
    const path = this.paths.offsets(entry.batchId);
    const text = formatOffsetsFile(entry);
    if (this.fs.stat(path) !== null) {
      const existing = parseOffsetsFile(path, entry.batchId, readCheckpointFile(this.fs, path).toString("utf8"), sourceCount);
      if (JSON.stringify(existing.sources) === JSON.stringify(entry.sources)) return;
      throw new WeirError("CHECKPOINT", `${path} already holds other offsets: is another run of this query using checkpoint ${this.paths.root}?`, {
        details: { path },
      });
    }
    await writeCheckpointFile(this.fs, path, Buffer.from(text));
  }

  /** Writes commits/N once batch N's sink output and state are committed. */
  async writeCommit(entry: CommitEntry): Promise<void> {
    await writeCheckpointFile(this.fs, this.paths.commit(entry.batchId), Buffer.from(`${VERSION_LINE}\n${JSON.stringify({ nextBatchWatermarkMs: entry.nextBatchWatermarkMs })}`));
  }

  /**
   * Deletes offsets and commits older than the newest `retain` batches (Spark's
   * minBatchesToRetain), in the background: the files first, then their checksum files (a
   * checksum file alone is ignored). Resolves with the number of entries removed.
   */
  async purge(retain: number = MIN_BATCHES_TO_RETAIN): Promise<number> {
    const doomed: string[] = [];
    for (const dir of [this.paths.offsetsDir, this.paths.commitsDir]) {
      const ids = batchIds(this.fs, dir);
      const newest = ids.at(-1);
      if (newest === undefined) continue;
      for (const id of ids) if (id <= newest - retain) doomed.push(join(dir, String(id)));
    }
    await this.fs.unlinkAll(doomed);
    await this.fs.unlinkAll(doomed.map(checksumPathOf));
    return doomed.length;
  }
}
