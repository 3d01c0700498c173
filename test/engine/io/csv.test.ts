// CSV source and writer: Spark's options, inference, parse modes with counts, quoting on write.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, it } from "node:test";
import { loadFileSource } from "../../../src/engine/io/files/formats.js";
import { DataFrameWriter } from "../../../src/engine/io/writer.js";
import { parseSchema, simpleString, type Row } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { frame, ls, opts, readAll, tempDir } from "./helpers.js";

async function file(name: string, text: string): Promise<string> {
  const p = path.join(await tempDir(), name);
  await writeFile(p, text);
  return p;
}

async function written(dir: string): Promise<string> {
  const part = (await ls(dir)).find((n) => n.startsWith("part-"))!;
  return readFile(path.join(dir, part), "utf8");
}

const T = Date.UTC(2024, 0, 31, 12, 30, 5) * 1000;

describe("csv source", () => {
  it("names columns _c0.. without a header and reads strings", async () => {
    const source = await loadFileSource("csv", [await file("a.csv", "1,x\n2,\"y,z\"\n")], opts());
    assert.equal(simpleString(source.schema), "struct<_c0:string,_c1:string>");
    assert.deepEqual(await readAll(source), [["1", "x"], ["2", "y,z"]]);
  });

  it("infers int, bigint, double, boolean, date, timestamp and string with a header", async () => {
    const text = 'i,l,d,b,dt,ts,s,n\n1,3000000000,1.5,true,2024-01-31,2024-01-31 12:30:05,x,\n2,4,2,FALSE,2024-02-01,2024-01-31T12:30:05Z,1,\n';
    const source = await loadFileSource("csv", [await file("a.csv", text)], opts({ header: true, inferSchema: true }));
    assert.equal(simpleString(source.schema), "struct<i:int,l:bigint,d:double,b:boolean,dt:date,ts:timestamp,s:string,n:string>");
    assert.deepEqual(await readAll(source), [
      [1, 3000000000, 1.5, true, 19753, T, "x", null],
      [2, 4, 2, false, 19754, T, "1", null],
    ]);
  });

  it("honours sep, quote, escape, comment, nullValue, emptyValue and whitespace options", async () => {
    const text = "# a comment\na;'b;c';NA;''\n  d ;'it\\'s';e;\n";
    const source = await loadFileSource("csv", [await file("a.csv", text)], opts({ sep: ";", quote: "'", comment: "#", nullValue: "NA", emptyValue: "EMPTY", ignoreLeadingWhiteSpace: true, ignoreTrailingWhiteSpace: true }));
    assert.deepEqual(await readAll(source), [
      ["a", "b;c", null, "EMPTY"],
      ["d", "it's", "e", null],
    ]);
    assert.deepEqual(await readAll(await loadFileSource("csv", [await file("t.tsv", "a\tb\n")], opts({ delimiter: "\\t" }))), [["a", "b"]]);
  });

  it("reads with a custom timestampFormat and a DDL schema", async () => {
    const p = await file("a.csv", "31/01/2024 12:30:05,7\n");
    const source = await loadFileSource("csv", [p], opts({ timestampFormat: "dd/MM/yyyy HH:mm:ss" }), parseSchema("ts TIMESTAMP, n SMALLINT"));
    assert.deepEqual(await readAll(source), [[T, 7]]);
  });

  const BAD = "1,a\nx,b\n3\n4,d,extra\n5,e\n";
  const SCHEMA = parseSchema("n INT, s STRING, _corrupt_record STRING");
  it("PERMISSIVE keeps the fields that parse and the raw record", async () => {
    const source = await loadFileSource("csv", [await file("b.csv", BAD)], opts(), SCHEMA);
    assert.deepEqual(await readAll(source), [
      [1, "a", null],
      [null, "b", "x,b"],
      [3, null, "3"],
      [4, "d", "4,d,extra"],
      [5, "e", null],
    ]);
    assert.equal(source.droppedMalformed.permissive, 3);
  });

  it("DROPMALFORMED skips and counts, FAILFAST names the line", async () => {
    const p = await file("b.csv", BAD);
    const dropped = await loadFileSource("csv", [p], opts({ mode: "DROPMALFORMED" }), parseSchema("n INT, s STRING"));
    assert.deepEqual(await readAll(dropped), [[1, "a"], [5, "e"]]);
    assert.equal(dropped.droppedMalformed.dropped, 3);
    const failing = await loadFileSource("csv", [p], opts({ mode: "failfast" }), parseSchema("n INT, s STRING"));
    await assert.rejects(readAll(failing), (e: unknown) => isWeirError(e, "EXECUTION") && e.message.includes(`file:${p} line 2`));
  });

  it("writes Spark's CSV: header, quoting, escapes, nulls, empty strings, Java numbers, timestamps", async () => {
    const schema = parseSchema("s STRING, d DOUBLE, ts TIMESTAMP, dt DATE, b BOOLEAN, l BIGINT");
    const rows: Row[] = [
      ['a,b "q"', 1, T, 19753, true, 10],
      ["  padded  ", 1e20, null, null, null, null],
      ["", 0.5, T + 123_000, 0, false, -1],
      ["line\nbreak", -0, null, null, null, null],
    ];
    const dir = path.join(await tempDir(), "out");
    await new DataFrameWriter(frame(schema, rows)).option("header", true).csv(dir);
    assert.equal(
      await written(dir),
      's,d,ts,dt,b,l\n"a,b \\"q\\"",1.0,2024-01-31T12:30:05.000Z,2024-01-31,true,10\npadded,1.0E20,,,,\n"",0.5,2024-01-31T12:30:05.123Z,1970-01-01,false,-1\n"line\nbreak",-0.0,,,,\n',
    );
    const dir2 = path.join(await tempDir(), "out");
    await new DataFrameWriter(frame(schema, rows.slice(0, 1))).options({ sep: "|", quoteAll: true, nullValue: "NULL", timestampFormat: "yyyy/MM/dd" }).csv(dir2);
    assert.equal(await written(dir2), '"a,b \\"q\\""|"1.0"|"2024/01/31"|"2024-01-31"|"true"|"10"\n');
    await assert.rejects(new DataFrameWriter(frame(parseSchema("a ARRAY<INT>"), [])).csv(path.join(await tempDir(), "x")), /UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE.*`a`/);
  });

  it("round-trips through the writer and the reader", async () => {
    const schema = parseSchema("s STRING, i INT, d DOUBLE, ts TIMESTAMP, dt DATE, b BOOLEAN");
    const rows: Row[] = [
      ['quote " and, comma', 1, 0.1, T + 5_000, 19753, true],
      [null, null, null, null, null, null],
      ["", -7, -1.5e-7, 0, 0, false],
      ["日本 ✓\nline", 2147483647, 1e21, T, -1, true],
    ];
    const dir = path.join(await tempDir(), "out");
    await new DataFrameWriter(frame(schema, rows, 2)).options({ header: "true" }).csv(dir);
    assert.deepEqual(await readAll(await loadFileSource("csv", [dir], opts({ header: true }), schema)), rows);
    const inferred = await loadFileSource("csv", [dir], opts({ header: true, inferSchema: true }));
    assert.equal(simpleString(inferred.schema), "struct<s:string,i:int,d:double,ts:timestamp,dt:date,b:boolean>");
  });
});
