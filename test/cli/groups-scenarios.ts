/**
 * The `weir groups` scenarios that must behave the same against Weir (test/cli/groups.test.ts)
 * and Apache Kafka (test/harness/groups-cli.test.ts): list, describe, every reset mode as a dry
 * run and executed, and delete, over the fixture of test/client/helpers.ts. They register
 * node:test cases in the current describe block and run in order (later ones see the offsets
 * earlier ones set).
 */
import { strict as assert } from "node:assert";
import { it } from "node:test";
import { AdminClient } from "../../src/client/wire/index.js";
import type { Fixture } from "../client/helpers.js";
import { runCli, show, type CliResult } from "./helpers.js";

/** What the scenarios run against. */
export interface ScenarioContext {
  bootstrap: string;
  fixture: Fixture;
}

/** The JSON `describe --json` prints. */
interface DescribeJson {
  groupId: string;
  state: string;
  members: { memberId: string; clientId: string; host: string; assignment: { topic: string; partitions: number[] }[] }[];
  partitions: { topic: string | null; partition: number | null; currentOffset: number | null; logEndOffset: number | null; lag: number | null; memberId: string | null }[];
}

/** The JSON `reset-offsets --json` prints. */
interface ResetJson {
  groupId: string;
  executed: boolean;
  partitions: { topic: string; partition: number; currentOffset: number | null; newOffset: number }[];
}

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, show(r));
  return r;
}

/** The committed offsets of a group as [partition, offset] pairs. */
async function committed(bootstrap: string, group: string): Promise<[number, number][]> {
  const admin = await AdminClient.connect({ bootstrap });
  try {
    return (await admin.listGroupOffsets(group)).map((o) => [o.partition, o.offset]);
  } finally {
    admin.close();
  }
}

/** Registers the scenarios; `ctx()` is called once the suite's `before` hook has run. */
export function defineGroupsCliScenarios(ctx: () => ScenarioContext): void {
  const groups = (...args: string[]): Promise<CliResult> => runCli(["groups", ...args, "--bootstrap", ctx().bootstrap]);

  it("list prints the consumer groups, one per line, with --state their states, with --json both", async () => {
    const { idleGroup, liveGroup } = ctx().fixture;
    const plain = ok(await groups("list"));
    const ids = plain.stdout.trim().split("\n");
    assert.ok(ids.includes(idleGroup) && ids.includes(liveGroup), show(plain));

    const states = ok(await groups("list", "--state"));
    assert.match(states.stdout, /^GROUP +STATE\n/);
    assert.match(states.stdout, new RegExp(`^${idleGroup} +Empty$`, "m"));
    assert.match(states.stdout, new RegExp(`^${liveGroup} +Stable$`, "m"));

    const filtered = ok(await groups("list", "--state", "stable"));
    assert.doesNotMatch(filtered.stdout, new RegExp(`^${idleGroup} `, "m"));
    assert.match(filtered.stdout, new RegExp(`^${liveGroup} +Stable$`, "m"));

    const json = JSON.parse(ok(await groups("list", "--json")).stdout) as { groupId: string; state: string }[];
    assert.equal(json.find((g) => g.groupId === idleGroup)?.state, "Empty");
    assert.equal(json.find((g) => g.groupId === liveGroup)?.state, "Stable");
  });

  it("describe shows an idle group's committed offsets, log-end offsets and lag", async () => {
    const { idleGroup, topic } = ctx().fixture;
    const r = ok(await groups("describe", idleGroup));
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], `Consumer group '${idleGroup}' has no active members.`);
    assert.match(lines[2], /^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID +HOST +CLIENT-ID$/);
    assert.match(r.stdout, new RegExp(`^${idleGroup} +${topic} +0 +4 +10 +6 +- +- +-$`, "m"));
    assert.match(r.stdout, new RegExp(`^${idleGroup} +${topic} +1 +10 +10 +0 +- +- +-$`, "m"));

    const json = JSON.parse(ok(await groups("describe", idleGroup, "--json")).stdout) as DescribeJson;
    assert.equal(json.state, "Empty");
    assert.deepEqual(json.members, []);
    assert.deepEqual(
      json.partitions.map((p) => [p.topic, p.partition, p.currentOffset, p.logEndOffset, p.lag, p.memberId]),
      [
        [topic, 0, 4, 10, 6, null],
        [topic, 1, 10, 10, 0, null],
      ],
    );
  });

  it("describe shows a live group's members and which partition each one owns", async () => {
    const { liveGroup, topic, members } = ctx().fixture;
    const json = JSON.parse(ok(await groups("describe", liveGroup, "--json")).stdout) as DescribeJson;
    assert.equal(json.state, "Stable");
    assert.deepEqual(json.members.map((m) => m.memberId).sort(), members.map((m) => m.id).sort());
    assert.ok(json.members.every((m) => m.clientId === "fixture-member" && m.host !== ""));
    const owners = new Map(members.flatMap((m) => m.assignment!.partitions.flatMap((tp) => tp.partitions.map((p) => [p, m.id] as const))));
    assert.deepEqual(
      json.partitions.map((p) => [p.topic, p.partition, p.currentOffset, p.logEndOffset, p.lag, p.memberId]),
      [0, 1, 2].map((p) => [topic, p, null, 10, null, owners.get(p)]),
    );
    const human = ok(await groups("describe", liveGroup));
    assert.match(human.stdout, new RegExp(`^Consumer group '${liveGroup}' is Stable with 2 members \\(assignor range\\)\\.$`, "m"));
    assert.match(human.stdout, new RegExp(`^${liveGroup} +${topic} +0 +- +10 +- +${owners.get(0)} +\\S+ +fixture-member$`, "m"));
  });

  it("describe of an unknown group fails with Kafka's message and exit code 1", async () => {
    const r = await groups("describe", "no-such-group");
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stderr, "weir: Consumer group 'no-such-group' does not exist.\n");
    assert.equal(r.stdout, "");
  });

  it("reset-offsets plans every mode as a dry run without changing anything", async () => {
    const { idleGroup, topic, t0 } = ctx().fixture;
    const plan = async (...args: string[]): Promise<[number, number | null, number][]> => {
      const json = JSON.parse(ok(await groups("reset-offsets", idleGroup, "--json", ...args)).stdout) as ResetJson;
      assert.equal(json.executed, false);
      return json.partitions.map((p) => [p.partition, p.currentOffset, p.newOffset]);
    };
    assert.deepEqual(await plan("--topic", topic, "--to-earliest"), [[0, 4, 0], [1, 10, 0], [2, null, 0]]);
    assert.deepEqual(await plan("--topic", topic, "--to-latest"), [[0, 4, 10], [1, 10, 10], [2, null, 10]]);
    // Record i is stamped t0 + i s: the first at or after t0 + 5.5 s is offset 6.
    const at = new Date(t0 + 5500).toISOString();
    assert.deepEqual(await plan("--topic", topic, "--to-datetime", at), [[0, 4, 6], [1, 10, 6], [2, null, 6]]);
    // After every record: no offset has such a timestamp, so latest (as Kafka's tool does).
    assert.deepEqual(await plan("--topic", `${topic}:2`, "--to-datetime", new Date(t0 + 60_000).toISOString().replace("Z", "+00:00")), [[2, null, 10]]);
    assert.deepEqual(await plan("--topic", topic, "--to-offset", "7"), [[0, 4, 7], [1, 10, 7], [2, null, 7]]);
    assert.deepEqual(await plan("--topic", `${topic}:1`, "--to-offset", "100"), [[1, 10, 10]]);
    assert.deepEqual(await plan("--topic", `${topic}:0,1`, "--shift-by", "-5"), [[0, 4, 0], [1, 10, 5]]);
    assert.deepEqual(await plan("--topic", `${topic}:0`, "--shift-by", "3"), [[0, 4, 7]]);

    const human = ok(await groups("reset-offsets", idleGroup, "--topic", `${topic}:0`, "--to-earliest"));
    assert.equal(human.stdout, `GROUP${" ".repeat(idleGroup.length - 3)}TOPIC${" ".repeat(topic.length - 3)}PARTITION  NEW-OFFSET\n${idleGroup}  ${topic}  0          0\n\nDry run: nothing was changed. Run again with --execute to apply these offsets.\n`);
    assert.deepEqual(await committed(ctx().bootstrap, idleGroup), [[0, 4], [1, 10]]);
  });

  it("reset-offsets --shift-by fails where the group has no committed offset", async () => {
    const { idleGroup, topic } = ctx().fixture;
    const r = await groups("reset-offsets", idleGroup, "--topic", topic, "--shift-by", "1");
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, new RegExp(`cannot shift ${topic}-2: the group has no committed offset there`));
  });

  it("reset-offsets --execute applies each mode", async () => {
    const { idleGroup, topic, t0 } = ctx().fixture;
    const run = async (args: string[], expected: [number, number][]): Promise<void> => {
      const r = ok(await groups("reset-offsets", idleGroup, ...args, "--execute"));
      const reset = args[1].includes(":") ? args[1].split(":")[1].split(",").length : 3;
      assert.match(r.stdout, new RegExp(`Offsets of group '${idleGroup}' were reset on ${reset} partitions?\\.`));
      assert.deepEqual(await committed(ctx().bootstrap, idleGroup), expected);
    };
    await run(["--topic", topic, "--to-earliest"], [[0, 0], [1, 0], [2, 0]]);
    await run(["--topic", topic, "--to-datetime", new Date(t0 + 6000).toISOString()], [[0, 6], [1, 6], [2, 6]]);
    await run(["--topic", `${topic}:0,2`, "--to-offset", "8"], [[0, 8], [1, 6], [2, 8]]);
    await run(["--topic", `${topic}:1,2`, "--shift-by", "-7"], [[0, 8], [1, 0], [2, 1]]);
    await run(["--topic", `${topic}:0`, "--to-latest"], [[0, 10], [1, 0], [2, 1]]);
  });

  it("reset-offsets refuses a group with active members", async () => {
    const { liveGroup, topic } = ctx().fixture;
    for (const mode of [[], ["--execute"]]) {
      const r = await groups("reset-offsets", liveGroup, "--topic", topic, "--to-earliest", ...mode);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, new RegExp(`^weir: group '${liveGroup}' has active members \\(state Stable, 2 member\\(s\\)\\); stop them before resetting offsets\\n$`));
    }
  });

  it("reset-offsets names a topic or partition that does not exist", async () => {
    const { idleGroup, topic } = ctx().fixture;
    const missing = await groups("reset-offsets", idleGroup, "--topic", "no-such-topic", "--to-earliest");
    assert.equal(missing.code, 1, show(missing));
    assert.equal(missing.stderr, "weir: topic 'no-such-topic' does not exist\n");
    const partition = await groups("reset-offsets", idleGroup, "--topic", `${topic}:7`, "--to-earliest");
    assert.equal(partition.code, 1, show(partition));
    assert.equal(partition.stderr, `weir: topic '${topic}' has no partition 7 (it has 3: 0-2)\n`);
  });

  it("delete removes an idle group, and refuses a live or unknown one", async () => {
    const { idleGroup, liveGroup } = ctx().fixture;
    const live = await groups("delete", liveGroup);
    assert.equal(live.code, 1, show(live));
    assert.equal(live.stderr, `weir: Consumer group '${liveGroup}' could not be deleted: it has active members; stop them first.\n`);

    const unknown = await groups("delete", "no-such-group");
    assert.equal(unknown.code, 1, show(unknown));
    assert.equal(unknown.stderr, "weir: Consumer group 'no-such-group' does not exist.\n");

    const r = ok(await groups("delete", idleGroup));
    assert.equal(r.stdout, `Deletion of requested consumer groups ('${idleGroup}') was successful.\n`);
    assert.deepEqual(await committed(ctx().bootstrap, idleGroup), []);
    const gone = await groups("describe", idleGroup);
    assert.equal(gone.code, 1, show(gone));
  });
}
