/**
 * Runs a pipeline (see define.ts): opens the session, gives the pipeline its context, follows
 * its queries through the session's listeners, and stops everything cleanly when the queries end,
 * when one fails (the others are stopped and the failure is thrown), or when the caller's signal
 * aborts (Ctrl-C). `replayPipeline` (replay.ts) runs the same loop with the session in replay mode.
 */
import { join, resolve } from "node:path";
import { Weir } from "../engine/session.js";
import type { StreamingQueryListener } from "../engine/stream/progress.js";
import type { StreamingQuery } from "../engine/stream/query.js";
import type { StreamReplay } from "../engine/stream/replay.js";
import { WeirError, isWeirError } from "../util/errors.js";
import type { Pipeline, PipelineContext, PipelineReplayInfo } from "./define.js";
import type { PipelineEvent, PipelineRunSummary, PipelineSessionOptions, QuerySummary } from "./events.js";

/** Options of {@link runPipeline}. */
export interface RunPipelineOptions {
  /** The log the pipeline reads and writes. */
  readonly session: PipelineSessionOptions;
  /** The pipeline's name when it does not set one (the CLI passes the file name). */
  readonly name?: string;
  /** Where `ctx.checkpoint(name)` puts checkpoints (default `./weir-checkpoints/<pipeline>`). */
  readonly checkpointDir?: string;
  /** `ctx.params`. */
  readonly params?: Readonly<Record<string, string>>;
  /** Aborting it stops the queries and ends the run (resolving, with `stoppedBy: "stopped"`). */
  readonly signal?: AbortSignal;
  /** Told every event as it happens; an exception thrown here is ignored. */
  readonly onEvent?: (e: PipelineEvent) => void;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Checks an output or checkpoint name (INVALID_ARGUMENT naming `what` and the rule). */
export function checkName(what: string, name: unknown): string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new WeirError("INVALID_ARGUMENT", `${what} must be 1-200 letters, digits, '.', '_' or '-', not starting with '.', '_' or '-'; got ${JSON.stringify(name)}`);
  }
  return name;
}

/** The pipeline's name: its own, else `fallback`, else "pipeline". */
export function pipelineNameOf(pipeline: Pipeline, fallback: string | undefined): string {
  if (pipeline.name !== null) return pipeline.name;
  const cleaned = (fallback ?? "").replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[._-]+/, "");
  return cleaned === "" ? "pipeline" : cleaned.slice(0, 200);
}

/** What distinguishes a run from a replay inside the shared loop. */
export interface ExecutionMode {
  readonly mode: "run" | "replay";
  readonly replay: StreamReplay | undefined;
  readonly replayInfo: PipelineReplayInfo | null;
  readonly output: (name: string, path: string) => string;
  readonly checkpoint: (name: string) => string;
}

/** Per-query figures gathered from progress events. */
interface QueryStats {
  query: string;
  id: string;
  sink: string | null;
  batches: number;
  inputRows: number;
  outputRows: number;
  error: string | null;
}

function safeEmit(onEvent: ((e: PipelineEvent) => void) | undefined, e: PipelineEvent): void {
  try {
    onEvent?.(e);
  } catch {
    // A listener's failure must not stop the pipeline.
  }
}

async function openSession(opts: PipelineSessionOptions, replay: StreamReplay | undefined): Promise<Weir> {
  const r = replay === undefined ? {} : { replay };
  if ("dataDir" in opts) return Weir.embedded({ dataDir: opts.dataDir, ...r });
  return Weir.connect({
    bootstrapServers: opts.bootstrapServers,
    ...(opts.clientId === undefined ? {} : { clientId: opts.clientId }),
    ...(opts.operationTimeoutMs === undefined ? {} : { operationTimeoutMs: opts.operationTimeoutMs }),
    ...r,
  });
}

/** An error of the pipeline's code or queries, as a WeirError naming the pipeline. */
function pipelineFailure(name: string, e: unknown): WeirError {
  const message = e instanceof Error ? e.message : String(e);
  if (isWeirError(e)) return new WeirError(e.code, `pipeline ${name}: ${message}`, { cause: e, details: e.details, retriable: e.retriable });
  return new WeirError("EXECUTION", `pipeline ${name}: ${message}`, { cause: e });
}

/** A query that stopped with an exception, as the listener saw it. */
class QueryFailure {
  constructor(
    readonly query: string,
    readonly id: string,
    /** The terminated event's text: `[STREAM_FAILED] Query [id = ...] terminated with exception: <message>`. */
    readonly exception: string,
  ) {}

  /** `query Q failed: <the batch's own message>`, with the batch error's code when the query object is known. */
  error(queries: readonly StreamingQuery[]): WeirError {
    const cause = queries.find((q) => q.id === this.id)?.exception()?.cause;
    const message = cause instanceof Error ? cause.message : this.exception.replace(/^\[STREAM_FAILED\] Query \[[^\]]*\] terminated with exception: /, "");
    const code = isWeirError(cause) ? cause.code : "EXECUTION";
    return new WeirError(code, `query ${this.query} failed: ${message}`, { cause: cause ?? undefined, details: { query: this.query, id: this.id } });
  }
}

function isQuery(q: unknown): q is StreamingQuery {
  return typeof q === "object" && q !== null && typeof (q as StreamingQuery).stop === "function" && typeof (q as StreamingQuery).awaitTermination === "function";
}

/**
 * The loop shared by run and replay (see the module comment). Returns the summary; throws the
 * first failure (of `run` or of a query) after stopping every query and closing the session.
 */
export async function executePipeline(pipeline: Pipeline, name: string, options: Omit<RunPipelineOptions, "checkpointDir" | "name">, mode: ExecutionMode): Promise<PipelineRunSummary> {
  const started = Date.now();
  const onEvent = options.onEvent;
  const controller = new AbortController();
  const outer = options.signal;
  const abort = (): void => controller.abort();
  if (outer?.aborted === true) controller.abort();
  outer?.addEventListener("abort", abort, { once: true });

  const weir = await openSession(options.session, mode.replay);
  const stats = new Map<string, QueryStats>();
  const order: string[] = [];
  let failure: unknown = null;
  let wake: () => void = () => undefined;
  const changed = (): Promise<void> => new Promise((r) => (wake = r));
  const onAbort = (): void => wake();
  controller.signal.addEventListener("abort", onAbort);

  const labelOf = (id: string, name: string | null): QueryStats => {
    let s = stats.get(id);
    if (s === undefined) {
      order.push(id);
      s = { query: name ?? `query-${order.length}`, id, sink: null, batches: 0, inputRows: 0, outputRows: 0, error: null };
      stats.set(id, s);
    }
    return s;
  };
  const listener: StreamingQueryListener = {
    onQueryStarted: (e) => {
      const s = labelOf(e.id, e.name);
      safeEmit(onEvent, { event: "query-started", query: s.query, id: e.id, runId: e.runId });
    },
    onQueryProgress: ({ progress: p }) => {
      const s = labelOf(p.id, p.name);
      s.batches++;
      s.inputRows += p.numInputRows;
      s.sink = p.sink.description;
      s.outputRows = s.outputRows < 0 || p.sink.numOutputRows < 0 ? -1 : s.outputRows + p.sink.numOutputRows;
      safeEmit(onEvent, {
        event: "progress",
        query: s.query,
        id: p.id,
        batchId: p.batchId,
        inputRows: p.numInputRows,
        outputRows: p.sink.numOutputRows,
        durationMs: p.batchDuration,
        watermark: p.eventTime.watermark ?? null,
        sink: p.sink.description,
        timestamp: p.timestamp,
      });
    },
    onQueryTerminated: (e) => {
      const s = labelOf(e.id, null);
      s.error = e.exception;
      if (e.exception !== null && failure === null) failure = new QueryFailure(s.query, e.id, e.exception);
      safeEmit(onEvent, { event: "query-terminated", query: s.query, id: e.id, error: e.exception });
      wake();
    },
  };
  weir.streams.addListener(listener);

  const ctx: PipelineContext = {
    weir,
    pipeline: name,
    mode: mode.mode,
    replay: mode.replayInfo,
    params: Object.freeze({ ...(options.params ?? {}) }),
    signal: controller.signal,
    log: {
      info: (message: string) => safeEmit(onEvent, { event: "log", level: "info", message: String(message) }),
      warn: (message: string) => safeEmit(onEvent, { event: "log", level: "warn", message: String(message) }),
    },
    output: mode.output,
    checkpoint: mode.checkpoint,
  };

  safeEmit(onEvent, { event: "started", pipeline: name, mode: mode.mode, session: weir.mode === "embedded" ? "embedded" : "remote" });
  let returned: StreamingQuery[] = [];
  try {
    // The pipeline's own code: a rejection is the run's failure, unless the run was stopped first.
    const running = Promise.resolve().then(() => pipeline.run(ctx));
    const result = await Promise.race([running, new Promise<"aborted">((r) => controller.signal.addEventListener("abort", () => r("aborted"), { once: true }))]);
    if (result === "aborted") running.catch(() => undefined);
    else if (result !== undefined) {
      const list: unknown[] = Array.isArray(result) ? (result as unknown[]) : [result];
      if (!list.every(isQuery)) {
        throw new WeirError("INVALID_ARGUMENT", "run(ctx) must return the StreamingQuery objects it started (one or an array), or nothing");
      }
      returned = list;
    }
    // Until every query of the session has ended, one failed, or the run is stopped.
    while (!controller.signal.aborted && failure === null) {
      const next = changed();
      if (weir.streams.active.length === 0) break;
      await next;
    }
  } catch (e) {
    if (!controller.signal.aborted) failure = e;
  } finally {
    outer?.removeEventListener("abort", abort);
    controller.signal.removeEventListener("abort", onAbort);
    try {
      await weir.close();
    } catch (e) {
      failure ??= e;
    }
  }
  if (failure !== null) throw pipelineFailure(name, failure instanceof QueryFailure ? failure.error(returned) : failure);
  const queries: QuerySummary[] = order.map((id) => ({ ...stats.get(id)! }));
  return {
    pipeline: name,
    mode: mode.mode,
    stoppedBy: controller.signal.aborted ? "stopped" : "finished",
    durationMs: Date.now() - started,
    batches: queries.reduce((n, q) => n + q.batches, 0),
    inputRows: queries.reduce((n, q) => n + q.inputRows, 0),
    queries,
  };
}

/**
 * Runs a pipeline live until its queries end, one fails (thrown, after stopping the others), or
 * `signal` aborts (resolves with `stoppedBy: "stopped"`). The session is closed either way.
 */
export async function runPipeline(pipeline: Pipeline, options: RunPipelineOptions): Promise<PipelineRunSummary> {
  const name = pipelineNameOf(pipeline, options.name);
  const checkpointDir = resolve(options.checkpointDir ?? join("weir-checkpoints", name));
  const outputs = new Map<string, string>();
  return executePipeline(pipeline, name, options, {
    mode: "run",
    replay: undefined,
    replayInfo: null,
    output: (outputName, path) => {
      checkName("ctx.output name", outputName);
      if (typeof path !== "string" || path.trim() === "") throw new WeirError("INVALID_ARGUMENT", `ctx.output(${JSON.stringify(outputName)}, path) needs the live output path`);
      const known = outputs.get(outputName);
      if (known !== undefined && known !== path) throw new WeirError("INVALID_ARGUMENT", `output ${outputName} is named twice, for ${known} and ${path}`);
      outputs.set(outputName, path);
      return path;
    },
    checkpoint: (queryName) => join(checkpointDir, checkName("ctx.checkpoint name", queryName)),
  });
}
