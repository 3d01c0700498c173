/**
 * A recursive-descent parser for Spark SQL expressions, as `expr()`, `selectExpr()` and
 * `filter("...")` take them. Precedence follows Spark's grammar, loosest first: OR, AND, NOT,
 * predicates (IN, BETWEEN, LIKE, RLIKE, IS [NOT] NULL), comparisons, `|`, `^`, `&`, `+ - ||`,
 * `* / % DIV`, unary `- + ~`, then postfix `[i]`, `.field` and `::type`.
 *
 * The parser produces the same Expr shapes Spark's parser produces where names depend on them:
 * `a != b` is NOT (a = b), `x BETWEEN a AND b` is (x >= a) AND (x <= b), `count(*)` is count(1),
 * `-1` is a literal.
 */
import type { Expr, WindowSpecData } from "../expr/ast.js";
import { CURRENT_ROW, UNBOUNDED_FOLLOWING, UNBOUNDED_PRECEDING } from "../expr/ast.js";
import type { DataType } from "../types.js";
import { DateType, IntegerType, LongType, TimestampType } from "../types.js";
import { WeirError } from "../../util/errors.js";
import { parseDateString, parseTimestampString } from "../functions/datetime-util.js";
import { type Token, syntaxError, tokenize } from "./lexer.js";
import { numberLiteral, typeFromText } from "./literals.js";
import { parseInterval } from "../functions/window-time.js";

/** Words that end an expression or cannot start one; they are not taken as implicit aliases or column names. */
const RESERVED = new Set([
  "and", "or", "not", "in", "is", "like", "ilike", "rlike", "regexp", "between", "as", "case", "when", "then", "else", "end",
  "from", "over", "partition", "order", "by", "asc", "desc", "nulls", "first", "last", "escape", "distinct", "rows", "range",
  "preceding", "following", "unbounded", "current", "row", "div", "null", "true", "false", "ignore", "respect",
]);

/** Keywords that cannot be a column name where an operand is expected. */
const NOT_A_NAME = new Set(["and", "or", "when", "then", "else", "end", "as", "from", "in", "is", "between", "like", "ilike", "rlike", "over", "escape"]);

const COMPARISONS = new Set(["=", "==", "!=", "<>", "<", "<=", ">", ">=", "<=>"]);

function call(fn: string, ...args: Expr[]): Expr {
  return { kind: "call", fn, args };
}

/** Quotes a name part for an Expr column path when it holds a dot or back-quote. */
function quotePart(p: string): string {
  return /[.`]/.test(p) ? "`" + p.replace(/`/g, "``") + "`" : p;
}

/** Interval units an `INTERVAL` literal may name (Spark's day-time units; months and years are refused by parseInterval). */
const INTERVAL_UNITS = /^(years?|months?|weeks?|days?|hours?|minutes?|seconds?|milliseconds?|microseconds?)$/i;

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  /**
   * `INTERVAL` literals not yet consumed (their value in µs, and where they stand). Weir has no
   * interval type: an interval is only valid added to or subtracted from a timestamp, which
   * becomes `timestamp_micros(unix_micros(ts) ± µs)`; one left over is a syntax error.
   */
  private readonly intervals = new Map<Expr, { readonly micros: number; readonly token: Token }>();

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.i++;
    return t;
  }

  private fail(t: Token = this.peek(), hint = ""): never {
    const near = t.kind === "eof" ? "end of input" : `'${this.text.slice(t.pos, t.end)}'`;
    throw syntaxError(this.text, t.pos, `[PARSE_SYNTAX_ERROR] Syntax error at or near ${near}${hint === "" ? "" : `: ${hint}`}. `);
  }

  /** True when the next token is the keyword `word` (case-insensitive, bare identifiers only). */
  private isKw(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === "ident" && t.text.toLowerCase() === word;
  }

  private acceptKw(word: string): boolean {
    if (!this.isKw(word)) return false;
    this.i++;
    return true;
  }

  private expectKw(word: string): void {
    if (!this.acceptKw(word)) this.fail(this.peek(), `expected ${word.toUpperCase()}`);
  }

  private isOp(op: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === "op" && t.text === op;
  }

  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.i++;
    return true;
  }

  private expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(this.peek(), `expected '${op}'`);
  }

  /** Fails on an INTERVAL literal that was not added to or subtracted from a timestamp. */
  checkIntervalsUsed(): void {
    for (const { token } of this.intervals.values()) {
      this.fail(token, "an INTERVAL literal can only be added to or subtracted from a timestamp (ts + INTERVAL 1 HOUR); Weir has no interval type");
    }
  }

  /** The whole input as a named expression (`expr [AS] alias`). */
  parseTop(): Expr {
    if (this.peek().kind === "eof") this.fail();
    let e = this.expression();
    if (this.acceptKw("as")) {
      e = { kind: "alias", child: e, name: this.aliasName() };
    } else if ((this.peek().kind === "ident" && !RESERVED.has(this.peek().text.toLowerCase())) || this.peek().kind === "quoted") {
      e = { kind: "alias", child: e, name: this.aliasName() };
    }
    if (this.peek().kind !== "eof") this.fail();
    return e;
  }

  private aliasName(): string {
    const t = this.next();
    if (t.kind === "ident" || t.kind === "quoted") return t.text;
    if (t.kind === "string") return t.text;
    return this.fail(t, "expected an alias name");
  }

  expression(): Expr {
    return this.or();
  }

  private or(): Expr {
    let e = this.and();
    while (this.acceptKw("or")) e = call("or", e, this.and());
    return e;
  }

  private and(): Expr {
    let e = this.not();
    while (this.acceptKw("and") || this.acceptOp("&&")) e = call("and", e, this.not());
    return e;
  }

  private not(): Expr {
    if (this.acceptKw("not") || this.acceptOp("!")) return call("not", this.not());
    return this.predicate();
  }

  private predicate(): Expr {
    let e = this.comparison();
    for (;;) {
      const save = this.i;
      const negated = this.acceptKw("not");
      if (this.acceptKw("in")) {
        this.expectOp("(");
        if (this.isKw("select")) this.fail(this.peek(), "IN subqueries are not supported");
        const list = [this.expression()];
        while (this.acceptOp(",")) list.push(this.expression());
        this.expectOp(")");
        e = call("in", e, ...list);
      } else if (this.acceptKw("between")) {
        const lo = this.comparison();
        this.expectKw("and");
        const hi = this.comparison();
        e = call("and", call(">=", e, lo), call("<=", e, hi));
      } else if (this.isKw("like") || this.isKw("ilike")) {
        const fn = this.next().text.toLowerCase();
        const pattern = this.comparison();
        if (this.acceptKw("escape")) {
          const t = this.next();
          if (t.kind !== "string" || t.text.length !== 1) this.fail(t, "ESCAPE takes a one-character string");
          e = call(fn, e, pattern, { kind: "lit", value: t.text });
        } else e = call(fn, e, pattern);
      } else if (this.acceptKw("rlike") || this.acceptKw("regexp")) {
        e = call("rlike", e, this.comparison());
      } else if (!negated && this.acceptKw("is")) {
        const not = this.acceptKw("not");
        if (this.acceptKw("null")) e = call(not ? "isnotnull" : "isnull", e);
        else if (this.isKw("true") || this.isKw("false")) {
          const v = this.next().text.toLowerCase() === "true";
          e = call("<=>", e, { kind: "lit", value: v });
          if (not) e = call("not", e);
        } else if (this.acceptKw("distinct")) {
          this.expectKw("from");
          e = call("<=>", e, this.comparison());
          if (!not) e = call("not", e);
        } else this.fail(this.peek(), "expected NULL, TRUE, FALSE or DISTINCT FROM after IS");
        continue;
      } else {
        this.i = save;
        return e;
      }
      if (negated) e = call("not", e);
    }
  }

  private comparison(): Expr {
    let e = this.bitOr();
    while (this.peek().kind === "op" && COMPARISONS.has(this.peek().text)) {
      const op = this.next().text;
      const r = this.bitOr();
      if (op === "!=" || op === "<>") e = call("not", call("=", e, r));
      else e = call(op === "==" ? "=" : op, e, r);
    }
    return e;
  }

  private bitOr(): Expr {
    let e = this.bitXor();
    while (this.acceptOp("|")) e = call("|", e, this.bitXor());
    return e;
  }

  private bitXor(): Expr {
    let e = this.bitAnd();
    while (this.acceptOp("^")) e = call("^", e, this.bitAnd());
    return e;
  }

  private bitAnd(): Expr {
    let e = this.additive();
    while (this.acceptOp("&")) e = call("&", e, this.additive());
    return e;
  }

  private additive(): Expr {
    let e = this.multiplicative();
    for (;;) {
      if (this.acceptOp("+")) e = this.plusMinus("+", e, this.multiplicative());
      else if (this.acceptOp("-")) e = this.plusMinus("-", e, this.multiplicative());
      else if (this.acceptOp("||")) e = call("concat", e, this.multiplicative());
      else return e;
    }
  }

  /** `a + b` / `a - b`, where either may be an INTERVAL literal (see {@link intervals}). */
  private plusMinus(op: "+" | "-", a: Expr, b: Expr): Expr {
    const ia = this.intervals.get(a);
    const ib = this.intervals.get(b);
    if (ia === undefined && ib === undefined) return call(op, a, b);
    if (ia !== undefined && ib !== undefined) {
      this.intervals.delete(a);
      this.intervals.delete(b);
      return this.interval(ia.micros + (op === "+" ? ib.micros : -ib.micros), ia.token);
    }
    if (ib !== undefined) {
      this.intervals.delete(b);
      return timestampPlus(a, op === "+" ? ib.micros : -ib.micros);
    }
    if (op === "-") this.fail(ia!.token, "an INTERVAL cannot have a timestamp subtracted from it; write ts - INTERVAL ...");
    this.intervals.delete(a);
    return timestampPlus(b, ia!.micros);
  }

  /** Registers an INTERVAL literal of `micros`. */
  private interval(micros: number, token: Token): Expr {
    const e: Expr = { kind: "lit", value: micros };
    this.intervals.set(e, { micros, token });
    return e;
  }

  /** `INTERVAL '1' HOUR`, `INTERVAL 1 HOUR 30 MINUTES`, `INTERVAL '1 hour'` (after the keyword). */
  private intervalLiteral(start: Token): Expr {
    const parts: string[] = [];
    for (;;) {
      const t = this.peek();
      const negative = t.kind === "op" && t.text === "-" && this.peek(1).kind === "number";
      const v = negative ? this.peek(1) : t;
      if (v.kind !== "number" && v.kind !== "string") break;
      const unit = this.peek(negative ? 2 : 1);
      const hasUnit = unit.kind === "ident" && INTERVAL_UNITS.test(unit.text);
      if (v.kind === "number" && !hasUnit) this.fail(unit, "expected an interval unit (DAY, HOUR, MINUTE, SECOND, ...)");
      if (negative) this.next();
      this.next();
      if (hasUnit) this.next();
      if (this.isKw("to")) this.fail(this.peek(), "INTERVAL ... TO ... literals are not supported; write INTERVAL 1 HOUR 30 MINUTES");
      parts.push(`${negative ? "-" : ""}${v.text}${hasUnit ? ` ${unit.text}` : ""}`);
    }
    if (parts.length === 0) this.fail(this.peek(), "expected an interval value, as in INTERVAL 1 HOUR or INTERVAL '10' SECONDS");
    return this.interval(parseInterval(parts.join(" ")), start);
  }

  private multiplicative(): Expr {
    let e = this.unary();
    for (;;) {
      if (this.acceptOp("*")) e = call("*", e, this.unary());
      else if (this.acceptOp("/")) e = call("/", e, this.unary());
      else if (this.acceptOp("%")) e = call("%", e, this.unary());
      else if (this.acceptKw("div")) e = call("div", e, this.unary());
      else return e;
    }
  }

  private unary(): Expr {
    if (this.acceptOp("-")) {
      // A minus directly before a number is part of the literal, as in Spark (-1, -2.5).
      if (this.peek().kind === "number") {
        const lit = this.number(this.next(), true);
        return this.postfix(lit);
      }
      return call("negative", this.unary());
    }
    if (this.acceptOp("+")) return call("positive", this.unary());
    if (this.acceptOp("~")) return call("~", this.unary());
    return this.postfix(this.primary());
  }

  private postfix(base: Expr): Expr {
    let e = base;
    for (;;) {
      if (this.acceptOp("[")) {
        const key = this.expression();
        this.expectOp("]");
        e = { kind: "extract", child: e, key };
      } else if (this.isOp(".") && (this.peek(1).kind === "ident" || this.peek(1).kind === "quoted")) {
        this.next();
        e = { kind: "extract", child: e, key: { kind: "lit", value: this.next().text } };
      } else if (this.acceptOp("::")) {
        e = { kind: "cast", child: e, to: this.dataTypeUntil(() => this.peek().kind === "eof" || (this.peek().kind === "op" && !["<", ">", ",", "(", ")", ":"].includes(this.peek().text)) || (this.peek().kind === "ident" && RESERVED.has(this.peek().text.toLowerCase()))) };
      } else return e;
    }
  }

  private number(t: Token, negative: boolean): Expr {
    const e = numberLiteral(t.text, negative);
    if (e === null) this.fail(t, `the literal ${t.text} is out of range for its type`);
    return e;
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case "number":
        this.next();
        return this.number(t, false);
      case "string": {
        this.next();
        let s = t.text;
        // Adjacent string literals concatenate ('a' 'b' is 'ab').
        while (this.peek().kind === "string") s += this.next().text;
        return { kind: "lit", value: s };
      }
      case "op":
        if (this.acceptOp("(")) {
          const e = this.expression();
          this.expectOp(")");
          return e;
        }
        if (this.acceptOp("*")) return { kind: "star" };
        return this.fail(t);
      case "quoted":
        return this.identifierChain();
      case "ident":
        return this.identOrKeyword();
      default:
        return this.fail(t);
    }
  }

  private identOrKeyword(): Expr {
    const t = this.peek();
    const word = t.text.toLowerCase();
    const nextIsParen = this.isOp("(", 1);
    switch (word) {
      case "null":
        this.next();
        return { kind: "lit", value: null };
      case "true":
      case "false":
        this.next();
        return { kind: "lit", value: word === "true" };
      case "case":
        return this.caseExpr();
      case "cast":
      case "try_cast":
        if (nextIsParen) return this.castExpr(word === "try_cast");
        break;
      case "timestamp":
      case "timestamp_ltz":
      case "date":
        if (this.peek(1).kind === "string") {
          this.next();
          const s = this.next();
          if (word === "date") {
            const d = parseDateString(s.text);
            if (d === null) this.fail(s, `cannot parse the DATE value '${s.text}'`);
            return { kind: "lit", value: d, type: DateType };
          }
          const us = parseTimestampString(s.text);
          if (us === null) this.fail(s, `cannot parse the TIMESTAMP value '${s.text}'`);
          return { kind: "lit", value: us, type: TimestampType };
        }
        break;
      case "interval":
        if (this.peek(1).kind === "string" || this.peek(1).kind === "number" || (this.isOp("-", 1) && this.peek(2).kind === "number")) {
          this.next();
          return this.intervalLiteral(t);
        }
        break;
      case "trim":
        if (nextIsParen) return this.trimExpr();
        break;
      case "extract":
        if (nextIsParen && this.peek(3).kind === "ident" && this.peek(3).text.toLowerCase() === "from") {
          this.next();
          this.next();
          const field = this.next().text.toLowerCase();
          this.expectKw("from");
          const src = this.expression();
          this.expectOp(")");
          const fn = { years: "year", months: "month", days: "day", hours: "hour", minutes: "minute", seconds: "second", dow: "dayofweek", doy: "dayofyear", week: "weekofyear" }[field] ?? field;
          return call(fn, src);
        }
        break;
      default:
        break;
    }
    if (nextIsParen) return this.functionCall();
    if (NOT_A_NAME.has(word)) this.fail(t);
    return this.identifierChain();
  }

  /** `a`, `a.b.c`, `` `a.b`.c ``, `t.*`. */
  private identifierChain(): Expr {
    const parts = [this.next().text];
    const quoted = [this.tokens[this.i - 1].kind === "quoted"];
    while (this.isOp(".")) {
      const n = this.peek(1);
      if (n.kind === "op" && n.text === "*") {
        this.next();
        this.next();
        return { kind: "star", qualifier: parts.map(quotePart).join(".") };
      }
      if (n.kind !== "ident" && n.kind !== "quoted") break;
      this.next();
      parts.push(this.next().text);
      quoted.push(n.kind === "quoted");
    }
    return { kind: "col", name: parts.map(quotePart).join(".") };
  }

  private functionCall(): Expr {
    const nameTok = this.next();
    const fn = nameTok.text.toLowerCase();
    this.expectOp("(");
    let distinct = false;
    const args: Expr[] = [];
    if (this.acceptKw("distinct")) distinct = true;
    else this.acceptKw("all");
    if (!this.isOp(")")) {
      if (fn === "count" && this.isOp("*") && this.isOp(")", 1)) {
        this.next();
        args.push({ kind: "lit", value: 1, type: IntegerType });
      } else {
        args.push(this.expression());
        while (this.acceptOp(",")) args.push(this.expression());
      }
    }
    if (this.acceptKw("ignore")) {
      this.expectKw("nulls");
      args.push({ kind: "lit", value: true });
    }
    this.expectOp(")");
    // Spark's grammar: name(args) [FILTER (WHERE cond)] [IGNORE | RESPECT NULLS] [OVER window].
    let filter: Expr | undefined;
    if (this.isKw("filter") && this.isOp("(", 1)) {
      this.next();
      this.next();
      this.expectKw("where");
      filter = this.expression();
      this.expectOp(")");
    }
    if ((this.isKw("ignore") || this.isKw("respect")) && this.isKw("nulls", 1)) {
      const ignore = this.next().text.toLowerCase() === "ignore";
      this.next();
      if (ignore) args.push({ kind: "lit", value: true });
    }
    const e: Expr = { kind: "call", fn, args, ...(distinct ? { distinct: true } : {}), ...(filter === undefined ? {} : { filter }) };
    if (this.acceptKw("over")) return { kind: "window", fn: e, spec: this.windowSpec() };
    return e;
  }

  private windowSpec(): WindowSpecData {
    if (!this.isOp("(")) this.fail(this.peek(), "named windows (OVER w) are not supported; write OVER (PARTITION BY ... ORDER BY ...)");
    this.next();
    const partitionBy: Expr[] = [];
    const orderBy: Expr[] = [];
    let frame: WindowSpecData["frame"];
    if (this.acceptKw("partition") || this.acceptKw("distribute")) {
      this.expectKw("by");
      partitionBy.push(this.expression());
      while (this.acceptOp(",")) partitionBy.push(this.expression());
    }
    if (this.acceptKw("order") || this.acceptKw("sort")) {
      this.expectKw("by");
      orderBy.push(this.sortItem());
      while (this.acceptOp(",")) orderBy.push(this.sortItem());
    }
    if (this.isKw("rows") || this.isKw("range")) {
      const type = this.next().text.toLowerCase() as "rows" | "range";
      if (this.acceptKw("between")) {
        const start = this.frameBound();
        this.expectKw("and");
        frame = { type, start, end: this.frameBound() };
      } else frame = { type, start: this.frameBound(), end: CURRENT_ROW };
    }
    this.expectOp(")");
    return frame === undefined ? { partitionBy, orderBy } : { partitionBy, orderBy, frame };
  }

  private frameBound(): number {
    if (this.acceptKw("unbounded")) {
      if (this.acceptKw("preceding")) return UNBOUNDED_PRECEDING;
      if (this.acceptKw("following")) return UNBOUNDED_FOLLOWING;
      this.fail(this.peek(), "expected PRECEDING or FOLLOWING");
    }
    if (this.acceptKw("current")) {
      this.expectKw("row");
      return CURRENT_ROW;
    }
    const neg = this.acceptOp("-");
    const t = this.next();
    if (t.kind !== "number" || !/^\d+$/.test(t.text)) this.fail(t, "expected a frame bound (UNBOUNDED PRECEDING, n PRECEDING, CURRENT ROW, n FOLLOWING)");
    const n = (neg ? -1 : 1) * Number(t.text);
    if (this.acceptKw("preceding")) return -n;
    if (this.acceptKw("following")) return n;
    return this.fail(this.peek(), "expected PRECEDING or FOLLOWING");
  }

  /** `expr [ASC|DESC] [NULLS FIRST|LAST]`; Spark's defaults: ascending with nulls first, descending with nulls last. */
  /** Fails unless all input was read. */
  expectEnd(): void {
    if (this.peek().kind !== "eof") this.fail();
  }

  sortItem(): Expr {
    const child = this.expression();
    let ascending = true;
    if (this.acceptKw("desc")) ascending = false;
    else this.acceptKw("asc");
    let nullsFirst = ascending;
    if (this.acceptKw("nulls")) {
      if (this.acceptKw("first")) nullsFirst = true;
      else if (this.acceptKw("last")) nullsFirst = false;
      else this.fail(this.peek(), "expected FIRST or LAST");
    }
    return { kind: "sort", child, ascending, nullsFirst };
  }

  private caseExpr(): Expr {
    this.next();
    const subject = this.isKw("when") ? undefined : this.expression();
    const branches: (readonly [Expr, Expr])[] = [];
    while (this.acceptKw("when")) {
      const w = this.expression();
      this.expectKw("then");
      const v = this.expression();
      branches.push([subject === undefined ? w : call("=", subject, w), v]);
    }
    if (branches.length === 0) this.fail(this.peek(), "expected WHEN");
    let otherwise: Expr | undefined;
    if (this.acceptKw("else")) otherwise = this.expression();
    this.expectKw("end");
    return otherwise === undefined ? { kind: "case", branches } : { kind: "case", branches, otherwise };
  }

  private castExpr(tryCast: boolean): Expr {
    this.next();
    this.expectOp("(");
    const child = this.expression();
    this.expectKw("as");
    let depth = 0;
    const to = this.dataTypeUntil(() => {
      if (this.isOp("(")) depth++;
      if (this.isOp(")")) {
        if (depth === 0) return true;
        depth--;
      }
      return this.peek().kind === "eof";
    });
    this.expectOp(")");
    return tryCast ? { kind: "cast", child, to, tryCast: true } : { kind: "cast", child, to };
  }

  /** Reads tokens up to `stop()` as a type string and parses it with parseDataType (decimal → double). */
  private dataTypeUntil(stop: () => boolean): DataType {
    const first = this.peek();
    let last = first;
    while (!stop()) last = this.next();
    if (last === first && this.tokens[this.i - 1] !== first) this.fail(first, "expected a type");
    const typeText = this.text.slice(first.pos, last.end);
    try {
      return typeFromText(typeText);
    } catch (e) {
      if (e instanceof WeirError) throw syntaxError(this.text, first.pos, `[UNSUPPORTED_DATATYPE] Unsupported data type "${typeText}": ${e.message}. `);
      throw e;
    }
  }

  /** TRIM([BOTH | LEADING | TRAILING] [chars] FROM str) or trim(str[, chars]). */
  private trimExpr(): Expr {
    this.next();
    this.expectOp("(");
    let fn = "trim";
    if (this.acceptKw("both")) fn = "trim";
    else if (this.acceptKw("leading")) fn = "ltrim";
    else if (this.acceptKw("trailing")) fn = "rtrim";
    if (this.acceptKw("from")) {
      const s = this.expression();
      this.expectOp(")");
      return call(fn, s);
    }
    const first = this.expression();
    if (this.acceptKw("from")) {
      const s = this.expression();
      this.expectOp(")");
      return call(fn, s, first);
    }
    const args = [first];
    while (this.acceptOp(",")) args.push(this.expression());
    this.expectOp(")");
    return call(fn, ...args);
  }
}

/**
 * Parses a Spark SQL expression as used by `expr()`, `selectExpr()` and `filter()`, including a
 * trailing alias (`a + 1 AS b`, `a + 1 b`). Throws WeirError("PARSE") with Spark's
 * `[PARSE_SYNTAX_ERROR] Syntax error at or near ...` message, the text and a caret under the
 * offending position.
 */
export function parseExpression(text: string): Expr {
  const p = new Parser(text);
  const e = p.parseTop();
  p.checkIntervalsUsed();
  return e;
}

/** Parses a sort expression (`a DESC NULLS FIRST`) into a `sort` Expr. */
export function parseSortExpression(text: string): Expr {
  const p = new Parser(text);
  const e = p.sortItem();
  p.expectEnd();
  p.checkIntervalsUsed();
  return e;
}

/** `ts + micros` as Weir computes it without an interval type: `timestamp_micros(unix_micros(ts) + micros)`. */
function timestampPlus(ts: Expr, micros: number): Expr {
  return call("timestamp_micros", call("+", call("unix_micros", ts), { kind: "lit", value: micros, type: LongType }));
}
