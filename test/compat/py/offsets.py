"""KafkaConsumer's offset lookups: offsets_for_times (one call per query, then all at once),
beginning_offsets and end_offsets.

stdin: {"bootstrap", "topic", "partitions": [int], "queries": [{"partition", "timestamp"}],
        "combined": [{"partition", "timestamp"}] (one partition at most once)}
stdout: {"forTimes": [{"offset", "timestamp"} | null], "forTimesAll": {"<p>": ... },
         "beginning": {"<p>": offset}, "end": {"<p>": offset}}
"""
from kafka import KafkaConsumer, TopicPartition

from common import emit, read_args


def found(ot):
    return None if ot is None else {"offset": ot.offset, "timestamp": ot.timestamp}


args = read_args()
topic = args["topic"]
consumer = KafkaConsumer(bootstrap_servers=args["bootstrap"], enable_auto_commit=False, group_id=None)
for_times = []
for q in args["queries"]:
    tp = TopicPartition(topic, q["partition"])
    for_times.append(found(consumer.offsets_for_times({tp: q["timestamp"]})[tp]))
all_at_once = consumer.offsets_for_times({TopicPartition(topic, q["partition"]): q["timestamp"] for q in args["combined"]})
tps = [TopicPartition(topic, p) for p in args["partitions"]]
beginning = consumer.beginning_offsets(tps)
end = consumer.end_offsets(tps)
consumer.close()
emit({
    "forTimes": for_times,
    "forTimesAll": {str(tp.partition): found(ot) for tp, ot in all_at_once.items()},
    "beginning": {str(tp.partition): o for tp, o in beginning.items()},
    "end": {str(tp.partition): o for tp, o in end.items()},
})
