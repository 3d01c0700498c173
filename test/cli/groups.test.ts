/**
 * `weir groups` end to end, as a user runs it (a child process per command) against a Weir
 * broker: the shared scenarios (list, describe, reset-offsets in every mode, delete; the same
 * ones run against Apache Kafka in test/harness/groups-cli.test.ts), then the usage errors, each
 * with exit code 2 and a message that says what is accepted, and an unreachable broker.
 */
import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { createFixture, startWeir, type Fixture, type TestWeir } from "../client/helpers.js";
import { defineGroupsCliScenarios } from "./groups-scenarios.js";
import { runCli, show } from "./helpers.js";

describe("weir groups against Weir", { timeout: 300_000 }, () => {
  let weir: TestWeir;
  let fixture: Fixture;

  before(async () => {
    weir = await startWeir();
    fixture = await createFixture(weir.bootstrap);
  });

  after(async () => {
    await fixture?.stop();
    await weir?.stop();
  });

  defineGroupsCliScenarios(() => ({ bootstrap: weir.bootstrap, fixture }));
});

describe("weir groups usage errors", { timeout: 300_000 }, () => {
  /** [arguments, expected stderr (a regexp)], each to exit with code 2 before any connection. */
  const cases: [string[], RegExp][] = [
    [["groups", "list", "--bogus"], /^error: unknown option '--bogus'\n/],
    [["groups", "describe"], /^error: missing required argument 'group'\n/],
    [["groups", "frobnicate"], /error: unknown command 'frobnicate'/],
    [["groups", "reset-offsets", "g", "--to-earliest"], /^weir: reset-offsets needs --topic TOPIC or --topic TOPIC:PARTITION\[,PARTITION\.\.\.\] \(repeatable\)\n$/],
    [["groups", "reset-offsets", "g", "--topic", "t"], /^weir: reset-offsets needs exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset, --shift-by; none was given\n$/],
    [["groups", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-offset", "3"], /^weir: reset-offsets needs exactly one of .*; got --to-earliest and --to-offset\n$/],
    [
      ["groups", "reset-offsets", "g", "--topic", "t", "--to-datetime", "2026-13-01T00:00:00Z"],
      /^weir: --to-datetime must be an ISO 8601 date-time like 2026-11-21T10:00:00Z or 2026-11-21T10:00:00\.000\+01:00 \(no zone means UTC\), got "2026-13-01T00:00:00Z"\n$/,
    ],
    [["groups", "reset-offsets", "g", "--topic", "t", "--to-datetime", "yesterday"], /^weir: --to-datetime must be an ISO 8601 date-time like .*, got "yesterday"\n$/],
    [["groups", "reset-offsets", "g", "--topic", "t", "--to-offset", "-1"], /^weir: --to-offset must be an integer ≥ 0, got "-1"\n$/],
    [["groups", "reset-offsets", "g", "--topic", "t", "--shift-by", "1.5"], /^weir: --shift-by must be an integer, got "1\.5"\n$/],
    [["groups", "reset-offsets", "g", "--topic", "t:a", "--to-latest"], /^weir: --topic must be TOPIC or TOPIC:PARTITION\[,PARTITION\.\.\.\] \(e\.g\. events or events:0,1\), got "t:a"\n$/],
    [["groups", "reset-offsets", "g", "--topic", "t", "--to-latest", "--dry-run", "--execute"], /^weir: --dry-run and --execute exclude each other\n$/],
    [["groups", "list", "--bootstrap", "localhost"], /^weir: --bootstrap: bad bootstrap address "localhost" in "localhost": expected host:port\[,host:port\.\.\.\] with a port from 1 to 65535\n$/],
    [["groups", "list", "--timeout", "soon"], /^weir: --timeout must be an integer ≥ 1, got "soon"\n$/],
    [["groups", "list", "--state", "Sleepy"], /^weir: --state: unknown group state "Sleepy"; states are /],
  ];

  for (const [args, stderr] of cases) {
    it(`exits 2 for: ${args.slice(1).join(" ")}`, async () => {
      // Nothing listens on port 1; a usage error must be reported before any connection is tried.
      const r = await runCli([...args, ...(args.includes("--bootstrap") ? [] : ["--bootstrap", "127.0.0.1:1"])]);
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, stderr, show(r));
      assert.equal(r.stdout, "");
    });
  }

  it("prints its help with exit code 0", async () => {
    const r = await runCli(["groups", "reset-offsets", "--help"]);
    assert.equal(r.code, 0, show(r));
    for (const flag of ["--topic", "--to-earliest", "--to-latest", "--to-datetime", "--to-offset", "--shift-by", "--execute", "--bootstrap", "--json"]) assert.ok(r.stdout.includes(flag), flag);
  });
});

describe("weir groups against no broker", { timeout: 120_000 }, () => {
  it("names the address and the flag when nothing listens there (exit 1)", async () => {
    // A port that was free a moment ago: bind, note it, close.
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await runCli(["groups", "list", "--bootstrap", `127.0.0.1:${port}`]);
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stderr, `weir: cannot connect to 127.0.0.1:${port}: ECONNREFUSED; is a broker running there? (--bootstrap)\n`);
  });
});
