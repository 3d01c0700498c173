/**
 * Fixtures of the streaming tests: a temporary directory with an embedded log, producing records,
 * and waiting for a query's progress.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Weir } from "../../../src/engine/session.js";
import { buildBatch } from "../../../src/protocol/records/index.js";
import type { StreamingQuery } from "../../../src/engine/stream/query.js";

/** A session over a fresh log in a temporary directory. */
export interface StreamFixture {
  readonly dir: string;
  readonly weir: Weir;
  /** Produces string values (keys optional) into `topic`/`partition`. */
  produce(topic: string, values: readonly string[], partition?: number, timestampMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function streamFixture(topics: Record<string, number> = {}): Promise<StreamFixture> {
  const dir = await mkdtemp(join(tmpdir(), "weir-stream-test-"));
  const weir = await Weir.embedded({ dataDir: join(dir, "log") });
  for (const [t, n] of Object.entries(topics)) await weir.logClient().createTopic(t, n);
  return {
    dir,
    weir,
    async produce(topic, values, partition = 0, timestampMs) {
      if (values.length === 0) return;
      await weir.logClient().produce(topic, partition, buildBatch(values.map((v) => ({ key: null, value: Buffer.from(v), ...(timestampMs === undefined ? {} : { timestamp: timestampMs }) }))));
    },
    async close() {
      await weir.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `cond` holds, polling; fails after `ms`. */
export async function eventually(cond: () => boolean | Promise<boolean>, ms = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the query has reported a progress for `batchId`. */
export async function awaitBatch(q: StreamingQuery, batchId: number, ms = 10_000): Promise<void> {
  await eventually(() => {
    const e = q.exception();
    if (e !== null) throw e;
    return q.recentProgress.some((p) => p.batchId >= batchId);
  }, ms, `batch ${batchId}`);
}
