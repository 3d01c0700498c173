/**
 * The fused count's bytes table (exec/parallel/fused.ts, FusedCount) on its own: with a locator
 * whose hashes all collide, every lookup compares bytes (4 at a time, then the rest), so keys
 * that share a hash, a length and their first words must still be told apart; records left to
 * the general way and null values land in the same groups; groups come in first-seen order with
 * the counts of a plain count, and the table grows past its first size.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { FALLBACK } from "../../../src/engine/functions/json-scan.js";
import { LOCATED, type JsonBytesLocator } from "../../../src/engine/functions/json-scan-bytes.js";
import { compileAggregation } from "../../../src/engine/exec/aggregate.js";
import { FusedCount } from "../../../src/engine/exec/parallel/fused.js";
import type { Attribute, NamedExpr } from "../../../src/engine/plan/expressions.js";
import { LongType, StringType } from "../../../src/engine/types.js";
import { mulberry32 } from "../../../src/util/random.js";

const KEY: Attribute = { id: 1, name: "k", dataType: StringType, nullable: true };

/** A count(*) by one string column, compiled as the worker compiles it. */
function countByKey() {
  const keys: NamedExpr[] = [{ expr: { kind: "ref", id: KEY.id, name: KEY.name, dataType: StringType, nullable: true }, attr: KEY }];
  const aggs = [{ expr: { kind: "agg", name: "count", args: [{ kind: "lit", value: 1, dataType: { kind: "int" }, nullable: false }], distinct: false, dataType: LongType, nullable: false }, attr: { id: 2, name: "count", dataType: LongType, nullable: false } }] as unknown as NamedExpr[];
  return compileAggregation(keys, aggs, [KEY]);
}

/**
 * A locator over values that are the key's bytes themselves: "~null" is a null key, a value
 * starting with "~" is left to the general way (FALLBACK); every hash is 0.
 */
function collidingLocator(): JsonBytesLocator {
  const starts = new Int32Array(1);
  const ends = new Int32Array(1);
  const hashes = new Int32Array(1);
  return {
    starts,
    ends,
    hashes,
    scan(b, s, e) {
      const text = b.toString("latin1", s, e);
      if (text.startsWith("~") && text !== "~null") return FALLBACK;
      starts[0] = text === "~null" ? -1 : s;
      ends[0] = e;
      hashes[0] = 0;
      return LOCATED;
    },
  };
}

describe("the fused count's bytes table", () => {
  it("tells apart keys whose hashes, lengths and first words are the same, in first-seen order", () => {
    const c = countByKey();
    const table = c.newTable();
    // The general way: "~x" is the struct of key "x" (so "~abcd1" joins the group of "abcd1").
    const sink = new FusedCount(collidingLocator(), (b, s, e) => [b.toString("latin1", s + 1, e)], table, [0], Int32Array.of(0), 1);
    const keys = ["abcd1", "abcd2", "abce1", "", "abcdefgh", "abcdefgi", "abcdefghijk", "abcdefghijj", "x", "~null", "~abcd1", "~new"];
    for (let i = 0; i < 100; i++) keys.push(`many-${i}-${"z".repeat(i % 9)}`);
    const rand = mulberry32(5);
    const want = new Map<string | null, number>();
    // Values at odd positions of shared buffers, with bytes after each.
    for (let round = 0; round < 20; round++) {
      const picked = Array.from({ length: 200 }, () => keys[Math.floor(rand() * keys.length)]);
      const buf = Buffer.from(`?${picked.join("|")}|abcdefgh`, "latin1");
      let at = 1;
      for (const k of picked) {
        sink.value(buf, at, at + k.length);
        at += k.length + 1;
        const key = k === "~null" ? null : k.startsWith("~") ? k.slice(1) : k;
        want.set(key, (want.get(key) ?? 0) + 1);
      }
      sink.nullValue();
      want.set(null, (want.get(null) ?? 0) + 1);
    }
    sink.finish();
    assert.deepStrictEqual(
      table.groups.map((g) => [g.keys[0], g.states[0]]),
      [...want],
    );
    assert.ok(sink.generalRecords > 0);
  });
});
