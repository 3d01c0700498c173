/**
 * Sensor averages over a sliding window, with a watermark, appended to Parquet.
 *
 * Temperature readings `{sensor, ts, temperature}` arrive as JSON on the topic `readings`. A
 * streaming query averages the temperature per sensor over one-minute windows sliding every 30
 * seconds of event time. `withWatermark("ts", "30 seconds")` says readings may arrive up to 30
 * seconds late: once the largest event time seen passes a window's end by that much, the window
 * is final, so the query appends its row to the Parquet output (append mode) and forgets its
 * state; readings later than that are dropped and counted in the progress
 * (`stateOperators[0].numRowsDroppedByWatermark`). The file sink commits every batch through
 * `_weir_metadata`, so `weir.read.parquet(out)` never sees a half-written batch and a restart
 * never writes a batch twice.
 *
 * Run it:  npx tsx examples/sensor-averages.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Weir, avg, col, count, from_json, round, window } from "../src/index.js";

/** One reading as a sensor publishes it. */
export interface Reading {
  sensor: string;
  ts: Date;
  temperature: number;
}

/** One output row. */
export interface WindowAverage {
  sensor: string;
  windowStart: Date;
  windowEnd: Date;
  avgTemperature: number;
  readings: number;
}

/** Options of {@link main}; everything has a default. */
export interface SensorOptions {
  /** Where the log, checkpoint and output live (default: a temporary directory, removed afterwards). */
  dataDir?: string;
  /** The readings to publish (default: {@link sampleReadings}). */
  readings?: readonly Reading[];
  /** Print the output (default true). */
  show?: boolean;
}

export const READING_SCHEMA = "sensor STRING, ts TIMESTAMP, temperature DOUBLE";

/** Deterministic readings: `sensors` sensors, one reading every 10 s each for `minutes` minutes. */
export function sampleReadings(minutes = 5, sensors = 3): Reading[] {
  const start = Date.UTC(2024, 0, 1, 8, 0, 0);
  const out: Reading[] = [];
  for (let t = 0; t < minutes * 60; t += 10) {
    for (let s = 0; s < sensors; s++) out.push({ sensor: `sensor-${s}`, ts: new Date(start + t * 1000), temperature: 20 + s + Math.round(10 * Math.sin(t / 60)) / 10 });
  }
  return out;
}

/** Runs the example (see the module comment); returns the rows in the Parquet output. */
export async function main(opts: SensorOptions = {}): Promise<WindowAverage[]> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "weir-sensors-")));
  const weir = await Weir.embedded({ dataDir: join(dataDir, "log") });
  const out = join(dataDir, "averages");
  try {
    if (!(await weir.logClient().describeTopics(["readings"])).has("readings")) await weir.logClient().createTopic("readings", 2);
    const readings = opts.readings ?? sampleReadings();
    await weir
      .createDataFrame(readings.map((r) => ({ ...r })), READING_SCHEMA)
      .selectExpr("sensor AS key", "to_json(named_struct('sensor', sensor, 'ts', ts, 'temperature', temperature)) AS value")
      .write.format("kafka")
      .option("topic", "readings")
      .save();

    const averages = (await weir.readStream.format("kafka").option("subscribe", "readings").option("startingOffsets", "earliest").load())
      .select(from_json(col("value").cast("string"), READING_SCHEMA).alias("r"))
      .select("r.*")
      .withWatermark("ts", "30 seconds")
      .groupBy(window(col("ts"), "1 minute", "30 seconds"), col("sensor"))
      .agg(round(avg("temperature"), 2).alias("avg_temperature"), count("*").alias("readings"));

    const query = await averages
      .select(col("sensor"), col("window.start").alias("window_start"), col("window.end").alias("window_end"), col("avg_temperature"), col("readings"))
      .writeStream.format("parquet")
      .outputMode("append")
      .option("checkpointLocation", join(dataDir, "checkpoint"))
      .trigger({ availableNow: true })
      .start(out);
    if (!(await query.awaitTermination(30_000))) throw new Error("the query did not finish within 30 s");

    const result = (await weir.read.parquet(out)).orderBy("window_start", "sensor");
    if (opts.show ?? true) await result.show(50, false);
    return (await result.collect()).map((r) => ({
      sensor: r.sensor as string,
      windowStart: r.window_start as Date,
      windowEnd: r.window_end as Date,
      avgTemperature: r.avg_temperature as number,
      readings: r.readings as number,
    }));
  } finally {
    await weir.close();
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
