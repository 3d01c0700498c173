/**
 * Streaming aggregation by session window: sessions kept per user across micro-batches, merged
 * as rows arrive (also a row before a session's start), emitted once the watermark passes their
 * end in append mode, every batch in complete mode; gaps per row; late rows counted; state
 * restored by a restart and a re-run batch emitting the same rows; Spark's refusals. Every
 * expected output and count is what PySpark 4.0 gave for the same files and query.
 */
import { strict as assert } from "node:assert";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { col, count, session_window, sum, when } from "../../../src/engine/api/functions.js";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import { isWeirError } from "../../../src/util/errors.js";
import { counts, eventStream, runAvailableNow, writeEventFiles, type Event } from "./event-files.js";
import { streamFixture, type StreamFixture } from "./helpers.js";

/** Four batches: sessions of u1 and u2 that grow and merge (id 6 starts before u1's session), then u3 moves the watermark far on. */
const FILES: Event[][] = [
  [
    [1, "u1", 100],
    [2, "u1", 105],
    [3, "u2", 103],
  ],
  [
    [4, "u1", 112],
    [5, "u2", 130],
    [6, "u1", 99],
  ],
  [
    [7, "u1", 140],
    [8, "u1", 101],
    [9, "u2", 131],
  ],
  [[10, "u3", 300]],
];

const sw = (start: number, end: number): { start: number; end: number } => ({ start, end });

describe("streaming session windows", () => {
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

  const sessions = async (dir = input): Promise<DataFrame> =>
    (await eventStream(f.weir, dir))
      .withWatermark("ts", "5 seconds")
      .groupBy(session_window("ts", "10 seconds"), "user")
      .agg(count("*").alias("n"), sum("id").alias("ids"));

  it("append mode: each session once, when the watermark passes its end (Spark's rows and counts)", async () => {
    const r = await runAvailableNow(await sessions(), join(f.dir, "cp"));
    assert.deepEqual(r.batches, [
      { batch: 0, rows: [] },
      { batch: 1, rows: [] },
      {
        batch: 2,
        rows: [
          [sw(103, 113), "u2", 1, 3],
          [sw(99, 122), "u1", 5, 21],
        ],
      },
      { batch: 3, rows: [] },
      // A batch without data, once u3 moved the watermark to 295 s.
      {
        batch: 4,
        rows: [
          [sw(130, 141), "u2", 2, 14],
          [sw(140, 150), "u1", 1, 7],
        ],
      },
    ]);
    assert.deepEqual(
      r.progress.map((p) => p.eventTime.watermark),
      ["1970-01-01T00:00:00.000Z", "2024-01-01T10:01:40.000Z", "2024-01-01T10:02:05.000Z", "2024-01-01T10:02:15.000Z", "2024-01-01T10:04:55.000Z"],
    );
    const op = "sessionWindowStateStoreSaveExec";
    assert.deepEqual(r.progress.map(counts), [
      { operatorName: op, numRowsTotal: 2, numRowsUpdated: 2, numRowsRemoved: 0, numRowsDroppedByWatermark: 0 },
      // u1's session now starts at 99: the one starting at 100 is replaced.
      { operatorName: op, numRowsTotal: 3, numRowsUpdated: 3, numRowsRemoved: 1, numRowsDroppedByWatermark: 0 },
      { operatorName: op, numRowsTotal: 2, numRowsUpdated: 4, numRowsRemoved: 2, numRowsDroppedByWatermark: 0 },
      { operatorName: op, numRowsTotal: 3, numRowsUpdated: 1, numRowsRemoved: 0, numRowsDroppedByWatermark: 0 },
      { operatorName: op, numRowsTotal: 1, numRowsUpdated: 0, numRowsRemoved: 2, numRowsDroppedByWatermark: 0 },
    ]);
  });

  it("complete mode: every session every batch, nothing evicted", async () => {
    const r = await runAvailableNow(await sessions(), join(f.dir, "cp"), "complete");
    assert.deepEqual(r.batches, [
      {
        batch: 0,
        rows: [
          [sw(100, 115), "u1", 2, 3],
          [sw(103, 113), "u2", 1, 3],
        ],
      },
      {
        batch: 1,
        rows: [
          [sw(103, 113), "u2", 1, 3],
          [sw(130, 140), "u2", 1, 5],
          [sw(99, 122), "u1", 4, 13],
        ],
      },
      {
        batch: 2,
        rows: [
          [sw(103, 113), "u2", 1, 3],
          [sw(130, 141), "u2", 2, 14],
          [sw(140, 150), "u1", 1, 7],
          [sw(99, 122), "u1", 5, 21],
        ],
      },
      {
        batch: 3,
        rows: [
          [sw(103, 113), "u2", 1, 3],
          [sw(130, 141), "u2", 2, 14],
          [sw(140, 150), "u1", 1, 7],
          [sw(300, 310), "u3", 1, 10],
          [sw(99, 122), "u1", 5, 21],
        ],
      },
    ]);
    assert.deepEqual(
      r.progress.map((p) => p.stateOperators[0].numRowsTotal),
      [2, 3, 4, 5],
    );
  });

  it("a gap per row (a column expression)", async () => {
    const gap = when(col("user").eq("u1"), "10 seconds").otherwise("40 seconds");
    const df = (await eventStream(f.weir, input)).withWatermark("ts", "5 seconds").groupBy(session_window("ts", gap), "user").agg(count("*").alias("n"));
    const r = await runAvailableNow(df, join(f.dir, "cp"));
    assert.deepEqual(r.batches, [
      { batch: 0, rows: [] },
      { batch: 1, rows: [] },
      { batch: 2, rows: [[sw(99, 122), "u1", 5]] },
      { batch: 3, rows: [] },
      {
        batch: 4,
        rows: [
          [sw(103, 171), "u2", 3],
          [sw(140, 150), "u1", 1],
        ],
      },
    ]);
    assert.deepEqual(
      r.progress.map((p) => [p.stateOperators[0].numRowsTotal, p.stateOperators[0].numRowsUpdated, p.stateOperators[0].numRowsRemoved]),
      [
        [2, 2, 0],
        [2, 2, 1],
        [2, 3, 1],
        [3, 1, 0],
        [1, 0, 2],
      ],
    );
  });

  it("restores sessions on restart, re-runs an uncommitted batch with the same output, drops and counts late rows", async () => {
    const cp = join(f.dir, "cp");
    const dir = join(f.dir, "in2");
    await writeEventFiles(dir, FILES.slice(0, 2));
    const first = await runAvailableNow(await sessions(dir), cp);
    // Batch 2 has no data: the watermark moved to 125 s and closed two sessions.
    const closed = {
      batch: 2,
      rows: [
        [sw(103, 113), "u2", 1, 3],
        [sw(99, 122), "u1", 4, 13],
      ],
    };
    assert.deepEqual(first.batches, [{ batch: 0, rows: [] }, { batch: 1, rows: [] }, closed]);
    // As if the process died before logging batch 2's commit: the restart runs it again.
    await rm(join(cp, "commits", "2"));
    await writeEventFiles(dir, FILES.slice(2), 2);
    const second = await runAvailableNow(await sessions(dir), cp);
    assert.deepEqual(second.batches, [
      closed,
      // u1@101 would join u1's closed session: late (its own session ends at 111 s, at or below 125 s).
      { batch: 3, rows: [] },
      { batch: 4, rows: [] },
      {
        batch: 5,
        rows: [
          [sw(130, 141), "u2", 2, 14],
          [sw(140, 150), "u1", 1, 7],
        ],
      },
    ]);
    assert.deepEqual(
      second.progress.map((p) => p.stateOperators[0].numRowsDroppedByWatermark),
      [0, 1, 0, 0],
    );
    assert.deepEqual(
      second.progress.map((p) => p.stateOperators[0].numRowsTotal),
      [1, 2, 3, 1],
    );
  });

  it("refuses what Spark refuses, saying what fits", async () => {
    await assert.rejects(
      runAvailableNow(await sessions(), join(f.dir, "c1"), "update"),
      (e: unknown) =>
        isWeirError(e, "ANALYSIS") &&
        /\[STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION\] Invalid streaming output mode: update. This output mode is not supported for session window streaming aggregations/.test(e.message) &&
        /outputMode\("append"\) with a watermark/.test(e.message),
    );
    const noWatermark = (await eventStream(f.weir, input)).groupBy(session_window("ts", "10 seconds"), "user").count();
    await assert.rejects(runAvailableNow(noWatermark, join(f.dir, "c2")), /Append output mode not supported when there are streaming aggregations on streaming DataFrames\/DataSets without watermark/);
    const global = (await eventStream(f.weir, input)).withWatermark("ts", "5 seconds").groupBy(session_window("ts", "10 seconds")).count();
    await assert.rejects(runAvailableNow(global, join(f.dir, "c3")), /Global aggregation with session window in streaming query is not supported/);
  });

  it("complete mode without a watermark keeps every session", async () => {
    const df = (await eventStream(f.weir, input)).groupBy(session_window("ts", "10 seconds"), "user").count();
    const r = await runAvailableNow(df, join(f.dir, "cp"), "complete");
    assert.equal(r.batches.length, 4);
    assert.deepEqual(r.batches[3].rows, [
      [sw(103, 113), "u2", 1],
      [sw(130, 141), "u2", 2],
      [sw(140, 150), "u1", 1],
      [sw(300, 310), "u3", 1],
      [sw(99, 122), "u1", 5],
    ]);
    assert.deepEqual(r.progress[3].eventTime, {});
  });
});
