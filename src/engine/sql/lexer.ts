/**
 * Tokens of Spark SQL expressions: identifiers (bare or back-quoted), numbers with Spark's
 * suffixes (L, S, Y, D, F, BD), strings in single or double quotes with backslash escapes, and
 * operators.
 */
import { WeirError } from "../../util/errors.js";

/** One token, with its offset in the text. */
export interface Token {
  readonly kind: "ident" | "quoted" | "number" | "string" | "op" | "eof";
  /** For ident: as written; quoted: the name without back-quotes; string: the unescaped value; number/op: the text. */
  readonly text: string;
  readonly pos: number;
  readonly end: number;
}

const OPERATORS = ["<=>", "<>", "!=", "<=", ">=", "==", "||", "&&", "::", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", "[", "]", "&", "|", "^", "~", "!", ":"];

/** A PARSE error in Spark's format: the message, then the text with a caret under the position. */
export function syntaxError(text: string, pos: number, message: string): WeirError {
  const caretLine = "-".repeat(pos) + "^^^";
  return new WeirError("PARSE", `${message}(line 1, pos ${pos})\n\n== SQL ==\n${text}\n${caretLine}\n`, { details: { text, position: pos } });
}

function unescape(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== "\\" || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case "0":
        out += /[0-7]{3}/.test(body.slice(i, i + 3)) ? String.fromCharCode(parseInt(body.slice(i, i + 3), 8)) : "\0";
        if (/[0-7]{3}/.test(body.slice(i, i + 3))) i += 2;
        break;
      case "b":
        out += "\b";
        break;
      case "n":
        out += "\n";
        break;
      case "r":
        out += "\r";
        break;
      case "t":
        out += "\t";
        break;
      case "Z":
        out += "\u001a";
        break;
      case "%":
      case "_":
        out += "\\" + n;
        break;
      case "u":
        if (/^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
          out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
          i += 4;
        } else out += "u";
        break;
      default:
        if (/[0-3]/.test(n) && /^[0-7]{3}$/.test(body.slice(i, i + 3))) {
          out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
          i += 2;
        } else out += n;
    }
  }
  return out;
}

/** Splits `text` into tokens; throws WeirError("PARSE") on an unterminated string or an unknown character. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "-" && text[i + 1] === "-") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw syntaxError(text, i, "[UNCLOSED_BRACKETED_COMMENT] Found an unclosed bracketed comment. ");
      i = end + 2;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      let body = "";
      i++;
      for (;;) {
        if (i >= text.length) throw syntaxError(text, start, "[PARSE_SYNTAX_ERROR] Syntax error at or near end of input: unterminated string literal. ");
        const d = text[i];
        if (d === "\\" && i + 1 < text.length) {
          body += d + text[i + 1];
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          body += d;
          i++;
        }
      }
      tokens.push({ kind: "string", text: unescape(body), pos: start, end: i });
      continue;
    }
    if (c === "`") {
      let name = "";
      i++;
      for (;;) {
        if (i >= text.length) throw syntaxError(text, start, "[PARSE_SYNTAX_ERROR] Syntax error at or near end of input: unterminated back-quoted identifier. ");
        if (text[i] === "`") {
          if (text[i + 1] === "`") {
            name += "`";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += text[i++];
      }
      tokens.push({ kind: "quoted", text: name, pos: start, end: i });
      continue;
    }
    const num = /^(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)(?:BD|[LSYDF])?(?![A-Za-z0-9_])/i.exec(text.slice(i));
    if (num !== null) {
      tokens.push({ kind: "number", text: num[0], pos: start, end: i + num[0].length });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_0-9][A-Za-z0-9_$]*/.exec(text.slice(i));
    if (id !== null) {
      tokens.push({ kind: "ident", text: id[0], pos: start, end: i + id[0].length });
      i += id[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw syntaxError(text, i, `[PARSE_SYNTAX_ERROR] Syntax error at or near '${c}'. `);
    tokens.push({ kind: "op", text: op, pos: start, end: i + op.length });
    i += op.length;
  }
  tokens.push({ kind: "eof", text: "", pos: text.length, end: text.length });
  return tokens;
}
