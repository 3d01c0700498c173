/**
 * Restarts from a checkpoint: the query id is stable and the runId new; a batch that failed
 * between its offsets and its commit is re-run with exactly its ranges; the file sink's output is
 * exactly once; an incompatible query is refused.
 */
import { strict as assert } from "node:assert";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { col, upper } from "../../../src/engine/api/functions.js";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import { isWeirError } from "../../../src/util/errors.js";
import { runToMemoryOnce, streamFixture, type StreamFixture } from "./helpers.js";

describe("restart from a checkpoint", () => {
  let f: StreamFixture;
  beforeEach(async () => {
    f = await streamFixture({ events: 2 });
  });
  afterEach(async () => {
    await f.close();
  });

  const source = async (): Promise<DataFrame> =>
    (await f.weir.readStream.format("kafka").option("subscribe", "events").option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", 4).load()).select(
      col("value").cast("string").alias("v"),
    );

  it("re-runs a failed batch with the same ranges; the file output is exactly once", async () => {
    const cp = join(f.dir, "cp");
    const out = join(f.dir, "out");
    await f.produce("events", ["a", "b", "c", "d", "e"], 0);
    await f.produce("events", ["f", "g", "h"], 1);
    // Run 1: batch 1 fails after writing its part files but before its commit log entry.
    let failed = false;
    const q1 = await (await source())
      .writeStream.foreachBatch(async (df, batchId) => {
        await df.write.mode("append").json(join(f.dir, "fb"));
        if (batchId === 1 && !failed) {
          failed = true;
          throw new Error("sink crashed");
        }
      })
      .option("checkpointLocation", cp)
      .start();
    await assert.rejects(q1.awaitTermination(), (e: unknown) => e instanceof Error && /sink crashed/.test(e.message));
    assert.match(String(q1.exception()?.message), /terminated with exception: sink crashed/);
    assert.equal(q1.recentProgress.length, 1);
    const offsets = await readdir(join(cp, "offsets"));
    const commits = await readdir(join(cp, "commits"));
    assert.deepEqual(offsets.sort(), [".0.crc", ".1.crc", "0", "1"]);
    assert.deepEqual(commits.sort(), [".0.crc", "0"]);
    const batch1 = await readFile(join(cp, "offsets", "1"), "utf8");

    // Run 2 with the same query writing files: batch 1 is re-run with the logged ranges.
    const q2 = await (await source()).writeStream.format("json").option("checkpointLocation", cp).start(out);
    assert.equal(q2.id, q1.id);
    assert.notEqual(q2.runId, q1.runId);
    await q2.processAllAvailable();
    assert.equal(q2.recentProgress[0].batchId, 1);
    assert.deepEqual(q2.recentProgress[0].sources[0].endOffset, JSON.parse(batch1.split("\n")[2]));
    await q2.stop();
    // Batches 1.. are in the file sink; all 8 records are read once overall.
    const files = (await f.weir.read.schema("v STRING").json(out)).select(upper(col("v")).alias("v"));
    const inFiles = (await files.collect()).map((r) => r.v as string);
    const inFb = (await (await f.weir.read.schema("v STRING").json(join(f.dir, "fb"))).collect()).map((r) => r.v as string);
    const batch0 = q1.recentProgress[0].numInputRows;
    assert.equal(inFiles.length, 8 - batch0);
    assert.equal(new Set([...inFiles.map((s) => s.toLowerCase())]).size, inFiles.length);
    // Run 1's foreachBatch saw batch 0 and the failed attempt of batch 1.
    assert.equal(inFb.length, batch0 + q2.recentProgress[0].numInputRows);
    assert.deepEqual([...inFb.slice(0, 0), ...inFiles.map((s) => s.toLowerCase())].length + batch0, 8);
  });

  it("a re-run batch whose file sink commit exists writes nothing again", async () => {
    const cp = join(f.dir, "cp");
    const out = join(f.dir, "out");
    await f.produce("events", ["a", "b", "c"], 0);
    const q = await (await source()).writeStream.format("json").option("checkpointLocation", cp).trigger({ availableNow: true }).start(out);
    await q.awaitTermination();
    // Simulate a crash after the sink committed batch 0 but before commits/0 was written.
    const { unlink } = await import("node:fs/promises");
    await unlink(join(cp, "commits", "0"));
    const q2 = await (await source()).writeStream.format("json").option("checkpointLocation", cp).trigger({ availableNow: true }).start(out);
    await q2.awaitTermination();
    assert.equal(q2.recentProgress[0].batchId, 0);
    assert.equal(q2.recentProgress[0].sink.numOutputRows, 0);
    const rows = await (await f.weir.read.schema("v STRING").json(out)).collect();
    assert.deepEqual(rows.map((r) => r.v).sort(), ["a", "b", "c"]);
    assert.deepEqual(await readdir(join(out, "_weir_metadata")), ["0"]);
  });

  it("a crash while the previous batch's commit was being written re-runs only the newest batch", async () => {
    // commits/N is written while batch N+1 runs; a crash then leaves offsets/N+1 with commits only
    // up to N-1. Everything of batch N (state, sink output) was durable before offsets/N+1 was
    // written, so only N+1 runs again, from N's end, on the state N left.
    const cp = join(f.dir, "cp");
    const words = ["a", "b", "a", "c", "a", "b", "d", "a", "e", "b"];
    await f.produce("events", words, 0);
    const counts = async (table: string): Promise<Record<string, number>> =>
      Object.fromEntries((await runToMemoryOnce(f.weir, (await source()).groupBy("v").count(), table, cp)).map((r): [string, number] => [String(r.v), Number(r.count)]));
    // Batches 0, 1, 2 of 4, 4 and 2 records.
    assert.deepEqual(await counts("c1"), { a: 4, b: 3, c: 1, d: 1, e: 1 });
    const { rm } = await import("node:fs/promises");
    await rm(join(cp, "commits", "2"));
    await rm(join(cp, "commits", ".2.crc"));
    await rm(join(cp, "commits", "1"));
    await rm(join(cp, "commits", ".1.crc"));
    await f.produce("events", ["a", "f"], 0);
    const again = await counts("c2");
    assert.deepEqual(again, { a: 5, b: 3, c: 1, d: 1, e: 1, f: 1 });
    // Batch 2 ran again with its logged range (offsets 8..10), then batch 3 took the new records.
    assert.deepEqual((await readdir(join(cp, "commits"))).filter((n) => !n.startsWith(".")).sort(), ["0", "2", "3"]);
    // A gap of two batches cannot come from the protocol, and is refused naming the offsets file.
    await rm(join(cp, "commits", "2"));
    await rm(join(cp, "commits", ".2.crc"));
    await rm(join(cp, "commits", "3"));
    await rm(join(cp, "commits", ".3.crc"));
    await assert.rejects(counts("c3"), (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.includes(join(cp, "offsets", "3")) && /batches 1\.\.2 have offsets but no commit/.test(e.message));
  });

  it("refuses to resume with another source, naming the difference", async () => {
    const cp = join(f.dir, "cp");
    const q = await (await source()).writeStream.format("memory").queryName("m").option("checkpointLocation", cp).start();
    await q.processAllAvailable();
    await q.stop();
    const other = await f.weir.readStream.format("kafka").option("subscribe", "other").load();
    await f.weir.logClient().createTopic("other", 1);
    await assert.rejects(
      other.writeStream.format("memory").queryName("m2").option("checkpointLocation", cp).start(),
      (e: unknown) => isWeirError(e, "CHECKPOINT") && /not compatible/.test(e.message) && /Subscribe\[events\]/.test(e.message) && /Subscribe\[other\]/.test(e.message),
    );
  });

  it("file and kafka sinks need a checkpointLocation", async () => {
    const df = await source();
    await assert.rejects(df.writeStream.format("json").start(join(f.dir, "o")), /checkpointLocation must be specified/);
    await assert.rejects(df.writeStream.format("kafka").option("topic", "x").start(), /checkpointLocation must be specified/);
  });
});
