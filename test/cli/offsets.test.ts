/**
 * `weir offsets` end to end, as a user runs it (a child process per command) against a Weir
 * broker: the shared scenarios (the same ones run against Apache Kafka in
 * test/harness/cli-kafka.test.ts) and the usage errors, each with exit code 2 and a message that
 * says what is accepted.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { startWeir, type TestWeir } from "../client/helpers.js";
import { runCli, show } from "./helpers.js";
import { defineOffsetsScenarios } from "./offsets-scenarios.js";

describe("weir offsets against Weir", { timeout: 300_000 }, () => {
  let weir: TestWeir;
  before(async () => {
    weir = await startWeir();
  });
  after(async () => {
    await weir?.stop();
  });
  defineOffsetsScenarios(() => ({ bootstrap: weir.bootstrap, prefix: "weir" }));
});

describe("weir offsets usage errors", { timeout: 120_000 }, () => {
  const cases: [string[], RegExp][] = [
    [["offsets", "t", "--time", "tomorrow"], /^weir: --time must be earliest, latest, an ISO 8601 date-time \(.*\), a time relative to now \(-30s, -15m, -1h, -2d, -1w\), now, or milliseconds since the epoch; got "tomorrow"\n$/],
    [["offsets", "t", "--partitions", "a,b"], /^weir: --partitions must be a comma-separated list of partition numbers \(e\.g\. 0,2\), got "a,b"\n$/],
    [["offsets"], /^error: missing required argument 'topic'\n/],
    [["offsets", "t", "--at", "now"], /^error: unknown option '--at'\n/],
  ];
  for (const [args, stderr] of cases) {
    it(`exits 2 for: ${args.join(" ")}`, async () => {
      const r = await runCli([...args, "--bootstrap", "127.0.0.1:1"]);
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, stderr, show(r));
      assert.equal(r.stdout, "");
    });
  }
});
