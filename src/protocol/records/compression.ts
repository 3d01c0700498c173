/**
 * The compression codecs of record batch v2, by attribute id:
 * "bit 0~2: 0 = no compression, 1 = gzip, 2 = snappy, 3 = lz4, 4 = zstd".
 * With compression, everything after recordsCount is one compressed blob.
 *
 * Every decompression is bounded by `maxBytes` (limits.decompressedBytesMax by default): a zip bomb
 * ends in LIMIT_EXCEEDED before its output is allocated, never in an out-of-memory. Failures of
 * the codec libraries become COMPRESSION errors. Native modules are loaded on first use, so a
 * missing binary only breaks its own codec.
 */
import { createRequire } from "node:module";
import { gunzipSync, gzipSync } from "node:zlib";
import type { DCtx } from "zstd-napi/binding.js";
import { WeirError } from "../../util/errors.js";
import { limits } from "../../util/limits.js";
import { CODEC_BY_ID, type CompressionCodec } from "./attributes.js";
import { lz4FrameDecompress } from "./lz4.js";

const require = createRequire(import.meta.url);

interface SnappyModule {
  compressSync(input: Uint8Array): Buffer;
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer | string;
}
interface Lz4Module {
  compressFrameSync(data: Buffer): Buffer;
}
interface ZstdModule {
  compress(data: Uint8Array, parameters?: { compressionLevel?: number }): Buffer;
}
interface ZstdBindingModule {
  DCtx: new () => DCtx;
  ResetDirective: { sessionOnly: number };
}

const loaded = new Map<string, unknown>();

/** Loads a native codec module once; a missing binary becomes a COMPRESSION error. */
function native<T>(name: string): T {
  let mod = loaded.get(name);
  if (mod === undefined) {
    try {
      mod = require(name) as unknown;
    } catch (cause) {
      throw new WeirError("COMPRESSION", `compression library ${name} could not be loaded on this platform`, {
        cause,
        details: { module: name },
      });
    }
    loaded.set(name, mod);
  }
  return mod as T;
}

function codecFailure(codec: CompressionCodec, op: "compress" | "decompress", cause: unknown): WeirError {
  if (cause instanceof WeirError) return cause;
  const why = cause instanceof Error ? cause.message : String(cause);
  return new WeirError("COMPRESSION", `${codec} ${op} failed: ${why}`, { cause, details: { codec } });
}

function tooLarge(codec: CompressionCodec, maxBytes: number, size?: number): WeirError {
  const stated = size === undefined ? "" : ` (${size} bytes)`;
  return new WeirError("LIMIT_EXCEEDED", `${codec} data decompresses past the limit of ${maxBytes} bytes${stated}`, {
    details: { codec, limit: maxBytes, ...(size === undefined ? {} : { size }) },
  });
}

// ---- gzip ---------------------------------------------------------------------------------

function gzipDecompress(data: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (e) {
    if ((e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge("gzip", maxBytes);
    throw codecFailure("gzip", "decompress", e);
  }
}

// ---- snappy -------------------------------------------------------------------------------

/** xerial snappy-java's stream header: magic "\x82SNAPPY\0", int32 version 1, int32 compatible 1. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** snappy-java's default block size, used by the Java client's SnappyOutputStream. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

/** True when `data` starts with the xerial framing header the Java client writes. */
export function isXerialSnappy(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_BYTES && data.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

/** Uncompressed length from a raw snappy block's preamble (a uvarint), or -1 if malformed. */
function snappyPreamble(data: Buffer, start: number, end: number): number {
  let result = 0;
  for (let i = 0; i < 5 && start + i < end; i++) {
    const b = data[start + i];
    result += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return result;
  }
  return -1;
}

/**
 * The most a raw snappy block of `n` bytes can expand to. The densest element of the format is a
 * 3-byte copy of 64 bytes, so no valid block grows by more than 64/3; a preamble claiming more is
 * a lie, and trusting it would let a few hostile bytes make the native decoder allocate up to
 * the decompression limit before failing.
 */
function snappyMaxExpansion(n: number): number {
  return Math.ceil((n * 64) / 3) + 64;
}

function snappyRawDecompress(block: Buffer, budget: number, maxBytes: number): Buffer {
  const size = snappyPreamble(block, 0, block.length);
  if (size < 0) throw new WeirError("COMPRESSION", "snappy block has a malformed length preamble", { details: { codec: "snappy" } });
  if (size > budget) throw tooLarge("snappy", maxBytes, size);
  if (size > snappyMaxExpansion(block.length)) {
    throw new WeirError("COMPRESSION", `snappy block of ${block.length} bytes claims ${size} uncompressed bytes, more than the format can encode`, {
      details: { codec: "snappy", compressedBytes: block.length, claimedBytes: size },
    });
  }
  let out: Buffer | string;
  try {
    out = native<SnappyModule>("snappy").uncompressSync(block, { asBuffer: true });
  } catch (e) {
    throw codecFailure("snappy", "decompress", e);
  }
  if (typeof out === "string" || out.length !== size) {
    throw new WeirError("COMPRESSION", `snappy block decoded to an unexpected length (preamble says ${size})`, { details: { codec: "snappy" } });
  }
  return out;
}

function snappyDecompress(data: Buffer, maxBytes: number): Buffer {
  if (!isXerialSnappy(data)) return snappyRawDecompress(data, maxBytes, maxBytes);
  // xerial framing: header, then repeated [int32 compressed length][raw snappy block].
  const parts: Buffer[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_BYTES;
  while (pos < data.length) {
    if (data.length - pos < 4) throw new WeirError("COMPRESSION", "xerial snappy: truncated block length", { details: { codec: "snappy" } });
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || len > data.length - pos) {
      throw new WeirError("COMPRESSION", `xerial snappy: block length ${len} exceeds the ${data.length - pos} bytes left`, {
        details: { codec: "snappy", length: len },
      });
    }
    const part = snappyRawDecompress(data.subarray(pos, pos + len), maxBytes - total, maxBytes);
    parts.push(part);
    total += part.length;
    pos += len;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
}

/**
 * Snappy is encoded with xerial framing, as the Java client does: every Kafka client must read
 * it (they all consume Java producers' batches), while raw snappy is unreadable by old
 * snappy-java consumers that expect the stream header.
 */
function snappyCompress(data: Buffer): Buffer {
  const snappy = native<SnappyModule>("snappy");
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  let total = XERIAL_HEADER_BYTES;
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_BYTES) {
    const block = snappy.compressSync(data.subarray(pos, Math.min(data.length, pos + XERIAL_BLOCK_BYTES)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
    total += 4 + block.length;
  }
  return Buffer.concat(parts, total);
}

// ---- zstd ---------------------------------------------------------------------------------

/** Kafka's default zstd level (compression.zstd.level). */
const ZSTD_LEVEL = 3;
const ZSTD_INITIAL_OUT_BYTES_MAX = 16 * 1024 * 1024;
let zstdDctx: DCtx | null = null;

/**
 * Streaming decompression into a growing buffer capped at `maxBytes`: a zstd frame may omit its
 * content size (and may lie about it), so the output is never sized from the header alone.
 */
function zstdDecompress(data: Buffer, maxBytes: number): Buffer {
  const binding = native<ZstdBindingModule>("zstd-napi/binding");
  zstdDctx ??= new binding.DCtx();
  const dctx = zstdDctx;
  dctx.reset(binding.ResetDirective.sessionOnly);
  let out = Buffer.allocUnsafe(Math.max(1, Math.min(maxBytes, Math.max(64 * 1024, Math.min(ZSTD_INITIAL_OUT_BYTES_MAX, data.length * 8)))));
  let produced = 0;
  let consumed = 0;
  let frameOpen = true; // empty input is a truncated frame, not an empty result
  try {
    while (consumed < data.length || frameOpen) {
      if (produced === out.length) {
        if (out.length >= maxBytes) throw tooLarge("zstd", maxBytes);
        const next = Buffer.allocUnsafe(Math.min(maxBytes, out.length * 2));
        out.copy(next, 0, 0, produced);
        out = next;
      }
      const [hint, wrote, read] = dctx.decompressStream(out.subarray(produced), data.subarray(consumed));
      produced += wrote;
      consumed += read;
      frameOpen = hint !== 0;
      if (wrote === 0 && read === 0 && produced < out.length) {
        throw new WeirError("COMPRESSION", "zstd data is truncated (frame not finished)", { details: { codec: "zstd" } });
      }
    }
  } catch (e) {
    dctx.reset(binding.ResetDirective.sessionOnly);
    throw codecFailure("zstd", "decompress", e);
  }
  return out.subarray(0, produced);
}

// ---- registry -----------------------------------------------------------------------------

/** One codec: attribute id, name, and its two directions. */
export interface Codec {
  readonly id: number;
  readonly name: CompressionCodec;
  compress(data: Buffer): Buffer;
  /** Decompresses, failing with LIMIT_EXCEEDED when the output would pass `maxBytes`. */
  decompress(data: Buffer, maxBytes: number): Buffer;
}

const CODECS: Readonly<Record<CompressionCodec, Codec>> = {
  none: {
    id: 0,
    name: "none",
    compress: (data) => data,
    decompress: (data, maxBytes) => {
      if (data.length > maxBytes) throw tooLarge("none", maxBytes, data.length);
      return data;
    },
  },
  gzip: { id: 1, name: "gzip", compress: (data) => gzipSync(data), decompress: gzipDecompress },
  snappy: { id: 2, name: "snappy", compress: snappyCompress, decompress: snappyDecompress },
  // lz4-napi's compressFrameSync writes standard frames (independent blocks, 256 KiB BD) that
  // lz4js and the Java client read; decoding is our bounded decoder (lz4.ts).
  lz4: { id: 3, name: "lz4", compress: (data) => native<Lz4Module>("lz4-napi").compressFrameSync(data), decompress: lz4FrameDecompress },
  zstd: {
    id: 4,
    name: "zstd",
    compress: (data) => native<ZstdModule>("zstd-napi").compress(data, { compressionLevel: ZSTD_LEVEL }),
    decompress: zstdDecompress,
  },
};

/** The codec for an attribute id (0-4); throws COMPRESSION for any other id. */
export function codecById(id: number): Codec {
  const name = CODEC_BY_ID[id];
  if (name === undefined) {
    throw new WeirError("COMPRESSION", `unknown compression codec id ${id}`, { details: { codecId: id } });
  }
  return CODECS[name];
}

/** The codec with this name. */
export function codecByName(name: CompressionCodec): Codec {
  return CODECS[name];
}

/** Compresses `data` with `codec` as Kafka clients expect to read it. */
export function compress(codec: CompressionCodec, data: Buffer): Buffer {
  try {
    return CODECS[codec].compress(data);
  } catch (e) {
    throw codecFailure(codec, "compress", e);
  }
}

/** Decompresses `data`, bounded by `maxBytes` (LIMIT_EXCEEDED past it, COMPRESSION on bad data). */
export function decompress(codec: CompressionCodec, data: Buffer, maxBytes: number = limits.decompressedBytesMax): Buffer {
  try {
    return CODECS[codec].decompress(data, maxBytes);
  } catch (e) {
    throw codecFailure(codec, "decompress", e);
  }
}
