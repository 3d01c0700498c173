"""KafkaConsumer with assign() and seek(): reads from the given offsets until `count` records came
(or `deadlineMs` passed), without a group.

stdin: {"bootstrap", "topic", "from": {"<partition>": offset | "beginning" | "end"}, "count"}
stdout: {"records": [record_json...], "positions": {"<partition>": offset}}
"""
import time

from kafka import KafkaConsumer, TopicPartition

from common import emit, read_args, record_json

args = read_args()
consumer = KafkaConsumer(bootstrap_servers=args["bootstrap"], enable_auto_commit=False, group_id=None)
tps = {int(p): TopicPartition(args["topic"], int(p)) for p in args["from"]}
consumer.assign(list(tps.values()))
for p, start in args["from"].items():
    tp = tps[int(p)]
    if start == "beginning":
        consumer.seek_to_beginning(tp)
    elif start == "end":
        consumer.seek_to_end(tp)
    else:
        consumer.seek(tp, start)
records = []
deadline = time.monotonic() + args.get("deadlineMs", 15000) / 1000
while len(records) < args["count"] and time.monotonic() < deadline:
    for _tp, msgs in consumer.poll(timeout_ms=200).items():
        records.extend(record_json(m) for m in msgs)
# With nothing expected, give a stray record a moment to show up.
if args["count"] == 0:
    for _tp, msgs in consumer.poll(timeout_ms=1000).items():
        records.extend(record_json(m) for m in msgs)
records.sort(key=lambda r: (r["partition"], r["offset"]))
positions = {str(p): consumer.position(tp) for p, tp in tps.items()}
consumer.close()
emit({"records": records, "positions": positions})
