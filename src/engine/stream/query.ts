/**
 * `StreamingQuery` (a handle on a running query) and `StreamingQueryManager` (`weir.streams`:
 * the session's active queries and listeners), with Spark's names and behaviour: a query's `id`
 * comes from its checkpoint and survives restarts, `runId` is new on every start; an error in a
 * batch stops the query, `exception()` returns it and `awaitTermination()` rejects with it.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { WeirError } from "../../util/errors.js";
import { MicroBatchExecutor, type ExecutorConfig, type ExecutorEvents } from "./executor.js";
import type { QueryIdleEvent, StreamingQueryListener, StreamingQueryProgress, StreamingQueryStatus } from "./progress.js";

/** Spark's spark.sql.streaming.numRecentProgressUpdates. */
export const RECENT_PROGRESS_MAX = 100;
/** Spark posts an idle event at most this often while no data arrives (noDataProgressEventInterval). */
const IDLE_EVENT_INTERVAL_MS = 10_000;

/** The exception a failed query reports (Spark's StreamingQueryException). */
export class StreamingQueryException extends WeirError {
  constructor(
    readonly queryId: string,
    readonly runId: string,
    cause: unknown,
  ) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(cause instanceof WeirError ? cause.code : "EXECUTION", `[STREAM_FAILED] Query [id = ${queryId}, runId = ${runId}] terminated with exception: ${message}`, { cause });
  }
}

/** See the module comment. */
export class StreamingQuery {
  /** A new id for every start of the query. */
  readonly runId: string;
  private active = true;
  private failure: StreamingQueryException | null = null;
  private readonly progress: StreamingQueryProgress[] = [];
  private statusValue: StreamingQueryStatus = { message: "Initializing sources", isDataAvailable: false, isTriggerActive: false };
  private readonly controller = new AbortController();
  private readonly waiters = new Set<() => void>();
  private lastIdleEventMs = 0;
  private executor!: MicroBatchExecutor;

  private constructor(
    private readonly manager: StreamingQueryManager,
    runId: string,
    private readonly deleteCheckpoint: string | null,
    /** The query's name (queryName), null when unnamed. */
    readonly name: string | null,
  ) {
    this.runId = runId;
  }

  /** Opens the checkpoint and starts the query's loop; rejects when the checkpoint cannot be used. */
  static async start(manager: StreamingQueryManager, cfg: Omit<ExecutorConfig, "runId">, deleteCheckpoint: boolean): Promise<StreamingQuery> {
    const runId = randomUUID();
    const q = new StreamingQuery(manager, runId, deleteCheckpoint ? cfg.checkpointLocation : null, cfg.name);
    q.executor = await MicroBatchExecutor.open({ ...cfg, runId }, q.eventsSink());
    manager.register(q);
    void q.loop();
    return q;
  }

  private eventsSink(): ExecutorEvents {
    return {
      onProgress: (p) => {
        this.progress.push(p);
        if (this.progress.length > RECENT_PROGRESS_MAX) this.progress.shift();
        this.manager.post("onQueryProgress", { progress: p });
        this.wake();
      },
      onIdle: () => {
        const now = Date.now();
        if (now - this.lastIdleEventMs >= IDLE_EVENT_INTERVAL_MS) {
          this.lastIdleEventMs = now;
          const e: QueryIdleEvent = { id: this.id, runId: this.runId, timestamp: new Date(now).toISOString() };
          this.manager.post("onQueryIdle", e);
        }
        this.wake();
      },
      onStatus: (message, isDataAvailable, isTriggerActive) => {
        this.statusValue = { message, isDataAvailable, isTriggerActive };
      },
    };
  }

  private async loop(): Promise<void> {
    this.manager.post("onQueryStarted", { id: this.id, runId: this.runId, name: this.name, timestamp: new Date().toISOString() });
    try {
      await this.executor.run(this.controller.signal);
    } catch (e) {
      this.failure = new StreamingQueryException(this.id, this.runId, e);
    }
    try {
      await this.executor.close();
    } catch {
      // closing sources never hides the query's own outcome
    }
    if (this.failure === null && this.deleteCheckpoint !== null) await rm(this.deleteCheckpoint, { recursive: true, force: true }).catch(() => undefined);
    this.active = false;
    this.statusValue = { message: "Stopped", isDataAvailable: false, isTriggerActive: false };
    this.manager.unregister(this);
    this.manager.post("onQueryTerminated", {
      id: this.id,
      runId: this.runId,
      exception: this.failure === null ? null : this.failure.message,
      errorClassOnException: this.failure === null ? null : ((this.failure.cause as WeirError | undefined)?.details?.errorClass as string | undefined) ?? null,
    });
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves at the next event (progress, idle trigger, termination). */
  private nextEvent(): Promise<void> {
    return new Promise((resolve) => {
      const w = (): void => {
        this.waiters.delete(w);
        resolve();
      };
      this.waiters.add(w);
    });
  }

  /** The query's id, stable across restarts from the same checkpoint. */
  get id(): string {
    return this.executor.checkpoint.metadata.id;
  }

  /** True until the query stops or fails. */
  get isActive(): boolean {
    return this.active;
  }

  /** The progress of the newest batch, or null before the first. */
  get lastProgress(): StreamingQueryProgress | null {
    return this.progress.at(-1) ?? null;
  }

  /** The progress of the recent batches (at most {@link RECENT_PROGRESS_MAX}), oldest first. */
  get recentProgress(): StreamingQueryProgress[] {
    return [...this.progress];
  }

  /** What the query is doing now. */
  get status(): StreamingQueryStatus {
    return { ...this.statusValue };
  }

  /** The error that stopped the query, or null. */
  exception(): StreamingQueryException | null {
    return this.failure;
  }

  /** Stops the query (the running batch finishes first) and resolves once it has stopped. */
  async stop(): Promise<void> {
    this.controller.abort();
    while (this.active) await this.nextEvent();
  }

  /**
   * Waits for the query to end. Without `timeoutMs`: resolves when it stops, rejects with its
   * exception when it failed. With `timeoutMs`: resolves true when it ended in time, false otherwise.
   */
  async awaitTermination(): Promise<void>;
  async awaitTermination(timeoutMs: number): Promise<boolean>;
  async awaitTermination(timeoutMs?: number): Promise<boolean | void> {
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    while (this.active && Date.now() < deadline) {
      const left = deadline - Date.now();
      await (Number.isFinite(left) ? Promise.race([this.nextEvent(), new Promise((r) => setTimeout(r, Math.max(0, left)).unref())]) : this.nextEvent());
    }
    if (this.failure !== null) throw this.failure;
    return timeoutMs === undefined ? undefined : !this.active;
  }

  /** Waits until every record available when called is processed (for tests); rejects when the query fails. */
  async processAllAvailable(): Promise<void> {
    // A trigger that is running now may have looked for data before it arrived: wait for an idle one that starts later.
    const after = this.executor.triggersStarted;
    while (this.active && this.executor.lastIdleTrigger <= after) await this.nextEvent();
    if (this.failure !== null) throw this.failure;
  }
}

type ListenerMethod = keyof StreamingQueryListener;

/** Spark's StreamingQueryManager (`weir.streams`). */
export class StreamingQueryManager {
  private readonly queries = new Map<string, StreamingQuery>();
  private readonly listeners: StreamingQueryListener[] = [];
  private terminated: StreamingQuery[] = [];
  private readonly anyWaiters = new Set<() => void>();

  /** The active queries. */
  get active(): StreamingQuery[] {
    return [...this.queries.values()];
  }

  /** The active query with this id, or null. */
  get(id: string): StreamingQuery | null {
    return this.queries.get(id) ?? null;
  }

  /** Refuses a second active query with the same name or checkpoint id, as Spark. */
  checkCanStart(name: string | null): void {
    if (name !== null && [...this.queries.values()].some((q) => q.name === name)) {
      throw new WeirError("INVALID_ARGUMENT", `Cannot start query with name ${name} as a query with that name is already active in this SparkSession`);
    }
  }

  /** @internal */
  register(q: StreamingQuery): void {
    if (this.queries.has(q.id)) {
      throw new WeirError("INVALID_ARGUMENT", `Cannot start query with id ${q.id} as another query with same id is already active. Perhaps you are attempting to restart a query from checkpoint that is already active.`);
    }
    this.queries.set(q.id, q);
  }

  /** @internal */
  unregister(q: StreamingQuery): void {
    if (this.queries.get(q.id) === q) this.queries.delete(q.id);
    this.terminated.push(q);
    for (const w of [...this.anyWaiters]) w();
  }

  /** Adds a listener for every query of the session. */
  addListener(listener: StreamingQueryListener): void {
    this.listeners.push(listener);
  }

  /** Removes a listener. */
  removeListener(listener: StreamingQueryListener): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** @internal Delivers an event to every listener; a listener that throws does not affect the query. */
  post<M extends ListenerMethod>(method: M, event: Parameters<NonNullable<StreamingQueryListener[M]>>[0]): void {
    for (const l of [...this.listeners]) {
      try {
        (l[method] as ((e: typeof event) => void) | undefined)?.call(l, event);
      } catch {
        // Spark logs and ignores listener failures.
      }
    }
  }

  /**
   * Waits until any query terminates (since the last {@link resetTerminated}); rejects with its
   * exception when it failed. With `timeoutMs`, resolves false when none did in time.
   */
  async awaitAnyTermination(timeoutMs?: number): Promise<boolean> {
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    while (this.terminated.length === 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const w = (): void => {
          this.anyWaiters.delete(w);
          clearTimeout(t);
          resolve();
        };
        const t = Number.isFinite(deadline) ? setTimeout(w, Math.max(0, deadline - Date.now())) : undefined;
        this.anyWaiters.add(w);
      });
    }
    const failed = this.terminated.find((q) => q.exception() !== null);
    if (failed !== undefined) throw failed.exception()!;
    return this.terminated.length > 0;
  }

  /** Forgets terminated queries, so awaitAnyTermination waits for a new one. */
  resetTerminated(): void {
    this.terminated = [];
  }

  /** Stops every active query (the session does this on close). */
  async stopAll(): Promise<void> {
    await Promise.all(this.active.map((q) => q.stop()));
  }
}

const managers = new WeakMap<object, StreamingQueryManager>();

/** The query manager of a session. */
export function streamsOf(session: object): StreamingQueryManager {
  let m = managers.get(session);
  if (m === undefined) managers.set(session, (m = new StreamingQueryManager()));
  return m;
}
