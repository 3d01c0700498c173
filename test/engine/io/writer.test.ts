// DataFrameWriter: Spark's output layout, save modes, atomic commit (a failed write leaves the
// destination exactly as before, also for overwrite), partitionBy with discovery on read.
import assert from "node:assert/strict";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, it } from "node:test";
import { decideSave, parseSaveMode } from "../../../src/engine/io/files/commit.js";
import { loadFileSource } from "../../../src/engine/io/files/formats.js";
import { DataFrameWriter } from "../../../src/engine/io/writer.js";
import { parseSchema, simpleString, type Row } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { frame, ls, opts, readAll, tempDir } from "./helpers.js";

const SCHEMA = parseSchema("id INT, name STRING");
const ROWS: Row[] = [[1, "a"], [2, "b"], [3, "c"], [4, "d"]];

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = await readFile(path.join(d, e.name), "utf8");
    }
  };
  await walk(dir, "");
  return out;
}

describe("DataFrameWriter", () => {
  it("writes one part file per non-empty partition and _SUCCESS", async () => {
    const dir = path.join(await tempDir(), "out");
    await new DataFrameWriter(frame(SCHEMA, ROWS.slice(0, 2), 3)).json(dir);
    const names = await ls(dir);
    assert.equal(names.length, 3, names.join(" "));
    assert.ok(names.includes("_SUCCESS"));
    assert.ok(names.filter((n) => n !== "_SUCCESS").every((n) => /^part-0000[0-2]-[0-9a-f-]{36}-c000\.json$/.test(n)));
    // no temporary directory is left beside the output
    assert.deepEqual(await ls(path.dirname(dir)), ["out"]);
  });

  it("creates the directory with _SUCCESS for an empty result", async () => {
    const dir = path.join(await tempDir(), "nested", "out");
    await new DataFrameWriter(frame(SCHEMA, [], 2)).csv(dir);
    assert.deepEqual(await ls(dir), ["_SUCCESS"]);
  });

  it("refuses an existing path by default with Spark's message, and ignore is a no-op", async () => {
    const dir = path.join(await tempDir(), "out");
    await new DataFrameWriter(frame(SCHEMA, ROWS)).json(dir);
    const before = await snapshot(dir);
    await assert.rejects(new DataFrameWriter(frame(SCHEMA, ROWS)).json(dir), (e: unknown) => {
      assert.ok(isWeirError(e, "ALREADY_EXISTS"));
      assert.equal(e.message, `[PATH_ALREADY_EXISTS] Path file:${dir} already exists. Set mode as "overwrite" to overwrite the existing path.`);
      return true;
    });
    await new DataFrameWriter(frame(SCHEMA, [[9, "z"]])).mode("ignore").json(dir);
    assert.deepEqual(await snapshot(dir), before);
    // An existing empty directory is written into.
    const empty = path.join(await tempDir(), "empty");
    await mkdir(empty);
    await new DataFrameWriter(frame(SCHEMA, ROWS)).mode("error").json(empty);
    assert.equal((await readAll(await loadFileSource("json", [empty], opts(), SCHEMA))).length, 4);
  });

  it("appends new part files and overwrites replace everything", async () => {
    const dir = path.join(await tempDir(), "out");
    await new DataFrameWriter(frame(SCHEMA, ROWS.slice(0, 2))).mode("append").parquet(dir);
    await new DataFrameWriter(frame(SCHEMA, ROWS.slice(2))).mode("append").parquet(dir);
    const read = async (): Promise<Row[]> => (await readAll(await loadFileSource("parquet", [dir], opts()))).sort((a, b) => (a[0] as number) - (b[0] as number));
    assert.deepEqual(await read(), ROWS);
    await new DataFrameWriter(frame(SCHEMA, [[7, "x"]])).mode("OVERWRITE").parquet(dir);
    assert.deepEqual(await read(), [[7, "x"]]);
    assert.equal((await ls(dir)).length, 2);
  });

  it("rejects unknown save modes listing the allowed ones", () => {
    assert.throws(() => parseSaveMode("replace"), /\[INVALID_SAVE_MODE\].*"append", "overwrite", "ignore", "error", "errorifexists", and "default"/);
    assert.deepEqual(decideSave("append", "file"), { action: "fail", code: "INVALID_ARGUMENT" });
    assert.deepEqual(decideSave("overwrite", "missing"), { action: "write", commit: "create" });
  });

  for (const mode of ["errorifexists", "overwrite", "append"]) {
    it(`leaves the destination untouched when the input fails mid-write (${mode})`, async () => {
      const root = await tempDir();
      const dir = path.join(root, "out");
      const failing = (): ReturnType<typeof frame> => frame(SCHEMA, ROWS, 2, { partition: 1, batches: 1, error: new Error("cast failed") });
      if (mode !== "errorifexists") await new DataFrameWriter(frame(SCHEMA, [[0, "old"]])).parquet(dir);
      const before = mode === "errorifexists" ? null : await snapshot(dir);
      await assert.rejects(new DataFrameWriter(failing()).mode(mode).parquet(dir), /cast failed/);
      if (before === null) assert.deepEqual(await ls(root), []);
      else {
        assert.deepEqual(await snapshot(dir), before);
        assert.deepEqual(await ls(root), ["out"]); // temporary files removed
        assert.deepEqual(await readAll(await loadFileSource("parquet", [dir], opts())), [[0, "old"]]);
      }
    });
  }

  it("partitions by columns into Hive directories that the reader discovers", async () => {
    const dir = path.join(await tempDir(), "out");
    const schema = parseSchema("id INT, year INT, country STRING, day DATE");
    const rows: Row[] = [
      [1, 2024, "FR", 19753],
      [2, 2024, "a/b=c", 19754],
      [3, 2023, null, 19753],
      [4, 2023, "", 19753],
    ];
    await new DataFrameWriter(frame(schema, rows, 2)).partitionBy("year", "country").json(dir);
    const years = await ls(dir);
    assert.deepEqual(years, ["_SUCCESS", "year=2023", "year=2024"]);
    assert.deepEqual(await ls(path.join(dir, "year=2024")), ["country=FR", "country=a%2Fb%3Dc"]);
    assert.deepEqual(await ls(path.join(dir, "year=2023")), ["country=__HIVE_DEFAULT_PARTITION__"]);
    const part = (await ls(path.join(dir, "year=2024", "country=FR")))[0];
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, "year=2024", "country=FR", part), "utf8")), { id: 1, day: "2024-01-31" });
    const source = await loadFileSource("json", [dir], opts(), parseSchema("id INT, day DATE"));
    assert.equal(simpleString(source.schema), "struct<id:int,day:date,year:int,country:string>");
    const got = (await readAll(source)).sort((a, b) => (a[0] as number) - (b[0] as number));
    assert.deepEqual(got, [
      [1, 19753, 2024, "FR"],
      [2, 19754, 2024, "a/b=c"],
      [3, 19753, 2023, null],
      [4, 19753, 2023, null],
    ]);
    // Only the partition columns asked for come back, after the data columns.
    assert.deepEqual((await readAll(source, { columns: [0, 3] })).map((r) => r.length), [2, 2, 2, 2]);
  });

  it("refuses bad partitionBy columns and formats", async () => {
    const dir = path.join(await tempDir(), "out");
    await assert.rejects(new DataFrameWriter(frame(SCHEMA, ROWS)).partitionBy("nope").json(dir), /COLUMN_NOT_FOUND/);
    await assert.rejects(new DataFrameWriter(frame(SCHEMA, ROWS)).partitionBy("id", "name").json(dir), /all columns/);
    assert.throws(() => new DataFrameWriter(frame(SCHEMA, ROWS)).format("avro"), /parquet, json, csv, text, kafka/);
    await assert.rejects(new DataFrameWriter(frame(SCHEMA, ROWS)).text(dir), /Text data source supports only a single column/);
    assert.deepEqual(await ls(path.dirname(dir)), []);
  });

  it("writes text and gzip-compressed JSON that the readers read back", async () => {
    const root = await tempDir();
    await new DataFrameWriter(frame(parseSchema("value STRING"), [["one"], [null], ["tree ✓"]])).text(path.join(root, "t"));
    assert.deepEqual(await readAll(await loadFileSource("text", [path.join(root, "t")], opts())), [["one"], [""], ["tree ✓"]]);
    await new DataFrameWriter(frame(SCHEMA, ROWS)).option("compression", "gzip").json(path.join(root, "j"));
    const part = (await ls(path.join(root, "j"))).find((n) => n.startsWith("part-"))!;
    assert.ok(part.endsWith(".json.gz"));
    assert.deepEqual(await readAll(await loadFileSource("json", [path.join(root, "j")], opts(), SCHEMA)), ROWS);
    await writeFile(path.join(root, "x"), "");
    await assert.rejects(new DataFrameWriter(frame(SCHEMA, ROWS)).option("compression", "bzip2").json(path.join(root, "k")), /none, uncompressed, gzip/);
  });
});
