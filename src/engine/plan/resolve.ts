/**
 * Resolves unresolved expressions ({@link Expr}) against the attributes a plan node sees:
 * column names (case-insensitive, qualified, nested), functions (through the registry), casts,
 * CASE, extraction and UDFs. Errors read like Spark's AnalysisException, with its error class in
 * brackets, the offending name, and suggestions.
 */
import { WeirError } from "../../util/errors.js";
import { assert } from "../../util/assert.js";
import { BooleanType, DoubleType, IntegerType, NullType, sameType, simpleString, isIntegral, StringType, type DataType } from "../types.js";
import type { Expr, WindowSpecData } from "../expr/ast.js";
import { CURRENT_ROW, UNBOUNDED_FOLLOWING, UNBOUNDED_PRECEDING } from "../expr/ast.js";
import { functionNames, isGenerator, isWindowFunction, lookupAggregate, lookupScalar } from "../functions/registry.js";
import { canCast } from "../functions/cast.js";
import { commonType, literalType } from "../functions/coercion.js";
import { argInfo } from "../exec/bind.js";
import { toInternal } from "../api/row-convert.js";
import type { Attribute, RExpr, ResolvedFrame, SortKey } from "./expressions.js";
import { exists, refTo } from "./expressions.js";
import { prettyName, printCall, typeSql } from "./names.js";

/** Splits `a.b.c` into parts; back-quoted parts keep their dots (`` `a.b`.c ``). */
export function splitName(name: string): string[] {
  const parts: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === "`") {
      if (quoted && name[i + 1] === "`") {
        cur += "`";
        i++;
      } else quoted = !quoted;
    } else if (c === "." && !quoted) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** Orders candidates by similarity to `name` (closest first), as Spark's suggestions. */
export function bySimilarity(name: string, candidates: readonly string[]): string[] {
  const n = name.toLowerCase();
  return [...candidates].sort((x, y) => editDistance(n, x.toLowerCase()) - editDistance(n, y.toLowerCase()));
}

function quoted(a: Attribute): string {
  return a.qualifier === undefined ? `\`${a.name}\`` : `\`${a.qualifier}\`.\`${a.name}\``;
}

/** Spark's UNRESOLVED_COLUMN.WITH_SUGGESTION error. */
export function unresolvedColumn(name: string, input: readonly Attribute[]): WeirError {
  const target = splitName(name).pop()!.toLowerCase();
  const suggestions = [...input]
    .sort((x, y) => editDistance(target, x.name.toLowerCase()) - editDistance(target, y.name.toLowerCase()))
    .map(quoted);
  const quotedName = splitName(name).map((p) => `\`${p}\``).join(".");
  const msg =
    input.length === 0
      ? `[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or function parameter with name ${quotedName} cannot be resolved: the input has no columns.`
      : `[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name ${quotedName} cannot be resolved. Did you mean one of the following? [${suggestions.join(", ")}].`;
  return new WeirError("ANALYSIS", msg, { details: { column: name, available: input.map((a) => a.name), suggestions } });
}

/** Where an expression is being resolved, for the checks that depend on it. */
export interface ResolveOptions {
  /** Allow aggregate calls (select, agg); a filter does not. */
  readonly allowAggregates?: boolean;
  /** Allow `fn OVER (...)`. */
  readonly allowWindows?: boolean;
}

/** Resolves expressions against the attributes of the input rows. */
export class Resolver {
  constructor(
    readonly input: readonly Attribute[],
    private readonly opts: ResolveOptions = {},
  ) {}

  /** Resolves one expression (stars must have been expanded by the caller). */
  resolve(e: Expr): RExpr {
    const r = this.expr(e, false);
    if (!this.opts.allowAggregates && exists(r, (x) => x.kind === "agg")) {
      throw new WeirError(
        "ANALYSIS",
        `[INVALID_AGGREGATE_USAGE] Aggregate functions are not allowed here: ${prettyName(r)}. Use them in select(), agg() or groupBy().agg(), and filter their results afterwards.`,
      );
    }
    if (!this.opts.allowWindows && exists(r, (x) => x.kind === "window")) {
      throw new WeirError("ANALYSIS", `[UNSUPPORTED_EXPR_FOR_WINDOW] Window functions are not allowed here: ${prettyName(r)}. Use them in select() or withColumn().`);
    }
    return r;
  }

  /** Expands `*` / `t.*` / `struct.*` against the input: each column with its name (and attribute, for input columns). */
  expandStar(qualifier: string | undefined): { expr: RExpr; name: string; attr?: Attribute }[] {
    const input = this.input;
    if (qualifier === undefined) return input.map((a) => ({ expr: refTo(a), name: a.name, attr: a }));
    const q = qualifier.toLowerCase();
    const byQualifier = input.filter((a) => a.qualifier?.toLowerCase() === q);
    if (byQualifier.length > 0) return byQualifier.map((a) => ({ expr: refTo(a), name: a.name, attr: a }));
    const s = this.column(qualifier);
    if (s.dataType.kind !== "struct") throw new WeirError("ANALYSIS", `[CANNOT_RESOLVE_STAR_EXPAND] Cannot resolve ${qualifier}.* given input columns ${input.map((a) => a.name).join(", ")}.`);
    return s.dataType.fields.map((f) => ({ expr: this.column(`${qualifier}.\`${f.name.replace(/`/g, "``")}\``), name: f.name }));
  }

  /** Resolves a column name (`x`, `t.x`, `s.field`, `` `a.b` ``) to a reference or a field extraction. */
  column(name: string): RExpr {
    const parts = splitName(name);
    const matches: { attr: Attribute; rest: string[] }[] = [];
    const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
    if (parts.length >= 2) {
      for (const a of this.input) if (a.qualifier !== undefined && eq(a.qualifier, parts[0]) && eq(a.name, parts[1])) matches.push({ attr: a, rest: parts.slice(2) });
    }
    if (matches.length === 0) for (const a of this.input) if (eq(a.name, parts[0])) matches.push({ attr: a, rest: parts.slice(1) });
    if (matches.length === 0 && parts.length > 1) for (const a of this.input) if (eq(a.name, name)) matches.push({ attr: a, rest: [] });
    const distinct = matches.filter((m, i) => matches.findIndex((x) => x.attr.id === m.attr.id) === i);
    if (distinct.length === 0) throw unresolvedColumn(name, this.input);
    if (distinct.length > 1) {
      throw new WeirError(
        "ANALYSIS",
        `[AMBIGUOUS_REFERENCE] Reference \`${name}\` is ambiguous, could be: [${distinct.map((m) => quoted(m.attr)).join(", ")}]. Qualify it, e.g. df.alias("a") and col("a.${parts[parts.length - 1]}").`,
        { details: { column: name } },
      );
    }
    const { attr, rest } = distinct[0];
    let r: RExpr = { kind: "ref", id: attr.id, name: attr.name, dataType: attr.dataType, nullable: attr.nullable };
    for (const p of rest) r = this.extract(r, { kind: "lit", value: p, dataType: StringType, nullable: false }, name);
    return r;
  }

  private expr(e: Expr, inAggregate: boolean): RExpr {
    switch (e.kind) {
      case "col":
        return this.column(e.name);
      case "star":
        throw new WeirError("ANALYSIS", `[INVALID_USAGE_OF_STAR_OR_REGEX] Invalid usage of '*' here: '*' expands to columns only at the top of select() or inside count(*).`);
      case "lit":
        return literal(e.value, e.type);
      case "alias":
        return this.expr(e.child, inAggregate);
      case "cast": {
        const child = this.expr(e.child, inAggregate);
        if (!canCast(child.dataType, e.to)) {
          throw new WeirError(
            "ANALYSIS",
            `[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] Cannot resolve "CAST(${prettyName(child)} AS ${typeSql(e.to)})" due to data type mismatch: cannot cast "${typeSql(child.dataType)}" to "${typeSql(e.to)}".`,
            { details: { from: simpleString(child.dataType), to: simpleString(e.to) } },
          );
        }
        return { kind: "cast", child, dataType: e.to, nullable: child.nullable || e.tryCast === true, tryCast: e.tryCast === true, implicit: false };
      }
      case "case":
        return this.caseWhen(e, inAggregate);
      case "sort":
        throw new WeirError("ANALYSIS", `a sort order (asc/desc) is only allowed in orderBy(), sort() and Window.orderBy(); got ${prettyName(this.expr(e.child, inAggregate))} ${e.ascending ? "ASC" : "DESC"}.`);
      case "window":
        return this.window(e.fn, e.spec);
      case "udf": {
        const args = e.args.map((a) => this.expr(a, inAggregate));
        return { kind: "udf", name: e.name, fn: e.fn, args, dataType: e.returnType, nullable: true };
      }
      case "extract":
        return this.extract(this.expr(e.child, inAggregate), this.expr(e.key, inAggregate), undefined);
      case "call":
        return this.call(e.fn, e.args, e.distinct === true, inAggregate, e.filter);
    }
  }

  private caseWhen(e: Extract<Expr, { kind: "case" }>, inAggregate: boolean): RExpr {
    const conds = e.branches.map(([c]) => this.expr(c, inAggregate));
    for (const c of conds) {
      if (c.dataType.kind !== "boolean" && c.dataType.kind !== "null") {
        throw new WeirError(
          "ANALYSIS",
          `[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "CASE WHEN ${prettyName(c)} ..." due to data type mismatch: a WHEN condition requires the "BOOLEAN" type, however ${prettyName(c)} has the type "${typeSql(c.dataType)}".`,
        );
      }
    }
    const values = e.branches.map(([, v]) => this.expr(v, inAggregate));
    const other = e.otherwise === undefined ? null : this.expr(e.otherwise, inAggregate);
    const all = other === null ? values : [...values, other];
    const t = commonType(all.map((v) => v.dataType));
    if (t === null) {
      throw new WeirError(
        "ANALYSIS",
        `[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve "CASE WHEN ..." due to data type mismatch: the THEN and ELSE values must have one type, got [${all.map((v) => `"${typeSql(v.dataType)}"`).join(", ")}].`,
      );
    }
    return {
      kind: "case",
      branches: conds.map((c, i) => [implicitCast(c, BooleanType), implicitCast(values[i], t)] as const),
      otherwise: other === null ? null : implicitCast(other, t),
      dataType: t,
      nullable: other === null || all.some((v) => v.nullable),
    };
  }

  private extract(child: RExpr, key: RExpr, path: string | undefined): RExpr {
    const t = child.dataType;
    const shown = path ?? prettyName(child);
    if (t.kind === "struct") {
      const name = key.kind === "lit" && typeof key.value === "string" ? key.value : null;
      if (name === null) throw new WeirError("ANALYSIS", `[INVALID_EXTRACT_FIELD_TYPE] a field of the struct ${shown} must be named by a string literal.`);
      let i = t.fields.findIndex((f) => f.name === name);
      if (i < 0) i = t.fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
      if (i < 0) {
        throw new WeirError(
          "ANALYSIS",
          `[FIELD_NOT_FOUND] No such struct field \`${name}\` in ${t.fields.map((f) => `\`${f.name}\``).join(", ")} (of ${shown}).`,
          { details: { field: name, available: t.fields.map((f) => f.name) } },
        );
      }
      const f = t.fields[i];
      return { kind: "extract", child, mode: "field", key, fieldIndex: i, fieldName: f.name, dataType: f.dataType, nullable: child.nullable || f.nullable };
    }
    if (t.kind === "array") {
      if (!isIntegral(key.dataType)) throw new WeirError("ANALYSIS", `[INVALID_EXTRACT_BASE_FIELD_TYPE] an element of the array ${shown} is selected by an integer index, got ${typeSql(key.dataType)}.`);
      return { kind: "extract", child, mode: "item", key: implicitCast(key, IntegerType), fieldIndex: -1, fieldName: "", dataType: t.elementType, nullable: true };
    }
    if (t.kind === "map") {
      const k = commonType([key.dataType, t.keyType]);
      if (k === null || !sameType(k, t.keyType)) throw new WeirError("ANALYSIS", `[INVALID_EXTRACT_BASE_FIELD_TYPE] the map ${shown} has ${typeSql(t.keyType)} keys; cannot look up a ${typeSql(key.dataType)}.`);
      return { kind: "extract", child, mode: "key", key: implicitCast(key, t.keyType), fieldIndex: -1, fieldName: "", dataType: t.valueType, nullable: true };
    }
    throw new WeirError("ANALYSIS", `[INVALID_EXTRACT_BASE_FIELD_TYPE] cannot extract a value from ${shown}: it has the type "${typeSql(t)}", not a struct, array or map.`);
  }

  private call(fn: string, rawArgs: readonly Expr[], distinct: boolean, inAggregate: boolean, filter: Expr | undefined): RExpr {
    const name = fn.toLowerCase();
    if (filter !== undefined && lookupAggregate(name) === undefined) {
      throw new WeirError("ANALYSIS", `[INVALID_SQL_SYNTAX.FUNCTION_WITH_UNSUPPORTED_SYNTAX] The function \`${name}\` does not support FILTER: only aggregate functions take a FILTER (WHERE ...) clause.`);
    }
    if (isGenerator(name)) {
      throw new WeirError("ANALYSIS", `[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] The generator ${name} is only allowed as a whole select() column (optionally aliased), not inside another expression.`);
    }
    if (isWindowFunction(name)) {
      throw new WeirError("ANALYSIS", `[WINDOW_FUNCTION_WITHOUT_OVER_CLAUSE] The window function ${name}() requires an OVER clause: ${name}().over(Window.orderBy(...)).`);
    }
    if (name === "struct") return this.struct(rawArgs, inAggregate);
    const agg = lookupAggregate(name);
    const argsExprs = rawArgs.map((a): Expr => (a.kind === "star" && name === "count" ? { kind: "lit", value: 1 } : a));
    if (agg !== undefined) {
      if (inAggregate) throw new WeirError("ANALYSIS", `[NESTED_AGGREGATE_FUNCTION] It is not allowed to use an aggregate function (${name}) in the argument of another aggregate function.`);
      const args = argsExprs.map((a) => this.expr(a, true));
      checkArity(name, args.length, agg.minArgs, agg.maxArgs);
      const res = withExpressionText(name, args, distinct, () => agg.resolve(args.map(argInfo), distinct));
      const base = { kind: "agg", name, fn: agg, args, distinct, dataType: res.dataType, nullable: res.nullable } as const;
      return filter === undefined ? base : { ...base, filter: this.aggregateFilter(filter) };
    }
    if (lookupScalar(name) === undefined) {
      const suggestions = bySimilarity(name, functionNames()).slice(0, 5);
      throw new WeirError(
        "ANALYSIS",
        `[UNRESOLVED_ROUTINE] Cannot resolve routine \`${name}\`. Verify the spelling; did you mean one of [${suggestions.map((s) => `\`${s}\``).join(", ")}]?`,
        { details: { function: name, suggestions } },
      );
    }
    return callScalar(name, argsExprs.map((a) => this.expr(a, inAggregate)));
  }

  /**
   * struct(a, b AS x, s.f, *), as Spark's CreateStruct: each field is named after its column,
   * alias or struct field (`col1`, `col2`... for other expressions), and stars expand to the
   * columns. It resolves to named_struct('a', a, 'x', b, ...) under the name `struct`, which prints
   * as Spark prints it: `struct(a, b)`.
   */
  private struct(rawArgs: readonly Expr[], inAggregate: boolean): RExpr {
    const args: RExpr[] = [];
    const add = (name: string, value: RExpr): void => {
      args.push(literal(name, StringType), value);
    };
    for (const a of rawArgs) {
      if (a.kind === "star") {
        for (const item of this.expandStar(a.qualifier)) add(item.name, item.expr);
        continue;
      }
      const r = this.expr(a, inAggregate);
      if (a.kind === "alias") add(a.name, r);
      else if (r.kind === "ref") add(r.name, r);
      else if (r.kind === "extract" && r.mode === "field") add(r.fieldName, r);
      else add(`col${args.length / 2 + 1}`, r);
    }
    if (args.length === 0) {
      throw new WeirError("ANALYSIS", "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `struct` requires at least 1 parameters but the actual number is 0.");
    }
    const call = callScalar("named_struct", args);
    assert(call.kind === "call", "named_struct resolves to a call");
    return { ...call, name: "struct" };
  }

  /** Resolves an aggregate's FILTER (WHERE cond) clause, with Spark's INVALID_AGGREGATE_FILTER checks. */
  private aggregateFilter(filter: Expr): RExpr {
    const cond = this.expr(filter, true);
    const shown = prettyName(cond);
    if (cond.dataType.kind !== "boolean" && cond.dataType.kind !== "null") {
      throw new WeirError(
        "ANALYSIS",
        `[INVALID_AGGREGATE_FILTER.NOT_BOOLEAN] The FILTER expression "${shown}" in an aggregate function is invalid. Expected a FILTER expression of the BOOLEAN type, got "${typeSql(cond.dataType)}".`,
      );
    }
    if (exists(cond, (x) => x.kind === "window")) {
      throw new WeirError("ANALYSIS", `[INVALID_AGGREGATE_FILTER.CONTAINS_WINDOW_FUNCTION] The FILTER expression "${shown}" in an aggregate function is invalid. Expected a FILTER expression without a window function.`);
    }
    if (exists(cond, (x) => x.kind === "call" && x.fn.nondeterministic === true)) {
      throw new WeirError("ANALYSIS", `[INVALID_AGGREGATE_FILTER.NON_DETERMINISTIC] The FILTER expression "${shown}" in an aggregate function is invalid. Expected a FILTER expression to be deterministic.`);
    }
    return implicitCast(cond, BooleanType);
  }

  private window(fnExpr: Expr, spec: WindowSpecData): RExpr {
    const partitionBy = spec.partitionBy.map((p) => this.expr(p, false));
    const orderBy = spec.orderBy.map((o) => this.sortKey(o));
    let fn: RExpr;
    const inner = fnExpr.kind === "alias" ? fnExpr.child : fnExpr;
    const rankName = inner.kind === "call" ? inner.fn.toLowerCase() : "";
    if (inner.kind === "call" && isWindowFunction(rankName)) {
      if (orderBy.length === 0) {
        throw new WeirError("ANALYSIS", `[WINDOW_FUNCTION_AND_FRAME_MISMATCH] The window function ${rankName}() requires an ordered window: use Window.partitionBy(...).orderBy(...).`);
      }
      fn = this.rankFunction(rankName, inner.args);
    } else {
      fn = this.expr(inner, false);
      if (fn.kind !== "agg") {
        throw new WeirError("ANALYSIS", `[UNSUPPORTED_EXPR_FOR_WINDOW] Expression "${prettyName(fn)}" not supported within a window function: use an aggregate or ranking function with over().`);
      }
      if (fn.filter !== undefined) {
        throw new WeirError("ANALYSIS", `[UNSUPPORTED_FEATURE] A window aggregate function with a FILTER clause is not supported (as in Spark): ${prettyName(fn)}. Aggregate a CASE WHEN ... END instead.`);
      }
    }
    const frame = this.frame(spec, fn, orderBy);
    return { kind: "window", fn, partitionBy, orderBy, frame, dataType: fn.dataType, nullable: fn.nullable };
  }

  /** Resolves a ranking or offset window function (Spark's frames for them are fixed). */
  private rankFunction(name: string, rawArgs: readonly Expr[]): RExpr {
    const args = rawArgs.map((a) => this.expr(a, false));
    const constInt = (i: number, what: string, min: number): number => {
      const info = argInfo(args[i]);
      if (!info.foldable || typeof info.value !== "number" || !Number.isInteger(info.value) || info.value < min) {
        throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] the ${what} of ${name}() must be an integer literal of at least ${min}, got ${prettyName(args[i])}.`);
      }
      return info.value;
    };
    switch (name) {
      case "row_number":
      case "rank":
      case "dense_rank":
      case "percent_rank":
      case "cume_dist": {
        checkArity(name, args.length, 0, 0);
        const double = name === "percent_rank" || name === "cume_dist";
        return { kind: "rank", name, args: [], dataType: double ? DoubleType : IntegerType, nullable: false };
      }
      case "ntile":
        checkArity(name, args.length, 1, 1);
        constInt(0, "number of buckets", 1);
        return { kind: "rank", name, args: [implicitCast(args[0], IntegerType)], dataType: IntegerType, nullable: false };
      case "lag":
      case "lead": {
        checkArity(name, args.length, 1, 3);
        const offset = args.length > 1 ? constInt(1, "offset", 0) : 1;
        const dflt = args.length > 2 ? args[2] : literal(null);
        const t = commonType([args[0].dataType, dflt.dataType]);
        if (t === null) throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH.DATA_DIFF_TYPES] the default of ${name}() (${typeSql(dflt.dataType)}) does not match its input (${typeSql(args[0].dataType)}).`);
        const off = literal(offset, IntegerType);
        return { kind: "rank", name, args: [implicitCast(args[0], t), off, implicitCast(dflt, t)], dataType: t, nullable: true };
      }
      default:
        throw new WeirError("ANALYSIS", `[UNSUPPORTED_FEATURE] the window function ${name}() is not supported yet; row_number, rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead and aggregate functions are.`);
    }
  }

  private frame(spec: WindowSpecData, fn: RExpr, orderBy: readonly SortKey[]): ResolvedFrame {
    if (fn.kind === "rank") {
      if (fn.name === "lag" || fn.name === "lead") {
        const off = (fn.args[1] as { value: number }).value * (fn.name === "lag" ? -1 : 1);
        return { type: "rows", start: off, end: off };
      }
      return fn.name === "cume_dist" ? { type: "range", start: UNBOUNDED_PRECEDING, end: CURRENT_ROW } : { type: "rows", start: UNBOUNDED_PRECEDING, end: CURRENT_ROW };
    }
    const f = spec.frame;
    if (f === undefined) {
      return orderBy.length > 0 ? { type: "range", start: UNBOUNDED_PRECEDING, end: CURRENT_ROW } : { type: "rows", start: UNBOUNDED_PRECEDING, end: UNBOUNDED_FOLLOWING };
    }
    if (f.start > f.end) throw new WeirError("ANALYSIS", `[INVALID_WINDOW_FRAME] the frame's lower bound (${f.start}) is after its upper bound (${f.end}).`);
    const bounded = (v: number): boolean => v !== UNBOUNDED_PRECEDING && v !== UNBOUNDED_FOLLOWING && v !== CURRENT_ROW;
    if (f.type === "range" && (bounded(f.start) || bounded(f.end))) {
      if (orderBy.length !== 1 || !["byte", "short", "int", "long", "float", "double"].includes(orderBy[0].expr.dataType.kind)) {
        throw new WeirError("ANALYSIS", "[DATATYPE_MISMATCH.RANGE_FRAME_INVALID_TYPE] a RANGE frame with value bounds requires exactly one numeric ORDER BY expression.");
      }
    }
    return { type: f.type, start: f.start, end: f.end };
  }

  /** Resolves an ordering: `col.desc()`, or a plain expression (ascending, nulls first). */
  sortKey(e: Expr): SortKey {
    if (e.kind === "sort") return { expr: this.expr(e.child, false), ascending: e.ascending, nullsFirst: e.nullsFirst };
    return { expr: this.expr(e, false), ascending: true, nullsFirst: true };
  }
}

/** Resolves a scalar function or operator over resolved arguments, inserting the casts its coercion asks for. */
export function callScalar(name: string, args: readonly RExpr[]): RExpr {
  const scalar = lookupScalar(name);
  if (scalar === undefined) throw new WeirError("ANALYSIS", `[UNRESOLVED_ROUTINE] Cannot resolve routine \`${name}\`: it is not a known function.`);
  checkArity(name, args.length, scalar.minArgs, scalar.maxArgs);
  const res = withExpressionText(name, args, false, () => scalar.resolve(args.map(argInfo)));
  const coerced = args.map((a, i) => {
    const to = res.coerceTo?.[i];
    return to === undefined ? a : implicitCast(a, to, name);
  });
  return { kind: "call", name, fn: scalar, args: coerced, dataType: res.dataType, nullable: res.nullable ?? true };
}

/**
 * Runs a function's resolve; its errors quote the call as `"sum(...)"`, which becomes the call's
 * own text (`"sum(flag)"`), as Spark's messages show it.
 */
function withExpressionText<T>(name: string, args: readonly RExpr[], distinct: boolean, resolve: () => T): T {
  try {
    return resolve();
  } catch (e) {
    if (!(e instanceof WeirError) || e.code !== "ANALYSIS") throw e;
    const text = distinct ? `${name}(DISTINCT ${args.map(prettyName).join(", ")})` : printCall(name, args, false);
    const msg = e.message.replace(`"${name}(...)"`, `"${text}"`).replace(/"\(\.\.\. \S+ \.\.\.\)"/, `"${text}"`);
    if (msg === e.message) throw e;
    throw new WeirError("ANALYSIS", msg, { cause: e, details: e.details });
  }
}

/** AND of conditions (true when there are none). */
export function conjunction(parts: readonly RExpr[]): RExpr {
  if (parts.length === 0) return { kind: "lit", value: true, dataType: BooleanType, nullable: false };
  return parts.reduce((a, b) => callScalar("and", [a, b]));
}

function checkArity(name: string, n: number, min: number, max: number): void {
  if (n >= min && n <= max) return;
  const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `between ${min} and ${max}`;
  throw new WeirError("ANALYSIS", `[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The \`${name}\` requires ${expected} parameters but the actual number is ${n}.`, {
    details: { function: name, expected, actual: n },
  });
}

/** Wraps `e` in an implicit cast to `t` when its type differs (type coercion). */
export function implicitCast(e: RExpr, t: DataType, fn?: string): RExpr {
  if (sameType(e.dataType, t)) return e;
  if (e.kind === "lit" && e.value === null) return { kind: "lit", value: null, dataType: t, nullable: true };
  if (!canCast(e.dataType, t)) {
    throw new WeirError(
      "ANALYSIS",
      `[DATATYPE_MISMATCH] Cannot resolve "${fn === undefined ? prettyName(e) : `${fn}(...)`}" due to data type mismatch: ${prettyName(e)} has the type "${typeSql(e.dataType)}", which cannot be converted to "${typeSql(t)}".`,
    );
  }
  return { kind: "cast", child: e, dataType: t, nullable: e.nullable, tryCast: false, implicit: true };
}

/** A resolved literal; JS values (Date, objects, Map) become their internal representation. */
export function literal(value: unknown, type?: DataType): RExpr {
  if (value === null || value === undefined) return { kind: "lit", value: null, dataType: type ?? NullType, nullable: true };
  const t = type ?? literalType(value);
  let v: unknown = value;
  if (typeof value === "bigint") v = Number(value);
  else if (typeof value === "object" && !Buffer.isBuffer(value)) v = toInternal(t, "a literal")(value);
  return { kind: "lit", value: v, dataType: t, nullable: false };
}
