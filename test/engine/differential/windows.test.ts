/**
 * Window functions, differential against DuckDB: ranking with ties (row_number only under a
 * total order, where it is deterministic), aggregates over a whole partition and over Spark's
 * default frame with an ORDER BY — RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, so peers
 * (ties) of the current row are included; DuckDB's default frame is the same — explicit ROWS and
 * RANGE frames, lag/lead, and null ordering (Spark: ascending puts nulls first, descending last;
 * DuckDB's default is NULLS LAST both ways, so the SQL always says which).
 */
import { describe } from "node:test";
import {
  asc_nulls_last,
  avg,
  col,
  count,
  cume_dist,
  dense_rank,
  desc,
  desc_nulls_first,
  expr,
  first,
  lag,
  lead,
  max,
  min,
  ntile,
  percent_rank,
  rank,
  row_number,
  sum,
  Window,
} from "../../../src/index.js";
import { FACT_DDL, factTable, type Gen } from "./gen.js";
import type { DiffEnv } from "./oracle.js";
import { eachSeed, useDiffEnv } from "./oracle.js";

let env: DiffEnv;
useDiffEnv((e) => (env = e));

async function facts(g: Gen, n: number, k2Range = 4) {
  return (await env.tables({ t: { ddl: FACT_DDL, rows: factTable(g, n, { k2Range }) } })).t;
}

describe("differential: windows", () => {
  eachSeed("row_number under a total order (amount, then id)", async (g) => {
    const t = await facts(g, 1500);
    const w = Window.partitionBy("k1").orderBy("amount", "id");
    await env.check(
      t.select(col("id"), col("k1"), col("amount"), row_number().over(w).alias("rn")),
      `SELECT id, k1, amount, row_number() OVER (PARTITION BY k1 ORDER BY amount ASC NULLS FIRST, id ASC NULLS FIRST) AS rn FROM t`,
    );
  });

  eachSeed("rank and dense_rank with ties and null order keys", async (g) => {
    const t = await facts(g, 1500);
    const w = Window.partitionBy("k1").orderBy("k2");
    await env.check(
      t.select(col("id"), rank().over(w).alias("r"), dense_rank().over(w).alias("dr")),
      `SELECT id, rank() OVER w AS r, dense_rank() OVER w AS dr FROM t WINDOW w AS (PARTITION BY k1 ORDER BY k2 ASC NULLS FIRST)`,
    );
  });

  eachSeed("percent_rank and cume_dist with ties", async (g) => {
    const t = await facts(g, 1000);
    const w = Window.partitionBy("k1").orderBy("k2");
    await env.check(
      t.select(col("id"), percent_rank().over(w).alias("pr"), cume_dist().over(w).alias("cd"), expr("percent_rank()").over(w).alias("pr_sql")),
      `SELECT id, percent_rank() OVER w AS pr, cume_dist() OVER w AS cd, percent_rank() OVER w AS pr_sql
       FROM t WINDOW w AS (PARTITION BY k1 ORDER BY k2 ASC NULLS FIRST)`,
    );
  });

  eachSeed("descending and explicit null placement", async (g) => {
    const t = await facts(g, 1200);
    await env.check(
      t.select(
        col("id"),
        rank().over(Window.partitionBy("k2").orderBy(desc("amount"))).alias("r_desc"),
        rank().over(Window.partitionBy("k2").orderBy(desc_nulls_first("amount"))).alias("r_desc_nf"),
        rank().over(Window.partitionBy("k2").orderBy(asc_nulls_last("name"))).alias("r_asc_nl"),
        dense_rank().over(Window.partitionBy("k2").orderBy(col("flag").desc(), col("k1").asc())).alias("dr2"),
      ),
      `SELECT id,
         rank() OVER (PARTITION BY k2 ORDER BY amount DESC NULLS LAST) AS r_desc,
         rank() OVER (PARTITION BY k2 ORDER BY amount DESC NULLS FIRST) AS r_desc_nf,
         rank() OVER (PARTITION BY k2 ORDER BY name ASC NULLS LAST) AS r_asc_nl,
         dense_rank() OVER (PARTITION BY k2 ORDER BY flag DESC NULLS LAST, k1 ASC NULLS FIRST) AS dr2
       FROM t`,
    );
  });

  eachSeed("aggregates over a whole partition (no orderBy)", async (g) => {
    const t = await facts(g, 1500);
    const w = Window.partitionBy("k1", "flag");
    await env.check(
      t.select(
        col("id"),
        sum("amount").over(w).alias("s"),
        count("*").over(w).alias("n"),
        count("amount").over(w).alias("na"),
        avg("price").over(w).alias("ap"),
        min("name").over(w).alias("mn"),
        max("ts").over(w).alias("mt"),
      ),
      `SELECT id, sum(amount) OVER w AS s, count(*) OVER w AS n, count(amount) OVER w AS na, avg(price) OVER w AS ap,
         min(name) OVER w AS mn, max(ts) OVER w AS mt
       FROM t WINDOW w AS (PARTITION BY k1, flag)`,
    );
  });

  eachSeed("running aggregates with orderBy use the RANGE frame (peers included)", async (g) => {
    const t = await facts(g, 1500);
    // Ordering by k2 leaves many ties: every tie of the current row is inside its frame.
    const w = Window.partitionBy("k1").orderBy("k2");
    await env.check(
      t.select(col("id"), sum("amount").over(w).alias("s"), count("*").over(w).alias("n"), max("amount").over(w).alias("mx"), avg("amount").over(w).alias("a")),
      `SELECT id, sum(amount) OVER w AS s, count(*) OVER w AS n, max(amount) OVER w AS mx, avg(amount) OVER w AS a
       FROM t WINDOW w AS (PARTITION BY k1 ORDER BY k2 ASC NULLS FIRST)`,
    );
  });

  eachSeed("explicit ROWS frames", async (g) => {
    const t = await facts(g, 1200);
    const base = Window.partitionBy("k1").orderBy("id");
    await env.check(
      t.select(
        col("id"),
        sum("amount").over(base.rowsBetween(-2, 0)).alias("s3"),
        sum("amount").over(base.rowsBetween(-1, 1)).alias("c3"),
        count("amount").over(base.rowsBetween(Window.unboundedPreceding, Window.currentRow)).alias("run"),
        sum("amount").over(base.rowsBetween(Window.currentRow, Window.unboundedFollowing)).alias("rest"),
        min("amount").over(base.rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)).alias("all_min"),
      ),
      `SELECT id,
         sum(amount) OVER (PARTITION BY k1 ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s3,
         sum(amount) OVER (PARTITION BY k1 ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS c3,
         count(amount) OVER (PARTITION BY k1 ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run,
         sum(amount) OVER (PARTITION BY k1 ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest,
         min(amount) OVER (PARTITION BY k1 ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS all_min
       FROM t`,
    );
  });

  eachSeed("explicit RANGE frame over a numeric order key", async (g) => {
    const t = await facts(g, 1000, 20);
    const w = Window.partitionBy("k1").orderBy("k2").rangeBetween(-2, 1);
    // Rows with a null k2 are peers of each other only: their frame is the null rows.
    await env.check(
      t.select(col("id"), sum("amount").over(w).alias("s"), count("*").over(w).alias("n")),
      `SELECT id, sum(amount) OVER w AS s, count(*) OVER w AS n
       FROM t WINDOW w AS (PARTITION BY k1 ORDER BY k2 ASC NULLS FIRST RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING)`,
    );
  });

  eachSeed("first over the default frame under a total order", async (g) => {
    const t = await facts(g, 1200);
    const w = Window.partitionBy("k2").orderBy(col("ts").asc(), col("id").asc());
    await env.check(
      t.select(col("id"), first("amount").over(w).alias("first_amount"), first("name", true).over(w).alias("first_name")),
      `SELECT id, first_value(amount) OVER w AS first_amount, first_value(name IGNORE NULLS) OVER w AS first_name
       FROM t WINDOW w AS (PARTITION BY k2 ORDER BY ts ASC NULLS FIRST, id ASC NULLS FIRST)`,
    );
  });

  eachSeed("lag, lead and ntile under a total order", async (g) => {
    const t = await facts(g, 1200);
    const w = Window.partitionBy("k2").orderBy(col("ts").asc(), col("id").asc());
    await env.check(
      t.select(
        col("id"),
        lag("amount").over(w).alias("prev"),
        lead("amount", 2).over(w).alias("next2"),
        lag("name", 1, "none").over(w).alias("prev_name"),
        ntile(3).over(w).alias("tile"),
        expr("lead(k1, 1, 'end')").over(w).alias("next_k1"),
      ),
      `SELECT id, lag(amount, 1) OVER w AS prev, lead(amount, 2) OVER w AS next2, lag(name, 1, 'none') OVER w AS prev_name,
         ntile(3) OVER w AS tile, lead(k1, 1, 'end') OVER w AS next_k1
       FROM t WINDOW w AS (PARTITION BY k2 ORDER BY ts ASC NULLS FIRST, id ASC NULLS FIRST)`,
    );
  });

  eachSeed("window over the whole input (no partitionBy)", async (g) => {
    const t = await facts(g, 800);
    const w = Window.orderBy(desc("id"));
    await env.check(
      t.select(col("id"), row_number().over(w).alias("rn"), sum("amount").over(w).alias("run")),
      `SELECT id, row_number() OVER (ORDER BY id DESC) AS rn, sum(amount) OVER (ORDER BY id DESC) AS run FROM t`,
    );
  });

  eachSeed("top-2 per group by filtering on row_number", async (g) => {
    const t = await facts(g, 1500);
    const w = Window.partitionBy("k1", "k2").orderBy(desc("price"), col("id"));
    await env.check(
      t.withColumn("rn", row_number().over(w)).filter(col("rn").leq(2)).select("k1", "k2", "id", "price", "rn"),
      `SELECT k1, k2, id, price, rn FROM (
         SELECT *, row_number() OVER (PARTITION BY k1, k2 ORDER BY price DESC NULLS LAST, id ASC) AS rn FROM t
       ) WHERE rn <= 2`,
    );
  });

  eachSeed("window over an aggregate (rank of group totals)", async (g) => {
    const t = await facts(g, 1500);
    const totals = t.groupBy("k1", "k2").agg(sum("amount").alias("s"));
    await env.check(
      totals.withColumn("r", rank().over(Window.partitionBy("k1").orderBy(desc("s")))),
      `SELECT k1, k2, s, rank() OVER (PARTITION BY k1 ORDER BY s DESC NULLS LAST) AS r
       FROM (SELECT k1, k2, sum(amount) AS s FROM t GROUP BY k1, k2)`,
    );
  });
});
