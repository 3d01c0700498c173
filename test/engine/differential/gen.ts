/**
 * Random data for the differential suite: every table is a pure function of a seed (mulberry32),
 * so a failing case replays from the seed its test name prints.
 *
 * The values are chosen to hit the places engines get wrong: nulls in every column, keys with few
 * distinct values (duplicates, all-null groups), negative numbers, empty strings, strings with
 * leading/trailing spaces and tabs (Spark's trim removes spaces only), supplementary-plane
 * characters (a code point is one character for Spark's length/substring but two UTF-16 units in
 * JS, and UTF-8 byte order differs from UTF-16 order for them), and timestamps across several
 * days. Doubles are multiples of 1/4 so sums are exact whatever the summation order.
 */
import { mulberry32 } from "../../../src/util/random.js";

/** A seeded source of random choices. */
export class Gen {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** An integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** `null` with probability `p`, else `f()`. */
  nullOr<T>(p: number, f: () => T): T | null {
    return this.chance(p) ? null : f();
  }

  /** A multiple of 1/4 in [lo, hi]: exact in binary, so sums do not depend on order. */
  quarter(lo: number, hi: number): number {
    return this.int(lo * 4, hi * 4) / 4;
  }

  /** A short random word from a mixed alphabet (ASCII, accented, Greek, Cyrillic, CJK, emoji). */
  word(minLen = 0, maxLen = 8): string {
    const n = this.int(minLen, maxLen);
    let s = "";
    for (let i = 0; i < n; i++) s += this.pick(ALPHABET);
    return s;
  }
}

/**
 * Characters for random strings. Supplementary-plane characters (😀, 𝄞) and characters just below
 * U+FFFF (ｱ, ﬀ-free ones) are both present: their UTF-16 order and UTF-8 byte order disagree.
 * Every cased letter here maps to exactly one letter in both directions in Java, JS and DuckDB
 * (ß, whose upper case is "SS" in Java but "ẞ" in DuckDB, is tested separately).
 */
export const ALPHABET: readonly string[] = [
  ..."abcdefxyzABCXYZ019",
  "é", "É", "ñ", "Ω", "ω", "Ж", "ж", "中", "文", "ｱ", "😀", "𝄞", "_", "-", ",", " ",
];

/** Key values for a low-cardinality string column: duplicates, "", unicode, case variants. */
export const STRING_KEYS: readonly string[] = ["a", "b", "B", "", "é", "中文", "😀", "ｱ", "a b", "z"];

/** 2024-03-01T00:00:00Z in milliseconds: generated timestamps fall in the week after it. */
export const BASE_TS_MS = Date.UTC(2024, 2, 1);

/** The columns of {@link factTable}, as a Spark DDL schema. */
export const FACT_DDL = "id INT, k1 STRING, k2 INT, amount INT, big BIGINT, price DOUBLE, flag BOOLEAN, name STRING, ts TIMESTAMP";

/** One row of {@link factTable}. */
export interface FactRow {
  [column: string]: unknown;
  id: number;
  k1: string | null;
  k2: number | null;
  amount: number | null;
  big: number | null;
  price: number | null;
  flag: boolean | null;
  name: string | null;
  ts: Date | null;
}

/** Options of {@link factTable}. */
export interface FactOptions {
  /** Probability of null in each nullable column. */
  nullRate?: number;
  /** Distinct k2 values are drawn from [-k2Range, k2Range]. */
  k2Range?: number;
  /** Number of days the timestamps spread over. */
  days?: number;
}

/**
 * A fact-like table: `id` unique (a total order for tie-breaking), `k1`/`k2` low-cardinality
 * grouping/join keys with nulls, `amount` signed ints, `big` longs beyond int range, `price`
 * quarter-step doubles, `flag`, free-text `name`, and `ts` spread over several days with
 * millisecond precision (what a JS Date holds).
 */
export function factTable(g: Gen, n: number, opts: FactOptions = {}): FactRow[] {
  const p = opts.nullRate ?? 0.1;
  const k2Range = opts.k2Range ?? 4;
  const days = opts.days ?? 5;
  const rows: FactRow[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      id: i,
      k1: g.nullOr(p, () => g.pick(STRING_KEYS)),
      k2: g.nullOr(p, () => g.int(-k2Range, k2Range)),
      amount: g.nullOr(p, () => g.int(-1000, 1000)),
      big: g.nullOr(p, () => g.int(-5, 5) * 3_000_000_000 + g.int(-1000, 1000)),
      price: g.nullOr(p, () => g.quarter(-500, 500)),
      flag: g.nullOr(p, () => g.chance(0.5)),
      name: g.nullOr(p, () => randomName(g)),
      ts: g.nullOr(p, () => new Date(BASE_TS_MS + g.int(0, days * 86_400_000 - 1))),
    });
  }
  return rows;
}

/** Free text with the edge cases of string functions: padding, tabs, separators, empty. */
export function randomName(g: Gen): string {
  switch (g.int(0, 5)) {
    case 0:
      return "";
    case 1:
      return `${g.pick(["", " ", "  ", "\t", " \t"])}${g.word(0, 5)}${g.pick(["", " ", "  ", "\t", "\n "])}`;
    case 2:
      return [g.word(0, 3), g.word(0, 3), g.word(0, 3)].join(g.pick([",", ", ", "-"]));
    default:
      return g.word(1, 10);
  }
}

/** Copies rows, dropping the given columns and renaming others (for the other side of a join). */
export function reshape(rows: readonly Record<string, unknown>[], rename: Record<string, string>): Record<string, unknown>[] {
  return rows.map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (k in rename) out[rename[k]] = v;
    return out;
  });
}
