/**
 * Kill test: a child process runs a Kafka → files query and is killed with SIGKILL at random
 * points, then restarted from its checkpoint, until a run finishes. The committed file output
 * must hold every record exactly once, as an uninterrupted run does.
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Weir } from "../../../src/engine/session.js";
import { committedBatchIds, lcg, runStreamChild, streamFixture } from "./helpers.js";

const CHILD = fileURLToPath(new URL("./fixtures/kill-child.ts", import.meta.url));

/** SIGKILLs per test run (the issue asks for at least 20). */
const KILLS = 20;

describe("SIGKILL at random points", () => {
  it("restarted runs produce exactly the output of an uninterrupted run", { timeout: 180_000 }, async (t) => {
    const f = await streamFixture({ events: 3 });
    const logDir = join(f.dir, "log");
    const expected: string[] = [];
    for (let p = 0; p < 3; p++) {
      for (let b = 0; b < 8; b++) {
        const values = Array.from({ length: 10 }, (_, i) => `p${p}-b${b}-${i}`);
        expected.push(...values);
        await f.produce("events", values, p);
      }
    }
    await f.weir.close();
    const cp = join(f.dir, "cp");
    const out = join(f.dir, "out");
    const random = lcg(Number(process.env.WEIR_KILL_SEED ?? 42));
    let kills = 0;
    const killedAfterBatches: number[] = [];
    for (let attempt = 0; attempt <= KILLS; attempt++) {
      // Kill 0-2 batches into the run, then a random 0-30 ms later: between batches or inside one
      // (a batch takes a few ms). The last run goes to the end.
      const last = attempt === KILLS;
      const run = await runStreamChild(CHILD, [logDir, cp, out], last ? null : { batches: Math.floor(random() * 3), afterMs: Math.floor(random() * 30) });
      if (run.code === 0) break;
      kills++;
      killedAfterBatches.push((await committedBatchIds(cp)).length);
    }
    assert.ok(kills >= KILLS, `only ${kills} kills landed before the query finished: ${killedAfterBatches.join(",")}`);
    t.diagnostic(`${kills} kills, after ${killedAfterBatches.join(", ")} committed batches`);
    const weir = Weir.local();
    const rows = await (await weir.read.schema("v STRING, u STRING, partition INT, offset BIGINT").json(out)).collect();
    const got = rows.map((r) => r.v as string).sort();
    assert.deepEqual(got, [...expected].sort(), `after ${kills} kills`);
    assert.ok(rows.every((r) => r.u === (r.v as string).toUpperCase()));
    await weir.close();
    const { rm } = await import("node:fs/promises");
    await rm(f.dir, { recursive: true, force: true });
  });
});
