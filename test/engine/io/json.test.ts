// JSON source and writer: inference, JSON lines and multiLine, parse modes with counts, Spark's
// output text, round trip of every type.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { loadFileSource } from "../../../src/engine/io/files/formats.js";
import { DataFrameWriter } from "../../../src/engine/io/writer.js";
import { parseSchema, simpleString, type Row } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { frame, ls, opts, readAll, tempDir } from "./helpers.js";

async function file(name: string, text: string | Buffer): Promise<string> {
  const p = path.join(await tempDir(), name);
  await writeFile(p, text);
  return p;
}

const LINES = '{"id":1,"name":"a","tags":["x"],"pos":{"x":1.5}}\n\n{"id":2,"name":null}\r\n{"id":3,"extra":true}\n';

describe("json source", () => {
  it("infers a schema with sorted fields and reads the records", async () => {
    const source = await loadFileSource("json", [await file("a.json", LINES)], opts());
    assert.equal(simpleString(source.schema), "struct<extra:boolean,id:bigint,name:string,pos:struct<x:double>,tags:array<string>>");
    assert.deepEqual(await readAll(source), [
      [null, 1, "a", [1.5], ["x"]],
      [null, 2, null, null, null],
      [true, 3, null, null, null],
    ]);
    assert.deepEqual(await readAll(source, { columns: [1] }), [[1], [2], [3]]);
  });

  it("reads gzip files by extension and multiLine documents", async () => {
    const gz = await file("a.json.gz", gzipSync(LINES));
    assert.equal((await readAll(await loadFileSource("json", [gz], opts()))).length, 3);
    const doc = await file("m.json", '[\n {"a": 1,\n  "b": "x"},\n {"a": 2}\n]\n');
    const source = await loadFileSource("json", [doc], opts({ multiLine: true }));
    assert.equal(simpleString(source.schema), "struct<a:bigint,b:string>");
    assert.deepEqual(await readAll(source), [[1, "x"], [2, null]]);
    const one = await file("o.json", '{\n "a": [1, 2]\n}');
    assert.deepEqual(await readAll(await loadFileSource("json", [one], opts({ multiline: "TRUE" }))), [[[1, 2]]]);
  });

  it("samples with samplingRatio", async () => {
    const lines = Array.from({ length: 200 }, (_v, i) => JSON.stringify(i === 199 ? { a: 1, rare: "x" } : { a: i })).join("\n");
    const p = await file("s.json", lines);
    const sampled = await loadFileSource("json", [p], opts({ samplingRatio: 0.1 }));
    const again = await loadFileSource("json", [p], opts({ samplingratio: "0.1" }));
    assert.equal(simpleString(sampled.schema), simpleString(again.schema)); // deterministic
    assert.equal(simpleString((await loadFileSource("json", [p], opts())).schema), "struct<a:bigint,rare:string>");
    // All records are read whatever the sample.
    assert.equal((await readAll(sampled)).length, 200);
    await assert.rejects(loadFileSource("json", [p], opts({ samplingRatio: 0 })), /samplingRatio/);
  });

  const BAD = '{"a":1}\n{"a":\n{"a":"x"}\n{"a":3}\n';
  it("PERMISSIVE keeps malformed records as nulls plus their text, and infers _corrupt_record", async () => {
    const source = await loadFileSource("json", [await file("b.json", BAD)], opts());
    assert.equal(simpleString(source.schema), "struct<_corrupt_record:string,a:string>");
    const typed = await loadFileSource("json", [await file("b.json", BAD)], opts(), parseSchema("a INT, _corrupt_record STRING"));
    assert.deepEqual(await readAll(typed), [
      [1, null],
      [null, '{"a":'],
      [null, '{"a":"x"}'],
      [3, null],
    ]);
    assert.equal(typed.droppedMalformed.permissive, 2);
    // Without the column the record is all nulls.
    const plain = await loadFileSource("json", [await file("b.json", BAD)], opts({ columnNameOfCorruptRecord: "bad" }), parseSchema("a INT, bad STRING"));
    assert.deepEqual((await readAll(plain)).map((r) => r[1]), [null, '{"a":', '{"a":"x"}', null]);
  });

  it("a line's text after its first object is ignored, as Spark reads it (PySpark 4.0.0: a=1, a=2, then the corrupt line)", async () => {
    const p = await file("t.json", '{"a":1} trailing\n{"a":2}{"a":3}\n{"a":\n');
    const source = await loadFileSource("json", [p], opts(), parseSchema("a INT, _corrupt_record STRING"));
    assert.deepEqual(await readAll(source), [
      [1, null],
      [2, null],
      [null, '{"a":'],
    ]);
    assert.equal(source.droppedMalformed.permissive, 1);
  });

  it("DROPMALFORMED skips and counts malformed records", async () => {
    const source = await loadFileSource("json", [await file("b.json", BAD)], opts({ mode: "dropmalformed" }), parseSchema("a INT"));
    assert.deepEqual(await readAll(source), [[1], [3]]);
    assert.equal(source.droppedMalformed.dropped, 2);
  });

  it("FAILFAST fails naming the file and line", async () => {
    const p = await file("b.json", BAD);
    const source = await loadFileSource("json", [p], opts({ mode: "FAILFAST" }), parseSchema("a INT"));
    await assert.rejects(readAll(source), (e: unknown) => {
      assert.ok(isWeirError(e, "EXECUTION"));
      assert.match(e.message, new RegExp(`MALFORMED_RECORD_IN_PARSING.*file:${p} line 2`));
      return true;
    });
    await assert.rejects(loadFileSource("json", [p], opts({ mode: "FAILFAST" })), /schema inference.*line 2/);
    await assert.rejects(loadFileSource("json", [p], opts({ mode: "lenient" })), /PERMISSIVE, DROPMALFORMED, FAILFAST/);
  });

  it("writes Spark's JSON text", async () => {
    const schema = parseSchema("s STRING, i INT, d DOUBLE, n DOUBLE, ts TIMESTAMP, dt DATE, b BINARY, arr ARRAY<INT>, st STRUCT<x: INT, y: STRING>, m MAP<INT, STRING>");
    const ts = Date.UTC(2024, 0, 31, 12, 30, 5, 123) * 1000 + 999;
    const rows: Row[] = [
      ["é\"\n", 1, 1, NaN, ts, 19753, Buffer.from("hi"), [1, null], [null, "y"], new Map([[1, "a"]])],
      [null, null, null, null, null, null, null, null, null, null],
    ];
    const dir = path.join(await tempDir(), "out");
    await new DataFrameWriter(frame(schema, rows)).json(dir);
    const part = (await ls(dir)).find((n) => n.startsWith("part-"))!;
    assert.equal(
      await readFile(path.join(dir, part), "utf8"),
      '{"s":"é\\"\\n","i":1,"d":1.0,"n":"NaN","ts":"2024-01-31T12:30:05.123Z","dt":"2024-01-31","b":"aGk=","arr":[1,null],"st":{"y":"y"},"m":{"1":"a"}}\n{}\n',
    );
    const dir2 = path.join(await tempDir(), "out");
    await new DataFrameWriter(frame(schema, rows.slice(1))).options({ ignoreNullFields: false }).json(dir2);
    const part2 = (await ls(dir2)).find((n) => n.startsWith("part-"))!;
    assert.match(await readFile(path.join(dir2, part2), "utf8"), /^\{"s":null,"i":null,.*"m":null\}\n$/);
  });

  it("round-trips every JSON type with a schema", async () => {
    const schema = parseSchema("s STRING, l BIGINT, d DOUBLE, flag BOOLEAN, ts TIMESTAMP, dt DATE, arr ARRAY<STRING>, st STRUCT<x: INT, inner: STRUCT<z: STRING>>, m MAP<STRING, INT>");
    const ts = Date.UTC(2024, 0, 31, 12, 30, 5, 123) * 1000;
    const rows: Row[] = [
      ["日本 ✓", 9007199254740991, 0.1, true, ts, 19753, ["a", null], [1, ["z"]], new Map([["k", 1]])],
      [null, null, null, null, null, null, null, null, null],
      ["", -1, -2.5e-10, false, 0, 0, [], [null, null], new Map()],
    ];
    const dir = path.join(await tempDir(), "out");
    await new DataFrameWriter(frame(schema, rows, 2)).json(dir);
    assert.deepEqual(await readAll(await loadFileSource("json", [dir], opts(), schema)), rows);
  });
});
