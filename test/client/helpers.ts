/**
 * Test machinery for the wire client and `weir groups`: an in-process Weir broker, records
 * produced through the client's own connections, and a topic + groups fixture that the CLI
 * scenarios run against Weir and Apache Kafka alike.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker } from "../../src/broker/broker.js";
import type { BrokerConfig } from "../../src/broker/config.js";
import { AdminClient, Cluster, GroupMember, throwIfKafkaError, type MemberAssignment } from "../../src/client/wire/index.js";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { buildBatch } from "../../src/protocol/records/index.js";

/** An in-process Weir broker in a temp dir. */
export interface TestWeir {
  broker: Broker;
  port: number;
  bootstrap: string;
  stop(): Promise<void>;
}

/** Starts Weir on 127.0.0.1:0 with groups that rebalance at once and short session timeouts allowed. */
export async function startWeir(config: Partial<BrokerConfig> = {}): Promise<TestWeir> {
  const dataDir = mkdtempSync(join(tmpdir(), "weir-client-"));
  const broker = await Broker.start(
    { host: "127.0.0.1", port: 0, dataDir, groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 1000, ...config },
    { maintenanceIntervalMs: 0 },
  );
  return {
    broker,
    port: broker.address.port,
    bootstrap: `127.0.0.1:${broker.address.port}`,
    async stop() {
      try {
        await broker.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Produces one batch of `values` to a partition (acks=all), record i stamped `timestamps[i]`. */
export async function produce(admin: AdminClient, topic: string, partition: number, values: readonly string[], timestamps: readonly number[]): Promise<void> {
  const records = buildBatch(values.map((v, i) => ({ key: null, value: Buffer.from(v), timestamp: timestamps[i] })));
  await admin.cluster.retry(`Produce to ${topic}-${partition}`, async () => {
    const md = await admin.cluster.metadata([topic]);
    const leader = md.topics.find((t) => t.name === topic)!.partitions[partition].leaderId;
    const conn = await admin.cluster.connectionTo(leader);
    const { response } = await conn.request(
      ApiKey.Produce,
      () => ({ acks: -1, timeoutMs: 10_000, transactionalId: null, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] }),
      { minVersion: 3 },
    );
    throwIfKafkaError(response.responses[0].partitionResponses[0].errorCode, `Produce to ${topic}-${partition}`);
  });
}

/** The data the CLI scenarios expect: 3 partitions of 10 records, record i of each stamped t0 + i s. */
export interface Fixture {
  topic: string;
  partitions: number;
  recordsPerPartition: number;
  /** The first record's timestamp (a whole second, an hour ago, so retention keeps it). */
  t0: number;
  /** A group with offsets committed on partitions 0 (4) and 1 (10) and no members. */
  idleGroup: string;
  /** A group with two live members that split the topic. */
  liveGroup: string;
  members: GroupMember[];
  memberCluster: Cluster;
  /** Stops the live members (without deleting anything). */
  stop(): Promise<void>;
}

/** Creates the fixture's topic, records and groups on the cluster at `bootstrap`. */
export async function createFixture(bootstrap: string, prefix = "cli"): Promise<Fixture> {
  const topic = `${prefix}-events`;
  const partitions = 3;
  const recordsPerPartition = 10;
  const t0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
  const admin = await AdminClient.connect({ bootstrap });
  try {
    await admin.createTopics([{ name: topic, partitions }]);
    for (let p = 0; p < partitions; p++) {
      const idx = Array.from({ length: recordsPerPartition }, (_, i) => i);
      await produce(admin, topic, p, idx.map((i) => `v${p}-${i}`), idx.map((i) => t0 + i * 1000));
    }
    await admin.commitOffsets(`${prefix}-idle`, [
      { topic, partition: 0, offset: 4 },
      { topic, partition: 1, offset: 10 },
    ]);
  } finally {
    admin.close();
  }
  const memberCluster = await Cluster.connect({ bootstrap, clientId: "fixture-member" });
  const liveGroup = `${prefix}-live`;
  const members = await Promise.all([0, 1].map(() => GroupMember.start({ cluster: memberCluster, groupId: liveGroup, topics: [topic], heartbeatIntervalMs: 200, sessionTimeoutMs: 10_000 })));
  await waitForStable(members, partitions);
  return {
    topic,
    partitions,
    recordsPerPartition,
    t0,
    idleGroup: `${prefix}-idle`,
    liveGroup,
    members,
    memberCluster,
    async stop() {
      await Promise.all(members.map((m) => m.leave()));
      memberCluster.close();
    },
  };
}

/** Waits until every member holds an assignment of one generation and together they own `partitions` partitions. */
export async function waitForStable(members: readonly GroupMember[], partitions: number, timeoutMs = 30_000): Promise<MemberAssignment[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const as = members.map((m) => m.assignment);
    if (as.every((a) => a !== null)) {
      const gens = new Set(as.map((a) => a.generationId));
      const owned = as.flatMap((a) => a.partitions.flatMap((p) => p.partitions));
      if (gens.size === 1 && owned.length === partitions && new Set(owned).size === partitions) return as;
    }
    if (Date.now() > deadline) throw new Error(`members not stable after ${timeoutMs} ms: ${JSON.stringify(as)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
