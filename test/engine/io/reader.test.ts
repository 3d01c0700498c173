// DataFrameReader and df.write end to end through a local session.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, it } from "node:test";
import { Weir } from "../../../src/engine/session.js";
import { DataFrameReader } from "../../../src/engine/io/reader.js";
import { StringType, simpleString } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { tempDir } from "./helpers.js";

describe("DataFrameReader", () => {
  it("reads with options, a DDL schema, and the shorthands", async () => {
    const weir = Weir.local();
    const dir = await tempDir();
    await writeFile(path.join(dir, "a.csv"), "id;name\n1;x\n2;y\n");
    const df = await weir.read.format("CSV").option("HEADER", true).options({ sep: ";" }).schema("id INT, name STRING").load(path.join(dir, "a.csv"));
    assert.equal(simpleString(df.schema), "struct<id:int,name:string>");
    assert.deepEqual(await df.collect(), [{ id: 1, name: "x" }, { id: 2, name: "y" }]);
    const text = await weir.read.text(path.join(dir, "a.csv"));
    assert.deepEqual(text.schema.fields.map((f) => [f.name, f.dataType]), [["value", StringType]]);
    assert.equal((await text.collect()).length, 3);
    const viaOption = await new DataFrameReader(weir).format("csv").option("path", path.join(dir, "a.csv")).load();
    assert.equal((await viaOption.collect()).length, 3);
  });

  it("refuses unknown formats listing the known ones", () => {
    assert.throws(() => Weir.local().read.format("avro"), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && /json, csv, parquet, text, kafka/.test(e.message));
  });

  it("round-trips a DataFrame through df.write and spark.read", async () => {
    const weir = Weir.local();
    const out = path.join(await tempDir(), "out");
    const ts = new Date(Date.UTC(2024, 0, 31, 12, 30, 5, 123));
    const df = weir.createDataFrame(
      [
        { id: 1, name: "a", at: ts, tags: ["x", "y"] },
        { id: 2, name: null, at: null, tags: null },
      ],
      "id BIGINT, name STRING, at TIMESTAMP, tags ARRAY<STRING>",
    );
    await df.write.mode("overwrite").partitionBy("id").parquet(out);
    const back = await weir.read.parquet(out);
    assert.equal(simpleString(back.schema), "struct<name:string,at:timestamp,tags:array<string>,id:int>");
    const rows = (await back.collect()).sort((a, b) => (a.id as number) - (b.id as number));
    assert.deepEqual(rows, [
      { name: "a", at: ts, tags: ["x", "y"], id: 1 },
      { name: null, at: null, tags: null, id: 2 },
    ]);
    await df.write.mode("append").json(path.join(out, "..", "j"));
    assert.equal(await (await weir.read.json(path.join(out, "..", "j"))).count(), 2);
  });
});
