/**
 * A bounded LZ4 *frame* decoder in TypeScript.
 *
 * Kafka's codec 3 is the LZ4 frame format (magic 04 22 4D 18), not raw blocks. lz4-napi's
 * `decompressFrameSync` decodes standard frames but takes no output bound (a 1 MiB bomb could
 * allocate gigabytes) and accepted a truncated frame in our checks, so decoding is done here:
 * the frame header and block sizes are checked first, every block is bounded by the frame's
 * block maximum, and the total output by the caller's `maxBytes`. Encoding stays native
 * (see compression.ts).
 *
 * Checksums (header, block, content) are skipped, not verified: the batch CRC-32C already covers
 * every compressed byte, and Kafka before 0.10 wrote a wrong header checksum (KAFKA-3160), which
 * skipping tolerates for free.
 */
import { WeirError } from "../../util/errors.js";

const FRAME_MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x8000_0000;
const MIN_MATCH = 4;
/** Largest expansion of a compressed block: one 0xFF length byte yields 255 output bytes. */
const MAX_RATIO = 255;
/** First output allocation when the frame does not state its content size. */
const INITIAL_OUT_BYTES_MAX = 16 * 1024 * 1024;

function corrupt(message: string, details: Record<string, unknown> = {}): WeirError {
  return new WeirError("COMPRESSION", `lz4: ${message}`, { details });
}

function tooLarge(maxBytes: number): WeirError {
  return new WeirError("LIMIT_EXCEEDED", `lz4: decompressed data exceeds the limit of ${maxBytes} bytes`, {
    details: { limit: maxBytes },
  });
}

/** Growable output that never exceeds `max` bytes. */
class Out {
  buf: Buffer;
  len = 0;
  constructor(initial: number, readonly max: number) {
    this.buf = Buffer.allocUnsafe(Math.max(16, Math.min(initial, max)));
  }
  /** Makes room for `n` more bytes, or as many as the limit allows; returns the usable end. */
  reserve(n: number): number {
    const want = Math.min(this.len + n, this.max);
    if (want > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.min(this.max, Math.max(want, this.buf.length * 2)));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    return want;
  }
}

/**
 * Decodes one LZ4 block (token, literals, offset, match; the last sequence has literals only)
 * from src[s, sEnd) into dst at d, writing below dEnd, with matches reaching back to `histStart`
 * (earlier blocks, for frames with dependent blocks). Returns the new output position, or -1
 * when the output would pass dEnd.
 */
function decodeBlock(src: Buffer, s: number, sEnd: number, dst: Buffer, d: number, dEnd: number, histStart: number): number {
  while (s < sEnd) {
    const token = src[s++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw corrupt("truncated literal length");
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > sEnd - s) throw corrupt("literals run past the end of the block", { literals: lit });
    if (lit > dEnd - d) return -1;
    if (lit < 16) {
      for (let i = 0; i < lit; i++) dst[d + i] = src[s + i]!;
    } else {
      src.copy(dst, d, s, s + lit);
    }
    s += lit;
    d += lit;
    if (s === sEnd) return d;
    if (sEnd - s < 2) throw corrupt("truncated match offset");
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d - histStart) throw corrupt(`match offset ${offset} points before the output`, { offset });
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw corrupt("truncated match length");
        b = src[s++]!;
        len += b;
      } while (b === 255);
    }
    len += MIN_MATCH;
    if (len > dEnd - d) return -1;
    let from = d - offset;
    if (offset >= len && len >= 32) {
      dst.copyWithin(d, from, from + len);
      d += len;
    } else {
      // Overlapping (or short) match: byte by byte, so a run repeats as the format intends.
      const end = d + len;
      while (d < end) dst[d++] = dst[from++]!;
    }
  }
  throw corrupt("empty block");
}

/** Largest block sizes by BD's "block maximum size" field (4 → 64 KiB … 7 → 4 MiB). */
function blockMaxBytes(bd: number): number {
  const id = (bd >>> 4) & 0x07;
  if (id < 4 || (bd & 0x8f) !== 0) throw corrupt(`invalid block descriptor 0x${bd.toString(16)}`, { bd });
  return 1 << (8 + 2 * id);
}

/** Decodes one or more concatenated LZ4 frames, failing with LIMIT_EXCEEDED past `maxBytes`. */
export function lz4FrameDecompress(src: Buffer, maxBytes: number): Buffer {
  let out: Out | null = null;
  let s = 0;
  do {
    if (src.length - s < 7) throw corrupt("truncated frame header", { length: src.length - s });
    const magic = src.readUInt32LE(s);
    if (magic !== FRAME_MAGIC) throw corrupt(`bad frame magic 0x${magic.toString(16)}`, { magic });
    const flg = src[s + 4];
    const bd = src[s + 5];
    s += 6;
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw corrupt(`unsupported frame version in FLG 0x${flg.toString(16)}`);
    if ((flg & FLG_DICT_ID) !== 0) throw corrupt("frames with a dictionary id are not supported");
    const blockMax = blockMaxBytes(bd);
    let contentSize = -1;
    if ((flg & FLG_CONTENT_SIZE) !== 0) {
      if (src.length - s < 8) throw corrupt("truncated content size");
      const hi = src.readUInt32LE(s + 4);
      contentSize = hi > 0x1fffff ? Number.MAX_SAFE_INTEGER : hi * 0x1_0000_0000 + src.readUInt32LE(s);
      s += 8;
    }
    s += 1; // header checksum: skipped, see the module comment
    const outSoFar = out?.len ?? 0;
    if (contentSize > maxBytes - outSoFar) throw tooLarge(maxBytes);
    const blockChecksumBytes = (flg & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0;
    if (out === null) out = new Out(contentSize >= 0 ? contentSize : Math.min(INITIAL_OUT_BYTES_MAX, src.length * 4), maxBytes);
    const histStart = out.len;
    for (;;) {
      if (src.length - s < 4) throw corrupt("truncated block size");
      const word = src.readUInt32LE(s);
      s += 4;
      if (word === 0) break; // EndMark
      const raw = (word & BLOCK_UNCOMPRESSED) !== 0;
      const size = word & 0x7fff_ffff;
      if (size > blockMax) throw corrupt(`block size ${size} exceeds the frame's block maximum ${blockMax}`, { size, blockMax });
      if (size > src.length - s - blockChecksumBytes) throw corrupt("truncated block", { size });
      const bound = raw ? size : Math.min(blockMax, size * MAX_RATIO + 64);
      const end = out.reserve(bound);
      if (raw) {
        if (size > end - out.len) throw tooLarge(maxBytes);
        src.copy(out.buf, out.len, s, s + size);
        out.len += size;
      } else {
        const d = decodeBlock(src, s, s + size, out.buf, out.len, end, histStart);
        if (d < 0) {
          // `end` is either the block's bound or the limit, whichever came first.
          if (end < out.len + bound) throw tooLarge(maxBytes);
          throw corrupt(`a block decodes to more than the block maximum ${blockMax}`, { blockMax });
        }
        out.len = d;
      }
      s += size + blockChecksumBytes;
    }
    if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
      if (src.length - s < 4) throw corrupt("truncated content checksum");
      s += 4;
    }
    if (contentSize >= 0 && out.len - histStart !== contentSize) {
      throw corrupt(`frame decoded to ${out.len - histStart} bytes, its header says ${contentSize}`);
    }
  } while (s < src.length);
  return out.buf.subarray(0, out.len);
}
