"""A consumer group as kafka-python 2.0.2's KafkaAdminClient sees it, for the differential suite:
describe_consumer_groups, list_consumer_group_offsets, and the lag of each partition of a topic
(end offset minus committed offset).

stdin: {"bootstrap", "group", "topic"}
stdout: {"group": {"state", "protocolType", "protocol", "members": [{"clientId", "partitions"}]},
         "offsets": {"<p>": {"committed", "metadata", "end", "lag"}}}
"""
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from common import emit, read_args

args = read_args()
topic = args["topic"]
admin = KafkaAdminClient(bootstrap_servers=args["bootstrap"], request_timeout_ms=15000)
desc = admin.describe_consumer_groups([args["group"]])[0]
members = []
for m in desc.members:
    partitions = []
    if m.member_assignment:
        assignment = m.member_assignment
        if isinstance(assignment, bytes):
            assignment = ConsumerProtocolMemberAssignment.decode(assignment)
        for t, ps in assignment.assignment:
            if t == topic:
                partitions.extend(ps)
    members.append({"clientId": m.client_id, "partitions": sorted(partitions)})
members.sort(key=lambda x: (x["clientId"], x["partitions"]))
committed = admin.list_consumer_group_offsets(args["group"])
admin.close()
consumer = KafkaConsumer(bootstrap_servers=args["bootstrap"], enable_auto_commit=False, group_id=None)
tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
ends = consumer.end_offsets(tps)
consumer.close()
offsets = {}
for tp in tps:
    om = committed.get(tp)
    offsets[str(tp.partition)] = {
        "committed": None if om is None else om.offset,
        "metadata": None if om is None else om.metadata,
        "end": ends[tp],
        "lag": None if om is None else ends[tp] - om.offset,
    }
emit({
    "group": {"state": desc.state, "protocolType": desc.protocol_type, "protocol": desc.protocol, "members": members},
    "offsets": offsets,
})
