/**
 * The workers' fused count (exec/parallel/fused.ts: `count(*)` grouped by string fields of the
 * from_json over the value, counted by the fields' bytes) gives exactly the rows of the general
 * path — the calling thread's pipeline of rows, structs and a GroupTable — in the same order,
 * on random values that mix the common shape with everything the bytes locator leaves to the
 * general path: malformed JSON, JSON null, null Kafka values, non-ASCII text, escapes (\" \\
 * \u00e9, escaped keys), duplicate keys, missing fields, null fields, values of the wrong type,
 * nested objects, whitespace, control characters, and keys of many distinct values (the bytes
 * table grows). Also the FAILFAST error naming the record, and queries the fused count does not
 * take.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { col, count, from_json, lit, sum } from "../../../src/index.js";
import { mulberry32 } from "../../../src/util/random.js";
import { kafka, openSessions, produce, same, type Sessions } from "./fixtures.js";

const SCHEMA = "c STRING, p STRING, n INT, o STRUCT<x: INT>";

/** Category values: ASCII, empty, long, non-ASCII, with characters JSON escapes. */
const CATEGORIES = ["a", "b", "cat-1", "cat-22", "", "x".repeat(70), "café", "naïve-ü", 'q"uote', "back\\slash", "tab\there", "日本"];

/** One random value's JSON text (or null for a null Kafka value), mostly of the common shape. */
function randomValue(rand: () => number): string | null {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const cat = pick(CATEGORIES);
  const prod = rand() < 0.5 ? `p${Math.floor(rand() * 4)}` : `prod-${Math.floor(rand() * 3000)}${rand() < 0.1 ? "-".repeat(50) : ""}`;
  const n = Math.floor(rand() * 1000) - 500;
  const r = rand();
  if (r < 0.55) return JSON.stringify({ c: cat, p: prod, n, o: { x: n } });
  if (r < 0.6) return JSON.stringify({ n, p: prod, c: cat });
  if (r < 0.63) return JSON.stringify({ p: prod, n });
  if (r < 0.66) return JSON.stringify({ c: null, p: prod });
  if (r < 0.68) return JSON.stringify({ c: cat, p: null });
  if (r < 0.7) return `{"c":${JSON.stringify(cat)},"c":"dup","p":"${prod}"}`;
  if (r < 0.72) return `{"c":"caf\\u00e9","p":"${prod}"}`;
  if (r < 0.73) return `{"\\u0063":"a","p":"${prod}"}`;
  if (r < 0.75) return `{ "c" : ${JSON.stringify(cat)} ,\n "p":"${prod}" }`;
  if (r < 0.77) return `{"c":"a","p":"${prod}","o":{"x":{"y":[1,2,{"z":null}]}},"extra":[true,false,null,1.5e3]}`;
  if (r < 0.79) return `{"c":5,"p":"${prod}"}`;
  if (r < 0.8) return `{"c":{"k":"v"},"p":"${prod}"}`;
  if (r < 0.81) return `{"c":"a\tb","p":"${prod}"}`;
  if (r < 0.82) return `{"c":"a","n":1.5}`;
  if (r < 0.83) return `{"c":"a","n":99999999999}`;
  if (r < 0.85) return pick(["not json", "", "{", '{"c":"a"', '{"c":"a"}}', "[1,2]", "null", "{}", "  {} ", '{"c":"a",}', "\u00e9"]);
  if (r < 0.87) return null;
  if (r < 0.9) return `{"c":${JSON.stringify(cat)},"p":"${prod}","n":-0,"m":0.25,"t":"2024-01-01T00:00:00Z"}`;
  return JSON.stringify({ c: cat, p: prod, n });
}

describe("the fused count gives the general path's rows", () => {
  let s: Sessions;
  before(async () => {
    s = await openSessions(2);
    const rand = mulberry32(2026);
    await s.par.logClient().createTopic("mix", 3, { "retention.ms": "-1" });
    for (let p = 0; p < 3; p++) {
      const values = Array.from({ length: 1500 + p * 500 }, () => randomValue(rand));
      await produce(s.par, "mix", p, values, { perBatch: 200, ...(p === 1 ? { compression: "gzip" as const } : {}) });
    }
    await s.par.logClient().createTopic("clean", 2, { "retention.ms": "-1" });
    for (let p = 0; p < 2; p++) await produce(s.par, "clean", p, Array.from({ length: 800 }, (_, i) => JSON.stringify({ c: `c${(i * 7 + p) % 13}`, p: `p${i % 3}`, n: i })));
    await produce(s.par, "clean", 1, ['{"c":"c1","p":"p1","n":"not an int"}', "not json"], { first: 800 });
  });
  after(async () => {
    await s.close();
  });

  const events = async (w: Parameters<typeof kafka>[0], topic: string, options?: Record<string, string>) => (await kafka(w, topic)).select(from_json(col("value").cast("string"), SCHEMA, options).alias("e"));

  /** Runs the query on both sessions (same rows, same order) and returns the fused count's counters for the parallel run. */
  const fusedRun = async (query: Parameters<typeof same>[1]): Promise<{ partitions: number; general: number; rows: Record<string, unknown>[] }> => {
    const before = s.stats();
    const r = await same(s, query);
    const after = s.stats();
    return { partitions: after.fusedPartitions - before.fusedPartitions, general: after.fusedGeneralRecords - before.fusedGeneralRecords, rows: r.ok ? r.rows : [] };
  };

  it("a count by one string field", async () => {
    const r = await fusedRun(async (w) => (await events(w, "mix")).groupBy("e.c").count());
    assert.equal(r.partitions, 3, "every partition is counted by the fused count");
    assert.ok(r.general > 100, `records read the general way: ${r.general}`);
    assert.equal(r.rows.reduce((n, x) => n + (x.count as number), 0), 1500 + 2000 + 2500);
    // Both the bytes and the general way found "café" (raw UTF-8 and \u00e9): one group.
    assert.equal(r.rows.filter((x) => x.c === "café").length, 1);
    assert.ok(r.rows.some((x) => x.c === null));
    assert.ok(r.rows.some((x) => x.c === 'q"uote') && r.rows.some((x) => x.c === "x".repeat(70)));
  });

  it("counts by two fields, many distinct values (the bytes table grows), both orders and a repeated key", async () => {
    const a = await fusedRun(async (w) => (await events(w, "mix")).groupBy("e.c", "e.p").count());
    assert.equal(a.partitions, 3);
    assert.ok(a.rows.length > 1000, `groups: ${a.rows.length}`);
    const b = await fusedRun(async (w) =>
      (await events(w, "mix"))
        .groupBy(col("e.p"), col("e.c"), col("e.p").alias("p2"))
        .agg(count("*").alias("n1"), count(lit(1)).alias("n2")),
    );
    assert.equal(b.partitions, 3);
    assert.ok(b.rows.every((x) => x.n1 === x.n2 && x.p === x.p2));
  });

  it("a rename between the from_json and the grouping, and the struct's other fields unused", async () => {
    const r = await fusedRun(async (w) =>
      (await events(w, "mix"))
        .select(col("e").alias("ev"))
        .select(col("ev.p").alias("prod"), col("ev"))
        .groupBy("prod")
        .count(),
    );
    assert.equal(r.partitions, 3);
  });

  it("from_json with options: PERMISSIVE records checked against the whole schema, FAILFAST naming the record", async () => {
    const p = await fusedRun(async (w) => (await events(w, "mix", { mode: "PERMISSIVE" })).groupBy("e.c").count());
    assert.equal(p.partitions, 3);
    const ok = await fusedRun(async (w) => (await events(w, "clean", { mode: "FAILFAST" })).where(col("e.n").isNotNull()).groupBy("e.c").count());
    assert.equal(ok.partitions, 0, "a filter keeps the query off the fused count");
    const before = s.stats();
    const r = await same(s, async (w) => (await events(w, "clean", { mode: "FAILFAST" })).groupBy("e.c").count());
    assert.ok(!r.ok);
    assert.match(String((r.error as Error).message), /record: topic clean, partition 1, offset 800/);
    assert.equal(s.stats().fusedPartitions - before.fusedPartitions, 1, "the partition without the bad record was counted");
  });

  it("queries the fused count does not take give the same rows too", async () => {
    for (const q of [
      async (w: Parameters<typeof kafka>[0]) => (await events(w, "mix")).groupBy("e.n").count(),
      async (w: Parameters<typeof kafka>[0]) => (await events(w, "mix")).groupBy("e.c").agg(sum("e.n").alias("total")),
      async (w: Parameters<typeof kafka>[0]) => (await events(w, "mix")).groupBy("e.c").agg(count("e.p").alias("ps")),
      async (w: Parameters<typeof kafka>[0]) => (await kafka(w, "mix")).select(from_json(col("value").cast("string"), SCHEMA).alias("e"), col("partition")).groupBy("e.c", "partition").count(),
    ]) {
      const r = await fusedRun(q);
      assert.equal(r.partitions, 0);
    }
  });
});
