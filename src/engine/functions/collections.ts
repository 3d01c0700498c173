/** Array, map and struct functions: array, struct, named_struct, map, size, array_contains, element_at, sort_array... */
import type { ArgInfo, ScalarFunction } from "../expr/ast.js";
import type { ArrayType, DataType } from "../types.js";
import { BooleanType, IntegerType, NullType, StringType, arrayOf, mapOf, struct } from "../types.js";
import { WeirError } from "../../util/errors.js";
import { commonType } from "./coercion.js";
import { comparatorFor, equalsFor, valueKey } from "./compare.js";
import { coerceArg, constArg, scalar } from "./define.js";
import { analysisError, unexpectedInputType } from "./errors.js";

function sameOrCast(a: ArgInfo, t: DataType): DataType | undefined {
  return JSON.stringify(a.dataType) === JSON.stringify(t) ? undefined : t;
}

function common(fn: string, args: readonly ArgInfo[]): DataType {
  const t = commonType(args.map((a) => a.dataType));
  if (t === null) throw analysisError(fn, `[DATATYPE_MISMATCH.DATA_DIFF_TYPES] input to \`${fn}\` should all be the same type, but it's [${args.map((a) => a.dataType.kind).join(", ")}].`);
  return t;
}

const array = scalar({
  name: "array",
  minArgs: 0,
  maxArgs: Infinity,
  nullIntolerant: false,
  resolve(args) {
    // Spark 4: array() is array<void> (spark.sql.legacy.createEmptyCollectionUsingStringType=false).
    const el = args.length === 0 ? NullType : common("array", args);
    return { dataType: arrayOf(el, args.some((a) => a.nullable)), nullable: false, coerceTo: args.map((a) => sameOrCast(a, el)) };
  },
  build() {
    return (v) => v.slice();
  },
});

/**
 * struct(a, b) with fields col1, col2...: what a bare registry lookup gives. The analyzer resolves
 * every struct(...) call itself, as named_struct('a', a, 'x', b AS x, ...) (Spark's CreateStruct).
 */
const structFn = scalar({
  name: "struct",
  minArgs: 1,
  maxArgs: Infinity,
  nullIntolerant: false,
  resolve(args) {
    return { dataType: struct(args.map((a, i) => ({ name: `col${i + 1}`, dataType: a.dataType, nullable: a.nullable }))), nullable: false };
  },
  build() {
    return (v) => v.slice();
  },
});

const namedStruct = scalar({
  name: "named_struct",
  minArgs: 2,
  maxArgs: Infinity,
  nullIntolerant: false,
  resolve(args) {
    if (args.length % 2 !== 0) throw analysisError("named_struct", "[WRONG_NUM_ARGS] named_struct expects an even number of arguments: name1, value1, name2, value2...");
    const fields = [];
    for (let i = 0; i < args.length; i += 2) {
      const name = constArg("named_struct", args, i, "field name");
      if (typeof name !== "string") throw unexpectedInputType("named_struct", i, '"STRING" (a foldable field name)', args[i].dataType);
      fields.push({ name, dataType: args[i + 1].dataType, nullable: args[i + 1].nullable });
    }
    return { dataType: struct(fields), nullable: false };
  },
  build(args) {
    const n = args.length / 2;
    return (v) => {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = v[2 * i + 1];
      return out;
    };
  },
});

const map = scalar({
  name: "map",
  minArgs: 0,
  maxArgs: Infinity,
  nullIntolerant: false,
  resolve(args) {
    if (args.length % 2 !== 0) throw analysisError("map", "[WRONG_NUM_ARGS] map expects a positive even number of arguments: key1, value1, key2, value2...");
    const keys = args.filter((_, i) => i % 2 === 0);
    const values = args.filter((_, i) => i % 2 === 1);
    const kt = keys.length === 0 ? StringType : common("map", keys);
    const vt = values.length === 0 ? StringType : common("map", values);
    return { dataType: mapOf(kt, vt), nullable: false, coerceTo: args.map((a, i) => sameOrCast(a, i % 2 === 0 ? kt : vt)) };
  },
  build() {
    return (v) => {
      const m = new Map<unknown, unknown>();
      for (let i = 0; i < v.length; i += 2) {
        if (v[i] === null) throw new WeirError("EXECUTION", "[NULL_MAP_KEY] Cannot use null as map key.");
        if (m.has(v[i])) throw new WeirError("EXECUTION", `[DUPLICATED_MAP_KEY] Duplicate map key ${String(v[i])} was found.`);
        m.set(v[i], v[i + 1]);
      }
      return m;
    };
  },
});

const size = scalar({
  name: "size",
  minArgs: 1,
  resolve(args) {
    const k = args[0].dataType.kind;
    if (k !== "array" && k !== "map" && k !== "null") throw unexpectedInputType("size", 0, '("ARRAY" or "MAP")', args[0].dataType);
    return { dataType: IntegerType };
  },
  build(args) {
    if (args[0].dataType.kind === "map") return (v) => (v[0] as Map<unknown, unknown>).size;
    return (v) => (v[0] as unknown[]).length;
  },
});

function arrayArg(fn: string, args: readonly ArgInfo[], i = 0): ArrayType {
  const t = args[i].dataType;
  if (t.kind !== "array") throw unexpectedInputType(fn, i, '"ARRAY"', t);
  return t;
}

const arrayContains = scalar({
  name: "array_contains",
  minArgs: 2,
  resolve(args) {
    const t = arrayArg("array_contains", args);
    const et = commonType([t.elementType, args[1].dataType]);
    if (et === null) throw unexpectedInputType("array_contains", 1, `"${t.elementType.kind.toUpperCase()}"`, args[1].dataType);
    return { dataType: BooleanType, coerceTo: [sameOrCast(args[0], arrayOf(et)), sameOrCast(args[1], et)] };
  },
  build(args) {
    const eq = equalsFor((args[0].dataType as ArrayType).elementType);
    return (v) => {
      let sawNull = false;
      for (const e of v[0] as unknown[]) {
        if (e === null) sawNull = true;
        else if (eq(e, v[1])) return true;
      }
      return sawNull ? null : false;
    };
  },
});

const elementAt = scalar({
  name: "element_at",
  minArgs: 2,
  resolve(args) {
    const t = args[0].dataType;
    if (t.kind === "array") return { dataType: t.elementType, coerceTo: [undefined, coerceArg("element_at", args, 1, "int")] };
    if (t.kind === "map") return { dataType: t.valueType, coerceTo: [undefined, sameOrCast(args[1], t.keyType)] };
    throw unexpectedInputType("element_at", 0, '("ARRAY" or "MAP")', t);
  },
  build(args) {
    if (args[0].dataType.kind === "map") return (v) => (v[0] as Map<unknown, unknown>).get(v[1]) ?? null;
    return (v) => {
      const a = v[0] as unknown[];
      const i = v[1] as number;
      if (i === 0) throw new WeirError("EXECUTION", "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1).");
      const j = i > 0 ? i - 1 : a.length + i;
      if (j < 0 || j >= a.length) {
        throw new WeirError("EXECUTION", `[INVALID_ARRAY_INDEX_IN_ELEMENT_AT] The index ${i} is out of bounds. The array has ${a.length} elements. Use \`try_element_at\` to tolerate accessing element at invalid index and return NULL instead.`);
      }
      return a[j] ?? null;
    };
  },
});

const tryElementAt = scalar({
  ...elementAt,
  name: "try_element_at",
  minArgs: 2,
  build(args) {
    const f = elementAt.build(args);
    return (v) => {
      try {
        return f(v);
      } catch (e) {
        if (e instanceof WeirError && e.code === "EXECUTION") return null;
        throw e;
      }
    };
  },
});

const sortArray = scalar({
  name: "sort_array",
  minArgs: 1,
  maxArgs: 2,
  resolve(args) {
    const t = arrayArg("sort_array", args);
    return { dataType: t, coerceTo: [undefined, args.length > 1 ? coerceArg("sort_array", args, 1, "boolean") : undefined] };
  },
  build(args) {
    const cmp = comparatorFor((args[0].dataType as ArrayType).elementType);
    return (v) => {
      const asc = v.length < 2 || v[1] !== false;
      // Nulls first ascending, last descending (Spark's sort_array).
      return (v[0] as unknown[]).slice().sort((a, b) => {
        const c = a === null ? (b === null ? 0 : -1) : b === null ? 1 : cmp(a, b);
        return asc ? c : -c;
      });
    };
  },
});

const arrayDistinct = scalar({
  name: "array_distinct",
  minArgs: 1,
  resolve(args) {
    return { dataType: arrayArg("array_distinct", args) };
  },
  build() {
    return (v) => {
      const seen = new Set<string>();
      return (v[0] as unknown[]).filter((e) => {
        const k = valueKey(e);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    };
  },
});

function arrayExtremum(name: string, sign: 1 | -1): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    resolve(args) {
      return { dataType: arrayArg(name, args).elementType };
    },
    build(args) {
      const cmp = comparatorFor((args[0].dataType as ArrayType).elementType);
      return (v) => {
        let best: unknown = null;
        for (const e of v[0] as unknown[]) if (e !== null && (best === null || sign * cmp(e, best) > 0)) best = e;
        return best;
      };
    },
  });
}

const arrayJoin = scalar({
  name: "array_join",
  minArgs: 2,
  maxArgs: 3,
  resolve(args) {
    arrayArg("array_join", args);
    return { dataType: StringType, coerceTo: [sameOrCast(args[0], arrayOf(StringType)), coerceArg("array_join", args, 1, "string"), args.length > 2 ? coerceArg("array_join", args, 2, "string") : undefined] };
  },
  build() {
    return (v) => {
      const parts: string[] = [];
      for (const e of v[0] as (string | null)[]) {
        if (e !== null) parts.push(e);
        else if (v.length > 2 && v[2] !== null) parts.push(v[2] as string);
      }
      return parts.join(v[1] as string);
    };
  },
});

function mapPart(name: string, keys: boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    resolve(args) {
      const t = args[0].dataType;
      if (t.kind !== "map") throw unexpectedInputType(name, 0, '"MAP"', t);
      return { dataType: keys ? arrayOf(t.keyType, false) : arrayOf(t.valueType, t.valueContainsNull) };
    },
    build() {
      return keys ? (v) => [...(v[0] as Map<unknown, unknown>).keys()] : (v) => [...(v[0] as Map<unknown, unknown>).values()];
    },
  });
}

const sequence = scalar({
  name: "sequence",
  minArgs: 2,
  maxArgs: 3,
  resolve(args) {
    const c = args.map((_, i) => coerceArg("sequence", args, i, "long"));
    const t = common("sequence", args);
    return { dataType: arrayOf(t.kind === "null" ? IntegerType : t, false), coerceTo: c.map((x, i) => x ?? sameOrCast(args[i], t)) };
  },
  build() {
    return (v) => {
      const [a, b] = v as number[];
      const step = v.length > 2 ? (v[2] as number) : a <= b ? 1 : -1;
      if (step === 0 || (b - a) / step < 0) throw new WeirError("EXECUTION", "[INVALID_PARAMETER_VALUE] sequence: illegal step for the given bounds.");
      if ((b - a) / step > 1_000_000) throw new WeirError("EXECUTION", "[COLLECTION_SIZE_LIMIT_EXCEEDED] sequence: too many elements (more than 1,000,000).");
      const out: number[] = [];
      for (let x = a; step > 0 ? x <= b : x >= b; x += step) out.push(x);
      return out;
    };
  },
});

const mapFromArrays = scalar({
  name: "map_from_arrays",
  minArgs: 2,
  resolve(args) {
    const k = arrayArg("map_from_arrays", args, 0);
    const v = arrayArg("map_from_arrays", args, 1);
    return { dataType: mapOf(k.elementType, v.elementType) };
  },
  build() {
    return (v) => {
      const ks = v[0] as unknown[];
      const vs = v[1] as unknown[];
      if (ks.length !== vs.length) throw new WeirError("EXECUTION", "[INVALID_PARAMETER_VALUE] map_from_arrays: the key and value arrays must have the same length.");
      return new Map(ks.map((k, i) => [k, vs[i]]));
    };
  },
});

/** Every collection function of this module. */
export const COLLECTION_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [array],
  [structFn],
  [namedStruct],
  [map],
  [size, "cardinality", "array_size"],
  [arrayContains],
  [elementAt],
  [tryElementAt],
  [sortArray],
  [arrayDistinct],
  [arrayExtremum("array_max", 1)],
  [arrayExtremum("array_min", -1)],
  [arrayJoin],
  [mapPart("map_keys", true)],
  [mapPart("map_values", false)],
  [sequence],
  [mapFromArrays],
];
