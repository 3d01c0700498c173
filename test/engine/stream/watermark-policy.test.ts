/**
 * Several watermarks in one query (a union of two streams with different delays):
 * `spark.sql.streaming.multipleWatermarkPolicy` min (default) or max, set with weir.conf, fixed in
 * the checkpoint at the first batch and kept on restart whatever the session says then. The
 * expected watermarks and deduplication counts are PySpark 4.0's for the same files and query.
 */
import { strict as assert } from "node:assert";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import { MULTIPLE_WATERMARK_POLICY } from "../../../src/engine/api/conf.js";
import { isWeirError } from "../../../src/util/errors.js";
import { eventStream, runAvailableNow, writeEventFiles, type Event } from "./event-files.js";
import { streamFixture, type StreamFixture } from "./helpers.js";

const A_FILES: Event[][] = [[[1, "a", 100]], [[2, "a", 200]], [[3, "a", 300]]];
const B_FILES: Event[][] = [[[1, "b", 150]], [[2, "b", 160]], [[3, "b", 400]]];
const ROWS = [
  { batch: 0, rows: [[1, "a", 100], [1, "b", 150]] },
  { batch: 1, rows: [[2, "a", 200], [2, "b", 160]] },
  { batch: 2, rows: [[3, "a", 300], [3, "b", 400]] },
];

const at = (s: number): string => new Date(Date.UTC(2024, 0, 1, 10, 0, s)).toISOString();

describe("multiple watermark policy", () => {
  let f: StreamFixture;
  let a: string;
  let b: string;
  beforeEach(async () => {
    f = await streamFixture();
    a = join(f.dir, "a");
    b = join(f.dir, "b");
    await writeEventFiles(a, A_FILES);
    await writeEventFiles(b, B_FILES);
  });
  afterEach(async () => {
    await f.close();
  });

  /** A (delay 10 s) union B (delay 20 s). */
  const both = async (): Promise<DataFrame> => (await eventStream(f.weir, a)).withWatermark("ts", "10 seconds").union((await eventStream(f.weir, b)).withWatermark("ts", "20 seconds"));

  it("min (the default): the slower stream's watermark", async () => {
    assert.equal(f.weir.conf.get(MULTIPLE_WATERMARK_POLICY), "min");
    const r = await runAvailableNow(await both(), join(f.dir, "cp"));
    assert.deepEqual(r.batches, ROWS);
    // After batch 0: A at 90 s, B at 130 s; after batch 1: A at 190 s, B at 140 s.
    assert.deepEqual(
      r.progress.map((p) => p.eventTime.watermark),
      [new Date(0).toISOString(), at(90), at(140)],
    );
    const offsets = (await readFile(join(f.dir, "cp", "offsets", "0"), "utf8")).split("\n")[1];
    assert.equal((JSON.parse(offsets) as { conf: Record<string, string> }).conf[MULTIPLE_WATERMARK_POLICY], "min");
  });

  it("max: the faster stream's watermark", async () => {
    f.weir.conf.set(MULTIPLE_WATERMARK_POLICY, "max");
    const r = await runAvailableNow(await both(), join(f.dir, "cp"));
    assert.deepEqual(r.batches, ROWS);
    assert.deepEqual(
      r.progress.map((p) => p.eventTime.watermark),
      [new Date(0).toISOString(), at(130), at(190)],
    );
  });

  it("decides what a deduplication evicts (Spark's counts under min and under max)", async () => {
    const run = async (cp: string): Promise<number[][]> => {
      const r = await runAvailableNow((await both()).dropDuplicates(["id", "ts"]), join(f.dir, cp));
      assert.deepEqual(r.batches, [...ROWS, { batch: 3, rows: [] }]);
      return r.progress.map((p) => [p.stateOperators[0].numRowsTotal, p.stateOperators[0].numRowsRemoved]);
    };
    assert.deepEqual(await run("min"), [
      [2, 0],
      [4, 0],
      [5, 1],
      [2, 3],
    ]);
    f.weir.conf.set(MULTIPLE_WATERMARK_POLICY, "MAX");
    assert.deepEqual(await run("max"), [
      [2, 0],
      [3, 1],
      [3, 2],
      [1, 2],
    ]);
  });

  it("is fixed in the checkpoint: a restart keeps the policy of the first run", async () => {
    const cp = join(f.dir, "cp");
    await runAvailableNow(await both(), cp);
    f.weir.conf.set(MULTIPLE_WATERMARK_POLICY, "max");
    const next = async (n: number, aSeconds: number, bSeconds: number): Promise<Awaited<ReturnType<typeof runAvailableNow>>> => {
      await writeEventFiles(a, [[[n, "a", aSeconds]]], n - 1);
      await writeEventFiles(b, [[[n, "b", bSeconds]]], n - 1);
      return runAvailableNow(await both(), cp);
    };
    // Batch 3 runs with what batch 2 left: min(300 - 10, 400 - 20) = 290 s.
    const r3 = await next(4, 500, 450);
    assert.deepEqual(r3.progress.map((p) => [p.batchId, p.eventTime.watermark]), [[3, at(290)]]);
    // After batch 3: A at 490 s, B at 430 s. The checkpoint's min gives 430 s (the session's max would give 490 s).
    const r4 = await next(5, 600, 610);
    assert.deepEqual(r4.progress.map((p) => [p.batchId, p.eventTime.watermark]), [[4, at(430)]]);
    const offsets = (await readFile(join(cp, "offsets", "4"), "utf8")).split("\n")[1];
    assert.equal((JSON.parse(offsets) as { conf: Record<string, string> }).conf[MULTIPLE_WATERMARK_POLICY], "min");
  });

  it("refuses a value other than min or max with Spark's message", () => {
    assert.throws(
      () => f.weir.conf.set(MULTIPLE_WATERMARK_POLICY, "avg"),
      (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && e.message === "'avg' in spark.sql.streaming.multipleWatermarkPolicy is invalid. Invalid value for 'spark.sql.streaming.multipleWatermarkPolicy'. Valid values are 'min' and 'max'",
    );
    f.weir.conf.set(MULTIPLE_WATERMARK_POLICY, "MAX");
    assert.equal(f.weir.conf.get(MULTIPLE_WATERMARK_POLICY), "MAX");
    f.weir.conf.unset(MULTIPLE_WATERMARK_POLICY);
    assert.equal(f.weir.conf.get(MULTIPLE_WATERMARK_POLICY), "min");
    assert.throws(() => f.weir.conf.get("spark.weir.nothing"), /\[SQL_CONF_NOT_FOUND\]/);
    assert.equal(f.weir.conf.get("spark.weir.nothing", "x"), "x");
  });
});
