/**
 * Reading a data file's bytes: streams that decompress `.gz` files (as Hadoop's codec factory
 * does by extension), line iteration, and whole-file reads, with a missing file reported as
 * Spark's PATH_NOT_FOUND.
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { gunzipSync, createGunzip } from "node:zlib";
import { WeirError } from "../../../util/errors.js";
import { pathNotFound } from "./listing.js";

/** True when the file is gzip-compressed by its name (`.gz`). */
export function isGzipped(file: string): boolean {
  return file.endsWith(".gz");
}

/** Maps an fs error of `file` to WeirError (NOT_FOUND for a missing file, IO otherwise). */
export function fileError(file: string, e: unknown): WeirError {
  if (e instanceof WeirError) return e;
  if ((e as NodeJS.ErrnoException).code === "ENOENT") return pathNotFound(file);
  return new WeirError("IO", `cannot read ${file}: ${(e as Error).message}`, { cause: e, details: { path: file } });
}

/** A byte stream of the file's (decompressed) contents. */
export function openInput(file: string): Readable {
  const raw = createReadStream(file);
  if (!isGzipped(file)) return raw;
  const gunzip = createGunzip();
  raw.on("error", (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/**
 * The file's lines (split at `\n`, `\r\n` or `\r`, without the separators), numbered from 1.
 * Stops early when `signal` aborts.
 */
export async function* readLines(file: string, signal?: AbortSignal): AsyncGenerator<{ line: string; lineNumber: number }> {
  const input = openInput(file);
  input.setEncoding("utf8");
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of rl) {
      if (signal?.aborted === true) return;
      lineNumber++;
      yield { line: lineNumber === 1 ? stripBom(line) : line, lineNumber };
    }
  } catch (e) {
    throw fileError(file, e);
  } finally {
    rl.close();
    input.destroy();
  }
}

/** The whole (decompressed) file as UTF-8 text. */
export async function readWholeText(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw fileError(file, e);
  }
  if (isGzipped(file)) bytes = gunzipSync(bytes);
  return stripBom(bytes.toString("utf8"));
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}
