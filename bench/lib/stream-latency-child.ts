/**
 * Weir's side of the latency phase of `npm run bench:stream`, as a process of its own (as Spark's
 * side is): the streaming word count over `<lines topic>` of a broker, reached with
 * `Weir.connect`, in update mode into `<output topic>` with the Kafka sink, default trigger (each
 * batch as soon as the previous one ends), starting at the latest offsets.
 *
 * Protocol on stdout: `ready` once the query waits for data (its starting offsets are resolved,
 * so everything produced afterwards is read); then, after a line `stop` on stdin, it processes
 * what is left, stops, and prints one JSON line per batch:
 * `{"batchId", "timestamp", "triggerExecutionMs", "numInputRows", "endOffset"}`, then `done`.
 *
 * With WEIR_BENCH_PROFILE=1 the time from `ready` to the end of the query runs under V8's
 * sampling profiler; the summary goes to stderr. With WEIR_BENCH_PROGRESS_FILE=path every batch's
 * whole progress (durationMs, stateOperators, ...) is also written there, one JSON line per batch.
 *
 * usage: stream-latency-child.ts BOOTSTRAP LINES_TOPIC OUTPUT_TOPIC CHECKPOINT
 */
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Weir, col, explode, split, type StreamingQueryProgress } from "../../src/index.js";
import { formatProfileSummary } from "./cpuprofile.js";
import { profileRun } from "./profile.js";

const [bootstrap, linesTopic, outputTopic, checkpoint] = process.argv.slice(2);
if (checkpoint === undefined) throw new Error("usage: stream-latency-child.ts BOOTSTRAP LINES_TOPIC OUTPUT_TOPIC CHECKPOINT");
const weir = await Weir.connect({ bootstrapServers: bootstrap });
// The same number of state partitions as Spark's side (spark.sql.shuffle.partitions=2).
weir.conf.set("spark.sql.shuffle.partitions", 2);
// Every batch's progress (recentProgress keeps the last 100 only).
const progress: StreamingQueryProgress[] = [];
weir.streams.addListener({ onQueryProgress: (e) => void progress.push(e.progress) });
const q = await (await weir.readStream.format("kafka").option("subscribe", linesTopic).option("startingOffsets", "latest").load())
  .select(explode(split(col("value").cast("string"), " ")).alias("word"))
  .groupBy("word")
  .count()
  .select(col("word").alias("key"), col("count").cast("string").alias("value"))
  .writeStream.format("kafka")
  .option("topic", outputTopic)
  .outputMode("update")
  .option("checkpointLocation", checkpoint)
  .start();
while (q.status.message !== "Waiting for data to arrive") {
  const e = q.exception();
  if (e !== null) throw e;
  await new Promise((r) => setTimeout(r, 10));
}
process.stdout.write("ready\n");
const measured = async (): Promise<void> => {
  const commands = createInterface({ input: process.stdin });
  for await (const line of commands) {
    if (line.trim() === "stop") break;
  }
  // Let go of stdin, or it would keep this process alive after the query stopped.
  commands.close();
  process.stdin.destroy();
  await q.processAllAvailable();
  await q.stop();
};
if (process.env.WEIR_BENCH_PROFILE === "1") {
  const p = await profileRun("stream-latency", measured);
  process.stderr.write(`\nWeir latency child profile (${Math.round(p.ms)} ms; ${p.file}):\n${formatProfileSummary(p.summary, 40)}\n`);
} else {
  await measured();
}
if (process.env.WEIR_BENCH_PROGRESS_FILE !== undefined) {
  writeFileSync(process.env.WEIR_BENCH_PROGRESS_FILE, progress.map((p) => JSON.stringify(p) + "\n").join(""));
}
for (const p of progress) {
  process.stdout.write(
    JSON.stringify({ batchId: p.batchId, timestamp: p.timestamp, triggerExecutionMs: p.durationMs.triggerExecution, numInputRows: p.numInputRows, endOffset: p.sources[0].endOffset }) + "\n",
  );
}
await weir.close();
process.stdout.write("done\n");
