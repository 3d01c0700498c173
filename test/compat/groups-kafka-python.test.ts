/**
 * kafka-python 2.0.2 against Weir, as a child process (/usr/bin/python3: it does not import on
 * Python ≥ 3.12): KafkaConsumer(group_id=...) with explicit commits carrying metadata strings,
 * a second consumer resuming after them, and assign() + commit() (a group-less commit with
 * generation -1), read back with KafkaAdminClient.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildBatch } from "../../src/protocol/records/index.js";
import { run, startBroker, type TestBroker } from "../broker/coordinator/helpers.js";

const PYTHON = "/usr/bin/python3";
const TOPIC = "py-events";

/** The driver: prints one JSON line of results. */
const SCRIPT = `
import json, sys
from kafka import KafkaConsumer, KafkaAdminClient, TopicPartition
from kafka.structs import OffsetAndMetadata
bootstrap, topic = sys.argv[1], sys.argv[2]
out = {}

def consume(group):
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest',
                      enable_auto_commit=False, consumer_timeout_ms=2000, session_timeout_ms=6000,
                      heartbeat_interval_ms=500)
    values = [m.value.decode() for m in c]
    assignment = sorted(tp.partition for tp in c.assignment())
    # Commit the positions reached, each with a metadata string.
    c.commit({tp: OffsetAndMetadata(c.position(tp), 'meta-%d' % tp.partition) for tp in c.assignment()})
    c.close()
    return values, assignment

out['first'], out['assignment'] = consume('py-group')
out['second'], _ = consume('py-group')

simple = KafkaConsumer(bootstrap_servers=bootstrap, group_id='py-simple', enable_auto_commit=False)
simple.assign([TopicPartition(topic, 0)])
simple.commit({TopicPartition(topic, 0): OffsetAndMetadata(2, 'simple-meta')})
out['simple'] = simple.committed(TopicPartition(topic, 0))
simple.close()

admin = KafkaAdminClient(bootstrap_servers=bootstrap)
out['groups'] = sorted(admin.list_consumer_groups())
offsets = admin.list_consumer_group_offsets('py-group')
out['offsets'] = sorted([tp.partition, om.offset, om.metadata] for tp, om in offsets.items())
d = admin.describe_consumer_groups(['py-group'])[0]
out['describe'] = [d.group, d.state, d.protocol_type]
admin.close()
print(json.dumps(out))
`;

describe("kafka-python KafkaConsumer(group_id=...)", () => {
  let b: TestBroker;
  before(async () => {
    b = await startBroker();
    await b.broker.log.createTopic(TOPIC, 2);
    for (let p = 0; p < 2; p++) {
      await b.broker.log.partition(TOPIC, p).append(buildBatch([0, 1, 2].map((i) => ({ key: null, value: Buffer.from(`p${p}-${i}`) }))));
    }
  });
  after(async () => b.stop());

  it("consumes with a group, commits offsets with metadata, resumes after them, and commits without a group", async () => {
    const r = await run(PYTHON, ["-c", SCRIPT, b.bootstrap, TOPIC], 60_000);
    assert.equal(r.timedOut, false, `kafka-python timed out: ${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    assert.deepEqual((out.first as string[]).sort(), ["p0-0", "p0-1", "p0-2", "p1-0", "p1-1", "p1-2"]);
    assert.deepEqual(out.assignment, [0, 1]);
    assert.deepEqual(out.second, [], "the second consumer starts after the committed offsets");
    assert.equal(out.simple, 2);
    assert.deepEqual(out.groups, [
      ["py-group", "consumer"],
      ["py-simple", ""],
    ]);
    assert.deepEqual(out.offsets, [
      [0, 3, "meta-0"],
      [1, 3, "meta-1"],
    ]);
    assert.deepEqual(out.describe, ["py-group", "Empty", "consumer"]);
    const simple = b.broker.state.groups.fetchOffsets("py-simple", null);
    assert.deepEqual(simple, [{ name: TOPIC, partitions: [{ partition: 0, offset: 2, leaderEpoch: -1, metadata: "simple-meta" }] }]);
  });
});
