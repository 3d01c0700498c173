/**
 * Checkpoint files with Hadoop checksum sidecars (src/engine/stream/checkpoint-file.ts): the
 * format against files PySpark 4.0 wrote, verification, and crash safety of the write.
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseCommitFile, parseOffsetsFile } from "../../../src/engine/stream/checkpoint.js";
import {
  CHECKSUM_CHUNK_BYTES,
  checkChecksum,
  checksumPathOf,
  crc32,
  encodeChecksumFile,
  readCheckpointFile,
  removeCheckpointFile,
  writeCheckpointFile,
} from "../../../src/engine/stream/checkpoint-file.js";
import { SourceMetadataLog } from "../../../src/engine/stream/source.js";
import { NodeFs, writeFileDurably } from "../../../src/log/fs.js";
import { MemoryFs, SimulatedCrash } from "../../../src/log/memory-fs.js";
import { isWeirError } from "../../../src/util/errors.js";

const sparkDir = fileURLToPath(new URL("./fixtures/spark-checkpoint", import.meta.url));

/** A file of `n` bytes of varied text. */
function text(n: number, seed = 0): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => 0x20 + ((i * 7 + seed) % 90)));
}

describe("checksum sidecars in Hadoop's format", () => {
  it("computes zlib's CRC-32 and names the sidecar as Hadoop does", () => {
    assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
    assert.equal(checksumPathOf("/cp/offsets/12"), "/cp/offsets/.12.crc");
    assert.equal(checksumPathOf("/cp/metadata"), "/cp/.metadata.crc");
  });

  it("writes the same sidecar bytes as Spark for each file of a Spark checkpoint, and reads Spark's files through Spark's sidecars", () => {
    const fs = new NodeFs();
    for (const file of ["metadata", "offsets/0", "commits/0", "sources/0/0"]) {
      const path = join(sparkDir, file);
      const sidecar = fs.readFile(checksumPathOf(path));
      assert.deepEqual(encodeChecksumFile(fs.readFile(path)), sidecar, file);
      assert.deepEqual(readCheckpointFile(fs, path), fs.readFile(path), file);
    }
    // offsets/0 is 767 bytes: two chunks of 512.
    assert.equal(fs.readFile(checksumPathOf(join(sparkDir, "offsets/0"))).length, 8 + 2 * 4);
    const offsets = parseOffsetsFile("offsets/0", 0, readCheckpointFile(fs, join(sparkDir, "offsets/0")).toString("utf8"), 1);
    assert.deepEqual(offsets.sources, [0]);
    assert.equal(offsets.conf["spark.sql.shuffle.partitions"], "2");
    assert.equal(parseCommitFile("commits/0", 0, readCheckpointFile(fs, join(sparkDir, "commits/0")).toString("utf8")).nextBatchWatermarkMs, 0);
    const startedAt = new SourceMetadataLog(fs, join(sparkDir, "sources/0")).get(0);
    assert.equal(startedAt?.length, 1);
    assert.equal(typeof startedAt?.[0], "number");
  });

  it("covers an empty file with the header alone and a longer one chunk by chunk", () => {
    assert.deepEqual(encodeChecksumFile(Buffer.alloc(0)), Buffer.from([0x63, 0x72, 0x63, 0x00, 0, 0, 2, 0]));
    for (const n of [0, 1, 511, 512, 513, 1500]) {
      const data = text(n);
      const sidecar = encodeChecksumFile(data);
      assert.equal(sidecar.length, 8 + 4 * Math.ceil(n / CHECKSUM_CHUNK_BYTES), String(n));
      assert.equal(checkChecksum(data, sidecar), null, String(n));
    }
  });

  it("says which bytes changed, or how the size differs", () => {
    const data = text(1500);
    const sidecar = encodeChecksumFile(data);
    const changed = Buffer.from(data);
    changed[700] ^= 0x01;
    assert.deepEqual(checkChecksum(changed, sidecar), { in: "file", what: "bytes 512..1023 do not match their checksum in its checksum file (the file was changed or cut after it was written)" });
    assert.match(checkChecksum(data.subarray(0, 1000), sidecar)?.what ?? "", /^it is 1000 bytes but its checksum file was written for a file of 1025 to 1536 bytes/);
    assert.match(checkChecksum(Buffer.concat([data, text(600)]), sidecar)?.what ?? "", /^it is 2100 bytes but/);
    assert.match(checkChecksum(data, encodeChecksumFile(Buffer.alloc(0)))?.what ?? "", /written for an empty file/);
    // Within the last chunk a cut changes that chunk's checksum.
    assert.match(checkChecksum(data.subarray(0, 1499), sidecar)?.what ?? "", /^bytes 1024\.\.1498 do not match/);
  });

  it("reports a damaged sidecar as such", () => {
    const data = text(100);
    const good = encodeChecksumFile(data);
    for (const [sidecar, what] of [
      [Buffer.alloc(0), /does not start with Hadoop's "crc\\0" header/],
      [good.subarray(0, 6), /does not start/],
      [Buffer.concat([Buffer.from("CRC\0"), good.subarray(4)]), /does not start/],
      [Buffer.concat([good.subarray(0, 4), Buffer.from([0xff, 0xff, 0xff, 0xff]), good.subarray(8)]), /chunk size of -1 bytes/],
      [good.subarray(0, 10), /2 bytes after its header, not whole 4-byte checksums/],
    ] as const) {
      const p = checkChecksum(data, sidecar);
      assert.equal(p?.in, "sidecar");
      assert.match(p.what, what);
    }
  });
});

describe("readCheckpointFile and writeCheckpointFile", () => {
  it("write a sidecar, verify it on read, and read a file without one unverified", async () => {
    const fs = new MemoryFs();
    fs.mkdir("/cp/offsets");
    await writeCheckpointFile(fs, "/cp/offsets/3", Buffer.from("v1\n{}\n-"));
    assert.deepEqual(fs.readFile("/cp/offsets/.3.crc"), encodeChecksumFile(Buffer.from("v1\n{}\n-")));
    assert.equal(readCheckpointFile(fs, "/cp/offsets/3").toString(), "v1\n{}\n-");
    assert.deepEqual(fs.readdir("/cp/offsets").sort(), [".3.crc", "3"]);
    // A checkpoint written before the sidecars: read as it is.
    fs.unlink("/cp/offsets/.3.crc");
    assert.equal(readCheckpointFile(fs, "/cp/offsets/3").toString(), "v1\n{}\n-");
  });

  it("name the file, and the sidecar, when they do not match", async () => {
    const fs = new MemoryFs();
    fs.mkdir("/cp/commits");
    await writeCheckpointFile(fs, "/cp/commits/4", Buffer.from('v1\n{"nextBatchWatermarkMs":5000}'));
    // Another value that parses as well as the one written: only the checksum tells.
    await writeFileDurably(fs, "/cp/commits/4", Buffer.from('v1\n{"nextBatchWatermarkMs":6000}'));
    assert.throws(
      () => readCheckpointFile(fs, "/cp/commits/4"),
      (e: unknown) =>
        isWeirError(e, "CHECKPOINT") &&
        e.message.startsWith("checkpoint file /cp/commits/4 is corrupt: bytes 0..31 do not match their checksum in its checksum file /cp/commits/.4.crc") &&
        e.details.path === "/cp/commits/4",
    );
    const s = fs.open("/cp/commits/.4.crc", "read-write");
    s.truncate(3);
    s.close();
    assert.throws(
      () => readCheckpointFile(fs, "/cp/commits/4"),
      (e: unknown) =>
        isWeirError(e, "CHECKPOINT") &&
        /^checkpoint file \/cp\/commits\/4 cannot be verified: its checksum file \/cp\/commits\/\.4\.crc is damaged \(it does not start/.test(e.message) &&
        /If \/cp\/commits\/4 is intact, delete \/cp\/commits\/\.4\.crc/.test(e.message),
    );
  });

  it("replace a stale sidecar, and remove the sidecar with its file", async () => {
    const fs = new MemoryFs();
    fs.mkdir("/cp");
    // A sidecar left alone by a crash, for content that was never renamed into place.
    await writeCheckpointFile(fs, "/cp/x", Buffer.from("old"));
    fs.unlink("/cp/x");
    await writeCheckpointFile(fs, "/cp/x", Buffer.from("new content"));
    assert.equal(readCheckpointFile(fs, "/cp/x").toString(), "new content");
    await writeCheckpointFile(fs, "/cp/x", Buffer.from("replaced"));
    assert.equal(readCheckpointFile(fs, "/cp/x").toString(), "replaced");
    removeCheckpointFile(fs, "/cp/x");
    assert.deepEqual(fs.readdir("/cp"), []);
  });

  it("after a crash at any point of a write, the file reads as its old or its new content, never as corrupt", async () => {
    const before = Buffer.from("v1\n" + text(700, 1).toString());
    const after = Buffer.from("v1\n" + text(900, 2).toString());
    const scenarios: [string, (fs: MemoryFs) => Promise<void>][] = [
      ["a new file", () => Promise.resolve()],
      ["a new file over a stale sidecar", async (fs) => {
        await writeCheckpointFile(fs, "/cp/f", before);
        fs.unlink("/cp/f");
      }],
      ["a replaced file", async (fs) => writeCheckpointFile(fs, "/cp/f", before)],
    ];
    for (const [name, setup] of scenarios) {
      const prepare = async (fs: MemoryFs): Promise<void> => {
        fs.mkdir("/cp");
        await setup(fs);
        await fs.fsyncDir("/cp");
      };
      const probe = new MemoryFs();
      await prepare(probe);
      const start = probe.mutatingCount();
      await writeCheckpointFile(probe, "/cp/f", after);
      const points = probe.mutatingCount() - start;
      for (let nth = 1; nth <= points; nth++) {
        for (const mode of ["lose-unsynced", "keep-all", "random"] as const) {
          const fs = new MemoryFs({ seed: nth });
          await prepare(fs);
          fs.inject({ action: "crash", nth });
          await assert.rejects(writeCheckpointFile(fs, "/cp/f", after), (e: unknown) => e instanceof SimulatedCrash || (e instanceof Error && e.cause instanceof SimulatedCrash));
          fs.crash(mode);
          const what = `${name}, crash at ${nth}/${points} (${mode})`;
          if (fs.stat("/cp/f") === null) {
            assert.notEqual(name, "a replaced file", `${what}: the old file is gone`);
            continue;
          }
          const got = readCheckpointFile(fs, "/cp/f");
          assert.ok(got.equals(after) || (name === "a replaced file" && got.equals(before)), `${what}: read ${got.length} bytes`);
        }
      }
    }
  });
});
