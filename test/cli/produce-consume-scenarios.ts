/**
 * The `weir produce` / `weir consume` scenarios that must behave the same against Weir
 * (test/cli/produce-consume.test.ts) and Apache Kafka (test/harness/cli-kafka.test.ts): a file
 * produced and consumed back exactly (keys, null keys, headers, murmur2 partitions), explicit
 * partitions and offsets, --format tokens, every compression codec, --from-time/--to-time
 * windows, --group commits, and a clean exit on SIGINT.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { RemoteLogClient } from "../../src/client/remote.js";
import { AdminClient, partitionForKey } from "../../src/client/wire/index.js";
import { batchesIn, compressionOf, type CompressionCodec } from "../../src/protocol/records/index.js";
import { runCli, show, type CliResult } from "./helpers.js";
import { runCliWith, startCli, waitFor } from "./process.js";
import { fails, ok, type CliContext } from "./topics-scenarios.js";

/** One line of `consume --json`. */
interface RecordJson {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Parses `consume --json` output. */
export function recordsOf(r: CliResult): RecordJson[] {
  return r.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as RecordJson);
}

/** Registers the scenarios; `ctx()` is called once the suite's `before` hook has run. */
export function defineProduceConsumeScenarios(ctx: () => CliContext): void {
  const b = (): string[] => ["--bootstrap", ctx().bootstrap];
  const name = (s: string): string => `${ctx().prefix}-${s}`;
  const produce = (topic: string, input: string, ...args: string[]): Promise<CliResult> => runCliWith(["produce", topic, ...args, ...b()], input);
  const consume = (topic: string, ...args: string[]): Promise<CliResult> => runCli(["consume", topic, ...args, ...b()]);
  const create = async (topic: string, partitions: number): Promise<void> => {
    ok(await runCli(["topics", "create", topic, "--partitions", String(partitions), ...b()]));
  };
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "weir-cli-records-"));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("produce --file, then consume --from-beginning --json, gives back every record: keys, null keys, headers, murmur2 partitions", async () => {
    const topic = name("roundtrip");
    await create(topic, 3);
    const lines = Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? `no key ${i}` : i % 7 === 0 ? `\tempty key ${i}` : `key-${i % 9}\tvalue ${i} ünïcødé=x`));
    const file = join(dir, "records.txt");
    writeFileSync(file, lines.join("\n") + "\n");
    const p = ok(await runCli(["produce", topic, "--file", file, "--key-separator", "\\t", "--header", "trace=abc", "--header", "empty=", "--json", ...b()]));
    const summary = JSON.parse(p.stdout) as { records: number; bytes: number; partitions: { partition: number; records: number; firstOffset: number; lastOffset: number }[] };
    assert.equal(summary.records, 60);
    assert.equal(summary.partitions.reduce((n, x) => n + x.records, 0), 60);
    for (const x of summary.partitions) assert.deepEqual([x.firstOffset, x.lastOffset], [0, x.records - 1]);

    const c = ok(await consume(topic, "--from-beginning", "--json", "--max", "60"));
    assert.equal(c.stderr, "Processed a total of 60 messages\n");
    const got = recordsOf(c);
    assert.equal(got.length, 60);
    const expected = lines.map((l) => {
      const tab = l.indexOf("\t");
      return tab < 0 ? { key: null, value: l } : { key: l.slice(0, tab), value: l.slice(tab + 1) };
    });
    for (const r of got) {
      assert.equal(r.topic, topic);
      assert.equal(r.timestampType, "CreateTime");
      assert.deepEqual(r.headers, [
        { key: "trace", value: "abc" },
        { key: "empty", value: "" },
      ]);
      if (r.key !== null) assert.equal(r.partition, partitionForKey(Buffer.from(r.key), 3), `partition of key ${r.key}`);
    }
    // Each partition holds its records in the file's order.
    for (let part = 0; part < 3; part++) {
      const inPartition = got.filter((r) => r.partition === part).sort((x, y) => x.offset - y.offset);
      assert.deepEqual(
        inPartition.map((r) => r.offset),
        inPartition.map((_, i) => i),
      );
      // Values are unique (they hold the line number).
      const order = inPartition.map((r) => expected.findIndex((e) => e.value === r.value));
      assert.deepEqual(order, [...order].sort((x, y) => x - y), `partition ${part} keeps the file's order`);
    }
    const asPairs = (xs: { key: string | null; value: string | null }[]): string[] => xs.map((x) => JSON.stringify([x.key, x.value])).sort();
    assert.deepEqual(asPairs(got), asPairs(expected));
  });

  it("--partition sends every record to one partition; the summary shows its offsets", async () => {
    const topic = name("roundtrip");
    const r = ok(await produce(topic, "x\ny\n", "--partition", "2"));
    const m = /^Produced 2 records \(2 B\) to \S+ in [\d.]+ s: \d+ records\/s, [\d.]+ (?:k?B|MB)\/s\nPARTITION +RECORDS +FIRST-OFFSET +LAST-OFFSET\n2 +2 +(\d+) +(\d+)\n$/.exec(r.stdout);
    assert.ok(m !== null, show(r));
    assert.equal(Number(m[2]), Number(m[1]) + 1);
    const c = ok(await consume(topic, "--partition", "2", "--offset", m[1], "--max", "2"));
    assert.equal(c.stdout, "x\ny\n");
    const none = ok(await consume(topic, "--partition", "2", "--offset", "latest", "--timeout-ms", "1000"));
    assert.equal(none.stdout, "");
    assert.equal(none.stderr, "Processed a total of 0 messages\n");
    const earliest = ok(await consume(topic, "--partition", "2", "--offset", "earliest", "--max", "1", "--format", "%o\\n"));
    assert.equal(earliest.stdout, "0\n");
  });

  it("--format prints kcat's tokens and escapes", async () => {
    const topic = name("format");
    await create(topic, 1);
    const before = Date.now();
    ok(await produce(topic, "k1=hello\nnull key\n", "--key-separator", "=", "--header", "a=1", "--header", "b=2"));
    const after = Date.now();
    const c = ok(await consume(topic, "--from-beginning", "--max", "2", "--format", "%t|%p|%o|%k|%s|%T|%h|%K|%S|%%\\t\\\\\\n"));
    const lines = c.stdout.split("\n").filter((l) => l !== "");
    const ts = (l: string): number => Number(l.split("|")[5]);
    assert.equal(lines.length, 2, show(c));
    assert.ok(ts(lines[0]) >= before && ts(lines[0]) <= after, lines[0]);
    assert.equal(lines[0], `${topic}|0|0|k1|hello|${ts(lines[0])}|a=1,b=2|2|5|%\t\\`);
    assert.equal(lines[1], `${topic}|0|1||null key|${ts(lines[1])}|a=1,b=2|-1|8|%\t\\`);
  });

  for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"] as CompressionCodec[]) {
    it(`--compression ${codec} writes ${codec} batches that consume reads back`, async () => {
      const topic = name(`codec-${codec}`);
      await create(topic, 1);
      const values = Array.from({ length: 200 }, (_, i) => `${codec} record ${i} ${"abc".repeat(i % 20)}`);
      ok(await produce(topic, values.join("\n") + "\n", "--compression", codec, "--linger-ms", "100", "--batch-size", "1000000"));
      const client = await RemoteLogClient.connect({ bootstrap: ctx().bootstrap });
      try {
        const { records } = await client.fetch(topic, 0, 0, 1 << 20);
        const codecs = [...batchesIn(records)].map(({ header }) => compressionOf(header.attributes));
        assert.ok(codecs.length > 0);
        for (const c of codecs) assert.equal(c, codec);
      } finally {
        await client.close();
      }
      const c = ok(await consume(topic, "--from-beginning", "--max", "200"));
      assert.equal(c.stdout, values.join("\n") + "\n");
    });
  }

  it("--from-time and --to-time select a window of time and exit once every partition reached its end", async () => {
    const topic = name("window");
    await create(topic, 2);
    ok(await produce(topic, "a1\na2\na3\n"));
    await sleep(1100);
    const t1 = Date.now();
    ok(await produce(topic, "b1\nb2\nb3\n"));
    await sleep(1100);
    const t2 = Date.now();
    ok(await produce(topic, "c1\nc2\nc3\n"));
    const sorted = (r: CliResult): string[] => r.stdout.split("\n").filter((l) => l !== "").sort();

    assert.deepEqual(sorted(ok(await consume(topic, "--from-time", new Date(t1).toISOString(), "--to-time", String(t2)))), ["b1", "b2", "b3"]);
    assert.deepEqual(sorted(ok(await consume(topic, "--from-beginning", "--to-time", new Date(t1).toISOString()))), ["a1", "a2", "a3"]);
    assert.deepEqual(sorted(ok(await consume(topic, "--from-time", String(t2), "--timeout-ms", "1500"))), ["c1", "c2", "c3"]);
    assert.deepEqual(sorted(ok(await consume(topic, "--from-time", "-1h", "--to-time", "now"))).length, 9);
    // A --to-time in the future: the consumer waits for it to pass, then ends at the latest offsets.
    const started = Date.now();
    const future = ok(await consume(topic, "--from-beginning", "--to-time", new Date(started + 4000).toISOString(), "--json"));
    assert.equal(recordsOf(future).length, 9);
    assert.ok(Date.now() - started >= 3000, "waited for the --to-time");
  });

  it("--group joins the group, starts at its committed offsets and commits what it printed (weir groups describe)", async () => {
    const topic = name("grouped");
    const group = name("grouped-g");
    await create(topic, 2);
    ok(await produce(topic, Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`).join("\n") + "\n", "--key-separator", ":"));
    const first = ok(await consume(topic, "--group", group, "--from-beginning", "--max", "4", "--json"));
    assert.equal(recordsOf(first).length, 4);
    const describe = async (): Promise<{ state: string; partitions: { partition: number; currentOffset: number | null; lag: number | null }[] }> =>
      JSON.parse(ok(await runCli(["groups", "describe", group, "--json", ...b()])).stdout) as { state: string; partitions: { partition: number; currentOffset: number | null; lag: number | null }[] };
    const d1 = await describe();
    assert.equal(d1.state, "Empty");
    assert.equal(
      d1.partitions.reduce((n, p) => n + (p.currentOffset ?? 0), 0),
      4,
      JSON.stringify(d1),
    );
    const rest = ok(await consume(topic, "--group", group, "--timeout-ms", "2000", "--json"));
    const all = [...recordsOf(first), ...recordsOf(rest)].map((r) => r.value).sort();
    assert.deepEqual(all, Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
    const d2 = await describe();
    assert.deepEqual(
      d2.partitions.map((p) => p.lag),
      [0, 0],
    );
  });

  it("SIGINT ends a group consumer cleanly: exit 0, offsets committed, the group left", async () => {
    const topic = name("grouped");
    const group = name("sigint-g");
    const proc = startCli(["consume", topic, "--group", group, "--format", "%s\\n", ...b()]);
    const admin = await AdminClient.connect({ bootstrap: ctx().bootstrap });
    try {
      await waitFor("the consumer to join", async () => (await admin.describeGroups([group]))[0].state === "Stable");
      // Assigned and positioned at the end: a new record is printed.
      await waitFor("the consumer to start at the end", async () => (await admin.listGroupOffsets(group)).length === 2);
      ok(await produce(topic, "late:arrival\n", "--key-separator", ":"));
      await waitFor("the record to be printed", () => proc.stdout === "arrival\n");
      proc.child.kill("SIGINT");
      const r = await proc.done;
      assert.equal(r.code, 0, show(r));
      assert.equal(r.stderr, "Processed a total of 1 messages\n");
      const [g] = await admin.describeGroups([group]);
      assert.equal(g.state, "Empty");
      const committed = await admin.listGroupOffsets(group);
      const latest = await admin.listOffsets(
        [0, 1].map((partition) => ({ topic, partition })),
        "latest",
      );
      assert.deepEqual(
        committed.map((c) => c.offset),
        latest.map((l) => l.offset),
      );
    } finally {
      proc.child.kill("SIGKILL");
      admin.close();
    }
  });

  it("produce creates a missing topic where the broker auto-creates topics, as kafka-console-producer does", async () => {
    const topic = name("autocreated");
    ok(await produce(topic, "hello\n"));
    const r = await consume(topic, "--from-beginning", "--max", "1", "--format", "%s\\n");
    ok(r);
    assert.equal(r.stdout, "hello\n");
  });

  it("an unknown topic or partition is exit 1 with a clear message", async () => {
    fails(await consume(name("missing"), "--max", "1"), 1, new RegExp(`^weir: topic '${name("missing")}' does not exist\\n$`));
    fails(await produce(name("roundtrip"), "x\n", "--partition", "7"), 1, /^weir: topic '.*' has no partition 7 \(it has 3: 0-2\)\n$/);
    fails(await consume(name("roundtrip"), "--partition", "7", "--offset", "0"), 1, /^weir: topic '.*' has no partition 7 \(it has 3: 0-2\)\n$/);
  });
}
