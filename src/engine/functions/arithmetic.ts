/**
 * Arithmetic operators and math functions with Spark's ANSI semantics: integral overflow and
 * division by zero raise errors, `/` always gives double, floor/ceil give bigint, round is HALF_UP
 * on the decimal value Spark prints.
 */
import type { ArgInfo, ScalarFunction } from "../expr/ast.js";
import type { DataType } from "../types.js";
import { DateType, DoubleType, IntegerType, LongType, isIntegral, isNumeric } from "../types.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import { commonType } from "./coercion.js";
import { comparatorFor } from "./compare.js";
import { coerceAll, coerceArg, scalar } from "./define.js";
import { arithmeticOverflow, divideByZero, sqlType } from "./errors.js";
import { LONG_MAX, LONG_MAX_EXCLUSIVE, LONG_MIN } from "./limits.js";

const RANGES: Partial<Record<DataType["kind"], readonly [number, number, string]>> = {
  byte: [-128, 127, "tinyint"],
  short: [-32768, 32767, "smallint"],
  int: [-2147483648, 2147483647, "integer"],
  long: [LONG_MIN, LONG_MAX, "long"],
};

/** Wraps an integral operation with Spark's ANSI overflow check for result type `t`. */
function checked(t: DataType, tryFn: string, op: (a: number, b: number) => number): (v: unknown[]) => unknown {
  const r = RANGES[t.kind];
  if (t.kind === "float") return (v) => Math.fround(op(v[0] as number, v[1] as number));
  if (r === undefined) return (v) => op(v[0] as number, v[1] as number);
  const [lo, hi, name] = r;
  // 2^63 is not representable as a long; the double comparison treats it as out of range.
  const isLong = t.kind === "long";
  return (v) => {
    const x = op(v[0] as number, v[1] as number);
    if (x < lo || x > hi || (isLong && x >= LONG_MAX_EXCLUSIVE)) throw arithmeticOverflow(name, tryFn);
    return x === 0 ? 0 : x;
  };
}

function binaryMismatch(op: string, a: DataType, b: DataType): WeirError {
  return new WeirError(
    "ANALYSIS",
    `[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve "(... ${op} ...)" due to data type mismatch: the left and right operands of the binary operator have incompatible types (${sqlType(a)} and ${sqlType(b)}).`,
  );
}

/** Resolves the operand type of a numeric binary operator: the wider type (strings meet numbers as Spark's ANSI coercion). */
function numericOperands(op: string, args: readonly ArgInfo[]): DataType {
  const [a, b] = [args[0].dataType, args[1].dataType];
  const t = commonType([a, b]);
  if (t === null || !(isNumeric(t) || t.kind === "null")) {
    if (t !== null && t.kind === "string") return DoubleType;
    throw binaryMismatch(op, a, b);
  }
  return t.kind === "null" ? DoubleType : t;
}

function coerce(args: readonly ArgInfo[], t: DataType): (DataType | undefined)[] {
  return args.map((a) => (a.dataType.kind === t.kind ? undefined : t));
}

function dateArith(args: readonly ArgInfo[], op: string): boolean {
  return op !== "*" && args[0].dataType.kind === "date" && (isIntegral(args[1].dataType) || args[1].dataType.kind === "null");
}

function additive(op: "+" | "-" | "*", tryFn: string, f: (a: number, b: number) => number): ScalarFunction {
  return scalar({
    name: op,
    minArgs: 2,
    resolve(args) {
      if (dateArith(args, op)) return { dataType: DateType, coerceTo: [undefined, IntegerType] };
      const t = numericOperands(op, args);
      return { dataType: t, coerceTo: coerce(args, t) };
    },
    build(args) {
      if (dateArith(args, op)) return op === "+" ? (v) => (v[0] as number) + (v[1] as number) : (v) => (v[0] as number) - (v[1] as number);
      return checked(args[0].dataType, tryFn, f);
    },
  });
}

const divide = scalar({
  name: "/",
  minArgs: 2,
  resolve(args) {
    numericOperands("/", args);
    return { dataType: DoubleType, coerceTo: coerce(args, DoubleType) };
  },
  build() {
    return (v) => {
      const d = v[1] as number;
      if (d === 0) throw divideByZero();
      return (v[0] as number) / d;
    };
  },
});

const remainder = scalar({
  name: "%",
  minArgs: 2,
  resolve(args) {
    const t = numericOperands("%", args);
    return { dataType: t, coerceTo: coerce(args, t) };
  },
  build() {
    return (v) => {
      const d = v[1] as number;
      if (d === 0) throw divideByZero();
      const r = (v[0] as number) % d;
      return r === 0 ? 0 : r;
    };
  },
});

const pmod = scalar({
  name: "pmod",
  minArgs: 2,
  resolve(args) {
    const t = numericOperands("pmod", args);
    return { dataType: t, coerceTo: coerce(args, t) };
  },
  build() {
    return (v) => {
      const d = v[1] as number;
      if (d === 0) throw divideByZero();
      const r = (v[0] as number) % d;
      const p = r < 0 ? (r + d) % d : r;
      return p === 0 ? 0 : p;
    };
  },
});

const intDiv = scalar({
  name: "div",
  minArgs: 2,
  resolve(args) {
    numericOperands("div", args);
    return { dataType: LongType, coerceTo: coerce(args, LongType) };
  },
  build() {
    return (v) => {
      const d = v[1] as number;
      if (d === 0) throw divideByZero();
      const q = Math.trunc((v[0] as number) / d);
      return q === 0 ? 0 : q;
    };
  },
});

function unaryNumeric(name: string, f: (t: DataType) => (x: number) => unknown, out?: DataType): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    resolve(args) {
      const c = coerceAll(name, args, ["numeric"]);
      return { dataType: out ?? c[0] ?? args[0].dataType, coerceTo: c };
    },
    build(args) {
      const g = f(args[0].dataType);
      return (v) => g(v[0] as number);
    },
  });
}

const negative = unaryNumeric("negative", (t) => {
  const r = RANGES[t.kind];
  return (x) => {
    if (r !== undefined && -x > r[1]) throw arithmeticOverflow(r[2], "try_subtract");
    return x === 0 ? 0 : -x;
  };
});

const abs = unaryNumeric("abs", (t) => {
  const r = RANGES[t.kind];
  return (x) => {
    if (r !== undefined && -x > r[1]) throw arithmeticOverflow(r[2], "abs");
    return Math.abs(x);
  };
});

/** Rounds the decimal text of `x` (as Spark prints it) to `scale` digits, HALF_UP or HALF_EVEN. */
export function roundDecimal(x: number, scale: number, halfEven: boolean): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const neg = x < 0;
  const [mant, expPart] = Math.abs(x).toExponential().split("e");
  const exp = Number(expPart);
  const digits = mant.replace(".", "");
  // value = 0.d1d2d3... × 10^(exp+1); keep (exp + 1 + scale) digits.
  const keep = exp + 1 + scale;
  if (keep < 0) return 0;
  if (keep >= digits.length) return x;
  const kept = digits.slice(0, keep);
  const next = digits.charCodeAt(keep) - 48;
  const rest = digits.slice(keep + 1);
  let up = next > 5 || (next === 5 && (!halfEven || /[1-9]/.test(rest) || (Number(kept.slice(-1) || "0") % 2 === 1)));
  if (next < 5) up = false;
  let n = BigInt(kept === "" ? "0" : kept);
  if (up) n += 1n;
  const r = Number(`${n.toString()}e${exp + 1 - keep}`);
  return neg ? -r : r;
}

function rounding(name: string, halfEven: boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    maxArgs: 2,
    resolve(args) {
      const c = coerceArg(name, args, 0, "numeric");
      const s = args.length > 1 ? coerceArg(name, args, 1, "int") : undefined;
      return { dataType: c ?? args[0].dataType, coerceTo: [c, s] };
    },
    build(args) {
      const t = args[0].dataType;
      const r = RANGES[t.kind];
      return (v) => {
        const scale = v.length > 1 ? (v[1] as number) : 0;
        const x = v[0] as number;
        if (isIntegral(t) && scale >= 0) return x;
        const y = roundDecimal(x, scale, halfEven);
        if (r !== undefined && (y < r[0] || y > r[1])) throw arithmeticOverflow(r[2], name);
        return t.kind === "float" ? Math.fround(y) : y === 0 ? 0 : y;
      };
    },
  });
}

function floorCeil(name: string, f: (x: number) => number): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    maxArgs: 2,
    resolve(args) {
      const c = coerceArg(name, args, 0, "numeric");
      if (args.length > 1) return { dataType: DoubleType, coerceTo: [DoubleType, coerceArg(name, args, 1, "int")] };
      return { dataType: LongType, coerceTo: [c] };
    },
    build(args) {
      if (args.length > 1) {
        return (v) => {
          const p = 10 ** (v[1] as number);
          return f((v[0] as number) * p) / p;
        };
      }
      return (v) => {
        const x = v[0] as number;
        if (!Number.isFinite(x)) {
          if (Number.isNaN(x)) return 0;
          return x > 0 ? LONG_MAX_EXCLUSIVE : LONG_MIN;
        }
        const y = f(x);
        return y === 0 ? 0 : y;
      };
    },
  });
}

function doubleFn(name: string, arity: number, f: (...x: number[]) => number | null): ScalarFunction {
  return scalar({
    name,
    minArgs: arity,
    resolve(args) {
      return { dataType: DoubleType, coerceTo: coerceAll(name, args, ["double"]) };
    },
    build() {
      return (v) => f(...(v as number[]));
    },
  });
}

/** Spark's logarithms give null at or below their asymptote (ln(0) is null, not -Infinity). */
const lnOrNull = (x: number): number | null => (x <= 0 ? null : Math.log(x));

const log = scalar({
  name: "log",
  minArgs: 1,
  maxArgs: 2,
  resolve(args) {
    return { dataType: DoubleType, coerceTo: coerceAll("log", args, ["double"]) };
  },
  build(args) {
    if (args.length === 1) return (v) => lnOrNull(v[0] as number);
    return (v) => {
      const b = v[0] as number;
      const x = v[1] as number;
      return b <= 0 || x <= 0 ? null : Math.log(x) / Math.log(b);
    };
  },
});

function extremum(name: string, sign: 1 | -1): ScalarFunction {
  return scalar({
    name,
    minArgs: 2,
    maxArgs: Infinity,
    nullIntolerant: false,
    resolve(args) {
      const t = commonType(args.map((a) => a.dataType));
      if (t === null) {
        throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve "${name}(...)" due to data type mismatch: input to \`${name}\` should all be the same type, but it's [${args.map((a) => sqlType(a.dataType)).join(", ")}].`);
      }
      return { dataType: t, coerceTo: coerce(args, t) };
    },
    build(args) {
      const t = commonType(args.map((a) => a.dataType))!;
      const cmp = comparatorFor(t);
      return (v) => {
        let best: unknown = null;
        for (const x of v) {
          if (x === null) continue;
          if (best === null || sign * cmp(x, best) > 0) best = x;
        }
        return best;
      };
    },
  });
}

const signum = doubleFn("signum", 1, (x) => (Number.isNaN(x) ? NaN : Math.sign(x)));

function bitwise(name: string, f: (a: bigint, b: bigint) => bigint): ScalarFunction {
  return scalar({
    name,
    minArgs: name === "~" ? 1 : 2,
    resolve(args) {
      const t = commonType(args.map((a) => a.dataType));
      if (t === null || !(isIntegral(t) || t.kind === "null")) throw binaryMismatch(name, args[0].dataType, args[args.length - 1].dataType);
      const r = t.kind === "null" ? LongType : t;
      return { dataType: r, coerceTo: coerce(args, r) };
    },
    build(args) {
      const bits = args[0].dataType.kind === "long" ? 64 : 32;
      return (v) => Number(BigInt.asIntN(bits, f(BigInt(v[0] as number), BigInt((v[1] ?? 0) as number))));
    },
  });
}

/**
 * Spark's try_add, try_subtract, try_multiply, try_divide and try_mod: the operator with its
 * types, giving null where ANSI mode would fail (overflow, division by zero).
 */
function tryOf(name: string, op: ScalarFunction): ScalarFunction {
  return scalar({
    name,
    minArgs: 2,
    resolve: (args) => op.resolve(args),
    build(args) {
      const f = op.build(args);
      return (v) => {
        try {
          return f(v);
        } catch (e) {
          if (isWeirError(e, "EXECUTION")) return null;
          throw e;
        }
      };
    },
  });
}

const add = additive("+", "try_add", (a, b) => a + b);
const subtract = additive("-", "try_subtract", (a, b) => a - b);
const multiply = additive("*", "try_multiply", (a, b) => a * b);

/** Every arithmetic and math function of this module. */
export const ARITHMETIC_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [add],
  [subtract],
  [multiply],
  [divide],
  [remainder, "mod"],
  [tryOf("try_add", add)],
  [tryOf("try_subtract", subtract)],
  [tryOf("try_multiply", multiply)],
  [tryOf("try_divide", divide)],
  [tryOf("try_mod", remainder)],
  [pmod],
  [intDiv],
  [negative],
  [unaryNumeric("positive", () => (x) => x)],
  [abs],
  [rounding("round", false)],
  [rounding("bround", true)],
  [floorCeil("floor", Math.floor)],
  [floorCeil("ceil", Math.ceil), "ceiling"],
  [doubleFn("sqrt", 1, Math.sqrt)],
  [doubleFn("cbrt", 1, Math.cbrt)],
  [doubleFn("exp", 1, Math.exp)],
  [doubleFn("pow", 2, (a, b) => a ** b), "power"],
  [doubleFn("ln", 1, lnOrNull)],
  [doubleFn("log10", 1, (x) => (x <= 0 ? null : Math.log10(x)))],
  [doubleFn("log2", 1, (x) => (x <= 0 ? null : Math.log2(x)))],
  [log],
  [signum, "sign"],
  [extremum("greatest", 1)],
  [extremum("least", -1)],
  [bitwise("&", (a, b) => a & b)],
  [bitwise("|", (a, b) => a | b)],
  [bitwise("^", (a, b) => a ^ b)],
  [bitwise("~", (a) => ~a)],
];
