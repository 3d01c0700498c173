/**
 * String functions with Spark's semantics: lengths and positions count characters (code points),
 * positions are 1-based, trim removes spaces only, concat is null when any argument is.
 */
import type { ScalarFunction } from "../expr/ast.js";
import type { DataType } from "../types.js";
import { BooleanType, IntegerType, StringType } from "../types.js";
import { commonType } from "./coercion.js";
import { coerceAll, coerceArg, scalar } from "./define.js";
import { unexpectedInputType } from "./errors.js";

/** Number of code points of a string (surrogate pairs count once). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function hasSurrogates(s: string): boolean {
  return /[\ud800-\udfff]/.test(s);
}

/** Code-point substring [start, end) (0-based code point indexes). */
function cpSlice(s: string, start: number, end: number): string {
  if (!hasSurrogates(s)) return s.slice(start, end);
  return Array.from(s).slice(start, end).join("");
}

/** Spark's substring(str, pos, len): 1-based, 0 counts as 1, negative counts from the end. */
export function substringSQL(s: string, pos: number, len: number): string {
  const n = hasSurrogates(s) ? codePointLength(s) : s.length;
  let start = pos > 0 ? pos - 1 : pos < 0 ? n + pos : 0;
  const end = len === Infinity ? Infinity : start + len;
  start = Math.max(start, 0);
  if (start >= end) return "";
  return cpSlice(s, start, Math.min(end, n));
}

function strFn(name: string, arity: number, out: DataType, f: (...a: string[]) => unknown, maxArgs = arity): ScalarFunction {
  return scalar({
    name,
    minArgs: arity,
    maxArgs,
    resolve(args) {
      return { dataType: out, coerceTo: coerceAll(name, args, ["string"]) };
    },
    build() {
      return (v) => f(...(v as string[]));
    },
  });
}

/** Spark's trim family: without trim characters only spaces (U+0020) are removed. */
function trimmer(name: string, left: boolean, right: boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    maxArgs: 2,
    resolve(args) {
      return { dataType: StringType, coerceTo: coerceAll(name, args, ["string"]) };
    },
    build() {
      return (v) => {
        const s = v[0] as string;
        const chars = v.length > 1 ? new Set(Array.from(v[1] as string)) : null;
        const cps = chars === null ? null : Array.from(s);
        if (cps === null) {
          let a = 0;
          let b = s.length;
          if (left) while (a < b && s.charCodeAt(a) === 32) a++;
          if (right) while (b > a && s.charCodeAt(b - 1) === 32) b--;
          return s.slice(a, b);
        }
        let a = 0;
        let b = cps.length;
        if (left) while (a < b && chars!.has(cps[a])) a++;
        if (right) while (b > a && chars!.has(cps[b - 1])) b--;
        return cps.slice(a, b).join("");
      };
    },
  });
}

const concat = scalar({
  name: "concat",
  minArgs: 0,
  maxArgs: Infinity,
  resolve(args) {
    if (args.length > 0 && args.every((a) => a.dataType.kind === "array" || a.dataType.kind === "null")) {
      const t = commonType(args.map((a) => a.dataType));
      if (t === null) throw unexpectedInputType("concat", 0, '"ARRAY"', args[0].dataType);
      return { dataType: t, coerceTo: args.map((a) => (a.dataType.kind === "null" ? t : undefined)) };
    }
    if (args.length > 0 && args.every((a) => a.dataType.kind === "binary")) return { dataType: args[0].dataType };
    return { dataType: StringType, coerceTo: coerceAll("concat", args, ["string"]) };
  },
  build(args) {
    if (args.length > 0 && args.every((a) => a.dataType.kind === "array")) return (v) => (v as unknown[][]).flat(1);
    if (args.length > 0 && args.every((a) => a.dataType.kind === "binary")) return (v) => Buffer.concat(v as Buffer[]);
    return (v) => (v as string[]).join("");
  },
});

const concatWs = scalar({
  name: "concat_ws",
  minArgs: 1,
  maxArgs: Infinity,
  nullIntolerant: false,
  resolve(args) {
    const coerceTo = args.map((a, i) => {
      if (i > 0 && a.dataType.kind === "array") {
        if (a.dataType.elementType.kind !== "string") throw unexpectedInputType("concat_ws", i, '"ARRAY<STRING>" or "STRING"', a.dataType);
        return undefined;
      }
      return coerceArg("concat_ws", args, i, "string");
    });
    return { dataType: StringType, nullable: args[0].nullable, coerceTo };
  },
  build() {
    return (v) => {
      if (v[0] === null) return null;
      const parts: string[] = [];
      for (let i = 1; i < v.length; i++) {
        const x = v[i];
        if (x === null) continue;
        if (Array.isArray(x)) {
          for (const e of x) if (e !== null) parts.push(e as string);
        } else parts.push(x as string);
      }
      return parts.join(v[0] as string);
    };
  },
});

const length = scalar({
  name: "length",
  minArgs: 1,
  resolve(args) {
    return { dataType: IntegerType, coerceTo: [coerceArg("length", args, 0, "string_or_binary")] };
  },
  build(args) {
    if (args[0].dataType.kind === "binary") return (v) => (v[0] as Buffer).length;
    return (v) => codePointLength(v[0] as string);
  },
});

const substring = scalar({
  name: "substring",
  minArgs: 2,
  maxArgs: 3,
  resolve(args) {
    const c0 = coerceArg("substring", args, 0, "string_or_binary");
    return { dataType: c0 ?? args[0].dataType, coerceTo: [c0, coerceArg("substring", args, 1, "int"), args.length > 2 ? coerceArg("substring", args, 2, "int") : undefined] };
  },
  build(args) {
    if (args[0].dataType.kind === "binary") {
      return (v) => {
        const b = v[0] as Buffer;
        const pos = v[1] as number;
        const len = v.length > 2 ? (v[2] as number) : Infinity;
        let start = pos > 0 ? pos - 1 : pos < 0 ? b.length + pos : 0;
        const end = start + len;
        start = Math.max(start, 0);
        return start >= end ? Buffer.alloc(0) : b.subarray(start, Math.min(end, b.length));
      };
    }
    return (v) => substringSQL(v[0] as string, v[1] as number, v.length > 2 ? (v[2] as number) : Infinity);
  },
});

const left = scalar({
  name: "left",
  minArgs: 2,
  resolve(args) {
    return { dataType: StringType, coerceTo: [coerceArg("left", args, 0, "string"), coerceArg("left", args, 1, "int")] };
  },
  build() {
    return (v) => ((v[1] as number) <= 0 ? "" : substringSQL(v[0] as string, 1, v[1] as number));
  },
});

const right = scalar({
  name: "right",
  minArgs: 2,
  resolve(args) {
    return { dataType: StringType, coerceTo: [coerceArg("right", args, 0, "string"), coerceArg("right", args, 1, "int")] };
  },
  build() {
    return (v) => ((v[1] as number) <= 0 ? "" : substringSQL(v[0] as string, -(v[1] as number), Infinity));
  },
});

/** 1-based code point position of `sub` in `s` from code point `from` (0-based), 0 when absent. */
function cpIndexOf(s: string, sub: string, from: number): number {
  if (!hasSurrogates(s)) return s.indexOf(sub, from) + 1;
  const prefix = cpSlice(s, 0, from);
  const i = s.indexOf(sub, prefix.length);
  return i < 0 ? 0 : codePointLength(s.slice(0, i)) + 1;
}

const locate = scalar({
  name: "locate",
  minArgs: 2,
  maxArgs: 3,
  resolve(args) {
    return { dataType: IntegerType, coerceTo: [coerceArg("locate", args, 0, "string"), coerceArg("locate", args, 1, "string"), args.length > 2 ? coerceArg("locate", args, 2, "int") : undefined] };
  },
  build() {
    return (v) => {
      const start = v.length > 2 ? (v[2] as number) : 1;
      if (start < 1) return 0;
      return cpIndexOf(v[1] as string, v[0] as string, start - 1);
    };
  },
});

function pad(name: string, leftSide: boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 2,
    maxArgs: 3,
    resolve(args) {
      return { dataType: StringType, coerceTo: [coerceArg(name, args, 0, "string"), coerceArg(name, args, 1, "int"), args.length > 2 ? coerceArg(name, args, 2, "string") : undefined] };
    },
    build() {
      return (v) => {
        const s = Array.from(v[0] as string);
        const len = v[1] as number;
        const p = Array.from(v.length > 2 ? (v[2] as string) : " ");
        if (len <= 0) return "";
        if (s.length >= len) return s.slice(0, len).join("");
        if (p.length === 0) return s.join("");
        const fill: string[] = [];
        for (let i = 0; fill.length < len - s.length; i++) fill.push(p[i % p.length]);
        return leftSide ? fill.join("") + s.join("") : s.join("") + fill.join("");
      };
    },
  });
}

const repeat = scalar({
  name: "repeat",
  minArgs: 2,
  resolve(args) {
    return { dataType: StringType, coerceTo: [coerceArg("repeat", args, 0, "string"), coerceArg("repeat", args, 1, "int")] };
  },
  build() {
    return (v) => ((v[1] as number) <= 0 ? "" : (v[0] as string).repeat(v[1] as number));
  },
});

const reverse = scalar({
  name: "reverse",
  minArgs: 1,
  resolve(args) {
    if (args[0].dataType.kind === "array") return { dataType: args[0].dataType };
    return { dataType: StringType, coerceTo: [coerceArg("reverse", args, 0, "string")] };
  },
  build(args) {
    if (args[0].dataType.kind === "array") return (v) => (v[0] as unknown[]).slice().reverse();
    return (v) => Array.from(v[0] as string).reverse().join("");
  },
});

/** Spark's initcap: lower-cases, then upper-cases the first letter of each space-separated word. */
function initcap(s: string): string {
  const lower = s.toLowerCase();
  let out = "";
  let start = true;
  for (const ch of lower) {
    out += start ? ch.toUpperCase() : ch;
    start = ch === " ";
  }
  return out;
}

function translate(s: string, from: string, to: string): string {
  const map = new Map<string, string>();
  const f = Array.from(from);
  const t = Array.from(to);
  for (let i = 0; i < f.length; i++) if (!map.has(f[i])) map.set(f[i], i < t.length ? t[i] : "");
  let out = "";
  for (const ch of s) {
    const r = map.get(ch);
    out += r === undefined ? ch : r;
  }
  return out;
}

function predicate(name: string, f: (a: string, b: string) => boolean, fb: (a: Buffer, b: Buffer) => boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 2,
    resolve(args) {
      if (args.every((a) => a.dataType.kind === "binary")) return { dataType: BooleanType };
      return { dataType: BooleanType, coerceTo: coerceAll(name, args, ["string"]) };
    },
    build(args) {
      if (args.every((a) => a.dataType.kind === "binary")) return (v) => fb(v[0] as Buffer, v[1] as Buffer);
      return (v) => f(v[0] as string, v[1] as string);
    },
  });
}

const ascii = strFn("ascii", 1, IntegerType, (s) => (s.length === 0 ? 0 : s.codePointAt(0)!));
const chr = scalar({
  name: "chr",
  minArgs: 1,
  resolve(args) {
    return { dataType: StringType, coerceTo: coerceAll("chr", args, ["long"]) };
  },
  build() {
    return (v) => {
      const n = v[0] as number;
      return n < 0 ? "" : String.fromCharCode(n % 256);
    };
  },
});

/** Every string function of this module. */
export const STRING_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [concat],
  [concatWs],
  [strFn("lower", 1, StringType, (s) => s.toLowerCase()), "lcase"],
  [strFn("upper", 1, StringType, (s) => s.toUpperCase()), "ucase"],
  [trimmer("trim", true, true), "btrim"],
  [trimmer("ltrim", true, false)],
  [trimmer("rtrim", false, true)],
  [length, "char_length", "character_length", "len"],
  [strFn("octet_length", 1, IntegerType, (s) => Buffer.byteLength(s, "utf8"))],
  [substring, "substr"],
  [left],
  [right],
  [strFn("instr", 2, IntegerType, (s, sub) => cpIndexOf(s, sub, 0))],
  [locate, "position"],
  [pad("lpad", true)],
  [pad("rpad", false)],
  [repeat],
  [reverse],
  [strFn("initcap", 1, StringType, initcap)],
  [strFn("replace", 2, StringType, (s, a, b) => (a === "" ? s : s.split(a).join(b ?? "")), 3)],
  [strFn("translate", 3, StringType, translate)],
  [predicate("startswith", (a, b) => a.startsWith(b), (a, b) => a.subarray(0, b.length).equals(b))],
  [predicate("endswith", (a, b) => a.endsWith(b), (a, b) => b.length <= a.length && a.subarray(a.length - b.length).equals(b))],
  [predicate("contains", (a, b) => a.includes(b), (a, b) => a.includes(b))],
  [ascii],
  [chr, "char"],
];
