import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { cp as cpDir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { col } from "../../../src/engine/api/functions.js";
import {
  Checkpoint,
  CheckpointPaths,
  decideNextBatch,
  formatOffsetsFile,
  parseCommitFile,
  parseOffsetsFile,
  type OffsetSeqEntry,
  type QueryFingerprint,
} from "../../../src/engine/stream/checkpoint.js";
import { NodeFs, writeFileDurably } from "../../../src/log/fs.js";
import { MemoryFs, SimulatedCrash } from "../../../src/log/memory-fs.js";
import { isWeirError } from "../../../src/util/errors.js";
import { streamFixture } from "./helpers.js";

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

describe("the number of source lines in offsets/N", () => {
  const meta = '{"batchWatermarkMs":0,"batchTimestampMs":1}';
  it("must equal the number of sources of the query", () => {
    assert.deepEqual(parseOffsetsFile("/cp/offsets/2", 2, `v1\n${meta}\n{"a":{"0":4}}\n-`, 2).sources, [{ a: { "0": 4 } }, null]);
    for (const [text, count, what] of [
      [`v1\n${meta}\n`, 1, /expected one offsets line per source of the query \(1\) after the batch metadata line, found 0 \(the file is truncated\)/],
      [`v1\n${meta}`, 1, /found 0 \(the file is truncated\)/],
      [`v1\n${meta}\n{"a":{"0":4}}`, 2, /\(2\) after the batch metadata line, found 1 \(the file is truncated\)/],
      [`v1\n${meta}\n{"a":{"0":4}}\n-`, 1, /\(1\) after the batch metadata line, found 2 \(the file has lines added\)/],
    ] as const) {
      assert.throws(
        () => parseOffsetsFile("/cp/offsets/2", 2, text, count),
        (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.startsWith("checkpoint file /cp/offsets/2 is corrupt: ") && what.test(e.message),
        JSON.stringify(text),
      );
    }
  });

  it("is checked when a restart reads the newest two offsets files, with or without checksums", async () => {
    for (const [file, sidecar] of [
      ["/cp/offsets/1", "kept"],
      ["/cp/offsets/1", "removed"],
      ["/cp/offsets/0", "removed"],
    ] as const) {
      const fs = new MemoryFs();
      const cp = await Checkpoint.open(fs, "/cp", fp);
      await cp.writeOffsets(entry(0, 10));
      await cp.writeCommit({ batchId: 0, nextBatchWatermarkMs: 0 });
      await cp.writeOffsets(entry(1, 20));
      const cut = fs.readFile(file).toString("utf8").split("\n").slice(0, 2).join("\n") + "\n";
      if (sidecar === "removed") fs.unlink(file.replace(/(\d+)$/, ".$1.crc"));
      await writeFileDurably(fs, file, Buffer.from(cut));
      const again = await Checkpoint.open(fs, "/cp", fp);
      const expected = sidecar === "kept" ? /do not match their checksum/ : /expected one offsets line per source of the query \(1\)/;
      assert.throws(() => again.decide(), (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.includes(`checkpoint file ${file} is corrupt`) && expected.test(e.message), `${file}, ${sidecar}`);
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

  it("re-runs the newest batch from the previous one's end when only the previous commit is missing", () => {
    // commits/3 was being written while batch 4 ran when the process died.
    const d = decideNextBatch({ latestOffsets: entry(4, 200, 70), previousOffsets: entry(3, 150, 60), latestCommit: { batchId: 2, nextBatchWatermarkMs: 60 } }, root);
    assert.equal(d.kind, "rerun");
    if (d.kind !== "rerun") return;
    assert.equal(d.batchId, 4);
    assert.deepEqual(d.startOffsets, [{ events: { "0": 150 } }]);
    assert.equal(d.watermarkMs, 70);
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
      (e: unknown) =>
        isWeirError(e, "CHECKPOINT") &&
        /not compatible with the query that wrote it, as recorded in \/cp\/metadata \(/.test(e.message) &&
        /source 0 was kafka\[subscribe=events\] and is now kafka\[subscribe=other\]/.test(e.message) &&
        e.details.path === "/cp/metadata",
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

  it("purges entries older than the retained batches, with their checksum files (memory and real filesystems)", async () => {
    const real = mkdtempSync(join(tmpdir(), "weir-cp-purge-"));
    try {
      for (const [fs, dir] of [[new MemoryFs(), "/cp"], [new NodeFs(), join(real, "cp")]] as const) {
        const cp = await Checkpoint.open(fs, dir, fp);
        for (let i = 0; i < 6; i++) {
          await cp.writeOffsets(entry(i, i * 10));
          await cp.writeCommit({ batchId: i, nextBatchWatermarkMs: 0 });
        }
        assert.equal(await cp.purge(2), 8);
        assert.deepEqual(fs.readdir(join(dir, "offsets")).sort(), [".4.crc", ".5.crc", "4", "5"]);
        assert.deepEqual(fs.readdir(join(dir, "commits")).sort(), [".4.crc", ".5.crc", "4", "5"]);
        assert.deepEqual(cp.decide(), { kind: "next", batchId: 6, startOffsets: [{ events: { "0": 50 } }], watermarkMs: 0 });
        // Nothing left to purge: a second purge removes nothing.
        assert.equal(await cp.purge(2), 0);
      }
    } finally {
      rmSync(real, { recursive: true, force: true });
    }
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

describe("damaged commit and metadata files", () => {
  it("reports a truncated or damaged commit file by its path", () => {
    for (const [text, what] of [
      ["", /first line/],
      ["v1", /missing/],
      ["v1\n", /missing/],
      ['v1\n{"nextBatchWatermarkMs":', /not valid JSON/],
      ['v1\n{"nextBatchWatermarkMs":"7"}', /"nextBatchWatermarkMs" must be a number/],
      ["v1\n[1,2]", /not a JSON object/],
      ["\u0000\u00ff\u00fe garbage", /first line/],
    ] as const) {
      assert.throws(
        () => parseCommitFile("/cp/commits/4", 4, text),
        (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.includes("/cp/commits/4") && what.test(e.message),
        JSON.stringify(text),
      );
    }
  });

  it("writes the metadata file with its checksum and refuses it changed", async () => {
    const fs = new MemoryFs();
    await Checkpoint.open(fs, "/cp", fp);
    const text = fs.readFile("/cp/metadata").toString("utf8");
    assert.ok(fs.stat("/cp/.metadata.crc") !== null);
    await writeFileDurably(fs, "/cp/metadata", Buffer.from(text.replace("events", "eventr")));
    await assert.rejects(Checkpoint.open(fs, "/cp", fp), (e: unknown) => isWeirError(e, "CHECKPOINT") && /^checkpoint file \/cp\/metadata is corrupt: bytes 0\.\.\d+ do not match their checksum/.test(e.message));
    // Without the checksum (an older checkpoint) the change reads as another query: named too.
    fs.unlink("/cp/.metadata.crc");
    await assert.rejects(
      Checkpoint.open(fs, "/cp", fp),
      (e: unknown) => isWeirError(e, "CHECKPOINT") && /as recorded in \/cp\/metadata \(source 0 was kafka\[subscribe=eventr\] and is now kafka\[subscribe=events\]\)/.test(e.message),
    );
  });

  it("names a truncated or corrupted metadata file when the checkpoint is opened", async () => {
    for (const bytes of [
      Buffer.alloc(0),
      Buffer.from('{"id":"0b5d'),
      Buffer.from("\n"),
      Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x22]),
      Buffer.from('{"weir":{}}\n'),
      Buffer.from('{"id":"0b5d1f","weir":{"fingerprint":{"sources":"x"}}}\n'),
    ]) {
      const fs = new MemoryFs();
      await Checkpoint.open(fs, "/cp", fp);
      await writeFileDurably(fs, "/cp/metadata", bytes);
      await assert.rejects(
        Checkpoint.open(fs, "/cp", fp),
        (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.includes("/cp/metadata"),
        JSON.stringify(bytes.toString("latin1")),
      );
    }
  });
});

/**
 * The same through a real query on disk: a stateful Kafka query runs 12 batches (so its state has
 * a snapshot, at version 10, and deltas after it), then each file the restart needs is truncated
 * or corrupted in a copy of the checkpoint, and the restarted query must fail with a CHECKPOINT
 * error naming that file — never skip it, never start over. Each copy either keeps the checksum
 * sidecars (`.<name>.crc`) the query wrote, or loses them, as a checkpoint written before Weir
 * wrote them (then the files' own structure must reveal the damage).
 */
describe("a damaged checkpoint file found at restart", () => {
  type Damage = readonly [name: string, damage: (b: Buffer) => Buffer];
  /** Flips the lowest bit of the last byte that `match` accepts, so the text stays well formed. */
  const flipLast = (b: Buffer, match: (x: number) => boolean): Buffer => {
    let i = b.length - 1;
    while (i >= 0 && !match(b[i])) i--;
    assert.ok(i >= 0, "no byte to flip");
    return Buffer.from(b.map((x, j) => (j === i ? x ^ 0x01 : x)));
  };
  const empty: Damage = ["truncated to nothing", () => Buffer.alloc(0)];
  const half: Damage = ["truncated to half", (b) => b.subarray(0, b.length >> 1)];
  const versionLineOnly: Damage = ["truncated after the version line", (b) => b.subarray(0, b.indexOf(10) + 1)];
  const lastLine: Damage = ["truncated at a line boundary (its last line lost)", (b) => b.subarray(0, b.lastIndexOf(10, b.length - 2) + 1)];
  const lastByte: Damage = ["truncated by one byte", (b) => b.subarray(0, b.length - 1)];
  const garbage: Damage = ["corrupted at the start", (b) => Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x13]), b.subarray(4)])];
  const flipped: Damage = ["corrupted by a flipped bit", (b) => Buffer.from(b.map((x, i) => (i === b.length >> 1 ? x ^ 0x10 : x)))];
  const digit: Damage = ["a digit of a number changed", (b) => flipLast(b, (x) => x >= 0x30 && x <= 0x39)];
  const letter: Damage = ["a letter inside a string changed", (b) => flipLast(b, (x) => x >= 0x61 && x <= 0x7a)];
  const checksumBit: Damage = ["a bit of the last checksum flipped", (b) => flipLast(b, () => true)];
  const textDamages = [empty, half, garbage];
  const logDamages = [empty, half, versionLineOnly, lastByte, garbage];
  const stateDamages = [empty, half, lastByte, garbage, flipped];

  type Sidecars = "checksums kept" | "checksums removed";
  /** [file relative to the checkpoint, damages, whether the newest batch is left uncommitted (a re-run), the sidecars]. */
  const cases: [string, Damage[], boolean, Sidecars][] = [
    // Without checksums, each file's structure must reveal the damage (the query's source count
    // for an offsets file cut at a line boundary, the value of a source log entry, the
    // fingerprint of the metadata, which names that file).
    ["metadata", [...textDamages, letter], false, "checksums removed"],
    ["offsets/11", [...logDamages, lastLine], false, "checksums removed"],
    ["offsets/11", [...logDamages, lastLine], true, "checksums removed"],
    ["offsets/10", [empty, half, versionLineOnly, lastLine, garbage], true, "checksums removed"],
    ["commits/11", logDamages, false, "checksums removed"],
    ["commits/10", logDamages, true, "checksums removed"],
    ["sources/0/0", [...textDamages, versionLineOnly], false, "checksums removed"],
    // With them (as Weir writes checkpoints), any change is caught first by the checksum, also one
    // that still parses: a digit of an offset or a watermark, a letter of a topic name.
    ["metadata", [half, digit, letter], false, "checksums kept"],
    ["offsets/11", [lastLine, digit, letter], false, "checksums kept"],
    ["offsets/11", [empty, lastLine], true, "checksums kept"],
    ["offsets/10", [lastLine, digit], true, "checksums kept"],
    ["commits/11", [half, digit], false, "checksums kept"],
    ["commits/10", [versionLineOnly, digit], true, "checksums kept"],
    ["sources/0/0", [garbage, versionLineOnly, digit, letter], false, "checksums kept"],
    // A damaged checksum file is reported too (naming it and the file it covers).
    [".metadata.crc", [empty, lastByte], false, "checksums kept"],
    ["offsets/.11.crc", [empty, half, garbage, checksumBit], false, "checksums kept"],
    ["sources/0/.0.crc", [checksumBit], false, "checksums kept"],
    // State files carry their own CRC-32C.
    ["state/0/0/12.delta", stateDamages, false, "checksums kept"],
    // Partition 1 snapshots at version 9, its first due version (each partition in a batch of its own).
    ["state/0/1/9.snapshot", stateDamages, false, "checksums kept"],
    ["state/0/2/11.delta", stateDamages, true, "checksums kept"],
  ];

  /** Deletes every `.<name>.crc` under `dir`; returns how many. */
  const removeSidecars = async (dir: string): Promise<number> => {
    let n = 0;
    for (const rel of await readdir(dir, { recursive: true })) {
      if (/^\..*\.crc$/.test(basename(rel))) {
        await rm(join(dir, rel));
        n++;
      }
    }
    return n;
  };

  it("fails the restarted query with a CHECKPOINT error naming the file", { timeout: 240_000 }, async () => {
    const f = await streamFixture({ events: 2 });
    try {
      for (let p = 0; p < 2; p++) await f.produce("events", Array.from({ length: 12 }, (_, i) => `w${i % 5}`), p);
      let runs = 0;
      const start = async (cp: string) => {
        const df = await f.weir.readStream.format("kafka").option("subscribe", "events").option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", 2).load();
        return df
          .select(col("value").cast("string").alias("word"))
          .groupBy("word")
          .count()
          .writeStream.format("memory")
          .queryName(`counts_${runs++}`)
          .outputMode("complete")
          .option("checkpointLocation", cp)
          .trigger({ availableNow: true })
          .start();
      };
      const original = join(f.dir, "cp");
      const q = await start(original);
      await q.awaitTermination();
      assert.equal(q.recentProgress.length, 12);
      assert.ok(existsSync(join(original, "state/0/1/9.snapshot")), "no state snapshot was written");
      await f.produce("events", ["late"], 0);

      let n = 0;
      for (const [file, damages, rerun, sidecars] of cases) {
        for (const [name, damage] of damages) {
          const cp = join(f.dir, `damaged-${n++}`);
          await cpDir(original, cp, { recursive: true });
          if (rerun) await rm(join(cp, "commits/11"));
          if (sidecars === "checksums removed") assert.ok((await removeSidecars(cp)) >= 4, "the checkpoint has no checksum sidecars to remove");
          const path = join(cp, file);
          const before = await readFile(path);
          const after = damage(before);
          assert.ok(!after.equals(before), `${file} ${name}: the damage changed nothing`);
          await writeFile(path, after);
          const what = `${file} ${name}${rerun ? " (batch 11 re-run)" : ""}, ${sidecars}`;
          await assert.rejects(
            (async () => (await start(cp)).awaitTermination())(),
            (e: unknown) => {
              assert.ok(isWeirError(e, "CHECKPOINT"), `${what}: ${String(e)}`);
              assert.ok(e.message.includes(path), `${what}: the error does not name ${path}: ${e.message}`);
              return true;
            },
            what,
          );
        }
      }
    } finally {
      await f.close();
    }
  });
});
