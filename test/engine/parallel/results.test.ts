/**
 * Aggregations over Kafka topics run on worker threads give exactly what the calling thread
 * gives: the same rows in the same order with the same types, for grouping keys of every type,
 * nulls, filters, from_json in both modes, every kind of aggregate, compressed batches,
 * transaction markers, empty partitions, one partition and more partitions than workers.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { col, count, expr, from_json, lit, max, min, sum, avg, first, last, countDistinct, collect_list, collect_set, approx_count_distinct, stddev, variance, bool_and, bool_or, count_if, date_trunc, to_date, size, zscore } from "../../../src/index.js";
import { SCHEMA, kafka, openSessions, same, seed, type Sessions } from "./fixtures.js";

describe("parallel aggregation gives the single-thread results", () => {
  let s: Sessions;
  before(async () => {
    s = await openSessions(2);
    await seed(s);
  });
  after(async () => {
    await s.close();
  });

  const events = async (w: Parameters<typeof kafka>[0], topic = "ev", options: Record<string, string> = {}) =>
    (await kafka(w, topic, options)).select(from_json(col("value").cast("string"), SCHEMA).alias("e"), "key", "partition", "offset", "timestamp");

  it("a count by a string field (the benchmark's query)", async () => {
    const r = await same(s, async (w) => (await events(w)).groupBy("e.s").count());
    assert.ok(r.ok && r.rows.length > 3);
    const total = r.ok ? r.rows.reduce((n, x) => n + (x.count as number), 0) : 0;
    assert.equal(total, 600 + 400 + 300 + 200);
  });

  it("numeric aggregates by an int key, with nulls in keys and values", async () => {
    await same(s, async (w) =>
      (await events(w))
        .groupBy(expr("e.i % 7").alias("m"))
        .agg(count("*"), count("e.d"), sum("e.i"), sum("e.l"), avg("e.d"), min("e.d"), max("e.l"), stddev("e.d"), variance("e.i"), zscore("e.d")),
    );
  });

  it("grouping keys of each type: string, bigint, double, boolean, timestamp, date, binary, int", async () => {
    for (const key of ["e.s", "e.l", "e.d", "e.b", "e.t", "key", "partition"]) await same(s, async (w) => (await events(w)).groupBy(key).agg(count("*"), min("offset")));
    await same(s, async (w) => (await events(w)).groupBy(date_trunc("hour", col("e.t")).alias("h"), to_date(col("timestamp")).alias("day")).agg(count("*"), max("e.t")));
  });

  it("several keys, with a filter in between and a FILTER clause", async () => {
    await same(s, async (w) =>
      (await events(w))
        .where(col("e.i").gt(-500).or(col("e.s").isNull()))
        .groupBy("e.s", "e.b", "partition")
        .agg(count("*"), count_if(col("e.d").gt(500)), expr("sum(e.i) FILTER (WHERE e.b)").alias("fsum"), first("e.i"), last("offset")),
    );
  });

  it("min, max, first and last of binary and string values; distinct and collecting aggregates", async () => {
    await same(s, async (w) =>
      (await events(w))
        .groupBy("e.b")
        .agg(min("key"), max("key"), first("key"), last("e.s"), countDistinct("e.s"), collect_set("e.s"), collect_list("e.i"), approx_count_distinct("e.l"), bool_and(col("e.i").gt(0)), bool_or(col("e.d").lt(1))),
    );
    await same(s, async (w) => (await events(w)).groupBy("e.s").agg(expr("max_by(offset, e.d)"), expr("min_by(key, e.i)"), expr("first(e.d, true)"), expr("sum(DISTINCT e.i % 10)")));
  });

  it("a global aggregate, also over no rows at all", async () => {
    await same(s, async (w) => (await events(w)).agg(count("*"), sum("e.i"), max("e.s"), avg("e.d")));
    await same(s, async (w) => (await events(w)).where(col("e.i").gt(100_000)).agg(count("*"), sum("e.i"), min("key")));
    await same(s, async (w) => (await events(w)).where(col("e.i").gt(100_000)).groupBy("e.s").count());
  });

  it("PERMISSIVE from_json: malformed records give null fields and their text", async () => {
    const r = await same(s, async (w) =>
      (await kafka(w, "ev"))
        .select(from_json(col("value").cast("string"), `${SCHEMA}, _corrupt_record STRING`).alias("e"))
        .groupBy(col("e._corrupt_record").isNotNull().alias("bad"), "e.s")
        .agg(count("*"), max("e._corrupt_record")),
    );
    assert.ok(r.ok && r.rows.some((x) => x.bad === true));
  });

  it("headers, the raw value and pushed filters on partition and offset", async () => {
    await same(s, async (w) =>
      (await kafka(w, "ev", { includeHeaders: "true" }))
        .where(col("partition").isin(0, 1, 4).and(col("offset").geq(50)))
        .groupBy(size(col("headers")).alias("n"), col("partition"))
        .agg(count("*"), min(col("value")), max("timestamp")),
    );
  });

  it("starting and ending offsets, and a single partition by assign", async () => {
    await same(s, async (w) => (await events(w, "ev", { startingOffsets: '{"ev":{"0":10,"1":-2,"2":-2,"3":5,"4":-2}}', endingOffsets: '{"ev":{"0":500,"1":399,"2":-1,"3":-1,"4":150}}' })).groupBy("partition").agg(count("*"), min("offset"), max("offset")));
    await same(s, async (w) => (await w.read.format("kafka").option("assign", '{"ev":[4]}').load()).groupBy("key").agg(count("*"), max("offset")));
  });

  it("one partition, and more partitions than workers (some empty)", async () => {
    await same(s, async (w) => (await events(w, "one")).groupBy("e.s").agg(count("*"), sum("e.l")));
    const r = await same(s, async (w) => (await events(w, "many")).groupBy("partition").agg(count("*"), sum("e.i")));
    assert.ok(r.ok && r.rows.length === 9);
    await same(s, async (w) => (await events(w, "many")).groupBy("e.s").agg(count("*"), first("partition"), last("offset")));
  });

  it("a project above a filter above a project, with literal values of several types", async () => {
    await same(s, async (w) =>
      (await events(w))
        .select(col("e.s").alias("s"), col("e.i").plus(lit(1)).alias("i1"), col("key"), lit(Buffer.from("x")).alias("bx"))
        .where(col("i1").isNotNull())
        .select(expr("concat(coalesce(s, 'none'), '-', cast(i1 % 3 as string))").alias("g"), "key", "bx")
        .groupBy("g", "bx")
        .agg(count("*"), max("key")),
    );
  });

  it("a user-defined function keeps the query on the calling thread, with the same result", async () => {
    const { udf } = await import("../../../src/index.js");
    const twice = udf((x: number | null) => (x === null ? null : x * 2), "int");
    await same(s, async (w) => (await events(w)).groupBy(twice(col("e.i")).alias("t")).count(), false);
  });
});
