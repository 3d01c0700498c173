// A crash at every write point of a run of commits, a purge and a re-commit: after restart the
// last committed version loads exactly, and the version being committed is whole or absent.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FileStateStoreProvider } from "../../../src/engine/state/file-store.js";
import { MemoryFs, SimulatedCrash, type CrashMode } from "../../../src/log/memory-fs.js";
import { isWeirError } from "../../../src/util/errors.js";
import { apply, assertHolds, seededOps, sorted, type Op } from "./fixtures.js";
import type { StateStore } from "../../../src/engine/state/store.js";

const DIR = "/cp/state/1/4";
const INTERVAL = 3;

type Step = { kind: "commit"; from: number; ops: Op[] } | { kind: "purge"; retain: number };

// Versions 1..8 (snapshots at 3 and 6), a purge, version 9, a re-run writing 9 again with other
// content (9 is a snapshot version, so its stale snapshot must go first), then version 10.
const STEPS: Step[] = [
  ...Array.from({ length: 8 }, (_, v): Step => ({ kind: "commit", from: v, ops: seededOps(v + 1) })),
  { kind: "purge", retain: 3 },
  { kind: "commit", from: 8, ops: seededOps(100) },
  { kind: "commit", from: 8, ops: seededOps(200) },
  { kind: "commit", from: 9, ops: seededOps(300) },
];
const PURGE_STEP = 8;

/** The content of every version after the first `done` steps completed. */
function contentsAfter(done: number): Map<number, Map<string, unknown>> {
  const contents = new Map<number, Map<string, unknown>>([[0, new Map()]]);
  for (const step of STEPS.slice(0, done)) {
    if (step.kind !== "commit") continue;
    const prev = contents.get(step.from);
    assert.ok(prev !== undefined, `step from version ${step.from} comes after it`);
    const next = new Map(prev);
    for (const op of step.ops) {
      if (op.kind === "put") next.set(op.key, op.value);
      else next.delete(op.key);
    }
    contents.set(step.from + 1, next);
  }
  return contents;
}

async function run(fs: MemoryFs, progress: { done: number }): Promise<void> {
  const p = new FileStateStoreProvider(fs, DIR, { snapshotInterval: INTERVAL });
  for (const step of STEPS) {
    if (step.kind === "purge") await p.purge(step.retain);
    else {
      const store = await p.load(step.from);
      apply(store, new Map(), step.ops);
      await store.commit();
    }
    progress.done++;
  }
}

function holds(store: StateStore, model: ReadonlyMap<string, unknown>): boolean {
  try {
    assertHolds(store, model);
    return true;
  } catch {
    return false;
  }
}

describe("FileStateStoreProvider crash safety", () => {
  it("after a crash at any write point, committed versions load exactly and the interrupted one is whole or absent", async () => {
    const probe = new MemoryFs();
    await run(probe, { done: 0 });
    const points = probe.mutatingCount();
    assert.ok(points > 60, `the run has ${points} write points`);
    let checked = 0;
    for (let nth = 1; nth <= points; nth++) {
      for (const mode of ["lose-unsynced", "keep-all", "random"] as CrashMode[]) {
        const fs = new MemoryFs({ seed: nth * 7 + mode.length });
        fs.inject({ action: "crash", nth });
        const progress = { done: 0 };
        await assert.rejects(run(fs, progress), (e: unknown) => e instanceof SimulatedCrash || (e instanceof Error && e.cause instanceof SimulatedCrash));
        fs.crash(mode);
        const at = `crash at write ${nth} (${mode}) during step ${progress.done}`;

        const done = contentsAfter(progress.done);
        const inflight = STEPS[progress.done];
        const fresh = new FileStateStoreProvider(fs, DIR, { snapshotInterval: INTERVAL });
        const minLoadable = progress.done >= PURGE_STEP ? 6 : 0;
        const last = Math.max(...done.keys());
        for (const [v, model] of done) {
          if (v < minLoadable) continue;
          const store = await fresh.load(v);
          if (inflight?.kind === "commit" && inflight.from + 1 === v) {
            // A re-commit of v that was cut short: the old content or the new, nothing between.
            const replaced = contentsAfter(progress.done + 1).get(v)!;
            assert.ok(holds(store, model) || holds(store, replaced), `${at}: version ${v} is neither the old nor the new content: ${JSON.stringify(sorted(store.entries()).map((e) => e[0]))}`);
          } else {
            assertHolds(store, model, `${at}: version ${v}`);
          }
        }
        if (inflight?.kind === "commit" && !done.has(inflight.from + 1)) {
          const v = inflight.from + 1;
          const whole = contentsAfter(progress.done + 1).get(v)!;
          try {
            assertHolds(await fresh.load(v), whole, `${at}: the interrupted version ${v}`);
          } catch (e) {
            assert.ok(isWeirError(e, "CHECKPOINT") && e.message.includes(`${DIR}/${v}.delta`) && /never committed/.test(e.message), `${at}: ${String(e)}`);
          }
        }

        // The query resumes: the batch after the last committed version runs and commits.
        const resumed = await fresh.load(last);
        // An interrupted re-commit of `last` may have left either content; it was checked above.
        const base = holds(resumed, done.get(last)!) ? done.get(last)! : contentsAfter(progress.done + 1).get(last)!;
        const next = apply(resumed, base, [{ kind: "put", key: "resumed", value: nth }]);
        await resumed.commit();
        assertHolds(await new FileStateStoreProvider(fs, DIR, { snapshotInterval: INTERVAL }).load(last + 1), next, `${at}: resumed`);
        checked++;
      }
    }
    assert.equal(checked, points * 3);
  });
});
