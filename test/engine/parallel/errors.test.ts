/**
 * Errors of aggregations run on worker threads are the single-thread path's: the same
 * WeirError (code, message, details) — a FAILFAST record or an ANSI cast naming the record's
 * topic, partition and offset, an overflow, data loss — and, when several partitions fail, the
 * failure of the first partition, as the calling thread (which reads partitions in order) meets it.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { col, count, expr, from_json, sum } from "../../../src/index.js";
import { isWeirError } from "../../../src/util/errors.js";
import { SCHEMA, event, kafka, openSessions, produce, same, type Sessions } from "./fixtures.js";
import { mulberry32 } from "../../../src/util/random.js";

describe("parallel aggregation fails as the single-thread path does", () => {
  let s: Sessions;
  before(async () => {
    s = await openSessions(2);
    const rand = mulberry32(11);
    const events = (n: number, from: number): (string | null)[] => Array.from({ length: n }, (_, k) => event(from + k, rand));
    // `bad`: p0 clean and long; p1 malformed at its last record; p2 clean; p3 malformed at its first.
    await s.par.logClient().createTopic("bad", 4, {});
    await produce(s.par, "bad", 0, events(3000, 0), { perBatch: 500 });
    const p1 = events(400, 10_000);
    p1[399] = '{"s": "tail", "i": ';
    await produce(s.par, "bad", 1, p1);
    await produce(s.par, "bad", 2, events(200, 20_000));
    const p3 = events(50, 30_000);
    p3[0] = "not json at all";
    await produce(s.par, "bad", 3, p3);
    // `big`: bigints whose sums overflow in one partition (p0) or only once partitions are merged (p1 + p2).
    await s.par.logClient().createTopic("big", 3, {});
    const n = 2 ** 62;
    await produce(s.par, "big", 0, [`{"l": ${n}}`, `{"l": ${n}}`]);
    await produce(s.par, "big", 1, [`{"l": ${n}}`, `{"l": 1}`]);
    await produce(s.par, "big", 2, [`{"l": ${n}}`, `{"l": 2}`]);
  });
  after(async () => {
    await s.close();
  });

  const parsed = async (w: Parameters<typeof kafka>[0], topic: string, options?: Record<string, string>, kafkaOptions: Record<string, string> = {}) =>
    (await kafka(w, topic, kafkaOptions)).select(from_json(col("value").cast("string"), SCHEMA, options).alias("e"), "key", "partition");

  it("FAILFAST: the first failing partition's record, by topic, partition and offset", async () => {
    const r = await same(s, async (w) => (await parsed(w, "bad", { mode: "FAILFAST" })).groupBy("e.s").count());
    assert.ok(!r.ok && isWeirError(r.error, "EXECUTION"));
    assert.match((r.error as Error).message, /MALFORMED_RECORD_IN_PARSING.*\(record: topic bad, partition 1, offset 399\)/);
    assert.equal((r.error as { details: Record<string, unknown> }).details.record, "topic bad, partition 1, offset 399");
  });

  it("FAILFAST without the failing partition gives the next one's", async () => {
    const r = await same(s, async (w) => (await parsed(w, "bad", { mode: "FAILFAST" }, { assign: '{"bad":[0,2,3]}' })).groupBy("partition", "e.s").count());
    assert.ok(!r.ok);
    assert.match((r.error as Error).message, /\(record: topic bad, partition 3, offset 0\)/);
  });

  it("an ANSI cast failure in a projection names its record", async () => {
    const r = await same(s, async (w) => (await parsed(w, "bad", undefined, { assign: '{"bad":[2,0]}' })).select(expr("cast(e.s as int)").alias("n")).groupBy("n").count());
    assert.ok(!r.ok && isWeirError(r.error, "EXECUTION"));
    assert.match((r.error as Error).message, /CAST_INVALID_INPUT.*\(record: topic bad, partition 0, offset \d+\)/);
  });

  it("an ANSI failure inside an aggregate's argument", async () => {
    const r = await same(s, async (w) => (await parsed(w, "bad", undefined, { assign: '{"bad":[2]}' })).groupBy("partition").agg(sum(expr("cast(e.s as int)"))));
    assert.ok(!r.ok && isWeirError(r.error, "EXECUTION"));
  });

  it("a bigint sum overflowing within a partition, and only when partitions are merged", async () => {
    const within = await same(s, async (w) => (await parsed(w, "big")).agg(sum("e.l")));
    assert.ok(!within.ok && isWeirError(within.error, "EXECUTION"));
    assert.match((within.error as Error).message, /ARITHMETIC_OVERFLOW/);
    const merged = await same(s, async (w) => (await parsed(w, "big", undefined, { assign: '{"big":[1,2]}' })).agg(sum("e.l"), count("*")));
    assert.ok(!merged.ok && isWeirError(merged.error, "EXECUTION"));
    const fine = await same(s, async (w) => (await parsed(w, "big", undefined, { assign: '{"big":[1,2]}' })).groupBy("partition").agg(sum("e.l")));
    assert.ok(fine.ok);
  });

  it("an offset range past the partition's end: data loss, or what there is with failOnDataLoss=false", async () => {
    const ending = '{"bad":{"0":-1,"1":450,"2":-1,"3":-1}}';
    const lost = await same(s, async (w) => (await parsed(w, "bad", undefined, { endingOffsets: ending })).groupBy("partition").count());
    assert.ok(!lost.ok && isWeirError(lost.error, "OFFSET_OUT_OF_RANGE"));
    assert.match((lost.error as Error).message, /KAFKA_DATA_LOSS.*bad-1/);
    const read = await same(s, async (w) => (await parsed(w, "bad", undefined, { endingOffsets: ending, failOnDataLoss: "false" })).groupBy("partition").count());
    assert.ok(read.ok && read.rows.length === 4);
  });
});
