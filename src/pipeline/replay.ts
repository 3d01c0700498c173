/**
 * `replayPipeline`: re-runs a pipeline as a bounded job over [fromMs, toMs) of its Kafka inputs,
 * into a new output directory, never touching the live outputs or checkpoints.
 *
 * The session is opened in replay mode (src/engine/stream/replay.ts): every Kafka streaming
 * source reads the offsets of the range, every query runs with Trigger.AvailableNow, and each
 * `writeStream.start()` is redirected by {@link ReplayRedirector}:
 *
 * - checkpoints go under `<output>/_checkpoints/` (ctx.checkpoint's, or a fresh one per query
 *   whatever location the pipeline set);
 * - a file sink must write under `<output>` — ctx.output(name, livePath) returns
 *   `<output>/<name>` in a replay — and is refused otherwise;
 * - a Kafka sink writes its records as JSON files to `<output>/<queryName or topic-<topic>>`;
 * - console and memory sinks are harmless and kept; foreach/foreachBatch sinks run the
 *   pipeline's own function, which replay cannot redirect: it logs a warning.
 *
 * The output directory must be new or empty; `overwrite` replaces one that an earlier replay
 * wrote (it holds `_weir_replay.json`) and refuses any other. The marker records the range and,
 * at the end, the summary.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { KafkaReplayRanges, ReplaySinkDecision, ReplaySinkRequest, StreamReplay } from "../engine/stream/replay.js";
import { toLocalPath } from "../engine/io/files/listing.js";
import { WeirError } from "../util/errors.js";
import type { Pipeline, PipelineReplayInfo } from "./define.js";
import type { PipelineEvent, PipelineReplaySummary, ReplayOutputSummary, ReplayRange } from "./events.js";
import { checkName, executePipeline, pipelineNameOf, type RunPipelineOptions } from "./runner.js";

/** The file a replay leaves in its output directory (and that `overwrite` looks for). */
export const REPLAY_MARKER = "_weir_replay.json";
/** The folder of a replay's checkpoints, inside its output directory. */
export const REPLAY_CHECKPOINTS = "_checkpoints";

/** Options of {@link replayPipeline}. */
export interface ReplayPipelineOptions extends Omit<RunPipelineOptions, "checkpointDir"> {
  /** Start of the range, ms since the epoch (inclusive). */
  readonly fromMs: number;
  /** End of the range, ms since the epoch (exclusive); later than fromMs. */
  readonly toMs: number;
  /** Where every output goes (see the module comment). */
  readonly outputDir: string;
  /** Replace an output directory an earlier replay wrote. */
  readonly overwrite?: boolean;
}

function inside(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** Makes `outputDir` ready: new, empty, or (with overwrite) an earlier replay's, emptied. */
async function prepareOutput(outputDir: string, overwrite: boolean): Promise<void> {
  const st = await stat(outputDir).catch(() => null);
  if (st !== null && !st.isDirectory()) throw new WeirError("ALREADY_EXISTS", `replay output ${outputDir} exists and is not a directory`, { details: { path: outputDir } });
  const entries = st === null ? [] : await readdir(outputDir);
  if (entries.length > 0) {
    if (!overwrite) {
      throw new WeirError("ALREADY_EXISTS", `replay output ${outputDir} is not empty (${entries.length} entries); choose a new directory, or pass --overwrite to replace an earlier replay's output`, {
        details: { path: outputDir },
      });
    }
    if (!entries.includes(REPLAY_MARKER)) {
      throw new WeirError("ALREADY_EXISTS", `replay output ${outputDir} is not empty and was not written by weir replay (no ${REPLAY_MARKER}); refusing to delete it: choose a new directory`, {
        details: { path: outputDir },
      });
    }
    for (const e of entries) await rm(join(outputDir, e), { recursive: true, force: true });
  }
  await mkdir(outputDir, { recursive: true });
}

/** Where each query of a replay writes: see the module comment. */
class ReplayRedirector {
  /** Outputs by name. */
  readonly outputs = new Map<string, { path: string; kind: "file" | "kafka" }>();
  private readonly checkpoints = new Set<string>();
  private queries = 0;

  constructor(
    private readonly outputDir: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** ctx.output in a replay. */
  output(name: string, livePath: string): string {
    checkName("ctx.output name", name);
    if (typeof livePath !== "string" || livePath.trim() === "") throw new WeirError("INVALID_ARGUMENT", `ctx.output(${JSON.stringify(name)}, path) needs the live output path`);
    const path = join(this.outputDir, name);
    const known = this.outputs.get(name);
    if (known !== undefined && known.kind !== "file") throw new WeirError("INVALID_ARGUMENT", `output name ${name} is taken by a Kafka sink's output`);
    this.outputs.set(name, { path, kind: "file" });
    return path;
  }

  /** ctx.checkpoint in a replay. */
  checkpoint(name: string): string {
    return join(this.outputDir, REPLAY_CHECKPOINTS, checkName("ctx.checkpoint name", name));
  }

  redirect(req: ReplaySinkRequest): ReplaySinkDecision {
    this.queries++;
    const label = req.queryName ?? `query-${this.queries}`;
    const checkpointLocation = this.checkpointFor(req.checkpointLocation, label);
    switch (req.format) {
      case "kafka": {
        const name = this.kafkaOutputName(req, label);
        const path = join(this.outputDir, name);
        this.outputs.set(name, { path, kind: "kafka" });
        return { checkpointLocation, path };
      }
      case "foreach":
      case "foreachbatch":
        this.warn(`query ${label} writes through ${req.format === "foreach" ? "foreach" : "foreachBatch"}: replay cannot redirect what that function writes; check ctx.mode there and write to ctx.output() paths`);
        return { checkpointLocation, path: null };
      case "console":
      case "memory":
        return { checkpointLocation, path: null };
      default: {
        if (req.path === null) throw new WeirError("INVALID_ARGUMENT", `replay: query ${label} has no output path`);
        const path = toLocalPath(req.path);
        if (!inside(this.outputDir, path) || inside(join(this.outputDir, REPLAY_CHECKPOINTS), path) || path === join(this.outputDir, REPLAY_CHECKPOINTS)) {
          throw new WeirError(
            "INVALID_ARGUMENT",
            `replay: query ${label} writes ${req.format} to ${req.path}, which is not under the replay's output ${this.outputDir}; name the output with ctx.output("<name>", ${JSON.stringify(req.path)}) so a replay can redirect it`,
            { details: { path: req.path } },
          );
        }
        return { checkpointLocation, path };
      }
    }
  }

  /** The pipeline's checkpoint when ctx.checkpoint made it (under the output), else a fresh one. */
  private checkpointFor(asked: string | null, label: string): string {
    const root = join(this.outputDir, REPLAY_CHECKPOINTS);
    let location = asked === null ? null : toLocalPath(asked);
    if (location === null || !inside(root, location) || this.checkpoints.has(location)) {
      const base = label.replace(/[^A-Za-z0-9._-]/g, "-");
      location = join(root, base);
      for (let i = 2; this.checkpoints.has(location); i++) location = join(root, `${base}-${i}`);
    }
    this.checkpoints.add(location);
    return location;
  }

  private kafkaOutputName(req: ReplaySinkRequest, label: string): string {
    const base = (req.queryName ?? (req.topic !== null ? `topic-${req.topic}` : label)).replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[._-]+/, "") || "kafka";
    let name = base;
    for (let i = 2; this.outputs.has(name); i++) name = `${base}-${i}`;
    return name;
  }
}

/** The rows each output got, from the sinks' descriptions (`FileSink[<dir>]`) in the query summaries. */
function outputRows(redirector: ReplayRedirector, sinks: readonly { sink: string | null; outputRows: number }[]): ReplayOutputSummary[] {
  const rowsByDir = new Map<string, number>();
  for (const q of sinks) {
    const m = q.sink === null ? null : /^FileSink\[(.*)\]$/.exec(q.sink);
    if (m === null) continue;
    const dir = resolve(m[1]);
    rowsByDir.set(dir, (rowsByDir.get(dir) ?? 0) + Math.max(0, q.outputRows));
  }
  return [...redirector.outputs].map(([name, o]) => ({ name, path: o.path, rows: rowsByDir.get(resolve(o.path)) ?? 0, kind: o.kind }));
}

async function writeMarker(outputDir: string, content: Record<string, unknown>): Promise<void> {
  await writeFile(join(outputDir, REPLAY_MARKER), JSON.stringify(content, null, 2) + "\n");
}

/** The summary a replay left in its marker file, or null (for tools and tests). */
export async function readReplayMarker(outputDir: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(join(outputDir, REPLAY_MARKER), "utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * Replays a pipeline over [fromMs, toMs) into `outputDir` (see the module comment). Resolves with
 * the summary when the range is done, or when `signal` aborted it (`stoppedBy: "stopped"`: the
 * output is then incomplete); throws what failed. INVALID_ARGUMENT for an empty range,
 * ALREADY_EXISTS for an output directory it may not use.
 */
export async function replayPipeline(pipeline: Pipeline, options: ReplayPipelineOptions): Promise<PipelineReplaySummary> {
  const { fromMs, toMs } = options;
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || fromMs < 0 || toMs < 0) {
    throw new WeirError("INVALID_ARGUMENT", `replay needs fromMs and toMs as milliseconds since the epoch, got ${String(fromMs)} and ${String(toMs)}`);
  }
  if (fromMs >= toMs) {
    throw new WeirError("INVALID_ARGUMENT", `replay range is empty: from (${new Date(fromMs).toISOString()}) must be before to (${new Date(toMs).toISOString()})`);
  }
  if (typeof options.outputDir !== "string" || options.outputDir.trim() === "") throw new WeirError("INVALID_ARGUMENT", "replay needs an output directory");
  const name = pipelineNameOf(pipeline, options.name);
  const outputDir = resolve(options.outputDir);
  await prepareOutput(outputDir, options.overwrite === true);
  await writeMarker(outputDir, { pipeline: name, fromMs, toMs, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), state: "running" });

  const emit = (e: PipelineEvent): void => {
    try {
      options.onEvent?.(e);
    } catch {
      // A listener's failure must not stop the replay.
    }
  };
  const ranges: ReplayRange[] = [];
  const redirector = new ReplayRedirector(outputDir, (message) => emit({ event: "log", level: "warn", message }));
  const replay: StreamReplay = {
    fromMs,
    toMs,
    onKafkaRanges: (e: KafkaReplayRanges) => {
      const rs = e.ranges.map((r) => ({ source: e.source, ...r }));
      ranges.push(...rs);
      emit({ event: "kafka-ranges", source: e.source, ranges: rs });
    },
    redirect: (req) => redirector.redirect(req),
  };
  const info: PipelineReplayInfo = { fromMs, toMs, outputDir };
  let summary: PipelineReplaySummary;
  try {
    const run = await executePipeline(pipeline, name, options, {
      mode: "replay",
      replay,
      replayInfo: info,
      output: (n, p) => redirector.output(n, p),
      checkpoint: (n) => redirector.checkpoint(n),
    });
    summary = {
      ...run,
      fromMs,
      toMs,
      outputDir,
      recordsRead: run.inputRows,
      recordsTotal: ranges.reduce((n, r) => n + (r.untilOffset - r.fromOffset), 0),
      outputs: outputRows(redirector, run.queries),
      ranges,
    };
  } catch (e) {
    await writeMarker(outputDir, { pipeline: name, fromMs, toMs, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), state: "failed", error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
  await writeMarker(outputDir, { ...summary, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), state: summary.stoppedBy === "stopped" ? "stopped" : "done" });
  return summary;
}
