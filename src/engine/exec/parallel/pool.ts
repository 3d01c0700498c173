/**
 * The aggregation workers of a session: a pool of `worker_threads` started when a query first
 * needs them, reused by the session's later queries, and terminated by `weir.close()`. An idle
 * worker is `unref()`'d (it never keeps the process alive); a worker with a job running is
 * ref'd, so a script awaiting a query does not exit under it.
 *
 * The worker's entry module depends on how Weir runs:
 * - from the TypeScript sources (tests, benches, through tsx): Node 20 does not apply the
 *   parent's `--import tsx` to a worker's entry module, so the worker registers tsx's loader
 *   itself (`register()` of `tsx/esm/api`) and then imports worker.ts;
 * - from `dist/` as tsc lays it out: worker.js beside this module;
 * - from the one-file bundle (`dist/cli/weir.mjs`): `weir-worker.mjs` beside the bundle, built
 *   by `npm run build` (this module's `import.meta.url` is then the bundle's).
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { LogClient } from "../../../client/log-client.js";
import { WeirError } from "../../../util/errors.js";
import type { FromWorker, ToWorker } from "./messages.js";

/** Most worker threads a session may ask for. */
export const PARALLELISM_MAX = 64;

/**
 * Fewest records (summed over the scan's offset ranges) for which an aggregation is handed to
 * the workers; below it the calling thread runs it. A job costs ~15-20 ms of fixed work (the
 * pipeline sent and compiled on each worker, the first fetch's round trip; the first query of a
 * session also starts the workers, ~100-300 ms each from dist/, ~1 s from the TypeScript
 * sources). Measured with warm workers on bench:engine's events (docs/benchmarks.md, "The second
 * core"): 2 workers were slower up to ~50 000 records, even around 100 000, and faster from
 * ~200 000 when a second core was free.
 */
export const PARALLEL_MIN_RECORDS_DEFAULT = 100_000;

/** The name of the bundled worker, beside dist/cli/weir.mjs (see package.json's build script). */
const BUNDLED_WORKER = "weir-worker.mjs";

/** How to start a worker (see the module comment). */
function workerEntry(): { readonly entry: string | URL; readonly eval: boolean } {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    const tsx = import.meta.resolve("tsx/esm/api");
    const worker = new URL("./worker.ts", here).href;
    return { entry: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(worker)}); });`, eval: true };
  }
  const bundled = new URL(`./${BUNDLED_WORKER}`, here);
  if (existsSync(fileURLToPath(bundled))) return { entry: bundled, eval: false };
  return { entry: new URL("./worker.js", here), eval: false };
}

/** What a running job hears from a worker. */
export interface JobListener {
  onMessage(m: FromWorker): void;
  /** The worker stopped (crashed, or was terminated): the job's partitions on it are lost. */
  onExit(error: Error): void;
}

/** One worker thread of a pool. */
export class PoolWorker {
  private readonly worker: Worker;
  private readonly listeners = new Map<number, JobListener>();
  private alive = true;
  /** Why the worker stopped, once it has. */
  private exitError: Error | null = null;

  constructor(
    readonly slot: number,
    private readonly onGone: (w: PoolWorker) => void,
  ) {
    const { entry, eval: isEval } = workerEntry();
    this.worker = new Worker(entry, { eval: isEval, name: `weir-aggregation-${slot}` });
    this.worker.unref();
    this.worker.on("message", (m: FromWorker) => this.listeners.get(m.job)?.onMessage(m));
    this.worker.on("error", (e) => this.gone(new WeirError("EXECUTION", `an aggregation worker thread failed: ${e.message}`, { cause: e })));
    this.worker.on("exit", (code) => this.gone(new WeirError("EXECUTION", `an aggregation worker thread stopped (exit code ${code})`, { details: { exitCode: code } })));
  }

  /** False once the worker crashed or was terminated. */
  get isAlive(): boolean {
    return this.alive;
  }

  /** Sends a message; `transfer` moves ArrayBuffers instead of copying them. */
  post(m: ToWorker, transfer?: readonly ArrayBuffer[]): void {
    if (this.alive) this.worker.postMessage(m, transfer as ArrayBuffer[] | undefined);
  }

  /** Routes the messages of job `job` to `l` (and keeps the process alive while any job listens). */
  listen(job: number, l: JobListener): void {
    if (!this.alive) {
      l.onExit(this.exitError ?? new WeirError("EXECUTION", "an aggregation worker thread stopped"));
      return;
    }
    if (this.listeners.size === 0) this.worker.ref();
    this.listeners.set(job, l);
  }

  /** Stops routing job `job`'s messages. */
  unlisten(job: number): void {
    if (!this.listeners.delete(job)) return;
    if (this.listeners.size === 0 && this.alive) this.worker.unref();
  }

  /** Stops the thread. */
  async terminate(): Promise<void> {
    if (!this.alive) return;
    await this.worker.terminate();
  }

  private gone(error: Error): void {
    if (!this.alive) return;
    this.alive = false;
    this.exitError = error;
    this.onGone(this);
    const ls = [...this.listeners.values()];
    this.listeners.clear();
    for (const l of ls) l.onExit(error);
    // An uncaught error does not always end the thread; make sure it ends.
    void this.worker.terminate();
  }
}

/** A session's workers: at most `size`, started on first use. */
export class WorkerPool {
  private readonly slots: (PoolWorker | null)[];
  private closed = false;
  /** Workers started over the pool's life (a crashed one is replaced on next use). */
  started = 0;

  constructor(readonly size: number) {
    this.slots = Array.from({ length: size }, () => null);
  }

  /** The first `n` workers (n <= size), starting those not running. */
  acquire(n: number): PoolWorker[] {
    if (this.closed) throw new WeirError("CLOSED", "this Weir session is closed");
    const out: PoolWorker[] = [];
    for (let i = 0; i < Math.min(n, this.size); i++) {
      let w = this.slots[i];
      if (w === null || !w.isAlive) {
        w = new PoolWorker(i, (gone) => {
          if (this.slots[gone.slot] === gone) this.slots[gone.slot] = null;
        });
        this.slots[i] = w;
        this.started++;
      }
      out.push(w);
    }
    return out;
  }

  /** Terminates every worker. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.slots.filter((w): w is PoolWorker => w !== null);
    this.slots.fill(null);
    await Promise.all(running.map((w) => w.terminate()));
  }
}

/** How a session runs aggregations over Kafka topics in parallel. */
export interface ParallelSettings {
  /** Worker threads; 0 runs every query on the calling thread. */
  readonly workers: number;
  /** Fewest records for which the workers are used. */
  readonly minRecords: number;
}

/** What the parallel path did (for tests and diagnostics). */
export interface ParallelStats {
  /** Aggregations that ran on the workers. */
  parallelQueries: number;
  /** Eligible aggregations run on the calling thread because their ranges were too small. */
  smallQueries: number;
  /** Fetches handed to a worker in a reused shared-memory slot (the others were transferred). */
  slotFetches: number;
  /** Of those, the fetches the log read straight into their slot (no copy on the main thread). */
  slotReads: number;
  /** Fetches handed to a worker by transferring their memory. */
  transferredFetches: number;
  /** Partitions a worker aggregated with the fused count (exec/parallel/fused.ts). */
  fusedPartitions: number;
  /** Of their records, those the fused count read the general way (the locator did not take them, or a null value). */
  fusedGeneralRecords: number;
}

/** A session's parallel execution: its settings, its workers, its counters. */
export class ParallelRuntime {
  readonly pool: WorkerPool;
  readonly stats: ParallelStats = { parallelQueries: 0, smallQueries: 0, slotFetches: 0, slotReads: 0, transferredFetches: 0, fusedPartitions: 0, fusedGeneralRecords: 0 };
  private nextJob = 1;

  constructor(readonly settings: ParallelSettings) {
    this.pool = new WorkerPool(settings.workers);
  }

  /** A fresh job id (unique within the session). */
  newJob(): number {
    return this.nextJob++;
  }

  /** Terminates the workers. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

const runtimes = new WeakMap<LogClient, ParallelRuntime>();

/**
 * The parallel settings of a session with an embedded log: `parallelism` worker threads
 * (default: the machine's available parallelism) for aggregations of at least `minRecords`
 * records. Throws INVALID_ARGUMENT for values out of range.
 */
export function parallelSettings(parallelism: number | undefined, minRecords: number | undefined): ParallelSettings {
  const workers = parallelism ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 0 || workers > PARALLELISM_MAX) {
    throw new WeirError(
      "INVALID_ARGUMENT",
      `parallelism must be an integer from 0 to ${PARALLELISM_MAX} (the worker threads a batch aggregation over a Kafka topic may use; 0 runs every query on the calling thread), got ${String(parallelism)}`,
      { details: { parallelism } },
    );
  }
  const min = minRecords ?? PARALLEL_MIN_RECORDS_DEFAULT;
  if (!Number.isSafeInteger(min) || min < 0) {
    throw new WeirError("INVALID_ARGUMENT", `parallelMinRecords must be a non-negative integer (the fewest records an aggregation hands to worker threads), got ${String(minRecords)}`, {
      details: { parallelMinRecords: minRecords },
    });
  }
  return { workers, minRecords: min };
}

/** Makes `runtime` the parallel execution of the queries that read through `client` (a session's embedded log). */
export function setParallelRuntime(client: LogClient, runtime: ParallelRuntime): void {
  runtimes.set(client, runtime);
}

/** The parallel execution of the queries that read through `client`, if its session has one. */
export function parallelRuntimeOf(client: LogClient): ParallelRuntime | undefined {
  return runtimes.get(client);
}
