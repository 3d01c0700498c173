/**
 * Weir's stream-stream joins against Spark's: the same inner and left outer joins of two topics
 * (impressions and clicks, with watermarks and a one-minute time range), run by PySpark 4.0
 * Structured Streaming (spark-sql-kafka reading a Weir broker) and by Weir (`Weir.connect` to the
 * same broker), each with Trigger.AvailableNow and the same maxOffsetsPerTrigger, so both cut the
 * topics into the same batches. They must give the same rows (pairs in range, and for the outer
 * join the impressions that never matched, null-padded once the watermark passed them), drop the
 * same late rows, and hold the same number of rows in state at the end.
 *
 * Run with `npm run harness:fetch && node scripts/run-tests.mjs test/harness/spark-join.test.ts`
 * (one Spark job; about 1-2 minutes on 2 busy cores).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Broker } from "../../src/broker/broker.js";
import { Weir, col, expr, from_json, type DataFrame } from "../../src/index.js";
import { buildBatch } from "../../src/protocol/records/index.js";
import { runSpark } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const IMPRESSIONS = "join-impressions";
const CLICKS = "join-clicks";
const IMPRESSION_SCHEMA = "adId STRING, impTime TIMESTAMP";
const CLICK_SCHEMA = "clickAdId STRING, clickTime TIMESTAMP";
const MAX_OFFSETS = 30;
const WATERMARK = "15 seconds";
const CONDITION = "clickAdId = adId AND clickTime >= impTime AND clickTime <= impTime + interval 1 minute";
const JOINS = ["inner", "leftOuter"] as const;
const COUNT = 240;
/** 2024-01-01T00:00:00Z. */
const T0 = Date.UTC(2024, 0, 1);

/** Impression i: about a second apart, up to 12 s out of order; every 41st is 150 s late. */
function impression(i: number): string {
  const behind = [0, 3, 0, 7, 12, 0, 5][i % 7] * 1000 + (i % 41 === 20 ? 150_000 : 0);
  return JSON.stringify({ adId: `a${i}`, impTime: new Date(T0 + i * 1000 - behind).toISOString() });
}

/**
 * Click j: for the impression 0-39 s before it (so several clicks may hit one impression); every
 * 13th for one 90 s before (out of range), every 17th for no impression; up to 9 s out of order,
 * every 29th 130 s late.
 */
function click(j: number): string {
  const target = j % 17 === 3 ? -1 : j % 13 === 5 ? j - 90 : j - ((j * 7) % 40);
  const behind = [0, 2, 0, 9, 0][j % 5] * 1000 + (j % 29 === 11 ? 130_000 : 0);
  return JSON.stringify({ clickAdId: target < 0 ? `none${j}` : `a${target}`, clickTime: new Date(T0 + j * 1000 - behind).toISOString() });
}

interface SparkAnswer {
  query: string;
  rows?: (string | number | null)[][];
  batches?: number[];
  dropped?: number;
  stateRows?: number;
  error?: string;
  trace?: string;
}

type Row = [string, number, string | null, number | null];

function compareRows(a: Row, b: Row): number {
  const s = (x: string | null): string => x ?? "";
  const n = (x: number | null): number => x ?? -1;
  return s(a[0]) < s(b[0]) ? -1 : s(a[0]) > s(b[0]) ? 1 : n(a[1]) - n(b[1]) || (s(a[2]) < s(b[2]) ? -1 : s(a[2]) > s(b[2]) ? 1 : n(a[3]) - n(b[3]));
}

async function produce(weir: Weir, topic: string, values: readonly string[]): Promise<void> {
  for (let k = 0; k < values.length; k += 25) {
    await weir.logClient().produce(topic, 0, buildBatch(values.slice(k, k + 25).map((v) => ({ key: null, value: Buffer.from(v) }))));
  }
}

describe("Weir's stream-stream joins against PySpark's", () => {
  let dir = "";
  let broker: Broker;
  let weir: Weir;
  const spark = new Map<string, SparkAnswer>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-spark-join-"));
    broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: join(dir, "log") }, { maintenanceIntervalMs: 0 });
    const bootstrap = `127.0.0.1:${broker.address.port}`;
    weir = await Weir.connect({ bootstrapServers: bootstrap });
    await weir.logClient().createTopic(IMPRESSIONS, 1);
    await weir.logClient().createTopic(CLICKS, 1);
    await produce(weir, IMPRESSIONS, Array.from({ length: COUNT }, (_, i) => impression(i)));
    await produce(weir, CLICKS, Array.from({ length: COUNT }, (_, j) => click(j)));
    const cfg = { impressions: IMPRESSIONS, clicks: CLICKS, impressionSchema: IMPRESSION_SCHEMA, clickSchema: CLICK_SCHEMA, maxOffsetsPerTrigger: MAX_OFFSETS, watermark: WATERMARK, condition: CONDITION, joins: JOINS };
    const res = await runSpark(join(here, "spark", "stream_join.py"), [bootstrap, join(dir, "spark"), JSON.stringify(cfg)], { timeoutMs: 10 * 60_000 });
    for (const l of res.stdout.split("\n").filter((x) => x.startsWith("{"))) {
      const a = JSON.parse(l) as SparkAnswer;
      spark.set(a.query, a);
    }
    if (res.code !== 0 || spark.size !== JOINS.length) throw new Error(`spark-submit exited ${res.code} with ${spark.size} of ${JOINS.length} answers:\n${res.stdout}\n${res.stderr.slice(-4000)}`);
  });

  after(async () => {
    await weir?.close();
    await broker?.stop();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  const stream = async (topic: string, schema: string, time: string): Promise<DataFrame> =>
    (await weir.readStream.format("kafka").option("subscribe", topic).option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", MAX_OFFSETS).load())
      .select(from_json(col("value").cast("string"), schema).alias("e"))
      .select("e.*")
      .withWatermark(time, WATERMARK);

  for (const how of JOINS) {
    it(`${how} join with watermarks and a time range: the same rows, late rows and state`, async () => {
      const s = spark.get(how);
      assert.ok(s !== undefined, `no answer from Spark for ${how}`);
      assert.equal(s.error, undefined, `Spark failed ${how}: ${s.error}\n${s.trace ?? ""}`);
      const joined = (await stream(IMPRESSIONS, IMPRESSION_SCHEMA, "impTime")).join(await stream(CLICKS, CLICK_SCHEMA, "clickTime"), expr(CONDITION), how);
      const q = await joined.writeStream.format("memory").queryName(`joined_${how}`).outputMode("append").option("checkpointLocation", join(dir, "weir", how)).trigger({ availableNow: true }).start();
      await q.awaitTermination();
      const rows = (await weir.table(`joined_${how}`).collect())
        .map((r): Row => [r.adId as string, (r.impTime as Date).getTime(), (r.clickAdId as string | null) ?? null, r.clickTime === null ? null : (r.clickTime as Date).getTime()])
        .sort(compareRows);
      const dropped = q.recentProgress.reduce((a, p) => a + p.stateOperators.reduce((b, o) => b + o.numRowsDroppedByWatermark, 0), 0);
      const stateRows = q.lastProgress!.stateOperators.reduce((a, o) => a + o.numRowsTotal, 0);
      const matched = rows.filter((r) => r[2] !== null).length;
      assert.ok(matched >= 100 && dropped > 0, `the data does not test the join: ${matched} pairs, ${dropped} late rows`);
      if (how === "leftOuter") assert.ok(rows.length - matched >= 40, `only ${rows.length - matched} null-padded rows`);
      assert.deepEqual(q.recentProgress.map((p) => p.numInputRows).filter((n) => n > 0), (s.batches ?? []).filter((n) => n > 0), "the batches hold different numbers of rows");
      assert.deepEqual(rows, s.rows, "Weir's joined rows differ from Spark's");
      assert.equal(dropped, s.dropped, "numRowsDroppedByWatermark differs");
      assert.equal(stateRows, s.stateRows, "numRowsTotal after the last batch differs");
    });
  }
});
