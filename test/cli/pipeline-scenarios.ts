/**
 * The `weir run` / `weir replay` scenarios that must behave the same against Weir
 * (test/cli/run.test.ts) and Apache Kafka (test/harness/cli-run-kafka.test.ts), with
 * `--bootstrap`: examples/pipelines/page-clicks.ts run live while clicks arrive and stopped with
 * Ctrl-C; replayed over a past time range into a new output, which must hold exactly the rows of
 * that range (computed here from the produced clicks, and equal to the live run's rows of the
 * range); an existing output refused or, from an earlier replay, overwritten; a Kafka sink
 * replayed into JSON files while the live topic gets nothing. They run in order.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, it } from "node:test";
import { Weir } from "../../src/index.js";
import { runCli, show, type CliResult } from "./helpers.js";
import {
  baseTime,
  clicks,
  createTopic,
  expectedClickRows,
  expectedCountRows,
  produceClicks,
  readClickOffsets,
  readClickRows,
  readCountRows,
  type Click,
  type CountRow,
} from "./pipeline-data.js";
import { startCli, waitFor, type CliProcess } from "./process.js";
import { fails, ok } from "./topics-scenarios.js";

/** What the scenarios run against. */
export interface PipelineCliContext {
  bootstrap: string;
  /** Prefix of the topics the scenarios create (so runs never meet). */
  prefix: string;
}

/** The example pipeline the scenarios run. */
export const EXAMPLE = "examples/pipelines/page-clicks.ts";
const FORWARD = "test/cli/pipeline-forward.ts";

/** The JSON lines `weir run --json` printed. */
export function eventsOf(r: CliResult): Record<string, unknown>[] {
  return r.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Every file below `dir`, relative, sorted (to show a directory was left alone). */
export function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The replay summary printed by `weir replay --json`. */
export interface ReplayJson {
  pipeline: string;
  stoppedBy: string;
  recordsRead: number;
  recordsTotal: number;
  batches: number;
  outputDir: string;
  outputs: { name: string; path: string; rows: number; kind: string }[];
  ranges: { source: string; topic: string; partition: number; fromOffset: number; untilOffset: number }[];
  queries: { query: string; inputRows: number; outputRows: number }[];
}

/** Registers the scenarios; `ctx()` is called once the suite's `before` hook has run. */
export function definePipelineScenarios(ctx: () => PipelineCliContext): void {
  let dir: string;
  let weir: Weir;
  let t0: number;
  let topic: string;
  let all: Click[];
  const b = (): string[] => ["--bootstrap", ctx().bootstrap];
  const live = (): string => join(dir, "live");
  const checkpoints = (): string => join(dir, "checkpoints");
  const params = (...extra: string[]): string[] => ["--param", `topic=${topic}`, "--param", `out=${live()}`, ...extra.flatMap((p) => ["--param", p])];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-cli-pipeline-"));
    weir = await Weir.connect({ bootstrapServers: ctx().bootstrap });
    t0 = baseTime();
    topic = `${ctx().prefix}-clicks`;
    all = clicks(t0, 0, 360);
    await createTopic(weir, topic);
    // The first four minutes are there before the pipeline starts; the rest arrive while it runs.
    await produceClicks(weir, topic, all.slice(0, 240), 240);
  });
  after(async () => {
    await weir?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("weir run processes the topic live, clicks produced while it runs included; SIGINT stops it with exit 0", async () => {
    const run = startCli(["run", EXAMPLE, ...b(), "--json", "--checkpoint-dir", checkpoints(), ...params()]);
    try {
      await liveRun(run);
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    }
  });

  /** The checks of the live run (a function, so the test can kill the process whatever happens). */
  async function liveRun(run: CliProcess): Promise<void> {
    await waitFor("the first 240 clicks in the live output", async () => (await readClickRows(live())).length === 240 || run.child.exitCode !== null, 90_000);
    assert.equal(run.child.exitCode, null, `weir run exited early:\n${run.stdout}\n${run.stderr}`);
    await produceClicks(weir, topic, all.slice(240));
    const counts = expectedCountRows(all);
    await waitFor(
      "every click and every closed window in the live output",
      async () => ((await readClickRows(live())).length === 360 && (await readCountRows(live())).length === counts.length) || run.child.exitCode !== null,
      90_000,
    );
    run.child.kill("SIGINT");
    const r = await run.done;
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, /^weir: SIGINT: stopping pipeline page-clicks/m);

    assert.deepEqual(await readClickRows(live()), expectedClickRows(all));
    assert.deepEqual(await readCountRows(live()), counts);
    const offsets = await readClickOffsets(live());
    assert.equal(new Set(offsets).size, 360, "no click is written twice");

    const events = eventsOf(r);
    assert.deepEqual(events[0], { event: "started", pipeline: "page-clicks", mode: "run", session: "remote" });
    const started = events.filter((e) => e.event === "query-started").map((e) => e.query);
    assert.deepEqual(started.sort(), ["clicks", "page-counts"]);
    const progress = events.filter((e) => e.event === "progress");
    for (const q of ["clicks", "page-counts"]) {
      const mine = progress.filter((e) => e.query === q);
      assert.deepEqual(
        mine.map((e) => e.batchId),
        mine.map((_, i) => i),
        `${q}: batches 0, 1, ... in order`,
      );
      assert.equal(
        mine.reduce((n, e) => n + (e.inputRows as number), 0),
        360,
        `${q} read every click once`,
      );
    }
    assert.ok(events.some((e) => e.event === "log" && e.message === `reading ${topic}; writing ${live()}`));
    const summary = events.at(-1)!;
    assert.equal(summary.event, "summary");
    assert.equal(summary.stoppedBy, "stopped");
    assert.equal(summary.inputRows, 720);
    assert.equal((summary.queries as unknown[]).length, 2);
  }

  it("weir replay over a past range writes exactly that range's rows into a new output, leaving the live outputs alone", async () => {
    const liveFiles = listing(live());
    const checkpointFiles = listing(checkpoints());
    const from = t0 + 60_000;
    const to = t0 + 240_000;
    const out = join(dir, "replay-1");
    const r = ok(await runCli(["replay", EXAMPLE, ...b(), "--from", iso(from), "--to", iso(to), "--output", out, "--json", ...params("maxOffsetsPerTrigger=40")]));
    const summary = JSON.parse(r.stdout) as ReplayJson;

    const inRange = all.filter((c) => c.time >= from && c.time < to);
    assert.equal(inRange.length, 180);
    const clickRows = await readClickRows(out);
    assert.deepEqual(clickRows, expectedClickRows(inRange));
    // The same rows as the live run's, restricted to the range.
    assert.deepEqual(
      clickRows,
      (await readClickRows(live())).filter((c) => c.time >= from && c.time < to),
    );
    const countRows = await readCountRows(out);
    assert.deepEqual(countRows, expectedCountRows(inRange));
    assert.ok(countRows.length > 0);
    // Every window the replay closed is the live run's window, count for count.
    const liveCounts = new Map((await readCountRows(live())).map((c: CountRow) => [`${c.windowStart}|${c.page}`, c]));
    for (const c of countRows) assert.deepEqual(c, liveCounts.get(`${c.windowStart}|${c.page}`));

    // Offsets: partition p holds clicks p, p+2, ... so [60, 240) is offsets [30, 120) of each.
    assert.deepEqual(
      summary.ranges.map((x) => [x.topic, x.partition, x.fromOffset, x.untilOffset]),
      [0, 1, 0, 1].map((p) => [topic, p, 30, 120]),
    );
    assert.equal(summary.stoppedBy, "finished");
    assert.equal(summary.recordsTotal, 360, "two queries read the 180 clicks each");
    assert.equal(summary.recordsRead, 360);
    assert.ok(summary.batches > 2, `maxOffsetsPerTrigger=40 gives several batches, got ${summary.batches}`);
    assert.deepEqual(
      summary.outputs.map((o) => [o.name, o.rows, o.path]),
      [
        ["clicks", 180, join(out, "clicks")],
        ["page-counts", countRows.length, join(out, "page-counts")],
      ],
    );
    assert.match(r.stderr, /^replay: 360\/360 records \(100%\), \d+ batches, in [\d.]+ s$/m, show(r));

    assert.deepEqual(listing(live()), liveFiles, "the live outputs are untouched");
    assert.deepEqual(listing(checkpoints()), checkpointFiles, "the live checkpoints are untouched");
    assert.deepEqual(readdirSync(out).sort(), ["_checkpoints", "_weir_replay.json", "clicks", "page-counts"]);

    const text = ok(await runCli(["replay", EXAMPLE, ...b(), "--from", iso(from), "--to", iso(to), "--output", join(dir, "replay-text"), ...params()]));
    assert.match(text.stdout, new RegExp(`^Replayed pipeline page-clicks over \\[${iso(from).replace(/\./g, "\\.")}, ${iso(to).replace(/\./g, "\\.")}\\) into .*replay-text in [\\d.]+ s\\n`));
    assert.match(text.stdout, /^Records: 360 read of 360 in range; 2 queries, \d+ batch(es)?$/m);
    assert.match(text.stdout, /^clicks +file +180 +\S+replay-text\/clicks$/m);
    assert.match(text.stdout, new RegExp(`^KafkaV2\\[Subscribe\\[${topic}\\]\\] +${topic} +0 +30 +120 +90$`, "m"));
  });

  it("weir replay refuses an existing output; --overwrite replaces only an earlier replay's", async () => {
    const out = join(dir, "replay-1");
    const range = (from: number, to: number): string[] => ["--from", iso(t0 + from * 1000), "--to", iso(t0 + to * 1000)];
    fails(await runCli(["replay", EXAMPLE, ...b(), ...range(60, 240), "--output", out, ...params()]), 1, /^weir: replay output \S+replay-1 is not empty \(4 entries\); choose a new directory, or pass --overwrite/m);
    assert.equal((await readClickRows(out)).length, 180, "the refused replay left the output alone");

    ok(await runCli(["replay", EXAMPLE, ...b(), ...range(120, 180), "--output", out, "--overwrite", ...params()]));
    assert.deepEqual(await readClickRows(out), expectedClickRows(all.filter((c) => c.time >= t0 + 120_000 && c.time < t0 + 180_000)));

    const foreign = join(dir, "not-a-replay");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "keep.txt"), "mine\n");
    fails(await runCli(["replay", EXAMPLE, ...b(), ...range(60, 240), "--output", foreign, "--overwrite", ...params()]), 1, /was not written by weir replay \(no _weir_replay\.json\); refusing to delete it/);
    assert.deepEqual(readdirSync(foreign), ["keep.txt"]);
  });

  it("a Kafka sink: weir run finishes by itself (availableNow); a replay writes JSON files and the live topic gets nothing", async () => {
    const target = `${ctx().prefix}-forwarded`;
    await weir.logClient().createTopic(target, 1);
    const cp = join(dir, "forward-checkpoints");
    const args = ["--param", `topic=${topic}`, "--param", `target=${target}`];
    const r = ok(await runCli(["run", FORWARD, ...b(), "--checkpoint-dir", cp, ...args]));
    assert.match(r.stdout, /^Pipeline forward finished after [\d.]+ s: 1 query, \d+ batch(es)?, 360 rows in$/m, show(r));
    const targetEnd = async (): Promise<number> => (await weir.logClient().latestOffsets([{ topic: target, partition: 0 }]))[0];
    assert.equal(await targetEnd(), 360);

    const out = join(dir, "replay-forward");
    const from = t0 + 60_000;
    const to = t0 + 120_000;
    const rep = ok(await runCli(["replay", FORWARD, ...b(), "--from", iso(from), "--to", iso(to), "--output", out, "--json", ...args]));
    const summary = JSON.parse(rep.stdout) as ReplayJson;
    assert.deepEqual(
      summary.outputs.map((o) => [o.name, o.kind, o.rows]),
      [[`topic-${target}`, "kafka", 60]],
    );
    assert.equal(await targetEnd(), 360, "the live topic got nothing");
    const rows = await (await Weir.local().read.json(join(out, `topic-${target}`))).collect();
    const expected = all.filter((c) => c.time >= from && c.time < to).map((c) => JSON.stringify({ user: c.user, page: c.page }).toUpperCase());
    assert.deepEqual(rows.map((x) => x.value as string).sort(), expected.sort());
  });
}
