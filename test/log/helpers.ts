// Shared fixtures for the log tests: batches built with the real codec, temp dirs, configs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBatch, batchesIn, iterateRecords } from "../../src/protocol/records/index.js";
import type { BuildBatchOptions, RecordInput } from "../../src/protocol/records/index.js";
import { defaultTopicConfig, parseTopicConfig } from "../../src/log/config.js";
import type { TopicConfig } from "../../src/log/config.js";

/** A batch of `n` records "k<i>" → "v<i>" (or the given values), timestamps from `ts`. */
export function batchOf(n: number, opts: { ts?: number; key?: (i: number) => string | null; value?: (i: number) => string | null } & BuildBatchOptions = {}): Buffer {
  const ts = opts.ts ?? 1_000;
  const records: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    const k = opts.key ? opts.key(i) : `k${i}`;
    const v = opts.value ? opts.value(i) : `v${i}`;
    records.push({ key: k === null ? null : Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: ts + i });
  }
  return buildBatch(records, opts);
}

/** One keyed record per batch. */
export function kv(key: string, value: string | null, ts = 1_000): Buffer {
  return buildBatch([{ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: ts }]);
}

/** Every record in a buffer of whole batches. */
export function recordsOf(buf: Buffer): { offset: number; timestamp: number; key: string | null; value: string | null }[] {
  const out: { offset: number; timestamp: number; key: string | null; value: string | null }[] = [];
  for (const { pos } of batchesIn(buf)) {
    for (const r of iterateRecords(buf, pos)) {
      out.push({ offset: r.offset, timestamp: r.timestamp, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
    }
  }
  return out;
}

/** A config with small segments for tests, plus Kafka-named overrides. */
export function cfg(overrides: Record<string, string | number> = {}): TopicConfig {
  return parseTopicConfig({ "retention.ms": -1, ...overrides }, defaultTopicConfig);
}

/** A fresh directory under the OS temp dir, and its removal. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "weir-log-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A controllable clock. */
export function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void; set: (t: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms), set: (v) => (t = v) };
}
