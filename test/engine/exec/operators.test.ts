// Physical operators: partial aggregation merged across partitions, limit stopping the scan
// early, sort order (nulls, NaN, stability), and the streaming shape of execute().
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { col, collect_set, count, countDistinct, max, sum } from "../../../src/engine/api/functions.js";
import { frame, rows, sorted } from "./helpers.js";

describe("operators", () => {
  it("merges partial aggregates of many partitions", async () => {
    const parts = [0, 1, 2, 3].map((p) => Array.from({ length: 50 }, (_, i) => [`k${(i + p) % 5}`, p, i]));
    const { df } = frame("k STRING, p INT, v INT", parts, 7);
    const out = await df.groupBy("k").agg(count("*").alias("n"), sum("v").alias("s"), countDistinct("p").alias("ps"), max("v").alias("mx")).orderBy("k").collect();
    const expected = new Map<string, { n: number; s: number; mx: number }>();
    for (const part of parts) {
      for (const [k, , v] of part as [string, number, number][]) {
        const e = expected.get(k) ?? { n: 0, s: 0, mx: -1 };
        expected.set(k, { n: e.n + 1, s: e.s + v, mx: Math.max(e.mx, v) });
      }
    }
    assert.deepEqual(
      out,
      [...expected.entries()].sort().map(([k, e]) => ({ k, n: e.n, s: e.s, ps: 4, mx: e.mx })),
    );
    const sets = await df.groupBy("k").agg(collect_set("p").alias("ps")).collect();
    for (const r of sets) assert.deepEqual([...(r.ps as number[])].sort(), [0, 1, 2, 3]);
  });

  it("limit stops reading once it has its rows", async () => {
    const parts = [Array.from({ length: 100 }, (_, i) => [i]), Array.from({ length: 100 }, (_, i) => [100 + i])];
    const { df, source } = frame("x INT", parts, 10);
    const out = await df.filter(col("x").mod(2).eq(0)).limit(7).collect();
    assert.deepEqual(
      out.map((r) => r.x),
      [0, 2, 4, 6, 8, 10, 12],
    );
    assert.ok(source.log.batchesRead <= 2, `read ${source.log.batchesRead} batches`);
    assert.equal(await df.limit(0).count(), 0);
    assert.equal((await df.limit(150).collect()).length, 150);
  });

  it("sorts stably: nulls first ascending, last descending, NaN above every number", async () => {
    const df = rows(
      [
        [1, 2.0],
        [2, null],
        [3, NaN],
        [4, -1.5],
        [5, 2.0],
        [6, Infinity],
      ],
      "id INT, x DOUBLE",
    );
    assert.deepEqual(
      (await df.orderBy("x").collect()).map((r) => r.id),
      [2, 4, 1, 5, 6, 3],
    );
    assert.deepEqual(
      (await df.orderBy(col("x").desc()).collect()).map((r) => r.id),
      [3, 6, 1, 5, 4, 2],
    );
    assert.deepEqual(
      (await df.orderBy(col("x").asc_nulls_last(), col("id").desc()).collect()).map((r) => r.id),
      [4, 5, 1, 6, 3, 2],
    );
  });

  it("sorts strings, booleans and arrays", async () => {
    const df = rows(
      [
        { s: "b", f: true, a: [1, 2] },
        { s: "B", f: false, a: [1] },
        { s: "a", f: true, a: [0, 9] },
      ],
      "s STRING, f BOOLEAN, a ARRAY<INT>",
    );
    assert.deepEqual(
      (await df.orderBy("s").collect()).map((r) => r.s),
      ["B", "a", "b"],
    );
    // Code-point (UTF-8 byte) order: U+1F600 sorts after U+FF71, unlike UTF-16 unit order.
    const uni = rows([{ s: "😀" }, { s: "ｱ" }, { s: "z" }]);
    assert.deepEqual(
      (await uni.orderBy("s").collect()).map((r) => r.s),
      ["z", "ｱ", "😀"],
    );
    assert.deepEqual(
      (await df.orderBy("f", "s").collect()).map((r) => r.s),
      ["B", "a", "b"],
    );
    assert.deepEqual(
      (await df.orderBy("a").collect()).map((r) => r.a),
      [[0, 9], [1], [1, 2]],
    );
  });

  it("execute() streams one partition per source partition through narrow operators", async () => {
    const { df } = frame("x INT", [[[1], [2]], [[3]]], 1);
    const streams = await df.filter(col("x").gt(1)).select(col("x").multiply(10)).execute();
    assert.equal(streams.length, 2);
    const perPartition: unknown[][] = [];
    for (const s of streams) {
      const got: unknown[] = [];
      for await (const b of s) got.push(...b.map((r) => r[0]));
      perPartition.push(got);
    }
    assert.deepEqual(perPartition, [[20], [30]]);
  });

  it("unions keep every row, distinct removes duplicates across partitions", async () => {
    const { df: a } = frame("x INT", [[[1], [2]], [[2]]]);
    const { df: b } = frame("x INT", [[[2], [3]]]);
    assert.deepEqual(sorted(await a.union(b).collect()), [[1], [2], [2], [2], [3]]);
    assert.deepEqual(sorted(await a.union(b).distinct().collect()), [[1], [2], [3]]);
  });

  it("cancels through the signal", async () => {
    const { df } = frame("x INT", [Array.from({ length: 100 }, (_, i) => [i])], 1);
    const ac = new AbortController();
    const streams = await df.execute({ signal: ac.signal });
    let n = 0;
    for await (const b of streams[0]) {
      n += b.length;
      if (n === 3) ac.abort();
    }
    assert.ok(n <= 100);
  });
});
