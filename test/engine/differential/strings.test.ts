/**
 * String functions, differential against DuckDB, over strings with padding, tabs, separators,
 * empty strings, nulls, and characters outside the BMP (one character each for Spark, which
 * counts code points, but two UTF-16 units in JS).
 *
 * Legitimate Spark-vs-DuckDB differences, where the SQL computes Spark's answer instead:
 * - concat: Spark gives null when any argument is null; DuckDB's concat() skips nulls, so the
 *   SQL uses `||`, which propagates null.
 * - substring: Spark treats position 0 as 1 (`substring('hello', 0, 2)` = 'he'; DuckDB 'h') and
 *   computes a negative start from the end then clips at the string's start (Spark's
 *   UTF8String.substringSQL); the SQL spells that rule out ({@link sparkSubstringSql}).
 * - split: Spark's pattern is a regular expression (`split('a.b', '.')` splits at every
 *   character); DuckDB's string_split is literal, so the SQL uses regexp_split_to_array.
 * - regexp_replace: Spark replaces every match; DuckDB only the first unless given 'g'; group
 *   references are `$1` in Spark (Java) and `\1` in DuckDB (RE2).
 * - array_join(array(null), '|'): '' in Spark, NULL from DuckDB's array_to_string.
 * - upper('ß'): 'SS' in Spark (Java's String.toUpperCase), 'ẞ' in DuckDB; checked against Spark's
 *   value directly.
 */
import { describe, it } from "node:test";
import {
  array_contains,
  col,
  concat,
  concat_ws,
  explode,
  explode_outer,
  expr,
  length,
  lit,
  lower,
  ltrim,
  posexplode,
  regexp_extract,
  regexp_replace,
  rtrim,
  size,
  split,
  substring,
  trim,
  upper,
} from "../../../src/index.js";
import { FACT_DDL, factTable, type Gen } from "./gen.js";
import type { DiffEnv } from "./oracle.js";
import { eachSeed, useDiffEnv } from "./oracle.js";

let env: DiffEnv;
useDiffEnv((e) => (env = e));

async function facts(g: Gen, n: number) {
  return (await env.tables({ t: { ddl: FACT_DDL, rows: factTable(g, n) } })).t;
}

/** Spark's substring(s, pos, len) (UTF8String.substringSQL) written in DuckDB SQL, for literal pos and len. */
function sparkSubstringSql(s: string, pos: number, len: number): string {
  const start = pos > 0 ? `${pos - 1}` : pos < 0 ? `(length(${s}) + ${pos})` : "0";
  const end = `(${start} + ${len})`;
  const clipped = `greatest(${start}, 0)`;
  return `CASE WHEN ${s} IS NULL THEN NULL WHEN ${clipped} >= ${end} THEN '' ELSE substring(${s}, ${clipped} + 1, ${end} - ${clipped}) END`;
}

describe("differential: strings", () => {
  eachSeed("lower, upper, length, trim/ltrim/rtrim (spaces only, not tabs)", async (g) => {
    const t = await facts(g, 1500);
    await env.check(
      t.select(
        col("id"),
        lower(col("name")).alias("lo"),
        upper(col("name")).alias("up"),
        length(col("name")).alias("len"),
        trim(col("name")).alias("tr"),
        ltrim(col("name")).alias("ltr"),
        rtrim(col("name")).alias("rtr"),
        length(trim(col("name"))).alias("trlen"),
      ),
      `SELECT id, lower(name) AS lo, upper(name) AS up, length(name) AS len, trim(name) AS tr, ltrim(name) AS ltr,
         rtrim(name) AS rtr, length(trim(name)) AS trlen FROM t`,
    );
  });

  eachSeed("concat propagates null, concat_ws skips nulls", async (g) => {
    const t = await facts(g, 1200);
    await env.check(
      t.select(
        col("id"),
        concat(col("k1"), lit("|"), col("name")).alias("c"),
        concat(col("name"), col("amount")).alias("c_int"),
        concat_ws("-", col("k1"), col("name"), col("k2")).alias("ws"),
        concat_ws("", col("k1"), col("k1")).alias("ws_empty"),
      ),
      `SELECT id, k1 || '|' || name AS c, name || amount AS c_int, concat_ws('-', k1, name, k2) AS ws,
         concat_ws('', k1, k1) AS ws_empty FROM t`,
    );
  });

  eachSeed("substring incl. position 0, negative starts, overlong and negative lengths", async (g) => {
    const t = await facts(g, 800);
    const cases: [number, number][] = [
      [1, 3],
      [0, 2],
      [2, 100],
      [-3, 2],
      [-1, 1],
      [-10, 3],
      [-10, 20],
      [3, 0],
      [3, -1],
      [5, 2],
    ];
    await env.check(
      t.select(col("id"), ...cases.map(([p, n], i) => substring(col("name"), p, n).alias(`s${i}`))),
      `SELECT id, ${cases.map(([p, n], i) => `${sparkSubstringSql("name", p, n)} AS s${i}`).join(", ")} FROM t`,
    );
    await env.check(
      t.selectExpr("id", "substr(name, 2) AS a", "substring(name, -2) AS b", "substring(name, 2, 3) AS c"),
      `SELECT id, ${sparkSubstringSql("name", 2, 1e9)} AS a, ${sparkSubstringSql("name", -2, 1e9)} AS b, ${sparkSubstringSql("name", 2, 3)} AS c FROM t`,
      { label: "substr/substring through selectExpr" },
    );
  });

  eachSeed("split (regex) + explode / explode_outer / posexplode", async (g) => {
    const t = await facts(g, 1000);
    await env.check(
      t.select(col("id"), explode(split(col("name"), "[,-]")).alias("part")),
      `SELECT id, unnest(regexp_split_to_array(name, '[,-]')) AS part FROM t`,
    );
    await env.check(
      t.select(col("id"), split(col("name"), ",\\s*").alias("parts")),
      `SELECT id, regexp_split_to_array(name, ',\\s*') AS parts FROM t`,
      { label: "split keeps leading and trailing empty strings" },
    );
    // A null array gives no row from explode but one null row from explode_outer.
    await env.check(
      t.select(col("id"), explode_outer(split(col("name"), ",")).alias("part")),
      `SELECT id, unnest(CASE WHEN name IS NULL THEN [NULL] ELSE regexp_split_to_array(name, ',') END) AS part FROM t`,
      { label: "explode_outer" },
    );
    await env.check(
      t.select(col("id"), posexplode(split(col("name"), "-"))),
      `SELECT id, pos, col FROM (SELECT id, generate_subscripts(a, 1) - 1 AS pos, unnest(a) AS col FROM (SELECT id, regexp_split_to_array(name, '-') AS a FROM t))`,
      { label: "posexplode gives pos (from 0) and col" },
    );
    // '.' is a regex: every character is a separator, so the parts are all empty strings.
    await env.check(
      t.filter(col("name").isNotNull()).select(col("id"), split(col("name"), ".").alias("parts")),
      `SELECT id, regexp_split_to_array(name, '.') AS parts FROM t WHERE name IS NOT NULL`,
      { label: "split's pattern is a regex, not a literal" },
    );
  });

  eachSeed("explode then aggregate (word counts)", async (g) => {
    const t = await facts(g, 1500);
    await env.check(
      t.select(explode(split(lower(col("name")), "[, -]+")).alias("w")).groupBy("w").count(),
      `SELECT w, count(*) AS "count" FROM (SELECT unnest(regexp_split_to_array(lower(name), '[, -]+')) AS w FROM t) GROUP BY w`,
    );
  });

  eachSeed("regexp_extract (no match gives '', '.' is one code point)", async (g) => {
    const t = await facts(g, 1200);
    await env.check(
      t.select(
        col("id"),
        regexp_extract(col("name"), "([a-z]+)([0-9]*)", 1).alias("letters"),
        regexp_extract(col("name"), "([a-z]+)([0-9]*)", 2).alias("digits"),
        regexp_extract(col("name"), "([a-z]+)([0-9]*)", 0).alias("whole"),
        regexp_extract(col("name"), "(.)(.)$", 1).alias("penultimate"),
        regexp_extract(col("name"), "^\\s*(\\S+)", 1).alias("first_word"),
        regexp_extract(col("name"), "(x)?y", 1).alias("unmatched_group"),
      ),
      `SELECT id, regexp_extract(name, '([a-z]+)([0-9]*)', 1) AS letters, regexp_extract(name, '([a-z]+)([0-9]*)', 2) AS digits,
         regexp_extract(name, '([a-z]+)([0-9]*)', 0) AS whole, regexp_extract(name, '(.)(.)$', 1) AS penultimate,
         regexp_extract(name, '^\\s*(\\S+)', 1) AS first_word, regexp_extract(name, '(x)?y', 1) AS unmatched_group FROM t`,
    );
  });

  eachSeed("regexp_replace replaces every match, $n group references", async (g) => {
    const t = await facts(g, 1200);
    await env.check(
      t.select(
        col("id"),
        regexp_replace(col("name"), "[aeioué]", "_").alias("vowels"),
        regexp_replace(col("name"), "([a-z])([0-9])", "$2$1").alias("swapped"),
        regexp_replace(col("name"), "\\s+", " ").alias("spaces"),
        regexp_replace(col("name"), ".", "*").alias("stars"),
      ),
      `SELECT id, regexp_replace(name, '[aeioué]', '_', 'g') AS vowels, regexp_replace(name, '([a-z])([0-9])', '\\2\\1', 'g') AS swapped,
         regexp_replace(name, '\\s+', ' ', 'g') AS spaces, regexp_replace(name, '.', '*', 'g') AS stars FROM t`,
    );
  });

  eachSeed("like, rlike, contains, startsWith, endsWith", async (g) => {
    const t = await facts(g, 1500);
    await env.check(
      t.select(
        col("id"),
        col("name").like("a%").alias("l1"),
        col("name").like("%b_").alias("l2"),
        col("name").like("_").alias("l3"),
        col("name").like("%😀%").alias("l4"),
        col("name").like("%").alias("l5"),
        col("name").rlike("^[a-c]").alias("r1"),
        col("name").rlike("[0-9]{2}").alias("r2"),
        col("name").contains("a").alias("c1"),
        col("name").startsWith("A").alias("sw"),
        col("name").endsWith(" ").alias("ew"),
      ),
      `SELECT id, name LIKE 'a%' AS l1, name LIKE '%b_' AS l2, name LIKE '_' AS l3, name LIKE '%😀%' AS l4, name LIKE '%' AS l5,
         regexp_matches(name, '^[a-c]') AS r1, regexp_matches(name, '[0-9]{2}') AS r2, contains(name, 'a') AS c1,
         starts_with(name, 'A') AS sw, ends_with(name, ' ') AS ew FROM t`,
    );
    await env.check(
      t.filter("name LIKE '%a%' AND k1 NOT LIKE '_'").select("id"),
      `SELECT id FROM t WHERE name LIKE '%a%' AND k1 NOT LIKE '_'`,
      { label: "LIKE in a SQL filter string" },
    );
  });

  eachSeed("lpad, rpad, string comparison in UTF-8 byte order", async (g) => {
    const t = await facts(g, 1000);
    await env.check(
      // lpad/rpad have no builders in functions.ts yet, hence expr().
      t.select(col("id"), expr("lpad(k1, 3, '*')").alias("lp"), expr("rpad(k1, 2, '#')").alias("rp")),
      `SELECT id, lpad(k1, 3, '*') AS lp, rpad(k1, 2, '#') AS rp FROM t`,
    );
    // '😀' (U+1F600) sorts after 'ｱ' (U+FF71) in UTF-8 byte order (Spark, DuckDB) but before it in
    // UTF-16 order (JS's < on strings).
    await env.check(
      t.filter(col("k1").lt(lit("ｱ"))).select("id", "k1"),
      `SELECT id, k1 FROM t WHERE k1 < 'ｱ'`,
    );
    await env.check(t.filter(col("name").geq(lit("😀"))).select("id"), `SELECT id FROM t WHERE name >= '😀'`);
  });

  eachSeed("SQL string functions through expr()", async (g) => {
    const t = await facts(g, 1000);
    await env.check(
      t.select(
        col("id"),
        expr("upper(trim(name))").alias("a"),
        expr("concat_ws('/', k1, name)").alias("b"),
        expr("length(name) + 1").alias("c"),
        expr("name || '!'").alias("d"),
      ),
      `SELECT id, upper(trim(name)) AS a, concat_ws('/', k1, name) AS b, length(name) + 1 AS c, name || '!' AS d FROM t`,
    );
  });

  eachSeed("more string functions through expr(): reverse, repeat, left, right, locate, instr", async (g) => {
    const t = await facts(g, 1000);
    // No combining marks in the data: DuckDB's reverse() reverses grapheme clusters, Spark's code points.
    await env.check(
      t.select(
        col("id"),
        expr("reverse(name)").alias("rev"),
        expr("repeat(k1, 2)").alias("rep"),
        expr("left(name, 2)").alias("l2"),
        expr("right(name, 2)").alias("r2"),
        expr("locate('a', name)").alias("loc"),
        expr("instr(name, 'b')").alias("ins"),
      ),
      `SELECT id, reverse(name) AS rev, repeat(k1, 2) AS rep, left(name, 2) AS l2, right(name, 2) AS r2,
         instr(name, 'a') AS loc, instr(name, 'b') AS ins FROM t`,
    );
  });

  eachSeed("array columns: explode, explode_outer, size, array_contains, element_at", async (g) => {
    const rows = Array.from({ length: 600 }, (_, id) => ({
      id,
      tags: g.nullOr(0.1, () => Array.from({ length: g.int(0, 4) }, () => g.nullOr(0.1, () => g.pick(["a", "b", "", "😀", "ｱ"])))),
    }));
    const { a } = await env.tables({ a: { ddl: "id INT, tags ARRAY<STRING>", rows } });
    await env.check(a.select(col("id"), explode(col("tags")).alias("tag")), `SELECT id, unnest(tags) AS tag FROM a`, { label: "explode skips null and empty arrays" });
    await env.check(
      a.select(col("id"), explode_outer(col("tags")).alias("tag")),
      `SELECT id, unnest(CASE WHEN tags IS NULL OR len(tags) = 0 THEN [NULL] ELSE tags END) AS tag FROM a`,
      { label: "explode_outer gives one null row for null and empty arrays" },
    );
    // Spark 4 (ANSI): size(null) is null; element_at past the end fails, so only index 1 of
    // non-empty arrays is read; array_contains is null when the array holds a null and no match.
    await env.check(
      a.select(col("id"), size(col("tags")).alias("n"), array_contains(col("tags"), "a").alias("has_a")),
      `SELECT id, len(tags) AS n,
         CASE WHEN tags IS NULL THEN NULL WHEN list_contains(tags, 'a') THEN TRUE WHEN list_contains(list_transform(tags, x -> x IS NULL), TRUE) THEN NULL ELSE FALSE END AS has_a
       FROM a`,
      { label: "size, array_contains" },
    );
    await env.check(
      a.filter(size(col("tags")).gt(0)).select(col("id"), expr("element_at(tags, 1)").alias("first"), expr("element_at(tags, -1)").alias("last")),
      `SELECT id, tags[1] AS "first", tags[-1] AS "last" FROM a WHERE len(tags) > 0`,
      { label: "element_at from the start and the end" },
    );
    await env.check(
      a.select(col("id"), expr("sort_array(tags)").alias("s"), expr("array_join(tags, '|')").alias("j")),
      // DuckDB's array_to_string([NULL], '|') is NULL where Spark's array_join gives '' (nulls are
      // skipped, leaving nothing to join), hence the COALESCE for non-null arrays.
      `SELECT id, list_sort(tags, 'ASC', 'NULLS FIRST') AS s, CASE WHEN tags IS NOT NULL THEN COALESCE(array_to_string(tags, '|'), '') END AS j FROM a`,
      { label: "sort_array (nulls first), array_join (skips nulls)" },
    );
  });

  it("upper('ß') is 'SS' (Java case mapping; DuckDB gives 'ẞ')", async () => {
    const df = env.weir.createDataFrame([{ s: "straße" }, { s: "ß" }, { s: null }], "s STRING");
    await env.checkRows(df.select(upper(col("s")).alias("u"), length(upper(col("s"))).alias("n")), [
      { u: "STRASSE", n: 7 },
      { u: "SS", n: 2 },
      { u: null, n: null },
    ]);
  });
});
