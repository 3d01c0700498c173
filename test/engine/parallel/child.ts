/**
 * A script lifecycle.test.ts runs in a child process: it opens a session on a fresh log,
 * writes a topic, runs one aggregation on the session's worker threads and prints the counts,
 * then closes the session (argv[2] = "close") or leaves it open ("leave-open"). Either way the
 * process must end by itself: idle workers never keep it alive, and close() terminates them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Weir, col, from_json } from "../../../src/index.js";
import { parallelRuntimeOf } from "../../../src/engine/exec/parallel/pool.js";
import { produce } from "./fixtures.js";

const mode = process.argv[2];
if (mode !== "close" && mode !== "leave-open") throw new Error(`usage: child.ts close|leave-open, got ${String(mode)}`);
const dir = mkdtempSync(join(tmpdir(), "weir-parallel-child-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const weir = await Weir.embedded({ dataDir: dir, parallelism: 2, parallelMinRecords: 0 });
await weir.logClient().createTopic("t", 3, {});
for (let p = 0; p < 3; p++) await produce(weir, "t", p, Array.from({ length: 50 * (p + 1) }, (_, i) => JSON.stringify({ c: `c${i % 3}` })));
const df = (await weir.read.format("kafka").option("subscribe", "t").load()).select(from_json(col("value").cast("string"), "c STRING").alias("e")).groupBy("e.c").count().orderBy("c");
const rows = await df.collect();
const runtime = parallelRuntimeOf(weir.logClient())!;
console.log(JSON.stringify({ rows, parallelQueries: runtime.stats.parallelQueries, workersStarted: runtime.pool.started }));
if (mode === "close") await weir.close();
