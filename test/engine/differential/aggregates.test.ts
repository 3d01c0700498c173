/**
 * Aggregations, differential against DuckDB: groupBy on one and several keys (with null keys),
 * global aggregates, empty input, all-null groups, distinct aggregates, sorted collect_list /
 * collect_set, and first/last where they are deterministic.
 */
import { describe } from "node:test";
import {
  avg,
  col,
  collect_list,
  collect_set,
  count,
  countDistinct,
  expr,
  first,
  last,
  lit,
  max,
  mean,
  min,
  size,
  stddev,
  sum,
  sum_distinct,
  upper,
  variance,
} from "../../../src/index.js";
import { FACT_DDL, factTable, type FactRow, type Gen } from "./gen.js";
import type { DiffEnv } from "./oracle.js";
import { allOf, eachSeed, useDiffEnv } from "./oracle.js";

let env: DiffEnv;
useDiffEnv((e) => (env = e));

/** The aggregates every grouping test computes, in Weir and (same order, same names) in SQL. */
const AGGS = () => [
  count("*").alias("n"),
  count("amount").alias("n_amount"),
  sum("amount").alias("s_amount"),
  avg("amount").alias("avg_amount"),
  min("amount").alias("min_amount"),
  max("amount").alias("max_amount"),
  sum("big").alias("s_big"),
  sum("price").alias("s_price"),
  avg("price").alias("avg_price"),
  min("name").alias("min_name"),
  max("name").alias("max_name"),
  min("ts").alias("min_ts"),
  max("ts").alias("max_ts"),
  countDistinct("k2").alias("d_k2"),
];
const AGGS_SQL = `count(*) AS n, count(amount) AS n_amount, sum(amount) AS s_amount, avg(amount) AS avg_amount,
  min(amount) AS min_amount, max(amount) AS max_amount, sum(big) AS s_big, sum(price) AS s_price,
  avg(price) AS avg_price, min(name) AS min_name, max(name) AS max_name, min(ts) AS min_ts, max(ts) AS max_ts,
  count(DISTINCT k2) AS d_k2`;

function facts(g: Gen, n: number, opts?: Parameters<typeof factTable>[2]): { ddl: string; rows: FactRow[] } {
  return { ddl: FACT_DDL, rows: factTable(g, n, opts) };
}

describe("differential: aggregates", () => {
  eachSeed("groupBy one string key with null keys", async (g) => {
    const { t } = await env.tables({ t: facts(g, 1500) });
    await env.check(t.groupBy("k1").agg(...AGGS()), `SELECT k1, ${AGGS_SQL} FROM t GROUP BY k1`);
  });

  eachSeed("groupBy two keys (string, int) incl. negative and null", async (g) => {
    const { t } = await env.tables({ t: facts(g, 2000) });
    await env.check(t.groupBy("k1", "k2").agg(...AGGS()), `SELECT k1, k2, ${AGGS_SQL} FROM t GROUP BY k1, k2`);
  });

  eachSeed("groupBy a boolean and an expression key", async (g) => {
    const { t } = await env.tables({ t: facts(g, 1000) });
    // Spark's % keeps the dividend's sign (-3 % 2 = -1), as DuckDB's does.
    await env.check(
      t.groupBy(col("flag"), col("k2").mod(2).alias("parity")).agg(count("*").alias("n"), sum("amount").alias("s")),
      `SELECT flag, k2 % 2 AS parity, count(*) AS n, sum(amount) AS s FROM t GROUP BY flag, k2 % 2`,
    );
  });

  eachSeed("global aggregate", async (g) => {
    const { t } = await env.tables({ t: facts(g, 1200) });
    await env.check(t.agg(...AGGS()), `SELECT ${AGGS_SQL} FROM t`);
    await env.check(t.groupBy().agg(...AGGS()), `SELECT ${AGGS_SQL} FROM t`, { label: "groupBy() with no keys" });
  });

  eachSeed("global aggregate over empty input gives one row (count 0, others null)", async (g) => {
    const { t, e } = await env.tables({ t: facts(g, 50), e: { ddl: FACT_DDL, rows: [] } });
    await env.check(e.agg(...AGGS()), `SELECT ${AGGS_SQL} FROM e`, { label: "empty createDataFrame" });
    await env.check(t.filter(lit(false)).agg(...AGGS()), `SELECT ${AGGS_SQL} FROM t WHERE false`, { label: "everything filtered out" });
    await env.check(t.filter(col("amount").gt(5000)).agg(...AGGS()), `SELECT ${AGGS_SQL} FROM t WHERE amount > 5000`);
  });

  eachSeed("groupBy over empty input gives no rows", async (g) => {
    const { t } = await env.tables({ t: facts(g, 50) });
    await env.check(t.filter(col("id").lt(0)).groupBy("k1").agg(...AGGS()), `SELECT k1, ${AGGS_SQL} FROM t WHERE id < 0 GROUP BY k1`);
  });

  eachSeed("all-null groups: sum/avg/min/max null, count 0", async (g) => {
    // Every column but k1 is null in half of the keys' rows: those keys form all-null groups.
    const rows = factTable(g, 800, { nullRate: 0.05 }).map((r) => (r.k1 === null || r.k1 < "b" ? r : { ...r, amount: null, big: null, price: null, name: null, ts: null, k2: null }));
    const { t } = await env.tables({ t: { ddl: FACT_DDL, rows } });
    await env.check(t.groupBy("k1").agg(...AGGS()), `SELECT k1, ${AGGS_SQL} FROM t GROUP BY k1`);
  });

  eachSeed("count distinct on one and several columns", async (g) => {
    const { t } = await env.tables({ t: facts(g, 1500) });
    // count(DISTINCT a, b) counts the distinct tuples with no null member (Spark and SQL alike);
    // DuckDB's count takes one argument, so the oracle counts distinct non-null tuples itself.
    await env.check(
      t.groupBy("flag").agg(countDistinct("k1").alias("d1"), countDistinct("k1", "k2").alias("d12"), countDistinct("name").alias("dn")),
      `SELECT flag, count(DISTINCT k1) AS d1,
         count(DISTINCT CASE WHEN k1 IS NOT NULL AND k2 IS NOT NULL THEN k1 || '\u0001' || k2 END) AS d12,
         count(DISTINCT name) AS dn
       FROM t GROUP BY flag`,
    );
    await env.check(
      t.agg(expr("count(DISTINCT k1, k2)").alias("d12"), expr("count(DISTINCT amount)").alias("da")),
      `SELECT count(DISTINCT CASE WHEN k1 IS NOT NULL AND k2 IS NOT NULL THEN k1 || '\u0001' || k2 END) AS d12, count(DISTINCT amount) AS da FROM t`,
      { label: "count(DISTINCT ...) through expr()" },
    );
  });

  eachSeed("sorted collect_list and collect_set skip nulls", async (g) => {
    const { t } = await env.tables({ t: facts(g, 600, { k2Range: 30 }) });
    // Spark's collect_list/collect_set skip nulls and give [] for a group of nulls only; DuckDB's
    // list() keeps nulls and gives NULL for an empty FILTER, hence the FILTER and the COALESCE.
    // Both sort strings by UTF-8 bytes (sort_array / list_sort).
    await env.check(
      // sort_array has no builder in functions.ts yet, hence expr() for it.
      t.groupBy("k1").agg(
        expr("sort_array(collect_list(name))").alias("names"),
        expr("sort_array(collect_list(k2))").alias("k2s"),
        expr("sort_array(collect_set(k2))").alias("k2set"),
        expr("sort_array(collect_list(amount), false)").alias("amounts_desc"),
        size(collect_list("k2")).alias("n_k2"),
        size(collect_set("name")).alias("nd_name"),
      ),
      `SELECT k1,
         COALESCE(list_sort(list(name) FILTER (WHERE name IS NOT NULL)), []) AS names,
         COALESCE(list_sort(list(k2) FILTER (WHERE k2 IS NOT NULL)), []) AS k2s,
         COALESCE(list_sort(list(DISTINCT k2) FILTER (WHERE k2 IS NOT NULL)), []) AS k2set,
         COALESCE(list_reverse_sort(list(amount) FILTER (WHERE amount IS NOT NULL)), []) AS amounts_desc,
         count(k2) AS n_k2, count(DISTINCT name) AS nd_name
       FROM t GROUP BY k1`,
    );
  });

  eachSeed("first/last where deterministic (value functionally dependent on the key)", async (g) => {
    const { t } = await env.tables({ t: facts(g, 800) });
    await env.check(
      t.groupBy("k1").agg(first("k1").alias("f"), last("k1").alias("l"), first(upper(col("k1"))).alias("fu")),
      `SELECT k1, k1 AS f, k1 AS l, upper(k1) AS fu FROM t GROUP BY k1`,
    );
    // With ignoreNulls, a group whose non-null values are all equal has one answer: that value.
    const rows = factTable(g, 500).map((r) => ({ ...r, name: r.name === null ? null : `n-${r.k2}` }));
    const { u } = await env.tables({ u: { ddl: FACT_DDL, rows } });
    await env.check(
      u.groupBy("k2").agg(first("name", true).alias("f"), last("name", true).alias("l")),
      `SELECT k2, max(name) AS f, max(name) AS l FROM u GROUP BY k2`,
      { label: "first/last with ignoreNulls" },
    );
  });

  eachSeed("aggregates written as SQL expressions (agg(expr), selectExpr)", async (g) => {
    const { t } = await env.tables({ t: facts(g, 1000) });
    await env.check(
      t.groupBy("k2").agg(expr("sum(amount) AS s"), expr("avg(price * 2) AS a2"), expr("max(length(name)) AS ml")),
      `SELECT k2, sum(amount) AS s, avg(price * 2) AS a2, max(length(name)) AS ml FROM t GROUP BY k2`,
    );
    await env.check(
      t.selectExpr("sum(amount) AS s", "min(k1) AS mk", "count(1) AS n"),
      `SELECT sum(amount) AS s, min(k1) AS mk, count(1) AS n FROM t`,
      { label: "selectExpr global aggregate" },
    );
    await env.check(
      t.groupBy("k1").agg(expr("count(*) FILTER (WHERE flag) AS nf"), expr("sum(amount) FILTER (WHERE k2 > 0) AS sp")),
      `SELECT k1, count(*) FILTER (WHERE flag) AS nf, sum(amount) FILTER (WHERE k2 > 0) AS sp FROM t GROUP BY k1`,
      { label: "aggregate FILTER (WHERE ...) clause" },
    );
  });

  eachSeed("HAVING-style filter and arithmetic over aggregates", async (g) => {
    const { t } = await env.tables({ t: facts(g, 1500) });
    await env.check(
      t
        .groupBy("k1", "k2")
        .agg(sum("amount").alias("s"), count("*").alias("n"))
        .filter(col("n").gt(3).and(col("s").lt(0)))
        .withColumn("mean", col("s").divide(col("n"))),
      `SELECT k1, k2, s, n, s / n AS mean FROM (SELECT k1, k2, sum(amount) AS s, count(*) AS n FROM t GROUP BY k1, k2) WHERE n > 3 AND s < 0`,
    );
  });

  eachSeed("aggregate over several input partitions (union) merges partial states", async (g) => {
    const a = facts(g, 700);
    const b = facts(g, 500);
    const c = facts(g, 300);
    const { ta, tb, tc } = await env.tables({ ta: a, tb: b, tc: c });
    await env.check(
      ta.union(tb).union(tc).groupBy("k1").agg(...AGGS()),
      `SELECT k1, ${AGGS_SQL} FROM (SELECT * FROM ta UNION ALL SELECT * FROM tb UNION ALL SELECT * FROM tc) GROUP BY k1`,
    );
  });

  eachSeed("boolean and statistical aggregates, sum_distinct, mean", async (g) => {
    const { t } = await env.tables({ t: facts(g, 1500) });
    // stddev/variance are the sample versions; a group of one value gives null (Spark 3+ and DuckDB).
    await allOf([
      () =>
        env.check(
          t.groupBy("k1").agg(
            min("flag").alias("min_flag"),
            max("flag").alias("max_flag"),
            stddev("amount").alias("sd"),
            variance("price").alias("var"),
            sum_distinct(col("k2")).alias("sd_k2"),
            mean("amount").alias("mean"),
          ),
          `SELECT k1, min(flag) AS min_flag, max(flag) AS max_flag, stddev_samp(amount) AS sd, var_samp(price) AS "var",
             sum(DISTINCT k2) AS sd_k2, avg(amount) AS "mean"
           FROM t GROUP BY k1`,
        ),
      () =>
        env.check(
          t.groupBy("id").agg(stddev("amount").alias("sd")).filter(col("id").lt(50)),
          `SELECT id, stddev_samp(amount) AS sd FROM t WHERE id < 50 GROUP BY id`,
          { label: "stddev of a single value is null" },
        ),
      ...(["count_if", "bool_and", "bool_or"] as const).map(
        (fn) => () => env.check(t.groupBy("k1").agg(expr(`${fn}(flag)`).alias("v")), `SELECT k1, ${fn}(flag) AS v FROM t GROUP BY k1`, { label: fn }),
      ),
    ]);
  });

  eachSeed("grouping keys -0.0 and 0.0 are one group", async (g) => {
    const { t } = await env.tables({ t: facts(g, 600) });
    // price * 0 is -0.0 for negative prices; Spark normalises -0.0 to 0.0 in grouping keys.
    await env.check(
      t.groupBy(col("price").multiply(0).alias("z")).agg(count("*").alias("n")),
      `SELECT price * 0 AS z, count(*) AS n FROM t GROUP BY price * 0`,
    );
  });

  eachSeed("groupBy over 6000 rows (several input batches)", async (g) => {
    const { t } = await env.tables({ t: facts(g, 6000, { k2Range: 50 }) });
    await env.check(
      t.groupBy("k1", "k2").agg(count("*").alias("n"), sum("amount").alias("s"), min("name").alias("mn"), max("ts").alias("mt")),
      `SELECT k1, k2, count(*) AS n, sum(amount) AS s, min(name) AS mn, max(ts) AS mt FROM t GROUP BY k1, k2`,
    );
  });

  eachSeed("groupBy(...).count() and distinct-then-count", async (g) => {
    const { t } = await env.tables({ t: facts(g, 1000) });
    await env.check(t.groupBy("k1", "flag").count(), `SELECT k1, flag, count(*) AS "count" FROM t GROUP BY k1, flag`);
    await env.check(
      t.select("k1", "k2").distinct().groupBy("k1").agg(count("k2").alias("n")),
      `SELECT k1, count(k2) AS n FROM (SELECT DISTINCT k1, k2 FROM t) GROUP BY k1`,
    );
  });
});
