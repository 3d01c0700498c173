/**
 * @platformatic/kafka 1.35's group consumer (classic protocol: JoinGroup v9, SyncGroup v5,
 * Heartbeat v4, OffsetCommit v9, OffsetFetch v9, FindCoordinator v6) against Weir: the same
 * three-consumers / six-partitions scenario as with kafkajs.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { startBroker, waitFor, type TestBroker } from "./coordinator/helpers.js";

const TOPIC = "events";
const PARTITIONS = 6;
const GROUP = "platformatic-group";

/** Closes a consumer and its streams (force), leaving the group; the overloads hide the promise form. */
function closeForce(c: Consumer<string, string, string, string>): Promise<void> {
  return new Promise((resolve, reject) => c.close(true, (e) => (e ? reject(e) : resolve())));
}

describe("@platformatic/kafka consumer group", () => {
  let b: TestBroker;
  before(async () => {
    b = await startBroker();
    await b.broker.log.createTopic(TOPIC, PARTITIONS);
  });
  after(async () => b.stop());

  /** Owners per partition when the group is Stable with `members` members splitting all partitions. */
  async function exclusiveOwners(admin: Admin, members: number): Promise<Map<number, string> | undefined> {
    const g = (await admin.describeGroups({ groups: [GROUP] })).get(GROUP);
    if (g?.state !== "STABLE" || g.members.size !== members) return undefined;
    const owner = new Map<number, string>();
    for (const m of g.members.values()) {
      for (const p of m.assignments?.get(TOPIC)?.partitions ?? []) {
        if (owner.has(p)) return undefined;
        owner.set(p, m.id);
      }
    }
    return owner.size === PARTITIONS ? owner : undefined;
  }

  /** True once every partition's committed offset is its high watermark. */
  async function caughtUp(admin: Admin): Promise<true | undefined> {
    const [group] = await admin.listConsumerGroupOffsets({ groups: [GROUP] });
    const committed = new Map(group.topics.find((t) => t.name === TOPIC)?.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)]) ?? []);
    for (let p = 0; p < PARTITIONS; p++) if (committed.get(p) !== b.broker.log.partition(TOPIC, p).highWatermark()) return undefined;
    return true;
  }

  it("splits 6 partitions over 3 members exclusively; after one leaves the others take over without losing a record", async () => {
    const bootstrapBrokers = [b.bootstrap];
    const admin = new Admin({ clientId: "weir-admin", bootstrapBrokers });
    const producer = new Producer({ clientId: "weir-producer", bootstrapBrokers, serializers: stringSerializers });
    const consumers: Consumer<string, string, string, string>[] = [];
    const seen = new Set<string>();
    const produce = async (from: number, count: number): Promise<void> => {
      const messages = Array.from({ length: count }, (_, i) => ({ topic: TOPIC, key: `k${from + i}`, value: String(from + i), partition: (from + i) % PARTITIONS }));
      await producer.send({ messages });
    };
    try {
      await produce(0, 300);
      for (let i = 0; i < 3; i++) {
        const c = new Consumer({
          clientId: `weir-consumer-${i}`,
          groupId: GROUP,
          bootstrapBrokers,
          deserializers: stringDeserializers,
          sessionTimeout: 6000,
          rebalanceTimeout: 10_000,
          heartbeatInterval: 300,
          maxWaitTime: 100,
        });
        consumers.push(c);
        const stream = await c.consume({ topics: [TOPIC], mode: "committed", fallbackMode: "earliest", autocommit: true });
        stream.on("data", (m: { value: string }) => seen.add(m.value));
      }
      const owners = await waitFor("3 members owning all 6 partitions exclusively", () => exclusiveOwners(admin, 3));
      assert.equal(new Set(owners.values()).size, 3);
      await waitFor("the first 300 records", () => (seen.size === 300 ? true : undefined));
      await waitFor("commits of the first 300", () => caughtUp(admin));

      await produce(300, 150);
      await closeForce(consumers[2]);
      await produce(450, 150);
      const after = await waitFor("2 members owning all 6 partitions", () => exclusiveOwners(admin, 2));
      assert.equal(new Set(after.values()).size, 2);
      await waitFor("all 600 records", () => (seen.size === 600 ? true : undefined));
      await waitFor("commits of all 600", () => caughtUp(admin));
      for (let i = 0; i < 600; i++) assert.ok(seen.has(String(i)), `record ${i} was consumed`);
    } finally {
      for (const c of consumers) await closeForce(c).catch(() => undefined);
      await producer.close().catch(() => undefined);
      await admin.close().catch(() => undefined);
    }
  });
});
