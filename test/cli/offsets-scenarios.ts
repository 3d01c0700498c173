/**
 * The `weir offsets` scenarios that must behave the same against Weir (test/cli/offsets.test.ts)
 * and Apache Kafka (test/harness/cli-kafka.test.ts): offsets_for_times answers for a time
 * between two batches, after every record and before all of them, earliest and latest, in
 * every accepted time form, as a table and as JSON.
 */
import { strict as assert } from "node:assert";
import { before, it } from "node:test";
import { runCli, type CliResult } from "./helpers.js";
import { runCliWith } from "./process.js";
import { fails, ok, type CliContext } from "./topics-scenarios.js";

/** What `offsets --json` prints. */
interface OffsetsJson {
  topic: string;
  time: number | string;
  partitions: { partition: number; offset: number | null; timestamp: number | null }[];
}

/** Table rows of `offsets` as [partition, offset, timestamp] strings. */
function rows(r: CliResult): string[][] {
  const lines = r.stdout.trim().split("\n");
  assert.match(lines[0], /^PARTITION +OFFSET +TIMESTAMP$/);
  return lines.slice(1).map((l) => l.split(/ +/));
}

/** Registers the scenarios; `ctx()` is called once the suite's `before` hook has run. */
export function defineOffsetsScenarios(ctx: () => CliContext): void {
  const b = (): string[] => ["--bootstrap", ctx().bootstrap];
  const topic = (): string => `${ctx().prefix}-offsets`;
  const offsets = (...args: string[]): Promise<CliResult> => runCli(["offsets", topic(), ...args, ...b()]);
  /** Before the second batch; every record of it is at or after t1. */
  let t1 = 0;
  /** After every record. */
  let t2 = 0;

  before(async () => {
    ok(await runCli(["topics", "create", topic(), "--partitions", "2", ...b()]));
    ok(await runCliWith(["produce", topic(), "--partition", "0", ...b()], "a\nb\nc\n"));
    await new Promise((r) => setTimeout(r, 1100));
    t1 = Date.now();
    ok(await runCliWith(["produce", topic(), "--partition", "0", ...b()], "d\ne\n"));
    ok(await runCliWith(["produce", topic(), "--partition", "1", ...b()], "f\ng\n"));
    await new Promise((r) => setTimeout(r, 20));
    t2 = Date.now();
  });

  it("--time T gives per partition the first offset at or after T and its record's timestamp", async () => {
    const r = rows(ok(await offsets("--time", String(t1))));
    assert.deepEqual(
      r.map((x) => [x[0], x[1]]),
      [
        ["0", "3"],
        ["1", "0"],
      ],
    );
    for (const x of r) assert.ok(Number(x[2]) >= t1 && Number(x[2]) <= t2, x.join(" "));
    // The same instant as ISO 8601 gives the same answer.
    assert.deepEqual(rows(ok(await offsets("--time", new Date(t1).toISOString()))), r);
  });

  it("a time after every record answers -1 (null in JSON), as offsets_for_times gives None", async () => {
    assert.deepEqual(rows(ok(await offsets("--time", new Date(t2 + 1000).toISOString()))), [
      ["0", "-1", "-1"],
      ["1", "-1", "-1"],
    ]);
    const j = JSON.parse(ok(await offsets("--time", String(t2 + 1000), "--json")).stdout) as OffsetsJson;
    assert.deepEqual(j, {
      topic: topic(),
      time: t2 + 1000,
      partitions: [
        { partition: 0, offset: null, timestamp: null },
        { partition: 1, offset: null, timestamp: null },
      ],
    });
  });

  it("a relative time before every record gives the first offsets", async () => {
    const r = rows(ok(await offsets("--time", "-1h")));
    assert.deepEqual(
      r.map((x) => [x[0], x[1]]),
      [
        ["0", "0"],
        ["1", "0"],
      ],
    );
    assert.ok(Number(r[0][2]) < t1 && Number(r[1][2]) >= t1, r.join(" | "));
  });

  it("earliest and latest (the default) give the partitions' ends; --partitions picks partitions", async () => {
    assert.deepEqual(rows(ok(await offsets("--time", "earliest"))), [
      ["0", "0", "-"],
      ["1", "0", "-"],
    ]);
    assert.deepEqual(rows(ok(await offsets())), [
      ["0", "5", "-"],
      ["1", "2", "-"],
    ]);
    const j = JSON.parse(ok(await offsets("--time", "latest", "--partitions", "1", "--json")).stdout) as OffsetsJson;
    assert.deepEqual(j, { topic: topic(), time: "latest", partitions: [{ partition: 1, offset: 2, timestamp: null }] });
  });

  it("an unknown topic or partition is exit 1", async () => {
    fails(await runCli(["offsets", `${topic()}-missing`, ...b()]), 1, new RegExp(`^weir: topic '${topic()}-missing' does not exist\\n$`));
    fails(await offsets("--partitions", "0,5"), 1, /^weir: topic '.*' has no partition 5 \(it has 2: 0-1\)\n$/);
  });
}
