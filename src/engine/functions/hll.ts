/**
 * HyperLogLog++ sketch for approx_count_distinct (Spark's HyperLogLogPlusPlus): precision p from
 * the relative standard deviation (rsd 0.05 → p = 9, 512 registers), 64-bit hashes, linear
 * counting for small cardinalities (HLL++'s threshold), the raw HLL estimate above. Sketches
 * merge by taking register maxima, so partial aggregation works.
 */
import { valueKey } from "./compare.js";

/** Spark's precision for a relative standard deviation: ceil(2 * log2(1.106 / rsd)). */
export function precisionFor(rsd: number): number {
  return Math.max(4, Math.ceil(2 * Math.log2(1.106 / rsd)));
}

/** HLL++'s linear-counting thresholds by precision 4..18 (Heule et al., 2013). */
const THRESHOLDS = [10, 20, 40, 80, 220, 400, 900, 1800, 3100, 6500, 11500, 20000, 50000, 120000, 350000];

/** MurmurHash3's 32-bit mix over the UTF-16 code units of a string, with a seed. */
function murmur32(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= s.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A HyperLogLog++ sketch's registers plus its precision. */
export interface HllSketch {
  readonly p: number;
  readonly registers: Uint8Array;
}

/** A new empty sketch of precision `p`. */
export function newSketch(p: number): HllSketch {
  return { p, registers: new Uint8Array(1 << p) };
}

/** Adds a non-null value to the sketch. */
export function addToSketch(s: HllSketch, v: unknown): void {
  const key = valueKey(v);
  const h1 = murmur32(key, 0x9747b28c);
  const h2 = murmur32(key, 0x5bd1e995);
  const p = s.p;
  const idx = h1 >>> (32 - p);
  // The remaining 64 - p bits: the low (32 - p) bits of h1 followed by h2.
  const w1 = (h1 << p) >>> 0;
  const rho = w1 !== 0 ? Math.clz32(w1) + 1 : 32 - p + (h2 === 0 ? 32 : Math.clz32(h2)) + 1;
  if (rho > s.registers[idx]) s.registers[idx] = rho;
}

/** Merges `b` into `a` (same precision) and returns `a`. */
export function mergeSketches(a: HllSketch, b: HllSketch): HllSketch {
  const ra = a.registers;
  const rb = b.registers;
  for (let i = 0; i < ra.length; i++) if (rb[i] > ra[i]) ra[i] = rb[i];
  return a;
}

/** The sketch's cardinality estimate. */
export function estimate(s: HllSketch): number {
  const m = s.registers.length;
  let sum = 0;
  let zeros = 0;
  for (const r of s.registers) {
    sum += 2 ** -r;
    if (r === 0) zeros++;
  }
  const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
  const raw = (alpha * m * m) / sum;
  if (zeros > 0) {
    const lc = m * Math.log(m / zeros);
    if (lc <= (THRESHOLDS[s.p - 4] ?? 5 * m)) return Math.round(lc);
  }
  return Math.round(raw);
}
