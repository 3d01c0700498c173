/**
 * The pure pieces of the streaming engine: durations, the rate source's values, the watermark
 * rule, the file sink's commit log read by the batch reader, the sources' metadata log.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { parseDuration } from "../../../src/engine/stream/duration.js";
import { valueAtSecond } from "../../../src/engine/stream/rate-stream.js";
import { EventTimeStats, nextWatermark } from "../../../src/engine/stream/watermark.js";
import { SourceMetadataLog, sameOffset } from "../../../src/engine/stream/source.js";
import { writeFileDurably } from "../../../src/log/fs.js";
import { MemoryFs } from "../../../src/log/memory-fs.js";
import { isWeirError } from "../../../src/util/errors.js";

describe("parseDuration", () => {
  it("reads Spark's spellings", () => {
    assert.equal(parseDuration("10 seconds", "x"), 10_000);
    assert.equal(parseDuration("1 minute", "x"), 60_000);
    assert.equal(parseDuration("15m", "x"), 900_000);
    assert.equal(parseDuration("500 milliseconds", "x"), 500);
    assert.equal(parseDuration("interval 2 hours", "x"), 7_200_000);
    assert.equal(parseDuration("1 minute 30 seconds", "x"), 90_000);
    assert.equal(parseDuration(250, "x"), 250);
    assert.throws(() => parseDuration("soon", "trigger"), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && /trigger: "soon" is not a duration/.test(e.message));
  });
});

describe("rate source values", () => {
  it("follows Spark's valueAtSecond with and without ramp-up", () => {
    assert.deepEqual([0, 1, 2, 3].map((s) => valueAtSecond(s, 10, 0)), [0, 10, 20, 30]);
    // rampUpTime 4 s to 10 rows/s: speed grows by 2 per second (2, 4, 6, 8), then 10.
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((s) => valueAtSecond(s, 10, 4)), [0, 2, 6, 12, 20, 30, 40]);
  });
});

describe("nextWatermark", () => {
  const stats = (max: number): EventTimeStats => Object.assign(new EventTimeStats(), { maxMs: max, count: 1 });
  it("is max(event time) - delay, never moves back, and takes the minimum of several", () => {
    const wm = [{ attributeId: 1, column: "ts", delayMs: 10_000 }];
    assert.equal(nextWatermark(0, wm, [stats(60_000)], []).watermarkMs, 50_000);
    assert.equal(nextWatermark(50_000, wm, [stats(40_000)], [50_000]).watermarkMs, 50_000);
    assert.equal(nextWatermark(50_000, wm, [new EventTimeStats()], [50_000]).watermarkMs, 50_000);
    const two = [...wm, { attributeId: 2, column: "ts2", delayMs: 0 }];
    assert.equal(nextWatermark(0, two, [stats(60_000), stats(30_000)], []).watermarkMs, 30_000);
    assert.equal(nextWatermark(0, two, [stats(60_000), new EventTimeStats()], []).watermarkMs, 0);
  });
});

describe("sameOffset", () => {
  it("compares offsets as JSON values, keys in any order", () => {
    assert.ok(sameOffset({ t: { "0": 1, "1": 2 } }, { t: { "1": 2, "0": 1 } }));
    assert.ok(!sameOffset({ t: { "0": 1 } }, { t: { "0": 2 } }));
    assert.ok(sameOffset(3, 3));
  });
});

describe("SourceMetadataLog", () => {
  const dir = "/cp/sources/0";
  const opened = async (): Promise<{ fs: MemoryFs; log: SourceMetadataLog }> => {
    const fs = new MemoryFs();
    const log = new SourceMetadataLog(fs, dir);
    await log.add(0, [{ events: { "0": 0, "1": 0 } }]);
    await log.add(1, [{ path: "/in/a.json" }, { path: "/in/b.json" }]);
    return { fs, log };
  };

  it("keeps each entry's values, with a checksum beside it, and the first write of an id", async () => {
    const { fs, log } = await opened();
    assert.deepEqual(log.ids(), [0, 1]);
    assert.deepEqual(log.get(0), [{ events: { "0": 0, "1": 0 } }]);
    assert.deepEqual(log.get(1), [{ path: "/in/a.json" }, { path: "/in/b.json" }]);
    assert.equal(log.get(2), null);
    await log.add(0, [{ events: { "0": 5 } }]);
    assert.deepEqual(log.get(0), [{ events: { "0": 0, "1": 0 } }]);
    assert.deepEqual(fs.readdir(dir).sort(), [".0.crc", ".1.crc", "0", "1"]);
  });

  it("refuses a damaged entry naming its file, with or without its checksum", async () => {
    for (const sidecar of ["kept", "removed"] as const) {
      for (const [text, what] of [
        ["", /first line must be "v1"/],
        ["v1", /holds no value after its version line \(the file is truncated\)/],
        ["v1\n", /holds no value after its version line/],
        ['v1\n{"events":{"0":0,', /value 0 is not valid JSON/],
        ["v2\n1\n", /first line must be "v1", found "v2"/],
      ] as const) {
        const { fs, log } = await opened();
        if (sidecar === "removed") fs.unlink(`${dir}/.0.crc`);
        await writeFileDurably(fs, `${dir}/0`, Buffer.from(text));
        const expected = sidecar === "kept" ? /checksum/ : what;
        assert.throws(
          () => log.get(0),
          (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.startsWith(`checkpoint file ${dir}/0 is corrupt: `) && expected.test(e.message),
          `${JSON.stringify(text)}, checksum ${sidecar}`,
        );
      }
    }
  });

  it("refuses a changed value that still parses, by its checksum", async () => {
    const { fs, log } = await opened();
    await writeFileDurably(fs, `${dir}/0`, Buffer.from('v1\n{"events":{"0":0,"1":9}}\n'));
    assert.throws(() => log.get(0), (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.includes(`${dir}/0 is corrupt: bytes 0..`) && e.message.includes(`${dir}/.0.crc`));
  });
});
