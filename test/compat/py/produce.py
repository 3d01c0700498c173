"""KafkaProducer: sends the given records, flushes, and prints each one's RecordMetadata.

stdin: {"bootstrap", "topic", "compression": null|"gzip"|..., "records": [{"key", "value",
        "headers": [[k, v]], "partition": int|null, "timestamp": int|null}]}
stdout: {"apiVersion": [..], "sent": [{"partition", "offset", "timestamp"}]}
"""
from kafka import KafkaProducer

from common import emit, enc, read_args

args = read_args()
producer = KafkaProducer(
    bootstrap_servers=args["bootstrap"],
    compression_type=args.get("compression"),
    linger_ms=args.get("lingerMs", 0),
    acks=args.get("acks", 1),
)
futures = [
    producer.send(
        args["topic"],
        key=enc(r.get("key")),
        value=enc(r.get("value")),
        headers=[(k, enc(v)) for k, v in r.get("headers", [])],
        partition=r.get("partition"),
        timestamp_ms=r.get("timestamp"),
    )
    for r in args["records"]
]
producer.flush(timeout=20)
sent = []
for f in futures:
    m = f.get(timeout=20)
    sent.append({"partition": m.partition, "offset": m.offset, "timestamp": m.timestamp})
api_version = list(producer.config["api_version"])
producer.close(timeout=5)
emit({"apiVersion": api_version, "sent": sent})
