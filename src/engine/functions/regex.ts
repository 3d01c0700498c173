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

/** Characters that must stay escaped in a JavaScript RegExp with the `u` flag (its SyntaxCharacters and `/`). */
const JS_SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);

/** Java's `\s` (ASCII whitespace only, unlike JavaScript's, which also takes Unicode spaces). */
const JAVA_SPACE = "\\t\\n\\x0B\\f\\r ";
/** Java's `\h` (horizontal whitespace). */
const JAVA_HSPACE = " \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000";
/** Java's `\v` (vertical whitespace; JavaScript's `\v` is only U+000B). */
const JAVA_VSPACE = "\\n\\x0B\\f\\r\\x85\\u2028\\u2029";
/** Java's line terminators, which `.` does not match and `$` may precede (without MULTILINE/DOTALL/UNIX_LINES). */
const JAVA_LINE_END = "\\n\\r\\u0085\\u2028\\u2029";

/** Escapes text so that it matches literally in a JavaScript RegExp with the `u` flag. */
function escapeLiteral(text: string, inClass: boolean): string {
  let out = "";
  for (const ch of text) out += JS_SYNTAX.has(ch) || (inClass && ch === "-") ? "\\" + ch : ch;
  return out;
}

/** A Java `\p{Name}` class as JavaScript text (inside or outside a character class). */
function propertyClass(name: string, negated: boolean, inClass: boolean, pattern: string): string {
  const bare = name.replace(/^Is/, "");
  const posix = POSIX[bare];
  if (posix !== undefined) {
    if (!negated) return inClass ? posix : `[${posix}]`;
    if (!inClass) return `[^${posix}]`;
    // A negated set cannot be inlined into an enclosing class (JavaScript has \P{ASCII} only).
    if (bare === "ASCII") return "\\P{ASCII}";
    throw invalidPattern(pattern, `\\P{${name}} inside a character class is not supported`);
  }
  // Java's \p{L}, \p{Lu}, \p{IsAlphabetic} are JavaScript's; \p{IsLatin} is a script there.
  for (const candidate of [bare, `Script=${bare}`, name]) {
    const text = `\\${negated ? "P" : "p"}{${candidate}}`;
    try {
      new RegExp(text, "u");
      return text;
    } catch {
      // try the next spelling
    }
  }
  throw invalidPattern(pattern, `unknown character property ${JSON.stringify(name)}`);
}

function invalidPattern(pattern: string, why: string, cause?: unknown): WeirError {
  return new WeirError("EXECUTION", `[INVALID_PARAMETER_VALUE.PATTERN] The value of parameter(s) \`regexp\` is invalid: ${JSON.stringify(pattern)} (${why}).`, {
    ...(cause === undefined ? {} : { cause }),
    details: { pattern },
  });
}

/**
 * Translates a Java regex to a JavaScript RegExp. The result always has the `u` flag, so that `.`,
 * `[^x]` and friends take a supplementary character (an emoji) as one character, as Java does on
 * Strings; the translation keeps the pattern valid under `u` (which refuses escapes such as `\-`
 * or `\:` and lone `]`/`}` that Java reads as literals) and gives Java's meaning to what the two
 * dialects spell alike but read differently: `.` and `$` (Java's line terminators include U+0085),
 * `\s` (ASCII only in Java), `\v` and `\h`. Also handled: leading embedded flags such as `(?i)`,
 * `\A \z \Z`, `\Q...\E`, POSIX `\p{...}` classes, `\x{...}`, `\e \a`, octal `\0nn`,
 * possessive quantifiers and atomic groups (both approximated by their greedy forms).
 */
export function javaRegex(pattern: string, extraFlags = ""): RegExp {
  let flags = extraFlags.replace(/u/g, "");
  let src = pattern;
  // Leading embedded flags such as (?i) or (?is).
  const lead = /^\(\?([imsux]+)\)/.exec(src);
  if (lead !== null) {
    for (const f of lead[1]) if ("ims".includes(f) && !flags.includes(f)) flags += f;
    src = src.slice(lead[0].length);
  }
  const dotAll = flags.includes("s");
  const multiline = flags.includes("m");
  let out = "";
  let inClass = false;
  // Whether the previous output was a quantifier, so that a following `+` makes it possessive.
  let afterQuantifier = false;
  // Whether the previous class member was a class escape (\d, \w...), after which `-` is a literal.
  let afterClassEscape = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    const wasQuantifier = afterQuantifier;
    const wasClassEscape = afterClassEscape;
    afterQuantifier = false;
    afterClassEscape = false;
    if (c === "\\") {
      if (i + 1 >= src.length) throw invalidPattern(pattern, "a trailing backslash");
      const n = src[i + 1];
      i++;
      switch (n) {
        case "p":
        case "P": {
          let name: string;
          if (src[i + 1] === "{") {
            const end = src.indexOf("}", i);
            if (end < 0) throw invalidPattern(pattern, "an unclosed character property");
            name = src.slice(i + 2, end);
            i = end;
          } else {
            name = src[i + 1] ?? "";
            i++;
          }
          out += propertyClass(name, n === "P", inClass, pattern);
          afterClassEscape = inClass;
          continue;
        }
        case "A":
          out += inClass ? "A" : "^";
          continue;
        case "z":
          out += inClass ? "z" : "$(?![\\s\\S])";
          continue;
        case "Z":
          out += inClass ? "Z" : `(?=(?:\\r\\n|[${JAVA_LINE_END}])?$(?![\\s\\S]))`;
          continue;
        case "Q": {
          const end = src.indexOf("\\E", i + 1);
          out += escapeLiteral(src.slice(i + 1, end < 0 ? src.length : end), inClass);
          i = end < 0 ? src.length : end + 1;
          continue;
        }
        case "s":
        case "S":
        case "h":
        case "H":
        case "v":
        case "V": {
          const set = n === "s" || n === "S" ? JAVA_SPACE : n === "h" || n === "H" ? JAVA_HSPACE : JAVA_VSPACE;
          const negated = n === n.toUpperCase();
          if (!inClass) out += `[${negated ? "^" : ""}${set}]`;
          else if (!negated) out += set;
          // A negated set cannot be inlined into an enclosing class. JavaScript's \S differs from
          // Java's only on non-ASCII spaces (U+00A0...), which it does not take; \H and \V have no near form.
          else if (n === "S") out += "\\S";
          else throw invalidPattern(pattern, `\\${n} inside a character class is not supported`);
          afterClassEscape = inClass;
          continue;
        }
        case "R":
          if (inClass) throw invalidPattern(pattern, "\\R inside a character class");
          out += `(?:\\r\\n|[${JAVA_VSPACE}])`;
          continue;
        case "a":
          out += "\\x07";
          continue;
        case "e":
          out += "\\x1B";
          continue;
        case "x":
          if (src[i + 1] === "{") {
            const end = src.indexOf("}", i);
            if (end < 0) throw invalidPattern(pattern, "an unclosed \\x{...}");
            out += `\\u{${src.slice(i + 2, end)}}`;
            i = end;
          } else out += "\\x";
          continue;
        case "0": {
          // Java's octal escape: \0n, \0nn, \0mnn (m <= 3).
          const m = /^[0-3]?[0-7]{1,2}/.exec(src.slice(i + 1));
          if (m === null) throw invalidPattern(pattern, "an illegal octal escape");
          out += `\\u{${parseInt(m[0], 8).toString(16)}}`;
          i += m[0].length;
          continue;
        }
        case "d":
        case "D":
        case "w":
        case "W":
          out += "\\" + n;
          afterClassEscape = inClass;
          continue;
        default:
          if (/[0-9A-Za-z]/.test(n)) {
            // \t \n \r \f \b \B \cX \uhhhh \k<name> and back-references mean the same in both dialects.
            out += "\\" + n;
          } else if (JS_SYNTAX.has(n) || (inClass && n === "-")) {
            out += "\\" + n;
          } else {
            // Java lets any other non-letter be escaped; JavaScript's `u` mode does not.
            out += n;
          }
          continue;
      }
    }
    if (inClass) {
      if (c === "]") inClass = false;
      else if (c === "-" && (wasClassEscape || (src[i + 1] !== "]" && /^\\[dDwWsShHvVpP]/.test(src.slice(i + 1))))) {
        // `[\w-x]` or `[a-\d]`: Java reads the dash as a literal; JavaScript's `u` mode refuses the range.
        out += "\\-";
        continue;
      } else if (c === "[") {
        out += "\\[";
        continue;
      }
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
    if (c === "{") {
      const q = /^\{\d+(,\d*)?\}/.exec(src.slice(i));
      if (q === null) throw invalidPattern(pattern, `an illegal repetition near index ${i}`);
      out += q[0];
      i += q[0].length - 1;
      afterQuantifier = true;
      continue;
    }
    if (c === "]" || c === "}") {
      out += "\\" + c;
      continue;
    }
    // Possessive quantifiers (a*+, a++, a?+) behave like greedy ones for matching purposes here.
    if (c === "+" && wasQuantifier) continue;
    if (c === "*" || c === "+" || c === "?") afterQuantifier = true;
    if (c === "(" && src.startsWith("(?>", i)) {
      out += "(?:";
      i += 2;
      continue;
    }
    if (c === "." && !dotAll) {
      out += `[^${JAVA_LINE_END}]`;
      continue;
    }
    if (c === "$" && !multiline) {
      // Java's `$` also matches before a line terminator that ends the input.
      out += `(?=(?:\\r\\n|[${JAVA_LINE_END}])?$(?![\\s\\S]))`;
      continue;
    }
    out += c;
  }
  try {
    return new RegExp(out, flags + "u");
  } catch (e) {
    throw invalidPattern(pattern, (e as Error).message, e);
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
  // `u`: `_` is one character, and a supplementary character (an emoji) is one, as in Spark.
  return new RegExp(re + "$", ignoreCase ? "iu" : "u");
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
  // One plain character (" ", ","): without a limit, String#split gives Java's result (leading and
  // trailing empty strings kept) without a regular-expression loop.
  if (limit <= 0 && re.source.length === 1 && !re.ignoreCase && !"\\^$.|?*+()[]{}".includes(re.source) && !/[\uD800-\uDFFF]/.test(re.source)) return s.split(re.source);
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
      // Step over a whole code point, never into the middle of a surrogate pair.
      re.lastIndex += (s.codePointAt(start) ?? 0) > 0xffff ? 2 : 1;
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
