/**
 * Shared set-up of the parallel aggregation tests: one log with varied topics, read by two
 * sessions — `par` (worker threads for every aggregation, whatever its size) and `single`
 * (parallelism 0, the calling thread) — and a comparison that runs a query on both and checks
 * that they give the same rows in the same order, or the same error.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Weir, type DataFrame } from "../../../src/index.js";
import type { EmbeddedLogClient } from "../../../src/client/embedded.js";
import { parallelRuntimeOf, type ParallelStats } from "../../../src/engine/exec/parallel/pool.js";
import { buildBatch, buildControlBatch, type CompressionCodec, type RecordInput } from "../../../src/protocol/records/index.js";
import { mulberry32 } from "../../../src/util/random.js";
import { isWeirError } from "../../../src/util/errors.js";

/** Milliseconds of the first record's timestamp. */
export const T0 = 1_700_000_000_000;

/** The two sessions over one log. */
export interface Sessions {
  dir: string;
  par: Weir;
  single: Weir;
  /** The parallel session's counters. */
  stats(): ParallelStats;
  close(): Promise<void>;
}

/** Opens a log in a temp dir with the parallel session owning it and the single-thread one sharing it. */
export async function openSessions(parallelism = 2): Promise<Sessions> {
  const dir = mkdtempSync(join(tmpdir(), "weir-parallel-"));
  const par = await Weir.embedded({ dataDir: dir, parallelism, parallelMinRecords: 0 });
  const single = await Weir.embedded({ log: (par.logClient() as EmbeddedLogClient).log, parallelism: 0 });
  return {
    dir,
    par,
    single,
    stats: () => ({ ...parallelRuntimeOf(par.logClient())!.stats }),
    async close() {
      await single.close();
      await par.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A deterministic JSON event: fields of every common type, some missing, some null. */
export function event(i: number, rand: () => number): string {
  const o: Record<string, unknown> = {};
  if (rand() > 0.05) o.s = `s${Math.floor(rand() * 6)}`;
  if (rand() > 0.05) o.i = Math.floor(rand() * 2000) - 1000;
  o.l = i % 11 === 0 ? null : 1_000_000_000_000 + Math.floor(rand() * 1e6);
  if (rand() > 0.1) o.d = Math.round(rand() * 1e6) / 1000;
  if (rand() > 0.1) o.b = rand() > 0.5;
  o.t = new Date(T0 + i * 61_000).toISOString();
  return JSON.stringify(o);
}

/** Produces `values` to a partition, `perBatch` to a record batch, keys `k<i % 5>` (null for i % 7 == 3), headers on every 4th. */
export async function produce(weir: Weir, topic: string, partition: number, values: readonly (string | null)[], opts: { perBatch?: number; compression?: CompressionCodec; first?: number } = {}): Promise<void> {
  const per = opts.perBatch ?? 100;
  const first = opts.first ?? 0;
  for (let at = 0; at < values.length; at += per) {
    const records: RecordInput[] = [];
    for (let j = at; j < Math.min(values.length, at + per); j++) {
      const i = first + j;
      const v = values[j];
      records.push({
        key: i % 7 === 3 ? null : Buffer.from(`k${i % 5}`),
        value: v === null ? null : Buffer.from(v),
        timestamp: T0 + i * 1000,
        headers: i % 4 === 0 ? [{ key: "h", value: Buffer.from(`hv${i % 3}`) }] : [],
      });
    }
    await weir.logClient().produce(topic, partition, buildBatch(records, { compression: opts.compression ?? "none" }));
  }
}

/**
 * The topics of the suites:
 * - `ev`, 5 partitions: p0 600 events in batches of 100; p1 400 events in gzip, snappy, lz4 and
 *   zstd batches; p2 empty; p3 300 events with malformed values (not JSON, wrong types) and null
 *   values; p4 200 events around a transaction marker (a control batch);
 * - `one`, 1 partition of 500 events;
 * - `many`, 12 partitions of 0 to 220 events.
 */
export async function seed(s: Sessions): Promise<void> {
  const w = s.par;
  const log = (w.logClient() as EmbeddedLogClient).log;
  const rand = mulberry32(7);
  const events = (n: number, from: number): string[] => Array.from({ length: n }, (_, k) => event(from + k, rand));
  await w.logClient().createTopic("ev", 5, { "retention.ms": "-1" });
  await produce(w, "ev", 0, events(600, 0));
  const codecs: CompressionCodec[] = ["gzip", "snappy", "lz4", "zstd"];
  for (let c = 0; c < codecs.length; c++) await produce(w, "ev", 1, events(100, 1000 + c * 100), { compression: codecs[c], perBatch: 50, first: c * 100 });
  const bad = events(300, 2000).map((v, k) => (k % 37 === 5 ? "not json" : k % 41 === 7 ? '{"i": "x", "s": 1}' : k % 43 === 9 ? null : v));
  await produce(w, "ev", 3, bad, { perBatch: 64 });
  await produce(w, "ev", 4, events(100, 3000));
  await log.partition("ev", 4).append(buildControlBatch("commit", { producerId: 999, producerEpoch: 0 }));
  await produce(w, "ev", 4, events(100, 3100), { first: 101 });
  await w.logClient().createTopic("one", 1, { "retention.ms": "-1" });
  await produce(w, "one", 0, events(500, 4000), { perBatch: 77 });
  await w.logClient().createTopic("many", 12, { "retention.ms": "-1" });
  for (let p = 0; p < 12; p++) if (p % 5 !== 2) await produce(w, "many", p, events(20 * p, 5000 + p * 1000), { perBatch: 30 });
}

/** The JSON schema of the events. */
export const SCHEMA = "s STRING, i INT, l BIGINT, d DOUBLE, b BOOLEAN, t TIMESTAMP";

/** A Kafka read of `topic` (subscribed, unless the options `assign` partitions) with these options. */
export async function kafka(weir: Weir, topic: string, options: Record<string, string> = {}): Promise<DataFrame> {
  let r = weir.read.format("kafka");
  if (options.assign === undefined) r = r.option("subscribe", topic);
  for (const [k, v] of Object.entries(options)) r = r.option(k, v);
  return r.load();
}

type Outcome = { ok: true; rows: Record<string, unknown>[]; schema: string } | { ok: false; error: unknown };

async function outcome(df: Promise<DataFrame>): Promise<Outcome> {
  try {
    const frame = await df;
    return { ok: true, rows: await frame.collect(), schema: frame.schema.fields.map((f) => `${f.name}:${JSON.stringify(f.dataType)}:${f.nullable}`).join(",") };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Runs `query` on both sessions and checks the same rows (same order, same types), or the
 * same error (code, message, details); checks that the parallel session ran it on its workers
 * (`parallel`: true) or on the calling thread (false). Returns the rows, or the error.
 */
export async function same(s: Sessions, query: (w: Weir) => Promise<DataFrame>, parallel = true): Promise<Outcome> {
  const before = s.stats().parallelQueries;
  const p = await outcome(query(s.par));
  const ran = s.stats().parallelQueries - before;
  const q = await outcome(query(s.single));
  if (!q.ok) {
    assert.ok(!p.ok, `the parallel run succeeded where the single-thread one failed with ${String(q.error)}`);
    assertSameError(p.error, q.error);
  } else {
    assert.ok(p.ok, `the parallel run failed: ${p.ok ? "" : (p.error as Error).stack}`);
    assert.equal(p.schema, q.schema);
    assert.deepStrictEqual(p.rows, q.rows);
  }
  assert.equal(ran, parallel ? 1 : 0, parallel ? "the query should have run on the workers" : "the query should have run on the calling thread");
  return p;
}

/** The same WeirError (or the same error class and message). */
export function assertSameError(a: unknown, b: unknown): void {
  assert.ok(a instanceof Error && b instanceof Error, `errors expected, got ${String(a)} and ${String(b)}`);
  assert.equal(a.name, b.name);
  assert.equal(a.message, b.message);
  if (isWeirError(b)) {
    assert.ok(isWeirError(a), `a WeirError expected, got ${a.name}: ${a.message}`);
    assert.equal(a.code, b.code);
    assert.deepStrictEqual(a.details, b.details);
    assert.equal(a.retriable, b.retriable);
  }
}
