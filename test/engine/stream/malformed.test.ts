/**
 * Malformed records in streaming queries: counted per micro-batch in
 * `sources[i].metrics.numMalformedRecords` while the query keeps running (Kafka values parsed by
 * from_json in PERMISSIVE mode; JSON and CSV file sources in PERMISSIVE and DROPMALFORMED), each
 * source counting its own; FAILFAST stops the query with an error naming the record (topic,
 * partition and offset; file and line).
 */
import { strict as assert } from "node:assert";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { col, from_json } from "../../../src/engine/api/functions.js";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import type { StreamingQuery } from "../../../src/engine/stream/query.js";
import { isWeirError } from "../../../src/util/errors.js";
import { streamFixture, type StreamFixture } from "./helpers.js";

const malformedPerBatch = (q: StreamingQuery, source = 0): string[] => q.recentProgress.map((p) => p.sources[source].metrics.numMalformedRecords);

describe("malformed records in streaming queries", () => {
  let f: StreamFixture;
  beforeEach(async () => {
    f = await streamFixture({ events: 1, other: 1 });
  });
  afterEach(async () => {
    await f.close();
  });

  const parsed = async (topic: string, options?: Record<string, string>): Promise<DataFrame> =>
    (await f.weir.readStream.format("kafka").option("subscribe", topic).option("startingOffsets", "earliest").load())
      .select(from_json(col("value").cast("string"), "a INT, _corrupt_record STRING", options).alias("e"))
      .select("e.*");

  it("Kafka + from_json (PERMISSIVE): counted per batch, the query keeps running", async () => {
    const q = await (await parsed("events")).writeStream.format("memory").queryName("ev").start();
    // A value of the wrong type makes the record malformed too, as in Spark.
    await f.produce("events", ['{"a":1}', "{not json", '{"a":"x"}', '{"a":2}']);
    await q.processAllAvailable();
    await f.produce("events", ['{"a":3}']);
    await q.processAllAvailable();
    await f.produce("events", ["[", "]"]);
    await q.processAllAvailable();
    assert.equal(q.isActive, true);
    assert.deepEqual(malformedPerBatch(q), ["2", "0", "2"]);
    const rows = await f.weir.table("ev").collect();
    assert.deepEqual(
      rows.map((r) => [r.a, r._corrupt_record]),
      [
        [1, null],
        [null, "{not json"],
        [null, '{"a":"x"}'],
        [2, null],
        [3, null],
        [null, "["],
        [null, "]"],
      ],
    );
    await q.stop();
  });

  it("counts the records parsed below a stateful aggregation too", async () => {
    const counts = (await parsed("events")).groupBy("a").count();
    const q = await counts.writeStream.format("memory").queryName("agg").outputMode("complete").start();
    await f.produce("events", ['{"a":1}', "{bad", '{"a":1}', "{worse"]);
    await q.processAllAvailable();
    assert.deepEqual(malformedPerBatch(q), ["2"]);
    const rows = await f.weir.table("agg").orderBy("a").collect();
    assert.deepEqual(
      rows.map((r) => [r.a, r.count]),
      [
        [null, 2],
        [1, 2],
      ],
    );
    await q.stop();
  });

  it("each source counts the records of its own rows", async () => {
    const both = (await parsed("events")).union(await parsed("other"));
    const q = await both.writeStream.format("memory").queryName("both").start();
    await f.produce("events", ["{bad", '{"a":1}']);
    await f.produce("other", ["x", "y", '{"a":2}']);
    await q.processAllAvailable();
    const last = q.recentProgress.filter((p) => p.numInputRows > 0);
    const total = (i: number): number => last.reduce((n, p) => n + Number(p.sources[i].metrics.numMalformedRecords), 0);
    assert.equal(total(0), 1);
    assert.equal(total(1), 2);
    await q.stop();
  });

  it("Kafka + from_json FAILFAST: the query fails naming the record", async () => {
    const q = await (await parsed("events", { mode: "FAILFAST" })).writeStream.format("memory").queryName("ff").start();
    await f.produce("events", ['{"a":1}', "{oops"]);
    await assert.rejects(
      q.awaitTermination(10_000),
      (e: unknown) => isWeirError(e) && /STREAM_FAILED/.test(e.message) && /MALFORMED_RECORD_IN_PARSING/.test(e.message) && /record: topic events, partition 0, offset 1/.test(e.message),
    );
    assert.equal(q.isActive, false);
  });

  describe("file sources", () => {
    let input: string;
    beforeEach(async () => {
      input = join(f.dir, "in");
      await mkdir(input);
    });

    const put = async (name: string, lines: readonly string[], n: number): Promise<void> => {
      await writeFile(join(input, name), lines.join("\n") + "\n");
      const { utimes } = await import("node:fs/promises");
      await utimes(join(input, name), 1_000_000 + n, 1_000_000 + n);
    };

    const run = async (df: DataFrame): Promise<{ q: StreamingQuery; rows: Record<string, unknown>[][] }> => {
      const rows: Record<string, unknown>[][] = [];
      const q = await df.writeStream
        .trigger({ availableNow: true })
        .foreachBatch(async (b) => {
          rows.push(await b.collect());
        })
        .start();
      await q.awaitTermination(20_000);
      return { q, rows };
    };

    it("JSON, PERMISSIVE: malformed lines become nulls and the corrupt-record column, counted per batch", async () => {
      await put("a.json", ['{"a":1}', "{broken", '{"a":2}'], 0);
      await put("b.json", ['{"a":3}'], 1);
      await put("c.json", ["nope", "{", '{"a":4}'], 2);
      const df = await f.weir.readStream.schema("a INT, _corrupt_record STRING").option("maxFilesPerTrigger", 1).json(input);
      const { q, rows } = await run(df);
      assert.deepEqual(malformedPerBatch(q), ["1", "0", "2"]);
      assert.deepEqual(
        rows.map((b) => b.map((r) => [r.a, r._corrupt_record])),
        [
          [
            [1, null],
            [null, "{broken"],
            [2, null],
          ],
          [[3, null]],
          [
            [null, "nope"],
            [null, "{"],
            [4, null],
          ],
        ],
      );
    });

    it("JSON and CSV, DROPMALFORMED: malformed lines skipped, counted per batch", async () => {
      await put("a.json", ['{"a":1}', "{broken", '{"a":"two"}'], 0);
      await put("b.json", ['{"a":3}'], 1);
      const json = await f.weir.readStream.schema("a INT").option("mode", "DROPMALFORMED").option("maxFilesPerTrigger", 1).json(input);
      const j = await run(json);
      assert.deepEqual(malformedPerBatch(j.q), ["2", "0"]);
      assert.deepEqual(
        j.rows.map((b) => b.map((r) => r.a)),
        [[1], [3]],
      );
      assert.deepEqual(
        j.q.recentProgress.map((p) => p.numInputRows),
        [1, 1],
      );
      const csvDir = join(f.dir, "csv");
      await mkdir(csvDir);
      await writeFile(join(csvDir, "x.csv"), "1,a\nx,b\n3,c,extra\n4,d\n");
      const csv = await f.weir.readStream.schema("n INT, s STRING").option("mode", "DROPMALFORMED").csv(csvDir);
      const c = await run(csv);
      assert.deepEqual(malformedPerBatch(c.q), ["2"]);
      assert.deepEqual(
        c.rows[0].map((r) => [r.n, r.s]),
        [
          [1, "a"],
          [4, "d"],
        ],
      );
    });

    it("JSON, FAILFAST: the query fails naming the file and line", async () => {
      await put("a.json", ['{"a":1}', "{broken"], 0);
      const df = await f.weir.readStream.schema("a INT").option("mode", "FAILFAST").json(input);
      const q = await df.writeStream.format("memory").queryName("fff").start();
      await assert.rejects(q.awaitTermination(10_000), (e: unknown) => isWeirError(e) && /STREAM_FAILED/.test(e.message) && /a\.json line 2/.test(e.message) && /FAILFAST/.test(e.message));
    });

    it("formats that do not parse records report no count", async () => {
      await put("a.txt", ["hello"], 0);
      const { q } = await run(await f.weir.readStream.text(input));
      assert.deepEqual(q.lastProgress!.sources[0].metrics, { numFilesOutstanding: "0" });
    });
  });
});
