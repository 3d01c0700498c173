"""Bad paths through kafka-python 2.0.2, for the differential suite: each step reports what the
client raised (the error class and its message) or returned, never failing the script itself.

stdin: {"bootstrap", "steps": [
          {"op": "fetch", "topic", "partition", "offset", "reset": "earliest"|"latest"|"none", "deadlineMs"}
        | {"op": "produce", "topic", "partition": int|null, "valueBytes": int, "maxBlockMs", "maxRequestSize"}]}
stdout: {"results": [...]}, one per step:
  fetch:   {"raised": {"type", "message"} | null, "records": [[offset, value]], "position": int|null}
  produce: {"raised": {"type", "message"} | null, "sent": {"partition", "offset"} | null}
"""
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from common import dec, emit, read_args


def raised(e):
    return {"type": type(e).__name__, "message": str(e)}


def fetch(bootstrap, step):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             auto_offset_reset=step["reset"])
    tp = TopicPartition(step["topic"], step["partition"])
    consumer.assign([tp])
    consumer.seek(tp, step["offset"])
    records = []
    error = None
    deadline = time.monotonic() + step.get("deadlineMs", 3000) / 1000
    while error is None and time.monotonic() < deadline:
        try:
            for _tp, msgs in consumer.poll(timeout_ms=200).items():
                records.extend([m.offset, dec(m.value)] for m in msgs)
        except KafkaError as e:
            error = raised(e)
    position = None
    if error is None:
        position = consumer.position(tp)
    consumer.close()
    return {"raised": error, "records": records, "position": position}


def produce(bootstrap, step):
    producer = KafkaProducer(bootstrap_servers=bootstrap, max_block_ms=step.get("maxBlockMs", 3000),
                             max_request_size=step.get("maxRequestSize", 1048576), retries=0)
    result = {"raised": None, "sent": None}
    try:
        value = b"x" * step.get("valueBytes", 1)
        m = producer.send(step["topic"], value=value, partition=step.get("partition")).get(timeout=15)
        result["sent"] = {"partition": m.partition, "offset": m.offset}
    except KafkaError as e:
        result["raised"] = raised(e)
    producer.close(timeout=5)
    return result


args = read_args()
results = []
for step in args["steps"]:
    if step["op"] == "fetch":
        results.append(fetch(args["bootstrap"], step))
    elif step["op"] == "produce":
        results.append(produce(args["bootstrap"], step))
    else:
        raise ValueError("unknown step " + step["op"])
emit({"results": results})
