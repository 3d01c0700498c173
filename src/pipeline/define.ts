/**
 * Pipelines: a TypeScript module whose default export is made by {@link definePipeline}, which
 * `weir run FILE` runs live and `weir replay FILE --from --to --output` re-runs over a past time
 * range (see docs/pipelines.md).
 *
 *   import { definePipeline, col } from "weir";
 *   export default definePipeline({
 *     name: "clicks",
 *     async run(ctx) {
 *       const raw = await ctx.weir.readStream.format("kafka").option("subscribe", "clicks").load();
 *       return raw.select(col("value").cast("string").alias("json"))
 *         .writeStream.format("json")
 *         .option("checkpointLocation", ctx.checkpoint("raw"))
 *         .start(ctx.output("raw", "./out/raw"));
 *     },
 *   });
 *
 * The object `definePipeline` returns carries the functions that run it ({@link PipelineRuntime}),
 * taken from the same copy of Weir the pipeline file imported. The `weir` command runs a pipeline
 * through them, so the session, the DataFrames and the functions (`col`, `window`) a pipeline uses
 * always come from one copy of the library, whichever copy the command itself was built from.
 */
import type { Weir } from "../engine/session.js";
import type { StreamingQuery } from "../engine/stream/query.js";
import { WeirError } from "../util/errors.js";
import type { PipelineReplaySummary, PipelineRunSummary } from "./events.js";
import { replayPipeline, type ReplayPipelineOptions } from "./replay.js";
import { checkName, runPipeline, type RunPipelineOptions } from "./runner.js";

/** The brand of a pipeline object (checked by the loader without `instanceof`, which fails across copies). */
export const PIPELINE_KIND = "weir.pipeline";
/** The version of the contract between a pipeline object and the `weir` command. */
export const PIPELINE_API_VERSION = 1;

/** Where a pipeline logs; `weir run` prints these lines (or `log` events with `--json`). */
export interface PipelineLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** What a replay is about, for pipelines that need to know (a batch job applies the range itself). */
export interface PipelineReplayInfo {
  /** Start of the replayed range, ms since the epoch (inclusive). */
  readonly fromMs: number;
  /** End of the range, ms since the epoch (exclusive). */
  readonly toMs: number;
  /** The absolute directory every output of the replay goes under. */
  readonly outputDir: string;
}

/** What a pipeline's `run` is given. */
export interface PipelineContext {
  /** The session: the embedded log (`--data-dir`) or a Kafka cluster (`--bootstrap`). */
  readonly weir: Weir;
  /** The pipeline's name: its `name`, else the file name without extension. */
  readonly pipeline: string;
  /** `run` for `weir run`, `replay` for `weir replay`. */
  readonly mode: "run" | "replay";
  /** The replayed range and output directory; null in `run` mode. */
  readonly replay: PipelineReplayInfo | null;
  /** `--param KEY=VALUE` values of the command line (e.g. a topic name). */
  readonly params: Readonly<Record<string, string>>;
  /** Aborted when the run is asked to stop (Ctrl-C); the runner then stops the queries itself. */
  readonly signal: AbortSignal;
  readonly log: PipelineLogger;
  /**
   * Names an output and returns where to write it: `path` when run live, `<--output>/<name>` in a
   * replay. `name`: letters, digits, `.`, `_`, `-`, not starting with `.` or `_`. A replay
   * refuses a file sink whose path was not named this way, so it never writes a live output.
   */
  output(name: string, path: string): string;
  /**
   * The checkpoint location of the query called `name`: `<--checkpoint-dir>/<name>` when run
   * live, a fresh directory under `<--output>/_checkpoints/` in a replay.
   */
  checkpoint(name: string): string;
}

/** What `run` may return: the queries it started (the runner also waits for any other query of the session). */
export type PipelineResult = StreamingQuery | readonly StreamingQuery[] | void | undefined;

/** What {@link definePipeline} takes. */
export interface PipelineSpec {
  /** The pipeline's name (default: the file name without extension). */
  readonly name?: string;
  /** One line saying what it does (shown by `weir run`). */
  readonly description?: string;
  /**
   * Starts the pipeline's streaming queries and returns them, or runs a batch job and returns
   * nothing. It runs until its queries end (a trigger such as availableNow) or the run is
   * stopped.
   */
  run(ctx: PipelineContext): Promise<PipelineResult> | PipelineResult;
}

/** The functions that run a pipeline, from the copy of Weir that defined it. */
export interface PipelineRuntime {
  run(pipeline: Pipeline, options: RunPipelineOptions): Promise<PipelineRunSummary>;
  replay(pipeline: Pipeline, options: ReplayPipelineOptions): Promise<PipelineReplaySummary>;
}

/** A defined pipeline: the default export of a pipeline file. */
export interface Pipeline {
  readonly kind: typeof PIPELINE_KIND;
  readonly apiVersion: typeof PIPELINE_API_VERSION;
  readonly name: string | null;
  readonly description: string | null;
  readonly run: PipelineSpec["run"];
  readonly runtime: PipelineRuntime;
}

/**
 * Defines a pipeline (see the module comment). Throws INVALID_ARGUMENT for a spec without a
 * `run` function or with a malformed name.
 */
export function definePipeline(spec: PipelineSpec): Pipeline {
  if (typeof spec !== "object" || spec === null || typeof spec.run !== "function") {
    throw new WeirError("INVALID_ARGUMENT", "definePipeline needs an object with a run(ctx) function");
  }
  if (spec.name !== undefined) checkName("definePipeline: name", spec.name);
  if (spec.description !== undefined && typeof spec.description !== "string") {
    throw new WeirError("INVALID_ARGUMENT", "definePipeline: description must be a string");
  }
  const run = spec.run.bind(spec);
  return Object.freeze({
    kind: PIPELINE_KIND,
    apiVersion: PIPELINE_API_VERSION,
    name: spec.name ?? null,
    description: spec.description ?? null,
    run,
    runtime: Object.freeze({ run: runPipeline, replay: replayPipeline }),
  });
}
