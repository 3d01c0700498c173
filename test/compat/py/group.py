"""KafkaConsumer in a group: subscribe(), read until `count` records came (or `deadlineMs`
passed), commit synchronously, report the committed offsets, leave the group.

stdin: {"bootstrap", "topic", "group", "count", "deadlineMs"}
stdout: {"records": [record_json...], "assignment": [int], "committed": {"<p>": offset|null}}
"""
import time

from kafka import KafkaConsumer, TopicPartition

from common import emit, read_args, record_json

args = read_args()
consumer = KafkaConsumer(
    bootstrap_servers=args["bootstrap"],
    group_id=args["group"],
    auto_offset_reset="earliest",
    enable_auto_commit=False,
)
consumer.subscribe([args["topic"]])
records = []
deadline = time.monotonic() + args.get("deadlineMs", 20000) / 1000
while time.monotonic() < deadline:
    for _tp, msgs in consumer.poll(timeout_ms=200).items():
        records.extend(record_json(m) for m in msgs)
    # Stop once everything expected came and the group has settled on an assignment.
    if len(records) >= args["count"] and consumer.assignment():
        break
if args["count"] == 0:
    for _tp, msgs in consumer.poll(timeout_ms=1000).items():
        records.extend(record_json(m) for m in msgs)
consumer.commit()
assignment = sorted(tp.partition for tp in consumer.assignment())
partitions = sorted(consumer.partitions_for_topic(args["topic"]) or [])
committed = {str(p): consumer.committed(TopicPartition(args["topic"], p)) for p in partitions}
consumer.close()
records.sort(key=lambda r: (r["partition"], r["offset"]))
emit({"records": records, "assignment": assignment, "committed": committed})
