"""Batch-reads a Kafka topic with Spark's Kafka source and prints each row as a JSON line.

usage: batch_read.py BOOTSTRAP TOPIC STARTING_OFFSETS_JSON ENDING_OFFSETS_JSON
"""
import json
import sys

from pyspark.sql import SparkSession


def main() -> None:
    bootstrap, topic, starting, ending = sys.argv[1:5]
    spark = SparkSession.builder.appName("weir-harness-batch-read").getOrCreate()
    try:
        df = (
            spark.read.format("kafka")
            .option("kafka.bootstrap.servers", bootstrap)
            .option("subscribe", topic)
            .option("startingOffsets", starting)
            .option("endingOffsets", ending)
            .load()
        )
        rows = df.selectExpr(
            "topic", "partition", "offset", "CAST(key AS STRING) AS key", "CAST(value AS STRING) AS value"
        ).orderBy("partition", "offset").collect()
        for r in rows:
            print(json.dumps(r.asDict()), flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
