"""Runs several batch reads of Kafka topics with Spark's Kafka source in one Spark session and
prints one JSON line per read, so a test pays PySpark's start-up once for all of them.

usage: batch_reads.py BOOTSTRAP READS_JSON

READS_JSON is a list of {"name": str, "options": {option: value}}; each read gets
kafka.bootstrap.servers and includeHeaders=true besides its own options (subscribe or assign,
startingOffsets, endingTimestamp, ...). Output, one line per read, in order:
  {"read": name, "rows": [[topic, partition, offset, key_hex, value_hex, timestamp_ms,
                          timestamp_type, [[header_key, header_value_hex], ...]], ...]}
or {"read": name, "error": "<exception class>: <first line of its message>"} when Spark refuses
the read. Rows are sorted by (topic, partition, offset); null keys, values and header values
print as null. Bytes are hex so that any byte sequence compares exactly.
"""
import json
import sys

from pyspark.sql import SparkSession

# Keys, values and header values as hex; the timestamp as epoch milliseconds, exactly.
PROJECTION = [
    "topic",
    "partition",
    "offset",
    "hex(key) AS key",
    "hex(value) AS value",
    "unix_millis(timestamp) AS ts",
    "timestampType",
    "transform(headers, h -> struct(h.key AS k, hex(h.value) AS v)) AS headers",
]


def run_read(spark: SparkSession, bootstrap: str, options: dict) -> list:
    reader = (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("includeHeaders", "true")
    )
    for k, v in options.items():
        reader = reader.option(k, v if isinstance(v, str) else json.dumps(v))
    rows = reader.load().selectExpr(*PROJECTION).orderBy("topic", "partition", "offset").collect()
    return [
        [
            r["topic"],
            r["partition"],
            r["offset"],
            r["key"],
            r["value"],
            r["ts"],
            r["timestampType"],
            [[h["k"], h["v"]] for h in (r["headers"] or [])],
        ]
        for r in rows
    ]


def error_summary(e: Exception) -> str:
    # Py4J and PySpark wrap the JVM exception; its first line names the cause without the stack.
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}"


def main() -> None:
    bootstrap, reads_json = sys.argv[1:3]
    reads = json.loads(reads_json)
    spark = SparkSession.builder.appName("weir-harness-batch-reads").getOrCreate()
    try:
        for read in reads:
            try:
                out = {"read": read["name"], "rows": run_read(spark, bootstrap, read["options"])}
            except Exception as e:  # noqa: BLE001 - a refused read is a result to compare
                out = {"read": read["name"], "error": error_summary(e)}
            print(json.dumps(out), flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
