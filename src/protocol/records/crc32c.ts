/**
 * CRC-32C (Castagnoli), the checksum of record batch v2.
 *
 * The native `@node-rs/crc32` does ~6 GB/s; it is loaded with `createRequire` inside a `try` so
 * that a platform without its prebuilt binary still works, on the pure-TypeScript slicing-by-8
 * fallback below (~1.3 GB/s). Both take an `initial` CRC so a checksum can be continued over
 * several buffers: crc32c(b, crc32c(a)) === crc32c(a ++ b).
 */
import { createRequire } from "node:module";

/** The signature shared by the native and the fallback implementation. */
export type Crc32cFn = (data: Uint8Array, initial?: number) => number;

/** Reflected Castagnoli polynomial. */
const POLY = 0x82f63b78;

/** Eight 256-entry tables: TABLES[k][b] is the CRC of byte b followed by k zero bytes. */
const TABLES: Int32Array = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/** Pure-TypeScript CRC-32C, slicing-by-8: eight bytes per step through eight lookup tables. */
export function crc32cPure(data: Uint8Array, initial = 0): number {
  const t = TABLES;
  let crc = ~initial;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    const lo = crc ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    crc =
      t[7 * 256 + (lo & 0xff)] ^
      t[6 * 256 + ((lo >>> 8) & 0xff)] ^
      t[5 * 256 + ((lo >>> 16) & 0xff)] ^
      t[4 * 256 + (lo >>> 24)] ^
      t[3 * 256 + data[i + 4]] ^
      t[2 * 256 + data[i + 5]] ^
      t[256 + data[i + 6]] ^
      t[data[i + 7]];
    i += 8;
  }
  while (i < n) crc = t[(crc ^ data[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

function loadNative(): Crc32cFn | null {
  try {
    const require = createRequire(import.meta.url);
    const mod = require("@node-rs/crc32") as { crc32c?: (input: Uint8Array, initialState?: number) => number };
    const fn = mod.crc32c;
    // Guard against a binary that loads but computes something else.
    if (typeof fn !== "function" || fn(Buffer.from("123456789")) !== 0xe3069283) return null;
    return (data, initial = 0) => fn(data, initial);
  } catch {
    // No prebuilt binary for this platform: the pure fallback below is used instead.
    return null;
  }
}

/** The native implementation, or null when `@node-rs/crc32` could not be loaded. */
export const crc32cNative: Crc32cFn | null = loadNative();

/** CRC-32C of `data` (continuing from `initial`), unsigned; native when available. */
export const crc32c: Crc32cFn = crc32cNative ?? crc32cPure;

/** Which implementation {@link crc32c} uses (for logs and benchmarks). */
export const crc32cImplementation: "native" | "pure" = crc32cNative === null ? "pure" : "native";
