// Which files a read covers: files, directories (hidden names skipped), globs, the _weir_metadata
// commit log, partition discovery with Spark's type inference, and PATH_NOT_FOUND.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, it } from "node:test";
import { loadFileSource } from "../../../src/engine/io/files/formats.js";
import { listInputFiles } from "../../../src/engine/io/files/listing.js";
import { escapePathName, inferPartitionValueType, unescapePathName, widerPartitionType } from "../../../src/engine/io/files/partitioning.js";
import { DateType, DoubleType, IntegerType, LongType, parseSchema, simpleString, StringType, TimestampType } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { opts, readAll, tempDir } from "./helpers.js";

async function tree(files: Record<string, string>): Promise<string> {
  const root = await tempDir();
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return root;
}

const names = (root: string, files: readonly { path: string }[]): string[] => files.map((f) => path.relative(root, f.path));

describe("file listing", () => {
  it("lists a directory recursively, skipping _ and . names as Spark does", async () => {
    const root = await tree({ "a.txt": "1", "_SUCCESS": "", ".a.txt.crc": "", "_temporary/0/x.txt": "", "sub/b.txt": "2", "c.txt._COPYING_": "", ".hidden/d.txt": "" });
    const idx = await listInputFiles([root]);
    assert.deepEqual(names(root, idx.files), ["a.txt", "sub/b.txt"]);
    assert.deepEqual(await readAll(await loadFileSource("text", [root], opts())), [["1"], ["2"]]);
  });

  it("reads a single file, several paths and globs", async () => {
    const root = await tree({ "x/a.json": "", "x/b.json": "", "x/c.csv": "", "y/d.json": "", "x/_e.json": "" });
    assert.deepEqual(names(root, (await listInputFiles([path.join(root, "x/a.json")])).files), ["x/a.json"]);
    assert.deepEqual(names(root, (await listInputFiles([path.join(root, "x/*.json")])).files), ["x/a.json", "x/b.json"]);
    assert.deepEqual(names(root, (await listInputFiles([path.join(root, "*/*.json")])).files), ["x/a.json", "x/b.json", "y/d.json"]);
    assert.deepEqual(names(root, (await listInputFiles([`file:${path.join(root, "x/{a,c}.*")}`, path.join(root, "y")])).files), ["x/a.json", "x/c.csv", "y/d.json"]);
  });

  it("fails with Spark's PATH_NOT_FOUND for a missing path or an empty glob", async () => {
    const root = await tempDir();
    for (const p of [path.join(root, "nope"), path.join(root, "*.json")]) {
      await assert.rejects(listInputFiles([p]), (e: unknown) => {
        assert.ok(isWeirError(e, "NOT_FOUND"));
        assert.equal(e.message, `[PATH_NOT_FOUND] Path does not exist: file:${p}.`);
        return true;
      });
    }
    await assert.rejects(loadFileSource("json", [root], opts()), /UNABLE_TO_INFER_SCHEMA.*JSON/);
  });

  it("honours the _weir_metadata commit log: only committed files are read", async () => {
    const root = await tree({
      "k=x/part-a.json": '{"n":1}',
      "k=x/part-b.json": '{"n":2}',
      "k=y/part-uncommitted.json": '{"n":99}',
      "k=y/part-c.json": '{"n":3}',
      "_weir_metadata/0": '["k=x/part-a.json"]',
      "_weir_metadata/1": '["k=x/part-b.json", "k=y/part-c.json", "k=x/part-a.json"]',
      "_weir_metadata/.2.tmp": '["k=y/part-uncommitted.json"]',
    });
    const idx = await listInputFiles([root]);
    assert.deepEqual(names(root, idx.files), ["k=x/part-a.json", "k=x/part-b.json", "k=y/part-c.json"]);
    const source = await loadFileSource("json", [root], opts(), parseSchema("n INT"));
    assert.deepEqual(await readAll(source), [[1, "x"], [2, "x"], [3, "y"]]);
    const bad = await tree({ "_weir_metadata/0": "{not json" });
    await assert.rejects(listInputFiles([bad]), (e: unknown) => isWeirError(e, "LOG_CORRUPT"));
    const escape = await tree({ "_weir_metadata/0": '["../../etc/passwd"]' });
    await assert.rejects(listInputFiles([escape]), /outside the output directory/);
  });

  it("discovers partition columns and infers their types as Spark", async () => {
    const root = await tree({
      "year=2024/day=2024-01-31/v=1.5/a.json": '{"x":1}',
      "year=2023/day=2024-02-01 10:00:00/v=2/b.json": '{"x":2}',
      "year=3000000000/day=__HIVE_DEFAULT_PARTITION__/v=abc/c.json": '{"x":3}',
    });
    const source = await loadFileSource("json", [root], opts());
    assert.equal(simpleString(source.schema), "struct<x:bigint,year:bigint,day:timestamp,v:string>");
    const rows = await readAll(source);
    assert.deepEqual(rows.find((r) => r[0] === 1), [1, 2024, Date.UTC(2024, 0, 31) * 1000, "1.5"]);
    assert.deepEqual(rows.find((r) => r[0] === 3), [3, 3000000000, null, "abc"]);
    // basePath keeps partition columns when reading one partition directory.
    const one = await loadFileSource("json", [path.join(root, "year=2024")], opts({ basePath: root }));
    assert.deepEqual(one.schema.fields.map((f) => f.name), ["x", "year", "day", "v"]);
    // A user schema types the partition columns.
    const typed = await loadFileSource("json", [root], opts(), parseSchema("x INT, v STRING, year STRING"));
    assert.equal(simpleString(typed.schema), "struct<x:int,year:string,day:timestamp,v:string>");
  });

  it("refuses conflicting partition layouts", async () => {
    const root = await tree({ "a=1/x.json": "{}", "b=2/y.json": "{}" });
    await assert.rejects(listInputFiles([root]), /Conflicting directory structures/);
  });

  it("infers, widens and escapes partition values", () => {
    assert.deepEqual([inferPartitionValueType("1"), inferPartitionValueType("-3000000000"), inferPartitionValueType("1.5"), inferPartitionValueType("2024-01-31"), inferPartitionValueType("2024-01-31 10:00:00"), inferPartitionValueType("x")], [IntegerType, LongType, DoubleType, DateType, TimestampType, StringType]);
    assert.deepEqual(widerPartitionType(IntegerType, DoubleType), DoubleType);
    assert.deepEqual(widerPartitionType(DateType, TimestampType), TimestampType);
    assert.deepEqual(widerPartitionType(IntegerType, DateType), StringType);
    assert.equal(escapePathName("a/b=c:d%"), "a%2Fb%3Dc%3Ad%25");
    assert.equal(unescapePathName("a%2Fb%3Dc%3Ad%25"), "a/b=c:d%");
  });
});
