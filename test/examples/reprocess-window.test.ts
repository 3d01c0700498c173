/**
 * examples/reprocess-window.ts end to end: its `main` on temporary directories, checked against
 * what a plain JS model of Spark's timestamp offsets says the window holds — per partition, the
 * records from the first one at or after the start up to, not including, the first one at or
 * after the end (the views are published in time order, so that is start <= ms < end).
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAY_MS, PARTITIONS, main, partitionOf, sampleViews, type PageView, type ReprocessedRow } from "../../examples/reprocess-window.js";

const HOUR = 3_600_000;

/** What reading [startMs, endMs) should give, with each view's partition and offset. */
function expectedWindow(views: readonly PageView[], startMs: number, endMs: number): ReprocessedRow[] {
  const out: ReprocessedRow[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    views
      .filter((v) => partitionOf(v) === p)
      .forEach((v, offset) => {
        if (v.ms >= startMs && v.ms < endMs) out.push({ ...v, partition: p, offset, timestamp: new Date(v.ms) });
      });
  }
  return out.sort((a, b) => a.id - b.id);
}

/** Sample views plus views exactly on the window's bounds (included at the start, excluded at the end). */
function viewsWithBoundaries(startMs: number, endMs: number): PageView[] {
  const extra = [startMs, startMs, endMs - 1, endMs, endMs].map((ms, i) => ({ id: 0, user: `edge${i}`, page: "/edge", ms }));
  return [...sampleViews(), ...extra].sort((a, b) => a.ms - b.ms).map((v, id) => ({ ...v, id }));
}

describe("examples/reprocess-window", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-reprocess-test-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes exactly the records of [startingTimestamp, endingTimestamp) to Parquet", async () => {
    const startMs = DAY_MS + 9 * HOUR;
    const endMs = DAY_MS + 12 * HOUR;
    const views = viewsWithBoundaries(startMs, endMs);
    const rows = await main({ dataDir: join(dir, "log"), outputDir: join(dir, "out"), views, startMs, endMs, show: false });
    const expected = expectedWindow(views, startMs, endMs);
    assert.ok(expected.length > 300, "the window holds a few hundred views");
    assert.deepEqual(rows.map((r) => ({ ...r })), expected);
    assert.ok((await readdir(join(dir, "out"))).some((f) => f.endsWith(".parquet")), "the output is Parquet files");
  });

  it("overwrites the previous output when run again for another window", async () => {
    const views = sampleViews(1500, 5);
    const paths = { dataDir: join(dir, "log"), outputDir: join(dir, "out"), show: false };
    await main({ ...paths, views, startMs: DAY_MS + 1 * HOUR, endMs: DAY_MS + 5 * HOUR });
    const startMs = DAY_MS + 20 * HOUR;
    const endMs = DAY_MS + 21 * HOUR;
    const rows = await main({ ...paths, publish: false, startMs, endMs });
    assert.deepEqual(rows.map((r) => ({ ...r })), expectedWindow(views, startMs, endMs));
  });

  it("an end after the last record reads to the end of every partition", async () => {
    const views = sampleViews(900, 8);
    const startMs = DAY_MS + 23 * HOUR;
    const endMs = DAY_MS + 48 * HOUR;
    const rows = await main({ dataDir: join(dir, "log"), outputDir: join(dir, "out"), views, startMs, endMs, show: false });
    assert.deepEqual(rows.map((r) => ({ ...r })), expectedWindow(views, startMs, endMs));
  });
});
