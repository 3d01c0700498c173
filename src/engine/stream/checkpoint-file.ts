/**
 * One small file of a streaming checkpoint (`metadata`, `offsets/N`, `commits/N`,
 * `sources/<i>/N`), read and written with a checksum beside it, so that damage that still parses
 * (a changed digit of an offset, a changed letter of a topic name) is reported instead of being
 * read as data.
 *
 * The files keep Spark's text layout (`v1`, then JSON lines); Spark puts no checksum inside them
 * and neither does Weir, so Spark's tools and Weir's read the same files. The checksum lives
 * where Hadoop's ChecksumFileSystem keeps it, and so where Spark's checkpoints on a local
 * filesystem have it: a sidecar `<dir>/.<name>.crc` in Hadoop's format,
 *
 *   "crc" 0x00 | bytesPerChecksum: int32 big-endian (512) | per chunk of bytesPerChecksum bytes
 *   of the file (the last one may be shorter): its CRC-32 (zlib's polynomial), int32 big-endian
 *
 * so a sidecar written by Spark verifies here and one written here verifies in Hadoop
 * (test/engine/stream/fixtures/spark-checkpoint holds files PySpark 4.0 wrote). A file without a
 * sidecar (written before Weir wrote them, or copied without dotfiles) is read unverified, as
 * Hadoop does; a sidecar that does not match its file is reported naming the file.
 *
 * Crash safety: the file and its sidecar are each written to a temporary file, both fsynced, then
 * renamed, file first, then the directory is fsynced. A crash in between leaves the new file
 * without a sidecar (read unverified, and intact: a rename is atomic) or an old sidecar without
 * its file (ignored, replaced by the next write), never a file beside a sidecar of other
 * content: a stale sidecar is removed, durably, before anything else is written.
 */
import { basename, dirname, join } from "node:path";
import type { LogFs } from "../../log/fs.js";
import { WeirError } from "../../util/errors.js";
import { settleAll } from "../../util/settle.js";

/** Hadoop's default chunk size (`file.bytes-per-checksum`); Spark's sidecars use it. */
export const CHECKSUM_CHUNK_BYTES = 512;

/** The 4 bytes every Hadoop checksum file starts with. */
const CHECKSUM_MAGIC = Buffer.from([0x63, 0x72, 0x63, 0x00]);
const CHECKSUM_HEADER_BYTES = 8;

/** CRC-32 with the reflected polynomial of zlib and java.util.zip.CRC32, one table (checkpoint files are small). */
const CRC32_TABLE: Int32Array = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** The CRC-32 of `data` (zlib's, as an unsigned 32-bit number). */
export function crc32(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC32_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** The sidecar of `path`: `<dir>/.<name>.crc`, Hadoop's ChecksumFileSystem.getChecksumFile. */
export function checksumPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.crc`);
}

/** The content of the sidecar of a file holding `data`, in Hadoop's format (see the module comment). */
export function encodeChecksumFile(data: Uint8Array, chunkBytes: number = CHECKSUM_CHUNK_BYTES): Buffer {
  const chunks = Math.ceil(data.length / chunkBytes);
  const out = Buffer.alloc(CHECKSUM_HEADER_BYTES + 4 * chunks);
  CHECKSUM_MAGIC.copy(out, 0);
  out.writeInt32BE(chunkBytes, 4);
  for (let i = 0; i < chunks; i++) out.writeUInt32BE(crc32(data.subarray(i * chunkBytes, (i + 1) * chunkBytes)), CHECKSUM_HEADER_BYTES + 4 * i);
  return out;
}

/** What {@link checkChecksum} found wrong: with the sidecar itself, or with the file it covers. */
export interface ChecksumProblem {
  readonly in: "sidecar" | "file";
  /** What is wrong, as a clause: "it is 30 bytes but ...", "bytes 0..28 do not match ...". */
  readonly what: string;
}

/**
 * Checks `data` against the content of its sidecar. Pure; returns null when they match, else
 * what is wrong. `sidecarName` names the sidecar in the explanation.
 */
export function checkChecksum(data: Uint8Array, sidecar: Uint8Array, sidecarName = "its checksum file"): ChecksumProblem | null {
  const s = Buffer.from(sidecar.buffer, sidecar.byteOffset, sidecar.byteLength);
  if (s.length < CHECKSUM_HEADER_BYTES || !s.subarray(0, 4).equals(CHECKSUM_MAGIC)) {
    return { in: "sidecar", what: `it does not start with Hadoop's "crc\\0" header and chunk size (it is ${s.length} bytes)` };
  }
  const chunkBytes = s.readInt32BE(4);
  if (chunkBytes <= 0) return { in: "sidecar", what: `it gives a chunk size of ${chunkBytes} bytes` };
  const sums = s.length - CHECKSUM_HEADER_BYTES;
  if (sums % 4 !== 0) return { in: "sidecar", what: `it holds ${sums} bytes after its header, not whole 4-byte checksums (it is truncated)` };
  const stored = sums / 4;
  const chunks = Math.ceil(data.length / chunkBytes);
  if (stored !== chunks) {
    const covers = stored === 0 ? "an empty file" : `a file of ${(stored - 1) * chunkBytes + 1} to ${stored * chunkBytes} bytes`;
    return { in: "file", what: `it is ${data.length} bytes but ${sidecarName} was written for ${covers} (the file was cut or extended after it was written)` };
  }
  for (let i = 0; i < chunks; i++) {
    const from = i * chunkBytes;
    const to = Math.min(data.length, from + chunkBytes);
    if (crc32(data.subarray(from, to)) !== s.readUInt32BE(CHECKSUM_HEADER_BYTES + 4 * i)) {
      return { in: "file", what: `bytes ${from}..${to - 1} do not match their checksum in ${sidecarName} (the file was changed or cut after it was written)` };
    }
  }
  return null;
}

/** The CHECKPOINT error for a damaged checkpoint file, naming it and saying what is wrong. */
export function checkpointCorrupt(path: string, what: string, cause?: unknown): WeirError {
  return new WeirError("CHECKPOINT", `checkpoint file ${path} is corrupt: ${what}. Restore it from a backup or start the query with a new checkpointLocation.`, {
    cause,
    details: { path },
  });
}

/**
 * Reads checkpoint file `path` (which must exist) and, when it has a sidecar, verifies it; a
 * mismatch, or a damaged sidecar, is a CHECKPOINT error naming the file.
 */
export function readCheckpointFile(fs: LogFs, path: string): Buffer {
  const data = fs.readFile(path);
  const sidecarPath = checksumPathOf(path);
  if (fs.stat(sidecarPath) === null) return data;
  const problem = checkChecksum(data, fs.readFile(sidecarPath), `its checksum file ${sidecarPath}`);
  if (problem === null) return data;
  if (problem.in === "file") {
    throw new WeirError("CHECKPOINT", `checkpoint file ${path} is corrupt: ${problem.what}. Restore it from a backup or start the query with a new checkpointLocation.`, {
      details: { path, checksumPath: sidecarPath },
    });
  }
  throw new WeirError(
    "CHECKPOINT",
    `checkpoint file ${path} cannot be verified: its checksum file ${sidecarPath} is damaged (${problem.what}). ` +
      `If ${path} is intact, delete ${sidecarPath}; otherwise restore the checkpoint from a backup or start the query with a new checkpointLocation.`,
    { details: { path, checksumPath: sidecarPath } },
  );
}

/** Writes checkpoint file `path` and its sidecar, atomically and durably (see the module comment). */
export async function writeCheckpointFile(fs: LogFs, path: string, data: Buffer): Promise<void> {
  const dir = dirname(path);
  const sidecarPath = checksumPathOf(path);
  const replacing = fs.stat(path) !== null;
  if (fs.stat(sidecarPath) !== null) {
    fs.unlink(sidecarPath);
    await fs.fsyncDir(dir);
  }
  // Both written and fsynced at once (the fsyncs overlap on the thread pool); both settle before this goes on.
  await settleAll([fs.writeSynced(`${path}.tmp`, data), fs.writeSynced(`${sidecarPath}.tmp`, encodeChecksumFile(data))]);
  fs.rename(`${path}.tmp`, path);
  // Replacing a file, the new content must be durable before a sidecar that describes it is.
  if (replacing) await fs.fsyncDir(dir);
  fs.rename(`${sidecarPath}.tmp`, sidecarPath);
  await fs.fsyncDir(dir);
}

/** Removes checkpoint file `path` and its sidecar (the file first: a sidecar alone is ignored). */
export function removeCheckpointFile(fs: LogFs, path: string): void {
  fs.unlink(path);
  const sidecarPath = checksumPathOf(path);
  if (fs.stat(sidecarPath) !== null) fs.unlink(sidecarPath);
}
