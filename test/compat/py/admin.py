"""KafkaAdminClient: create_topics (partitions and configs), list_topics, describe_configs and
delete_topics, in the order given, each step's answer reduced to plain data.

stdin: {"bootstrap", "steps": [{"op": "create", "topic", "partitions", "configs": {..}}
                              | {"op": "list"} | {"op": "describe", "topic"}
                              | {"op": "delete", "topic"}]}
stdout: {"results": [...]}, one per step:
  create / delete: {"<topic>": error_code}, or {"raised": "<ErrorClass>"} when kafka-python raised
  list: [names]
  describe: {"error": code, "version": n, "configs": {name: {"value", "readOnly", "sensitive"}}}
"""
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import KafkaError

from common import emit, read_args

args = read_args()
admin = KafkaAdminClient(bootstrap_servers=args["bootstrap"], request_timeout_ms=15000)
results = []
for step in args["steps"]:
    op = step["op"]
    if op in ("create", "delete"):
        # kafka-python raises the error class of the first failed topic instead of returning it.
        try:
            if op == "create":
                topic = NewTopic(step["topic"], num_partitions=step["partitions"], replication_factor=1,
                                 topic_configs=step.get("configs", {}))
                resp = admin.create_topics([topic], timeout_ms=10000)
                results.append({e[0]: e[1] for e in resp.topic_errors})
            else:
                resp = admin.delete_topics([step["topic"]], timeout_ms=10000)
                results.append({e[0]: e[1] for e in resp.topic_error_codes})
        except KafkaError as e:
            results.append({"raised": type(e).__name__})
    elif op == "list":
        results.append(sorted(admin.list_topics()))
    elif op == "describe":
        resp = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, step["topic"])])
        # One response per broker asked. Entries are (name, value, read_only, is_default,
        # is_sensitive) in v0 and (name, value, read_only, source, is_sensitive, synonyms) after.
        (error_code, _msg, _rtype, _rname, entries) = resp[0].resources[0]
        configs = {e[0]: {"value": e[1], "readOnly": e[2], "sensitive": e[4]} for e in entries}
        results.append({"error": error_code, "version": resp[0].API_VERSION, "configs": configs})
    else:
        raise ValueError("unknown step " + op)
admin.close()
emit({"results": results})
