/**
 * `weir topics` end to end, as a user runs it (a child process per command) against a Weir
 * broker: the shared scenarios (the same ones run against Apache Kafka in
 * test/harness/cli-kafka.test.ts), then the usage errors, each with exit code 2 and a message
 * that says what is accepted, and an unreachable broker.
 */
import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { startWeir, type TestWeir } from "../client/helpers.js";
import { runCli, show } from "./helpers.js";
import { defineTopicsCliScenarios } from "./topics-scenarios.js";

describe("weir topics against Weir", { timeout: 300_000 }, () => {
  let weir: TestWeir;
  before(async () => {
    weir = await startWeir();
  });
  after(async () => {
    await weir?.stop();
  });
  defineTopicsCliScenarios(() => ({ bootstrap: weir.bootstrap, prefix: "weir" }));
});

/** [arguments, expected stderr], each to exit with code 2 before any connection is tried. */
const topicsUsageCases: [string[], RegExp][] = [
  [["topics", "list", "--bogus"], /^error: unknown option '--bogus'\n/],
  [["topics", "frobnicate"], /error: unknown command 'frobnicate'/],
  [["topics", "create"], /^error: missing required argument 'topic'\n/],
  [["topics", "create", "t", "--partitions", "0"], /^weir: --partitions must be an integer from 1 to 1000000, got "0"\n$/],
  [["topics", "create", "t", "--partitions", "three"], /^weir: --partitions must be an integer from 1 to 1000000, got "three"\n$/],
  [["topics", "create", "t", "--replication-factor", "-1"], /^weir: --replication-factor must be an integer from 1 to 32767, got "-1"\n$/],
  [["topics", "create", "t", "--config", "retention.ms"], /^weir: --config must be KEY=VALUE \(e\.g\. retention\.ms=86400000\), got "retention\.ms"\n$/],
  [["topics", "create", "t", "--config", "a=1", "--config", "a=2"], /^weir: --config: a is given twice\n$/],
  [["topics", "create", "bad/name"], /^weir: a topic name must be 1 to 249 characters of a-z, A-Z, 0-9, '\.', '_' and '-' \(not '\.' or '\.\.'\), got "bad\/name"\n$/],
  [["topics", "delete", ".."], /^weir: a topic name must be /],
  [["topics", "alter", "t"], /^weir: alter needs --partitions N \(the new total, larger than the current count\)\n$/],
  [["topics", "alter", "t", "--partitions", "x"], /^weir: --partitions must be an integer from 1 to 1000000, got "x"\n$/],
  [["topics", "alter-config", "t"], /^weir: alter-config needs at least one --set KEY=VALUE or --delete KEY\n$/],
  [["topics", "alter-config", "t", "--set", "=1"], /^weir: --set must be KEY=VALUE \(e\.g\. retention\.ms=86400000\), got "=1"\n$/],
  [["topics", "alter-config", "t", "--set", "a=1", "--delete", "a"], /^weir: a is both set and deleted\n$/],
  [["topics", "alter-config", "t", "--delete", "a b"], /^weir: --delete takes a config name \(e\.g\. retention\.ms\), got "a b"\n$/],
  [["topics", "list", "--bootstrap", "localhost"], /^weir: --bootstrap: bad bootstrap address "localhost" in "localhost": expected host:port\[,host:port\.\.\.\] with a port from 1 to 65535\n$/],
  [["topics", "list", "--timeout", "soon"], /^weir: --timeout must be an integer ≥ 1, got "soon"\n$/],
];

describe("weir topics usage errors", { timeout: 300_000 }, () => {
  for (const [args, stderr] of topicsUsageCases) {
    it(`exits 2 for: ${args.slice(1).join(" ")}`, async () => {
      // Nothing listens on port 1; a usage error must be reported before any connection is tried.
      const r = await runCli([...args, ...(args.includes("--bootstrap") ? [] : ["--bootstrap", "127.0.0.1:1"])]);
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, stderr, show(r));
      assert.equal(r.stdout, "");
    });
  }

  it("prints its help with exit code 0", async () => {
    const r = await runCli(["topics", "create", "--help"]);
    assert.equal(r.code, 0, show(r));
    for (const flag of ["--partitions", "--replication-factor", "--config", "--if-not-exists", "--bootstrap", "--json", "--timeout"]) assert.ok(r.stdout.includes(flag), flag);
  });
});

describe("weir topics against no broker", { timeout: 120_000 }, () => {
  it("names the address and the flag when nothing listens there (exit 1)", async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await runCli(["topics", "list", "--bootstrap", `127.0.0.1:${port}`]);
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stderr, `weir: cannot connect to 127.0.0.1:${port}: ECONNREFUSED; is a broker running there? (--bootstrap)\n`);
  });
});
