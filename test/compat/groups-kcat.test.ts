/**
 * kcat -G (librdkafka 2.0.2's balanced consumer: FindCoordinator v2, JoinGroup v5, SyncGroup v3,
 * Heartbeat v3, OffsetCommit v7, OffsetFetch v7) against Weir, as a child process: it consumes a
 * four-partition topic, commits on exit, and a second run resumes after the committed offsets.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildBatch } from "../../src/protocol/records/index.js";
import { run, startBroker, type TestBroker } from "../broker/coordinator/helpers.js";

const TOPIC = "kcat-events";
const GROUP = "kcat-group";

describe("kcat -G balanced consumer", () => {
  let b: TestBroker;
  before(async () => {
    b = await startBroker();
    await b.broker.log.createTopic(TOPIC, 4);
  });
  after(async () => b.stop());

  /** Appends `values` round-robin over the 4 partitions. */
  async function produce(values: string[]): Promise<void> {
    for (let p = 0; p < 4; p++) {
      const mine = values.filter((_, i) => i % 4 === p);
      if (mine.length > 0) await b.broker.log.partition(TOPIC, p).append(buildBatch(mine.map((v) => ({ key: Buffer.from(v), value: Buffer.from(v) }))));
    }
  }

  /**
   * One kcat group member reading until every assigned partition is at its end. Where to start
   * comes from the committed offsets (auto.offset.reset only without one); kcat's -o would
   * override them.
   */
  function consume(): Promise<string[]> {
    return run("kcat", ["-b", b.bootstrap, "-G", GROUP, TOPIC, "-X", "auto.offset.reset=earliest", "-e", "-q", "-f", "%s\\n", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"], 30_000).then((r) => {
      assert.equal(r.timedOut, false, `kcat timed out: ${r.stderr}`);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split("\n").filter((l) => l.length > 0);
    });
  }

  it("consumes, commits on exit, and resumes after the committed offsets", async () => {
    await produce(Array.from({ length: 20 }, (_, i) => `a${i}`));
    const first = await consume();
    assert.deepEqual([...first].sort(), Array.from({ length: 20 }, (_, i) => `a${i}`).sort());
    const committed = b.broker.state.groups.fetchOffsets(GROUP, [{ name: TOPIC, partitions: [0, 1, 2, 3] }]);
    assert.deepEqual(
      committed[0].partitions.map((p) => p.offset),
      [5, 5, 5, 5],
    );
    const d = b.broker.state.groups.describeGroup(GROUP);
    assert.equal(d.state, "Empty", "kcat left the group on exit");
    assert.equal(d.protocolType, "consumer");

    await produce(["b0", "b1", "b2", "b3"]);
    const second = await consume();
    assert.deepEqual([...second].sort(), ["b0", "b1", "b2", "b3"]);
  });
});
