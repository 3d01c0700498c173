/**
 * `spark.sql.shuffle.partitions` set with weir.conf: the number of state partitions of a new
 * checkpoint, recorded in its metadata and offsets; a restart keeps the checkpoint's number
 * whatever the session says then (as Spark does); a checkpoint that recorded none was made with
 * Weir's default of 4.
 */
import { strict as assert } from "node:assert";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { SHUFFLE_PARTITIONS } from "../../../src/engine/api/conf.js";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import { writeCheckpointFile } from "../../../src/engine/stream/checkpoint-file.js";
import { NodeFs } from "../../../src/log/fs.js";
import { isWeirError } from "../../../src/util/errors.js";
import { byWord, streamFixture, wordCountStream, type StreamFixture } from "./helpers.js";

describe("spark.sql.shuffle.partitions", () => {
  let f: StreamFixture;
  beforeEach(async () => {
    f = await streamFixture({ lines: 1 });
  });
  afterEach(async () => {
    await f.close();
  });

  const words = (): Promise<DataFrame> => wordCountStream(f.weir, "lines");

  /** Runs the word count once over what the topic holds; returns the counts and the last progress' state partitions. */
  const run = async (cp: string, table: string): Promise<{ counts: Record<string, number>; partitions: number }> => {
    const q = await (await words()).writeStream.format("memory").queryName(table).outputMode("complete").option("checkpointLocation", cp).start();
    await q.processAllAvailable();
    const partitions = q.lastProgress!.stateOperators[0].numShufflePartitions;
    await q.stop();
    return { counts: byWord(await f.weir.table(table).collect()), partitions };
  };

  const statePartitionDirs = async (cp: string): Promise<string[]> => (await readdir(join(cp, "state", "0"))).sort();
  const offsetsConf = async (cp: string, batch: number): Promise<string | undefined> =>
    (JSON.parse((await readFile(join(cp, "offsets", String(batch)), "utf8")).split("\n")[1]) as { conf: Record<string, string> }).conf[SHUFFLE_PARTITIONS];

  it("is checked when set, with Spark's messages; Weir's default is 4", () => {
    assert.equal(f.weir.conf.get(SHUFFLE_PARTITIONS), "4");
    for (const [value, message] of [
      ["0", /spark\.sql\.shuffle\.partitions must be positive, but was 0/],
      ["-3", /must be positive/],
      ["two", /spark\.sql\.shuffle\.partitions should be int, but was two/],
      ["1.5", /should be int/],
      ["99999999999", /should be int/],
    ] as const) {
      assert.throws(
        () => f.weir.conf.set(SHUFFLE_PARTITIONS, value),
        (e: unknown) => isWeirError(e) && e.code === "INVALID_ARGUMENT" && message.test(e.message),
      );
    }
    f.weir.conf.set(SHUFFLE_PARTITIONS, 2);
    assert.equal(f.weir.conf.get(SHUFFLE_PARTITIONS), "2");
  });

  it("a new checkpoint takes the session's number; a restart keeps it whatever the session says", async () => {
    const cp = join(f.dir, "cp");
    f.weir.conf.set(SHUFFLE_PARTITIONS, "2");
    await f.produce("lines", ["a b a", "c d e f g h"]);
    const first = await run(cp, "wc1");
    assert.deepEqual(first, { counts: { a: 2, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1 }, partitions: 2 });
    assert.deepEqual(await statePartitionDirs(cp), ["0", "1"]);
    assert.equal(await offsetsConf(cp, 0), "2");
    const metadata = JSON.parse((await readFile(join(cp, "metadata"), "utf8")).split("\n")[0]) as { weir: { shufflePartitions: number } };
    assert.equal(metadata.weir.shufflePartitions, 2);

    f.weir.conf.set(SHUFFLE_PARTITIONS, "3");
    await f.produce("lines", ["a i"]);
    const second = await run(cp, "wc2");
    assert.deepEqual(second, { counts: { a: 3, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1 }, partitions: 2 });
    assert.deepEqual(await statePartitionDirs(cp), ["0", "1"]);
    assert.equal(await offsetsConf(cp, 1), "2");

    // A fresh checkpoint now gets the session's 3.
    const other = await run(join(f.dir, "cp3"), "wc3");
    assert.equal(other.partitions, 3);
    assert.deepEqual(await statePartitionDirs(join(f.dir, "cp3")), ["0", "1", "2"]);
  });

  it("a checkpoint whose metadata records no number (written before it was recorded) runs with 4", async () => {
    const cp = join(f.dir, "cp");
    await f.produce("lines", ["x y", "x"]);
    assert.equal((await run(cp, "old1")).partitions, 4);
    // Rewrite metadata as older Weir wrote it: no shufflePartitions.
    const path = join(cp, "metadata");
    const stored = JSON.parse((await readFile(path, "utf8")).split("\n")[0]) as { id: string; weir: { fingerprint: unknown; shufflePartitions?: number } };
    delete stored.weir.shufflePartitions;
    await writeCheckpointFile(new NodeFs(), path, Buffer.from(JSON.stringify(stored) + "\n"));
    f.weir.conf.set(SHUFFLE_PARTITIONS, "2");
    await f.produce("lines", ["y z"]);
    assert.deepEqual(await run(cp, "old2"), { counts: { x: 2, y: 2, z: 1 }, partitions: 4 });
  });

  it("a metadata file with a bad number is reported naming the file", async () => {
    const cp = join(f.dir, "cp");
    await f.produce("lines", ["x"]);
    await run(cp, "bad1");
    const path = join(cp, "metadata");
    const stored = JSON.parse((await readFile(path, "utf8")).split("\n")[0]) as { weir: { shufflePartitions: unknown } };
    stored.weir.shufflePartitions = 0;
    await writeCheckpointFile(new NodeFs(), path, Buffer.from(JSON.stringify(stored) + "\n"));
    const frame = await words();
    await assert.rejects(
      frame.writeStream.format("memory").queryName("bad2").outputMode("complete").option("checkpointLocation", cp).start(),
      (e: unknown) => isWeirError(e) && e.code === "CHECKPOINT" && e.message.includes(path) && e.message.includes('"shufflePartitions" must be a positive integer, found 0'),
    );
  });
});
