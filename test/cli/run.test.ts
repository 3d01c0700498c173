/**
 * `weir run` (and `weir replay`) end to end against a Weir broker (`--bootstrap`), as a user runs
 * them (a child process per command): the shared scenarios of test/cli/pipeline-scenarios.ts,
 * which also run against Apache Kafka in test/harness/cli-run-kafka.test.ts. Then the errors of
 * `weir run`: usage errors (exit 2, with what is accepted), pipeline files that are missing, hold
 * no pipeline or throw while loading, and a pipeline whose query cannot start (exit 1).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startWeir, type TestWeir } from "../client/helpers.js";
import { runCli, show } from "./helpers.js";
import { EXAMPLE, definePipelineScenarios } from "./pipeline-scenarios.js";
import { fails } from "./topics-scenarios.js";

describe("weir run and weir replay against Weir (--bootstrap)", { timeout: 600_000 }, () => {
  let weir: TestWeir;
  before(async () => {
    weir = await startWeir();
  });
  after(async () => {
    await weir?.stop();
  });
  definePipelineScenarios(() => ({ bootstrap: weir.bootstrap, prefix: "weir" }));
});

describe("weir run errors", { timeout: 300_000 }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "weir-cli-run-errors-"));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints its help with exit code 0", async () => {
    const r = await runCli(["run", "--help"]);
    assert.equal(r.code, 0, show(r));
    for (const flag of ["--data-dir <dir>", "--bootstrap <host:port>", "--checkpoint-dir <dir>", "--param <key=value>", "--json", "--timeout <ms>"]) assert.ok(r.stdout.includes(flag), `help names ${flag}:\n${r.stdout}`);
    assert.match(r.stdout, /^Usage: weir run \[options\] <pipeline>$/m);
  });

  /** [arguments, expected stderr]: usage errors, exit 2, nothing run. */
  const usageCases: [string[], RegExp][] = [
    [["run", EXAMPLE, "--bogus"], /^error: unknown option '--bogus'\n\(run with --help for usage\)\n$/],
    [["run"], /^error: missing required argument 'pipeline'\n/],
    [["run", "no/such/pipeline.ts"], /^weir: pipeline file no\/such\/pipeline\.ts does not exist\n$/],
    [["run", "package.json"], /^weir: pipeline file package\.json must be a TypeScript or JavaScript module \(\.ts, \.mts, \.cts, \.js, \.mjs, \.cjs\)\n$/],
    [["run", EXAMPLE, "--data-dir", "x", "--bootstrap", "127.0.0.1:1"], /^weir: --data-dir and --bootstrap exclude each other: run on the embedded log or against a cluster\n$/],
    [["run", EXAMPLE, "--bootstrap", "localhost"], /^weir: --bootstrap: bad bootstrap address "localhost"/],
    [["run", EXAMPLE, "--param", "topic"], /^weir: --param must be KEY=VALUE \(e\.g\. retention\.ms=86400000\), got "topic"\n$/],
    [["run", EXAMPLE, "--param", "a=1", "--param", "a=2"], /^weir: --param: a is given twice\n$/],
    [["run", EXAMPLE, "--timeout", "soon"], /^weir: --timeout must be an integer ≥ 1, got "soon"\n$/],
  ];
  for (const [args, stderr] of usageCases) {
    it(`exits 2 for: ${args.slice(1).join(" ")}`, async () => {
      const r = await runCli(args);
      fails(r, 2, stderr);
      assert.equal(r.stdout, "");
    });
  }

  it("exits 1 for a file whose default export is not a pipeline, naming what it found", async () => {
    fails(
      await runCli(["run", "test/cli/pipeline-not-a-pipeline.ts", "--data-dir", join(dir, "data")]),
      1,
      /^weir: pipeline file test\/cli\/pipeline-not-a-pipeline\.ts must have a pipeline as its default export \(export default definePipeline\(\{ run\(ctx\) \{ \.\.\. \} \}\)\), found an object with run \(it exports one as clicks: make it the default export\)\n$/,
    );
  });

  it("exits 1 for a file that throws while it loads, with its error", async () => {
    fails(await runCli(["run", "test/cli/pipeline-throws.ts", "--data-dir", join(dir, "data")]), 1, /^weir: pipeline file test\/cli\/pipeline-throws\.ts failed to load: the pipeline's configuration is missing \(thrown at load\)\n$/);
  });

  it("exits 1 when a query cannot start, the pipeline named", async () => {
    const r = await runCli(["run", EXAMPLE, "--data-dir", join(dir, "data"), "--param", "topic=no-such-topic", "--param", `out=${join(dir, "out")}`, "--checkpoint-dir", join(dir, "cp")]);
    fails(r, 1, /^weir: pipeline page-clicks: query clicks failed: unknown topic "no-such-topic" in option subscribe\n$/);
  });

  it("exits 1 when the broker cannot be reached, naming the address", async () => {
    const r = await runCli(["run", EXAMPLE, "--bootstrap", "127.0.0.1:1", "--timeout", "2000"]);
    fails(r, 1, /^weir: .*127\.0\.0\.1:1/m);
  });
});
