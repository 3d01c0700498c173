// show(): Spark 4's exact text (Dataset.showString), truncation, alignment and the footer.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { col } from "../../../src/engine/api/functions.js";
import { prettyValue, stringHalfWidth } from "../../../src/engine/api/show.js";
import { arrayOf, IntegerType, mapOf, parseDataType, StringType } from "../../../src/engine/types.js";
import { rows } from "../exec/helpers.js";

const df = () =>
  rows(
    [
      ["alice", 34, 1.0],
      ["bob", null, 12.5],
      ["a very long name exceeding twenty", 5, NaN],
    ],
    "name STRING, age INT, score DOUBLE",
  );

describe("show", () => {
  it("prints Spark's table: right-aligned, cut to 20 characters, NULL for null", async () => {
    assert.equal(
      await df().showString(),
      [
        "+--------------------+----+-----+",
        "|                name| age|score|",
        "+--------------------+----+-----+",
        "|               alice|  34|  1.0|",
        "|                 bob|NULL| 12.5|",
        "|a very long name ...|   5|  NaN|",
        "+--------------------+----+-----+",
        "",
      ].join("\n"),
    );
  });

  it("says when it shows only the top rows, and left-aligns without truncation", async () => {
    assert.equal(
      await df().showString(2, false),
      ["+-----+----+-----+", "|name |age |score|", "+-----+----+-----+", "|alice|34  |1.0  |", "|bob  |NULL|12.5 |", "+-----+----+-----+", "only showing top 2 rows", ""].join("\n"),
    );
    assert.match(await df().showString(1), /only showing top 1 row\n$/);
    assert.equal(await df().filter(col("age").gt(100)).showString(), ["+----+---+-----+", "|name|age|score|", "+----+---+-----+", "+----+---+-----+", ""].join("\n"));
  });

  it("truncates to a given width", async () => {
    const text = await df().select("name").showString(20, 5);
    assert.equal(text, ["+-----+", "| name|", "+-----+", "|alice|", "|  bob|", "|a ...|", "+-----+", ""].join("\n"));
  });

  it("prints vertically", async () => {
    assert.equal(
      await df().showString(1, true, true),
      ["-RECORD 0------", " name  | alice ", " age   | 34    ", " score | 1.0   ", "only showing top 1 row", ""].join("\n"),
    );
  });

  it("renders nested values as Spark's ToPrettyString", () => {
    assert.equal(prettyValue([1, null], arrayOf(IntegerType)), "[1, NULL]");
    assert.equal(prettyValue(new Map([["k", 1]]), mapOf(StringType, IntegerType)), "{k -> 1}");
    assert.equal(prettyValue([1, "x"], parseDataType("struct<a:int,b:string>")), "{1, x}");
    assert.equal(prettyValue(Buffer.from("ab"), parseDataType("binary")), "[61 62]");
    assert.equal(prettyValue(1_700_000_000_123_000, parseDataType("timestamp")), "2023-11-14 22:13:20.123");
    assert.equal(prettyValue(19_000, parseDataType("date")), "2022-01-08");
    assert.equal(prettyValue(1e21, parseDataType("double")), "1.0E21");
    assert.equal(stringHalfWidth("日本"), 4);
  });
});
