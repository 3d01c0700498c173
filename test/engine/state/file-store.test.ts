// The file-backed state store: versions, snapshots and deltas, re-commits, purge, damage, values.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeStateFile } from "../../../src/engine/state/file-format.js";
import { FileStateStoreProvider, openStateStores } from "../../../src/engine/state/file-store.js";
import { CheckpointPaths } from "../../../src/engine/stream/checkpoint.js";
import { writeFileDurably } from "../../../src/log/fs.js";
import { MemoryFs } from "../../../src/log/memory-fs.js";
import { AssertionError } from "../../../src/util/assert.js";
import { isWeirError } from "../../../src/util/errors.js";
import { apply, assertHolds, batchOps, seededOps, type Op } from "./fixtures.js";

const DIR = "/cp/state/0/0";

/** Commits one batch of `ops` per element on top of version 0; returns the model of every version. */
async function commitAll(p: FileStateStoreProvider, batches: readonly Op[][]): Promise<Map<string, unknown>[]> {
  const models = [new Map<string, unknown>()];
  for (const ops of batches) {
    const store = await p.load(models.length - 1);
    models.push(apply(store, models.at(-1)!, ops));
    assert.equal(await store.commit(), models.length - 1);
  }
  return models;
}

function checkpointError(path: string, what?: RegExp) {
  return (e: unknown): boolean => isWeirError(e, "CHECKPOINT") && e.message.includes(path) && (what === undefined || what.test(e.message));
}

describe("FileStateStoreProvider", () => {
  it("matches a Map model over random batches, commits and aborts, from memory and from files", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 2, 3, 10),
        fc.array(fc.record({ ops: batchOps, commit: fc.boolean(), restart: fc.boolean() }), { maxLength: 14 }),
        async (interval, batches) => {
          const fs = new MemoryFs();
          let p = new FileStateStoreProvider(fs, DIR, { snapshotInterval: interval });
          const models = [new Map<string, unknown>()];
          for (const b of batches) {
            if (b.restart) p = new FileStateStoreProvider(fs, DIR, { snapshotInterval: interval });
            const store = await p.load(models.length - 1);
            assertHolds(store, models.at(-1)!, `at ${store.version}`);
            const next = apply(store, models.at(-1)!, b.ops);
            assertHolds(store, next, "before commit");
            if (b.commit) {
              await store.commit();
              models.push(next);
              assertHolds(store, next, "after commit");
            } else {
              store.abort();
            }
          }
          const fresh = new FileStateStoreProvider(fs, DIR, { snapshotInterval: interval });
          for (let v = 0; v < models.length; v++) assertHolds(await fresh.load(v), models[v], `reloading ${v}`);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("loads every older version exactly, and writes a snapshot every snapshotInterval versions", async () => {
    const fs = new MemoryFs();
    const p = new FileStateStoreProvider(fs, DIR);
    const models = await commitAll(p, Array.from({ length: 25 }, (_, i) => seededOps(i)));
    assert.deepEqual(fs.readdir(DIR).filter((n) => n.endsWith(".snapshot")).sort(), ["10.snapshot", "20.snapshot"]);
    assert.equal(fs.readdir(DIR).filter((n) => n.endsWith(".delta")).length, 25);
    const fresh = new FileStateStoreProvider(fs, DIR);
    for (const v of [25, 3, 10, 0, 11, 20, 19, 24]) assertHolds(await fresh.load(v), models[v], `version ${v}`);
  });

  it("shifts its snapshots by snapshotPhase, and loads every version from them", async () => {
    const fs = new MemoryFs();
    const p = new FileStateStoreProvider(fs, DIR, { snapshotPhase: 3 });
    const models = await commitAll(p, Array.from({ length: 25 }, (_, i) => seededOps(i)));
    assert.deepEqual(fs.readdir(DIR).filter((n) => n.endsWith(".snapshot")).sort(), ["17.snapshot", "7.snapshot"]);
    // A provider with another phase (or none) reads the same files.
    const fresh = new FileStateStoreProvider(fs, DIR);
    for (const v of [25, 6, 7, 8, 0, 17, 16, 24]) assertHolds(await fresh.load(v), models[v], `version ${v}`);
    assert.throws(() => new FileStateStoreProvider(fs, DIR, { snapshotPhase: -1 }), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
  });

  it("loads the version it just committed without reading a file", async () => {
    const fs = new MemoryFs();
    const p = new FileStateStoreProvider(fs, DIR, { snapshotInterval: 2 });
    const models = await commitAll(p, [seededOps(1), seededOps(2)]);
    const reads = fs.counts.read;
    const store = await p.load(2);
    assertHolds(store, models[2]);
    assert.equal(fs.counts.read, reads);
    assert.equal(p.cachedVersion(), 2);
  });

  it("gives copies: changing a value that get() returned, then aborting, leaves the state as it was", async () => {
    const p = new FileStateStoreProvider(new MemoryFs(), DIR);
    const s1 = await p.load(0);
    const acc = new Map([["count", 1]]);
    s1.put("k", acc);
    acc.set("count", 99);
    await s1.commit();
    const s2 = await p.load(1);
    const got = s2.get("k") as Map<string, number>;
    assert.deepEqual(got, new Map([["count", 1]]));
    got.set("count", 2);
    s2.put("k", got);
    s2.abort();
    assert.deepEqual((await p.load(1)).get("k"), new Map([["count", 1]]));
  });

  it("re-commits a version: the delta and a stale snapshot are replaced, later versions dropped", async () => {
    const fs = new MemoryFs();
    const p = new FileStateStoreProvider(fs, DIR, { snapshotInterval: 5 });
    const models = await commitAll(p, Array.from({ length: 10 }, (_, i) => seededOps(i)));
    // A re-run of the batch that produced version 10, with other output this time.
    const again = await p.load(9);
    const other = apply(again, models[9], [{ kind: "put", key: "rerun", value: [1, 2] }, { kind: "remove", key: "k1" }]);
    assert.equal(await again.commit(), 10);
    assertHolds(await new FileStateStoreProvider(fs, DIR, { snapshotInterval: 5 }).load(10), other, "re-committed 10");
    // Going back further: version 5 (a snapshot version) is rewritten, 6..10 are gone.
    const back = await p.load(4);
    const five = apply(back, models[4], [{ kind: "put", key: "back", value: "x" }]);
    await back.commit();
    assert.deepEqual(fs.readdir(DIR).filter((n) => /^([6-9]|10)\./.test(n)), []);
    const fresh = new FileStateStoreProvider(fs, DIR, { snapshotInterval: 5 });
    assertHolds(await fresh.load(5), five, "rewritten 5");
    await assert.rejects(fresh.load(6), checkpointError(`${DIR}/6.delta`, /never committed/));
  });

  it("purge keeps every retained version loadable and deletes what no retained version needs", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 12 }), async (n, interval, retain) => {
        const fs = new MemoryFs();
        const p = new FileStateStoreProvider(fs, DIR, { snapshotInterval: interval });
        const models = await commitAll(p, Array.from({ length: n }, (_, i) => seededOps(i, 3)));
        await p.purge(retain);
        const fresh = new FileStateStoreProvider(fs, DIR, { snapshotInterval: interval });
        for (let v = Math.max(0, n - retain + 1); v <= n; v++) assertHolds(await fresh.load(v), models[v], `retained ${v}`);
        // Needed: the newest snapshot at or below the oldest retained version, and the deltas after it.
        const floor = Math.floor(Math.max(0, n - retain + 1) / interval) * interval;
        const expected = (n - floor) + (floor > 0 ? 1 : 0) + Math.max(0, Math.floor(n / interval) - Math.floor(floor / interval));
        assert.equal(fs.readdir(DIR).length, expected, `files after purge(${retain}) of ${n} versions, snapshots every ${interval}`);
      }),
      { numRuns: 80 },
    );
  });

  it("writes a snapshot at most once per snapshotMinIntervalMs, at the first due version always", async () => {
    const fs = new MemoryFs();
    let now = 0;
    // 50 ms per commit: versions 10, 20, 30, 40 are due at 500, 1000, 1500, 2000 ms.
    const p = new FileStateStoreProvider(fs, DIR, { snapshotMinIntervalMs: 1000, clock: () => (now += 50) });
    const models = await commitAll(p, Array.from({ length: 45 }, (_, i) => seededOps(i)));
    assert.deepEqual(fs.readdir(DIR).filter((n) => n.endsWith(".snapshot")).sort(), ["10.snapshot", "30.snapshot"]);
    const fresh = new FileStateStoreProvider(fs, DIR);
    for (const v of [45, 9, 10, 11, 20, 29, 30, 44]) assertHolds(await fresh.load(v), models[v], `version ${v}`);
    assert.throws(() => new FileStateStoreProvider(fs, DIR, { snapshotMinIntervalMs: -1 }), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && e.message.includes("snapshotMinIntervalMs"));
  });

  it("purge after every commit leaves exactly what one purge of the whole directory leaves", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 12 }), async (n, interval, minMs, retain) => {
        const fs = new MemoryFs();
        let now = 0;
        const p = new FileStateStoreProvider(fs, DIR, { snapshotInterval: interval, snapshotMinIntervalMs: minMs, clock: () => (now += 50) });
        const models = [new Map<string, unknown>()];
        for (let i = 0; i < n; i++) {
          const store = await p.load(models.length - 1);
          models.push(apply(store, models.at(-1)!, seededOps(i, 3)));
          await store.commit();
          // A query purges after its commits (each partition every few batches).
          await p.purge(retain);
        }
        const left = fs.readdir(DIR).sort();
        // A provider that knows nothing lists the directory and finds nothing more to delete.
        await new FileStateStoreProvider(fs, DIR).purge(retain);
        assert.deepEqual(fs.readdir(DIR).sort(), left);
        const fresh = new FileStateStoreProvider(fs, DIR);
        for (let v = Math.max(0, n - retain + 1); v <= n; v++) assertHolds(await fresh.load(v), models[v], `retained ${v}`);
      }),
      { numRuns: 80 },
    );
  });

  it("reports a damaged, truncated or missing file by name, never skipping it", async () => {
    const setup = async (): Promise<{ fs: MemoryFs; models: Map<string, unknown>[] }> => {
      const fs = new MemoryFs();
      const models = await commitAll(new FileStateStoreProvider(fs, DIR, { snapshotInterval: 4 }), Array.from({ length: 6 }, (_, i) => seededOps(i)));
      return { fs, models };
    };
    const fresh = (fs: MemoryFs): FileStateStoreProvider => new FileStateStoreProvider(fs, DIR, { snapshotInterval: 4 });
    for (const name of ["5.delta", "4.snapshot"]) {
      const path = `${DIR}/${name}`;
      const { fs } = await setup();
      const good = fs.readFile(path);
      await writeFileDurably(fs, path, good.subarray(0, good.length - 7));
      await assert.rejects(fresh(fs).load(6), checkpointError(path, /truncated/));
      const flipped = Buffer.from(good);
      flipped[good.length >> 1] ^= 0x10;
      await writeFileDurably(fs, path, flipped);
      await assert.rejects(fresh(fs).load(6), checkpointError(path, /checksum mismatch/));
      await writeFileDurably(fs, path, Buffer.alloc(0));
      await assert.rejects(fresh(fs).load(6), checkpointError(path, /empty/));
    }
    const { fs, models } = await setup();
    assertHolds(await fresh(fs).load(3), models[3]);
    fs.unlink(`${DIR}/2.delta`);
    await assert.rejects(fresh(fs).load(3), checkpointError(`${DIR}/2.delta`, /missing/));
    assertHolds(await fresh(fs).load(6), models[6], "from the snapshot at 4, not needing 2.delta");
    await writeFileDurably(fs, `${DIR}/4.snapshot`, encodeStateFile("snapshot", 4, [["a", 1], ["a", 2]]));
    await assert.rejects(fresh(fs).load(6), checkpointError(`${DIR}/4.snapshot`, /appears twice/));
    await writeFileDurably(fs, `${DIR}/notes.txt`, Buffer.from("hi"));
    await assert.rejects(fresh(fs).load(6), checkpointError(`${DIR}/notes.txt`, /unexpected file/));
  });

  it("stores values of every kind and gives them back with their types", async () => {
    const fs = new MemoryFs();
    const values: Record<string, unknown> = {
      int: 42,
      float: -1.5,
      nan: NaN,
      negZero: -0,
      big: 2n ** 70n,
      str: "héllo \u{1F600}",
      lone: "\ud800",
      empty: "",
      t: true,
      f: false,
      nul: null,
      undef: undefined,
      nested: [1, ["a", [null, [2.5]]], []],
      map: new Map<unknown, unknown>([["a", 1], [2, new Set(["x"])]]),
      set: new Set([1, "two", 3n]),
      buf: Buffer.from([0, 1, 255]),
      f64: Float64Array.from([1.5, -0, Infinity]),
      obj: { a: 1, b: [true, { c: "d" }] },
      date: new Date(1_700_000_000_000),
    };
    const s = await new FileStateStoreProvider(fs, DIR).load(0);
    for (const [k, v] of Object.entries(values)) s.put(k, v);
    s.put("\udc00 lone surrogate key", 1);
    await s.commit();
    const back = await new FileStateStoreProvider(fs, DIR).load(1);
    for (const [k, v] of Object.entries(values)) {
      assert.deepEqual(back.get(k), v, k);
      assert.equal(back.has(k), true, k);
    }
    assert.ok(Object.is(back.get("negZero"), -0));
    assert.ok(Buffer.isBuffer(back.get("buf")));
    assert.ok(back.get("f64") instanceof Float64Array);
    assert.equal(back.get("\udc00 lone surrogate key"), 1);
    assert.equal(back.get("absent"), undefined);
    assert.equal(back.has("absent"), false);
  });

  it("reports metrics for the batch", async () => {
    const p = new FileStateStoreProvider(new MemoryFs(), DIR);
    const s1 = await p.load(0);
    for (let i = 0; i < 5; i++) s1.put(`k${i}`, i);
    await s1.commit();
    assert.deepEqual({ ...s1.metrics(), memoryUsedBytes: 0 }, { numRowsTotal: 5, numRowsUpdated: 5, numRowsRemoved: 0, memoryUsedBytes: 0 });
    const before = s1.metrics().memoryUsedBytes;
    assert.ok(before > 0);
    const s2 = await p.load(1);
    s2.put("k0", "x".repeat(10_000));
    s2.put("new", 1);
    s2.remove("k1");
    s2.remove("k2");
    s2.put("temp", 1);
    s2.remove("temp");
    s2.remove("never");
    await s2.commit();
    const m = s2.metrics();
    assert.deepEqual({ ...m, memoryUsedBytes: 0 }, { numRowsTotal: 4, numRowsUpdated: 2, numRowsRemoved: 2, memoryUsedBytes: 0 });
    assert.ok(m.memoryUsedBytes > 20_000, "a 10k-character string counts as 20k bytes");
  });

  it("asserts when a store is used after it was aborted, or after another store of its version committed", async () => {
    const p = new FileStateStoreProvider(new MemoryFs(), DIR);
    const a = await p.load(0);
    const b = await p.load(0);
    a.put("x", 1);
    b.put("y", 2);
    await b.commit();
    assert.equal(b.get("y"), 2);
    assert.throws(() => a.get("x"), AssertionError);
    await assert.rejects(a.commit(), AssertionError);
    assert.throws(() => b.put("z", 3), AssertionError);
    const c = await p.load(1);
    c.abort();
    assert.throws(() => c.size, AssertionError);
  });

  it("refuses values it cannot store and options out of range", async () => {
    const s = await new FileStateStoreProvider(new MemoryFs(), DIR).load(0);
    assert.throws(() => s.put("f", () => 1), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && e.message.includes('"f"'));
    assert.throws(() => s.put("o", { f: () => 1 }), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
    assert.throws(() => s.put("s", Symbol("x")), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
    assert.equal(s.size, 0);
    assert.throws(() => new FileStateStoreProvider(new MemoryFs(), DIR, { snapshotInterval: 0 }), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
    await assert.rejects(new FileStateStoreProvider(new MemoryFs(), DIR).load(-1), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
    await assert.rejects(new FileStateStoreProvider(new MemoryFs(), DIR).purge(0), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
  });

  it("names the missing file when a version was never committed", async () => {
    const p = new FileStateStoreProvider(new MemoryFs(), DIR);
    await commitAll(p, [seededOps(1)]);
    await assert.rejects(p.load(3), checkpointError(`${DIR}/2.delta`, /version 3 was never committed \(the newest committed version is 1\)/));
  });
});

describe("openStateStores", () => {
  it("opens one provider per partition in the checkpoint's state directories", async () => {
    const fs = new MemoryFs();
    const paths = new CheckpointPaths("/cp");
    const stores = openStateStores(fs, paths, 2, 3, { snapshotInterval: 7 });
    assert.deepEqual(stores.map((s) => s.dir), [paths.state(2, 0), paths.state(2, 1), paths.state(2, 2)]);
    assert.ok(stores.every((s) => s.snapshotInterval === 7));
    const s = await stores[1].load(0);
    s.put("a", 1);
    await s.commit();
    assert.deepEqual(fs.readdir(paths.state(2, 1)), ["1.delta"]);
    assert.equal(fs.exists(paths.state(2, 0)), false);
    assert.throws(() => openStateStores(fs, paths, 0, 0), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
  });

  it("gives each partition its own snapshot batch, so one batch never snapshots every partition", async () => {
    const fs = new MemoryFs();
    const paths = new CheckpointPaths("/cp");
    const stores = openStateStores(fs, paths, 0, 3, { snapshotInterval: 4 });
    for (let v = 0; v < 8; v++) {
      for (const p of stores) {
        const s = await p.load(v);
        s.put(`k${v}`, v);
        await s.commit();
      }
    }
    const snapshots = stores.map((_, i) => fs.readdir(paths.state(0, i)).filter((n) => n.endsWith(".snapshot")).sort());
    assert.deepEqual(snapshots, [["4.snapshot", "8.snapshot"], ["3.snapshot", "7.snapshot"], ["2.snapshot", "6.snapshot"]]);
  });
});
