/**
 * The life of a session's aggregation workers: the options that set them, the size threshold,
 * workers started lazily (no more than partitions) and reused by later queries, cancellation,
 * and no thread left behind: a process ends by itself whether or not it closes its session.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { Weir, col, count, from_json, sum } from "../../../src/index.js";
import type { Row } from "../../../src/engine/types.js";
import type { EmbeddedLogClient } from "../../../src/client/embedded.js";
import { parallelRuntimeOf } from "../../../src/engine/exec/parallel/pool.js";
import { isWeirError } from "../../../src/util/errors.js";
import { SCHEMA, event, kafka, openSessions, produce, same, type Sessions } from "./fixtures.js";
import { mulberry32 } from "../../../src/util/random.js";

const here = dirname(fileURLToPath(import.meta.url));

describe("parallelism options", () => {
  it("refuses a parallelism or threshold out of range, naming the option", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weir-parallel-opts-"));
    try {
      for (const parallelism of [-1, 1.5, 65, Number.NaN]) {
        await assert.rejects(Weir.embedded({ dataDir: dir, parallelism }), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && /^parallelism must be an integer from 0 to 64/.test(e.message));
      }
      await assert.rejects(Weir.embedded({ dataDir: dir, parallelMinRecords: -5 }), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && /^parallelMinRecords must be a non-negative integer/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("aggregation workers of a session", () => {
  let s: Sessions;
  before(async () => {
    s = await openSessions(3);
    const rand = mulberry32(3);
    await s.par.logClient().createTopic("four", 4, {});
    for (let p = 0; p < 4; p++) await produce(s.par, "four", p, Array.from({ length: 5000 }, (_, i) => event(p * 10_000 + i, rand)), { perBatch: 250 });
    await s.par.logClient().createTopic("solo", 1, {});
    await produce(s.par, "solo", 0, Array.from({ length: 100 }, (_, i) => event(i, rand)));
  });
  after(async () => {
    await s.close();
  });

  const query = async (w: Weir, topic = "four") =>
    (await kafka(w, topic)).select(from_json(col("value").cast("string"), SCHEMA).alias("e"), "partition").groupBy("e.s").agg(count("*"), sum("e.i"));

  it("start lazily, no more than the partitions, and are reused by later queries", async () => {
    const runtime = parallelRuntimeOf(s.par.logClient())!;
    assert.equal(runtime.pool.started, 0);
    await same(s, (w) => query(w, "solo"));
    assert.equal(runtime.pool.started, 1);
    await same(s, (w) => query(w));
    await same(s, (w) => query(w));
    assert.equal(runtime.pool.started, 3);
  });

  it("are not used below the session's threshold, nor with parallelism 0", async () => {
    const log = (s.par.logClient() as EmbeddedLogClient).log;
    const thresholded = await Weir.embedded({ log, parallelism: 2, parallelMinRecords: 20_001 });
    const off = await Weir.embedded({ log, parallelism: 0 });
    try {
      const a = await (await query(thresholded)).collect();
      const stats = parallelRuntimeOf(thresholded.logClient())!.stats;
      assert.deepEqual(stats, { parallelQueries: 0, smallQueries: 1, slotFetches: 0, slotReads: 0, transferredFetches: 0, fusedPartitions: 0, fusedGeneralRecords: 0 });
      const b = await (await query(off)).collect();
      assert.deepEqual(parallelRuntimeOf(off.logClient())!.stats, { parallelQueries: 0, smallQueries: 0, slotFetches: 0, slotReads: 0, transferredFetches: 0, fusedPartitions: 0, fusedGeneralRecords: 0 });
      assert.equal(parallelRuntimeOf(off.logClient())!.pool.started, 0);
      assert.deepStrictEqual(a, b);
      // 20 000 records reach a threshold of 20 000.
      const at = await Weir.embedded({ log, parallelism: 2, parallelMinRecords: 20_000 });
      try {
        assert.deepStrictEqual(await (await query(at)).collect(), b);
        assert.equal(parallelRuntimeOf(at.logClient())!.stats.parallelQueries, 1);
      } finally {
        await at.close();
      }
    } finally {
      await thresholded.close();
      await off.close();
    }
  });

  it("stop when the query is cancelled, and serve the next query", async () => {
    const before = await (await query(s.single)).collectRows();
    const aborted = new AbortController();
    aborted.abort();
    const none = await (await query(s.par)).collectRows({ signal: aborted.signal });
    assert.ok(none.length <= before.length);
    for (let round = 0; round < 3; round++) {
      const ac = new AbortController();
      const pending = (await query(s.par)).collectRows({ signal: ac.signal });
      // Cancelled once the query is under way (after the first fetches were handed over).
      setImmediate(() => ac.abort());
      const partial: Row[] = await pending;
      assert.ok(partial.length <= before.length);
    }
    await same(s, (w) => query(w));
  });

  it("serve queries running at the same time, one of them cancelled", async () => {
    const expected = await (await query(s.single)).collectRows();
    const ac = new AbortController();
    const cancelled = (await query(s.par)).collectRows({ signal: ac.signal });
    const a = (await query(s.par)).collectRows();
    const b = (await query(s.par)).collectRows();
    setImmediate(() => ac.abort());
    const [, ra, rb] = await Promise.all([cancelled, a, b]);
    assert.deepStrictEqual(ra, expected);
    assert.deepStrictEqual(rb, expected);
  });

  it("fail a query whose worker stops under it, and replace the worker for the next query", async () => {
    const runtime = parallelRuntimeOf(s.par.logClient())!;
    const expected = await (await query(s.single)).collectRows();
    await (await query(s.par)).collectRows();
    const startedBefore = runtime.pool.started;
    const [victim] = runtime.pool.acquire(1);
    const pending = (await query(s.par)).collectRows().then(
      (rows) => ({ ok: true as const, rows }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    setImmediate(() => void victim.terminate());
    const r = await pending;
    // The worker may have finished its partitions before it was stopped.
    if (r.ok) assert.deepStrictEqual(r.rows, expected);
    else assert.ok(isWeirError(r.error, "EXECUTION") && /aggregation worker thread/.test(r.error.message), String(r.error));
    assert.ok(!victim.isAlive);
    assert.deepStrictEqual(await (await query(s.par)).collectRows(), expected);
    assert.equal(runtime.pool.started, startedBefore + 1);
  });

  it("end with the process: it exits whether the session is closed or left open", () => {
    for (const mode of ["close", "leave-open"]) {
      const r = spawnSync(process.execPath, ["--import", "tsx", join(here, "child.ts"), mode], { encoding: "utf8", timeout: 120_000 });
      assert.equal(r.signal, null, `the child (${mode}) did not exit by itself: ${r.stderr}`);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { rows: unknown[]; parallelQueries: number; workersStarted: number };
      assert.deepEqual(out.rows, [
        { c: "c0", count: 17 + 34 + 50 },
        { c: "c1", count: 17 + 33 + 50 },
        { c: "c2", count: 16 + 33 + 50 },
      ]);
      assert.equal(out.parallelQueries, 1);
      assert.equal(out.workersStarted, 2);
    }
  });
});
