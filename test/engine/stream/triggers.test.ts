/**
 * Triggers (default, processingTime, once, availableNow), progress in Spark's shape, listeners,
 * the query manager, and the console, foreach and rate source.
 */
import { strict as assert } from "node:assert";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { col } from "../../../src/engine/api/functions.js";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import type { QueryIdleEvent, QueryProgressEvent, QueryStartedEvent, QueryTerminatedEvent } from "../../../src/engine/stream/progress.js";
import { awaitBatch, eventually, streamFixture, type StreamFixture } from "./helpers.js";

describe("triggers and progress", () => {
  let f: StreamFixture;
  beforeEach(async () => {
    f = await streamFixture({ events: 2 });
  });
  afterEach(async () => {
    await f.close();
  });

  const source = async (maxOffsets?: number): Promise<DataFrame> => {
    let r = f.weir.readStream.format("kafka").option("subscribe", "events").option("startingOffsets", "earliest");
    if (maxOffsets !== undefined) r = r.option("maxOffsetsPerTrigger", maxOffsets);
    return (await r.load()).select(col("value").cast("string").alias("v"));
  };

  it("availableNow runs batches within maxOffsetsPerTrigger up to the offsets at start, then stops", async () => {
    await f.produce("events", Array.from({ length: 7 }, (_, i) => `a${i}`), 0);
    await f.produce("events", Array.from({ length: 5 }, (_, i) => `b${i}`), 1);
    const q = await (await source(4)).writeStream.format("memory").queryName("an").trigger({ availableNow: true }).start();
    await q.awaitTermination();
    assert.equal(q.isActive, false);
    assert.equal(q.exception(), null);
    const sizes = q.recentProgress.map((p) => p.numInputRows);
    assert.ok(q.recentProgress.length >= 3, `batches: ${sizes.join(",")}`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 12);
    assert.deepEqual(q.lastProgress!.sources[0].endOffset, { events: { "0": 7, "1": 5 } });
    assert.equal((await f.weir.table("an").collect()).length, 12);
  });

  it("once runs one batch with everything available, ignoring maxOffsetsPerTrigger", async () => {
    await f.produce("events", ["a", "b", "c", "d", "e"], 0);
    const q = await (await source(2)).writeStream.format("memory").queryName("once").trigger({ once: true }).start();
    assert.equal(await q.awaitTermination(5000), true);
    assert.equal(q.recentProgress.length, 1);
    assert.equal(q.lastProgress!.numInputRows, 5);
  });

  it("processingTime spaces batches by the interval", async () => {
    const q = await (await source()).writeStream.format("memory").queryName("pt").trigger({ processingTime: "200 milliseconds" }).start();
    await f.produce("events", ["a"]);
    await awaitBatch(q, 0);
    await f.produce("events", ["b"]);
    await awaitBatch(q, 1);
    const [p0, p1] = q.recentProgress;
    assert.ok(Date.parse(p1.timestamp) - Date.parse(p0.timestamp) >= 190, `${p0.timestamp} → ${p1.timestamp}`);
    await q.stop();
  });

  it("reports Spark's StreamingQueryProgress fields", async () => {
    await f.produce("events", ["a", "b", "c"], 0);
    const q = await (await source()).writeStream.format("memory").queryName("prog").start();
    await q.processAllAvailable();
    const p = q.lastProgress!;
    assert.equal(p.id, q.id);
    assert.equal(p.runId, q.runId);
    assert.equal(p.name, "prog");
    assert.equal(p.batchId, 0);
    assert.match(p.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(p.numInputRows, 3);
    for (const k of ["addBatch", "getBatch", "latestOffset", "queryPlanning", "triggerExecution", "walCommit", "commitOffsets"]) assert.equal(typeof p.durationMs[k], "number", k);
    assert.equal(typeof p.inputRowsPerSecond, "number");
    assert.equal(typeof p.processedRowsPerSecond, "number");
    assert.equal(p.sources[0].description, "KafkaV2[Subscribe[events]]");
    assert.deepEqual(p.sources[0].startOffset, { events: { "0": 0, "1": 0 } });
    assert.deepEqual(p.sources[0].endOffset, { events: { "0": 3, "1": 0 } });
    assert.deepEqual(p.sources[0].latestOffset, { events: { "0": 3, "1": 0 } });
    assert.deepEqual(p.sources[0].metrics, { avgOffsetsBehindLatest: "0", maxOffsetsBehindLatest: "0", minOffsetsBehindLatest: "0" });
    assert.deepEqual(p.sink, { description: "MemorySink", numOutputRows: 3, metrics: {} });
    assert.deepEqual(p.stateOperators, []);
    assert.deepEqual(q.status, { message: "Waiting for data to arrive", isDataAvailable: false, isTriggerActive: false });
    assert.doesNotThrow(() => JSON.stringify(p));
    await q.stop();
  });

  it("tells listeners; the manager lists active queries", async () => {
    const events: string[] = [];
    let terminated: QueryTerminatedEvent | null = null;
    const listener = {
      onQueryStarted: (e: QueryStartedEvent) => events.push(`started ${e.name}`),
      onQueryProgress: (e: QueryProgressEvent) => events.push(`progress ${e.progress.batchId}`),
      onQueryIdle: (e: QueryIdleEvent) => events.push(`idle ${typeof e.timestamp}`),
      onQueryTerminated: (e: QueryTerminatedEvent) => {
        terminated = e;
        events.push("terminated");
      },
    };
    f.weir.streams.addListener(listener);
    await f.produce("events", ["a"]);
    const q = await (await source()).writeStream.format("memory").queryName("lst").start();
    assert.deepEqual(f.weir.streams.active.map((x) => x.id), [q.id]);
    assert.equal(f.weir.streams.get(q.id), q);
    await q.processAllAvailable();
    await q.stop();
    await eventually(() => terminated !== null);
    assert.deepEqual(events.filter((e) => !e.startsWith("idle")), ["started lst", "progress 0", "terminated"]);
    assert.ok(events.includes("idle string"));
    assert.equal(terminated!.exception, null);
    assert.equal(f.weir.streams.active.length, 0);
    assert.equal(await f.weir.streams.awaitAnyTermination(10), true);
    f.weir.streams.removeListener(listener);
  });

  it("console prints Spark's batch header then the rows", async () => {
    await f.produce("events", ["hello"]);
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => {
      lines.push(s);
      return true;
    });
    try {
      const q = await (await source()).writeStream.format("console").trigger({ availableNow: true }).start();
      await q.awaitTermination();
    } finally {
      process.stdout.write = write;
    }
    assert.equal(lines.join(""), "-------------------------------------------\nBatch: 0\n-------------------------------------------\n+-----+\n|    v|\n+-----+\n|hello|\n+-----+\n\n");
  });

  it("foreach hands rows to open/process/close per partition", async () => {
    await f.produce("events", ["a", "b"], 0);
    await f.produce("events", ["c"], 1);
    const seen: string[] = [];
    const q = await (await source())
      .writeStream.foreach({
        open: (p, epoch) => {
          seen.push(`open ${p} ${epoch}`);
          return true;
        },
        process: (row) => void seen.push(String(row.v)),
        close: (err) => void seen.push(`close ${err === null ? "ok" : err.message}`),
      })
      .trigger({ availableNow: true })
      .start();
    await q.awaitTermination();
    assert.deepEqual(seen.filter((s) => s.length === 1).sort(), ["a", "b", "c"]);
    assert.ok(seen[0].startsWith("open ") && seen.at(-1) === "close ok");
  });

  it("rate source produces rowsPerSecond rows with timestamps", async () => {
    const df = await f.weir.readStream.format("rate").option("rowsPerSecond", 5).load();
    assert.deepEqual(df.dtypes, [["timestamp", "timestamp"], ["value", "bigint"]]);
    const q = await df.writeStream.format("memory").queryName("rate").option("checkpointLocation", join(f.dir, "rcp")).start();
    await eventually(async () => (await f.weir.table("rate").collect()).length >= 5, 5000, "rate rows");
    await q.stop();
    const rows = await f.weir.table("rate").collect();
    assert.deepEqual(rows.map((r) => r.value), rows.map((_r, i) => i));
    assert.ok(rows.every((r) => r.timestamp instanceof Date));
  });

  it("rate source refuses a checkpoint whose creation time is not a number, naming the file", async () => {
    const cp = join(f.dir, "rcp-bad");
    const df = await f.weir.readStream.format("rate").option("rowsPerSecond", 5).load();
    const q = await df.writeStream.format("memory").queryName("rate_bad").option("checkpointLocation", cp).start();
    await q.processAllAvailable();
    await q.stop();
    const file = join(cp, "sources", "0", "0");
    writeFileSync(file, 'v1\n"yesterday"\n');
    rmSync(join(cp, "sources", "0", ".0.crc"), { force: true });
    const again = await f.weir.readStream.format("rate").option("rowsPerSecond", 5).load();
    const restarted = async (): Promise<void> => {
      const q2 = await again.writeStream.format("memory").queryName("rate_bad").option("checkpointLocation", cp).start();
      await q2.awaitTermination();
    };
    await assert.rejects(restarted(), (e: Error) => e.message.includes(file) && /creation time/.test(e.message));
  });

  it("rate source with numPartitions splits each batch without losing or repeating a value", async () => {
    const df = await f.weir.readStream.format("rate").option("rowsPerSecond", 7).option("numPartitions", 3).load();
    const q = await df.writeStream.format("memory").queryName("rate3").option("checkpointLocation", join(f.dir, "rcp3")).start();
    await eventually(async () => (await f.weir.table("rate3").collect()).length >= 14, 5000, "rate rows");
    await q.stop();
    const values = (await f.weir.table("rate3").collect()).map((r) => Number(r.value)).sort((a, b) => a - b);
    assert.deepEqual(values, values.map((_v, i) => i));
  });

  it("a second active query with the same name is refused", async () => {
    const q = await (await source()).writeStream.format("memory").queryName("dup").start();
    await assert.rejects((await source()).writeStream.format("memory").queryName("dup").start(), /already active/);
    await q.stop();
  });

  it("stop() ends a query waiting for its next processingTime trigger at once", async () => {
    const q = await (await source()).writeStream.format("memory").queryName("slow").trigger({ processingTime: "1 minute" }).start();
    await eventually(() => q.status.message === "Waiting for data to arrive");
    const t = Date.now();
    await q.stop();
    assert.ok(Date.now() - t < 1000);
    assert.equal(await q.awaitTermination(10), true);
    assert.equal(q.status.message, "Stopped");
  });

  it("weir.table names a missing memory table; closing the session stops its queries", async () => {
    assert.throws(() => f.weir.table("nope"), /TABLE_OR_VIEW_NOT_FOUND/);
    const q = await (await source()).writeStream.format("memory").queryName("open").start();
    assert.equal(q.isActive, true);
    await f.weir.close();
    assert.equal(q.isActive, false);
    assert.equal(q.exception(), null);
  });
});
