/**
 * readStream of files watching a directory: new files read once, maxFilesPerTrigger, the
 * source log in the checkpoint so a restart does not re-read, a schema required; and the file
 * sink's `_weir_metadata` log read back by the batch reader.
 */
import { strict as assert } from "node:assert";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { col } from "../../../src/engine/api/functions.js";
import { streamFixture, type StreamFixture } from "./helpers.js";

describe("file stream source and sink", () => {
  let f: StreamFixture;
  let input: string;
  beforeEach(async () => {
    f = await streamFixture();
    input = join(f.dir, "in");
    await mkdir(input);
  });
  afterEach(async () => {
    await f.close();
  });

  const put = async (name: string, rows: { id: number; name: string }[]): Promise<void> => {
    await writeFile(join(input, name), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  };

  it("needs a schema for json, not for text", async () => {
    await assert.rejects(f.weir.readStream.format("json").load(input), /Schema must be specified when creating a streaming source DataFrame/);
    const t = await f.weir.readStream.text(input);
    assert.deepEqual(t.dtypes, [["value", "string"]]);
    assert.equal(t.isStreaming, true);
  });

  it("reads each new file once, maxFilesPerTrigger per batch, and not again after a restart", async () => {
    await put("a.json", [{ id: 1, name: "a" }]);
    await put("b.json", [{ id: 2, name: "b" }]);
    await put("c.json", [{ id: 3, name: "c" }]);
    const cp = join(f.dir, "cp");
    const out = join(f.dir, "out");
    const start = async () =>
      (await f.weir.readStream.schema("id INT, name STRING").option("maxFilesPerTrigger", 2).json(input))
        .where(col("id").gt(0))
        .writeStream.format("parquet")
        .option("checkpointLocation", cp)
        .trigger({ availableNow: true })
        .start(out);
    const q = await start();
    await q.awaitTermination();
    assert.deepEqual(q.recentProgress.map((p) => p.numInputRows), [2, 1]);
    assert.deepEqual(q.recentProgress.map((p) => p.sources[0].endOffset), [{ logOffset: 0 }, { logOffset: 1 }]);
    assert.deepEqual((await readdir(join(cp, "sources", "0"))).sort(), [".0.crc", ".1.crc", "0", "1"]);
    await put("d.json", [{ id: 4, name: "d" }]);
    const q2 = await start();
    await q2.awaitTermination();
    assert.deepEqual(q2.recentProgress.map((p) => p.numInputRows), [1]);
    const rows = await (await f.weir.read.parquet(out)).orderBy("id").collect();
    assert.deepEqual(rows, [
      { id: 1, name: "a" },
      { id: 2, name: "b" },
      { id: 3, name: "c" },
      { id: 4, name: "d" },
    ]);
    const logs = (await readdir(join(out, "_weir_metadata"))).sort();
    assert.deepEqual(logs, ["0", "1", "2"]);
    const listed = JSON.parse(await readFile(join(out, "_weir_metadata", "0"), "utf8")) as string[];
    assert.ok(listed.every((p) => /^part-\d{5}-b0-[0-9a-f-]{36}-c000\.snappy\.parquet$/.test(p)), listed.join());
  });

  it("a part file of an uncommitted batch is never read", async () => {
    await put("a.json", [{ id: 1, name: "a" }]);
    const out = join(f.dir, "out");
    const q = await (await f.weir.readStream.schema("id INT, name STRING").json(input)).writeStream.format("json").option("checkpointLocation", join(f.dir, "cp")).trigger({ once: true }).start(out);
    await q.awaitTermination();
    await writeFile(join(out, "part-00000-b1-00000000-0000-0000-0000-000000000000-c000.json"), '{"id":99,"name":"torn"}\n');
    const rows = await (await f.weir.read.schema("id INT, name STRING").json(out)).collect();
    assert.deepEqual(rows, [{ id: 1, name: "a" }]);
  });

  it("partitionBy writes col=value directories that the reader discovers through the log", async () => {
    await put("a.json", [
      { id: 1, name: "x" },
      { id: 2, name: "y" },
    ]);
    const out = join(f.dir, "out");
    const q = await (await f.weir.readStream.schema("id INT, name STRING").json(input))
      .writeStream.format("json")
      .partitionBy("name")
      .option("checkpointLocation", join(f.dir, "cp"))
      .trigger({ availableNow: true })
      .start(out);
    await q.awaitTermination();
    assert.deepEqual((await readdir(out)).sort(), ["_weir_metadata", "name=x", "name=y"]);
    const rows = await (await f.weir.read.json(out)).orderBy("id").collect();
    assert.deepEqual(rows, [
      { id: 1, name: "x" },
      { id: 2, name: "y" },
    ]);
  });

  it("latestFirst reads the newest files first", async () => {
    const { utimes } = await import("node:fs/promises");
    for (const [i, name] of ["old", "mid", "new"].entries()) {
      await put(`${name}.json`, [{ id: i, name }]);
      const t = new Date(Date.UTC(2024, 0, 1 + i));
      await utimes(join(input, `${name}.json`), t, t);
    }
    const names: string[] = [];
    const q = await (await f.weir.readStream.schema("id INT, name STRING").option("maxFilesPerTrigger", 1).option("latestFirst", true).json(input))
      .writeStream.foreachBatch(async (df) => {
        for (const r of await df.collect()) names.push(String(r.name));
      })
      .trigger({ availableNow: true })
      .start();
    await q.awaitTermination();
    assert.deepEqual(names, ["new", "mid", "old"]);
  });
});
