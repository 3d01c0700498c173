/**
 * kafkajs 2.2.4's group consumer against Weir, unchanged: three consumers share a six-partition
 * topic, each partition owned by exactly one of them; when one leaves, the other two take over
 * its partitions from its committed offsets and no record is lost.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { AssignerProtocol, Kafka, logLevel, type Admin, type Consumer, type Producer } from "kafkajs";
import { startBroker, waitFor, type TestBroker } from "./coordinator/helpers.js";

const TOPIC = "events";
const PARTITIONS = 6;
const GROUP = "kafkajs-group";

/** The group's owners per partition, when it is Stable with `members` members that split all partitions. */
async function exclusiveOwners(admin: Admin, members: number): Promise<Map<number, string> | undefined> {
  const { groups } = await admin.describeGroups([GROUP]);
  const g = groups[0];
  if (g.state !== "Stable" || g.members.length !== members) return undefined;
  const owner = new Map<number, string>();
  for (const m of g.members) {
    const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    for (const p of a?.assignment[TOPIC] ?? []) {
      if (owner.has(p)) return undefined;
      owner.set(p, m.memberId);
    }
  }
  return owner.size === PARTITIONS ? owner : undefined;
}

/** The group's committed offsets, when each equals the partition's end offset (zero lag). */
async function caughtUp(admin: Admin): Promise<true | undefined> {
  const ends = await admin.fetchTopicOffsets(TOPIC);
  const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  for (const e of ends) {
    const c = committed.partitions.find((p) => p.partition === e.partition);
    if (c?.offset !== e.high) return undefined;
  }
  return true;
}

describe("kafkajs consumer group", () => {
  let b: TestBroker;
  let kafka: Kafka;
  before(async () => {
    b = await startBroker();
    kafka = new Kafka({ clientId: "weir-test", brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50 } });
  });
  after(async () => b.stop());

  it("splits 6 partitions over 3 members exclusively; after one leaves the others take over without losing a record", async () => {
    const admin = kafka.admin();
    const producer: Producer = kafka.producer();
    const consumers: Consumer[] = [];
    const seen = new Set<string>();
    let deliveries = 0;
    const assigned = new Map<number, number[]>();
    const produce = async (from: number, count: number): Promise<void> => {
      const messages = Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: String(from + i), partition: (from + i) % PARTITIONS }));
      await producer.send({ topic: TOPIC, messages });
    };
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
      await producer.connect();
      await produce(0, 300);
      for (let i = 0; i < 3; i++) {
        const c = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
        c.on(c.events.GROUP_JOIN, (e) => assigned.set(i, e.payload.memberAssignment[TOPIC] ?? []));
        consumers.push(c);
        await c.connect();
        await c.subscribe({ topic: TOPIC, fromBeginning: true });
        await c.run({
          eachMessage: ({ message }) => {
            deliveries++;
            seen.add(message.value!.toString());
            return Promise.resolve();
          },
        });
      }

      const owners = await waitFor("3 members owning all 6 partitions exclusively", () => exclusiveOwners(admin, 3));
      assert.equal(new Set(owners.values()).size, 3, "every member owns partitions");
      // The consumers' own view agrees: their latest assignments are disjoint and cover the topic.
      await waitFor("the consumers' assignments to settle", () => {
        const all = [...assigned.values()].flat().sort((x, y) => x - y);
        return assigned.size === 3 && all.join() === "0,1,2,3,4,5" ? true : undefined;
      });
      await waitFor("the first 300 records", () => (seen.size === 300 ? true : undefined));
      await waitFor("commits of the first 300", () => caughtUp(admin));

      // One member leaves (committing and sending LeaveGroup) while more records arrive.
      await produce(300, 150);
      await consumers[2].disconnect();
      await produce(450, 150);
      const after = await waitFor("2 members owning all 6 partitions", () => exclusiveOwners(admin, 2));
      assert.equal(new Set(after.values()).size, 2);
      await waitFor("all 600 records", () => (seen.size === 600 ? true : undefined));
      await waitFor("commits of all 600", () => caughtUp(admin));
      for (let i = 0; i < 600; i++) assert.ok(seen.has(String(i)), `record ${i} was consumed`);
      assert.ok(deliveries >= 600);
    } finally {
      for (const c of consumers) await c.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  });
});
