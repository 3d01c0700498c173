"""Runs the streaming queries of test/harness/spark-streaming.test.ts in PySpark Structured
Streaming, each with Trigger.AvailableNow over a Kafka topic (of a Weir broker), and prints one
JSON line per query, so that Weir's results can be compared with Spark's.

usage: streaming_queries.py BOOTSTRAP WORKDIR CONFIG_JSON

CONFIG_JSON: {"lines": topic of text lines, "events": topic of JSON events,
              "eventSchema": DDL of the events, "maxOffsetsPerTrigger": n,
              "updatesTopic": topic the update-mode word count writes to,
              "watermark": "30 seconds", "window": "1 minute"}

The queries (the TypeScript side runs the same ones on Weir):
  wordcount-complete  lines -> explode(split(value, " ")) AS word -> groupBy(word).count(),
                      complete mode into the memory sink; the final table is printed
  wordcount-update    the same count in update mode, written to updatesTopic by the Kafka sink
                      (key: word, value: count as a string); the topic is read by the test
  windows             events -> from_json -> withWatermark(ts) -> groupBy(window(ts), sensor)
                      .agg(count(*) AS n, sum(reading) AS total), append mode into Parquet
                      files; the committed files are read back and printed

Output, one line per query:
  {"query": name, "rows": [...] (wordcount-complete: [word, count]; windows: [start_ms, end_ms,
   sensor, n, total]; sorted), "batches": [numInputRows of each batch], "dropped": rows dropped
   by the watermark (windows only)}
or {"query": name, "error": "..."} when Spark failed it.
"""
import json
import os
import sys
import traceback

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, count, explode, from_json, split, sum as sum_, window


def progress_dicts(query) -> list:
    """recentProgress as plain dicts (PySpark 4 returns StreamingQueryProgress objects)."""
    out = []
    for p in query.recentProgress:
        out.append(p if isinstance(p, dict) else json.loads(p.json))
    return out


def stream(spark: SparkSession, bootstrap: str, topic: str, max_offsets: int):
    return (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("maxOffsetsPerTrigger", str(max_offsets))
        .load()
    )


def word_counts(spark, bootstrap, cfg):
    lines = stream(spark, bootstrap, cfg["lines"], cfg["maxOffsetsPerTrigger"])
    return lines.select(explode(split(col("value").cast("string"), " ")).alias("word")).groupBy("word").count()


def wordcount_complete(spark, bootstrap, workdir, cfg):
    q = (
        word_counts(spark, bootstrap, cfg)
        .writeStream.format("memory")
        .queryName("word_counts")
        .outputMode("complete")
        .option("checkpointLocation", os.path.join(workdir, "cp-wordcount-complete"))
        .trigger(availableNow=True)
        .start()
    )
    q.awaitTermination()
    rows = sorted([r["word"], r["count"]] for r in spark.table("word_counts").collect())
    return {"rows": rows, "batches": [p["numInputRows"] for p in progress_dicts(q)]}


def wordcount_update(spark, bootstrap, workdir, cfg):
    q = (
        word_counts(spark, bootstrap, cfg)
        .select(col("word").alias("key"), col("count").cast("string").alias("value"))
        .writeStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("topic", cfg["updatesTopic"])
        .outputMode("update")
        .option("checkpointLocation", os.path.join(workdir, "cp-wordcount-update"))
        .trigger(availableNow=True)
        .start()
    )
    q.awaitTermination()
    return {"batches": [p["numInputRows"] for p in progress_dicts(q)]}


def windows(spark, bootstrap, workdir, cfg):
    out = os.path.join(workdir, "windows")
    events = (
        stream(spark, bootstrap, cfg["events"], cfg["maxOffsetsPerTrigger"])
        .select(from_json(col("value").cast("string"), cfg["eventSchema"]).alias("e"))
        .select("e.*")
        .withWatermark("ts", cfg["watermark"])
        .groupBy(window(col("ts"), cfg["window"]), col("sensor"))
        .agg(count("*").alias("n"), sum_("reading").alias("total"))
    )
    q = (
        events.select(col("window.start").alias("window_start"), col("window.end").alias("window_end"), "sensor", "n", "total")
        .writeStream.format("parquet")
        .outputMode("append")
        .option("checkpointLocation", os.path.join(workdir, "cp-windows"))
        .trigger(availableNow=True)
        .start(out)
    )
    q.awaitTermination()
    progress = progress_dicts(q)
    rows = spark.read.parquet(out).selectExpr("unix_millis(window_start)", "unix_millis(window_end)", "sensor", "n", "total").collect()
    return {
        "rows": sorted([r[0], r[1], r[2], r[3], r[4]] for r in rows),
        "batches": [p["numInputRows"] for p in progress],
        "dropped": sum(op.get("numRowsDroppedByWatermark", 0) for p in progress for op in p.get("stateOperators", [])),
    }


QUERIES = {"wordcount-complete": wordcount_complete, "wordcount-update": wordcount_update, "windows": windows}


def main() -> None:
    bootstrap, workdir, cfg_json = sys.argv[1:4]
    cfg = json.loads(cfg_json)
    spark = SparkSession.builder.appName("weir-harness-streaming").getOrCreate()
    try:
        for name, fn in QUERIES.items():
            try:
                out = {"query": name, **fn(spark, bootstrap, workdir, cfg)}
            except Exception as e:  # noqa: BLE001 - reported to the test, which fails with it
                out = {"query": name, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-3000:]}
            print(json.dumps(out), flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
