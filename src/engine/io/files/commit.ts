/**
 * The writer's job: save-mode decision, part files written into a temporary directory beside the
 * destination, and an all-or-nothing commit by renames. A failure while writing (the input
 * stream throws: a FAILFAST parse error, a cast error, a cancelled query) leaves the destination
 * exactly as it was, and the temporary files are removed.
 *
 * The decision is pure ({@link decideSave}): the job reads what is at the destination, asks for
 * a decision, then carries it out.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { WeirError } from "../../../util/errors.js";
import type { Row, StructType } from "../../types.js";
import type { OutputFile, OutputFormat } from "./output.js";
import { partitionDirectory } from "./partitioning.js";
import { settleAll } from "../../../util/settle.js";

/** Spark's save modes ("error" and "default" are names of errorifexists). */
export type SaveMode = "append" | "overwrite" | "errorifexists" | "ignore";

const SAVE_MODE_NAMES: Readonly<Record<string, SaveMode>> = {
  append: "append",
  overwrite: "overwrite",
  errorifexists: "errorifexists",
  error: "errorifexists",
  default: "errorifexists",
  ignore: "ignore",
};

/** Reads a save mode name (case-insensitive, as Spark). */
export function parseSaveMode(name: string): SaveMode {
  const m = SAVE_MODE_NAMES[name.toLowerCase()];
  if (m === undefined) {
    throw new WeirError("INVALID_ARGUMENT", `[INVALID_SAVE_MODE] The specified save mode ${JSON.stringify(name)} is invalid. Valid save modes include "append", "overwrite", "ignore", "error", "errorifexists", and "default".`, {
      details: { mode: name, allowed: Object.keys(SAVE_MODE_NAMES) },
    });
  }
  return m;
}

/** What is at the destination path before the job. */
export type Destination = "missing" | "empty-dir" | "non-empty-dir" | "file";

/** What the job does: write then commit one way, skip, or fail. */
export type SaveDecision =
  | { readonly action: "write"; readonly commit: "create" | "replace" | "append" }
  | { readonly action: "skip" }
  | { readonly action: "fail"; readonly code: "ALREADY_EXISTS" | "INVALID_ARGUMENT" };

/** The save-mode table: errorifexists fails and ignore skips on existing data; overwrite replaces; append adds. */
export function decideSave(mode: SaveMode, dest: Destination): SaveDecision {
  if (dest === "missing" || dest === "empty-dir") return { action: "write", commit: "create" };
  switch (mode) {
    case "errorifexists":
      return { action: "fail", code: "ALREADY_EXISTS" };
    case "ignore":
      return { action: "skip" };
    case "overwrite":
      return { action: "write", commit: "replace" };
    case "append":
      return dest === "file" ? { action: "fail", code: "INVALID_ARGUMENT" } : { action: "write", commit: "append" };
  }
}

async function inspect(dest: string): Promise<Destination> {
  try {
    const st = await stat(dest);
    if (!st.isDirectory()) return "file";
    return (await readdir(dest)).length === 0 ? "empty-dir" : "non-empty-dir";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw ioError(dest, e);
  }
}

function ioError(p: string, e: unknown): WeirError {
  if (e instanceof WeirError) return e;
  return new WeirError("IO", `cannot write ${p}: ${(e as Error).message}`, { cause: e, details: { path: p } });
}

/** What a write job needs. */
export interface WriteJob {
  /** Absolute destination directory. */
  readonly dest: string;
  readonly mode: SaveMode;
  /** The frame's schema (partition columns included). */
  readonly schema: StructType;
  /** Indexes of the partitionBy columns in `schema`, in directory order. */
  readonly partitionBy: readonly number[];
  /** The output format of the data columns (schema without the partition columns). */
  readonly format: OutputFormat;
  /** Runs the query: one row stream per output partition. */
  execute(signal: AbortSignal): Promise<AsyncIterable<Row[]>[]>;
}

/** The outcome of a job (for tests and logs). */
export interface WriteResult {
  readonly decision: SaveDecision;
  /** Committed part files, relative to the destination. */
  readonly files: readonly string[];
}

/**
 * Runs a write job: decides from the save mode, writes every part file (Spark's
 * `part-00000-<uuid>-c000.<ext>`, under `col=value/` directories with partitionBy) and `_SUCCESS`
 * into a temporary sibling directory, then commits by renames. On any failure the temporary
 * directory is removed and the destination is untouched.
 */
export async function runWriteJob(job: WriteJob): Promise<WriteResult> {
  const decision = decideSave(job.mode, await inspect(job.dest));
  if (decision.action === "skip") return { decision, files: [] };
  if (decision.action === "fail") {
    if (decision.code === "ALREADY_EXISTS") {
      throw new WeirError("ALREADY_EXISTS", `[PATH_ALREADY_EXISTS] Path file:${job.dest} already exists. Set mode as "overwrite" to overwrite the existing path.`, { details: { path: job.dest } });
    }
    throw new WeirError("INVALID_ARGUMENT", `cannot append to file:${job.dest}: it is a file, not a directory`, { details: { path: job.dest } });
  }
  const jobId = randomUUID();
  const parent = path.dirname(job.dest);
  const temp = path.join(parent, `.${path.basename(job.dest)}._weir_temporary-${jobId}`);
  const controller = new AbortController();
  const files: string[] = [];
  try {
    await mkdir(temp, { recursive: true });
    const streams = await job.execute(controller.signal);
    await settleAll(
      streams.map((s, i) =>
        writeStream(job, s, temp, `part-${String(i).padStart(5, "0")}-${jobId}-c000${job.format.extension}`, files).catch((e: unknown) => {
          controller.abort(e); // stop the other partitions' work early
          throw e;
        }),
      ),
    );
    await writeFile(path.join(temp, "_SUCCESS"), "");
    await commit(decision.commit, temp, job.dest, jobId, files);
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    throw e;
  }
  return { decision, files: files.sort() };
}

/** Writes one row stream into part files (one per partition directory it touches). */
async function writeStream(job: WriteJob, stream: AsyncIterable<Row[]>, temp: string, fileName: string, files: string[]): Promise<void> {
  const partCols = new Set(job.partitionBy);
  const dataCols = job.schema.fields.map((_f, i) => i).filter((i) => !partCols.has(i));
  const open = new Map<string, OutputFile>();
  const fileFor = async (dir: string): Promise<OutputFile> => {
    let f = open.get(dir);
    if (f === undefined) {
      await mkdir(path.join(temp, dir), { recursive: true });
      const rel = dir === "" ? fileName : `${dir}/${fileName}`;
      f = job.format.open(path.join(temp, rel));
      open.set(dir, f);
      files.push(rel);
    }
    return f;
  };
  try {
    for await (const batch of stream) {
      if (batch.length === 0) continue;
      if (job.partitionBy.length === 0) {
        await (await fileFor("")).write(batch);
        continue;
      }
      const groups = new Map<string, Row[]>();
      for (const row of batch) {
        const dir = job.partitionBy.map((c) => partitionDirectory(job.schema.fields[c].name, row[c], job.schema.fields[c].dataType)).join("/");
        let g = groups.get(dir);
        if (g === undefined) groups.set(dir, (g = []));
        g.push(dataCols.map((c) => row[c]));
      }
      for (const [dir, rows] of groups) await (await fileFor(dir)).write(rows);
    }
    for (const f of open.values()) await f.close();
  } catch (e) {
    await Promise.allSettled([...open.values()].map((f) => f.abort()));
    throw e;
  }
}

/** Carries out the commit: renames that either all happen or leave the destination as it was. */
async function commit(kind: "create" | "replace" | "append", temp: string, dest: string, jobId: string, files: readonly string[]): Promise<void> {
  try {
    if (kind === "create") {
      await rmEmptyDir(dest); // an empty directory may stand there
      await rename(temp, dest);
      return;
    }
    if (kind === "replace") {
      const backup = path.join(path.dirname(dest), `.${path.basename(dest)}._weir_old-${jobId}`);
      await rename(dest, backup);
      try {
        await rename(temp, dest);
      } catch (e) {
        await rename(backup, dest);
        throw e;
      }
      await rm(backup, { recursive: true, force: true });
      return;
    }
    // append: move each part file in; names carry the job's uuid, so they never collide.
    for (const rel of files) {
      await mkdir(path.dirname(path.join(dest, rel)), { recursive: true });
      await rename(path.join(temp, rel), path.join(dest, rel));
    }
    await writeFile(path.join(dest, "_SUCCESS"), "");
    await rm(temp, { recursive: true, force: true });
  } catch (e) {
    throw ioError(dest, e);
  }
}

async function rmEmptyDir(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}
