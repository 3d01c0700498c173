/**
 * Joins of every type, differential against DuckDB: inner, left/right/full outer, left semi,
 * left anti and cross, on single and multi-column keys with duplicates and null keys (a null
 * key never matches in an equi-join), by a condition and by column names (USING), with an
 * extra non-equi predicate, and the type-name aliases Spark accepts.
 */
import { describe } from "node:test";
import { col, count, lit } from "../../../src/index.js";
import { STRING_KEYS, type Gen } from "./gen.js";
import type { DiffEnv } from "./oracle.js";
import { allOf, eachSeed, useDiffEnv } from "./oracle.js";

let env: DiffEnv;
useDiffEnv((e) => (env = e));

const LEFT_DDL = "id INT, k1 STRING, k2 INT, a INT";
/** The right side's rk2 is a BIGINT: joining it with the left's INT k2 needs Spark's widening. */
const RIGHT_DDL = "rid INT, rk1 STRING, rk2 BIGINT, b INT";
/** The right side with the left's key names, for joins by column names (USING). */
const RIGHT_USING_DDL = "rid INT, k1 STRING, k2 INT, b INT";

function side(g: Gen, n: number, names: [string, string, string, string], keyRange: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      [names[0]]: i,
      [names[1]]: g.nullOr(0.1, () => g.pick(STRING_KEYS)),
      [names[2]]: g.nullOr(0.1, () => g.int(-keyRange, keyRange)),
      [names[3]]: g.nullOr(0.1, () => g.int(-50, 50)),
    });
  }
  return rows;
}

async function load(g: Gen, nLeft: number, nRight: number, keyRange = 6) {
  return env.tables({
    l: { ddl: LEFT_DDL, rows: side(g, nLeft, ["id", "k1", "k2", "a"], keyRange) },
    r: { ddl: RIGHT_DDL, rows: side(g, nRight, ["rid", "rk1", "rk2", "b"], keyRange) },
  });
}

/** Spark join type → DuckDB join clause, and whether the output has the left columns only. */
const JOIN_TYPES: readonly (readonly [string, string, boolean])[] = [
  ["inner", "INNER JOIN", false],
  ["left_outer", "LEFT OUTER JOIN", false],
  ["right_outer", "RIGHT OUTER JOIN", false],
  ["full_outer", "FULL OUTER JOIN", false],
  ["left_semi", "SEMI JOIN", true],
  ["left_anti", "ANTI JOIN", true],
];

describe("differential: joins", () => {
  for (const [how, sqlJoin, leftOnly] of JOIN_TYPES) {
    eachSeed(`${how} on a single int key (duplicates, nulls, int = bigint)`, async (g) => {
      const { l, r } = await load(g, 300, 200);
      await env.check(l.join(r, col("k2").eq(col("rk2")), how), `SELECT ${leftOnly ? "l.*" : "l.*, r.*"} FROM l ${sqlJoin} r ON l.k2 = r.rk2`);
    });

    eachSeed(`${how} on two keys (string incl. "" and unicode, int)`, async (g) => {
      const { l, r } = await load(g, 500, 400, 3);
      await env.check(
        l.join(r, col("k1").eq(col("rk1")).and(col("k2").eq(col("rk2"))), how),
        `SELECT ${leftOnly ? "l.*" : "l.*, r.*"} FROM l ${sqlJoin} r ON l.k1 = r.rk1 AND l.k2 = r.rk2`,
      );
    });

    eachSeed(`${how} with an extra non-equi predicate in the condition`, async (g) => {
      const { l, r } = await load(g, 300, 200);
      // For outer joins the predicate only decides which pairs match; unmatched rows still appear.
      await env.check(
        l.join(r, col("k2").eq(col("rk2")).and(col("a").lt(col("b"))), how),
        `SELECT ${leftOnly ? "l.*" : "l.*, r.*"} FROM l ${sqlJoin} r ON l.k2 = r.rk2 AND l.a < r.b`,
      );
    });

    eachSeed(`${how} by column names (USING k1, k2)`, async (g) => {
      const lRows = side(g, 400, ["id", "k1", "k2", "a"], 3);
      const rRows = side(g, 300, ["rid", "k1", "k2", "b"], 3);
      const { l, r } = await env.tables({ l: { ddl: LEFT_DDL, rows: lRows }, r: { ddl: RIGHT_USING_DDL, rows: rRows } });
      // Spark's USING output: the keys first — the left's for inner/left/semi/anti, the right's for
      // right outer, coalesce(left, right) for full outer — then the other columns of each side.
      const keys =
        how === "right_outer" ? "r.k1 AS k1, r.k2 AS k2" : how === "full_outer" ? "COALESCE(l.k1, r.k1) AS k1, COALESCE(l.k2, r.k2) AS k2" : "l.k1 AS k1, l.k2 AS k2";
      const rest = leftOnly ? "l.id, l.a" : "l.id, l.a, r.rid, r.b";
      await env.check(l.join(r, ["k1", "k2"], how), `SELECT ${keys}, ${rest} FROM l ${sqlJoin} r ON l.k1 = r.k1 AND l.k2 = r.k2`);
    });
  }

  eachSeed("cross join", async (g) => {
    const { l, r } = await load(g, 40, 30);
    await env.check(l.crossJoin(r), `SELECT l.*, r.* FROM l CROSS JOIN r`);
    await env.check(l.join(r, undefined, "cross"), `SELECT l.*, r.* FROM l CROSS JOIN r`, { label: 'join(other, undefined, "cross")' });
    await env.check(
      l.crossJoin(r).filter(col("a").gt(col("b"))).select("id", "rid"),
      `SELECT id, rid FROM l CROSS JOIN r WHERE a > b`,
      { label: "cross join then filter" },
    );
  });

  eachSeed("join type aliases (outer, full, left, right, semi, anti, leftouter, fullouter, leftsemi, leftanti)", async (g) => {
    const { l, r } = await load(g, 150, 100);
    const aliases: [string, string, boolean][] = [
      ["outer", "FULL OUTER JOIN", false],
      ["full", "FULL OUTER JOIN", false],
      ["fullouter", "FULL OUTER JOIN", false],
      ["left", "LEFT JOIN", false],
      ["leftouter", "LEFT JOIN", false],
      ["right", "RIGHT JOIN", false],
      ["semi", "SEMI JOIN", true],
      ["leftsemi", "SEMI JOIN", true],
      ["anti", "ANTI JOIN", true],
      ["leftanti", "ANTI JOIN", true],
    ];
    await allOf(
      aliases.map(([how, sqlJoin, leftOnly]) => () =>
        env.check(l.join(r, col("k2").eq(col("rk2")), how), `SELECT ${leftOnly ? "l.*" : "l.*, r.*"} FROM l ${sqlJoin} r ON l.k2 = r.rk2`, { label: `how = ${how}` }),
      ),
    );
  });

  eachSeed("null-safe equality joins nulls (<=>)", async (g) => {
    const { l, r } = await load(g, 200, 150);
    await env.check(
      l.join(r, col("k2").eqNullSafe(col("rk2")), "inner"),
      `SELECT l.*, r.* FROM l JOIN r ON l.k2 IS NOT DISTINCT FROM r.rk2`,
    );
  });

  eachSeed("aggregate over a join and a join of aggregates", async (g) => {
    const { l, r } = await load(g, 400, 300);
    await env.check(
      l.join(r, col("k1").eq(col("rk1")), "left_outer").groupBy("k1").agg(count("rid").alias("matches"), count("*").alias("n")),
      `SELECT k1, count(rid) AS matches, count(*) AS n FROM l LEFT JOIN r ON l.k1 = r.rk1 GROUP BY k1`,
    );
    const la = l.groupBy("k2").agg(count("*").alias("nl"));
    const ra = r.groupBy("rk2").agg(count("*").alias("nr"));
    await env.check(
      la.join(ra, col("k2").eq(col("rk2")), "full_outer"),
      `SELECT * FROM (SELECT k2, count(*) AS nl FROM l GROUP BY k2) x FULL JOIN (SELECT rk2, count(*) AS nr FROM r GROUP BY rk2) y ON x.k2 = y.rk2`,
    );
  });

  eachSeed("joins over several input partitions (unions) on each side", async (g) => {
    const { l, r } = await load(g, 300, 200);
    const l3 = l.filter(col("id").lt(100)).union(l.filter(col("id").geq(100).and(col("id").lt(200)))).union(l.filter(col("id").geq(200)));
    const r2 = r.filter(col("rid").lt(100)).union(r.filter(col("rid").geq(100)));
    await allOf(
      JOIN_TYPES.map(([how, sqlJoin, leftOnly]) => () =>
        env.check(l3.join(r2, col("k1").eq(col("rk1")), how), `SELECT ${leftOnly ? "l.*" : "l.*, r.*"} FROM l ${sqlJoin} r ON l.k1 = r.rk1`, { label: how }),
      ),
    );
  });

  eachSeed("join keys of other types: double, timestamp, boolean, computed", async (g) => {
    const mk = (n: number, p: string) =>
      Array.from({ length: n }, (_, i) => ({
        [`${p}id`]: i,
        [`${p}d`]: g.nullOr(0.1, () => g.int(-3, 3) / 2),
        [`${p}t`]: g.nullOr(0.1, () => new Date(Date.UTC(2024, 0, 1, g.int(0, 5)))),
        [`${p}b`]: g.nullOr(0.1, () => g.chance(0.5)),
      }));
    const ddl = (p: string) => `${p}id INT, ${p}d DOUBLE, ${p}t TIMESTAMP, ${p}b BOOLEAN`;
    const { x, y } = await env.tables({ x: { ddl: ddl("x"), rows: mk(200, "x") }, y: { ddl: ddl("y"), rows: mk(150, "y") } });
    await allOf([
      () => env.check(x.join(y, col("xd").eq(col("yd")), "full_outer"), `SELECT * FROM x FULL JOIN y ON xd = yd`, { label: "double key" }),
      () => env.check(x.join(y, col("xt").eq(col("yt")), "left_outer"), `SELECT * FROM x LEFT JOIN y ON xt = yt`, { label: "timestamp key" }),
      () => env.check(x.join(y, col("xb").eq(col("yb")).and(col("xd").eq(col("yd"))), "inner"), `SELECT * FROM x JOIN y ON xb = yb AND xd = yd`, { label: "boolean + double key" }),
      () => env.check(x.join(y, col("xid").mod(7).eq(col("yid").mod(5)), "left_anti"), `SELECT * FROM x ANTI JOIN y ON xid % 7 = yid % 5`, { label: "computed key" }),
    ]);
  });

  eachSeed("self join through aliases", async (g) => {
    const { l } = await load(g, 200, 1);
    await env.check(
      l
        .alias("x")
        .join(l.alias("y"), col("x.k1").eq(col("y.k1")).and(col("x.id").lt(col("y.id"))), "inner")
        .select(col("x.id").alias("xid"), col("y.id").alias("yid"), col("x.k1").alias("k1")),
      `SELECT x.id AS xid, y.id AS yid, x.k1 AS k1 FROM l x JOIN l y ON x.k1 = y.k1 AND x.id < y.id`,
    );
  });

  eachSeed("join with an empty side", async (g) => {
    const { l, r } = await load(g, 100, 80);
    const none = r.filter(lit(false));
    await allOf(
      JOIN_TYPES.map(([how, sqlJoin, leftOnly]) => () =>
        env.check(l.join(none, col("k2").eq(col("rk2")), how), `SELECT ${leftOnly ? "l.*" : "l.*, r.*"} FROM l ${sqlJoin} (SELECT * FROM r WHERE false) r ON l.k2 = r.rk2`, {
          label: `${how} with an empty right side`,
        }),
      ),
    );
  });
});
