/**
 * `spark.sql.streaming.stateStore.minDeltasForSnapshot` and `...maintenanceInterval` set with
 * weir.conf: how often a streaming query's state partitions write a snapshot of their whole
 * state. Checked when set; read when a query starts.
 */
import { strict as assert } from "node:assert";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { SHUFFLE_PARTITIONS, STATE_MAINTENANCE_INTERVAL, STATE_MIN_DELTAS_FOR_SNAPSHOT, parseTimeConfMs, stateStoreConfOf } from "../../../src/engine/api/conf.js";
import { isWeirError } from "../../../src/util/errors.js";
import { col, explode, split } from "../../../src/index.js";
import { byWord, runToMemoryOnce, streamFixture, type StreamFixture } from "./helpers.js";

describe("state store snapshots from weir.conf", () => {
  let f: StreamFixture;
  beforeEach(async () => {
    f = await streamFixture({ lines: 1 });
  });
  afterEach(async () => {
    await f.close();
  });

  /** Runs the word count over what the topic holds, one line per batch; returns the counts. */
  const run = async (cp: string, table: string): Promise<Record<string, number>> => {
    const lines = await f.weir.readStream.format("kafka").option("subscribe", "lines").option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", 1).load();
    const counts = lines.select(explode(split(col("value").cast("string"), " ")).alias("word")).groupBy("word").count();
    return byWord(await runToMemoryOnce(f.weir, counts, table, cp));
  };

  /** Each state partition's snapshot versions. */
  const snapshots = async (cp: string): Promise<number[][]> => {
    const out: number[][] = [];
    for (const p of (await readdir(join(cp, "state", "0"))).sort()) {
      const names = await readdir(join(cp, "state", "0", p));
      out.push(names.filter((n) => n.endsWith(".snapshot")).map((n) => Number.parseInt(n, 10)).sort((a, b) => a - b));
    }
    return out;
  };

  it("are checked when set, with the key and the value in the message", () => {
    assert.deepEqual(stateStoreConfOf(f.weir), { snapshotInterval: 10, snapshotMinIntervalMs: 60_000 });
    for (const [key, value, message] of [
      [STATE_MIN_DELTAS_FOR_SNAPSHOT, "0", /minDeltasForSnapshot must be positive, but was 0/],
      [STATE_MIN_DELTAS_FOR_SNAPSHOT, "ten", /minDeltasForSnapshot should be int, but was ten/],
      [STATE_MAINTENANCE_INTERVAL, "soon", /maintenanceInterval should be a time, but was soon/],
      [STATE_MAINTENANCE_INTERVAL, "5 parsecs", /should be a time/],
      [STATE_MAINTENANCE_INTERVAL, "-1s", /should be a time/],
    ] as const) {
      assert.throws(
        () => f.weir.conf.set(key, value),
        (e: unknown) => isWeirError(e) && e.code === "INVALID_ARGUMENT" && message.test(e.message),
      );
    }
    for (const [text, ms] of [["250", 250], ["500ms", 500], ["2s", 2000], ["5m", 300_000], ["1min", 60_000], ["1h", 3_600_000], ["1d", 86_400_000], [" 30S ", 30_000]] as const) {
      assert.equal(parseTimeConfMs(STATE_MAINTENANCE_INTERVAL, text), ms, text);
    }
    f.weir.conf.set(STATE_MIN_DELTAS_FOR_SNAPSHOT, 3);
    f.weir.conf.set(STATE_MAINTENANCE_INTERVAL, "0s");
    assert.deepEqual(stateStoreConfOf(f.weir), { snapshotInterval: 3, snapshotMinIntervalMs: 0 });
  });

  it("with the defaults, each state partition snapshots once in a run shorter than 60 s, at its first due version", async () => {
    f.weir.conf.set(SHUFFLE_PARTITIONS, 2);
    await f.produce("lines", Array.from({ length: 25 }, (_, i) => `w${i % 3} x`));
    const cp = join(f.dir, "cp");
    assert.equal((await run(cp, "wc0")).x, 25);
    // 25 versions; partition p is due at the versions v with (v + p) % 10 == 0.
    assert.deepEqual(await snapshots(cp), [[10], [9]]);
    // A restart is a new first due version (a chain of deltas does not grow across restarts).
    await f.produce("lines", Array.from({ length: 12 }, () => "y"));
    assert.equal((await run(cp, "wc1")).y, 12);
    assert.deepEqual(await snapshots(cp), [[10, 30], [9, 29]]);
  });

  it("minDeltasForSnapshot and maintenanceInterval set the spacing of the snapshots", async () => {
    f.weir.conf.set(SHUFFLE_PARTITIONS, 2);
    f.weir.conf.set(STATE_MIN_DELTAS_FOR_SNAPSHOT, 3);
    f.weir.conf.set(STATE_MAINTENANCE_INTERVAL, "0ms");
    await f.produce("lines", Array.from({ length: 8 }, (_, i) => `w${i % 3} x`));
    const cp = join(f.dir, "cp");
    assert.deepEqual(await run(cp, "wc"), { w0: 3, w1: 3, w2: 2, x: 8 });
    // Partition p snapshots the versions v with (v + p) % 3 == 0.
    assert.deepEqual(await snapshots(cp), [[3, 6], [2, 5, 8]]);
  });
});
