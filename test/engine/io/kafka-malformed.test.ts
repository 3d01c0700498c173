/**
 * Malformed JSON in a topic, read the Spark way (`from_json(CAST(value AS STRING), schema)`):
 * PERMISSIVE gives null fields and the text in the corrupt-record column, FAILFAST fails naming
 * the record's topic, partition and offset, and filtering on the corrupt-record column skips and
 * counts malformed records (Spark's from_json has no DROPMALFORMED; the file readers do).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Weir, col, from_json } from "../../../src/index.js";
import { buildBatch } from "../../../src/protocol/records/index.js";
import { isWeirError } from "../../../src/util/errors.js";

const T0 = 1_700_000_000_000;
const values = ['{"a": 1}', '{"a": 2', '{"a": 3}', "not json", '{"a": 5}'];

describe("malformed JSON values of a topic", () => {
  let dir: string;
  let weir: Weir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-malformed-"));
    weir = await Weir.embedded({ dataDir: dir });
    await weir.logClient().createTopic("events", 2, {});
    // Partition 1 holds the records; partition 0 stays empty.
    await weir.logClient().produce("events", 1, buildBatch(values.map((v, i) => ({ key: null, value: Buffer.from(v), timestamp: T0 + i }))));
  });
  after(async () => {
    await weir.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const parsed = async (options?: Record<string, string>) =>
    (await weir.read.format("kafka").option("subscribe", "events").load()).select(
      from_json(col("value").cast("string"), "a INT, _corrupt_record STRING", options).alias("e"),
      "offset",
    );

  it("PERMISSIVE (the default) gives null fields and the text in _corrupt_record", async () => {
    const rows = await (await parsed()).select("e.a", "e._corrupt_record", "offset").orderBy("offset").collect();
    assert.deepEqual(rows, [
      { a: 1, _corrupt_record: null, offset: 0 },
      { a: null, _corrupt_record: '{"a": 2', offset: 1 },
      { a: 3, _corrupt_record: null, offset: 2 },
      { a: null, _corrupt_record: "not json", offset: 3 },
      { a: 5, _corrupt_record: null, offset: 4 },
    ]);
  });

  it("columnNameOfCorruptRecord names another field", async () => {
    const df = (await weir.read.format("kafka").option("subscribe", "events").load()).select(
      from_json(col("value").cast("string"), "a INT, bad STRING", { columnNameOfCorruptRecord: "bad" }).alias("e"),
    );
    const bad = await df.where(col("e.bad").isNotNull()).select("e.bad").collect();
    assert.deepEqual(bad, [{ bad: '{"a": 2' }, { bad: "not json" }]);
  });

  it("filtering on the corrupt-record column skips malformed records and counts them", async () => {
    const df = await parsed();
    assert.deepEqual(await df.where(col("e._corrupt_record").isNull()).select("e.a").orderBy("a").collect(), [{ a: 1 }, { a: 3 }, { a: 5 }]);
    assert.equal(await df.where(col("e._corrupt_record").isNotNull()).count(), 2);
  });

  it("FAILFAST fails on the first malformed record, naming its topic, partition and offset", async () => {
    const df = await parsed({ mode: "FAILFAST" });
    await assert.rejects(df.collect(), (e: unknown) => {
      assert.ok(isWeirError(e, "EXECUTION"), String(e));
      assert.match(e.message, /MALFORMED_RECORD_IN_PARSING/);
      assert.match(e.message, /\(record: topic events, partition 1, offset 1\)$/);
      assert.equal(e.details.record, "topic events, partition 1, offset 1");
      return true;
    });
  });

  it("an ANSI cast failure is located the same way", async () => {
    const df = (await weir.read.format("kafka").option("subscribe", "events").option("startingOffsets", '{"events":{"0":-2,"1":2}}').load()).select(
      col("value").cast("string").cast("int").alias("n"),
    );
    await assert.rejects(df.collect(), (e: unknown) => isWeirError(e, "EXECUTION") && /CAST_INVALID_INPUT/.test(e.message) && /partition 1, offset 2\)$/.test(e.message));
  });
});
