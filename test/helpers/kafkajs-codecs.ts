/**
 * kafkajs compression codec plugins built on implementations independent of Weir's (snappyjs,
 * lz4js, zstd-napi + fzstd), so tests that pass batches between kafkajs and Weir prove
 * cross-implementation compatibility. kafkajs itself only ships gzip.
 */
import { createRequire } from "node:module";
import { decompress as fzstdDecompress } from "fzstd";

const require = createRequire(import.meta.url);

/** The part of a kafkajs encoder the codecs read. */
interface KEncoderLike {
  buffer: Buffer;
}

/** kafkajs's codec plugin interface. */
export interface KCodec {
  compress(encoder: KEncoderLike): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const kafkajs = require("kafkajs") as {
  CompressionTypes: Record<"None" | "GZIP" | "Snappy" | "LZ4" | "ZSTD", number>;
  CompressionCodecs: Record<number, () => KCodec>;
};

const snappyjs = require("snappyjs") as { compress(b: Uint8Array): Uint8Array; uncompress(b: Uint8Array): Uint8Array };
const lz4js = require("lz4js") as { compress(b: Uint8Array): Uint8Array; decompress(b: Uint8Array): Uint8Array };
const zstdNapi = require("zstd-napi") as { compress(b: Uint8Array): Buffer };

// ---- codecs for kafkajs on independent implementations ----
const XERIAL = Buffer.from("82534e41505059000000000100000001", "hex");

/** What the kafkajs-snappy plugin does: write raw snappy, read raw or xerial-framed. */
/** Raw snappy out, raw or xerial in (what the kafkajs-snappy plugin does). */
export const snappyCodec: KCodec = {
  compress: (encoder) => Promise.resolve(Buffer.from(snappyjs.compress(encoder.buffer))),
  decompress: (buffer) => {
    if (!buffer.subarray(0, 16).equals(XERIAL)) return Promise.resolve(Buffer.from(snappyjs.uncompress(buffer)));
    const parts: Buffer[] = [];
    for (let pos = 16; pos < buffer.length; ) {
      const len = buffer.readInt32BE(pos);
      parts.push(Buffer.from(snappyjs.uncompress(buffer.subarray(pos + 4, pos + 4 + len))));
      pos += 4 + len;
    }
    return Promise.resolve(Buffer.concat(parts));
  },
};
/** LZ4 frames via lz4js. */
export const lz4Codec: KCodec = {
  compress: (encoder) => Promise.resolve(Buffer.from(lz4js.compress(encoder.buffer))),
  decompress: (buffer) => Promise.resolve(Buffer.from(lz4js.decompress(buffer))),
};
/** zstd via zstd-napi (compress) and fzstd (decompress). */
export const zstdCodec: KCodec = {
  compress: (encoder) => Promise.resolve(zstdNapi.compress(encoder.buffer)),
  decompress: (buffer) => Promise.resolve(Buffer.from(fzstdDecompress(buffer))),
};
/** Registers the snappy, lz4 and zstd codecs with kafkajs (idempotent). */
export function registerKafkajsCodecs(): void {
  kafkajs.CompressionCodecs[kafkajs.CompressionTypes.Snappy] = () => snappyCodec;
  kafkajs.CompressionCodecs[kafkajs.CompressionTypes.LZ4] = () => lz4Codec;
  kafkajs.CompressionCodecs[kafkajs.CompressionTypes.ZSTD] = () => zstdCodec;
}
