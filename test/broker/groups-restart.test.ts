/**
 * Committed offsets survive a crash: a broker child process (`weir broker`) is killed with
 * SIGKILL after a kafkajs group member committed offsets with metadata strings; restarted on the
 * same data directory it answers the same committed offsets, metadata and lag.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { WireClient, waitFor } from "./coordinator/helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TOPIC = "restart-events";
const GROUP = "restart-group";

/** A `weir broker` child on a free port; resolves once it prints its ready line. */
async function startChild(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "broker", "--port", "0", "--data-dir", dataDir], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${err}`)), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /weir broker ready on [^:]+:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`broker exited with ${code}: ${err}`)));
  });
  return { child, port };
}

/** SIGKILLs the child and waits for it to be gone. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await gone;
}

/** The group's committed offsets, metadata and lag per partition, through kafkajs's admin and OffsetFetch v8. */
async function groupView(port: number): Promise<{ offsets: [number, string, string | null][]; lag: number[]; v8: [number, number, string][] }> {
  const kafka = new Kafka({ clientId: "restart-view", brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const wire = await WireClient.connect(port);
  try {
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const ends = await admin.fetchTopicOffsets(TOPIC);
    const offsets = committed.partitions.map((p) => [p.partition, p.offset, p.metadata] as [number, string, string | null]).sort((a, b) => a[0] - b[0]);
    const lag = ends.sort((a, b) => a.partition - b.partition).map((e) => Number(e.high) - Number(committed.partitions.find((p) => p.partition === e.partition)!.offset));
    const r = await wire.send(ApiKey.OffsetFetch, 8, { groups: [{ groupId: GROUP, topics: null }], requireStable: true });
    const v8 = r.groups[0].topics.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata] as [number, number, string])).sort((a, b) => a[0] - b[0]);
    return { offsets, lag, v8 };
  } finally {
    wire.close();
    await admin.disconnect();
  }
}

describe("committed offsets across a broker crash", () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "weir-groups-restart-"));
  });
  after(async () => {
    for (const c of children) await kill(c);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers the same committed offsets, metadata and lag after SIGKILL and restart", async () => {
    const first = await startChild(dataDir);
    children.push(first.child);
    const kafka = new Kafka({ clientId: "restart-test", brokers: [`127.0.0.1:${first.port}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    let joined = false;
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
      await producer.connect();
      await producer.send({ topic: TOPIC, messages: Array.from({ length: 30 }, (_, i) => ({ value: `v${i}`, partition: i % 3 })) });
      consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachMessage: () => Promise.resolve() });
      await waitFor("the consumer to join", () => (joined ? true : undefined));
      // A member's commits: checked against its generation, with metadata strings.
      await consumer.commitOffsets([
        { topic: TOPIC, partition: 0, offset: "4", metadata: "zero" },
        { topic: TOPIC, partition: 1, offset: "7", metadata: "one ü" },
        { topic: TOPIC, partition: 2, offset: "10", metadata: null },
      ]);
      await consumer.disconnect();
      await producer.send({ topic: TOPIC, messages: [{ value: "late", partition: 1 }] });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
    const before = await groupView(first.port);
    assert.deepEqual(before.offsets, [
      [0, "4", "zero"],
      [1, "7", "one ü"],
      // kafkajs's admin shows the "" Kafka stores for a null metadata as null.
      [2, "10", null],
    ]);
    assert.deepEqual(
      before.v8.map((p) => p[2]),
      ["zero", "one ü", ""],
    );
    assert.deepEqual(before.lag, [6, 4, 0]);

    await kill(first.child);
    const second = await startChild(dataDir);
    children.push(second.child);
    const afterRestart = await groupView(second.port);
    assert.deepEqual(afterRestart, before);
  });
});
