/**
 * Comparisons, boolean logic (three-valued), null handling (isnull, coalesce, nvl, nullif), IN and
 * IF, with Spark's implicit coercion of mismatched operand types.
 */
import type { ArgInfo, ScalarFunction } from "../expr/ast.js";
import type { DataType } from "../types.js";
import { BooleanType, NullType, isNumeric } from "../types.js";
import { WeirError } from "../../util/errors.js";
import { commonType } from "./coercion.js";
import { comparatorFor, equalsFor } from "./compare.js";
import { coerceAll, scalar } from "./define.js";
import { sqlType } from "./errors.js";

function coerce(args: readonly ArgInfo[], t: DataType): (DataType | undefined)[] {
  return args.map((a) => (a.dataType.kind === t.kind && t.kind !== "array" && t.kind !== "struct" && t.kind !== "map" ? undefined : t));
}

/** The common type of the operands, or Spark's DATA_DIFF_TYPES / BINARY_OP_DIFF_TYPES error. */
function operandType(fn: string, args: readonly ArgInfo[]): DataType {
  const t = commonType(args.map((a) => a.dataType));
  if (t === null) {
    const kind = args.length === 2 ? "BINARY_OP_DIFF_TYPES" : "DATA_DIFF_TYPES";
    throw new WeirError(
      "ANALYSIS",
      `[DATATYPE_MISMATCH.${kind}] Cannot resolve "${fn}" due to data type mismatch: the operands have incompatible types (${args.map((a) => sqlType(a.dataType)).join(" and ")}).`,
      { details: { function: fn, types: args.map((a) => a.dataType.kind) } },
    );
  }
  return t;
}

function needsCoercion(args: readonly ArgInfo[], t: DataType): (DataType | undefined)[] {
  // Nested types are passed as they are when they already equal the common type.
  return args.map((a, i) => (JSON.stringify(a.dataType) === JSON.stringify(t) ? undefined : coerce(args, t)[i]));
}

function comparison(name: string, test: (c: number) => boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 2,
    resolve(args) {
      const t = operandType(`(... ${name} ...)`, args);
      if (t.kind === "map") throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH.INVALID_ORDERING_TYPE] Cannot resolve "(... ${name} ...)": the ${name} operator does not support ordering on type ${sqlType(t)}.`);
      return { dataType: BooleanType, coerceTo: needsCoercion(args, t) };
    },
    build(args) {
      const t = commonType(args.map((a) => a.dataType)) ?? NullType;
      if (isNumeric(t) && t.kind !== "float" && t.kind !== "double") {
        return (v) => test((v[0] as number) < (v[1] as number) ? -1 : (v[0] as number) > (v[1] as number) ? 1 : 0);
      }
      const cmp = comparatorFor(t);
      return (v) => test(cmp(v[0], v[1]));
    },
  });
}

function equality(name: string, negate: boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 2,
    resolve(args) {
      const t = operandType(`(... ${name} ...)`, args);
      return { dataType: BooleanType, coerceTo: needsCoercion(args, t) };
    },
    build(args) {
      const t = commonType(args.map((a) => a.dataType)) ?? NullType;
      if (t.kind === "string" || isNumeric(t) && t.kind !== "float" && t.kind !== "double" || t.kind === "boolean" || t.kind === "date" || t.kind === "timestamp") {
        return negate ? (v) => v[0] !== v[1] : (v) => v[0] === v[1];
      }
      const eq = equalsFor(t);
      return negate ? (v) => !eq(v[0], v[1]) : (v) => eq(v[0], v[1]);
    },
  });
}

const nullSafeEqual = scalar({
  name: "<=>",
  minArgs: 2,
  nullIntolerant: false,
  resolve(args) {
    const t = operandType("(... <=> ...)", args);
    return { dataType: BooleanType, nullable: false, coerceTo: needsCoercion(args, t) };
  },
  build(args) {
    const eq = equalsFor(commonType(args.map((a) => a.dataType)) ?? NullType);
    return (v) => (v[0] === null || v[1] === null ? v[0] === v[1] : eq(v[0], v[1]));
  },
});

function logic(name: "and" | "or"): ScalarFunction {
  return scalar({
    name,
    minArgs: 2,
    nullIntolerant: false,
    resolve(args) {
      return { dataType: BooleanType, coerceTo: coerceAll(name, args, ["boolean"]) };
    },
    build() {
      // Three-valued logic: false AND null = false, true OR null = true, otherwise null wins.
      if (name === "and") {
        return (v) => (v[0] === false || v[1] === false ? false : v[0] === null || v[1] === null ? null : true);
      }
      return (v) => (v[0] === true || v[1] === true ? true : v[0] === null || v[1] === null ? null : false);
    },
  });
}

const not = scalar({
  name: "not",
  minArgs: 1,
  resolve(args) {
    return { dataType: BooleanType, coerceTo: coerceAll("not", args, ["boolean"]) };
  },
  build() {
    return (v) => !v[0];
  },
});

function nullTest(name: string, wantNull: boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    nullIntolerant: false,
    resolve() {
      return { dataType: BooleanType, nullable: false };
    },
    build() {
      return wantNull ? (v) => v[0] === null : (v) => v[0] !== null;
    },
  });
}

const isnan = scalar({
  name: "isnan",
  minArgs: 1,
  nullIntolerant: false,
  resolve(args) {
    return { dataType: BooleanType, nullable: false, coerceTo: coerceAll("isnan", args, ["double"]) };
  },
  build() {
    return (v) => v[0] !== null && Number.isNaN(v[0]);
  },
});

/** coalesce and its aliases: the first non-null argument, all coerced to their common type. */
function firstNonNull(name: string, min: number, max: number): ScalarFunction {
  return scalar({
    name,
    minArgs: min,
    maxArgs: max,
    nullIntolerant: false,
    resolve(args) {
      const t = operandType(`${name}(...)`, args);
      return { dataType: t, nullable: args.every((a) => a.nullable), coerceTo: needsCoercion(args, t) };
    },
    build() {
      return (v) => {
        for (const x of v) if (x !== null) return x;
        return null;
      };
    },
  });
}

const nullif = scalar({
  name: "nullif",
  minArgs: 2,
  nullIntolerant: false,
  resolve(args) {
    const t = operandType("nullif(...)", args);
    return { dataType: t, coerceTo: needsCoercion(args, t) };
  },
  build(args) {
    const eq = equalsFor(commonType(args.map((a) => a.dataType)) ?? NullType);
    return (v) => (v[0] !== null && v[1] !== null && eq(v[0], v[1]) ? null : v[0]);
  },
});

const nvl2 = scalar({
  name: "nvl2",
  minArgs: 3,
  nullIntolerant: false,
  resolve(args) {
    const t = operandType("nvl2(...)", args.slice(1));
    return { dataType: t, coerceTo: [undefined, ...needsCoercion(args.slice(1), t)] };
  },
  build() {
    return (v) => (v[0] !== null ? v[1] : v[2]);
  },
});

const ifFn = scalar({
  name: "if",
  minArgs: 3,
  nullIntolerant: false,
  resolve(args) {
    const cond = coerceAll("if", args.slice(0, 1), ["boolean"])[0];
    const t = operandType("if(...)", args.slice(1));
    return { dataType: t, nullable: args[1].nullable || args[2].nullable, coerceTo: [cond, ...needsCoercion(args.slice(1), t)] };
  },
  build() {
    return (v) => (v[0] === true ? v[1] : v[2]);
  },
});

const inFn = scalar({
  name: "in",
  minArgs: 2,
  maxArgs: Infinity,
  nullIntolerant: false,
  resolve(args) {
    const t = operandType("(... IN (...))", args);
    return { dataType: BooleanType, coerceTo: needsCoercion(args, t) };
  },
  build(args) {
    const t = commonType(args.map((a) => a.dataType)) ?? NullType;
    const eq = equalsFor(t);
    // A constant list of primitives becomes a Set lookup.
    const constant = args.slice(1).every((a) => a.foldable) && t.kind !== "binary" && t.kind !== "float" && t.kind !== "double" && t.kind !== "array" && t.kind !== "struct" && t.kind !== "map";
    if (constant) {
      let set: Set<unknown> | undefined;
      let hasNull = false;
      return (v) => {
        if (set === undefined) {
          set = new Set(v.slice(1).filter((x) => x !== null));
          hasNull = v.slice(1).some((x) => x === null);
        }
        if (v[0] === null) return null;
        return set.has(v[0]) ? true : hasNull ? null : false;
      };
    }
    return (v) => {
      const x = v[0];
      if (x === null) return null;
      let sawNull = false;
      for (let i = 1; i < v.length; i++) {
        if (v[i] === null) sawNull = true;
        else if (eq(x, v[i])) return true;
      }
      return sawNull ? null : false;
    };
  },
});

const assertTrue = scalar({
  name: "assert_true",
  minArgs: 1,
  maxArgs: 2,
  nullIntolerant: false,
  resolve(args) {
    return { dataType: NullType, coerceTo: coerceAll("assert_true", args, ["boolean", "string"]) };
  },
  build() {
    return (v) => {
      if (v[0] !== true) throw new WeirError("EXECUTION", typeof v[1] === "string" ? v[1] : `'${String(v[0])}' is not true!`);
      return null;
    };
  },
});

/** Every predicate and null-handling function of this module. */
export const PREDICATE_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [equality("=", false), "=="],
  [equality("!=", true), "<>"],
  [comparison("<", (c) => c < 0)],
  [comparison("<=", (c) => c <= 0)],
  [comparison(">", (c) => c > 0)],
  [comparison(">=", (c) => c >= 0)],
  [nullSafeEqual, "equal_null"],
  [logic("and")],
  [logic("or")],
  [not, "!"],
  [nullTest("isnull", true)],
  [nullTest("isnotnull", false)],
  [isnan],
  [firstNonNull("coalesce", 1, Infinity)],
  [firstNonNull("nvl", 2, 2), "ifnull"],
  [nvl2],
  [nullif],
  [ifFn, "iff"],
  [inFn],
  [assertTrue],
];
