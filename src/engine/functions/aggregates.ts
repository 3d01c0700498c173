/**
 * Aggregate functions. Accumulator states are plain objects merged for partial aggregation;
 * `merge(a, b)` assumes `a` holds rows that come before `b`'s (for first/last).
 */
import type { Accumulator, AggregateFunction, ArgInfo } from "../expr/ast.js";
import type { DataType } from "../types.js";
import { DoubleType, LongType, arrayOf, isIntegral, isNumeric, StringType } from "../types.js";
import { WeirError } from "../../util/errors.js";
import { buildCast } from "./cast.js";
import { comparatorFor, valueKey } from "./compare.js";
import { arithmeticOverflow, unexpectedInputType } from "./errors.js";
import { addToSketch, estimate, mergeSketches, newSketch, precisionFor, type HllSketch } from "./hll.js";
import { LONG_MAX_EXCLUSIVE, LONG_MIN } from "./limits.js";

/** Wraps an accumulator so that it sees each distinct argument tuple once. */
function distinctOf(inner: Accumulator): Accumulator {
  type S = { seen: Map<string, unknown[]> };
  return {
    init: (): S => ({ seen: new Map() }),
    update(state, values) {
      const s = state as S;
      const k = values.length === 1 ? valueKey(values[0]) : valueKey(values);
      if (!s.seen.has(k)) s.seen.set(k, values.slice());
      return s;
    },
    merge(a, b) {
      const sa = a as S;
      for (const [k, v] of (b as S).seen) if (!sa.seen.has(k)) sa.seen.set(k, v);
      return sa;
    },
    finish(state) {
      let acc = inner.init();
      for (const v of (state as S).seen.values()) acc = inner.update(acc, v);
      return inner.finish(acc);
    },
  };
}

function agg(def: {
  name: string;
  minArgs: number;
  maxArgs?: number;
  resolve(args: readonly ArgInfo[], distinct: boolean): { dataType: DataType; nullable: boolean };
  build(args: readonly ArgInfo[]): Accumulator;
}): AggregateFunction {
  return {
    name: def.name,
    minArgs: def.minArgs,
    maxArgs: def.maxArgs ?? def.minArgs,
    resolve: (args, distinct) => def.resolve(args, distinct),
    build: (args, distinct) => (distinct ? distinctOf(def.build(args)) : def.build(args)),
  };
}

/** count(*) (no arguments or a literal) counts rows; count(a, b) counts rows where all arguments are non-null. */
const count = agg({
  name: "count",
  minArgs: 0,
  maxArgs: Infinity,
  resolve: () => ({ dataType: LongType, nullable: false }),
  build(args) {
    const always = args.length === 0 || args.every((a) => a.foldable && a.value !== null && a.value !== undefined);
    return {
      init: () => ({ n: 0 }),
      update(state, values) {
        const s = state as { n: number };
        if (always) s.n++;
        else {
          for (const v of values) if (v === null) return s;
          s.n++;
        }
        return s;
      },
      merge: (a, b) => ({ n: (a as { n: number }).n + (b as { n: number }).n }),
      finish: (s) => (s as { n: number }).n,
    };
  },
});

/** count_if(cond): the number of rows where the boolean `cond` is true (null and false do not count). */
const countIf = agg({
  name: "count_if",
  minArgs: 1,
  resolve(args) {
    const t = args[0].dataType;
    if (t.kind !== "boolean" && t.kind !== "null") throw unexpectedInputType("count_if", 0, '"BOOLEAN"', t);
    return { dataType: LongType, nullable: false };
  },
  build() {
    return {
      init: () => ({ n: 0 }),
      update(state, values) {
        const s = state as { n: number };
        if (values[0] === true) s.n++;
        return s;
      },
      merge: (a, b) => ({ n: (a as { n: number }).n + (b as { n: number }).n }),
      finish: (s) => (s as { n: number }).n,
    };
  },
});

/** A converter making numeric inputs of an aggregate numbers (strings are cast to double, as Spark's implicit cast). */
function numericInput(fn: string, a: ArgInfo): (v: unknown) => number {
  const t = a.dataType;
  if (isNumeric(t) || t.kind === "null") return (v) => v as number;
  if (t.kind === "string") {
    const c = buildCast(StringType, DoubleType, { ansi: true, tryCast: false });
    return (v) => c(v) as number;
  }
  throw unexpectedInputType(fn, 0, '"NUMERIC"', t);
}

type SumState = { sum: number; any: boolean };

const sum = agg({
  name: "sum",
  minArgs: 1,
  resolve(args) {
    numericInput("sum", args[0]);
    return { dataType: isIntegral(args[0].dataType) ? LongType : DoubleType, nullable: true };
  },
  build(args) {
    const toNum = numericInput("sum", args[0]);
    const integral = isIntegral(args[0].dataType);
    const check = (s: SumState): SumState => {
      if (integral && (s.sum >= LONG_MAX_EXCLUSIVE || s.sum < LONG_MIN)) throw arithmeticOverflow("long", "try_sum");
      return s;
    };
    return {
      init: (): SumState => ({ sum: 0, any: false }),
      update(state, values) {
        const s = state as SumState;
        const v = values[0];
        if (v === null) return s;
        s.sum += toNum(v);
        s.any = true;
        return integral ? check(s) : s;
      },
      merge(a, b) {
        const x = a as SumState;
        const y = b as SumState;
        x.sum += y.sum;
        x.any ||= y.any;
        return integral ? check(x) : x;
      },
      finish: (s) => ((s as SumState).any ? (s as SumState).sum : null),
    };
  },
});

type AvgState = { sum: number; n: number };

const avg = agg({
  name: "avg",
  minArgs: 1,
  resolve(args) {
    numericInput("avg", args[0]);
    return { dataType: DoubleType, nullable: true };
  },
  build(args) {
    const toNum = numericInput("avg", args[0]);
    return {
      init: (): AvgState => ({ sum: 0, n: 0 }),
      update(state, values) {
        const s = state as AvgState;
        if (values[0] !== null) {
          s.sum += toNum(values[0]);
          s.n++;
        }
        return s;
      },
      merge(a, b) {
        const x = a as AvgState;
        x.sum += (b as AvgState).sum;
        x.n += (b as AvgState).n;
        return x;
      },
      finish: (s) => ((s as AvgState).n === 0 ? null : (s as AvgState).sum / (s as AvgState).n),
    };
  },
});

function extremum(name: string, sign: 1 | -1): AggregateFunction {
  return agg({
    name,
    minArgs: 1,
    resolve(args) {
      if (args[0].dataType.kind === "map") throw unexpectedInputType(name, 0, "an orderable", args[0].dataType);
      return { dataType: args[0].dataType, nullable: true };
    },
    build(args) {
      const cmp = comparatorFor(args[0].dataType);
      const better = (a: unknown, b: unknown): unknown => (a === null ? b : b === null ? a : sign * cmp(b, a) > 0 ? b : a);
      return {
        init: () => ({ v: null as unknown }),
        update(state, values) {
          const s = state as { v: unknown };
          s.v = better(s.v, values[0]);
          return s;
        },
        merge(a, b) {
          const s = a as { v: unknown };
          s.v = better(s.v, (b as { v: unknown }).v);
          return s;
        },
        finish: (s) => (s as { v: unknown }).v,
      };
    },
  });
}

function ignoreNullsArg(name: string, args: readonly ArgInfo[]): boolean {
  if (args.length < 2) return false;
  if (!args[1].foldable || typeof args[1].value !== "boolean") throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] the second argument of ${name} (ignoreNulls) must be a boolean literal.`);
  return args[1].value;
}

type PickState = { set: boolean; v: unknown };

function firstLast(name: string, first: boolean): AggregateFunction {
  return agg({
    name,
    minArgs: 1,
    maxArgs: 2,
    resolve(args) {
      ignoreNullsArg(name, args);
      return { dataType: args[0].dataType, nullable: true };
    },
    build(args) {
      const ignoreNulls = ignoreNullsArg(name, args);
      return {
        init: (): PickState => ({ set: false, v: null }),
        update(state, values) {
          const s = state as PickState;
          const v = values[0];
          if (ignoreNulls && v === null) return s;
          if (!first || !s.set) {
            s.v = v;
            s.set = true;
          }
          return s;
        },
        merge(a, b) {
          const x = a as PickState;
          const y = b as PickState;
          if (first) return x.set ? x : y;
          return y.set ? y : x;
        },
        finish: (s) => (s as PickState).v,
      };
    },
  });
}

function collect(name: string, unique: boolean): AggregateFunction {
  return agg({
    name,
    minArgs: 1,
    resolve(args) {
      return { dataType: arrayOf(args[0].dataType, false), nullable: false };
    },
    build() {
      if (!unique) {
        return {
          init: () => [] as unknown[],
          update(state, values) {
            if (values[0] !== null) (state as unknown[]).push(values[0]);
            return state;
          },
          merge(a, b) {
            for (const v of b as unknown[]) (a as unknown[]).push(v);
            return a;
          },
          finish: (s) => (s as unknown[]).slice(),
        };
      }
      return {
        init: () => new Map<string, unknown>(),
        update(state, values) {
          const v = values[0];
          if (v !== null) (state as Map<string, unknown>).set(valueKey(v), v);
          return state;
        },
        merge(a, b) {
          for (const [k, v] of b as Map<string, unknown>) (a as Map<string, unknown>).set(k, v);
          return a;
        },
        finish: (s) => [...(s as Map<string, unknown>).values()],
      };
    },
  });
}

const approxCountDistinct = agg({
  name: "approx_count_distinct",
  minArgs: 1,
  maxArgs: 2,
  resolve(args) {
    if (args.length > 1) rsdArg(args);
    return { dataType: LongType, nullable: false };
  },
  build(args) {
    const p = precisionFor(args.length > 1 ? rsdArg(args) : 0.05);
    return {
      init: () => newSketch(p),
      update(state, values) {
        if (values[0] !== null) addToSketch(state as HllSketch, values[0]);
        return state;
      },
      merge: (a, b) => mergeSketches(a as HllSketch, b as HllSketch),
      finish: (s) => estimate(s as HllSketch),
    };
  },
});

function rsdArg(args: readonly ArgInfo[]): number {
  const v = args[1].value;
  if (!args[1].foldable || typeof v !== "number" || !(v > 0) || v >= 1) {
    throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH] approx_count_distinct: the relative standard deviation must be a number literal in (0, 1), got ${String(v)}.`);
  }
  if (v < 0.01) throw new WeirError("ANALYSIS", "approx_count_distinct: the relative standard deviation must be at least 0.01 (Weir's sketches stop at precision 18).");
  return v;
}

type Moments = { n: number; mean: number; m2: number };

/** Variance-family aggregates by Welford's algorithm, merged with Chan's formula. */
function moments(name: string, finish: (m: Moments) => number | null): AggregateFunction {
  return agg({
    name,
    minArgs: 1,
    resolve(args) {
      numericInput(name, args[0]);
      return { dataType: DoubleType, nullable: true };
    },
    build(args) {
      const toNum = numericInput(name, args[0]);
      return {
        init: (): Moments => ({ n: 0, mean: 0, m2: 0 }),
        update(state, values) {
          const s = state as Moments;
          if (values[0] === null) return s;
          const x = toNum(values[0]);
          s.n++;
          const d = x - s.mean;
          s.mean += d / s.n;
          s.m2 += d * (x - s.mean);
          return s;
        },
        merge(a, b) {
          const x = a as Moments;
          const y = b as Moments;
          if (y.n === 0) return x;
          if (x.n === 0) return y;
          const n = x.n + y.n;
          const d = y.mean - x.mean;
          return { n, mean: x.mean + (d * y.n) / n, m2: x.m2 + y.m2 + (d * d * x.n * y.n) / n };
        },
        finish: (s) => finish(s as Moments),
      };
    },
  });
}

// Spark 4 (spark.sql.legacy.statisticalAggregate=false) gives null, not NaN, for one sample.
const varSamp = (m: Moments): number | null => (m.n < 2 ? null : m.m2 / (m.n - 1));
const varPop = (m: Moments): number | null => (m.n === 0 ? null : m.m2 / m.n);

function boolAgg(name: string, isAnd: boolean): AggregateFunction {
  return agg({
    name,
    minArgs: 1,
    resolve(args) {
      if (args[0].dataType.kind !== "boolean" && args[0].dataType.kind !== "null") throw unexpectedInputType(name, 0, '"BOOLEAN"', args[0].dataType);
      return { dataType: args[0].dataType, nullable: true };
    },
    build() {
      const combine = (a: unknown, b: unknown): unknown => (a === null ? b : b === null ? a : isAnd ? a && b : a || b);
      return {
        init: () => ({ v: null as unknown }),
        update(state, values) {
          const s = state as { v: unknown };
          s.v = combine(s.v, values[0]);
          return s;
        },
        merge: (a, b) => ({ v: combine((a as { v: unknown }).v, (b as { v: unknown }).v) }),
        finish: (s) => (s as { v: unknown }).v,
      };
    },
  });
}

function byAgg(name: string, sign: 1 | -1): AggregateFunction {
  return agg({
    name,
    minArgs: 2,
    resolve(args) {
      return { dataType: args[0].dataType, nullable: true };
    },
    build(args) {
      const cmp = comparatorFor(args[1].dataType);
      type S = { v: unknown; k: unknown };
      const pick = (a: S, b: S): S => (a.k === null ? b : b.k === null ? a : sign * cmp(b.k, a.k) > 0 ? b : a);
      return {
        init: (): S => ({ v: null, k: null }),
        update: (state, values) => pick(state as S, { v: values[0], k: values[1] }),
        merge: (a, b) => pick(a as S, b as S),
        finish: (s) => (s as S).v,
      };
    },
  });
}

const sumDistinct: AggregateFunction = { ...sum, name: "sum_distinct", resolve: (a) => sum.resolve(a, true), build: (a) => sum.build(a, true) };
const countDistinct: AggregateFunction = { ...count, name: "count_distinct", minArgs: 1, resolve: (a) => count.resolve(a, true), build: (a) => count.build(a, true) };

/** Every aggregate function of this module, with aliases. */
export const AGGREGATE_FUNCTIONS: readonly (readonly [AggregateFunction, ...string[]])[] = [
  [count],
  [countDistinct, "countdistinct"],
  [countIf],
  [sum],
  [sumDistinct],
  [avg, "mean"],
  [extremum("min", -1)],
  [extremum("max", 1)],
  [firstLast("first", true), "first_value"],
  [firstLast("last", false), "last_value"],
  [firstLast("any_value", true)],
  [collect("collect_list", false), "array_agg"],
  [collect("collect_set", true)],
  [approxCountDistinct],
  [moments("stddev", (m) => { const v = varSamp(m); return v === null ? null : Math.sqrt(v); }), "stddev_samp", "std"],
  [moments("stddev_pop", (m) => { const v = varPop(m); return v === null ? null : Math.sqrt(v); })],
  [moments("variance", varSamp), "var_samp"],
  [moments("var_pop", varPop)],
  [boolAgg("bool_and", true), "every"],
  [boolAgg("bool_or", false), "some", "any"],
  [byAgg("max_by", 1)],
  [byAgg("min_by", -1)],
];
