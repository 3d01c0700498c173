/**
 * The state store on a {@link LogFs}: Spark's HDFSBackedStateStoreProvider model.
 *
 * One directory per operator partition holds `<version>.delta` (the puts and removes of the batch
 * that produced the version) and, every `snapshotInterval` versions but at most once every
 * `snapshotMinIntervalMs`, `<version>.snapshot` (the whole state), both in the format of
 * file-format.ts, both written at commit time through
 * {@link writeFileDurably} (temporary file, fsync, rename, fsync of the directory). Loading
 * version V reads the newest snapshot at or below V and replays the deltas after it.
 *
 * The newest loaded or committed version stays in memory, so the load that follows a commit
 * costs nothing. That version's map is shared by the stores loaded at it and never changed while
 * they may read it: a store collects its batch's changes beside it, and only a completed commit
 * folds them into the map, which then becomes the next version. Every other store still open on
 * the old version is retired by that commit; using one is a programmer error and asserts.
 *
 * Values are held as node:v8 bytes (numbers, strings, booleans, null and undefined as they are),
 * so `get` returns a fresh copy: changing an object that `get` returned does not change the
 * state; `put` it back to store the change. This keeps a re-run batch from seeing a previous
 * attempt's in-place mutations, and makes snapshots and loads byte copies.
 */
import { deserialize, serialize } from "node:v8";
import { dirname, join } from "node:path";
import { writeFileDurably, type LogFs } from "../../log/fs.js";
import { assert } from "../../util/assert.js";
import { WeirError } from "../../util/errors.js";
import type { StateStore, StateStoreMetrics, StateStoreProvider } from "./store.js";
import {
  REMOVED,
  UNDEFINED,
  duplicateKey,
  encodeStateFile,
  readStateFile,
  stateLimits,
  type StateFileEntry,
  type StateFileKind,
  type StoredValue,
} from "./file-format.js";
import { settleAll } from "../../util/settle.js";

/** Spark's default spark.sql.streaming.stateStore.minDeltasForSnapshot. */
export const SNAPSHOT_INTERVAL_DEFAULT = 10;

/** Options of {@link FileStateStoreProvider}. */
export interface FileStateStoreOptions {
  /** Write a snapshot every this many versions (default {@link SNAPSHOT_INTERVAL_DEFAULT}). */
  readonly snapshotInterval?: number;
  /**
   * Which versions get the snapshot: those whose `version + snapshotPhase` is a multiple of the
   * interval (default 0: the multiples). The partitions of one operator use different phases, so
   * that one batch does not encode every partition's whole state at once.
   */
  readonly snapshotPhase?: number;
  /**
   * At least this long between two snapshots of this provider (default 0: every
   * `snapshotInterval` versions). Spark writes snapshots from a maintenance task that runs every
   * `spark.sql.streaming.stateStore.maintenanceInterval` (60 s), so a query running many batches
   * a second snapshots about once a minute, not every tenth batch: encoding the whole state is the
   * dearest step of a commit. The first due version after the provider is created always gets
   * one, so that restarts do not make the chain of deltas longer and longer.
   */
  readonly snapshotMinIntervalMs?: number;
  /** The clock of `snapshotMinIntervalMs` (default `Date.now`). */
  readonly clock?: () => number;
}

type Change = StoredValue | typeof REMOVED;

/** One version of the state in memory. Its map is read-only until a commit retires it. */
class VersionState {
  retired = false;
  constructor(
    readonly version: number,
    readonly map: Map<string, StoredValue>,
    /** The estimate reported as memoryUsedBytes. */
    readonly bytes: number,
  ) {}
}

/** What the files of a state directory hold, by version. */
interface DirListing {
  readonly deltas: Set<number>;
  /** Ascending. */
  readonly snapshots: number[];
  /** Leftovers of interrupted writes, with the version they were for. */
  readonly temporaries: { name: string; version: number }[];
  readonly newest: number;
}

const FILE_NAME = /^(\d+)\.(delta|snapshot)(\.tmp)?$/;

/** A rough per-entry cost: the key, the value, and a Map entry's own overhead. */
function entryBytes(key: string, v: StoredValue): number {
  const value = Buffer.isBuffer(v) ? 80 + v.length : typeof v === "string" ? 16 + v.length * 2 : 8;
  return 64 + key.length * 2 + value;
}

function invalid(message: string, details: Record<string, unknown>): WeirError {
  return new WeirError("INVALID_ARGUMENT", message, { details });
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw invalid(`${name} must be an integer >= ${min}, got ${String(value)}`, { [name]: value });
}

/** See the module comment. One provider per operator partition; it owns its directory. */
export class FileStateStoreProvider implements StateStoreProvider {
  readonly snapshotInterval: number;
  private readonly snapshotPhase: number;
  private readonly snapshotMinIntervalMs: number;
  private readonly clock: () => number;
  /** When this provider last encoded a snapshot (-Infinity: not yet). */
  private lastSnapshotMs = -Infinity;
  /**
   * The snapshot versions in the directory, as the last purge listed them plus the snapshots
   * written since; null until a purge listed the directory. With the floor of the last purge it
   * lets a purge that would delete nothing skip the directory listing.
   */
  private snapshots: number[] | null = null;
  private purgedFloor: number | null = null;
  private cached: VersionState | null = null;
  private dirReady = false;
  /**
   * The newest version this provider committed, when it knows no file of a later version exists
   * (it removed them at its first commit and wrote every version since); null when unknown. A
   * commit of the next version then needs no directory listing.
   */
  private cleanUpTo: number | null = null;

  /** @param dir the partition's state directory (CheckpointPaths.state); created at the first commit. */
  constructor(
    private readonly fs: LogFs,
    readonly dir: string,
    options: FileStateStoreOptions = {},
  ) {
    this.snapshotInterval = options.snapshotInterval ?? SNAPSHOT_INTERVAL_DEFAULT;
    checkCount("snapshotInterval", this.snapshotInterval, 1);
    this.snapshotPhase = options.snapshotPhase ?? 0;
    checkCount("snapshotPhase", this.snapshotPhase, 0);
    this.snapshotMinIntervalMs = options.snapshotMinIntervalMs ?? 0;
    if (!(this.snapshotMinIntervalMs >= 0)) throw invalid(`snapshotMinIntervalMs must be a number >= 0, got ${String(this.snapshotMinIntervalMs)}`, { snapshotMinIntervalMs: this.snapshotMinIntervalMs });
    this.clock = options.clock ?? Date.now;
  }

  /** The path of a version's delta file. */
  deltaPath(version: number): string {
    return join(this.dir, `${version}.delta`);
  }

  /** The path of a version's snapshot file. */
  snapshotPath(version: number): string {
    return join(this.dir, `${version}.snapshot`);
  }

  /** The version held in memory, if any (for tests and metrics). */
  cachedVersion(): number | null {
    return this.cached?.version ?? null;
  }

  /**
   * Loads `version`: from memory when it is the version last loaded or committed, else from the
   * newest snapshot at or below it plus the deltas after that. A missing or damaged file is a
   * CHECKPOINT error naming it.
   */
  load(version: number): Promise<StateStore> {
    try {
      checkCount("version", version, 0);
      const cached = this.cached;
      const base = cached !== null && !cached.retired && cached.version === version ? cached : this.read(version);
      this.cached = base;
      return Promise.resolve(new FileStateStore(this, base));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /**
   * Deletes the files no longer needed to load any of the newest `retain` versions (Spark's
   * minBatchesToRetain): snapshots older than the newest snapshot at or below the oldest retained
   * version, and the deltas up to that snapshot. Resolves once they are gone; the files are
   * chosen at once (a later commit's files are never among them).
   */
  async purge(retain: number): Promise<void> {
    checkCount("retain", retain, 1);
    const newest = this.cached?.version;
    if (this.snapshots !== null && newest !== undefined && this.purgedFloor !== null) {
      // Nothing new to delete while the floor has not moved (no listing: with snapshots rare, a
      // directory holds thousands of deltas).
      const floor = this.snapshots.filter((v) => v <= newest - retain + 1).at(-1);
      if (floor === undefined || floor === this.purgedFloor) return;
    }
    const files = this.list();
    const oldestRetained = files.newest - retain + 1;
    const floor = files.snapshots.filter((v) => v <= oldestRetained).at(-1);
    this.snapshots = files.snapshots;
    if (floor === undefined) return;
    const doomed = [
      ...files.snapshots.filter((v) => v < floor).map((v) => this.snapshotPath(v)),
      ...[...files.deltas].filter((v) => v <= floor).map((v) => this.deltaPath(v)),
      ...files.temporaries.filter((t) => t.version <= floor).map((t) => join(this.dir, t.name)),
    ];
    await this.fs.unlinkAll(doomed);
    this.snapshots = files.snapshots.filter((v) => v >= floor);
    this.purgedFloor = floor;
  }

  /** Lists the directory; unknown files are refused rather than ignored. */
  private list(): DirListing {
    const deltas = new Set<number>();
    const snapshots: number[] = [];
    const temporaries: { name: string; version: number }[] = [];
    let newest = 0;
    if (this.fs.stat(this.dir) === null) return { deltas, snapshots, temporaries, newest };
    for (const name of this.fs.readdir(this.dir)) {
      if (name.startsWith(".")) continue;
      const m = FILE_NAME.exec(name);
      const version = m === null ? NaN : Number(m[1]);
      if (m === null || !Number.isSafeInteger(version)) {
        throw new WeirError("CHECKPOINT", `unexpected file ${join(this.dir, name)} in a state store directory; move it elsewhere and restart the query`, {
          details: { path: join(this.dir, name) },
        });
      }
      if (m[3] !== undefined) {
        temporaries.push({ name, version });
        continue;
      }
      if (m[2] === "delta") deltas.add(version);
      else snapshots.push(version);
      newest = Math.max(newest, version);
    }
    snapshots.sort((a, b) => a - b);
    return { deltas, snapshots, temporaries, newest };
  }

  /** Reads one file into `map`: a snapshot's puts, or a delta's puts and removes. */
  private readInto(map: Map<string, StoredValue>, kind: StateFileKind, version: number): void {
    const path = kind === "delta" ? this.deltaPath(version) : this.snapshotPath(version);
    let puts = 0;
    readStateFile(path, this.fs.readFile(path), { kind, version }, (key, value) => {
      if (value === REMOVED) map.delete(key);
      else {
        map.set(key, value);
        puts++;
      }
    });
    if (kind === "snapshot" && map.size !== puts) throw duplicateKey(path);
  }

  /** Builds `version` from the files. */
  private read(version: number): VersionState {
    const map = new Map<string, StoredValue>();
    if (version === 0) return new VersionState(0, map, 0);
    const files = this.list();
    const from = files.snapshots.filter((v) => v <= version).at(-1) ?? 0;
    if (from > 0) this.readInto(map, "snapshot", from);
    for (let v = from + 1; v <= version; v++) {
      if (!files.deltas.has(v)) {
        const why =
          version > files.newest
            ? `version ${version} was never committed (the newest committed version is ${files.newest})`
            : `it is needed to rebuild version ${version} from ${from === 0 ? "the empty state" : this.snapshotPath(from)}; was it deleted?`;
        throw new WeirError("CHECKPOINT", `cannot load state version ${version}: ${this.deltaPath(v)} is missing: ${why}`, {
          details: { path: this.deltaPath(v), version },
        });
      }
      this.readInto(map, "delta", v);
    }
    let bytes = 0;
    for (const [key, value] of map) bytes += entryBytes(key, value);
    return new VersionState(version, map, bytes);
  }

  /** Creates the directory, and makes each new name durable in its parent. */
  private async ensureDir(): Promise<void> {
    if (this.dirReady) return;
    const created: string[] = [];
    for (let d = this.dir; this.fs.stat(d) === null && dirname(d) !== d; d = dirname(d)) created.push(d);
    if (created.length > 0) {
      this.fs.mkdir(this.dir);
      for (const d of created.reverse()) await this.fs.fsyncDir(dirname(d));
    }
    this.dirReady = true;
  }

  /**
   * @internal Called by {@link FileStateStore.commit}: writes version `base.version + 1` and
   * returns it, folded into `base`'s map, as the new cached version.
   */
  async commitChanges(base: VersionState, changes: Map<string, Change>): Promise<VersionState> {
    assert(!base.retired, "a state store was committed after another store of its version had committed");
    const version = base.version + 1;
    // Both files are encoded before the first await, while `base` is certainly unchanged.
    const delta = encodeStateFile("delta", version, [...changes]);
    let snapshot: Buffer | null = null;
    const now = this.clock();
    if ((version + this.snapshotPhase) % this.snapshotInterval === 0 && now - this.lastSnapshotMs >= this.snapshotMinIntervalMs) {
      this.lastSnapshotMs = now;
      const all: StateFileEntry[] = [];
      for (const entry of base.map) if (!changes.has(entry[0])) all.push(entry);
      for (const entry of changes) if (entry[1] !== REMOVED) all.push(entry);
      snapshot = encodeStateFile("snapshot", version, all);
    }
    const clean = this.cleanUpTo === base.version;
    this.cleanUpTo = null;
    await this.ensureDir();
    if (!clean) {
      // Files at or above this version come from an earlier attempt of this batch (or of later
      // ones); their content derives from the state being replaced, so they must go first, newest
      // first, so that an interruption leaves a consistent chain of the earlier attempt.
      const files = this.list();
      const stale = [
        ...files.snapshots.filter((v) => v >= version).map((v) => ({ v, path: this.snapshotPath(v), order: 1 })),
        ...[...files.deltas].filter((v) => v > version).map((v) => ({ v, path: this.deltaPath(v), order: 0 })),
      ].sort((a, b) => b.v - a.v || b.order - a.order);
      if (stale.length > 0) {
        for (const s of stale) this.fs.unlink(s.path);
        await this.fs.fsyncDir(this.dir);
      }
      if (this.snapshots !== null) this.snapshots = this.snapshots.filter((v) => v < version);
    }
    // The delta and the snapshot each give the whole version (with the files before it), so they
    // are written side by side: a crash between them leaves the version whole or absent either way.
    const written = [writeFileDurably(this.fs, this.deltaPath(version), delta)];
    if (snapshot !== null) written.push(writeFileDurably(this.fs, this.snapshotPath(version), snapshot));
    await settleAll(written);
    if (snapshot !== null) this.snapshots?.push(version);

    assert(!base.retired, "two stores of one state partition committed concurrently");
    let bytes = base.bytes;
    const map = base.map;
    for (const [key, change] of changes) {
      const old = map.get(key);
      if (old !== undefined) bytes -= entryBytes(key, old);
      if (change === REMOVED) map.delete(key);
      else {
        map.set(key, change);
        bytes += entryBytes(key, change);
      }
    }
    base.retired = true;
    const next = new VersionState(version, map, bytes);
    this.cached = next;
    this.cleanUpTo = version;
    return next;
  }
}

/** Converts a value handed to `put` to its stored form. */
function toStored(key: string, value: unknown): StoredValue {
  switch (typeof value) {
    case "number":
    case "boolean":
      return value;
    case "undefined":
      return UNDEFINED;
    case "string":
      if (value.length * 3 > stateLimits.valueBytesMax && Buffer.byteLength(value) > stateLimits.valueBytesMax) throw tooLarge(key, Buffer.byteLength(value));
      return value;
    case "bigint":
    case "object": {
      if (value === null) return null;
      let bytes: Buffer;
      try {
        bytes = serialize(value);
      } catch (e) {
        throw invalid(`the state value for key ${JSON.stringify(key)} cannot be stored: ${(e as Error).message}`, { key });
      }
      if (bytes.length > stateLimits.valueBytesMax) throw tooLarge(key, bytes.length);
      return bytes;
    }
    default:
      throw invalid(`the state value for key ${JSON.stringify(key)} is a ${typeof value}, which cannot be stored`, { key });
  }
}

function tooLarge(key: string, bytes: number): WeirError {
  return new WeirError("LIMIT_EXCEEDED", `the state value for key ${JSON.stringify(key.slice(0, 80))} takes ${bytes} bytes, above the ${stateLimits.valueBytesMax} limit`, {
    details: { bytes, limit: stateLimits.valueBytesMax },
  });
}

/** One loaded version; see the module comment. */
class FileStateStore implements StateStore {
  readonly version: number;
  private changes = new Map<string, Change>();
  private sizeDelta = 0;
  private phase: "open" | "committing" | "committed" | "failed" | "aborted" = "open";
  private final: StateStoreMetrics | null = null;

  constructor(
    private readonly provider: FileStateStoreProvider,
    private base: VersionState,
  ) {
    this.version = base.version;
  }

  private readable(): void {
    assert(this.phase !== "aborted" && this.phase !== "failed", `state store version ${this.version} of ${this.provider.dir} was used after it was ${this.phase}`);
    assert(!this.base.retired, `state store version ${this.version} of ${this.provider.dir} was used after another store of it committed`);
  }

  private writable(): void {
    this.readable();
    assert(this.phase === "open", `state store version ${this.version} of ${this.provider.dir} was changed after commit() was called`);
  }

  private fromStored(key: string, v: StoredValue | undefined): unknown {
    if (v === UNDEFINED) return undefined;
    if (!Buffer.isBuffer(v)) return v;
    try {
      return deserialize(v);
    } catch (e) {
      throw new WeirError("CHECKPOINT", `the state value for key ${JSON.stringify(key)} in ${this.provider.dir} cannot be deserialised: ${(e as Error).message}`, {
        cause: e,
        details: { path: this.provider.dir, key },
      });
    }
  }

  /** Whether `key` is present, looking at this batch's changes first. */
  private present(key: string): boolean {
    const c = this.changes.get(key);
    return c !== undefined ? c !== REMOVED : this.base.map.has(key);
  }

  /** A fresh copy of the value (see the module comment), or undefined. */
  get(key: string): unknown {
    this.readable();
    const c = this.changes.get(key);
    if (c !== undefined) return c === REMOVED ? undefined : this.fromStored(key, c);
    return this.fromStored(key, this.base.map.get(key));
  }

  has(key: string): boolean {
    this.readable();
    return this.present(key);
  }

  /** Stores a copy of `value` (later changes to the object are not seen; `put` again). */
  put(key: string, value: unknown): void {
    this.writable();
    assert(typeof key === "string", "state keys are strings");
    if (key.length * 3 > stateLimits.keyBytesMax && Buffer.byteLength(key) > stateLimits.keyBytesMax) {
      throw new WeirError("LIMIT_EXCEEDED", `a state key of ${Buffer.byteLength(key)} bytes is above the ${stateLimits.keyBytesMax} limit`, {
        details: { limit: stateLimits.keyBytesMax },
      });
    }
    const stored = toStored(key, value);
    if (!this.present(key)) {
      if (this.size + 1 > stateLimits.rowsPerPartitionMax) {
        throw new WeirError("LIMIT_EXCEEDED", `the state of ${this.provider.dir} would hold more than ${stateLimits.rowsPerPartitionMax} keys; use more shuffle partitions or a watermark to evict old keys`, {
          details: { path: this.provider.dir, limit: stateLimits.rowsPerPartitionMax },
        });
      }
      this.sizeDelta++;
    }
    this.changes.set(key, stored);
  }

  remove(key: string): void {
    this.writable();
    if (!this.present(key)) return;
    // A key put in this batch only needs forgetting; one of the loaded version needs a remove.
    if (this.base.map.has(key)) this.changes.set(key, REMOVED);
    else this.changes.delete(key);
    this.sizeDelta--;
  }

  *entries(): IterableIterator<[string, unknown]> {
    this.readable();
    for (const [key, c] of this.changes) {
      if (c !== REMOVED) yield [key, this.fromStored(key, c)];
      this.readable();
    }
    for (const [key, v] of this.base.map) {
      if (this.changes.has(key)) continue;
      yield [key, this.fromStored(key, v)];
      this.readable();
    }
  }

  get size(): number {
    this.readable();
    return this.base.map.size + this.sizeDelta;
  }

  async commit(): Promise<number> {
    this.writable();
    const metrics = this.metrics();
    this.phase = "committing";
    let next: VersionState;
    try {
      next = await this.provider.commitChanges(this.base, this.changes);
    } catch (e) {
      this.phase = "failed";
      throw e;
    }
    this.base = next;
    this.changes = new Map();
    this.sizeDelta = 0;
    this.final = { ...metrics, numRowsTotal: next.map.size, memoryUsedBytes: next.bytes };
    this.phase = "committed";
    return next.version;
  }

  abort(): void {
    if (this.phase === "committed") return;
    this.phase = "aborted";
    this.changes = new Map();
  }

  metrics(): StateStoreMetrics {
    if (this.final !== null) return { ...this.final };
    let updated = 0;
    let removed = 0;
    let bytes = this.base.bytes;
    for (const [key, c] of this.changes) {
      if (c === REMOVED) removed++;
      else {
        updated++;
        bytes += entryBytes(key, c);
      }
    }
    return { numRowsTotal: this.base.map.size + this.sizeDelta, numRowsUpdated: updated, numRowsRemoved: removed, memoryUsedBytes: bytes };
  }
}

/** The state directories of a checkpoint (CheckpointPaths satisfies it). */
export interface StateDirectories {
  state(operatorId: number, partition: number): string;
}

/**
 * Opens one provider per partition of stateful operator `operatorId`, each over its directory
 * `paths.state(operatorId, partition)`. Nothing is read until a provider loads a version.
 */
export function openStateStores(
  fs: LogFs,
  paths: StateDirectories,
  operatorId: number,
  partitions: number,
  options: FileStateStoreOptions = {},
): FileStateStoreProvider[] {
  checkCount("operatorId", operatorId, 0);
  checkCount("partitions", partitions, 1);
  // Each partition snapshots in its own batch (phase = its number), unless a phase is given.
  return Array.from({ length: partitions }, (_, p) => new FileStateStoreProvider(fs, paths.state(operatorId, p), { snapshotPhase: p, ...options }));
}
