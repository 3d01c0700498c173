/** Small statistics helpers for benchmarks. */

/** The p-th percentile (0 ≤ p ≤ 100) of `values` by nearest rank; NaN for an empty list. Does not modify `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileOfSorted(sorted, p);
}

/** {@link percentile} over an already ascending list (no copy, no sort). */
export function percentileOfSorted(sorted: readonly number[] | Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** The median of `values` (mean of the middle two for an even count); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Seconds elapsed since `t0` (a `process.hrtime.bigint()` reading). */
export function secondsSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Milliseconds elapsed since `t0` (a `process.hrtime.bigint()` reading). */
export function msSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * A latency recorder with a fixed memory bound: keeps every sample up to `capacity`, then
 * reservoir-samples, so percentiles stay unbiased for runs of any length.
 */
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private n = 0;
  private seen = 0;

  constructor(capacity = 1_000_000) {
    this.samples = new Float64Array(capacity);
  }

  /** Records one sample (any unit; ms by convention). */
  add(v: number): void {
    this.seen++;
    if (this.n < this.samples.length) {
      this.samples[this.n++] = v;
      return;
    }
    const j = Math.floor(Math.random() * this.seen);
    if (j < this.samples.length) this.samples[j] = v;
  }

  /** Samples seen (not only kept). */
  get count(): number {
    return this.seen;
  }

  /** Percentiles of the kept samples, e.g. `percentiles([50, 99])`. */
  percentiles(ps: readonly number[]): number[] {
    const sorted = this.samples.slice(0, this.n).sort();
    return ps.map((p) => percentileOfSorted(sorted, p));
  }
}
