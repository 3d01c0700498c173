// Joins of every type, by names (USING) and by condition, with null keys (which never match
// under `=`), over multi-partition inputs.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { col } from "../../../src/engine/api/functions.js";
import { isWeirError } from "../../../src/util/errors.js";
import { frame, rows, sorted } from "./helpers.js";

const left = () =>
  frame("k INT, lv STRING", [
    [
      [1, "l1"],
      [2, "l2"],
    ],
    [
      [null, "lnull"],
      [3, "l3"],
      [1, "l1b"],
    ],
  ]).df;
const right = () =>
  frame("k INT, rv STRING", [
    [
      [1, "r1"],
      [null, "rnull"],
    ],
    [[4, "r4"]],
  ]).df;

describe("join", () => {
  it("inner on a name: one key column, null keys never match", async () => {
    const j = left().join(right(), "k");
    assert.deepEqual(j.columns, ["k", "lv", "rv"]);
    assert.deepEqual(sorted(await j.collect()), [
      [1, "l1", "r1"],
      [1, "l1b", "r1"],
    ]);
  });

  it("left, right and full outer on a name (the full join's key is coalesced)", async () => {
    assert.deepEqual(sorted(await left().join(right(), "k", "left").collect()), [
      [1, "l1", "r1"],
      [1, "l1b", "r1"],
      [2, "l2", null],
      [3, "l3", null],
      [null, "lnull", null],
    ]);
    assert.deepEqual(sorted(await left().join(right(), ["k"], "right_outer").collect()), [
      [1, "l1", "r1"],
      [1, "l1b", "r1"],
      [4, null, "r4"],
      [null, null, "rnull"],
    ]);
    const full = left().join(right(), "k", "outer");
    assert.deepEqual(full.columns, ["k", "lv", "rv"]);
    assert.deepEqual(sorted(await full.collect()), [
      [1, "l1", "r1"],
      [1, "l1b", "r1"],
      [2, "l2", null],
      [3, "l3", null],
      [4, null, "r4"],
      [null, "lnull", null],
      [null, null, "rnull"],
    ]);
  });

  it("semi and anti keep left rows with and without a match", async () => {
    const semi = left().join(right(), "k", "left_semi");
    assert.deepEqual(semi.columns, ["k", "lv"]);
    assert.deepEqual(sorted(await semi.collect()), [
      [1, "l1"],
      [1, "l1b"],
    ]);
    assert.deepEqual(sorted(await left().join(right(), "k", "anti").collect()), [
      [2, "l2"],
      [3, "l3"],
      [null, "lnull"],
    ]);
  });

  it("joins on a condition, keeping both key columns, with a residual predicate", async () => {
    const l = left().alias("l");
    const r = right().alias("r");
    const j = l.join(r, col("l.k").eq(col("r.k")).and(col("lv").notEqual("l1b")), "inner");
    assert.deepEqual(j.columns, ["k", "lv", "k", "rv"]);
    const rowsOut = (await j.collectRows()).map((x) => [...x]);
    assert.deepEqual(rowsOut, [[1, "l1", 1, "r1"]]);
    const full = await l.join(r, col("l.k").eq(col("r.k")), "full").collectRows();
    assert.equal(full.length, 1 + 4 + 2);
    assert.deepEqual(
      full.filter((x) => x[0] === null && x[2] === null).map((x) => [x[1], x[3]]).sort(),
      [
        ["lnull", null],
        [null, "rnull"],
      ].sort(),
    );
  });

  it("null-safe equality matches null keys", async () => {
    const l = left().alias("l");
    const r = right().alias("r");
    const out = await l.join(r, col("l.k").eqNullSafe(col("r.k"))).select("lv", "rv").collect();
    assert.deepEqual(sorted(out), [
      ["l1", "r1"],
      ["l1b", "r1"],
      ["lnull", "rnull"],
    ]);
  });

  it("cross joins and non-equi joins (nested loop)", async () => {
    const a = rows([{ x: 1 }, { x: 2 }]);
    const b = rows([{ y: 1 }, { y: 2 }, { y: 3 }]);
    assert.equal((await a.crossJoin(b).collect()).length, 6);
    assert.equal((await a.join(b, undefined, "cross").collect()).length, 6);
    assert.deepEqual(sorted(await a.join(b, col("x").lt(col("y")), "left").collect()), [
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
    assert.deepEqual(sorted(await a.join(b, col("x").gt(col("y")), "anti").collect()), [[1]]);
  });

  it("self-joins get fresh ids for the right side", async () => {
    const df = rows([{ id: 1, p: null }, { id: 2, p: 1 }], "id INT, p INT");
    const out = await df.alias("c").join(df.alias("par"), col("c.p").eq(col("par.id"))).select(col("c.id").alias("child"), col("par.id").alias("parent")).collect();
    assert.deepEqual(out, [{ child: 2, parent: 1 }]);
  });

  it("reports ambiguous and unknown join columns", () => {
    assert.throws(() => left().join(right(), col("k").eq(col("k"))), (e: unknown) => isWeirError(e, "ANALYSIS") && /AMBIGUOUS_REFERENCE/.test(e.message));
    assert.throws(() => left().join(right(), "lv"), /UNRESOLVED_USING_COLUMN_FOR_JOIN.*right side/);
    assert.throws(() => left().join(right(), "k", "sideways"), /UNSUPPORTED_JOIN_TYPE/);
  });

  it("widens key types (int = bigint)", async () => {
    const a = rows([{ k: 1 }], "k INT");
    const b = rows([{ k: 1, v: "x" }], "k BIGINT, v STRING");
    assert.deepEqual(await a.join(b, "k").collect(), [{ k: 1, v: "x" }]);
  });
});
