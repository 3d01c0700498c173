/**
 * Fixtures of the dedup, session-window and watermark-policy tests: JSON event files in a
 * directory, read one file per micro-batch (maxFilesPerTrigger 1, files in the order written), and
 * a query run with Trigger.AvailableNow into foreachBatch, so every batch's rows and progress are
 * known exactly. The same files and queries were run through PySpark 4.0 (local[2]) to take the
 * expected outputs and progress counts the tests assert.
 */
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import { col } from "../../../src/engine/api/functions.js";
import type { Weir } from "../../../src/engine/session.js";
import type { StateOperatorProgress, StreamingQueryProgress } from "../../../src/engine/stream/progress.js";

/** 2024-01-01T10:00:00Z: event times in the tests are seconds after it. */
export const BASE_MS = Date.UTC(2024, 0, 1, 10, 0, 0);

/** One event: an id, a user and its time in seconds after {@link BASE_MS}. */
export type Event = readonly [id: number, user: string, seconds: number];

/** Writes one JSON-lines file per entry of `files` into `dir`, with increasing modification times (the read order). */
export async function writeEventFiles(dir: string, files: readonly (readonly Event[])[], first = 0): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < files.length; i++) {
    const n = first + i;
    const path = join(dir, `f${String(n).padStart(3, "0")}.json`);
    await writeFile(path, files[i].map(([id, user, s]) => JSON.stringify({ id, user, ts: new Date(BASE_MS + s * 1000).toISOString() })).join("\n") + "\n");
    const t = 1_000_000 + n * 10;
    await utimes(path, t, t);
  }
}

/** The streaming frame of `dir`'s events: id INT, user STRING, ts TIMESTAMP, one file per batch. */
export async function eventStream(weir: Weir, dir: string): Promise<DataFrame> {
  return (await weir.readStream.schema("id INT, user STRING, ts TIMESTAMP").option("maxFilesPerTrigger", 1).json(dir)).select(col("id"), col("user"), col("ts"));
}

/** A value as the tests compare it: timestamps as seconds after {@link BASE_MS}, structs as objects of those. */
export function seconds(v: unknown): unknown {
  if (v instanceof Date) return (v.getTime() - BASE_MS) / 1000;
  if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Map) && !Buffer.isBuffer(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, seconds(x)]));
  }
  return v;
}

/** What one run of a query gave: each batch's rows (as arrays, sorted) and progress. */
export interface RunResult {
  readonly batches: { batch: number; rows: unknown[][] }[];
  readonly progress: StreamingQueryProgress[];
}

/** Runs `df` with Trigger.AvailableNow into foreachBatch until it stops; rows as arrays of {@link seconds}, sorted. */
export async function runAvailableNow(df: DataFrame, checkpoint: string, mode: "append" | "update" | "complete" = "append"): Promise<RunResult> {
  const batches: { batch: number; rows: unknown[][] }[] = [];
  const q = await df.writeStream
    .outputMode(mode)
    .trigger({ availableNow: true })
    .option("checkpointLocation", checkpoint)
    .foreachBatch(async (b, id) => {
      const rows = (await b.collect()).map((r) => Object.values(r).map(seconds));
      rows.sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
      batches.push({ batch: id, rows });
    })
    .start();
  await q.awaitTermination();
  return { batches, progress: q.recentProgress };
}

/** The counts of a batch's only stateful operator, as the tests compare them with Spark's. */
export function counts(p: StreamingQueryProgress): Pick<StateOperatorProgress, "operatorName" | "numRowsTotal" | "numRowsUpdated" | "numRowsRemoved" | "numRowsDroppedByWatermark"> {
  const o = p.stateOperators[0];
  return { operatorName: o.operatorName, numRowsTotal: o.numRowsTotal, numRowsUpdated: o.numRowsUpdated, numRowsRemoved: o.numRowsRemoved, numRowsDroppedByWatermark: o.numRowsDroppedByWatermark };
}
