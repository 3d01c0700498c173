/**
 * A Kafka scan fused with the from_json over its values (exec/scan.ts, fuseValueJson): the
 * decoder hands from_json each value's bytes in place. The fused plan must give exactly the
 * rows of the unfused one (the same query reading the value once more, which is not fused),
 * on one thread and on the workers, name the failing record in FAILFAST, and leave values read
 * any other way alone.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Weir, col, from_json, length, max } from "../../../src/index.js";
import { parallelRuntimeOf } from "../../../src/engine/exec/parallel/pool.js";
import { buildBatch } from "../../../src/protocol/records/index.js";
import { isWeirError } from "../../../src/util/errors.js";

const T0 = 1_700_000_000_000;
const SCHEMA = "c STRING, n BIGINT, d DOUBLE";
const values: (string | null)[] = [
  '{"c":"x","n":1,"d":0.5}',
  '{"n":2,"c":"y","zz":[1,{"q":null}]}',
  '{"c":"x","n":"not a number"}',
  '{"c":"x","n":3',
  '{"c":"caf\u00e9","d":1e400}',
  '{"c":"a\\"b","n":-4}',
  "null",
  null,
  "",
  ' {"c" : "z" , "n" : 5 } ',
];
const RECORDS = 2_000;

describe("a Kafka scan fused with from_json over its values", () => {
  let dir: string;
  let weir: Weir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-fused-"));
    weir = await Weir.embedded({ dataDir: dir, parallelism: 2, parallelMinRecords: 1 });
    await weir.logClient().createTopic("events", 3, {});
    for (let p = 0; p < 3; p++) {
      const records = Array.from({ length: RECORDS / 2 }, (_, i) => {
        const v = values[(i * 7 + p) % values.length];
        return { key: null, value: v === null ? null : Buffer.from(v), timestamp: T0 + i };
      });
      for (let at = 0; at < records.length; at += 250) await weir.logClient().produce("events", p, buildBatch(records.slice(at, at + 250)));
    }
  });
  after(async () => {
    await weir.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const load = async (options: Record<string, string> = { subscribe: "events" }) => {
    let r = weir.read.format("kafka");
    for (const [k, v] of Object.entries(options)) r = r.option(k, v);
    return r.load();
  };
  const e = (opts?: Record<string, string>) => from_json(col("value").cast("string"), SCHEMA, opts).alias("e");

  it("reads the values in place only when from_json is all that reads them", async () => {
    const df = await load();
    assert.match(df.select(e(), "offset").explainString(), /ValueReadBy: from_json\(value#\d+ \(UTF-8 bytes\)/);
    assert.match(df.select(e()).groupBy("e.c").count().explainString(), /ValueReadBy: from_json\(value#\d+ \(UTF-8 bytes\), pruned to struct<c:string>\)/);
    assert.doesNotMatch(df.select(e(), length(col("value")).alias("len")).explainString(), /ValueReadBy/);
    assert.doesNotMatch(df.select(col("value").cast("string").alias("s")).explainString(), /ValueReadBy/);
  });

  it("gives the rows of the unfused plan", async () => {
    const df = await load();
    const fused = await df.select(e(), "partition", "offset").select("e", "e.c", "e.n", "e.d", "partition", "offset").orderBy("partition", "offset").collect();
    const plain = await df.select(e(), "partition", "offset", length(col("value")).alias("len")).select("e", "e.c", "e.n", "e.d", "partition", "offset").orderBy("partition", "offset").collect();
    assert.equal(fused.length, 3 * (RECORDS / 2));
    assert.deepEqual(fused, plain);
    // A sample of what they hold: partial results, the non-ASCII and escaped strings, null values.
    // Partition 0 holds values[7i % 10] at offset i.
    const byText = new Map(values.map((_, i) => [values[(i * 7) % values.length], fused[i]]));
    assert.deepEqual(byText.get('{"c":"x","n":"not a number"}')?.e, { c: "x", n: null, d: null });
    assert.deepEqual(byText.get('{"c":"caf\u00e9","d":1e400}')?.e, { c: "café", n: null, d: Infinity });
    assert.deepEqual(byText.get('{"c":"a\\"b","n":-4}')?.e, { c: 'a"b', n: -4, d: null });
    assert.equal(byText.get(null)?.e, null);
  });

  it("aggregates the same on the workers and on one thread", async () => {
    const q = async (w: Weir) =>
      (await w.read.format("kafka").option("subscribe", "events").load()).select(e()).groupBy("e.c").count().orderBy("c").collect();
    const stats = parallelRuntimeOf(weir.logClient())!.stats;
    const before = { ...stats };
    const parallel = await q(weir);
    assert.equal(stats.parallelQueries, before.parallelQueries + 1);
    // The rows keep no view of the fetched bytes: fetches go through the workers' reused slots.
    assert.ok(stats.slotFetches > before.slotFetches);
    // The embedded log reads them straight into the slots (LogClient.fetchInto): no copy.
    assert.ok(stats.slotReads > before.slotReads);
    assert.equal(stats.transferredFetches, before.transferredFetches);
    // Reading the key too keeps Buffer views: fetches are transferred.
    const withKey = await (await load()).select(e(), "key").groupBy("e.c").agg(max("key").alias("k")).orderBy("c").collect();
    assert.ok(stats.transferredFetches > before.transferredFetches);
    assert.equal(withKey.length, parallel.length);
    const single = await (await load()).select(e(), length(col("value")).alias("len")).groupBy("e.c").count().orderBy("c").collect();
    assert.deepEqual(parallel, single);
    assert.equal(
      parallel.reduce((n, r) => n + Number(r.count), 0),
      3 * (RECORDS / 2),
    );
  });

  it("FAILFAST names the failing record, on one thread and on the workers", async () => {
    // Partition 0 holds values[7i % 10] at offset i: the first that FAILFAST rejects.
    const df = (await load({ assign: '{"events":[0]}' })).select(e({ mode: "FAILFAST" }), "offset");
    let failing = -1;
    for (let i = 0; i < RECORDS / 2 && failing < 0; i++) if (['{"c":"x","n":"not a number"}', '{"c":"x","n":3', ""].includes(values[(i * 7) % values.length] ?? "-")) failing = i;
    await assert.rejects(df.collect(), (err: unknown) => {
      assert.ok(isWeirError(err, "EXECUTION"), String(err));
      assert.match(err.message, /MALFORMED_RECORD_IN_PARSING/);
      assert.equal(err.details.record, `topic events, partition 0, offset ${failing}`);
      return true;
    });
    await assert.rejects(
      df.groupBy("e.c").count().collect(),
      (err: unknown) => isWeirError(err, "EXECUTION") && err.details.record === `topic events, partition 0, offset ${failing}`,
    );
  });
});
