/**
 * LIKE and Java-regex functions (rlike, regexp_extract, regexp_replace, split). Spark uses
 * java.util.regex; patterns are translated to JavaScript RegExp for the common subset (embedded
 * flags, \A \z \Z, POSIX \p{...} classes, possessive quantifiers, atomic groups approximated).
 * Constant patterns are compiled once when the function is built.
 */
import type { ArgInfo, ScalarFunction } from "../expr/ast.js";
import { BooleanType, IntegerType, StringType, arrayOf } from "../types.js";
import { WeirError } from "../../util/errors.js";
import { coerceArg, foldedString, memo1, scalar } from "./define.js";

const POSIX: Record<string, string> = {
  Lower: "a-z",
  Upper: "A-Z",
  ASCII: "\\x00-\\x7F",
  Alpha: "a-zA-Z",
  Digit: "0-9",
  Alnum: "a-zA-Z0-9",
  Punct: "!-\\/:-@\\[-`{-~",
  Graph: "!-~",
  Print: " -~",
  Blank: " \\t",
  Cntrl: "\\x00-\\x1F\\x7F",
  XDigit: "0-9a-fA-F",
  Space: " \\t\\n\\x0B\\f\\r",
  javaLowerCase: "a-z",
  javaUpperCase: "A-Z",
  javaWhitespace: " \\t\\n\\x0B\\f\\r",
};

/** Translates a Java regex to a JavaScript RegExp (flags `s`-less, like Java's default). */
export function javaRegex(pattern: string, extraFlags = ""): RegExp {
  let flags = extraFlags;
  let src = pattern;
  // Leading embedded flags such as (?i) or (?is).
  const lead = /^\(\?([imsux]+)\)/.exec(src);
  if (lead !== null) {
    for (const f of lead[1]) if ("ims".includes(f) && !flags.includes(f)) flags += f;
    src = src.slice(lead[0].length);
  }
  let out = "";
  let inClass = false;
  let unicode = false;
  // Whether the previous output was a quantifier, so that a following `+` makes it possessive.
  let afterQuantifier = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    const wasQuantifier = afterQuantifier;
    afterQuantifier = false;
    if (c === "\\" && i + 1 < src.length) {
      const n = src[i + 1];
      if ((n === "p" || n === "P") && src[i + 2] === "{") {
        const end = src.indexOf("}", i);
        const name = src.slice(i + 3, end).replace(/^Is/, "");
        const cls = POSIX[name];
        if (cls !== undefined) {
          const neg = n === "P";
          out += inClass ? (neg ? `\\P{ASCII}` : cls) : `[${neg ? "^" : ""}${cls}]`;
          if (inClass && neg) unicode = true;
        } else {
          out += src.slice(i, end + 1);
          unicode = true;
        }
        i = end;
        continue;
      }
      if (!inClass && n === "A") out += "^";
      else if (!inClass && n === "z") out += "$(?![\\s\\S])";
      else if (!inClass && n === "Z") out += "(?=\\n?$(?![\\s\\S]))";
      else if (n === "Q") {
        const end = src.indexOf("\\E", i + 2);
        const lit = src.slice(i + 2, end < 0 ? src.length : end);
        out += lit.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
        i = end < 0 ? src.length : end + 1;
        continue;
      } else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (src[i + 1] === "^") {
        out += "^";
        i++;
      }
      if (src[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    // Possessive quantifiers (a*+, a++, a?+) behave like greedy ones for matching purposes here.
    if (c === "+" && wasQuantifier) continue;
    if (c === "*" || c === "+" || c === "?" || c === "}") afterQuantifier = true;
    if (c === "(" && src.startsWith("(?>", i)) {
      out += "(?:";
      i += 2;
      continue;
    }
    out += c;
  }
  if (unicode && !flags.includes("u")) flags += "u";
  try {
    return new RegExp(out, flags);
  } catch (e) {
    throw new WeirError("EXECUTION", `[INVALID_PARAMETER_VALUE.PATTERN] The value of parameter(s) \`regexp\` is invalid: ${JSON.stringify(pattern)} (${(e as Error).message}).`, {
      cause: e,
      details: { pattern },
    });
  }
}

/** Translates a SQL LIKE pattern (with escape character) to an anchored RegExp. */
export function likeRegex(pattern: string, escape = "\\", ignoreCase = false): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === escape) {
      const n = pattern[i + 1];
      if (n === undefined || (n !== "_" && n !== "%" && n !== escape)) {
        throw new WeirError("EXECUTION", `[INVALID_FORMAT.ESC_IN_THE_MIDDLE] the escape character is not allowed to precede '${n ?? ""}' in the LIKE pattern ${JSON.stringify(pattern)}.`);
      }
      re += n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      i++;
    } else if (c === "%") re += "[\\s\\S]*";
    else if (c === "_") re += "[\\s\\S]";
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(re + "$", ignoreCase ? "i" : "");
}

/** Builds an evaluator using a regex compiled once when the pattern argument is constant, else cached per pattern. */
function withPattern<T>(args: readonly ArgInfo[], i: number, compile: (p: string) => T, use: (re: T, v: unknown[]) => unknown): (v: unknown[]) => unknown {
  const folded = foldedString(args, i);
  if (typeof folded === "string") {
    const re = compile(folded);
    return (v) => use(re, v);
  }
  const get = memo1(compile);
  return (v) => use(get(v[i] as string), v);
}

function like(name: string, ignoreCase: boolean): ScalarFunction {
  return scalar({
    name,
    minArgs: 2,
    maxArgs: 3,
    resolve(args) {
      return { dataType: BooleanType, coerceTo: [coerceArg(name, args, 0, "string"), coerceArg(name, args, 1, "string"), args.length > 2 ? coerceArg(name, args, 2, "string") : undefined] };
    },
    build(args) {
      const esc = args.length > 2 ? (foldedString(args, 2) ?? "\\") : "\\";
      return withPattern(args, 1, (p) => likeRegex(p, esc, ignoreCase), (re, v) => re.test(v[0] as string));
    },
  });
}

const rlike = scalar({
  name: "rlike",
  minArgs: 2,
  resolve(args) {
    return { dataType: BooleanType, coerceTo: [coerceArg("rlike", args, 0, "string"), coerceArg("rlike", args, 1, "string")] };
  },
  build(args) {
    return withPattern(args, 1, (p) => javaRegex(p), (re, v) => re.test(v[0] as string));
  },
});

function groupCount(re: RegExp): number {
  return new RegExp(`${re.source}|`, re.flags).exec("")!.length - 1;
}

function checkGroup(re: RegExp, idx: number, fn: string): void {
  const n = groupCount(re);
  if (idx < 0 || idx > n) {
    throw new WeirError("EXECUTION", `[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX] The value of parameter(s) \`idx\` in \`${fn}\` is invalid: Expects group index between 0 and ${n}, but got ${idx}.`);
  }
}

const regexpExtract = scalar({
  name: "regexp_extract",
  minArgs: 2,
  maxArgs: 3,
  resolve(args) {
    return { dataType: StringType, coerceTo: [coerceArg("regexp_extract", args, 0, "string"), coerceArg("regexp_extract", args, 1, "string"), args.length > 2 ? coerceArg("regexp_extract", args, 2, "int") : undefined] };
  },
  build(args) {
    return withPattern(args, 1, (p) => javaRegex(p), (re, v) => {
      const idx = v.length > 2 ? (v[2] as number) : 1;
      checkGroup(re, idx, "regexp_extract");
      const m = re.exec(v[0] as string);
      return m === null ? "" : (m[idx] ?? "");
    });
  },
});

const regexpExtractAll = scalar({
  name: "regexp_extract_all",
  minArgs: 2,
  maxArgs: 3,
  resolve(args) {
    return { dataType: arrayOf(StringType, false), coerceTo: [coerceArg("regexp_extract_all", args, 0, "string"), coerceArg("regexp_extract_all", args, 1, "string"), args.length > 2 ? coerceArg("regexp_extract_all", args, 2, "int") : undefined] };
  },
  build(args) {
    return withPattern(args, 1, (p) => javaRegex(p, "g"), (re, v) => {
      const idx = v.length > 2 ? (v[2] as number) : 1;
      checkGroup(re, idx, "regexp_extract_all");
      return Array.from((v[0] as string).matchAll(re), (m) => m[idx] ?? "");
    });
  },
});

/** Translates a Java replacement string ($1, ${name}, \$ escapes) to JavaScript's syntax. */
export function javaReplacement(rep: string): string {
  let out = "";
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i];
    if (c === "\\" && i + 1 < rep.length) {
      out += rep[i + 1] === "$" ? "$$" : rep[i + 1];
      i++;
    } else if (c === "$" && rep[i + 1] === "{") {
      const end = rep.indexOf("}", i);
      out += `$<${rep.slice(i + 2, end)}>`;
      i = end;
    } else if (c === "$" && /\d/.test(rep[i + 1] ?? "")) {
      out += "$" + rep[i + 1];
      i++;
    } else if (c === "$") {
      throw new WeirError("EXECUTION", `Illegal group reference in the replacement string ${JSON.stringify(rep)} of regexp_replace.`);
    } else out += c;
  }
  return out;
}

const regexpReplace = scalar({
  name: "regexp_replace",
  minArgs: 3,
  maxArgs: 4,
  resolve(args) {
    return {
      dataType: StringType,
      coerceTo: [0, 1, 2].map((i) => coerceArg("regexp_replace", args, i, "string")).concat(args.length > 3 ? [coerceArg("regexp_replace", args, 3, "int")] : []),
    };
  },
  build(args) {
    const repFolded = foldedString(args, 2);
    const repConst = typeof repFolded === "string" ? javaReplacement(repFolded) : undefined;
    return withPattern(args, 1, (p) => javaRegex(p, "g"), (re, v) => {
      const s = v[0] as string;
      const rep = repConst ?? javaReplacement(v[2] as string);
      const pos = v.length > 3 ? (v[3] as number) : 1;
      if (pos <= 1) return s.replace(re, rep);
      return s.slice(0, pos - 1) + s.slice(pos - 1).replace(re, rep);
    });
  },
});

/** Java's String.split(regex, limit) with Spark's limit handling (limit <= 0: no limit, trailing empty strings kept). */
export function javaSplit(s: string, re: RegExp, limit: number): string[] {
  if (re.source === "(?:)") {
    const chars = Array.from(s);
    if (limit > 0 && chars.length > limit) return [...chars.slice(0, limit - 1), chars.slice(limit - 1).join("")];
    return chars.length === 0 ? [""] : chars;
  }
  const out: string[] = [];
  let index = 0;
  re.lastIndex = 0;
  for (;;) {
    if (limit > 0 && out.length >= limit - 1) break;
    const m = re.exec(s);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    if (m[0].length === 0) {
      re.lastIndex++;
      if (start >= s.length) break;
      if (start === 0) continue;
    }
    out.push(s.slice(index, start));
    index = end;
  }
  out.push(s.slice(index));
  return out;
}

const split = scalar({
  name: "split",
  minArgs: 2,
  maxArgs: 3,
  resolve(args) {
    return { dataType: arrayOf(StringType, false), coerceTo: [coerceArg("split", args, 0, "string"), coerceArg("split", args, 1, "string"), args.length > 2 ? coerceArg("split", args, 2, "int") : undefined] };
  },
  build(args) {
    return withPattern(args, 1, (p) => javaRegex(p, "g"), (re, v) => javaSplit(v[0] as string, re, v.length > 2 ? (v[2] as number) : -1));
  },
});

const regexpCount = scalar({
  name: "regexp_count",
  minArgs: 2,
  resolve(args) {
    return { dataType: IntegerType, coerceTo: [coerceArg("regexp_count", args, 0, "string"), coerceArg("regexp_count", args, 1, "string")] };
  },
  build(args) {
    return withPattern(args, 1, (p) => javaRegex(p, "g"), (re, v) => Array.from((v[0] as string).matchAll(re)).length);
  },
});

/** Every LIKE/regex function of this module. */
export const REGEX_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [like("like", false)],
  [like("ilike", true)],
  [rlike, "regexp", "regexp_like"],
  [regexpExtract],
  [regexpExtractAll],
  [regexpReplace],
  [split],
  [regexpCount],
];
