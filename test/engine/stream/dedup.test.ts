/**
 * Streaming deduplication: dropDuplicates / distinct and dropDuplicatesWithinWatermark over
 * three micro-batches of JSON event files, with and without a watermark. Every expected output
 * and progress count is what PySpark 4.0 gave for the same files and query (see event-files.ts);
 * then restarts (state restored, a re-run batch emitting the same rows), the output-mode rules
 * and Spark's errors.
 */
import { strict as assert } from "node:assert";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { count, window } from "../../../src/engine/api/functions.js";
import { isWeirError } from "../../../src/util/errors.js";
import { counts, eventStream, runAvailableNow, writeEventFiles, type Event } from "./event-files.js";
import { streamFixture, type StreamFixture } from "./helpers.js";

/** Batch 0 holds a duplicate within itself; batch 1 a row between the previous and the new watermark; batch 2 a late row. */
const FILES: Event[][] = [
  [
    [1, "a", 10],
    [2, "a", 30],
    [1, "a", 10],
  ],
  [
    [3, "a", 15],
    [1, "a", 10],
    [4, "a", 50],
    [2, "a", 30],
  ],
  [
    [5, "a", 25],
    [6, "a", 45],
    [4, "a", 50],
    [3, "a", 15],
  ],
];

/** What Spark emitted for every variant below: (id, ts) per batch. */
const SPARK_ROWS = [
  { batch: 0, rows: [[1, 10], [2, 30]] },
  { batch: 1, rows: [[3, 15], [4, 50]] },
  { batch: 2, rows: [[5, 25], [6, 45]] },
];

describe("streaming dropDuplicates", () => {
  let f: StreamFixture;
  let input: string;
  beforeEach(async () => {
    f = await streamFixture();
    input = join(f.dir, "in");
    await writeEventFiles(input, FILES);
  });
  afterEach(async () => {
    await f.close();
  });

  it("with the event time among the keys: late rows dropped, keys evicted as the watermark passes (Spark's rows and counts)", async () => {
    const df = (await eventStream(f.weir, input)).withWatermark("ts", "10 seconds").dropDuplicates(["id", "ts"]).select("id", "ts");
    const r = await runAvailableNow(df, join(f.dir, "cp"));
    assert.deepEqual(r.batches, SPARK_ROWS);
    assert.deepEqual(
      r.progress.map((p) => p.eventTime.watermark),
      ["1970-01-01T00:00:00.000Z", "2024-01-01T10:00:20.000Z", "2024-01-01T10:00:40.000Z"],
    );
    assert.deepEqual(r.progress.map(counts), [
      { operatorName: "dedupe", numRowsTotal: 2, numRowsUpdated: 2, numRowsRemoved: 0, numRowsDroppedByWatermark: 0 },
      // (3, 15) is above batch 0's watermark (0), so not late; it and (1, 10) are evicted at 20 s.
      { operatorName: "dedupe", numRowsTotal: 2, numRowsUpdated: 2, numRowsRemoved: 2, numRowsDroppedByWatermark: 0 },
      // (3, 15) again: at or below batch 1's watermark (20 s), dropped as late.
      { operatorName: "dedupe", numRowsTotal: 2, numRowsUpdated: 2, numRowsRemoved: 2, numRowsDroppedByWatermark: 1 },
    ]);
    assert.deepEqual(
      r.progress.map((p) => p.stateOperators[0].customMetrics),
      [{ numDroppedDuplicateRows: 1 }, { numDroppedDuplicateRows: 2 }, { numDroppedDuplicateRows: 1 }],
    );
  });

  it("without the event time among the keys: late rows dropped, state never evicted", async () => {
    const df = (await eventStream(f.weir, input)).withWatermark("ts", "10 seconds").dropDuplicates(["id"]).select("id", "ts");
    const r = await runAvailableNow(df, join(f.dir, "cp"));
    assert.deepEqual(r.batches, SPARK_ROWS);
    assert.deepEqual(
      r.progress.map((p) => [p.stateOperators[0].numRowsTotal, p.stateOperators[0].numRowsRemoved, p.stateOperators[0].numRowsDroppedByWatermark]),
      [
        [2, 0, 0],
        [4, 0, 0],
        [6, 0, 1],
      ],
    );
  });

  it("without a watermark: every key kept; distinct() too", async () => {
    const byId = await runAvailableNow((await eventStream(f.weir, input)).dropDuplicates(["id"]).select("id", "ts"), join(f.dir, "cp1"));
    assert.deepEqual(byId.batches, SPARK_ROWS);
    assert.deepEqual(
      byId.progress.map((p) => p.stateOperators[0].numRowsTotal),
      [2, 4, 6],
    );
    assert.deepEqual(byId.progress[0].eventTime, {});
    const distinct = await runAvailableNow((await eventStream(f.weir, input)).select("id").distinct(), join(f.dir, "cp2"));
    assert.deepEqual(distinct.batches, [
      { batch: 0, rows: [[1], [2]] },
      { batch: 1, rows: [[3], [4]] },
      { batch: 2, rows: [[5], [6]] },
    ]);
    assert.deepEqual(
      distinct.progress.map((p) => p.stateOperators[0].operatorName),
      ["dedupe", "dedupe", "dedupe"],
    );
  });

  it("update mode gives the same rows as append mode", async () => {
    const df = (await eventStream(f.weir, input)).withWatermark("ts", "10 seconds").dropDuplicates(["id", "ts"]).select("id", "ts");
    const r = await runAvailableNow(df, join(f.dir, "cp"), "update");
    assert.deepEqual(r.batches, SPARK_ROWS);
  });

  it("state survives a restart, and a batch re-run after a crash emits the same rows", async () => {
    const cp = join(f.dir, "cp");
    const input2 = join(f.dir, "in2");
    await writeEventFiles(input2, FILES.slice(0, 2));
    // Without a watermark, so that no batch without data runs after the last file.
    const query = async (): Promise<ReturnType<typeof runAvailableNow>> => runAvailableNow((await eventStream(f.weir, input2)).dropDuplicates(["id"]).select("id", "ts"), cp);
    const first = await query();
    assert.deepEqual(first.batches, SPARK_ROWS.slice(0, 2));
    // As if the process died after batch 1's sink wrote and before its commit was logged.
    await rm(join(cp, "commits", "1"));
    await writeEventFiles(input2, FILES.slice(2), 2);
    const second = await query();
    assert.deepEqual(second.batches, [SPARK_ROWS[1], SPARK_ROWS[2]]);
    assert.equal(second.progress.at(-1)!.stateOperators[0].numRowsTotal, 6);
    // Nothing new: a restart has nothing to emit (ids 1..6 are all in state).
    await writeEventFiles(input2, [[[1, "a", 60], [6, "a", 61], [7, "a", 62]]], 3);
    const third = await query();
    assert.deepEqual(third.batches, [{ batch: 3, rows: [[7, 62]] }]);
  });

  it("refuses a restart whose deduplication keys changed", async () => {
    const cp = join(f.dir, "cp");
    await runAvailableNow((await eventStream(f.weir, input)).dropDuplicates(["id"]), cp);
    await assert.rejects(runAvailableNow((await eventStream(f.weir, input)).dropDuplicates(["id", "user"]), cp), (e: unknown) => isWeirError(e, "CHECKPOINT") && /dedupe\(keys: id int; partitions: 4\)/.test(e.message) && /dedupe\(keys: id int, user string/.test(e.message));
  });

  it("refuses the output modes Spark refuses, saying which fits", async () => {
    const events = await eventStream(f.weir, input);
    await assert.rejects(runAvailableNow(events.dropDuplicates(["id"]), join(f.dir, "c1"), "complete"), /Complete output mode not supported when there are no streaming aggregations.*Use append or update/);
    // A deduplication that evicts by the watermark above an aggregation in update mode.
    const counted = events.withWatermark("ts", "10 seconds").groupBy(window("ts", "10 seconds")).agg(count("*").alias("n")).dropDuplicates(["window"]);
    await assert.rejects(runAvailableNow(counted, join(f.dir, "c2"), "update"), (e: unknown) => isWeirError(e, "ANALYSIS") && /possible 'correctness' issue due to global watermark/.test(e.message) && /outputMode\("append"\)/.test(e.message));
  });
});

describe("streaming dropDuplicatesWithinWatermark", () => {
  let f: StreamFixture;
  let input: string;
  beforeEach(async () => {
    f = await streamFixture();
    input = join(f.dir, "in");
    await writeEventFiles(input, FILES);
  });
  afterEach(async () => {
    await f.close();
  });

  it("keeps a key until the watermark passes its first event time plus the delay (Spark's rows and counts)", async () => {
    const df = (await eventStream(f.weir, input)).withWatermark("ts", "10 seconds").dropDuplicatesWithinWatermark(["id"]).select("id", "ts");
    const r = await runAvailableNow(df, join(f.dir, "cp"));
    assert.deepEqual(r.batches, SPARK_ROWS);
    assert.deepEqual(r.progress.map(counts), [
      { operatorName: "dedupeWithinWatermark", numRowsTotal: 2, numRowsUpdated: 2, numRowsRemoved: 0, numRowsDroppedByWatermark: 0 },
      // id 1 expires at 10 + 10 = 20 s, the new watermark.
      { operatorName: "dedupeWithinWatermark", numRowsTotal: 3, numRowsUpdated: 2, numRowsRemoved: 1, numRowsDroppedByWatermark: 0 },
      // ids 2 (40 s), 3 (25 s) and 5 (35 s) expire at 40 s; (3, 15) is late.
      { operatorName: "dedupeWithinWatermark", numRowsTotal: 2, numRowsUpdated: 2, numRowsRemoved: 3, numRowsDroppedByWatermark: 1 },
    ]);
  });

  it("an expired key is emitted again once evicted (eviction follows the batch that passes the expiry)", async () => {
    const again = join(f.dir, "again");
    await writeEventFiles(again, [[[1, "a", 10]], [[9, "a", 100]], [[9, "a", 101]], [[1, "a", 95]]]);
    const r = await runAvailableNow((await eventStream(f.weir, again)).withWatermark("ts", "10 seconds").dropDuplicatesWithinWatermark(["id"]).select("id", "ts"), join(f.dir, "cp"));
    assert.deepEqual(r.batches, [
      { batch: 0, rows: [[1, 10]] },
      { batch: 1, rows: [[9, 100]] },
      // Runs with watermark 90 s: id 1 (expiring at 20 s) is evicted after it.
      { batch: 2, rows: [] },
      { batch: 3, rows: [[1, 95]] },
    ]);
    assert.deepEqual(
      r.progress.map((p) => p.stateOperators[0].numRowsRemoved),
      [0, 0, 1, 0],
    );
  });

  it("needs a watermark, as Spark says", async () => {
    await assert.rejects(
      runAvailableNow((await eventStream(f.weir, input)).dropDuplicatesWithinWatermark(["id"]), join(f.dir, "cp")),
      (e: unknown) => isWeirError(e, "ANALYSIS") && /dropDuplicatesWithinWatermark is not supported on streaming DataFrames\/DataSets without watermark/.test(e.message) && /withWatermark/.test(e.message),
    );
  });

  it("is refused in a batch query when it runs, as Spark refuses it", async () => {
    const df = f.weir.createDataFrame([{ id: 1 }, { id: 1 }]).dropDuplicatesWithinWatermark(["id"]);
    assert.deepEqual(df.columns, ["id"]);
    assert.match(df.explainString(true), /DeduplicateWithinWatermark \[id#\d+\]/);
    await assert.rejects(df.collect(), /dropDuplicatesWithinWatermark is not supported with batch DataFrames\/DataSets/);
  });
});
