/**
 * The filesystem as the log sees it: a small interface so that storage code can run on the real
 * disk (NodeFs) or on an in-memory, fault-injecting model of a page cache (MemoryFs, in
 * memory-fs.ts) where a crash at any write can be simulated in a unit test.
 *
 * Data operations are synchronous on purpose. The broker is single-threaded and a `writeSync` or
 * `readSync` of page-cached bytes costs a few microseconds, much less than the promise and
 * thread-pool round trip of `fs.promises` (bench/log.ts measured both; see docs/benchmarks.md).
 * `fsync` is the exception: it waits for the device, so it is asynchronous and runs on libuv's
 * thread pool while the event loop keeps serving other partitions; appends that arrive meanwhile
 * are covered by the next fsync (group commit).
 */
import * as nodeFs from "node:fs";
import { dirname } from "node:path";
import { WeirError } from "../util/errors.js";
import { settleAll } from "../util/settle.js";
import { logLimits } from "../util/limits.js";

/** One open file. Positions and sizes are in bytes. */
export interface LogFile {
  readonly path: string;
  /** Size as seen by this handle (the writer is the only one who grows a file). */
  size(): number;
  /** Writes all of `buf` at the end of the file. */
  append(buf: Buffer): void;
  /**
   * Writes all of `bufs`, one after the other, at the end of the file: what
   * {@link append} of each would write, but in as few system calls as the platform allows (one
   * writev). On an error the file may hold any prefix of the bytes (the caller cuts it back).
   */
  appendv(bufs: readonly Buffer[]): void;
  /** Reads up to `length` bytes at `position` into `buf` at `offset`; returns the bytes read. */
  pread(buf: Buffer, offset: number, length: number, position: number): number;
  /** Cuts the file to `length` bytes. */
  truncate(length: number): void;
  /** Makes every byte written so far durable (resolves once the device has them). */
  fsync(): Promise<void>;
  /** Releases the handle; pending fsyncs must have settled. */
  close(): void;
}

/** How {@link LogFs.open} opens a file. */
export type OpenMode =
  /** Read only; the file must exist. */
  | "read"
  /** Read and write; created empty when missing. */
  | "read-write"
  /** Read and write; created, or emptied when it exists. */
  | "truncate";

/** What {@link LogFs.stat} reports. */
export interface FileStat {
  size: number;
  isDirectory: boolean;
  mtimeMs: number;
}

/** See the module comment. Paths are absolute or relative to the process, `/`-separated. */
export interface LogFs {
  /** Opens a file as `mode` says. */
  open(path: string, mode: OpenMode): LogFile;
  /** The whole content of a file (for small files: indexes, checkpoints, configs). */
  readFile(path: string): Buffer;
  /** Atomically replaces `to` with `from` (POSIX rename). */
  rename(from: string, to: string): void;
  /** Removes a file's name. */
  unlink(path: string): void;
  /** Entry names of a directory, unsorted. */
  readdir(dir: string): string[];
  /** Creates a directory and its missing parents. */
  mkdir(dir: string): void;
  /** Removes an empty directory. */
  rmdir(dir: string): void;
  /** Facts about a path, or null when it does not exist. */
  stat(path: string): FileStat | null;
  /** True when the path exists. */
  exists(path: string): boolean;
  /** Makes the directory's entries (creates, renames, unlinks) durable. */
  fsyncDir(dir: string): Promise<void>;
  /**
   * Creates `path` (emptied when it exists), writes all of `data` and resolves once the bytes are
   * durable (the file's directory entry is not: see {@link fsyncDir}). For small files written
   * whole (checkpoints, state deltas); the real filesystem does every step off the event loop.
   */
  writeSynced(path: string, data: Buffer): Promise<void>;
  /**
   * Removes the names `paths`, in the background where the platform allows (the real filesystem
   * on the thread pool: an unlink can wait for the journal behind other fsyncs), for cleanup that
   * nothing waits for. A name already gone is not an error. Resolves once all are removed.
   */
  unlinkAll(paths: readonly string[]): Promise<void>;
}

/**
 * Hands all of `bufs`, in order, to `writev` (one gathered write at the end of a file, returning
 * the bytes it wrote) in as few calls as it takes: at most `maxBuffers` buffers per call
 * (IOV_MAX), and after a short write the next call resumes at the first byte not written. A call
 * that writes nothing while bytes remain is an EIO error.
 */
export function writevAll(bufs: readonly Buffer[], writev: (chunk: readonly Buffer[]) => number, maxBuffers: number = logLimits.writevBuffersMax): void {
  let i = 0;
  // The part of bufs[i] already written (after a short write).
  let skip = 0;
  while (i < bufs.length) {
    const end = Math.min(bufs.length, i + maxBuffers);
    let chunk: readonly Buffer[] = i === 0 && end === bufs.length ? bufs : bufs.slice(i, end);
    if (skip > 0) chunk = [chunk[0].subarray(skip), ...chunk.slice(1)];
    let n = writev(chunk);
    if (n === 0 && chunk.some((b) => b.length > 0)) throw Object.assign(new Error("writev wrote nothing"), { code: "EIO" });
    // Skip the buffers written whole; a short write leaves the rest of bufs[i] for the next call.
    while (i < end && n >= bufs[i].length - skip) {
      n -= bufs[i].length - skip;
      skip = 0;
      i++;
    }
    skip += n;
  }
}

/** Wraps a failed filesystem call in a WeirError IO that names the call and the path. */
export function ioError(op: string, path: string, cause: unknown): WeirError {
  const errno = (cause as { code?: unknown } | null)?.code;
  const code = typeof errno === "string" ? errno : "EIO";
  const notFound = code === "ENOENT";
  return new WeirError(notFound ? "NOT_FOUND" : "IO", `${op} ${path} failed: ${code}`, {
    cause,
    retriable: false,
    details: { op, path, errno: code },
  });
}

class NodeFile implements LogFile {
  readonly path: string;
  private fd: number;
  private length: number;

  constructor(path: string, fd: number, length: number) {
    this.path = path;
    this.fd = fd;
    this.length = length;
  }

  size(): number {
    return this.length;
  }

  append(buf: Buffer): void {
    let done = 0;
    try {
      // writeSync may write less than asked (signals, quotas); loop until all bytes are out.
      while (done < buf.length) {
        done += nodeFs.writeSync(this.fd, buf, done, buf.length - done, this.length + done);
      }
    } catch (e) {
      throw ioError("write", this.path, e);
    } finally {
      this.length += done;
    }
  }

  appendv(bufs: readonly Buffer[]): void {
    try {
      writevAll(bufs, (chunk) => {
        const n = nodeFs.writevSync(this.fd, chunk, this.length);
        this.length += n;
        return n;
      });
    } catch (e) {
      throw ioError("write", this.path, e);
    }
  }

  pread(buf: Buffer, offset: number, length: number, position: number): number {
    try {
      let done = 0;
      while (done < length) {
        const n = nodeFs.readSync(this.fd, buf, offset + done, length - done, position + done);
        if (n === 0) break;
        done += n;
      }
      return done;
    } catch (e) {
      throw ioError("read", this.path, e);
    }
  }

  truncate(length: number): void {
    try {
      nodeFs.ftruncateSync(this.fd, length);
      this.length = length;
    } catch (e) {
      throw ioError("truncate", this.path, e);
    }
  }

  fsync(): Promise<void> {
    const fd = this.fd;
    return new Promise((resolve, reject) => {
      // fdatasync: the size (needed to read the data back) is flushed, mtime is not.
      nodeFs.fdatasync(fd, (err) => (err ? reject(ioError("fsync", this.path, err)) : resolve()));
    });
  }

  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      nodeFs.closeSync(fd);
    } catch (e) {
      throw ioError("close", this.path, e);
    }
  }
}

/** The real filesystem through node:fs file descriptors. */
export class NodeFs implements LogFs {
  open(path: string, mode: OpenMode): LogFile {
    const { O_RDONLY, O_RDWR, O_CREAT, O_TRUNC } = nodeFs.constants;
    const flags = mode === "read" ? O_RDONLY : mode === "read-write" ? O_RDWR | O_CREAT : O_RDWR | O_CREAT | O_TRUNC;
    try {
      const fd = nodeFs.openSync(path, flags, 0o644);
      return new NodeFile(path, fd, nodeFs.fstatSync(fd).size);
    } catch (e) {
      throw ioError("open", path, e);
    }
  }

  readFile(path: string): Buffer {
    return wrap("read", path, () => nodeFs.readFileSync(path));
  }

  rename(from: string, to: string): void {
    wrap("rename", `${from} -> ${to}`, () => nodeFs.renameSync(from, to));
  }

  unlink(path: string): void {
    wrap("unlink", path, () => nodeFs.unlinkSync(path));
  }

  readdir(dir: string): string[] {
    return wrap("readdir", dir, () => nodeFs.readdirSync(dir));
  }

  mkdir(dir: string): void {
    wrap("mkdir", dir, () => nodeFs.mkdirSync(dir, { recursive: true }));
  }

  rmdir(dir: string): void {
    wrap("rmdir", dir, () => nodeFs.rmdirSync(dir));
  }

  stat(path: string): FileStat | null {
    try {
      const st = nodeFs.statSync(path, { throwIfNoEntry: false });
      return st === undefined ? null : { size: st.size, isDirectory: st.isDirectory(), mtimeMs: st.mtimeMs };
    } catch (e) {
      throw ioError("stat", path, e);
    }
  }

  exists(path: string): boolean {
    return this.stat(path) !== null;
  }

  // Only the fsync goes to the thread pool. Each hop there costs the event loop ~50-70 us on
  // this kind of VM (waking a pool thread) and ~100 us of latency, so opening the directory
  // (a lookup; it needs no journal) and closing it are done here.
  async fsyncDir(dir: string): Promise<void> {
    const fd = wrap("open", dir, () => nodeFs.openSync(dir, nodeFs.constants.O_RDONLY));
    try {
      await call<void>((cb) => nodeFs.fsync(fd, cb));
    } catch (e) {
      // Some platforms (Windows) cannot fsync a directory; their rename is durable on its own.
      const code = (e as { code?: unknown }).code;
      if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL") throw ioError("fsync", dir, e);
    } finally {
      closeSyncQuietly(fd);
    }
  }

  async unlinkAll(paths: readonly string[]): Promise<void> {
    await settleAll(
      paths.map((p) =>
        call<void>((cb) => nodeFs.unlink(p, cb)).catch((e: unknown) => {
          if ((e as { code?: unknown }).code !== "ENOENT") throw ioError("unlink", p, e);
        }),
      ),
    );
  }

  // Two hops to the thread pool, each costing the event loop ~50-70 us on this kind of VM: the
  // open, because creating a file is the step most likely to wait for the filesystem's journal
  // behind other fsyncs (a synchronous open measured ~20 % of a streaming query's main thread at
  // 40 batches/s), and the fdatasync, which waits for the device. The write (into the page cache)
  // and the close are cheaper done here than handed over.
  async writeSynced(path: string, data: Buffer): Promise<void> {
    const { O_WRONLY, O_CREAT, O_TRUNC } = nodeFs.constants;
    let fd: number;
    try {
      fd = await call<number>((cb) => nodeFs.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644, cb));
    } catch (e) {
      throw ioError("open", path, e);
    }
    try {
      for (let done = 0; done < data.length; ) done += wrap("write", path, () => nodeFs.writeSync(fd, data, done, data.length - done, done));
      await call<void>((cb) => nodeFs.fdatasync(fd, cb)).catch((e: unknown) => {
        throw ioError("fsync", path, e);
      });
    } catch (e) {
      closeSyncQuietly(fd);
      throw e;
    }
    wrap("close", path, () => nodeFs.closeSync(fd));
  }
}

/** A node:fs callback call as a promise. */
function call<T>(start: (cb: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value))));
}

/** Closes `fd`, ignoring a failure (the caller already has an error to report). */
function closeSyncQuietly(fd: number): void {
  try {
    nodeFs.closeSync(fd);
  } catch {
    // The error that brought us here is the one worth reporting.
  }
}

function wrap<T>(op: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw ioError(op, path, e);
  }
}

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new content: write a
 * temporary file, fsync it, rename it over the target, fsync the directory.
 */
export async function writeFileDurably(fs: LogFs, path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.tmp`;
  await fs.writeSynced(tmp, data);
  fs.rename(tmp, path);
  await fs.fsyncDir(dirname(path));
}

/** Removes a directory and everything in it (depth first). Missing paths are ignored. */
export function removeTree(fs: LogFs, path: string): void {
  const st = fs.stat(path);
  if (st === null) return;
  if (!st.isDirectory) {
    fs.unlink(path);
    return;
  }
  for (const name of fs.readdir(path)) removeTree(fs, `${path}/${name}`);
  fs.rmdir(path);
}
