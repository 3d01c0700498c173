/**
 * `weir run PIPELINE`: runs a pipeline file (a module whose default export is made by
 * `definePipeline`, see docs/pipelines.md) against the embedded log in --data-dir or a Kafka
 * cluster at --bootstrap, until its queries end or Ctrl-C (which stops them cleanly: exit 0).
 * Prints a line per query start, batch and log message, or with --json one JSON event per line.
 *
 * The pipeline runs through the functions its own copy of Weir provides (`pipeline.runtime`),
 * so this module only parses flags, loads the file, handles signals and prints. What it shares
 * with `weir replay` (session flags, --param, signals, loading) is exported for replay.ts.
 */
import type { Command } from "commander";
import { parseBootstrap } from "../../client/wire/index.js";
import type { PipelineEvent, PipelineRunSummary, PipelineSessionOptions } from "../../pipeline/events.js";
import { loadPipeline, pipelineError } from "../../pipeline/load.js";
import { isWeirError } from "../../util/errors.js";
import { collect, parseIntFlag, parseKeyValue, usage } from "../common.js";

/** The flags `weir run` and `weir replay` share. */
export interface PipelineFlags {
  dataDir?: string;
  bootstrap?: string;
  timeout: string;
  param: string[];
  json?: boolean;
}

interface RunFlags extends PipelineFlags {
  checkpointDir?: string;
}

/** The embedded log's default directory, as `weir broker`'s. */
export const DEFAULT_DATA_DIR = "./weir-data";

/** Adds the session flags, --param, --json and --timeout to a command. */
export function withPipelineOptions(c: Command, jsonHelp: string): Command {
  return c
    .option("--data-dir <dir>", `run on the embedded log in this directory (default ${DEFAULT_DATA_DIR}; do not share it with a running weir broker: use --bootstrap then)`)
    .option("--bootstrap <host:port>", "run against Weir brokers or a Kafka cluster instead: host:port[,host:port...]")
    .option("--param <key=value>", "a value the pipeline reads as ctx.params.key (repeatable)", collect, [])
    .option("--json", jsonHelp)
    .option("--timeout <ms>", "how long each operation on a remote cluster may take, retries included", "30000");
}

/** The session of the flags: --bootstrap, else the embedded log in --data-dir (usage errors name the flag). */
export function sessionOf(flags: PipelineFlags): PipelineSessionOptions {
  if (flags.dataDir !== undefined && flags.bootstrap !== undefined) {
    throw usage("--data-dir and --bootstrap exclude each other: run on the embedded log or against a cluster");
  }
  const operationTimeoutMs = parseIntFlag("--timeout", flags.timeout, 1);
  if (flags.bootstrap !== undefined) {
    try {
      parseBootstrap(flags.bootstrap);
    } catch (e) {
      throw isWeirError(e) ? usage(`--bootstrap: ${e.message}`) : e;
    }
    return { bootstrapServers: flags.bootstrap, operationTimeoutMs, clientId: "weir-pipeline" };
  }
  const dataDir = flags.dataDir ?? DEFAULT_DATA_DIR;
  if (dataDir.trim() === "") throw usage("--data-dir must not be empty");
  return { dataDir };
}

/** `--param key=value` flags as an object; a key given twice is a usage error. */
export function paramsOf(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of list) {
    const [k, v] = parseKeyValue("--param", text);
    if (Object.prototype.hasOwnProperty.call(out, k)) throw usage(`--param: ${k} is given twice`);
    out[k] = v;
  }
  return out;
}

/** Where the flags run: "the embedded log in DIR" or "the cluster at HOST:PORT". */
export function sessionText(s: PipelineSessionOptions): string {
  return "dataDir" in s ? `the embedded log in ${s.dataDir}` : `the cluster at ${s.bootstrapServers}`;
}

/**
 * Runs `fn` with a signal aborted by the first SIGINT or SIGTERM (noted on stderr); a second one
 * exits at once with code 1.
 */
export async function withStopSignals<T>(what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`weir: ${sig} again: exiting without stopping cleanly\n`);
      process.exit(1);
    }
    process.stderr.write(`weir: ${sig}: stopping ${what} (again to force)\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn(controller.signal);
  } catch (e) {
    throw pipelineError(e);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** `1234` ms → "1.23 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** "1 batch", "2 batches". */
export function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One event as a line of text (null for events not shown in text mode). */
export function eventText(pipeline: string, e: PipelineEvent): string | null {
  switch (e.event) {
    case "started":
      return null;
    case "query-started":
      return `query ${e.query} started (id ${e.id})`;
    case "progress": {
      const out = e.outputRows < 0 ? "" : `, ${e.outputRows} rows out`;
      const wm = e.watermark === null ? "" : `, watermark ${e.watermark}`;
      return `${e.query}: batch ${e.batchId}: ${e.inputRows} rows in${out}, ${e.durationMs} ms${wm}`;
    }
    case "query-terminated":
      return e.error === null ? `query ${e.query} stopped` : `query ${e.query} failed: ${e.error}`;
    case "log":
      return e.level === "warn" ? `[${pipeline}] warning: ${e.message}` : `[${pipeline}] ${e.message}`;
    case "kafka-ranges": {
      const records = e.ranges.reduce((n, r) => n + (r.untilOffset - r.fromOffset), 0);
      return `${e.source}: ${records} records in range over ${e.ranges.length} partition${e.ranges.length === 1 ? "" : "s"}`;
    }
  }
}

async function runCommand(file: string, flags: RunFlags): Promise<void> {
  const session = sessionOf(flags);
  const params = paramsOf(flags.param);
  if (flags.checkpointDir !== undefined && flags.checkpointDir.trim() === "") throw usage("--checkpoint-dir must not be empty");
  const loaded = await loadPipeline(file);
  const json = flags.json === true;
  const print = (line: string): void => void process.stdout.write(line + "\n");
  if (!json) {
    const about = loaded.pipeline.description === null ? "" : ` (${loaded.pipeline.description})`;
    print(`Running pipeline ${loaded.name}${about} on ${sessionText(session)}; Ctrl-C stops it`);
  }
  const summary: PipelineRunSummary = await withStopSignals(`pipeline ${loaded.name}`, (signal) =>
    loaded.pipeline.runtime.run(loaded.pipeline, {
      session,
      name: loaded.name,
      ...(flags.checkpointDir === undefined ? {} : { checkpointDir: flags.checkpointDir }),
      params,
      signal,
      onEvent: (e) => {
        if (json) print(JSON.stringify(e));
        else {
          const line = eventText(loaded.name, e);
          if (line !== null) print(line);
        }
      },
    }),
  );
  if (json) print(JSON.stringify({ event: "summary", ...summary }));
  else {
    const how = summary.stoppedBy === "stopped" ? "stopped" : "finished";
    print(
      `Pipeline ${summary.pipeline} ${how} after ${seconds(summary.durationMs)}: ${counted(summary.queries.length, "query", "queries")}, ${counted(summary.batches, "batch", "batches")}, ${summary.inputRows} rows in`,
    );
  }
}

/** Registers `weir run` on the program. */
export function registerRun(program: Command): void {
  withPipelineOptions(program.command("run"), "print one JSON event per line (query starts, batches, logs, then a summary)")
    .description("run a pipeline file (export default definePipeline(...)) until its queries end or Ctrl-C")
    .argument("<pipeline>", "the pipeline file: .ts, .mts, .cts, .js, .mjs or .cjs")
    .option("--checkpoint-dir <dir>", "where ctx.checkpoint(name) puts checkpoints (default ./weir-checkpoints/<pipeline>)")
    .action(async (file: string, flags: RunFlags) => runCommand(file, flags));
}

