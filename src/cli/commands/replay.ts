/**
 * `weir replay PIPELINE --from TIME --to TIME --output PATH`: re-runs a pipeline file as a bounded
 * job over [from, to) of its Kafka inputs into a new output directory — the reprocessing after a
 * bug fix — without touching its live outputs or checkpoints (see docs/pipelines.md, "Replay").
 *
 * While it runs, stderr shows records done of the range's total with an ETA: a progress bar on a
 * terminal, a plain line at most every second otherwise. At the end stdout gets the summary
 * (records, rows per output, batches, duration, the resolved offset ranges), or with --json the
 * same as one JSON document. Ctrl-C stops it (the output is then incomplete: exit 1).
 */
import cliProgress from "cli-progress";
import type { Command } from "commander";
import type { PipelineEvent, PipelineReplaySummary } from "../../pipeline/events.js";
import { loadPipeline } from "../../pipeline/load.js";
import { WeirError } from "../../util/errors.js";
import { cell, formatColumns, printJson, usage } from "../common.js";
import { TIME_FORMATS, parseTime } from "../time.js";
import { counted, eventText, paramsOf, seconds, sessionOf, sessionText, withPipelineOptions, withStopSignals, type PipelineFlags } from "./run.js";

interface ReplayFlags extends PipelineFlags {
  from: string;
  to: string;
  output: string;
  overwrite?: boolean;
}

/** The checked range of the flags: [from, to) in ms, relative times against one `now`. */
export function replayRangeOf(flags: { from: string; to: string }, now = Date.now()): { fromMs: number; toMs: number } {
  const fromMs = parseTime("--from", flags.from, now);
  const toMs = parseTime("--to", flags.to, now);
  if (toMs <= fromMs) {
    throw usage(`--to must be later than --from (got ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()})`);
  }
  return { fromMs, toMs };
}

/** How long `ms` is, for an ETA: "42 s", "3 min 5 s". */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/**
 * Records done of the total on stderr: a bar on a terminal (from the first resolved range on;
 * the pipeline's log lines print above it), plain lines (at most one a second) otherwise.
 */
class ReplayProgress {
  private total = 0;
  private done = 0;
  private batches = 0;
  private readonly started = Date.now();
  private lastLine = 0;
  private readonly tty = process.stderr.isTTY === true;
  private multi: cliProgress.MultiBar | null = null;
  private bar: cliProgress.SingleBar | null = null;

  onEvent(e: PipelineEvent, line: string | null): void {
    if (e.event === "kafka-ranges") {
      this.total += e.ranges.reduce((n, r) => n + (r.untilOffset - r.fromOffset), 0);
      if (this.tty && this.bar === null) {
        this.multi = new cliProgress.MultiBar(
          { stream: process.stderr, format: "replay {bar} {percentage}% | {value}/{total} records | {batches} | ETA {eta_formatted}", hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        );
        this.bar = this.multi.create(this.total, this.done, { batches: counted(this.batches, "batch", "batches") });
      } else this.bar?.setTotal(this.total);
    } else if (e.event === "progress") {
      this.done += e.inputRows;
      this.batches++;
      this.bar?.update(this.done, { batches: counted(this.batches, "batch", "batches") });
      if (!this.tty && Date.now() - this.lastLine >= 1000) this.line(false);
    }
    if (line !== null) {
      if (this.multi !== null) this.multi.log(line + "\n");
      else process.stderr.write(line + "\n");
    }
  }

  private line(final: boolean): void {
    this.lastLine = Date.now();
    const elapsed = Date.now() - this.started;
    const pct = this.total === 0 ? 100 : Math.floor((100 * this.done) / this.total);
    const tail = final ? `in ${seconds(elapsed)}` : this.done === 0 || this.total <= this.done ? "" : `ETA ${duration((elapsed / this.done) * (this.total - this.done))}`;
    process.stderr.write(`replay: ${this.done}/${this.total} records (${pct}%), ${counted(this.batches, "batch", "batches")}${tail === "" ? "" : `, ${tail}`}\n`);
  }

  /** Ends the bar; `completed` prints the final line (not after a failure). */
  stop(completed: boolean): void {
    if (this.multi !== null) this.multi.stop();
    else if (completed && !this.tty) this.line(true);
  }
}

function printSummary(s: PipelineReplaySummary): void {
  const out: string[] = [];
  const how = s.stoppedBy === "stopped" ? "Stopped (incomplete) replay of" : "Replayed";
  out.push(`${how} pipeline ${s.pipeline} over [${new Date(s.fromMs).toISOString()}, ${new Date(s.toMs).toISOString()}) into ${s.outputDir} in ${seconds(s.durationMs)}`);
  out.push(`Records: ${s.recordsRead} read of ${s.recordsTotal} in range; ${counted(s.queries.length, "query", "queries")}, ${counted(s.batches, "batch", "batches")}`);
  process.stdout.write(out.join("\n") + "\n");
  if (s.outputs.length > 0) {
    process.stdout.write("\n" + formatColumns(["OUTPUT", "KIND", "ROWS", "PATH"], s.outputs.map((o) => [o.name, o.kind, String(o.rows), o.path])));
  }
  const others = s.queries.filter((q) => q.sink !== null && !q.sink.startsWith("FileSink["));
  if (others.length > 0) {
    process.stdout.write("\n" + formatColumns(["QUERY", "SINK", "ROWS"], others.map((q) => [q.query, q.sink ?? "-", q.outputRows < 0 ? "-" : String(q.outputRows)])));
  }
  if (s.ranges.length > 0) {
    process.stdout.write(
      "\n" +
        formatColumns(
          ["SOURCE", "TOPIC", "PARTITION", "FROM-OFFSET", "UNTIL-OFFSET", "RECORDS"],
          s.ranges.map((r) => [r.source, r.topic, String(r.partition), String(r.fromOffset), String(r.untilOffset), cell(r.untilOffset - r.fromOffset)]),
        ),
    );
  }
}

async function replayCommand(file: string, flags: ReplayFlags): Promise<void> {
  const { fromMs, toMs } = replayRangeOf(flags);
  const session = sessionOf(flags);
  const params = paramsOf(flags.param);
  if (flags.output.trim() === "") throw usage("--output must not be empty");
  const loaded = await loadPipeline(file);
  const json = flags.json === true;
  if (!json) process.stderr.write(`Replaying pipeline ${loaded.name} over [${new Date(fromMs).toISOString()}, ${new Date(toMs).toISOString()}) of ${sessionText(session)} into ${flags.output}\n`);
  const progress = new ReplayProgress();
  let summary: PipelineReplaySummary;
  let completed = false;
  try {
    summary = await withStopSignals(`the replay of ${loaded.name}`, (signal) =>
      loaded.pipeline.runtime.replay(loaded.pipeline, {
        session,
        name: loaded.name,
        fromMs,
        toMs,
        outputDir: flags.output,
        overwrite: flags.overwrite === true,
        params,
        signal,
        // Warnings and the pipeline's own messages matter in a replay too; batches show in the bar.
        onEvent: (e) => progress.onEvent(e, e.event === "log" ? eventText(loaded.name, e) : null),
      }),
    );
    completed = true;
  } finally {
    progress.stop(completed);
  }
  if (json) printJson({ ...summary, from: new Date(summary.fromMs).toISOString(), to: new Date(summary.toMs).toISOString() });
  else printSummary(summary);
  if (summary.stoppedBy === "stopped") {
    throw new WeirError("EXECUTION", `the replay was stopped before the end of the range: ${summary.outputDir} is incomplete (run again with --overwrite)`);
  }
}

/** Registers `weir replay` on the program. */
export function registerReplay(program: Command): void {
  withPipelineOptions(program.command("replay"), "print the summary as JSON")
    .description("re-run a pipeline over [--from, --to) of its Kafka inputs into a new --output, leaving its live outputs alone")
    .argument("<pipeline>", "the pipeline file: .ts, .mts, .cts, .js, .mjs or .cjs")
    .requiredOption("--from <time>", `start of the range (inclusive): ${TIME_FORMATS}`)
    .requiredOption("--to <time>", "end of the range (exclusive), same forms")
    .requiredOption("--output <dir>", "a new or empty directory for every output of the replay (and its checkpoints)")
    .option("--overwrite", "replace an --output that an earlier replay wrote")
    .action(async (file: string, flags: ReplayFlags) => replayCommand(file, flags));
}
