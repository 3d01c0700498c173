"""Runs the stream-stream joins of test/harness/spark-join.test.ts in PySpark Structured
Streaming, each with Trigger.AvailableNow over two Kafka topics (of a Weir broker), and prints
one JSON line per query, so that Weir's results can be compared with Spark's.

usage: stream_join.py BOOTSTRAP WORKDIR CONFIG_JSON

CONFIG_JSON: {"impressions": topic, "clicks": topic, "impressionSchema": DDL, "clickSchema": DDL,
              "maxOffsetsPerTrigger": n, "watermark": "15 seconds", "condition": SQL,
              "joins": ["inner", "leftOuter", ...]}

Each query: impressions.withWatermark(impTime) JOIN clicks.withWatermark(clickTime) ON
condition, in append mode into the memory sink.

Output, one line per join type:
  {"query": join type, "rows": [[adId, impMs, clickAdId, clickMs], ...] (nulls as null, sorted),
   "batches": [numInputRows of each batch], "dropped": numRowsDroppedByWatermark summed,
   "stateRows": numRowsTotal after the last batch}
or {"query": join type, "error": "..."} when Spark failed it.
"""
import json
import os
import sys
import traceback

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, expr, from_json


def progress_dicts(query) -> list:
    """recentProgress as plain dicts (PySpark 4 returns StreamingQueryProgress objects)."""
    return [p if isinstance(p, dict) else json.loads(p.json) for p in query.recentProgress]


def stream(spark, bootstrap, topic, schema, time_col, cfg):
    return (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("maxOffsetsPerTrigger", str(cfg["maxOffsetsPerTrigger"]))
        .load()
        .select(from_json(col("value").cast("string"), schema).alias("e"))
        .select("e.*")
        .withWatermark(time_col, cfg["watermark"])
    )


def run_join(spark, bootstrap, workdir, cfg, how):
    imps = stream(spark, bootstrap, cfg["impressions"], cfg["impressionSchema"], "impTime", cfg)
    clicks = stream(spark, bootstrap, cfg["clicks"], cfg["clickSchema"], "clickTime", cfg)
    name = "joined_" + how
    q = (
        imps.join(clicks, expr(cfg["condition"]), how)
        .writeStream.format("memory")
        .queryName(name)
        .outputMode("append")
        .option("checkpointLocation", os.path.join(workdir, "cp-" + how))
        .trigger(availableNow=True)
        .start()
    )
    q.awaitTermination()
    progress = progress_dicts(q)
    table = spark.table(name).selectExpr("adId", "unix_millis(impTime) AS imp", "clickAdId", "unix_millis(clickTime) AS click")
    rows = [[r["adId"], r["imp"], r["clickAdId"], r["click"]] for r in table.collect()]
    rows.sort(key=lambda r: (r[0] or "", r[1] or -1, r[2] or "", r[3] or -1))
    last_ops = progress[-1].get("stateOperators", []) if progress else []
    return {
        "rows": rows,
        "batches": [p["numInputRows"] for p in progress],
        "dropped": sum(op.get("numRowsDroppedByWatermark", 0) for p in progress for op in p.get("stateOperators", [])),
        "stateRows": sum(op.get("numRowsTotal", 0) for op in last_ops),
    }


def main() -> None:
    bootstrap, workdir, cfg_json = sys.argv[1:4]
    cfg = json.loads(cfg_json)
    spark = SparkSession.builder.appName("weir-harness-stream-join").getOrCreate()
    try:
        for how in cfg["joins"]:
            try:
                out = {"query": how, **run_join(spark, bootstrap, workdir, cfg, how)}
            except Exception as e:  # noqa: BLE001 - reported to the test, which fails with it
                out = {"query": how, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-3000:]}
            print(json.dumps(out), flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
