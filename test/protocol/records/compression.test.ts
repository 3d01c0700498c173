import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { codecById, codecByName, compress, decompress, isXerialSnappy } from "../../../src/protocol/records/compression.js";
import { limits } from "../../../src/util/limits.js";
import { isWeirError } from "../../../src/util/errors.js";
import { CODECS, throwsWeir } from "./helpers.js";

const require = createRequire(import.meta.url);
const snappyjs = require("snappyjs") as { compress(b: Uint8Array): Uint8Array; uncompress(b: Uint8Array): Uint8Array };
const lz4js = require("lz4js") as { compress(b: Uint8Array): Uint8Array; decompress(b: Uint8Array): Uint8Array };
const lz4napi = require("lz4-napi") as { compressFrameSync(b: Buffer, o?: { contentChecksum?: boolean; blockChecksums?: boolean }): Buffer };
const snappyNative = require("snappy") as { compressSync(b: Uint8Array): Buffer };
const zstd = require("zstd-napi") as { compress(b: Uint8Array, p?: { contentSizeFlag?: boolean; checksumFlag?: boolean }): Buffer };

/** Text-like data that compresses well but not trivially. */
function sample(bytes: number): Buffer {
  const words = ["kafka", "weir", "stream", "offset", "batch", "record", "é✓", "\u0000"];
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const w = words[(i * 7 + (i >> 3)) % words.length] + String(i % 97);
    parts.push(w);
    n += Buffer.byteLength(w) + 1;
  }
  return Buffer.from(parts.join(" ")).subarray(0, bytes);
}

test("every codec round-trips random data", () => {
  for (const codec of CODECS) {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), (bytes) => {
        const data = Buffer.from(bytes);
        assert.deepEqual(decompress(codec, compress(codec, data)), data);
      }),
      { numRuns: 60 },
    );
  }
});

test("every codec round-trips 3 MiB spanning many blocks", () => {
  const data = sample(3 * 1024 * 1024);
  for (const codec of CODECS) {
    const packed = compress(codec, data);
    if (codec !== "none") assert.ok(packed.length < data.length / 2, `${codec} compresses`);
    assert.ok(decompress(codec, packed).equals(data), codec);
  }
});

test("codec ids follow the attribute bits, and ids 5-7 are COMPRESSION errors", () => {
  CODECS.forEach((name, id) => {
    assert.equal(codecById(id).name, name);
    assert.equal(codecByName(name).id, id);
  });
  for (const id of [5, 6, 7]) throwsWeir(() => codecById(id), "COMPRESSION", new RegExp(`codec id ${id}`));
});

test("snappy encodes with xerial framing, in 32 KiB blocks like snappy-java", () => {
  const data = sample(100_000);
  const packed = compress("snappy", data);
  assert.ok(isXerialSnappy(packed));
  assert.equal(packed.subarray(0, 8).toString("latin1"), "\x82SNAPPY\0");
  assert.equal(packed.readInt32BE(8), 1);
  assert.equal(packed.readInt32BE(12), 1);
  // Unwrap by hand with an independent decoder.
  const parts: Buffer[] = [];
  for (let pos = 16; pos < packed.length; ) {
    const len = packed.readInt32BE(pos);
    parts.push(Buffer.from(snappyjs.uncompress(packed.subarray(pos + 4, pos + 4 + len))));
    pos += 4 + len;
  }
  assert.equal(parts.length, 4);
  assert.ok(Buffer.concat(parts).equals(data));
});

test("snappy decodes raw blocks (librdkafka) from two independent encoders", () => {
  const data = sample(50_000);
  assert.ok(decompress("snappy", Buffer.from(snappyjs.compress(data))).equals(data));
  assert.ok(decompress("snappy", snappyNative.compressSync(data)).equals(data));
});

test("snappy decodes xerial frames built from snappyjs blocks", () => {
  const data = sample(70_000);
  const blocks = [data.subarray(0, 20_000), data.subarray(20_000)].map((b) => Buffer.from(snappyjs.compress(b)));
  const header = Buffer.from("82534e41505059000000000100000001", "hex");
  const framed = Buffer.concat([
    header,
    ...blocks.flatMap((b) => {
      const len = Buffer.alloc(4);
      len.writeInt32BE(b.length, 0);
      return [len, b];
    }),
  ]);
  assert.ok(decompress("snappy", framed).equals(data));
});

test("snappy rejects a bad block length, a bad preamble and corrupt data with COMPRESSION", () => {
  const packed = compress("snappy", sample(1000));
  const badLen = Buffer.from(packed);
  badLen.writeInt32BE(1_000_000, 16);
  throwsWeir(() => decompress("snappy", badLen), "COMPRESSION", /block length 1000000/);
  throwsWeir(() => decompress("snappy", Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), "COMPRESSION", /preamble/);
  throwsWeir(() => decompress("snappy", Buffer.from([10, 0xfe, 1, 2, 3])), "COMPRESSION", /snappy/);
});

test("lz4 encodes standard frames (magic 04 22 4D 18, independent blocks) that lz4js reads", () => {
  const data = sample(600_000);
  const packed = compress("lz4", data);
  assert.equal(packed.readUInt32LE(0), 0x184d2204);
  assert.equal(packed[4] & 0x20, 0x20, "block independence flag, required by the Java client");
  assert.ok(Buffer.from(lz4js.decompress(packed)).equals(data));
});

test("lz4 decodes lz4js frames (dependent blocks, 4 MiB block size)", () => {
  for (const size of [0, 1, 100, 70_000, 5 * 1024 * 1024]) {
    const data = sample(size);
    const frame = Buffer.from(lz4js.compress(data));
    assert.equal(frame[5], 0x70);
    assert.ok(decompress("lz4", frame).equals(data), `size ${size}`);
  }
});

test("lz4 decodes frames with block and content checksums, content size and raw blocks", () => {
  const data = sample(300_000);
  assert.ok(decompress("lz4", lz4napi.compressFrameSync(data, { contentChecksum: true, blockChecksums: true })).equals(data));
  // Hand-built: FLG = version 01 | independent | content size, BD = 64 KiB, one raw block.
  const payload = Buffer.from("uncompressed block ✓");
  const frame = Buffer.alloc(4 + 2 + 8 + 1 + 4 + payload.length + 4);
  frame.writeUInt32LE(0x184d2204, 0);
  frame[4] = 0x68;
  frame[5] = 0x40;
  frame.writeUInt32LE(payload.length, 6);
  frame[14] = 0x00; // header checksum: wrong on purpose (old Kafka wrote a wrong one too)
  frame.writeUInt32LE(0x8000_0000 + payload.length, 15);
  payload.copy(frame, 19);
  assert.ok(decompress("lz4", frame).equals(payload));
  const wrongSize = Buffer.from(frame);
  wrongSize.writeUInt32LE(payload.length + 1, 6);
  throwsWeir(() => decompress("lz4", wrongSize), "COMPRESSION", /header says/);
});

test("lz4 rejects truncated and malformed frames with COMPRESSION", () => {
  const packed = compress("lz4", sample(10_000));
  for (let cut = 0; cut < packed.length; cut += 97) throwsWeir(() => decompress("lz4", packed.subarray(0, cut)), "COMPRESSION", /lz4/);
  const badMagic = Buffer.from(packed);
  badMagic[0] = 0;
  throwsWeir(() => decompress("lz4", badMagic), "COMPRESSION", /bad frame magic/);
  const badBd = Buffer.from(packed);
  badBd[5] = 0x10;
  throwsWeir(() => decompress("lz4", badBd), "COMPRESSION", /block descriptor/);
});

test("zstd decodes frames without a content size (streamed) and rejects truncation", () => {
  const data = sample(2_000_000);
  const noSize = zstd.compress(data, { contentSizeFlag: false, checksumFlag: true });
  assert.ok(decompress("zstd", noSize).equals(data));
  throwsWeir(() => decompress("zstd", noSize.subarray(0, noSize.length - 10)), "COMPRESSION", /zstd/);
  throwsWeir(() => decompress("zstd", Buffer.alloc(0)), "COMPRESSION", /truncated/);
  throwsWeir(() => decompress("zstd", Buffer.concat([noSize, Buffer.from("junk")])), "COMPRESSION", /zstd/);
  // Two concatenated frames are one stream.
  assert.ok(decompress("zstd", Buffer.concat([compress("zstd", data), noSize])).equals(Buffer.concat([data, data])));
});

test("gzip rejects garbage with COMPRESSION", () => {
  throwsWeir(() => decompress("gzip", Buffer.from("not gzip at all")), "COMPRESSION", /gzip decompress failed/);
});

test("a bomb in every codec ends in LIMIT_EXCEEDED at maxBytes", () => {
  const zeros = Buffer.alloc(8 * 1024 * 1024);
  const bombs: [string, Buffer][] = [
    ["gzip", gzipSync(zeros)],
    ["snappy", compress("snappy", zeros)],
    ["snappy-raw", snappyNative.compressSync(zeros)],
    ["lz4", compress("lz4", zeros)],
    ["lz4js", Buffer.from(lz4js.compress(zeros))],
    ["zstd", compress("zstd", zeros)],
    ["zstd-streamed", zstd.compress(zeros, { contentSizeFlag: false })],
    ["none", zeros],
  ];
  for (const [name, bomb] of bombs) {
    const codec = name.split("-")[0].replace("lz4js", "lz4") as (typeof CODECS)[number];
    throwsWeir(() => decompress(codec, bomb, 1024 * 1024), "LIMIT_EXCEEDED", /limit of 1048576 bytes/);
    assert.equal(decompress(codec, bomb, zeros.length).length, zeros.length, `${name} fits exactly at the limit`);
  }
});

test("a zstd bomb past limits.decompressedBytesMax (300 MiB from 10 KiB, no content size) is refused by default", () => {
  // 300 MiB of zeros, streamed into a frame with no content size (~10 KiB compressed).
  const binding = require("zstd-napi/binding") as {
    CCtx: new () => { compressStream2(dst: Uint8Array, src: Uint8Array, end: number): [number, number, number] };
    EndDirective: { continue: number; end: number };
  };
  const cctx = new binding.CCtx();
  const chunk = Buffer.alloc(1024 * 1024);
  const out: Buffer[] = [];
  const dst = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 300; i++) {
    let src = chunk.subarray(0);
    const last = i === 299;
    for (;;) {
      const [remaining, produced, consumed] = cctx.compressStream2(dst, src, last ? binding.EndDirective.end : binding.EndDirective.continue);
      out.push(Buffer.from(dst.subarray(0, produced)));
      src = src.subarray(consumed);
      if (src.length === 0 && (!last || remaining === 0)) break;
    }
  }
  const bomb = Buffer.concat(out);
  assert.ok(bomb.length < 100_000);
  throwsWeir(() => decompress("zstd", bomb), "LIMIT_EXCEEDED", new RegExp(`limit of ${limits.decompressedBytesMax} bytes`));
});

test("a snappy block whose preamble claims more than the format can expand to is refused before decoding", () => {
  // Regression: 6 hostile bytes whose preamble claims ~226 MB made the native decoder allocate
  // that much (hundreds of ms) before it failed.
  // The message shows the refusal came from the length check, before the native decoder ran.
  const hostile = Buffer.from([203, 189, 128, 108, 232, 175]);
  assert.throws(() => decompress("snappy", hostile), (e: unknown) => isWeirError(e, "COMPRESSION") && /claims \d+ uncompressed bytes/.test(e.message));
  // A legitimately dense block (long runs compress ~21x) still decodes.
  const dense = Buffer.alloc(1 << 20, 0x61);
  assert.deepEqual(decompress("snappy", compress("snappy", dense)), dense);
});
