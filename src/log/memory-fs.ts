/**
 * An in-memory {@link LogFs} that models what a crash does to a page cache, for crash tests.
 *
 * Model:
 * - File data: every write or truncate lands in a page-cache view (what reads see) and in a list
 *   of pending operations. `fsync` makes the pending operations of that file durable. On
 *   {@link MemoryFs.crash}, each file keeps its durable content plus a prefix of its pending
 *   operations, the last one possibly torn (only a prefix of its bytes, or its length with zeros,
 *   as ext4's writeback can leave). A gathered write (`appendv`) is one call but one pending
 *   operation per buffer, so a crash can also keep part of it, torn inside any of its buffers.
 * - Names (create, rename, unlink, mkdir, rmdir) go to one ordered metadata journal, as on a
 *   journaling filesystem: a crash keeps a prefix of it; `fsyncDir(dir)` commits the journal up to
 *   the last entry that touches `dir`. Fsyncing a file does not make its name durable (POSIX).
 *
 * Faults: {@link MemoryFs.inject} arms "crash at the Nth matching operation" (the process dies:
 * that and every later call throws {@link SimulatedCrash} until `crash()` restarts the machine) or
 * "fail the Nth matching operation with EIO", optionally letting only a prefix of a write's bytes
 * reach the page cache first (`keepBytes`). Handles opened before a crash are dead afterwards.
 */
import { mulberry32 } from "../util/random.js";
import { posix } from "node:path";
import type { FileStat, LogFile, LogFs, OpenMode } from "./fs.js";
import { ioError } from "./fs.js";
import { assert } from "../util/assert.js";

/** The kinds of calls MemoryFs counts, for fault injection. */
export type FsOp =
  | "write"
  | "truncate"
  | "fsync"
  | "fsyncDir"
  | "create"
  | "rename"
  | "unlink"
  | "mkdir"
  | "rmdir"
  | "read"
  | "open";

/** The operations that change state: the "write points" of a crash test. */
export const mutatingOps: readonly FsOp[] = ["write", "truncate", "fsync", "fsyncDir", "create", "rename", "unlink", "mkdir", "rmdir"];

/** One armed fault. */
export interface Fault {
  action: "crash" | "eio";
  /** 1-based: the fault fires on the nth operation whose kind is in `ops`. */
  nth: number;
  /** Which operations count; defaults to {@link mutatingOps}. */
  ops?: readonly FsOp[];
  /**
   * For a fault that fires on a `write` (append or appendv): how many of the call's bytes reach
   * the page cache before it ends, a write torn in flight; it may stop inside any of the call's
   * buffers. Defaults to all of them for a crash (the call was in flight) and none for EIO.
   */
  keepBytes?: number;
}

/** One mutating call, as {@link MemoryFs} records it when tracing. */
export interface TracedOp {
  op: FsOp;
  path: string;
  /** For a write: the size of each buffer it wrote (one for append, one per buffer for appendv). */
  buffers: number[];
}

/** How much of the not-yet-durable state survives {@link MemoryFs.crash}. */
export type CrashMode =
  /** Only fsynced data and committed names survive. */
  | "lose-unsynced"
  /** Everything written survives (a process crash: the kernel still writes the page cache back). */
  | "keep-all"
  /** A random prefix of each file's pending writes and of the journal, the last write torn. */
  | "random";

/** Thrown by every MemoryFs call after an injected crash, until {@link MemoryFs.crash}. */
export class SimulatedCrash extends Error {
  override readonly name = "SimulatedCrash";
}

/** A growable byte array. */
class Bytes {
  buf: Buffer;
  len: number;
  constructor(from?: Bytes) {
    this.len = from?.len ?? 0;
    this.buf = Buffer.alloc(Math.max(64, this.len));
    if (from) from.buf.copy(this.buf, 0, 0, from.len);
  }
  write(pos: number, data: Buffer): void {
    const end = pos + data.length;
    if (end > this.buf.length) {
      const next = Buffer.alloc(Math.max(end, this.buf.length * 2));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    // A write past the end leaves a hole of zeros, as a sparse file would.
    if (pos > this.len) this.buf.fill(0, this.len, pos);
    data.copy(this.buf, pos);
    this.len = Math.max(this.len, end);
  }
  truncate(len: number): void {
    if (len > this.len) this.write(this.len, Buffer.alloc(len - this.len));
    this.len = len;
  }
}

type DataOp = { kind: "write"; pos: number; data: Buffer } | { kind: "truncate"; len: number };

interface Inode {
  live: Bytes;
  durable: Bytes;
  pending: DataOp[];
  mtimeMs: number;
}

type Entry = { kind: "dir" } | { kind: "file"; inode: Inode };

type MetaOp =
  | { kind: "link"; path: string; entry: Entry }
  | { kind: "unlink"; path: string }
  | { kind: "rename"; from: string; to: string };

/** Options for {@link MemoryFs}. */
export interface MemoryFsOptions {
  /** Seed of the generator that picks what survives a "random" crash. */
  seed?: number;
  /** The clock used for mtimes. */
  now?: () => number;
  /** Record every mutating call in {@link MemoryFs.trace} (crash tests pick their cut points from it). */
  trace?: boolean;
}

function applyData(b: Bytes, op: DataOp): void {
  if (op.kind === "write") b.write(op.pos, op.data);
  else b.truncate(op.len);
}

function applyMeta(ns: Map<string, Entry>, op: MetaOp): void {
  if (op.kind === "link") ns.set(op.path, op.entry);
  else if (op.kind === "unlink") ns.delete(op.path);
  else {
    // A directory rename moves its whole subtree.
    const prefix = `${op.from}/`;
    for (const [p, e] of [...ns]) {
      if (p === op.from || p.startsWith(prefix)) {
        ns.delete(p);
        ns.set(op.to + p.slice(op.from.length), e);
      }
    }
  }
}

function touches(op: MetaOp, dir: string): boolean {
  if (op.kind === "rename") return posix.dirname(op.from) === dir || posix.dirname(op.to) === dir;
  return posix.dirname(op.path) === dir;
}

/** See the module comment. */
export class MemoryFs implements LogFs {
  private ns = new Map<string, Entry>([["/", { kind: "dir" }]]);
  private durableNs = new Map<string, Entry>([["/", { kind: "dir" }]]);
  private journal: MetaOp[] = [];
  private faults: { fault: Fault; seen: number }[] = [];
  private dead = false;
  private epoch = 0;
  private rng: () => number;
  private readonly clock: () => number;
  /** The mutating calls so far, in order, when constructed with `trace: true` (else empty). */
  readonly trace: TracedOp[] = [];
  private readonly tracing: boolean;
  /** The fault that fired on the last call, if one did. */
  private fired: Fault | null = null;
  /** How many calls of each kind were made since construction (crash tests size their loops with it). */
  readonly counts: Record<FsOp, number> = {
    write: 0, truncate: 0, fsync: 0, fsyncDir: 0, create: 0, rename: 0, unlink: 0, mkdir: 0, rmdir: 0, read: 0, open: 0,
  };

  constructor(options: MemoryFsOptions = {}) {
    this.rng = mulberry32(options.seed ?? 1);
    this.clock = options.now ?? Date.now;
    this.tracing = options.trace ?? false;
  }

  /** Total mutating calls so far: the number of distinct crash points of what ran. */
  mutatingCount(): number {
    return mutatingOps.reduce((n, k) => n + this.counts[k], 0);
  }

  /** Arms a fault; several may be armed at once. */
  inject(fault: Fault): void {
    assert(fault.nth >= 1, "fault.nth is 1-based");
    this.faults.push({ fault, seen: 0 });
  }

  /** True after an injected crash fired and before {@link crash} restarted the machine. */
  isDead(): boolean {
    return this.dead;
  }

  /**
   * Simulates the machine going down and coming back: keeps what `mode` says survives, drops the
   * rest, disarms faults, and invalidates every open handle.
   */
  crash(mode: CrashMode = "random"): void {
    const pick = (n: number): number => (mode === "lose-unsynced" ? 0 : mode === "keep-all" ? n : Math.floor(this.rng() * (n + 1)));
    const ns = new Map(this.durableNs);
    const keptMeta = pick(this.journal.length);
    for (const op of this.journal.slice(0, keptMeta)) applyMeta(ns, op);
    const rebuilt = new Map<Inode, Inode>();
    for (const [p, e] of ns) {
      if (e.kind !== "file") continue;
      let fresh = rebuilt.get(e.inode);
      if (!fresh) {
        fresh = this.survivor(e.inode, pick(e.inode.pending.length), mode === "random");
        rebuilt.set(e.inode, fresh);
      }
      ns.set(p, { kind: "file", inode: fresh });
    }
    this.ns = ns;
    this.durableNs = new Map(ns);
    this.journal = [];
    this.faults = [];
    this.dead = false;
    this.epoch++;
  }

  private survivor(inode: Inode, kept: number, tear: boolean): Inode {
    const b = new Bytes(inode.durable);
    for (let i = 0; i < kept; i++) {
      const op = inode.pending[i];
      if (tear && i === kept - 1 && op.kind === "write" && op.data.length > 1) {
        const cut = Math.floor(this.rng() * op.data.length);
        // Half the time the file grew but the tail of the write never reached the disk (zeros).
        const torn = this.rng() < 0.5 ? op.data.subarray(0, cut) : Buffer.concat([op.data.subarray(0, cut), Buffer.alloc(op.data.length - cut)]);
        b.write(op.pos, torn);
      } else {
        applyData(b, op);
      }
    }
    return { live: new Bytes(b), durable: b, pending: [], mtimeMs: inode.mtimeMs };
  }

  /** Counts a call and fires an armed fault if it is due. */
  private step(op: FsOp, path: string, buffers: number[] = []): void {
    this.fired = null;
    if (this.dead) throw new SimulatedCrash(`${op} ${path} after a simulated crash`);
    this.counts[op]++;
    if (this.tracing && mutatingOps.includes(op)) this.trace.push({ op, path, buffers });
    for (const f of this.faults) {
      if (!(f.fault.ops ?? mutatingOps).includes(op)) continue;
      f.seen++;
      if (f.seen !== f.fault.nth) continue;
      this.fired = f.fault;
      if (f.fault.action === "crash") {
        this.dead = true;
        throw new SimulatedCrash(`simulated crash at ${op} ${path}`);
      }
      throw ioError(op, path, Object.assign(new Error("injected I/O error"), { code: "EIO" }));
    }
  }

  /**
   * Like step, but for a crash the operation still reaches the page cache first (it was in
   * flight). A call made after the crash has no effect: the process was already dead.
   */
  private stepThen(op: FsOp, path: string, effect: () => void): void {
    try {
      this.step(op, path);
    } catch (e) {
      if (e instanceof SimulatedCrash && this.fired !== null) effect();
      throw e;
    }
    effect();
  }

  private norm(path: string): string {
    const p = posix.normalize(path);
    return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
  }

  private meta(op: MetaOp): void {
    this.journal.push(op);
    applyMeta(this.ns, op);
  }

  private need(path: string, op: string): Entry {
    const e = this.ns.get(path);
    if (!e) throw ioError(op, path, Object.assign(new Error("no such file or directory"), { code: "ENOENT" }));
    return e;
  }

  private needDir(path: string, op: string): void {
    const e = this.need(path, op);
    if (e.kind !== "dir") throw ioError(op, path, Object.assign(new Error("not a directory"), { code: "ENOTDIR" }));
  }

  open(path: string, mode: OpenMode): LogFile {
    const p = this.norm(path);
    this.step("open", p);
    let e = this.ns.get(p);
    if (e && e.kind === "dir") throw ioError("open", p, Object.assign(new Error("is a directory"), { code: "EISDIR" }));
    if (!e) {
      if (mode === "read") this.need(p, "open");
      this.needDir(posix.dirname(p), "open");
      const inode: Inode = { live: new Bytes(), durable: new Bytes(), pending: [], mtimeMs: this.clock() };
      const entry: Entry = { kind: "file", inode };
      this.stepThen("create", p, () => this.meta({ kind: "link", path: p, entry }));
      e = entry;
    } else if (mode === "truncate") {
      const inode = e.inode;
      this.stepThen("truncate", p, () => this.dataOp(inode, { kind: "truncate", len: 0 }));
    }
    return new MemoryFile(this, p, e.inode, this.epoch);
  }

  /** Applies a data operation to the page cache and remembers it as pending. */
  private dataOp(inode: Inode, op: DataOp): void {
    applyData(inode.live, op);
    inode.pending.push(op.kind === "write" ? { kind: "write", pos: op.pos, data: Buffer.from(op.data) } : op);
    inode.mtimeMs = this.clock();
  }

  /** @internal Called by MemoryFile. */
  fileOp(handleEpoch: number, op: FsOp, path: string, inode: Inode, effect: DataOp | null): void {
    if (handleEpoch !== this.epoch) throw new SimulatedCrash(`${op} ${path} on a handle from before a crash`);
    if (effect === null) this.step(op, path);
    else this.stepThen(op, path, () => this.dataOp(inode, effect));
  }

  /**
   * @internal Called by MemoryFile: writes `bufs` one after the other at the end of the file. Each
   * buffer is a pending operation of its own, so a random crash can keep any prefix of them and
   * tear the last one kept; a fault with `keepBytes` lets only that many bytes in.
   */
  fileWrite(handleEpoch: number, path: string, inode: Inode, bufs: readonly Buffer[]): void {
    if (handleEpoch !== this.epoch) throw new SimulatedCrash(`write ${path} on a handle from before a crash`);
    const apply = (limit: number): void => {
      let left = limit;
      for (const b of bufs) {
        if (left <= 0) break;
        if (b.length === 0) continue;
        const part = b.length <= left ? b : b.subarray(0, left);
        this.dataOp(inode, { kind: "write", pos: inode.live.len, data: part });
        left -= part.length;
      }
    };
    const total = bufs.reduce((n, b) => n + b.length, 0);
    try {
      this.step("write", path, bufs.map((b) => b.length));
    } catch (e) {
      const fault = this.fired;
      if (fault !== null) apply(fault.keepBytes ?? (fault.action === "crash" ? total : 0));
      throw e;
    }
    apply(total);
  }

  /** @internal Called by MemoryFile. */
  fileSync(handleEpoch: number, path: string, inode: Inode): Promise<void> {
    try {
      if (handleEpoch !== this.epoch) throw new SimulatedCrash(`fsync ${path} on a handle from before a crash`);
      this.step("fsync", path);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    // Only what was written before the call is covered; the device answers later.
    const covered = inode.pending.length;
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        if (this.dead || handleEpoch !== this.epoch) {
          reject(new SimulatedCrash(`fsync ${path} interrupted by a simulated crash`));
          return;
        }
        for (const op of inode.pending.splice(0, covered)) applyData(inode.durable, op);
        resolve();
      });
    });
  }

  readFile(path: string): Buffer {
    const p = this.norm(path);
    this.step("read", p);
    const e = this.need(p, "read");
    if (e.kind !== "file") throw ioError("read", p, Object.assign(new Error("is a directory"), { code: "EISDIR" }));
    return Buffer.from(e.inode.live.buf.subarray(0, e.inode.live.len));
  }

  rename(from: string, to: string): void {
    const f = this.norm(from);
    const t = this.norm(to);
    this.need(f, "rename");
    this.needDir(posix.dirname(t), "rename");
    this.stepThen("rename", `${f} -> ${t}`, () => this.meta({ kind: "rename", from: f, to: t }));
  }

  unlink(path: string): void {
    const p = this.norm(path);
    const e = this.need(p, "unlink");
    if (e.kind === "dir") throw ioError("unlink", p, Object.assign(new Error("is a directory"), { code: "EISDIR" }));
    this.stepThen("unlink", p, () => this.meta({ kind: "unlink", path: p }));
  }

  readdir(dir: string): string[] {
    const d = this.norm(dir);
    this.step("read", d);
    this.needDir(d, "readdir");
    const out: string[] = [];
    for (const p of this.ns.keys()) if (p !== "/" && posix.dirname(p) === d) out.push(posix.basename(p));
    return out;
  }

  mkdir(dir: string): void {
    const d = this.norm(dir);
    if (this.ns.get(d)?.kind === "dir") return;
    const parent = posix.dirname(d);
    if (parent !== d) this.mkdir(parent);
    if (this.ns.has(d)) throw ioError("mkdir", d, Object.assign(new Error("file exists"), { code: "EEXIST" }));
    this.stepThen("mkdir", d, () => this.meta({ kind: "link", path: d, entry: { kind: "dir" } }));
  }

  rmdir(dir: string): void {
    const d = this.norm(dir);
    this.needDir(d, "rmdir");
    for (const p of this.ns.keys()) {
      if (p !== d && posix.dirname(p) === d) throw ioError("rmdir", d, Object.assign(new Error("directory not empty"), { code: "ENOTEMPTY" }));
    }
    this.stepThen("rmdir", d, () => this.meta({ kind: "unlink", path: d }));
  }

  stat(path: string): FileStat | null {
    const p = this.norm(path);
    if (this.dead) throw new SimulatedCrash(`stat ${p} after a simulated crash`);
    const e = this.ns.get(p);
    if (!e) return null;
    return e.kind === "dir" ? { size: 0, isDirectory: true, mtimeMs: 0 } : { size: e.inode.live.len, isDirectory: false, mtimeMs: e.inode.mtimeMs };
  }

  exists(path: string): boolean {
    return this.stat(path) !== null;
  }

  /** Unlinks each name that exists, at once and in order (each a crash point, as `unlink`). */
  async unlinkAll(paths: readonly string[]): Promise<void> {
    for (const p of paths) if (this.exists(p)) this.unlink(p);
    return Promise.resolve();
  }

  /** Open ("truncate"), append, fsync, close: the same steps, and crash points, as the real one. */
  async writeSynced(path: string, data: Buffer): Promise<void> {
    const f = this.open(path, "truncate");
    try {
      f.append(data);
      await f.fsync();
    } finally {
      f.close();
    }
  }

  fsyncDir(dir: string): Promise<void> {
    const d = this.norm(dir);
    try {
      this.step("fsyncDir", d);
      this.needDir(d, "fsyncDir");
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    let last = -1;
    this.journal.forEach((op, i) => {
      if (touches(op, d)) last = i;
    });
    const committed = this.journal.splice(0, last + 1);
    for (const op of committed) applyMeta(this.durableNs, op);
    return Promise.resolve();
  }
}

class MemoryFile implements LogFile {
  readonly path: string;
  private closed = false;

  constructor(
    private readonly owner: MemoryFs,
    path: string,
    private readonly inode: Inode,
    private readonly epoch: number,
  ) {
    this.path = path;
  }

  size(): number {
    return this.inode.live.len;
  }

  append(buf: Buffer): void {
    this.check();
    this.owner.fileWrite(this.epoch, this.path, this.inode, [buf]);
  }

  appendv(bufs: readonly Buffer[]): void {
    this.check();
    this.owner.fileWrite(this.epoch, this.path, this.inode, bufs);
  }

  pread(buf: Buffer, offset: number, length: number, position: number): number {
    this.check();
    this.owner.fileOp(this.epoch, "read", this.path, this.inode, null);
    const live = this.inode.live;
    const n = Math.max(0, Math.min(length, live.len - position));
    live.buf.copy(buf, offset, position, position + n);
    return n;
  }

  truncate(length: number): void {
    this.check();
    this.owner.fileOp(this.epoch, "truncate", this.path, this.inode, { kind: "truncate", len: length });
  }

  fsync(): Promise<void> {
    if (this.closed) return Promise.reject(ioError("fsync", this.path, Object.assign(new Error("closed"), { code: "EBADF" })));
    return this.owner.fileSync(this.epoch, this.path, this.inode);
  }

  close(): void {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw ioError("use", this.path, Object.assign(new Error("file is closed"), { code: "EBADF" }));
  }
}
