"""Shared by the kafka-python driver scripts of the compatibility suite.

Each script reads one JSON object from stdin, talks to the broker with kafka-python 2.0.2 and
prints one JSON object on stdout. Keys, values and header values cross as UTF-8 strings (null
for None); kafka-python's own logging goes to stderr, which the test shows when a script fails.
"""
import json
import logging
import sys


def read_args():
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    return json.load(sys.stdin)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def enc(s):
    return None if s is None else s.encode("utf-8")


def dec(b):
    return None if b is None else b.decode("utf-8")


def record_json(m):
    """A ConsumerRecord as the tests compare it."""
    return {
        "partition": m.partition,
        "offset": m.offset,
        "timestamp": m.timestamp,
        "timestampType": m.timestamp_type,
        "key": dec(m.key),
        "value": dec(m.value),
        "headers": [[k, dec(v)] for k, v in m.headers],
    }
