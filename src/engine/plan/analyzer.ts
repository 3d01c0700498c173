/**
 * The analyzer: builds resolved logical plans one DataFrame operation at a time, as Spark
 * analyses a Dataset eagerly, so a bad column name fails at `select()`, not at `collect()`.
 * Each builder resolves its expressions against the child's output and returns a new node.
 */
import { WeirError } from "../../util/errors.js";
import type { Expr } from "../expr/ast.js";
import type { ScanSource } from "../source.js";
import { IntegerType, sameType, type DataType } from "../types.js";
import { commonType } from "../functions/coercion.js";
import type { Attribute, NamedExpr, RExpr, SortKey } from "./expressions.js";
import { exists, newAttribute, refTo, sameExpr, transformUp } from "./expressions.js";
import type { GeneratorKind, JoinType, LogicalPlan } from "./logical.js";
import { filterNode, joinOutput, limitNode, projectNode, scanNode, sortNode } from "./logical.js";
import { callScalar, conjunction, implicitCast, literal, Resolver, splitName } from "./resolve.js";
import { buildAggregate, hasAggregate, liftWindows, named, type OutputItem } from "./aggregation.js";
import { prettyName, typeSql } from "./names.js";
import type { GroupStateSpec } from "../stream/group-state.js";

/** A select() entry: an expression, or an already-resolved column (withColumn keeps the others as they are). */
export type SelectItem = Expr | NamedExpr;

function isNamed(i: SelectItem): i is NamedExpr {
  return "attr" in i;
}

/** A scan of every column of `source`. */
export function scan(source: ScanSource): LogicalPlan {
  return scanNode(
    source,
    source.schema.fields.map((f) => newAttribute(f.name, f.dataType, f.nullable)),
  );
}

/** The name Spark gives an output column: the alias, the column's own name, or the expression's text. */
function outputName(e: Expr, r: RExpr): string {
  if (e.kind === "alias") return e.name;
  if (e.kind === "col") {
    if (r.kind === "ref") return r.name;
    if (r.kind === "extract" && r.mode === "field") return r.fieldName;
    const parts = splitName(e.name);
    return parts[parts.length - 1];
  }
  return prettyName(r);
}

const GENERATORS: Record<string, GeneratorKind> = {
  explode: "explode",
  explode_outer: "explode_outer",
  posexplode: "posexplode",
  posexplode_outer: "posexplode_outer",
};

function generatorOf(e: Expr): { kind: GeneratorKind; arg: Expr; alias?: string } | null {
  const inner = e.kind === "alias" ? e.child : e;
  if (inner.kind !== "call") return null;
  const kind = GENERATORS[inner.fn.toLowerCase()];
  if (kind === undefined) return null;
  if (inner.args.length !== 1) throw new WeirError("ANALYSIS", `[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The \`${kind}\` requires 1 parameters but the actual number is ${inner.args.length}.`);
  return e.kind === "alias" ? { kind, arg: inner.args[0], alias: e.name } : { kind, arg: inner.args[0] };
}


/**
 * select(): resolves the list (stars, generators, aggregates, window functions) into
 * Generate / Aggregate / Window nodes as needed, topped by a Project.
 */
export function project(child: LogicalPlan, list: readonly SelectItem[]): LogicalPlan {
  const resolver = new Resolver(child.output, { allowAggregates: true, allowWindows: true });
  let input = child;
  let gen: { kind: GeneratorKind; arg: RExpr; attrs: Attribute[] } | null = null;
  const items: OutputItem[] = [];
  for (const it of list) {
    if (isNamed(it)) {
      items.push({ expr: it.expr, name: it.attr.name, attr: it.attr });
      continue;
    }
    if (it.kind === "star") {
      items.push(...resolver.expandStar(it.qualifier));
      continue;
    }
    const g = generatorOf(it);
    if (g !== null) {
      if (gen !== null) throw new WeirError("ANALYSIS", "[UNSUPPORTED_GENERATOR.MULTI_GENERATOR] Only one generator (explode) is allowed per select clause.");
      const arg = new Resolver(child.output).resolve(g.arg);
      gen = { kind: g.kind, arg, attrs: generatorAttributes(g.kind, arg, g.alias) };
      for (const a of gen.attrs) items.push({ expr: refTo(a), name: a.name, attr: a });
      continue;
    }
    const r = resolver.resolve(it);
    items.push({ expr: r, name: outputName(it, r), ...(r.kind === "ref" ? { attr: child.output.find((a) => a.id === r.id) } : {}) });
  }
  const aggregated = items.some((i) => hasAggregate(i.expr));
  if (gen !== null) {
    if (aggregated) throw new WeirError("ANALYSIS", "[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] a generator (explode) cannot be combined with aggregate functions in one select; explode first.");
    input = {
      kind: "generate",
      child,
      generator: gen.kind,
      arg: gen.arg,
      generatorOutput: gen.attrs,
      output: [...child.output, ...gen.attrs],
    };
  }
  const expanded = expandSlidingWindows(input, items);
  if (aggregated) return buildAggregate(expanded.plan, [], expanded.items, false);
  const sessions = expandSessionWindow(expanded.plan, expanded.items);
  const lifted = liftWindows(sessions.plan, sessions.items);
  return projectNode(lifted.plan, lifted.items.map(named));
}

function generatorAttributes(kind: GeneratorKind, arg: RExpr, alias: string | undefined): Attribute[] {
  const t = arg.dataType;
  const outer = kind.endsWith("_outer");
  const pos = kind.startsWith("pos") ? [newAttribute("pos", IntegerType, outer)] : [];
  if (t.kind === "array") return [...pos, newAttribute(alias ?? "col", t.elementType, true)];
  if (t.kind === "map") {
    if (alias !== undefined) throw new WeirError("ANALYSIS", `[MULTI_ALIAS_WITHOUT_GENERATOR] ${kind} of a map gives two columns (key, value); one alias cannot name them. Rename them afterwards.`);
    return [...pos, newAttribute("key", t.keyType, outer), newAttribute("value", t.valueType, true)];
  }
  throw new WeirError(
    "ANALYSIS",
    `[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "${kind}(${prettyName(arg)})" due to data type mismatch: the first parameter requires the ("ARRAY" or "MAP") type, however "${prettyName(arg)}" has the type "${typeSql(t)}".`,
  );
}

/** True for an event-time `window(ts, size[, slide[, start]])` call. */
function isTimeWindow(e: RExpr): boolean {
  return e.kind === "call" && e.name === "window";
}

/**
 * Spark's TimeWindowing: window() becomes a Generate node giving one row per window a row's
 * timestamp falls in (one for a tumbling window, several for a sliding one; rows with a null
 * timestamp are dropped, as Spark does), and the call a reference to the generated `window` column.
 */
function expandSlidingWindows(child: LogicalPlan, items: readonly OutputItem[]): { plan: LogicalPlan; items: OutputItem[] } {
  const calls: RExpr[] = [];
  for (const it of items) {
    transformUp(it.expr, (x) => {
      if (isTimeWindow(x) && !calls.some((c) => sameExpr(c, x))) calls.push(x);
      return x;
    });
  }
  if (calls.length === 0) return { plan: child, items: [...items] };
  if (calls.length > 1) {
    throw new WeirError("ANALYSIS", "[MULTIPLE_TIME_WINDOW_EXPRESSIONS] Multiple time window expressions would result in a cartesian product of rows; use one window() per query.");
  }
  const call = calls[0];
  const attr = newAttribute("window", call.dataType, true);
  const plan: LogicalPlan = { kind: "generate", child, generator: "time_window", arg: call, generatorOutput: [attr], output: [...child.output, attr] };
  const out = items.map((it) => ({ ...it, expr: transformUp(it.expr, (x) => (sameExpr(x, call) ? refTo(attr) : x)) }));
  return { plan, items: out };
}

/** groupBy(keys).agg(exprs): the keys, then the aggregate expressions (Spark's retainGroupColumns). */
export function aggregate(child: LogicalPlan, keys: readonly Expr[], aggs: readonly Expr[]): LogicalPlan {
  const keyResolver = new Resolver(child.output);
  const keyItems: OutputItem[] = [];
  for (const k of keys) {
    if (k.kind === "star") {
      keyItems.push(...keyResolver.expandStar(k.qualifier));
      continue;
    }
    const r = keyResolver.resolve(k);
    keyItems.push({ expr: r, name: outputName(k, r), ...(r.kind === "ref" ? { attr: child.output.find((a) => a.id === r.id) } : {}) });
  }
  const resolver = new Resolver(child.output, { allowAggregates: true });
  const items = aggs.map((a) => {
    const r = resolver.resolve(a);
    return { expr: r, name: outputName(a, r) };
  });
  const expanded = expandSlidingWindows(child, [...keyItems, ...items]);
  const sessions = expandSessionWindow(expanded.plan, expanded.items);
  const built = buildAggregate(sessions.plan, sessions.items.slice(0, keyItems.length), sessions.items.slice(keyItems.length), true);
  return sessions.attr === null ? built : markSessionWindow(built, sessions.attr);
}

/** True for a `session_window(ts, gap)` call. */
function isSessionWindow(e: RExpr): boolean {
  return e.kind === "call" && e.name === "session_window";
}

/**
 * Spark's SessionWindowing: a `session_window(ts, gap)` call becomes a column `session_window`
 * computed by a Project under the operator (each row's own session `[ts, ts + gap)`), with a
 * Filter dropping rows whose session is null (a null time; a gap that is null, not a duration,
 * zero or negative), and the call a reference to that column. One session window per operator,
 * and never beside a `window(...)`, as Spark says.
 */
function expandSessionWindow(child: LogicalPlan, items: readonly OutputItem[]): { plan: LogicalPlan; items: OutputItem[]; attr: Attribute | null } {
  const calls: RExpr[] = [];
  for (const it of items) {
    transformUp(it.expr, (x) => {
      if (isSessionWindow(x) && !calls.some((c) => sameExpr(c, x))) calls.push(x);
      return x;
    });
  }
  if (calls.length === 0) return { plan: child, items: [...items], attr: null };
  const timeWindow = child.kind === "generate" && child.generator === "time_window";
  if (calls.length > 1 || timeWindow) {
    throw new WeirError("ANALYSIS", "Multiple time/session window expressions would result in a cartesian product of rows, therefore they are currently not supported.");
  }
  const call = calls[0];
  const attr = newAttribute("session_window", call.dataType, true);
  const withSession = projectNode(child, [{ expr: call, attr }, ...child.output.map((a) => ({ expr: refTo(a), attr: a }))]);
  const plan = filterNode(withSession, callScalar("isnotnull", [refTo(attr)]));
  // The call selected as it is takes the column's name, `session_window`, as in Spark.
  const shown = prettyName(call);
  const out = items.map((it) => ({ ...it, name: sameExpr(it.expr, call) && it.name === shown ? attr.name : it.name, expr: transformUp(it.expr, (x) => (sameExpr(x, call) ? refTo(attr) : x)) }));
  return { plan, items: out, attr };
}

/** The aggregation built over a session window column, marked so that its sessions merge. */
function markSessionWindow(built: LogicalPlan, attr: Attribute): LogicalPlan {
  const mark = (p: LogicalPlan): LogicalPlan => {
    if (p.kind !== "aggregate") return p;
    const i = p.keys.findIndex((k) => k.expr.kind === "ref" && k.expr.id === attr.id);
    return i < 0 ? p : { ...p, sessionWindow: i };
  };
  return built.kind === "project" ? { ...built, child: mark(built.child) } : mark(built);
}

/**
 * Resolves with Spark's "missing references" rule: an expression over a Project may name a
 * column the projection dropped; the column is then carried through and dropped again above.
 */
function withMissingColumns(child: LogicalPlan, build: (input: LogicalPlan, resolver: Resolver) => LogicalPlan): LogicalPlan {
  try {
    return build(child, new Resolver(child.output));
  } catch (e) {
    if (!(e instanceof WeirError) || !e.message.startsWith("[UNRESOLVED_COLUMN") || child.kind !== "project") throw e;
    const below = child.child.output.filter((a) => !child.output.some((o) => o.id === a.id));
    const widened = projectNode(child.child, [...child.list, ...below.map((a) => ({ expr: refTo(a), attr: a }))]);
    let built: LogicalPlan;
    try {
      built = build(widened, new Resolver(widened.output));
    } catch {
      throw e;
    }
    return projectNode(built, child.output.map((a) => ({ expr: refTo(a), attr: a })));
  }
}

/** filter()/where(). */
export function filter(child: LogicalPlan, condition: Expr): LogicalPlan {
  return withMissingColumns(child, (input, resolver) => {
    const r = resolver.resolve(condition);
    if (r.dataType.kind !== "boolean" && r.dataType.kind !== "null") {
      throw new WeirError(
        "ANALYSIS",
        `[DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN] Cannot resolve "${prettyName(r)}" due to data type mismatch: filter expression "${prettyName(r)}" of type "${typeSql(r.dataType)}" is not a boolean.`,
      );
    }
    return filterNode(input, r);
  });
}

/** orderBy()/sort(). */
export function sort(child: LogicalPlan, orders: readonly Expr[]): LogicalPlan {
  return withMissingColumns(child, (input, resolver) => {
    const keys: SortKey[] = orders.map((o) => resolver.sortKey(o));
    for (const k of keys) {
      if (exists(k.expr, (x) => x.kind === "agg" || x.kind === "window")) throw new WeirError("ANALYSIS", `sorting by an aggregate or window function (${prettyName(k.expr)}) is not supported; select it first.`);
    }
    return sortNode(input, keys);
  });
}

/** limit(n). */
export function limit(child: LogicalPlan, n: number): LogicalPlan {
  if (!Number.isInteger(n) || n < 0) throw new WeirError("INVALID_ARGUMENT", `limit expects a non-negative integer, got ${n}.`);
  return limitNode(child, n);
}

/** withColumn / withColumns: replaces columns of the same name (case-insensitive) in place, appends the others. */
export function withColumns(child: LogicalPlan, columns: readonly (readonly [string, Expr])[]): LogicalPlan {
  const list: SelectItem[] = child.output.map((a) => ({ expr: refTo(a), attr: a }));
  for (const [name, e] of columns) {
    const aliased: Expr = { kind: "alias", child: e, name };
    const i = list.findIndex((x) => isNamed(x) && x.attr.name.toLowerCase() === name.toLowerCase());
    if (i >= 0) list[i] = aliased;
    else list.push(aliased);
  }
  return project(child, list);
}

/** withColumnRenamed: renames every column of that name; a no-op when there is none (as Spark). */
export function renameColumn(child: LogicalPlan, existing: string, name: string): LogicalPlan {
  const lower = existing.toLowerCase();
  if (!child.output.some((a) => a.name.toLowerCase() === lower)) return child;
  return projectNode(
    child,
    child.output.map((a) => (a.name.toLowerCase() === lower ? { expr: refTo(a), attr: { ...a, id: newAttribute(name, a.dataType, a.nullable).id, name } } : { expr: refTo(a), attr: a })),
  );
}

/** drop(): names that do not exist are ignored (as Spark); Columns drop the attribute they name. */
export function drop(child: LogicalPlan, columns: readonly (string | Expr)[]): LogicalPlan {
  const ids = new Set<number>();
  for (const c of columns) {
    if (typeof c === "string") {
      for (const a of child.output) if (a.name.toLowerCase() === c.toLowerCase()) ids.add(a.id);
    } else {
      const r = new Resolver(child.output).resolve(c);
      if (r.kind === "ref") ids.add(r.id);
    }
  }
  if (ids.size === 0) return child;
  return projectNode(
    child,
    child.output.filter((a) => !ids.has(a.id)).map((a) => ({ expr: refTo(a), attr: a })),
  );
}

/** df.alias(name): qualifies every output column, for `name.col` lookups. */
export function alias(child: LogicalPlan, name: string): LogicalPlan {
  return { kind: "alias", child, name, output: child.output.map((a) => ({ ...a, qualifier: name })) };
}

/** distinct() / dropDuplicates(subset); dropDuplicatesWithinWatermark(subset) with `withinWatermark`. */
export function dedup(child: LogicalPlan, subset?: readonly string[], withinWatermark = false): LogicalPlan {
  let keys: readonly Attribute[] = child.output;
  if (subset !== undefined && subset.length > 0) {
    const resolver = new Resolver(child.output);
    keys = subset.map((n) => {
      const r = resolver.column(n);
      if (r.kind !== "ref") throw new WeirError("ANALYSIS", `dropDuplicates takes column names, got ${n}.`);
      return child.output.find((a) => a.id === r.id)!;
    });
  }
  return withinWatermark ? { kind: "dedup", child, keys, output: child.output, withinWatermark } : { kind: "dedup", child, keys, output: child.output };
}

function castTo(child: LogicalPlan, types: readonly DataType[]): LogicalPlan {
  if (child.output.every((a, i) => sameType(a.dataType, types[i]))) return child;
  return projectNode(
    child,
    child.output.map((a, i) => (sameType(a.dataType, types[i]) ? { expr: refTo(a), attr: a } : named({ expr: implicitCast(refTo(a), types[i]), name: a.name }))),
  );
}

/** union()/unionAll(): by position, columns widened to common types, names from the first input. */
export function union(first: LogicalPlan, second: LogicalPlan): LogicalPlan {
  const a = first.output;
  const b = second.output;
  if (a.length !== b.length) {
    throw new WeirError(
      "ANALYSIS",
      `[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but the first input has ${a.length} columns and the second input has ${b.length} columns.`,
    );
  }
  const types = a.map((x, i) => {
    const t = commonType([x.dataType, b[i].dataType]);
    if (t === null) {
      throw new WeirError(
        "ANALYSIS",
        `[INCOMPATIBLE_COLUMN_TYPE] UNION can only be performed on inputs with compatible column types. The column ${i + 1} (${x.name}) of the second input has the type "${typeSql(b[i].dataType)}", not compatible with "${typeSql(x.dataType)}" of the first input.`,
      );
    }
    return t;
  });
  const children = [castTo(first, types), castTo(second, types)];
  const output = a.map((x, i) => newAttribute(x.name, types[i], x.nullable || b[i].nullable));
  return { kind: "union", children, output };
}

/** unionByName(): columns matched by name; with allowMissingColumns, absent ones are null. */
export function unionByName(first: LogicalPlan, second: LogicalPlan, allowMissingColumns: boolean): LogicalPlan {
  const find = (out: readonly Attribute[], name: string): Attribute | undefined => out.find((x) => x.name.toLowerCase() === name.toLowerCase());
  const missingIn = (out: readonly Attribute[], other: readonly Attribute[]): Attribute[] => other.filter((x) => find(out, x.name) === undefined);
  const missingRight = missingIn(second.output, first.output);
  const missingLeft = missingIn(first.output, second.output);
  if (!allowMissingColumns && (missingRight.length > 0 || missingLeft.length > 0)) {
    const [name, side] = missingRight.length > 0 ? [missingRight[0].name, "second"] : [missingLeft[0].name, "first"];
    throw new WeirError(
      "ANALYSIS",
      `[NUM_COLUMNS_MISMATCH] unionByName: the column \`${name}\` is missing from the ${side} input (columns: ${(side === "second" ? second : first).output.map((x) => x.name).join(", ")}). Pass allowMissingColumns=true to fill it with nulls.`,
    );
  }
  const nullOf = (x: Attribute): NamedExpr => named({ expr: literal(null, x.dataType), name: x.name });
  const left = missingLeft.length === 0 ? first : projectNode(first, [...first.output.map((x) => ({ expr: refTo(x), attr: x })), ...missingLeft.map(nullOf)]);
  const order = left.output.map((x) => x.name);
  const right = projectNode(
    second,
    order.map((name) => {
      const x = find(second.output, name);
      return x === undefined ? nullOf(find(left.output, name)!) : { expr: refTo(x), attr: x };
    }),
  );
  return union(left, right);
}

const JOIN_TYPES: Record<string, JoinType> = {
  inner: "inner",
  cross: "cross",
  outer: "full",
  full: "full",
  fullouter: "full",
  full_outer: "full",
  left: "left",
  leftouter: "left",
  left_outer: "left",
  right: "right",
  rightouter: "right",
  right_outer: "right",
  semi: "semi",
  leftsemi: "semi",
  left_semi: "semi",
  anti: "anti",
  leftanti: "anti",
  left_anti: "anti",
};

/** Normalises Spark's join type names. */
export function joinType(how: string): JoinType {
  const t = JOIN_TYPES[how.toLowerCase()];
  if (t === undefined) {
    throw new WeirError(
      "ANALYSIS",
      `[UNSUPPORTED_JOIN_TYPE] Unsupported join type '${how}'. Supported join types include: ${Object.keys(JOIN_TYPES).map((k) => `'${k}'`).join(", ")}.`,
    );
  }
  return t;
}

/** Gives the right side fresh attribute ids when it shares any with the left (a self-join). */
function dedupRight(left: LogicalPlan, right: LogicalPlan): LogicalPlan {
  const ids = new Set(left.output.map((a) => a.id));
  if (!right.output.some((a) => ids.has(a.id))) return right;
  return projectNode(
    right,
    right.output.map((a) => ({ expr: refTo(a), attr: { ...newAttribute(a.name, a.dataType, a.nullable), ...(a.qualifier === undefined ? {} : { qualifier: a.qualifier }) } })),
  );
}

/** join(): on column names (Spark's USING join: one column per key), on a condition, or none (cartesian). */
export function join(leftPlan: LogicalPlan, rightPlan: LogicalPlan, on: string | readonly string[] | Expr | undefined, how: string): LogicalPlan {
  const type = joinType(how);
  const left = leftPlan;
  const right = dedupRight(left, rightPlan);
  if (on === undefined || (Array.isArray(on) && on.length === 0)) {
    return { kind: "join", left, right, how: type === "inner" ? "cross" : type, condition: null, output: joinOutput(left, right, type) };
  }
  if (typeof on === "string" || Array.isArray(on)) return usingJoin(left, right, typeof on === "string" ? [on] : (on as readonly string[]), type);
  const resolver = new Resolver([...left.output, ...right.output]);
  const condition = resolver.resolve(on as Expr);
  if (condition.dataType.kind !== "boolean") {
    throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH.JOIN_CONDITION_IS_NOT_BOOLEAN_TYPE] The join condition ${prettyName(condition)} has the type "${typeSql(condition.dataType)}", not "BOOLEAN".`);
  }
  return { kind: "join", left, right, how: type === "cross" ? "inner" : type, condition, output: joinOutput(left, right, type) };
}

function usingJoin(left: LogicalPlan, right: LogicalPlan, names: readonly string[], how: JoinType): LogicalPlan {
  const side = (plan: LogicalPlan, name: string, which: string): Attribute => {
    const r = (() => {
      try {
        return new Resolver(plan.output).column(`\`${name}\``);
      } catch {
        return null;
      }
    })();
    if (r === null || r.kind !== "ref") {
      throw new WeirError(
        "ANALYSIS",
        `[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column \`${name}\` cannot be resolved on the ${which} side of the join. The ${which}-side columns: [${plan.output.map((a) => `\`${a.name}\``).join(", ")}].`,
        { details: { column: name } },
      );
    }
    return plan.output.find((a) => a.id === r.id)!;
  };
  const lkeys = names.map((n) => side(left, n, "left"));
  const rkeys = names.map((n) => side(right, n, "right"));
  const condition = conjunction(lkeys.map((l, i) => callScalar("=", [refTo(l), refTo(rkeys[i])])));
  const joinHow = how === "cross" ? "inner" : how;
  const output = joinOutput(left, right, joinHow);
  const j: LogicalPlan = { kind: "join", left, right, how: joinHow, condition, output };
  const byId = (a: Attribute): Attribute => output.find((o) => o.id === a.id)!;
  const keyItems: NamedExpr[] = lkeys.map((l, i) => {
    const r = rkeys[i];
    if (joinHow === "right") return { expr: refTo(byId(r)), attr: byId(r) };
    if (joinHow === "full") return named({ expr: callScalar("coalesce", [refTo(byId(l)), refTo(byId(r))]), name: l.name });
    return { expr: refTo(byId(l)), attr: byId(l) };
  });
  const isKey = (a: Attribute): boolean => lkeys.some((k) => k.id === a.id) || rkeys.some((k) => k.id === a.id);
  const rest = output.filter((a) => !isKey(a)).map((a) => ({ expr: refTo(a), attr: a }));
  return projectNode(j, [...keyItems, ...rest]);
}

/** Checks a string names a column, for APIs that take names (GroupedData.sum("x")). */
export function requireColumn(plan: LogicalPlan, name: string): Attribute {
  const r = new Resolver(plan.output).column(name);
  if (r.kind !== "ref") throw new WeirError("ANALYSIS", `expected a column name, got ${name}`);
  return plan.output.find((a) => a.id === r.id)!;
}


/**
 * groupBy(keys).flatMapGroupsWithState / mapGroupsWithState: the keys resolved against the
 * child (named as groupBy names them), the output one fresh column per outputSchema field.
 */
export function flatMapGroupsWithState(child: LogicalPlan, keys: readonly Expr[], spec: GroupStateSpec): LogicalPlan {
  const resolver = new Resolver(child.output);
  const items: OutputItem[] = [];
  for (const k of keys) {
    if (k.kind === "star") {
      items.push(...resolver.expandStar(k.qualifier));
      continue;
    }
    const r = resolver.resolve(k);
    items.push({ expr: r, name: outputName(k, r), ...(r.kind === "ref" ? { attr: child.output.find((a) => a.id === r.id) } : {}) });
  }
  // groupBy(window(ts, ...)) groups by the generated window column, as for agg().
  const expanded = expandSlidingWindows(child, items);
  const output = spec.outputSchema.fields.map((f) => newAttribute(f.name, f.dataType, f.nullable));
  return { kind: "flatMapGroupsWithState", child: expanded.plan, keys: expanded.items.map(named), spec, output };
}
