"""PySpark's side of `npm run bench:stream` (bench/stream.ts): Structured Streaming queries over
topics of a Weir broker, timed, in one Spark session (master local[2], as the harness runs it).

usage: streaming_bench.py BOOTSTRAP WORKDIR CONFIG_JSON

CONFIG_JSON: {"phases": ["throughput", "latency"],
              "lines": topic, "events": topic, "eventSchema": DDL, "maxOffsetsPerTrigger": n,
              "wordCountTopic": topic the throughput word count writes to,
              "latencyLines": topic, "latencyTopic": topic the latency word count writes to}

Phase "throughput": each query runs with Trigger.AvailableNow over a preloaded topic, reading at
most maxOffsetsPerTrigger records per batch:
  wordcount  lines -> explode(split(value, " ")) -> groupBy(word).count(), update mode, Kafka sink
  windows    events -> from_json -> withWatermark(ts, "10 seconds")
             -> groupBy(window(ts, "10 seconds"), sensor).agg(count(*), avg(reading)),
             append mode, Parquet files in WORKDIR
and prints {"phase": "throughput", "query": name, "ms": wall time from start() to the end,
"cpuMs": CPU time of the JVM and this script meanwhile (Linux), "rows": input rows,
"batches": number of batches, "outputRows": rows written}.

Phase "latency": the word count over latencyLines with the default trigger (each batch as soon
as the previous one ends), update mode, Kafka sink to latencyTopic, starting at the latest
offsets. It writes WORKDIR/ready once the query runs, waits for WORKDIR/stop (the bench's
producer is then done), processes what is left (processAllAvailable), stops, and prints one line
per batch: {"phase": "latency", "batchId": n, "timestamp": ISO start of the trigger,
"triggerExecutionMs": n, "numInputRows": n, "endOffset": {...}}.

A first line {"session": {"readyMs": ...}} gives the time from the start of this script to a
ready SparkSession. A failure prints {"error": "..."} and exits 1.
"""
import json
import os
import sys
import time
import traceback

STARTED = time.perf_counter()


def cpu_ms():
    """CPU time (user + system) of the JVM that started this script, plus this script's own, ms."""
    try:
        with open(f"/proc/{os.getppid()}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        jvm = (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    t = os.times()
    return jvm + (t.user + t.system) * 1000


from pyspark.sql import SparkSession  # noqa: E402 - after STARTED, so the import is timed too
from pyspark.sql.functions import avg, col, count, explode, from_json, split, window  # noqa: E402


def progress_dicts(query) -> list:
    """Every batch's progress as the JVM renders it: PySpark 4's StreamingQueryProgress objects
    keep a source's offsets as Python strings, while the JVM's JSON has them as JSON objects."""
    return [json.loads(p.json()) for p in query._jsq.recentProgress()]


def kafka_stream(spark, bootstrap, topic, starting, max_offsets=None):
    r = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", starting)
    )
    if max_offsets is not None:
        r = r.option("maxOffsetsPerTrigger", str(max_offsets))
    return r.load()


def word_count_to_kafka(lines, bootstrap, topic, checkpoint):
    return (
        lines.select(explode(split(col("value").cast("string"), " ")).alias("word"))
        .groupBy("word")
        .count()
        .select(col("word").alias("key"), col("count").cast("string").alias("value"))
        .writeStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("topic", topic)
        .outputMode("update")
        .option("checkpointLocation", checkpoint)
    )


def timed(name, start_query):
    c0 = cpu_ms()
    t0 = time.perf_counter()
    q = start_query()
    q.awaitTermination()
    ms = (time.perf_counter() - t0) * 1000
    c1 = cpu_ms()
    progress = progress_dicts(q)
    print(
        json.dumps(
            {
                "phase": "throughput",
                "query": name,
                "ms": ms,
                "cpuMs": None if c0 is None or c1 is None else c1 - c0,
                "rows": sum(p["numInputRows"] for p in progress),
                "batches": len(progress),
                "outputRows": sum(p["sink"].get("numOutputRows", 0) for p in progress),
            }
        ),
        flush=True,
    )


def throughput(spark, bootstrap, workdir, cfg):
    m = cfg["maxOffsetsPerTrigger"]
    timed(
        "wordcount",
        lambda: word_count_to_kafka(
            kafka_stream(spark, bootstrap, cfg["lines"], "earliest", m), bootstrap, cfg["wordCountTopic"], os.path.join(workdir, "cp-wordcount")
        )
        .trigger(availableNow=True)
        .start(),
    )

    def windows():
        events = (
            kafka_stream(spark, bootstrap, cfg["events"], "earliest", m)
            .select(from_json(col("value").cast("string"), cfg["eventSchema"]).alias("e"))
            .select("e.*")
            .withWatermark("ts", "10 seconds")
            .groupBy(window(col("ts"), "10 seconds"), col("sensor"))
            .agg(count("*").alias("n"), avg("reading").alias("avg_reading"))
        )
        return (
            events.select(col("window.start").alias("window_start"), col("window.end").alias("window_end"), "sensor", "n", "avg_reading")
            .writeStream.format("parquet")
            .outputMode("append")
            .option("checkpointLocation", os.path.join(workdir, "cp-windows"))
            .trigger(availableNow=True)
            .start(os.path.join(workdir, "windows"))
        )

    timed("windows", windows)


def latency(spark, bootstrap, workdir, cfg):
    q = word_count_to_kafka(
        kafka_stream(spark, bootstrap, cfg["latencyLines"], "latest"), bootstrap, cfg["latencyTopic"], os.path.join(workdir, "cp-latency")
    ).start()
    # The first trigger resolves the starting offsets; the bench produces after that.
    while not q.recentProgress and q.isActive:
        time.sleep(0.05)
    open(os.path.join(workdir, "ready"), "w").close()
    stop = os.path.join(workdir, "stop")
    while not os.path.exists(stop):
        if q.exception() is not None:
            raise q.exception()
        time.sleep(0.05)
    q.processAllAvailable()
    q.stop()
    for p in progress_dicts(q):
        print(
            json.dumps(
                {
                    "phase": "latency",
                    "batchId": p["batchId"],
                    "timestamp": p["timestamp"],
                    "triggerExecutionMs": p["durationMs"].get("triggerExecution"),
                    "numInputRows": p["numInputRows"],
                    "endOffset": p["sources"][0]["endOffset"],
                }
            ),
            flush=True,
        )


def main() -> None:
    bootstrap, workdir, cfg_json = sys.argv[1:4]
    cfg = json.loads(cfg_json)
    spark = (
        SparkSession.builder.appName("weir-bench-stream")
        # Every batch's progress, not only the last 100 (the latency phase runs hundreds).
        .config("spark.sql.streaming.numRecentProgressUpdates", "100000")
        .getOrCreate()
    )
    print(json.dumps({"session": {"readyMs": (time.perf_counter() - STARTED) * 1000}}), flush=True)
    try:
        if "throughput" in cfg["phases"]:
            throughput(spark, bootstrap, workdir, cfg)
        if "latency" in cfg["phases"]:
            latency(spark, bootstrap, workdir, cfg)
    except Exception as e:  # noqa: BLE001 - reported to the bench
        print(json.dumps({"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-3000:]}), flush=True)
        sys.exit(1)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
