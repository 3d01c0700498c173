/**
 * Time functions, differential against DuckDB, over timestamps spread across several days (the
 * session time zone is UTC in both): date_trunc, unix_timestamp, from_unixtime, to_timestamp with
 * a pattern, field extraction, date_format, to_date/datediff, and window() (tumbling and sliding).
 *
 * Legitimate Spark-vs-DuckDB differences, where the SQL computes Spark's answer instead:
 * - dayofweek: Spark numbers Sunday 1 … Saturday 7; DuckDB Sunday 0 … Saturday 6.
 * - window(ts, d): Spark's windows start at multiples of d since the epoch; DuckDB's
 *   time_bucket counts from 2000-01-03, which differs for durations that do not divide a day
 *   (7 minutes here), so the SQL computes the start from epoch microseconds.
 * - Patterns: Spark's are Java DateTimeFormatter patterns (dd/MM/yyyy HH:mm:ss), DuckDB's are
 *   strftime patterns (%d/%m/%Y %H:%M:%S).
 */
import { describe } from "node:test";
import {
  col,
  count,
  date_format,
  date_trunc,
  expr,
  dayofmonth,
  from_unixtime,
  hour,
  lit,
  minute,
  month,
  second,
  sum,
  to_date,
  to_timestamp,
  unix_timestamp,
  window,
  year,
} from "../../../src/index.js";
import { BASE_TS_MS, type Gen } from "./gen.js";
import type { DiffEnv } from "./oracle.js";
import { eachSeed, useDiffEnv } from "./oracle.js";

let env: DiffEnv;
useDiffEnv((e) => (env = e));

const TIME_DDL = "id INT, k STRING, ts TIMESTAMP, s STRING, secs BIGINT, v INT";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Rows with a timestamp, the same instant as text in dd/MM/yyyy HH:mm:ss, and epoch seconds. */
function timeRows(g: Gen, n: number, days: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    // Some instants fall exactly on unit boundaries (midnight, whole hours) on purpose, and some
    // before 1970, where truncation must round toward the past (floor), not toward zero.
    const ms = g.chance(0.1)
      ? BASE_TS_MS + g.int(0, days * 24) * 3_600_000
      : g.chance(0.06)
        ? g.int(-3 * 86_400_000, 86_400_000)
        : BASE_TS_MS - 40 * 86_400_000 + g.int(0, days * 86_400_000);
    const d = new Date(ms);
    const text = `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const isNull = g.chance(0.08);
    rows.push({
      id: i,
      k: g.pick(["x", "y", "z"]),
      ts: isNull ? null : d,
      s: isNull ? null : text,
      secs: isNull ? null : Math.floor(ms / 1000),
      v: g.int(-10, 10),
    });
  }
  return rows;
}

async function times(g: Gen, n: number, days = 120) {
  return (await env.tables({ t: { ddl: TIME_DDL, rows: timeRows(g, n, days) } })).t;
}

describe("differential: time", () => {
  eachSeed("date_trunc at every unit", async (g) => {
    const t = await times(g, 1200);
    const units = ["year", "quarter", "month", "week", "day", "hour", "minute", "second"];
    await env.check(
      t.select(col("id"), ...units.map((u) => date_trunc(u, col("ts")).alias(u))),
      `SELECT id, ${units.map((u) => `date_trunc('${u}', ts) AS "${u}"`).join(", ")} FROM t`,
    );
  });

  eachSeed("unix_timestamp and from_unixtime", async (g) => {
    const t = await times(g, 1200);
    await env.check(
      t.select(
        col("id"),
        unix_timestamp(col("ts")).alias("u"),
        from_unixtime(col("secs")).alias("f"),
        from_unixtime(col("secs"), "yyyy/MM/dd HH").alias("fp"),
      ),
      `SELECT id, floor(epoch_ms(ts) / 1000)::BIGINT AS u,
         strftime(make_timestamp(secs * 1000000), '%Y-%m-%d %H:%M:%S') AS f,
         strftime(make_timestamp(secs * 1000000), '%Y/%m/%d %H') AS fp FROM t`,
    );
  });

  eachSeed("to_timestamp with a pattern, to_date, datediff", async (g) => {
    const t = await times(g, 1200);
    await env.check(
      t.select(
        col("id"),
        to_timestamp(col("s"), "dd/MM/yyyy HH:mm:ss").alias("parsed"),
        to_date(col("ts")).alias("d"),
        to_date(col("s"), "dd/MM/yyyy HH:mm:ss").alias("d2"),
        // datediff, quarter, dayofweek, dayofyear, weekofyear have no builders in functions.ts yet, hence expr().
        expr("datediff(to_date(ts), to_date('2024-03-01'))").alias("days"),
      ),
      `SELECT id, strptime(s, '%d/%m/%Y %H:%M:%S') AS parsed, ts::DATE AS d, strptime(s, '%d/%m/%Y %H:%M:%S')::DATE AS d2,
         date_diff('day', DATE '2024-03-01', ts::DATE) AS days FROM t`,
    );
  });

  eachSeed("year, quarter, month, dayofmonth, dayofweek, dayofyear, weekofyear, hour, minute, second", async (g) => {
    const t = await times(g, 1200, 400);
    await env.check(
      t.select(
        col("id"),
        year(col("ts")).alias("y"),
        expr("quarter(ts)").alias("q"),
        month(col("ts")).alias("mo"),
        dayofmonth(col("ts")).alias("dom"),
        expr("dayofweek(ts)").alias("dow"),
        expr("dayofyear(ts)").alias("doy"),
        expr("weekofyear(ts)").alias("woy"),
        hour(col("ts")).alias("h"),
        minute(col("ts")).alias("mi"),
        second(col("ts")).alias("s"),
      ),
      `SELECT id, year(ts) AS y, quarter(ts) AS q, month(ts) AS mo, dayofmonth(ts) AS dom,
         dayofweek(ts) + 1 AS dow, dayofyear(ts) AS doy, weekofyear(ts) AS woy, hour(ts) AS h, minute(ts) AS mi,
         second(ts) AS s FROM t`,
    );
  });

  eachSeed("date_format", async (g) => {
    const t = await times(g, 1000);
    await env.check(
      t.select(col("id"), date_format(col("ts"), "yyyy-MM-dd HH:mm").alias("a"), date_format(col("ts"), "dd.MM.yy").alias("b")),
      `SELECT id, strftime(ts, '%Y-%m-%d %H:%M') AS a, strftime(ts, '%d.%m.%y') AS b FROM t`,
    );
  });

  eachSeed("tumbling window(): group counts per 7-minute and 1-hour window", async (g) => {
    const t = await times(g, 2000, 2);
    // Floor modulo, so that windows before 1970 start at or before their rows.
    const startSql = (us: number) => `make_timestamp(epoch_us(ts) - (((epoch_us(ts) % ${us}) + ${us}) % ${us}))`;
    const w7 = 7 * 60 * 1_000_000;
    const nonNull = t.filter(col("ts").isNotNull());
    await env.check(
      nonNull
        .groupBy(window(col("ts"), "7 minutes"), col("k")).agg(count("*").alias("n"), sum("v").alias("sv")).select(col("window.start").alias("start"), col("window.end").alias("end"), col("k"), col("n"), col("sv")),
      `SELECT ${startSql(w7)} AS start, ${startSql(w7)} + INTERVAL 7 MINUTES AS "end", k, count(*) AS n, sum(v) AS sv
       FROM t WHERE ts IS NOT NULL GROUP BY 1, 2, k`,
    );
    const h = 3_600_000_000;
    await env.check(
      nonNull.groupBy(window("ts", "1 hour")).count().select(col("window").getField("start").alias("start"), col("count")),
      `SELECT ${startSql(h)} AS start, count(*) AS "count" FROM t WHERE ts IS NOT NULL GROUP BY 1`,
      { label: "1 hour windows" },
    );
    // Spark's window() filters out rows whose time is null (its TimeWindowing rule adds
    // isnotnull(ts) below the projection), in a groupBy and in a plain select alike.
    await env.check(
      t.groupBy(window(col("ts"), "1 hour")).count().select(col("window.start").alias("start"), col("count")),
      `SELECT ${startSql(h)} AS start, count(*) AS "count" FROM t WHERE ts IS NOT NULL GROUP BY 1`,
      { label: "window() drops rows with a null time (groupBy)" },
    );
    await env.check(
      t.select(col("id"), window(col("ts"), "7 minutes").getField("start").alias("ws")),
      `SELECT id, ${startSql(w7)} AS ws FROM t WHERE ts IS NOT NULL`,
      { label: "window() drops rows with a null time (select)" },
    );
  });

  eachSeed("sliding window(): every row in duration/slide windows", async (g) => {
    const t = await times(g, 1500, 2);
    const slide = 5 * 60 * 1_000_000;
    const first = `(epoch_us(ts) - (((epoch_us(ts) % ${slide}) + ${slide}) % ${slide}))`;
    await env.check(
      t.groupBy(window(col("ts"), "10 minutes", "5 minutes")).agg(count("*").alias("n")).select(col("window.start").alias("start"), col("window.end").alias("end"), col("n")),
      `SELECT make_timestamp(st) AS start, make_timestamp(st + ${2 * slide}) AS "end", count(*) AS n FROM (
         SELECT ${first} AS st FROM t WHERE ts IS NOT NULL
         UNION ALL SELECT ${first} - ${slide} AS st FROM t WHERE ts IS NOT NULL
       ) GROUP BY st`,
    );
  });

  eachSeed("filters and ordering on timestamps", async (g) => {
    const t = await times(g, 1000);
    await env.check(
      t.filter(col("ts").geq(lit(new Date(BASE_TS_MS - 20 * 86_400_000))).and(col("ts").lt(lit(new Date(BASE_TS_MS))))).select("id", "ts"),
      `SELECT id, ts FROM t WHERE ts >= make_timestamp(${(BASE_TS_MS - 20 * 86_400_000) * 1000}) AND ts < make_timestamp(${BASE_TS_MS * 1000})`,
    );
    await env.check(
      t.filter("ts >= '2024-02-15' AND ts < timestamp'2024-02-20 12:00:00'").select("id"),
      `SELECT id FROM t WHERE ts >= TIMESTAMP '2024-02-15' AND ts < TIMESTAMP '2024-02-20 12:00:00'`,
      { label: "timestamp comparisons in a SQL filter string (string literal coerced to timestamp)" },
    );
    await env.check(
      t.orderBy(col("ts").desc(), col("id")).limit(25).select("id", "ts"),
      `SELECT id, ts FROM t ORDER BY ts DESC NULLS LAST, id LIMIT 25`,
      { ordered: true },
    );
  });
});
