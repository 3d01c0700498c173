/**
 * Which files a read covers, as Spark's InMemoryFileIndex decides: a file; a directory (every
 * file below it, skipping names starting with `_` or `.` as Spark does, and discovering
 * `col=value` partition directories); a glob (`*`, `?`, `[ab]`, `{x,y}`). A directory with a
 * `_weir_metadata` log (written by the streaming file sink) covers only the files that log
 * names, so a reader never sees a half-written micro-batch.
 */
import type { Stats } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import * as path from "node:path";
import { WeirError } from "../../../util/errors.js";
import { parsePartitionDirectory } from "./partitioning.js";

/** One file to read and its raw partition values (in {@link FileIndex.partitionColumns} order). */
export interface InputFile {
  /** Absolute path. */
  readonly path: string;
  readonly size: number;
  /** Raw (unescaped) partition values; null for the Hive default partition. */
  readonly partition: readonly (string | null)[];
}

/** The files of a read and the partition columns discovered from their directories. */
export interface FileIndex {
  readonly roots: readonly string[];
  readonly files: readonly InputFile[];
  /** Partition column names as first spelled in the directory names. */
  readonly partitionColumns: readonly string[];
}

/** The directory the streaming file sink keeps its commit log in. */
export const WEIR_METADATA_DIR = "_weir_metadata";

/** Spark's rule for files and directories a listing skips: `_x` (unless it has `=`), `.x`, `x._COPYING_`. */
export function isHiddenName(name: string): boolean {
  return (name.startsWith("_") && !name.includes("=")) || name.startsWith(".") || name.endsWith("._COPYING_");
}

/** Strips a `file:` scheme and resolves against the working directory. */
export function toLocalPath(p: string): string {
  let s = p;
  if (s.startsWith("file://")) s = s.slice("file://".length);
  else if (s.startsWith("file:")) s = s.slice("file:".length);
  return path.resolve(s);
}

/** Spark's message for a missing input path. */
export function pathNotFound(p: string): WeirError {
  return new WeirError("NOT_FOUND", `[PATH_NOT_FOUND] Path does not exist: file:${p}.`, { details: { path: p } });
}

function hasGlob(s: string): boolean {
  return /[*?[{]/.test(s);
}

function globSegmentRegex(seg: string): RegExp {
  let re = "";
  let inAlt = false;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = seg.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        const body = seg.slice(i + 1, end).replace(/\\/g, "\\\\");
        re += body.startsWith("^") || body.startsWith("!") ? `[^${body.slice(1)}]` : `[${body}]`;
        i = end;
      }
    } else if (c === "{") {
      inAlt = true;
      re += "(?:";
    } else if (c === "}" && inAlt) {
      inAlt = false;
      re += ")";
    } else if (c === "," && inAlt) re += "|";
    else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await stat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    throw new WeirError("IO", `cannot read ${p}: ${(e as Error).message}`, { cause: e, details: { path: p } });
  }
}

/** Expands a glob over the local filesystem, one path segment at a time; hidden names never match. */
async function expandGlob(abs: string): Promise<string[]> {
  const segments = abs.split(path.sep).filter((s) => s !== "");
  let current: string[] = [path.sep];
  for (const seg of segments) {
    const next: string[] = [];
    if (!hasGlob(seg)) {
      for (const dir of current) next.push(path.join(dir, seg));
    } else {
      const re = globSegmentRegex(seg);
      for (const dir of current) {
        let names: string[];
        try {
          names = await readdir(dir);
        } catch {
          continue; // not a directory: nothing below it matches
        }
        for (const n of names.sort()) if (re.test(n) && !isHiddenName(n)) next.push(path.join(dir, n));
      }
    }
    current = next;
  }
  const existing: string[] = [];
  for (const p of current) if ((await statOrNull(p)) !== null) existing.push(p);
  return existing;
}

interface Leaf {
  path: string;
  size: number;
  /** Path relative to the partition base, with `/` separators. */
  relative: string;
}

async function listDirectory(dir: string, base: string, out: Leaf[]): Promise<void> {
  const metadata = path.join(dir, WEIR_METADATA_DIR);
  if ((await statOrNull(metadata))?.isDirectory() === true) {
    for (const rel of await readCommittedFiles(metadata)) {
      const p = path.join(dir, rel);
      const st = await statOrNull(p);
      if (st === null) throw pathNotFound(p);
      out.push({ path: p, size: st.size, relative: path.relative(base, p).split(path.sep).join("/") });
    }
    return;
  }
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (isHiddenName(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await listDirectory(p, base, out);
    else {
      const st = await statOrNull(p);
      if (st === null) continue; // removed while listing
      if (st.isDirectory()) await listDirectory(p, base, out);
      else out.push({ path: p, size: st.size, relative: path.relative(base, p).split(path.sep).join("/") });
    }
  }
}

/**
 * Reads the streaming file sink's commit log: files `_weir_metadata/<batchId>` (decimal batch
 * ids; other names, such as a temporary file being written, are ignored), each a JSON array of
 * file paths relative to the output directory. The union over all batches is the committed set.
 */
export async function readCommittedFiles(metadataDir: string): Promise<string[]> {
  const names = (await readdir(metadataDir)).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
  const seen = new Set<string>();
  const files: string[] = [];
  for (const n of names) {
    const file = path.join(metadataDir, n);
    let list: unknown;
    try {
      list = JSON.parse(await readFile(file, "utf8"));
    } catch (e) {
      throw new WeirError("LOG_CORRUPT", `the commit log entry ${file} is not valid JSON: ${(e as Error).message}`, { cause: e, details: { path: file } });
    }
    if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) {
      throw new WeirError("LOG_CORRUPT", `the commit log entry ${file} must be a JSON array of relative file paths`, { details: { path: file } });
    }
    for (const rel of list) {
      if (path.isAbsolute(rel) || rel.split("/").includes("..")) {
        throw new WeirError("LOG_CORRUPT", `the commit log entry ${file} names ${JSON.stringify(rel)}, which is outside the output directory`, { details: { path: file, entry: rel } });
      }
      if (!seen.has(rel)) {
        seen.add(rel);
        files.push(rel);
      }
    }
  }
  return files;
}

/**
 * Lists the files of `paths` and discovers partition columns from the `col=value` directories
 * between each root (or `basePath`) and its files. Throws NOT_FOUND (Spark's PATH_NOT_FOUND)
 * for a path or glob that matches nothing, INVALID_ARGUMENT for conflicting partition layouts.
 */
export async function listInputFiles(paths: readonly string[], basePath?: string): Promise<FileIndex> {
  if (paths.length === 0) throw new WeirError("INVALID_ARGUMENT", "no path given: pass a file, a directory or a glob to load()");
  const roots: string[] = [];
  const leaves: Leaf[] = [];
  const base = basePath === undefined ? undefined : toLocalPath(basePath);
  for (const p of paths) {
    const abs = toLocalPath(p);
    const matches = hasGlob(abs) ? await expandGlob(abs) : [abs];
    if (matches.length === 0) throw pathNotFound(abs);
    for (const m of matches) {
      const st = await statOrNull(m);
      if (st === null) throw pathNotFound(m);
      roots.push(m);
      if (st.isDirectory()) await listDirectory(m, base ?? m, leaves);
      else leaves.push({ path: m, size: st.size, relative: path.relative(base ?? path.dirname(m), m).split(path.sep).join("/") });
    }
  }
  return discoverPartitions(roots, leaves);
}

function discoverPartitions(roots: string[], leaves: Leaf[]): FileIndex {
  let columns: string[] | null = null;
  let example = "";
  const files: InputFile[] = [];
  for (const leaf of leaves) {
    const dirs = leaf.relative.split("/").slice(0, -1);
    // As Spark: walk up from the file's directory while the names are col=value.
    const parsed: { name: string; value: string | null }[] = [];
    for (let i = dirs.length - 1; i >= 0; i--) {
      const kv = parsePartitionDirectory(dirs[i]);
      if (kv === null) break;
      parsed.unshift(kv);
    }
    const names = parsed.map((kv) => kv.name);
    const known: string[] | null = columns;
    if (known === null) {
      columns = names;
      example = leaf.path;
    } else if (names.length !== known.length || names.some((n, i) => n.toLowerCase() !== known[i].toLowerCase())) {
      throw new WeirError(
        "INVALID_ARGUMENT",
        `Conflicting directory structures detected: ${example} has the partition columns [${known.join(", ")}] but ${leaf.path} has [${names.join(", ")}]. If provided paths are partition directories, please set "basePath" in the options of the data source to specify the root directory of the table.`,
        { details: { first: example, second: leaf.path } },
      );
    }
    files.push({ path: leaf.path, size: leaf.size, partition: parsed.map((kv) => kv.value) });
  }
  return { roots, files, partitionColumns: columns ?? [] };
}
