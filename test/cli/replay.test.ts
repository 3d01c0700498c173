/**
 * `weir run` and `weir replay` on the embedded log (`--data-dir`), as a user runs them: a live
 * run stopped with Ctrl-C and started again continues from its checkpoints (no row twice); a
 * replay over a past range that does not fall on window boundaries writes exactly the rows of
 * that range (computed from the produced clicks); relative times; a pipeline writing to a path
 * it did not name with ctx.output is refused by replay and its live output left alone. Then the
 * usage errors of `weir replay` (exit 2, with what is accepted). The broker side (`--bootstrap`)
 * is in run.test.ts and, against Apache Kafka, test/harness/cli-run-kafka.test.ts.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Weir } from "../../src/index.js";
import { TIME_FORMATS } from "../../src/cli/time.js";
import { runCli, show } from "./helpers.js";
import { baseTime, clicks, createTopic, expectedClickRows, expectedCountRows, produceClicks, readClickOffsets, readClickRows, readCountRows, type Click } from "./pipeline-data.js";
import { EXAMPLE, listing, type ReplayJson } from "./pipeline-scenarios.js";
import { startCli, waitFor } from "./process.js";
import { fails, ok } from "./topics-scenarios.js";

const iso = (ms: number): string => new Date(ms).toISOString();

describe("weir run and weir replay on the embedded log (--data-dir)", { timeout: 600_000 }, () => {
  let dir: string;
  let data: string;
  let t0: number;
  let all: Click[];
  const topic = "clicks";
  const live = (): string => join(dir, "live");
  const session = (): string[] => ["--data-dir", data];
  const params = (...extra: string[]): string[] => ["--param", `out=${live()}`, ...extra.flatMap((p) => ["--param", p])];

  /** Produces through the embedded log while no weir process has it open. */
  async function produce(xs: readonly Click[], create = false): Promise<void> {
    const weir = await Weir.embedded({ dataDir: data });
    try {
      if (create) await createTopic(weir, topic);
      await produceClicks(weir, topic, xs, 120);
    } finally {
      await weir.close();
    }
  }

  /** Runs the example live until `done` holds, then stops it with SIGINT; returns its output. */
  async function runUntil(what: string, done: () => Promise<boolean>): Promise<string> {
    const run = startCli(["run", EXAMPLE, ...session(), "--checkpoint-dir", join(dir, "checkpoints"), ...params()]);
    try {
      await waitFor(what, async () => (await done()) || run.child.exitCode !== null, 90_000);
      assert.equal(run.child.exitCode, null, `weir run exited early:\n${run.stdout}\n${run.stderr}`);
      run.child.kill("SIGINT");
      const r = await run.done;
      assert.equal(r.code, 0, show(r));
      return r.stdout;
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-cli-replay-"));
    data = join(dir, "data");
    t0 = baseTime();
    all = clicks(t0, 0, 360);
    await produce(all.slice(0, 240), true);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("weir run stops on SIGINT and continues from its checkpoints on the next run, writing no row twice", async () => {
    const first = all.slice(0, 240);
    const out1 = await runUntil("the first run's output", async () => (await readClickRows(live())).length === 240 && (await readCountRows(live())).length === expectedCountRows(first).length);
    assert.match(out1, /^Running pipeline page-clicks \(clicks and per-page click counts per minute, to Parquet\) on the embedded log in \S+; Ctrl-C stops it$/m);
    assert.match(out1, /^clicks: batch 0: 240 rows in, 240 rows out, \d+ ms$/m);
    assert.match(out1, /^Pipeline page-clicks stopped after [\d.]+ s: 2 queries, \d+ batches, 480 rows in$/m);

    await produce(all.slice(240));
    await runUntil("the second run's output", async () => (await readClickRows(live())).length === 360 && (await readCountRows(live())).length === expectedCountRows(all).length);
    assert.deepEqual(await readClickRows(live()), expectedClickRows(all));
    assert.deepEqual(await readCountRows(live()), expectedCountRows(all));
    assert.equal(new Set(await readClickOffsets(live())).size, 360);
  });

  it("weir replay of a range off the window boundaries writes exactly the rows of that range", async () => {
    const liveFiles = listing(live());
    const from = t0 + 90_500;
    const to = t0 + 301_000;
    const out = join(dir, "replay");
    const r = ok(await runCli(["replay", EXAMPLE, ...session(), "--from", iso(from), "--to", String(to), "--output", out, "--json", ...params("maxOffsetsPerTrigger=25")]));
    const summary = JSON.parse(r.stdout) as ReplayJson;
    const inRange = all.filter((c) => c.time >= from && c.time < to);
    assert.equal(inRange.length, 210);
    assert.deepEqual(await readClickRows(out), expectedClickRows(inRange));
    // The first window holds only the clicks of the range (91 s to 119 s), as a reprocessing of that range must.
    const counts = await readCountRows(out);
    assert.deepEqual(counts, expectedCountRows(inRange));
    assert.equal(counts[0].windowStart, t0 + 60_000);
    assert.equal(summary.recordsRead, 420);
    assert.equal(summary.recordsTotal, 420);
    assert.deepEqual(listing(live()), liveFiles);
  });

  it("weir replay takes relative times: --from -1w --to now replays everything", async () => {
    const out = join(dir, "replay-week");
    const r = ok(await runCli(["replay", EXAMPLE, ...session(), "--from", "-1w", "--to", "now", "--output", out, ...params()]));
    assert.match(r.stdout, /^Records: 720 read of 720 in range; 2 queries, \d+ batch(es)?$/m);
    assert.deepEqual(await readClickRows(out), expectedClickRows(all));
    assert.deepEqual(await readCountRows(out), expectedCountRows(all));
  });

  it("weir replay refuses a pipeline that writes to a path it did not name with ctx.output; the live output is left alone", async () => {
    const hard = "test/cli/pipeline-hardcoded.ts";
    const rawOut = join(dir, "hard");
    const r = ok(await runCli(["run", hard, ...session(), "--checkpoint-dir", join(dir, "hard-cp"), "--param", `topic=${topic}`, "--param", `out=${rawOut}`]));
    assert.match(r.stdout, /^Pipeline hardcoded finished after [\d.]+ s: 1 query, 1 batch, 360 rows in$/m);
    const before = listing(rawOut);
    const out = join(dir, "replay-hard");
    const rep = await runCli(["replay", hard, ...session(), "--from", iso(t0), "--to", iso(t0 + 60_000), "--output", out, "--param", `topic=${topic}`, "--param", `out=${rawOut}`]);
    fails(
      rep,
      1,
      /^weir: pipeline hardcoded: replay: query query-1 writes json to \S+\/hard\/raw, which is not under the replay's output \S+\/replay-hard; name the output with ctx\.output\("<name>", "\S+\/hard\/raw"\) so a replay can redirect it$/m,
    );
    assert.deepEqual(listing(rawOut), before);
    assert.deepEqual(readdirSync(out), ["_weir_replay.json"]);
  });
});

describe("weir replay usage errors", { timeout: 300_000 }, () => {
  const range = ["--from", "2026-11-21T10:00:00Z", "--to", "2026-11-21T11:00:00Z"];
  const escaped = TIME_FORMATS.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  /** [arguments, expected stderr]: each exits 2 before anything runs. */
  const cases: [string[], RegExp][] = [
    [["replay", EXAMPLE, ...range, "--output", "o", "--bogus"], /^error: unknown option '--bogus'\n\(run with --help for usage\)\n$/],
    [["replay", EXAMPLE, "--to", "now", "--output", "o"], /^error: required option '--from <time>' not specified\n/],
    [["replay", EXAMPLE, ...range], /^error: required option '--output <dir>' not specified\n/],
    [["replay", EXAMPLE, "--from", "yesterday", "--to", "now", "--output", "o"], new RegExp(`^weir: --from must be ${escaped}; got "yesterday"\\n$`)],
    [["replay", EXAMPLE, "--from", "-1h", "--to", "2026-13-01T00:00:00Z", "--output", "o"], new RegExp(`^weir: --to must be ${escaped}; got "2026-13-01T00:00:00Z"\\n$`)],
    [["replay", EXAMPLE, "--from", "2026-11-21T11:00:00Z", "--to", "2026-11-21T10:00:00Z", "--output", "o"], /^weir: --to must be later than --from \(got 2026-11-21T11:00:00\.000Z to 2026-11-21T10:00:00\.000Z\)\n$/],
    [["replay", EXAMPLE, "--from", "-1h", "--to", "-1h", "--output", "o"], /^weir: --to must be later than --from \(got \S+ to \S+\)\n$/],
    [["replay", EXAMPLE, ...range, "--output", " "], /^weir: --output must not be empty\n$/],
    [["replay", "missing.ts", ...range, "--output", "o"], /^weir: pipeline file missing\.ts does not exist\n$/],
    [["replay", EXAMPLE, ...range, "--output", "o", "--data-dir", "d", "--bootstrap", "127.0.0.1:1"], /^weir: --data-dir and --bootstrap exclude each other/],
  ];
  for (const [args, stderr] of cases) {
    it(`exits 2 for: ${args.slice(1).join(" ")}`, async () => {
      const r = await runCli(args);
      fails(r, 2, stderr);
      assert.equal(r.stdout, "");
      assert.equal(existsSync("o"), false, "nothing was written");
    });
  }

  it("prints its help with exit code 0", async () => {
    const r = await runCli(["replay", "--help"]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^Usage: weir replay \[options\] <pipeline>$/m);
    for (const flag of ["--from <time>", "--to <time>", "--output <dir>", "--overwrite", "--data-dir <dir>", "--bootstrap <host:port>", "--param <key=value>", "--json"]) assert.ok(r.stdout.includes(flag), `help names ${flag}`);
  });
});
