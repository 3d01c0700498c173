/**
 * Scoring functions for pipelines: `sentiment(text)`, a lexicon score in [0, 1], and the
 * anomaly aggregates `zscore(x)` and `is_anomaly(x, threshold)`, which work in groupBy().agg()
 * and over windows (`zscore(col("x")).over(Window.partitionBy("sensor").orderBy("ts").rowsBetween(-99, 0))`).
 * docs/engine.md ("Scoring functions") documents the formulas for users.
 */
import type { Accumulator, AggregateFunction, ArgInfo, ScalarFunction } from "../expr/ast.js";
import { BooleanType, DoubleType, StringType, isNumeric } from "../types.js";
import { buildCast } from "./cast.js";
import { coerceArg, scalar } from "./define.js";
import { analysisError, nonFoldable, unexpectedInputType } from "./errors.js";
import { INTENSIFIERS, LEXICON, NEGATORS, SYMBOL_SCORES } from "./sentiment-lexicon.js";

// ---- sentiment

/** A negator reaches this many following words (stopping at punctuation). */
const NEGATION_SCOPE_WORDS = 3;
/** A negated word counts this many times its score: "not good" is mildly negative, "not bad" mildly positive. */
const NEGATION_FACTOR = -0.5;
/** An intensifier reaches this many following words. */
const INTENSIFIER_SCOPE_WORDS = 2;
/** Stacked intensifiers ("very very") multiply, within these bounds. */
const INTENSITY_MIN = 0.25;
const INTENSITY_MAX = 3;
/** A scored word in capitals, in a text that also has lower case, counts this much more ("GOOD"). */
const CAPS_FACTOR = 1.3;
/** Each "!" (up to BANGS_MAX) strengthens the whole text's score by this fraction. */
const BANG_FACTOR = 0.1;
const BANGS_MAX = 4;
/** The divisor of the raw score in the logistic normalisation: 1 / (1 + e^(-raw / 2)). */
const NORMALISATION_SCALE = 2;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

const EMOTICONS = [...SYMBOL_SCORES.keys()]
  .filter((k) => /^[\x21-\x7e]+$/.test(k))
  .sort((a, b) => b.length - a.length)
  .map(escapeRegExp)
  .join("|");

/**
 * Tokens: emoticons standing alone (so "http://" holds none), emoji, words (with inner
 * apostrophes: "don't"), and the punctuation that ends a negation's reach.
 */
const TOKEN = new RegExp(`(?<=^|[\\s.,;!?])(?:${EMOTICONS})(?=$|[\\s.,;!?])|\\p{Extended_Pictographic}|[\\p{L}\\p{N}]+(?:'[\\p{L}]+)*|[.,;:!?]`, "giu");

/** Suffix rules tried, in order, for a word not in the lexicon: [suffix, replacement]. */
const SUFFIXES: readonly (readonly [string, string])[] = [
  ["'s", ""],
  ["ily", "y"],
  ["ies", "y"],
  ["ied", "y"],
  ["ier", "y"],
  ["iest", "y"],
  ["ly", ""],
  ["ly", "le"],
  ["ing", ""],
  ["ing", "e"],
  ["ed", ""],
  ["ed", "e"],
  ["est", ""],
  ["est", "e"],
  ["er", ""],
  ["er", "e"],
  ["es", ""],
  ["s", ""],
];

/** The score of a lower-case word: from the lexicon, else from a suffix-stripped form ("loved", "winning"). */
function wordScore(w: string): number | undefined {
  const direct = LEXICON.get(w);
  if (direct !== undefined) return direct;
  for (const [suffix, replacement] of SUFFIXES) {
    if (w.length < suffix.length + 3 || !w.endsWith(suffix)) continue;
    const stem = w.slice(0, -suffix.length);
    const found = LEXICON.get(stem + replacement);
    if (found !== undefined) return found;
    // A doubled final consonant: "winning" → "win", "stopped" → "stop".
    if (replacement === "" && stem.length > 2 && stem[stem.length - 1] === stem[stem.length - 2]) {
      const undoubled = LEXICON.get(stem.slice(0, -1));
      if (undoubled !== undefined) return undoubled;
    }
  }
  return undefined;
}

function isNegator(w: string): boolean {
  return NEGATORS.has(w) || w.endsWith("n't");
}

/**
 * The raw (unbounded) sentiment of a text: the sum of its scored words and symbols, each scaled
 * by a preceding intensifier, capitals and negation, the sum then strengthened by "!".
 */
export function rawSentiment(text: string): number {
  const normalised = text.replace(/[\u2018\u2019]/g, "'");
  const hasLower = /\p{Ll}/u.test(normalised);
  let raw = 0;
  let bangs = 0;
  let negated = false;
  let negationLeft = 0;
  let intensity = 1;
  let intensityLeft = 0;
  const resetModifiers = (): void => {
    negated = false;
    negationLeft = 0;
    intensity = 1;
    intensityLeft = 0;
  };
  for (const [token] of normalised.matchAll(TOKEN)) {
    if (token.length === 1 && ".,;:!?".includes(token)) {
      if (token === "!") bangs++;
      resetModifiers();
      continue;
    }
    const lower = token.toLowerCase();
    const symbol = SYMBOL_SCORES.get(lower.replace(/\uFE0F/g, ""));
    if (symbol !== undefined) {
      // Emoticons and emoji stand for themselves: no negation or intensifier applies to them.
      raw += symbol;
      continue;
    }
    if (isNegator(lower)) {
      negated = true;
      negationLeft = NEGATION_SCOPE_WORDS;
      continue;
    }
    const factor = INTENSIFIERS.get(lower);
    if (factor !== undefined) {
      intensity = Math.min(INTENSITY_MAX, Math.max(INTENSITY_MIN, intensity * factor));
      intensityLeft = INTENSIFIER_SCOPE_WORDS;
      continue;
    }
    const score = wordScore(lower);
    if (score === undefined) {
      if (negationLeft > 0 && --negationLeft === 0) negated = false;
      if (intensityLeft > 0 && --intensityLeft === 0) intensity = 1;
      continue;
    }
    let s = score * intensity;
    if (hasLower && token.length > 1 && token === token.toUpperCase()) s *= CAPS_FACTOR;
    if (negated) s *= NEGATION_FACTOR;
    raw += s;
    resetModifiers();
  }
  return raw * (1 + BANG_FACTOR * Math.min(bangs, BANGS_MAX));
}

/** sentiment(text): 1 / (1 + e^(-raw / 2)) of {@link rawSentiment}; 0.5 for a text without sentiment. */
export function sentimentScore(text: string): number {
  return 1 / (1 + Math.exp(-rawSentiment(text) / NORMALISATION_SCALE));
}

/** sentiment(text) → double in [0, 1]: 0 very negative, 0.5 neutral (or empty), 1 very positive; null for null. */
const sentiment = scalar({
  name: "sentiment",
  minArgs: 1,
  resolve(args) {
    return { dataType: DoubleType, coerceTo: [coerceArg("sentiment", args, 0, "string")] };
  },
  build() {
    return (v) => sentimentScore(v[0] as string);
  },
});

// ---- z-score aggregates

type ZState = { n: number; mean: number; m2: number; last: number | null; seen: boolean };

/** Numbers from a numeric argument (strings are cast to double, as Spark's implicit cast). */
function numericArg(fn: string, a: ArgInfo): (v: unknown) => number {
  const t = a.dataType;
  if (isNumeric(t) || t.kind === "null") return (v) => v as number;
  if (t.kind === "string") {
    const cast = buildCast(StringType, DoubleType, { ansi: true, tryCast: false });
    return (v) => cast(v) as number;
  }
  throw unexpectedInputType(fn, 0, '"NUMERIC"', t);
}

/**
 * The z-score accumulator: count, mean and M2 by Welford's algorithm (merged with Chan's
 * formula, as stddev), plus the last row's value. `merge(a, b)` takes b's last row when b saw one,
 * since a holds the rows that come first.
 */
function zscoreAccumulator(toNum: (v: unknown) => number): Accumulator & { z(state: unknown): number | null } {
  const z = (state: unknown): number | null => {
    const s = state as ZState;
    if (s.last === null || s.n < 2) return null;
    const sd = Math.sqrt(s.m2 / (s.n - 1));
    return sd > 0 ? (s.last - s.mean) / sd : null;
  };
  return {
    init: (): ZState => ({ n: 0, mean: 0, m2: 0, last: null, seen: false }),
    update(state, values) {
      const s = state as ZState;
      s.seen = true;
      if (values[0] === null) {
        s.last = null;
        return s;
      }
      const x = toNum(values[0]);
      s.last = x;
      s.n++;
      const d = x - s.mean;
      s.mean += d / s.n;
      s.m2 += d * (x - s.mean);
      return s;
    },
    merge(a, b) {
      const x = a as ZState;
      const y = b as ZState;
      const last = y.seen ? y.last : x.last;
      const seen = x.seen || y.seen;
      if (y.n === 0) return { ...x, last, seen };
      if (x.n === 0) return { ...y, last, seen };
      const n = x.n + y.n;
      const d = y.mean - x.mean;
      return { n, mean: x.mean + (d * y.n) / n, m2: x.m2 + y.m2 + (d * d * x.n * y.n) / n, last, seen };
    },
    finish: z,
    z,
  };
}

/**
 * zscore(x): (last − mean) / stddev, where mean and the sample standard deviation (n − 1, as
 * `stddev`) are over the non-null values of the group or window frame, and `last` is the value of
 * its last row (over an ordered window frame ending at CURRENT ROW, the current row). Null when
 * the last value is null, fewer than 2 values are non-null, or the standard deviation is 0.
 */
const zscore: AggregateFunction = {
  name: "zscore",
  minArgs: 1,
  maxArgs: 1,
  resolve(args) {
    numericArg("zscore", args[0]);
    return { dataType: DoubleType, nullable: true };
  },
  build: (args) => zscoreAccumulator(numericArg("zscore", args[0])),
};

function thresholdArg(args: readonly ArgInfo[]): number {
  if (args.length < 2) return 3;
  const a = args[1];
  if (!a.foldable) throw nonFoldable("is_anomaly", 1, "threshold");
  const v = a.value;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw analysisError("is_anomaly", `the threshold must be a positive number, got ${String(v)}.`);
  return v;
}

/** is_anomaly(x, threshold = 3): |zscore(x)| > threshold; null where zscore(x) is null. */
const isAnomaly: AggregateFunction = {
  name: "is_anomaly",
  minArgs: 1,
  maxArgs: 2,
  resolve(args) {
    numericArg("is_anomaly", args[0]);
    thresholdArg(args);
    return { dataType: BooleanType, nullable: true };
  },
  build(args) {
    const threshold = thresholdArg(args);
    const acc = zscoreAccumulator(numericArg("is_anomaly", args[0]));
    return {
      init: () => acc.init(),
      update: (state, values) => acc.update(state, values),
      merge: (a, b) => acc.merge(a, b),
      finish(state) {
        const z = acc.z(state);
        return z === null ? null : Math.abs(z) > threshold;
      },
    };
  },
};

/** The scalar scoring functions, with aliases. */
export const SCORING_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [[sentiment]];

/** The scoring aggregates, with aliases. */
export const SCORING_AGGREGATES: readonly (readonly [AggregateFunction, ...string[]])[] = [[zscore], [isAnomaly]];
