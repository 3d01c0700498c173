/**
 * The state store contract: versioned key-value state for one stateful operator's partition,
 * as Spark's StateStore. Version N is the state after micro-batch N-1 committed (version 0 is
 * empty). A batch loads version N, reads and updates it, and commits version N+1; a restart
 * that re-runs batch N loads version N again, so re-running never double-counts.
 *
 * Files (under `<checkpoint>/state/<operatorId>/<partition>/`, see CheckpointPaths.state):
 * `<version>.delta` holds the changes of one batch (puts and removes), `<version>.snapshot` the
 * whole state every `snapshotInterval` versions; loading a version replays the newest snapshot
 * at or below it, then the deltas after it. Files are written atomically through LogFs, so a
 * crash leaves either the old or the new file; a damaged file is reported naming it.
 *
 * Keys are strings (the engine encodes grouping keys); values are anything v8's structured
 * serializer handles (numbers, strings, arrays, Maps, Sets, Buffers, typed arrays), so
 * aggregate accumulator states can be stored as they are.
 */

/** What one operator partition's store reports into streaming progress (Spark's stateOperators[]). */
export interface StateStoreMetrics {
  /** Keys in the store after the batch. */
  numRowsTotal: number;
  /** Keys put during the batch. */
  numRowsUpdated: number;
  /** Keys removed during the batch (e.g. evicted by the watermark). */
  numRowsRemoved: number;
  /** An estimate of the memory the loaded state holds. */
  memoryUsedBytes: number;
}

/** One loaded version of one operator partition's state. */
export interface StateStore {
  /** The version this store was loaded at. */
  readonly version: number;
  get(key: string): unknown;
  has(key: string): boolean;
  put(key: string, value: unknown): void;
  remove(key: string): void;
  /** Every key and value (insertion order is not guaranteed). */
  entries(): IterableIterator<[string, unknown]>;
  readonly size: number;
  /** Writes version+1 (a delta, and a snapshot when due) and returns the new version. */
  commit(): Promise<number>;
  /** Drops the changes; the store must not be used afterwards. */
  abort(): void;
  metrics(): StateStoreMetrics;
}

/** Opens versions of one operator partition's state. */
export interface StateStoreProvider {
  /** Loads `version` (0: empty). A version that was never committed is an error naming the missing file. */
  load(version: number): Promise<StateStore>;
  /**
   * Deletes files no longer needed to load any of the newest `retain` versions, in the background
   * (nothing need wait for it; a file left by a failed purge goes with the next).
   */
  purge(retain: number): Promise<void>;
}
