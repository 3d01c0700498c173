/**
 * `weir produce` and `weir consume` end to end, as a user runs them (a child process per
 * command) against a Weir broker: the shared scenarios (the same ones run against Apache Kafka
 * in test/harness/cli-kafka.test.ts), Kafka's partitioner on its own test vectors, and every
 * usage error, each with exit code 2 and a message that says what is accepted.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { murmur2 } from "../../src/client/wire/index.js";
import { startWeir, type TestWeir } from "../client/helpers.js";
import { runCli, show } from "./helpers.js";
import { defineProduceConsumeScenarios } from "./produce-consume-scenarios.js";

describe("weir produce / consume against Weir", { timeout: 600_000 }, () => {
  let weir: TestWeir;
  before(async () => {
    weir = await startWeir();
  });
  after(async () => {
    await weir?.stop();
  });
  defineProduceConsumeScenarios(() => ({ bootstrap: weir.bootstrap, prefix: "weir" }));
});

describe("the default partitioner", () => {
  it("hashes keys with Kafka's murmur2 (the vectors of Kafka's UtilsTest)", () => {
    const vectors: [string, number][] = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
      ["abc", 479470107],
    ];
    for (const [key, hash] of vectors) assert.equal(murmur2(Buffer.from(key)), hash, key);
  });
});

const TIME_FORMS =
  "an ISO 8601 date-time \\(2026-11-21T10:00:00Z, 2026-11-21T10:00:00\\.000\\+01:00; no zone means UTC\\), a time relative to now \\(-30s, -15m, -1h, -2d, -1w\\), now, or milliseconds since the epoch";

/** [arguments, expected stderr], each to exit with code 2 before any connection is tried. */
const usageCases: [string[], RegExp][] = [
  [["produce", "t", "--bogus"], /^error: unknown option '--bogus'\n/],
  [["consume", "t", "--bogus"], /^error: unknown option '--bogus'\n/],
  [["produce"], /^error: missing required argument 'topic'\n/],
  [["produce", "t", "--compression", "brotli"], /^weir: --compression must be one of none, gzip, snappy, lz4, zstd, got "brotli"\n$/],
  [["produce", "t", "--acks", "0"], /^weir: --acks must be all \(or -1: every in-sync replica\) or 1 \(the leader only\), got "0"; acks=0 is not offered\n$/],
  [["produce", "t", "--header", "novalue"], /^weir: --header must be KEY=VALUE \(e\.g\. retention\.ms=86400000\), got "novalue"\n$/],
  [["produce", "t", "--partition", "-1"], /^weir: --partition must be an integer from 0 to 1000000, got "-1"\n$/],
  [["produce", "t", "--linger-ms", "soon"], /^weir: --linger-ms must be an integer from 0 to 3600000, got "soon"\n$/],
  [["produce", "t", "--batch-size", "0"], /^weir: --batch-size must be an integer from 1 to 67108864, got "0"\n$/],
  [["produce", "t", "--key-separator", ""], /^weir: --key-separator must not be empty\n$/],
  [["produce", "t", "--file", "/no/such/file.txt"], /^weir: --file must name a readable file, got "\/no\/such\/file\.txt" \(ENOENT\)\n$/],
  [["consume", "t", "--from-time", "yesterday"], new RegExp(`^weir: --from-time must be ${TIME_FORMS}; got "yesterday"\\n$`)],
  [["consume", "t", "--to-time", "2026-02-30T00:00:00Z"], new RegExp(`^weir: --to-time must be ${TIME_FORMS}; got "2026-02-30T00:00:00Z"\\n$`)],
  [["consume", "t", "--from-time", "-1x"], /^weir: --from-time must be an ISO 8601 date-time .*; got "-1x"\n$/],
  [["consume", "t", "--from-time", "-1h", "--to-time", "-2h"], /^weir: --to-time must be later than --from-time \(got \S+ to \S+\)\n$/],
  [["consume", "t", "--offset", "5"], /^weir: --offset needs --partition: an offset belongs to one partition\n$/],
  [["consume", "t", "--partition", "0", "--offset", "-3"], /^weir: --offset must be an offset \(an integer ≥ 0\), earliest or latest, got "-3"\n$/],
  [["consume", "t", "--partition", "x"], /^weir: --partition must be an integer from 0 to 1000000, got "x"\n$/],
  [["consume", "t", "--from-beginning", "--partition", "0", "--offset", "1"], /^weir: --from-beginning and --offset exclude each other: give one place to start\n$/],
  [["consume", "t", "--from-beginning", "--from-time", "now"], /^weir: --from-beginning and --from-time exclude each other: give one place to start\n$/],
  [["consume", "t", "--group", "g", "--partition", "0"], /^weir: --group excludes --partition and --offset: the group assigns partitions and starts at its committed offsets\n$/],
  [["consume", "t", "--group", "g", "--from-time", "-1h"], /^weir: --group excludes --from-time: a group starts at its committed offsets \(move them with weir groups reset-offsets --to-datetime\)\n$/],
  [["consume", "t", "--format", "%x"], /^weir: --format: unknown token %x; tokens are %t topic, %p partition, .*\n$/],
  [["consume", "t", "--format", "%s\\q"], /^weir: --format: unknown escape \\q; tokens are /],
  [["consume", "t", "--format", "%s", "--json"], /^weir: --format and --json exclude each other\n$/],
  [["consume", "t", "--max", "0"], /^weir: --max must be an integer ≥ 1, got "0"\n$/],
  [["consume", "t", "--timeout-ms", "1.5"], /^weir: --timeout-ms must be an integer ≥ 1, got "1\.5"\n$/],
];

describe("weir produce / consume usage errors", { timeout: 300_000 }, () => {
  for (const [args, stderr] of usageCases) {
    it(`exits 2 for: ${args.join(" ")}`, async () => {
      // Nothing listens on port 1; a usage error must be reported before any connection is tried.
      const r = await runCli([...args, "--bootstrap", "127.0.0.1:1"]);
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, stderr, show(r));
      assert.equal(r.stdout, "");
    });
  }

  it("prints help naming every flag, with exit code 0", async () => {
    const p = await runCli(["produce", "--help"]);
    assert.equal(p.code, 0, show(p));
    for (const flag of ["--file", "--key-separator", "--header", "--partition", "--compression", "--acks", "--no-idempotence", "--linger-ms", "--batch-size", "--json"]) assert.ok(p.stdout.includes(flag), flag);
    const c = await runCli(["consume", "--help"]);
    assert.equal(c.code, 0, show(c));
    for (const flag of ["--from-beginning", "--offset", "--partition", "--from-time", "--to-time", "--group", "--max", "--timeout-ms", "--format", "--json"]) assert.ok(c.stdout.includes(flag), flag);
  });
});
