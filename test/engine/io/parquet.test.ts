// Parquet: Weir's writer and reader agree on every type, DuckDB reads Weir's files with the right
// types, Weir reads DuckDB's files (snappy and zstd), projection and row-group skipping work.
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { parquetMetadataAsync, asyncBufferFromFile } from "hyparquet";
import { loadFileSource } from "../../../src/engine/io/files/formats.js";
import { DataFrameWriter } from "../../../src/engine/io/writer.js";
import { parseSchema, simpleString, type Row } from "../../../src/engine/types.js";
import { frame, ls, opts, readAll, tempDir } from "./helpers.js";

const ALL_TYPES = parseSchema(
  "s STRING, b BINARY, flag BOOLEAN, i8 TINYINT, i16 SMALLINT, i INT, l BIGINT, f FLOAT, d DOUBLE, ts TIMESTAMP, dt DATE, " +
    "arr ARRAY<INT>, st STRUCT<x: INT, y: STRING, inner: STRUCT<z: DOUBLE>>, m MAP<STRING, BIGINT>, sa ARRAY<STRUCT<k: STRING, v: ARRAY<STRING>>>",
);

const T1 = Date.UTC(2024, 0, 31, 12, 30, 5, 123) * 1000 + 456;
const ROWS: Row[] = [
  ["héllo ✓ 日本", Buffer.from([0, 1, 255]), true, -128, 32767, 2147483647, 9007199254740991, 1.5, 0.1, T1, 19753, [1, null, 3], [1, "a", [2.5]], new Map([["k", 1], ["z", null]]), [["a", ["x", null]], ["b", []]]],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  ["", Buffer.alloc(0), false, 0, 0, -1, -9007199254740991, -0, -1e300, -1, -1, [], [null, null, null], new Map(), []],
];

async function writeParquet(dir: string, rows: Row[] = ROWS, partitions = 2, o: Record<string, string> = {}): Promise<void> {
  await new DataFrameWriter(frame(ALL_TYPES, rows, partitions)).options(o).parquet(dir);
}

describe("parquet", () => {
  it("round-trips every type through Weir's writer and reader", async () => {
    const dir = path.join(await tempDir(), "out");
    await writeParquet(dir);
    const files = await ls(dir);
    assert.ok(files.includes("_SUCCESS"));
    assert.equal(files.filter((f) => /^part-0000[01]-[0-9a-f-]{36}-c000\.snappy\.parquet$/.test(f)).length, 2, files.join(" "));
    const source = await loadFileSource("parquet", [dir], opts());
    assert.equal(simpleString(source.schema), simpleString(ALL_TYPES));
    assert.deepEqual(await readAll(source), ROWS);
  });

  it("reads only the requested columns", async () => {
    const dir = path.join(await tempDir(), "out");
    await writeParquet(dir);
    const source = await loadFileSource("parquet", [dir], opts());
    assert.deepEqual(await readAll(source, { columns: [0, 9] }), ROWS.map((r) => [r[0], r[9]]));
    assert.deepEqual(await readAll(source, { columns: [] }), ROWS.map(() => []));
  });

  it("writes the compression codecs Spark names", async () => {
    for (const [codec, ext] of [["none", ".parquet"], ["gzip", ".gz.parquet"], ["zstd", ".zstd.parquet"], ["snappy", ".snappy.parquet"]]) {
      const dir = path.join(await tempDir(), codec);
      await writeParquet(dir, ROWS, 1, { compression: codec });
      const part = (await ls(dir)).find((f) => f.startsWith("part-"))!;
      assert.ok(part.endsWith(`-c000${ext}`), part);
      const meta = await parquetMetadataAsync(await asyncBufferFromFile(path.join(dir, part)));
      const expected = codec === "none" ? "UNCOMPRESSED" : codec.toUpperCase();
      assert.equal(meta.row_groups[0].columns[0].meta_data?.codec, expected);
      assert.deepEqual(await readAll(await loadFileSource("parquet", [dir], opts())), ROWS);
    }
    await assert.rejects(new DataFrameWriter(frame(ALL_TYPES, [])).option("compression", "lzo").run("/tmp/never"), /compression.*none, uncompressed, snappy, gzip, zstd/);
  });

  it("skips row groups whose statistics rule out a pushed-down comparison", async () => {
    const dir = path.join(await tempDir(), "out");
    const schema = parseSchema("n BIGINT");
    const rows = Array.from({ length: 70_000 }, (_v, i) => [i]);
    await new DataFrameWriter(frame(schema, rows, 1)).parquet(dir);
    const source = await loadFileSource("parquet", [dir], opts());
    const filters = [{ kind: "call", fn: ">=", args: [{ kind: "col", name: "N" }, { kind: "lit", value: 69_000 }] }] as const;
    const got = await readAll(source, { filters });
    // The first row group (65,536 rows) cannot match, so only the second is decoded.
    assert.equal(got.length, 70_000 - 65_536);
    assert.deepEqual(got[0], [65_536]);
  });

  it("is read by DuckDB with the right types and values", async () => {
    const dir = path.join(await tempDir(), "out");
    await writeParquet(dir, ROWS, 1);
    const file = path.join(dir, (await ls(dir)).find((f) => f.startsWith("part-"))!);
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    try {
      const types = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects();
      const typeOf = Object.fromEntries(types.map((r) => [String(r.column_name), String(r.column_type)]));
      assert.equal(typeOf.s, "VARCHAR");
      assert.equal(typeOf.b, "BLOB");
      assert.equal(typeOf.flag, "BOOLEAN");
      assert.equal(typeOf.i8, "TINYINT");
      assert.equal(typeOf.i16, "SMALLINT");
      assert.equal(typeOf.i, "INTEGER");
      assert.equal(typeOf.l, "BIGINT");
      assert.equal(typeOf.f, "FLOAT");
      assert.equal(typeOf.d, "DOUBLE");
      assert.equal(typeOf.ts, "TIMESTAMP WITH TIME ZONE");
      assert.equal(typeOf.dt, "DATE");
      assert.equal(typeOf.arr, "INTEGER[]");
      assert.equal(typeOf.st, "STRUCT(x INTEGER, y VARCHAR, \"inner\" STRUCT(z DOUBLE))");
      assert.equal(typeOf.m, "MAP(VARCHAR, BIGINT)");
      const rows = (
        await c.runAndReadAll(
          `SELECT s, flag, l, d, epoch_us(ts) AS us, CAST(dt AS VARCHAR) AS dt, CAST(arr AS VARCHAR) AS arr, st.y AS y, st.inner.z AS z, m['k'] AS mk, hex(b) AS b FROM read_parquet('${file}')`,
        )
      ).getRowObjects();
      assert.deepEqual(rows[0], { s: "héllo ✓ 日本", flag: true, l: 9007199254740991n, d: 0.1, us: BigInt(T1), dt: "2024-01-31", arr: "[1, NULL, 3]", y: "a", z: 2.5, mk: 1n, b: "0001FF" });
      assert.deepEqual(rows[1], { s: null, flag: null, l: null, d: null, us: null, dt: null, arr: null, y: null, z: null, mk: null, b: null });
      assert.deepEqual(rows[2].arr, "[]");
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });

  for (const compression of ["snappy", "zstd"]) {
    it(`reads a file DuckDB wrote (${compression}) with the right types and values`, async () => {
      const dir = await tempDir();
      const file = path.join(dir, "duck.parquet");
      const db = await DuckDBInstance.create(":memory:");
      const c = await db.connect();
      try {
        await c.run(
          `COPY (SELECT * FROM (VALUES
             (1::INTEGER, 10000000000::BIGINT, 1.25::DOUBLE, 'ü'::VARCHAR, TRUE, TIMESTAMP '2024-01-31 12:30:05.123456', DATE '2024-01-31', [1, 2]::INTEGER[], {'a': 1, 'b': 'x'}, 12.34::DECIMAL(10,2), TIMESTAMPTZ '2024-01-31 12:30:05+00', '\\x00\\xFF'::BLOB, 3::TINYINT, MAP {'k': 2}),
             (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
           ) t(i, l, d, s, b, ts, dt, arr, st, dec, tstz, bin, tiny, m)) TO '${file}' (FORMAT parquet, COMPRESSION ${compression})`,
        );
      } finally {
        c.closeSync();
        db.closeSync();
      }
      const source = await loadFileSource("parquet", [file], opts());
      assert.equal(
        simpleString(source.schema),
        "struct<i:int,l:bigint,d:double,s:string,b:boolean,ts:timestamp,dt:date,arr:array<int>,st:struct<a:int,b:string>,dec:double,tstz:timestamp,bin:binary,tiny:tinyint,m:map<string,int>>",
      );
      const rows = await readAll(source);
      const ts = Date.UTC(2024, 0, 31, 12, 30, 5, 123) * 1000 + 456;
      assert.deepEqual(rows[0], [1, 10000000000, 1.25, "ü", true, ts, 19753, [1, 2], [1, "x"], 12.34, Date.UTC(2024, 0, 31, 12, 30, 5) * 1000, Buffer.from([0, 255]), 3, new Map([["k", 2]])]);
      assert.deepEqual(rows[1], new Array(14).fill(null));
    });
  }
});
