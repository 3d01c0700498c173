import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import {
  Checkpoint,
  CheckpointPaths,
  decideNextBatch,
  formatOffsetsFile,
  parseOffsetsFile,
  type OffsetSeqEntry,
  type QueryFingerprint,
} from "../../../src/engine/stream/checkpoint.js";
import { writeFileDurably } from "../../../src/log/fs.js";
import { MemoryFs, SimulatedCrash } from "../../../src/log/memory-fs.js";
import { isWeirError } from "../../../src/util/errors.js";

const fp: QueryFingerprint = { sources: ["kafka[subscribe=events]"], statefulOperators: ["aggregate(keys: word string)"] };

function entry(batchId: number, end: number, watermark = 0): OffsetSeqEntry {
  return { batchId, batchWatermarkMs: watermark, batchTimestampMs: 1_700_000_000_000 + batchId, conf: { "spark.sql.shuffle.partitions": "2" }, sources: [{ events: { "0": end } }] };
}

describe("checkpoint files", () => {
  it("writes offsets in Spark's three-line layout and reads them back", () => {
    const e = entry(3, 120, 5000);
    const text = formatOffsetsFile(e);
    assert.equal(
      text,
      'v1\n{"batchWatermarkMs":5000,"batchTimestampMs":1700000000003,"conf":{"spark.sql.shuffle.partitions":"2"}}\n{"events":{"0":120}}',
    );
    assert.deepEqual(parseOffsetsFile("x", 3, text), e);
    assert.deepEqual(parseOffsetsFile("x", 0, 'v1\n{"batchWatermarkMs":0,"batchTimestampMs":1}\n-').sources, [null]);
  });

  it("reports a truncated or damaged file by its path", () => {
    for (const [text, what] of [
      ["", /empty/],
      ["v1\n", /missing/],
      ['v1\n{"batchWatermarkMs":0,"batchTi', /not valid JSON/],
      ['v1\n{"batchWatermarkMs":"x","batchTimestampMs":1}', /"batchWatermarkMs" must be a number/],
      ["garbage", /first line/],
    ] as const) {
      assert.throws(
        () => parseOffsetsFile("/cp/offsets/7", 7, text),
        (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.includes("/cp/offsets/7") && what.test(e.message),
      );
    }
  });
});

describe("decideNextBatch", () => {
  const root = "/cp";
  it("starts a new query at batch 0", () => {
    assert.deepEqual(decideNextBatch({ latestOffsets: null, previousOffsets: null, latestCommit: null }, root), { kind: "start", batchId: 0, watermarkMs: 0 });
  });

  it("re-runs an uncommitted batch with exactly its planned ranges", () => {
    const d = decideNextBatch({ latestOffsets: entry(4, 200, 70), previousOffsets: entry(3, 150), latestCommit: { batchId: 3, nextBatchWatermarkMs: 70 } }, root);
    assert.equal(d.kind, "rerun");
    assert.equal(d.batchId, 4);
    if (d.kind !== "rerun") return;
    assert.deepEqual(d.entry.sources, [{ events: { "0": 200 } }]);
    assert.deepEqual(d.startOffsets, [{ events: { "0": 150 } }]);
    assert.equal(d.watermarkMs, 70);
    const first = decideNextBatch({ latestOffsets: entry(0, 10), previousOffsets: null, latestCommit: null }, root);
    assert.equal(first.kind, "rerun");
    assert.equal(first.kind === "rerun" ? first.startOffsets : undefined, null);
  });

  it("plans the next batch after a committed one", () => {
    const d = decideNextBatch({ latestOffsets: entry(4, 200), previousOffsets: entry(3, 150), latestCommit: { batchId: 4, nextBatchWatermarkMs: 90 } }, root);
    assert.deepEqual(d, { kind: "next", batchId: 5, startOffsets: [{ events: { "0": 200 } }], watermarkMs: 90 });
  });

  it("refuses facts the protocol cannot produce", () => {
    const bad = [
      { latestOffsets: null, previousOffsets: null, latestCommit: { batchId: 0, nextBatchWatermarkMs: 0 } },
      { latestOffsets: entry(2, 5), previousOffsets: entry(1, 4), latestCommit: { batchId: 3, nextBatchWatermarkMs: 0 } },
      { latestOffsets: entry(5, 5), previousOffsets: entry(4, 4), latestCommit: { batchId: 2, nextBatchWatermarkMs: 0 } },
      { latestOffsets: entry(5, 5), previousOffsets: null, latestCommit: { batchId: 4, nextBatchWatermarkMs: 0 } },
    ];
    for (const facts of bad) assert.throws(() => decideNextBatch(facts, root), (e: unknown) => isWeirError(e, "CHECKPOINT"));
  });
});

describe("Checkpoint", () => {
  it("keeps the query id across restarts and refuses an incompatible query", async () => {
    const fs = new MemoryFs();
    const a = await Checkpoint.open(fs, "/cp", fp);
    const b = await Checkpoint.open(fs, "/cp", { ...fp, sources: ["kafka[subscribe=events]"] });
    assert.equal(a.metadata.id, b.metadata.id);
    await assert.rejects(
      Checkpoint.open(fs, "/cp", { sources: ["kafka[subscribe=other]"], statefulOperators: fp.statefulOperators }),
      (e: unknown) => isWeirError(e, "CHECKPOINT") && /not compatible/.test(e.message) && /source 0 was kafka\[subscribe=events\]/.test(e.message),
    );
    await assert.rejects(
      Checkpoint.open(fs, "/cp", { sources: fp.sources, statefulOperators: [] }),
      (e: unknown) => isWeirError(e, "CHECKPOINT") && /stateful operators/.test(e.message),
    );
  });

  it("refuses to overwrite another run's offsets, accepts the same ones again", async () => {
    const cp = await Checkpoint.open(new MemoryFs(), "/cp", fp);
    await cp.writeOffsets(entry(0, 10));
    await cp.writeOffsets(entry(0, 10));
    await assert.rejects(cp.writeOffsets(entry(0, 11)), (e: unknown) => isWeirError(e, "CHECKPOINT") && /another run/.test(e.message));
  });

  it("names a corrupted file found at restart", async () => {
    const fs = new MemoryFs();
    const cp = await Checkpoint.open(fs, "/cp", fp);
    await cp.writeOffsets(entry(0, 10));
    await writeFileDurably(fs, new CheckpointPaths("/cp").offsets(0), Buffer.from('v1\n{"batchWatermarkMs":0,'));
    const again = await Checkpoint.open(fs, "/cp", fp);
    assert.throws(() => again.decide(), (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.includes("/cp/offsets/0"));
  });

  it("purges entries older than the retained batches", async () => {
    const cp = await Checkpoint.open(new MemoryFs(), "/cp", fp);
    for (let i = 0; i < 6; i++) {
      await cp.writeOffsets(entry(i, i * 10));
      await cp.writeCommit({ batchId: i, nextBatchWatermarkMs: 0 });
    }
    assert.equal(cp.purge(2), 8);
    assert.deepEqual(cp.decide(), { kind: "next", batchId: 6, startOffsets: [{ events: { "0": 50 } }], watermarkMs: 0 });
  });

  it("after a crash at any write point, the decision re-runs or continues a batch that was planned", async () => {
    // Run 4 batches; crash at every write point; the decision after restart must be consistent
    // with a prefix of the protocol: never skip a planned batch, never invent one.
    const run = async (fs: MemoryFs): Promise<void> => {
      const cp = await Checkpoint.open(fs, "/cp", fp);
      for (let i = 0; i < 4; i++) {
        await cp.writeOffsets(entry(i, (i + 1) * 10));
        await cp.writeCommit({ batchId: i, nextBatchWatermarkMs: i });
      }
    };
    const probe = new MemoryFs();
    await run(probe);
    const points = probe.mutatingCount();
    for (let nth = 1; nth <= points; nth++) {
      for (const mode of ["lose-unsynced", "keep-all", "random"] as const) {
        const fs = new MemoryFs({ seed: nth });
        fs.inject({ action: "crash", nth });
        await assert.rejects(run(fs), (e: unknown) => e instanceof SimulatedCrash || (e instanceof Error && e.cause instanceof SimulatedCrash));
        fs.crash(mode);
        const cp = await Checkpoint.open(fs, "/cp", fp);
        const d = cp.decide();
        if (d.kind === "rerun") assert.deepEqual(d.entry.sources, [{ events: { "0": (d.batchId + 1) * 10 } }]);
        if (d.kind === "next") assert.deepEqual(d.startOffsets, [{ events: { "0": d.batchId * 10 } }]);
      }
    }
  });
});
