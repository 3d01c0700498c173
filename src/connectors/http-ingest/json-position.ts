/**
 * Where a JSON text goes wrong. `JSON.parse` says that a text is invalid, but Node 20's messages
 * do not always say where; this scanner walks the RFC 8259 grammar and returns the offset of the
 * first byte that cannot continue a valid text, with what was expected there. It runs only after
 * `JSON.parse` has failed, keeps an explicit stack (deep nesting cannot overflow the call stack)
 * and builds no values.
 */

/** A syntax error found by {@link findJsonError}: a UTF-16 offset into the text and a reason. */
export interface JsonSyntaxError {
  readonly offset: number;
  readonly reason: string;
}

/** A 1-based line and column of a text offset. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

const enum Expect {
  Value,
  ValueOrArrayEnd,
  KeyOrObjectEnd,
  Key,
  Colon,
  CommaOrEnd,
  End,
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERALS = ["true", "false", "null"] as const;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function shown(text: string, i: number): string {
  const cp = text.codePointAt(i);
  return cp === undefined ? "end of input" : JSON.stringify(String.fromCodePoint(cp));
}

/** Scans a string starting at the quote at `i`; returns the offset after it, or an error. */
function scanString(text: string, i: number): number | JsonSyntaxError {
  let j = i + 1;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return { offset: j, reason: "a control character must be escaped inside a string" };
    if (c === 0x5c) {
      const e = text[j + 1];
      if (e === "u") {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) return { offset: j, reason: "\\u must be followed by 4 hex digits" };
        j += 6;
        continue;
      }
      if (e === undefined || !'"\\/bfnrt'.includes(e)) return { offset: j, reason: `invalid escape ${e === undefined ? "at end of input" : JSON.stringify("\\" + e)}` };
      j += 2;
      continue;
    }
    j++;
  }
  return { offset: i, reason: "unterminated string" };
}

/**
 * The first syntax error of `text`, or null when it is valid JSON (one value, surrounded by
 * whitespace only).
 */
export function findJsonError(text: string): JsonSyntaxError | null {
  const stack: ("object" | "array")[] = [];
  let expect = Expect.Value;
  const afterValue = (): Expect => (stack.length === 0 ? Expect.End : Expect.CommaOrEnd);
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const ch = text[i];
    switch (expect) {
      case Expect.End:
        return { offset: i, reason: `unexpected ${shown(text, i)} after the end of the JSON value` };
      case Expect.Colon:
        if (ch !== ":") return { offset: i, reason: `expected ':' after a property name, found ${shown(text, i)}` };
        expect = Expect.Value;
        i++;
        continue;
      case Expect.CommaOrEnd: {
        const top = stack[stack.length - 1];
        const close = top === "object" ? "}" : "]";
        if (ch === ",") {
          expect = top === "object" ? Expect.Key : Expect.Value;
        } else if (ch === close) {
          stack.pop();
          expect = afterValue();
        } else {
          return { offset: i, reason: `expected ',' or '${close}', found ${shown(text, i)}` };
        }
        i++;
        continue;
      }
      case Expect.KeyOrObjectEnd:
      case Expect.Key: {
        if (ch === "}" && expect === Expect.KeyOrObjectEnd) {
          stack.pop();
          expect = afterValue();
          i++;
          continue;
        }
        if (ch !== '"') return { offset: i, reason: `expected a property name in double quotes${expect === Expect.KeyOrObjectEnd ? " or '}'" : ""}, found ${shown(text, i)}` };
        const end = scanString(text, i);
        if (typeof end !== "number") return end;
        i = end;
        expect = Expect.Colon;
        continue;
      }
      case Expect.Value:
      case Expect.ValueOrArrayEnd: {
        if (ch === "]" && expect === Expect.ValueOrArrayEnd) {
          stack.pop();
          expect = afterValue();
          i++;
          continue;
        }
        if (ch === "{" || ch === "[") {
          stack.push(ch === "{" ? "object" : "array");
          expect = ch === "{" ? Expect.KeyOrObjectEnd : Expect.ValueOrArrayEnd;
          i++;
          continue;
        }
        if (ch === '"') {
          const end = scanString(text, i);
          if (typeof end !== "number") return end;
          i = end;
        } else if (ch === "-" || (c >= 0x30 && c <= 0x39)) {
          NUMBER.lastIndex = i;
          const m = NUMBER.exec(text);
          if (m === null) return { offset: i + 1, reason: "a '-' must be followed by a digit" };
          i += m[0].length;
        } else {
          const lit = LITERALS.find((l) => text.startsWith(l, i));
          if (lit === undefined) return { offset: i, reason: `expected a JSON value, found ${shown(text, i)}` };
          i += lit.length;
        }
        expect = afterValue();
        continue;
      }
    }
  }
  if (expect === Expect.End) return null;
  return { offset: text.length, reason: text.trim() === "" ? "no JSON value" : "unexpected end of input" };
}

/** The 1-based line and column of `offset` in `text` (lines end at "\n"). */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
