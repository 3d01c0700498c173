"""Runs the reads and queries of test/harness/spark-engine.test.ts with Spark's Kafka source in one
Spark session, printing one JSON line per case, so that Weir's engine can be compared with Spark
answer for answer.

usage: engine_reads.py BOOTSTRAP CASES_JSON

CASES_JSON is a list of {"name": str, "kind": "rows" | "category-counts" | "strings" | "sessions", "options": {...}},
a "rows" case optionally with "where": a SQL condition applied with df.filter() after load().
Every read gets kafka.bootstrap.servers and exactly the options of its case (includeHeaders only
when the case sets it). Output, one line per case, in order:

  kind "rows":            {"case": name, "schema": "<simpleString>", "rows": [[topic, partition,
                           offset, key_hex, value_hex, timestamp_ms, timestamp_type,
                           [[header_key, header_value_hex], ...] or null], ...]}
  kind "category-counts": {"case": name, "schema": "<simpleString>", "rows": [[category, count], ...]}
                          for load().select(from_json(value as string, EVENT_SCHEMA) AS e)
                                 .groupBy("e.category").count()
  kind "strings":         {"case": name, "schema": ..., "rows": [[topic, partition, offset,
                           CAST(key AS STRING), CAST(value AS STRING)], ...]}
  kind "sessions":        {"case": name, "schema": ..., "rows": [[category, start_ms, end_ms, count], ...]}
                          for from_json + groupBy(session_window(timestamp, 40 ms for books else
                          15 ms), category).count(), sorted by category (null first) and start
  a refused read:         {"case": name, "error": "<exception>: <message, first line>"}

Each case line also carries "ms", the wall time of the case (load, query and collect), "cpuMs",
the CPU time the Spark JVM (this script's parent) and this script used meanwhile (Linux only), and a
first line {"session": {"readyMs": ...}} gives the time from the start of this script to a
ready SparkSession (bench/engine.ts reports both apart from the JVM's own start).

Rows are sorted (by topic, partition, offset; categories with null first); bytes print as hex so
any byte sequence compares exactly, null keys, values and header values as null, and headers as
null when the read has no headers column.
"""
import json
import os
import sys
import time

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

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, count, from_json, session_window, when

# The DDL the TypeScript side passes to Weir's from_json as well.
EVENT_SCHEMA = "customer STRING, product STRING, category STRING, ts BIGINT"


def reader(spark: SparkSession, bootstrap: str, options: dict):
    r = spark.read.format("kafka").option("kafka.bootstrap.servers", bootstrap)
    for k, v in options.items():
        r = r.option(k, v if isinstance(v, str) else json.dumps(v))
    return r


def read_rows(spark: SparkSession, bootstrap: str, options: dict, where: str = None) -> dict:
    df = reader(spark, bootstrap, options).load()
    if where is not None:
        df = df.filter(where)
    has_headers = "headers" in df.columns
    projection = [
        "topic",
        "partition",
        "offset",
        "hex(key) AS key",
        "hex(value) AS value",
        "unix_millis(timestamp) AS ts",
        "timestampType",
        "transform(headers, h -> struct(h.key AS k, hex(h.value) AS v)) AS headers" if has_headers else "NULL AS headers",
    ]
    rows = df.selectExpr(*projection).orderBy("topic", "partition", "offset").collect()
    return {
        "schema": df.schema.simpleString(),
        "rows": [
            [
                r["topic"],
                r["partition"],
                r["offset"],
                r["key"],
                r["value"],
                r["ts"],
                r["timestampType"],
                None if r["headers"] is None else [[h["k"], h["v"]] for h in r["headers"]],
            ]
            for r in rows
        ],
    }


def category_counts(spark: SparkSession, bootstrap: str, options: dict) -> dict:
    df = (
        reader(spark, bootstrap, options)
        .load()
        .select(from_json(col("value").cast("string"), EVENT_SCHEMA).alias("e"))
        .groupBy("e.category")
        .count()
    )
    # Sorted here rather than with orderBy, which would add a stage (and a sampling job) to what
    # bench/engine.ts times; Python orders str by code point, as Spark orders UTF-8 strings.
    rows = sorted(([r[0], r[1]] for r in df.collect()), key=lambda r: (r[0] is not None, r[0] or ""))
    return {"schema": df.schema.simpleString(), "rows": rows}


def error_summary(e: Exception) -> str:
    """The JVM exception's class and message when there is one (Py4J wraps it), else Python's."""
    java = getattr(e, "java_exception", None)
    if java is not None:
        text = java.toString()
    else:
        text = str(e)
    lines = [l.strip() for l in text.strip().splitlines() if l.strip() and not l.startswith("An error occurred")]
    first = lines[0] if lines else ""
    if java is None and not first.startswith(type(e).__name__):
        first = f"{type(e).__name__}: {first}"
    return first[:400]


def strings(spark: SparkSession, bootstrap: str, options: dict) -> dict:
    df = reader(spark, bootstrap, options).load().selectExpr(
        "topic", "partition", "offset", "CAST(key AS STRING) AS key", "CAST(value AS STRING) AS value"
    )
    rows = df.orderBy("topic", "partition", "offset").collect()
    return {"schema": df.schema.simpleString(), "rows": [[r[0], r[1], r[2], r[3], r[4]] for r in rows]}


def sessions(spark: SparkSession, bootstrap: str, options: dict) -> dict:
    """Session windows over the records' timestamps, a gap per row (40 ms for books, else 15 ms)."""
    gap = when(col("e.category") == "books", "40 milliseconds").otherwise("15 milliseconds")
    df = (
        reader(spark, bootstrap, options)
        .load()
        .select(from_json(col("value").cast("string"), EVENT_SCHEMA).alias("e"), col("timestamp"))
        .groupBy(session_window("timestamp", gap), col("e.category").alias("category"))
        .agg(count("*").alias("n"))
    )
    cells = df.selectExpr("category", "unix_millis(session_window.start) AS s", "unix_millis(session_window.end) AS e", "n").collect()
    rows = sorted(([r[0], r[1], r[2], r[3]] for r in cells), key=lambda r: (r[0] is not None, r[0] or "", r[1]))
    return {"schema": df.schema.simpleString(), "rows": rows}


KINDS = {"rows": read_rows, "category-counts": category_counts, "strings": strings, "sessions": sessions}


def main() -> None:
    bootstrap, cases_json = sys.argv[1:3]
    cases = json.loads(cases_json)
    spark = SparkSession.builder.appName("weir-harness-engine-reads").getOrCreate()
    print(json.dumps({"session": {"readyMs": (time.perf_counter() - STARTED) * 1000}}), flush=True)
    try:
        for case in cases:
            t0 = time.perf_counter()
            c0 = cpu_ms()
            try:
                extra = {"where": case["where"]} if "where" in case else {}
                out = {"case": case["name"], **KINDS[case["kind"]](spark, bootstrap, case["options"], **extra)}
            except Exception as e:  # noqa: BLE001 - a refused read is a result to compare
                out = {"case": case["name"], "error": error_summary(e)}
            out["ms"] = (time.perf_counter() - t0) * 1000
            c1 = cpu_ms()
            out["cpuMs"] = None if c0 is None or c1 is None else c1 - c0
            print(json.dumps(out), flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
