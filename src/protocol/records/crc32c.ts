/**
 * CRC-32C (Castagnoli), the checksum of record batch v2.
 *
 * Three implementations, the fastest that loads is used:
 * - `aws-crt` (an optional dependency): the AWS Common Runtime's prebuilt binary, whose
 *   aws-checksums code runs the SSE 4.2 `crc32` instruction on three streams and folds with
 *   PCLMULQDQ: ~17 GB/s on a 16 KiB batch on the benchmark machine. Only its binary is loaded
 *   (by platform path, as its own loader does); its JS entry would load the whole SDK runtime and
 *   spawn `ldd` to tell glibc from musl. Loading it costs ~75 ms once per process and starts one
 *   idle thread of its own (`AwsEventLoop1`).
 *   Its install script, which only looks for that binary (or builds one from source), is denied
 *   in package.json's `allowScripts`: nothing runs at install.
 * - `@node-rs/crc32`: one stream of the instruction, behind a function call per 8 bytes: ~4 GB/s.
 * - the pure-TypeScript slicing-by-8 below: ~1.3 GB/s, for a platform with neither binary.
 * All take an `initial` CRC so a checksum can be continued over several buffers:
 * crc32c(b, crc32c(a)) === crc32c(a ++ b). `WEIR_CRC32C=aws-crt|node-rs|pure` picks one (for A/B
 * benchmarks and tests); docs/benchmarks.md ("Log") has the figures that chose the order.
 */
import { createRequire } from "node:module";
import { WeirError } from "../../util/errors.js";

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

/** The implementations, fastest first. */
export type Crc32cImplementation = "aws-crt" | "node-rs" | "pure";

/** Guards against a binary that loads but computes something else. */
function checked(fn: (data: Uint8Array, initial: number) => number): Crc32cFn | null {
  const check = Buffer.from("123456789");
  if (fn(check, 0) !== 0xe3069283 || fn(check.subarray(4), fn(check.subarray(0, 4), 0)) !== 0xe3069283) return null;
  return (data, initial = 0) => fn(data, initial);
}

/** aws-crt's prebuilt binary for this platform, or null. */
function loadAwsCrt(): Crc32cFn | null {
  const require = createRequire(import.meta.url);
  // aws-crt's layout: dist/bin/<platform>-<arch>-<glibc|musl> on Linux, -cruntime elsewhere. The
  // glibc binary does not load on musl, so trying both in turn tells them apart.
  const dirs = process.platform === "linux" ? [`linux-${process.arch}-glibc`, `linux-${process.arch}-musl`] : [`${process.platform}-${process.arch}-cruntime`];
  for (const dir of dirs) {
    try {
      const mod = require(`aws-crt/dist/bin/${dir}/aws-crt-nodejs.node`) as { checksums_crc32c?: unknown };
      const fn = mod.checksums_crc32c;
      if (typeof fn === "function") return checked(fn as (data: Uint8Array, initial: number) => number);
    } catch {
      // Not installed, or no binary for this platform: try the next one.
    }
  }
  return null;
}

/** `@node-rs/crc32`, or null. */
function loadNodeRs(): Crc32cFn | null {
  try {
    const require = createRequire(import.meta.url);
    const mod = require("@node-rs/crc32") as { crc32c?: unknown };
    const fn = mod.crc32c;
    return typeof fn === "function" ? checked(fn as (data: Uint8Array, initial: number) => number) : null;
  } catch {
    // No prebuilt binary for this platform.
    return null;
  }
}

/** Loads one implementation by name (null when it cannot be loaded here). */
export function loadCrc32c(name: Crc32cImplementation): Crc32cFn | null {
  return name === "aws-crt" ? loadAwsCrt() : name === "node-rs" ? loadNodeRs() : crc32cPure;
}

function choose(): { name: Crc32cImplementation; fn: Crc32cFn } {
  const forced = process.env.WEIR_CRC32C;
  if (forced !== undefined && forced !== "") {
    if (forced !== "aws-crt" && forced !== "node-rs" && forced !== "pure") {
      throw new WeirError("CONFIG", `WEIR_CRC32C=${forced} is not one of aws-crt, node-rs, pure`, { details: { WEIR_CRC32C: forced } });
    }
    const fn = loadCrc32c(forced);
    if (fn === null) throw new WeirError("CONFIG", `WEIR_CRC32C=${forced}: that implementation does not load on this platform`, { details: { WEIR_CRC32C: forced } });
    return { name: forced, fn };
  }
  for (const name of ["aws-crt", "node-rs"] as const) {
    const fn = loadCrc32c(name);
    if (fn !== null) return { name, fn };
  }
  return { name: "pure", fn: crc32cPure };
}

const chosen = choose();

/** Which implementation {@link crc32c} uses (for logs and benchmarks). */
export const crc32cImplementation: Crc32cImplementation = chosen.name;

/** CRC-32C of `data` (continuing from `initial`), unsigned; the fastest implementation that loads. */
export const crc32c: Crc32cFn = chosen.fn;
