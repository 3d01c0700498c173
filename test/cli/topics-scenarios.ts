/**
 * The `weir topics` scenarios that must behave the same against Weir (test/cli/topics.test.ts)
 * and Apache Kafka (test/harness/cli-kafka.test.ts): create (with configs, existing, default
 * partitions), list, describe (text and JSON, offsets and overrides), alter (partitions),
 * alter-config (set, delete, refusals), delete. They run in order in the current describe block.
 */
import { strict as assert } from "node:assert";
import { it } from "node:test";
import { runCli, show, type CliResult } from "./helpers.js";
import { runCliWith } from "./process.js";

/** What the scenarios run against. */
export interface CliContext {
  bootstrap: string;
  /** Prefix of the topics the scenarios create (so runs never meet). */
  prefix: string;
}

/** The JSON `topics describe --json` prints. */
export interface DescribeJson {
  name: string;
  internal: boolean;
  partitionCount: number;
  replicationFactor: number;
  configs: Record<string, string | null>;
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[]; earliestOffset: number | null; latestOffset: number | null }[];
}

/** Asserts exit code 0 and returns the result. */
export function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, show(r));
  return r;
}

/** Asserts exit code `code`, an empty stdout and stderr matching `stderr`. */
export function fails(r: CliResult, code: number, stderr: RegExp): void {
  assert.equal(r.code, code, show(r));
  assert.match(r.stderr, stderr, show(r));
}

/** Registers the scenarios; `ctx()` is called once the suite's `before` hook has run. */
export function defineTopicsCliScenarios(ctx: () => CliContext): void {
  const topics = (...args: string[]): Promise<CliResult> => runCli(["topics", ...args, "--bootstrap", ctx().bootstrap]);
  const name = (s: string): string => `${ctx().prefix}-${s}`;
  const describe = async (topic: string): Promise<DescribeJson> => (JSON.parse(ok(await topics("describe", topic, "--json")).stdout) as DescribeJson[])[0];

  it("create makes a topic with partitions and configs, and says so", async () => {
    const r = ok(await topics("create", name("orders"), "--partitions", "3", "--config", "retention.ms=86400000", "--config", "cleanup.policy=compact"));
    assert.equal(r.stdout, `Created topic ${name("orders")}.\n`);
    const d = await describe(name("orders"));
    assert.equal(d.partitionCount, 3);
    assert.equal(d.replicationFactor, 1);
    assert.deepEqual(d.configs, { "cleanup.policy": "compact", "retention.ms": "86400000" });
  });

  it("create of an existing topic fails (exit 1) unless --if-not-exists", async () => {
    fails(await topics("create", name("orders")), 1, new RegExp(`^weir: topic '${name("orders")}' already exists \\(add --if-not-exists to accept that\\)\\n$`));
    const r = ok(await topics("create", name("orders"), "--partitions", "5", "--if-not-exists"));
    assert.equal(r.stdout, "");
    assert.equal((await describe(name("orders"))).partitionCount, 3);
    const j = ok(await topics("create", name("orders"), "--if-not-exists", "--json"));
    assert.deepEqual(JSON.parse(j.stdout), { topic: name("orders"), created: false });
  });

  it("create without --partitions takes the broker's default", async () => {
    const j = ok(await topics("create", name("plain"), "--json"));
    assert.deepEqual(JSON.parse(j.stdout), { topic: name("plain"), created: true });
    assert.equal((await describe(name("plain"))).partitionCount, 1);
  });

  it("list prints topic names, hides internal topics unless --include-internal", async () => {
    const plain = ok(await topics("list")).stdout.trim().split("\n");
    assert.ok(plain.includes(name("orders")) && plain.includes(name("plain")), plain.join(","));
    assert.ok(!plain.some((t) => t.startsWith("__")), plain.join(","));
    const all = JSON.parse(ok(await topics("list", "--include-internal", "--json")).stdout) as { name: string; partitions: number; internal: boolean }[];
    assert.deepEqual(
      all.find((t) => t.name === name("orders")),
      { name: name("orders"), partitions: 3, internal: false },
    );
    // The groups made by the other scenarios' set-up (or this broker's first group) make __consumer_offsets.
    const internal = all.filter((t) => t.internal).map((t) => t.name);
    for (const t of internal) assert.ok(t.startsWith("__"), t);
  });

  it("describe shows partitions with leader, replicas, ISR and offsets, and the config overrides", async () => {
    // The topic is compacted: its records need keys.
    ok(await runCliWith(["produce", name("orders"), "--partition", "1", "--key-separator", ":", "--bootstrap", ctx().bootstrap], "a:1\nb:2\nc:3\n"));
    const r = ok(await topics("describe", name("orders")));
    const lines = r.stdout.split("\n");
    assert.match(lines[0], new RegExp(`^Topic: ${name("orders")}\\tTopicId: \\S+\\tPartitionCount: 3\\tReplicationFactor: 1\\tConfigs: cleanup.policy=compact,retention.ms=86400000$`), r.stdout);
    assert.match(lines[1], /^PARTITION +LEADER +REPLICAS +ISR +EARLIEST-OFFSET +LATEST-OFFSET$/);
    const rows = lines.slice(2, 5).map((l) => l.split(/ +/));
    assert.deepEqual(
      rows.map((c) => [c[0], c[4], c[5]]),
      [
        ["0", "0", "0"],
        ["1", "0", "3"],
        ["2", "0", "0"],
      ],
    );
    for (const c of rows) assert.equal(c[2], c[1], "one replica, the leader");
    const d = await describe(name("orders"));
    assert.deepEqual(
      d.partitions.map((p) => [p.partition, p.earliestOffset, p.latestOffset, p.replicas.length, p.isr.length]),
      [
        [0, 0, 0, 1, 1],
        [1, 0, 3, 1, 1],
        [2, 0, 0, 1, 1],
      ],
    );
  });

  it("describe without a topic describes every topic; an unknown topic fails with exit 1", async () => {
    const all = JSON.parse(ok(await topics("describe", "--json")).stdout) as DescribeJson[];
    assert.ok(all.some((t) => t.name === name("orders")) && all.some((t) => t.name === name("plain")));
    fails(await topics("describe", name("nope")), 1, new RegExp(`^weir: topic '${name("nope")}' does not exist\\n$`));
  });

  it("alter --partitions grows a topic; shrinking or keeping the count fails with exit 1", async () => {
    const r = ok(await topics("alter", name("orders"), "--partitions", "5"));
    assert.equal(r.stdout, `Topic ${name("orders")} now has 5 partitions (was 3).\n`);
    assert.equal((await describe(name("orders"))).partitionCount, 5);
    fails(await topics("alter", name("orders"), "--partitions", "4"), 1, /^weir: topic '.*' has 5 partition\(s\); --partitions must be larger \(partitions can be added, never removed\)\n$/);
    fails(await topics("alter", name("nope"), "--partitions", "4"), 1, /does not exist/);
  });

  it("alter-config sets and deletes overrides; a broker's refusal is exit 1", async () => {
    const r = ok(await topics("alter-config", name("orders"), "--set", "retention.ms=3600000", "--set", "max.message.bytes=2000000", "--delete", "cleanup.policy"));
    assert.equal(r.stdout, `Completed updating config for topic ${name("orders")}.\n`);
    assert.deepEqual((await describe(name("orders"))).configs, { "max.message.bytes": "2000000", "retention.ms": "3600000" });
    fails(await topics("alter-config", name("orders"), "--set", "no.such.config=1"), 1, /^weir: IncrementalAlterConfigs of topic '.*' at \S+: INVALID_CONFIG/);
    fails(await topics("alter-config", name("orders"), "--set", "retention.ms=soon"), 1, /^weir: IncrementalAlterConfigs of topic '.*' at \S+: INVALID_CONFIG/);
    fails(await topics("alter-config", name("nope"), "--set", "retention.ms=1"), 1, new RegExp(`^weir: topic '${name("nope")}' does not exist\\n$`));
  });

  it("delete removes topics; an unknown one is exit 1 unless --if-exists", async () => {
    const r = ok(await topics("delete", name("plain")));
    assert.equal(r.stdout, `Deleted topic ${name("plain")}.\n`);
    assert.ok(!ok(await topics("list")).stdout.split("\n").includes(name("plain")));
    fails(await topics("delete", name("plain")), 1, new RegExp(`^weir: topic '${name("plain")}' does not exist \\(add --if-exists to accept that\\)\\n$`));
    const j = ok(await topics("delete", name("plain"), "--if-exists", "--json"));
    assert.deepEqual(JSON.parse(j.stdout), [{ topic: name("plain"), deleted: false, error: "UNKNOWN_TOPIC_OR_PARTITION" }]);
  });
}
