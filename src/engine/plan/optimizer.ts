/**
 * The optimizer: rewrites a resolved logical plan into one that computes the same rows with less
 * work. Rules, in order: drop relation aliases; fold constants; push filters down (combining
 * adjacent ones) through projections, sorts, aggregates (on grouping columns), generators,
 * unions and into both sides of joins where the join type allows; collapse adjacent projections;
 * prune columns nobody reads (down into the scan's column list); prune the fields of from_json
 * structs nobody reads; and offer the filters that sit on a scan to the source
 * (ScanOptions.filters).
 */
import type { Expr } from "../expr/ast.js";
import type { Attribute, NamedExpr, RExpr } from "./expressions.js";
import { childrenOf, isDeterministic, isFoldable, mapChildren, referencedIds, refTo, splitConjuncts, transformUp } from "./expressions.js";
import type { JoinType, LogicalPlan } from "./logical.js";
import { filterNode, planChildren, projectNode, refreshOutput, withChildren } from "./logical.js";
import { conjunction } from "./resolve.js";
import { compile } from "../exec/bind.js";
import { fromJsonVariant, fromJsonVariantOf, isFromJson } from "../functions/json.js";
import { struct, type StructType } from "../types.js";

/** Optimizes a plan; the result has the same output attributes, in the same order. */
export function optimize(plan: LogicalPlan): LogicalPlan {
  let p = mapUp(plan, (n) => (n.kind === "alias" ? n.child : n));
  p = mapUp(p, (n) => simplifyFilter(mapNodeExprs(n, fold)));
  p = pushFilters(p);
  p = mapUp(p, collapseProjects);
  p = prune(p, new Set(p.output.map((a) => a.id)));
  p = mapUp(p, removeIdentityProject);
  p = pruneJsonFields(p);
  p = mapUp(p, (n) => mapAllExprs(n, (e) => transformUp(e, jsonFromBytes)));
  p = mapUp(p, pushIntoScan);
  return p;
}

/** Rebuilds a plan bottom-up, refreshing outputs after children change. */
function mapUp(p: LogicalPlan, f: (p: LogicalPlan) => LogicalPlan): LogicalPlan {
  const kids = planChildren(p);
  const next = kids.map((k) => mapUp(k, f));
  const rebuilt = next.every((k, i) => k === kids[i]) ? p : refreshOutput(withChildren(p, next));
  return f(rebuilt);
}

/** Applies `f` to every expression a node holds. */
function mapNodeExprs(p: LogicalPlan, f: (e: RExpr) => RExpr): LogicalPlan {
  const named = (xs: readonly NamedExpr[]): NamedExpr[] => xs.map((x) => ({ expr: f(x.expr), attr: x.attr }));
  switch (p.kind) {
    case "project":
      return { ...p, list: named(p.list) };
    case "filter":
      return { ...p, condition: f(p.condition) };
    case "aggregate":
      return { ...p, keys: named(p.keys), aggs: p.aggs.map((a) => ({ expr: mapChildren(a.expr, f), attr: a.attr })) };
    case "generate":
      return { ...p, arg: f(p.arg) };
    case "join":
      return { ...p, condition: p.condition === null ? null : f(p.condition) };
    case "sort":
      return { ...p, keys: p.keys.map((k) => ({ ...k, expr: f(k.expr) })) };
    default:
      return p;
  }
}

/** Constant folding: computes constant subexpressions once (leaving alone those that fail; they fail at run time as ANSI says). */
export function fold(e: RExpr): RExpr {
  return transformUp(e, (x) => {
    if (x.kind === "call" && (x.name === "and" || x.name === "or")) {
      const [a, b] = x.args;
      const isAnd = x.name === "and";
      for (const [one, other] of [[a, b], [b, a]] as const) {
        if (one.kind === "lit" && one.value === !isAnd) return one; // false AND _, true OR _
        if (one.kind === "lit" && one.value === isAnd && other.dataType.kind === "boolean") return other; // true AND x, false OR x
      }
    }
    if (x.kind === "lit" || x.kind === "ref" || !isFoldable(x)) return x;
    try {
      const value = compile(x, new Map())([]);
      return { kind: "lit", value, dataType: x.dataType, nullable: value === null };
    } catch {
      return x;
    }
  });
}

function simplifyFilter(p: LogicalPlan): LogicalPlan {
  if (p.kind !== "filter" || p.condition.kind !== "lit") return p;
  return p.condition.value === true ? p.child : { kind: "empty", output: p.output };
}

function substitute(e: RExpr, map: ReadonlyMap<number, RExpr>): RExpr {
  return transformUp(e, (x) => (x.kind === "ref" ? (map.get(x.id) ?? x) : x));
}

function subset(ids: ReadonlySet<number>, of: readonly Attribute[]): boolean {
  const s = new Set(of.map((a) => a.id));
  for (const i of ids) if (!s.has(i)) return false;
  return true;
}

function wrap(p: LogicalPlan, conds: readonly RExpr[]): LogicalPlan {
  return conds.length === 0 ? p : filterNode(p, conjunction(conds));
}

/** Bottom-up: every Filter sinks as far as it validly can; join conditions push one-sided parts into the sides. */
function pushFilters(p: LogicalPlan): LogicalPlan {
  return mapUp(p, (n) => {
    if (n.kind === "filter") return sink(n.child, splitConjuncts(n.condition));
    if (n.kind === "join" && n.condition !== null) return pushJoinCondition(n);
    return n;
  });
}

const PUSH_LEFT: ReadonlySet<JoinType> = new Set(["inner", "cross", "left", "semi", "anti"]);
const PUSH_RIGHT: ReadonlySet<JoinType> = new Set(["inner", "cross", "right"]);

function pushJoinCondition(j: Extract<LogicalPlan, { kind: "join" }>): LogicalPlan {
  // Parts of an ON condition that read one side only filter that side, unless that side is the preserved side of an outer join.
  const toLeft = new Set<JoinType>(["inner", "cross", "right"]);
  const toRight = new Set<JoinType>(["inner", "cross", "left", "semi", "anti"]);
  const left: RExpr[] = [];
  const right: RExpr[] = [];
  const keep: RExpr[] = [];
  for (const c of splitConjuncts(j.condition!)) {
    const ids = referencedIds(c);
    if (ids.size > 0 && isDeterministic(c) && subset(ids, j.left.output) && toLeft.has(j.how)) left.push(c);
    else if (ids.size > 0 && isDeterministic(c) && subset(ids, j.right.output) && toRight.has(j.how)) right.push(c);
    else keep.push(c);
  }
  if (left.length === 0 && right.length === 0) return j;
  return refreshOutput({
    ...j,
    left: left.length === 0 ? j.left : sink(j.left, left),
    right: right.length === 0 ? j.right : sink(j.right, right),
    condition: keep.length === 0 ? null : conjunction(keep),
  });
}

/** Applies `conds` on top of `child`, as deep in it as each condition may go. */
function sink(child: LogicalPlan, conds: readonly RExpr[]): LogicalPlan {
  if (conds.length === 0) return child;
  const movable = conds.filter(isDeterministic);
  const fixed = conds.filter((c) => !isDeterministic(c));
  const finish = (p: LogicalPlan, rest: readonly RExpr[]): LogicalPlan => wrap(refreshOutput(p), [...rest, ...fixed]);
  switch (child.kind) {
    case "filter":
      return wrap(sink(child.child, [...splitConjuncts(child.condition), ...movable]), fixed);
    case "empty":
      return child;
    case "project": {
      const map = new Map<number, RExpr>();
      const ok = new Set<number>();
      for (const n of child.list) {
        map.set(n.attr.id, n.expr);
        if (isDeterministic(n.expr)) ok.add(n.attr.id);
      }
      const push: RExpr[] = [];
      const rest: RExpr[] = [];
      for (const c of movable) ([...referencedIds(c)].every((id) => ok.has(id)) ? push : rest).push(c);
      if (push.length === 0) return finish(child, rest);
      return finish({ ...child, child: sink(child.child, push.map((c) => substitute(c, map))) }, rest);
    }
    case "sort":
      return finish({ ...child, child: sink(child.child, movable) }, []);
    case "dedup": {
      const distinctAll = child.keys.length === child.output.length;
      const push: RExpr[] = [];
      const rest: RExpr[] = [];
      for (const c of movable) (distinctAll || subset(referencedIds(c), child.keys) ? push : rest).push(c);
      return finish({ ...child, child: sink(child.child, push) }, rest);
    }
    case "aggregate": {
      const map = new Map<number, RExpr>(child.keys.map((k) => [k.attr.id, k.expr]));
      // A merged session is not any row's own session: a condition on it stays above.
      if (child.sessionWindow !== undefined) map.delete(child.keys[child.sessionWindow].attr.id);
      const push: RExpr[] = [];
      const rest: RExpr[] = [];
      for (const c of movable) (child.keys.length > 0 && [...referencedIds(c)].every((id) => map.has(id)) ? push : rest).push(c);
      return finish({ ...child, child: sink(child.child, push.map((c) => substitute(c, map))) }, rest);
    }
    case "generate": {
      const gen = new Set(child.generatorOutput.map((a) => a.id));
      const push: RExpr[] = [];
      const rest: RExpr[] = [];
      for (const c of movable) ([...referencedIds(c)].some((id) => gen.has(id)) ? rest : push).push(c);
      return finish({ ...child, child: sink(child.child, push) }, rest);
    }
    case "union": {
      const children = child.children.map((k) => {
        const map = new Map<number, RExpr>(child.output.map((a, i) => [a.id, refTo(k.output[i])]));
        return sink(k, movable.map((c) => substitute(c, map)));
      });
      return finish({ ...child, children }, []);
    }
    case "join": {
      const left: RExpr[] = [];
      const right: RExpr[] = [];
      const rest: RExpr[] = [];
      for (const c of movable) {
        const ids = referencedIds(c);
        if (ids.size > 0 && subset(ids, child.left.output) && PUSH_LEFT.has(child.how)) left.push(c);
        else if (ids.size > 0 && subset(ids, child.right.output) && PUSH_RIGHT.has(child.how)) right.push(c);
        else rest.push(c);
      }
      let condition = child.condition;
      let how = child.how;
      if ((how === "inner" || how === "cross") && rest.length > 0) {
        condition = conjunction([...(condition === null ? [] : [condition]), ...rest]);
        how = "inner";
        rest.length = 0;
      }
      return finish({ ...child, how, condition, left: sink(child.left, left), right: sink(child.right, right) }, rest);
    }
    default:
      return wrap(child, conds);
  }
}

/** Merges Project(Project(x)) when that computes nothing twice. */
function collapseProjects(p: LogicalPlan): LogicalPlan {
  if (p.kind !== "project" || p.child.kind !== "project") return p;
  const inner = p.child;
  if (!inner.list.every((n) => isDeterministic(n.expr))) return p;
  const map = new Map<number, RExpr>(inner.list.map((n) => [n.attr.id, n.expr]));
  const uses = new Map<number, number>();
  for (const n of p.list) for (const id of referencedIds(n.expr)) uses.set(id, (uses.get(id) ?? 0) + 1);
  for (const n of inner.list) {
    const trivial = n.expr.kind === "ref" || n.expr.kind === "lit";
    if (!trivial && (uses.get(n.attr.id) ?? 0) > 1) return p;
  }
  return projectNode(
    inner.child,
    p.list.map((n) => ({ expr: substitute(n.expr, map), attr: n.attr })),
  );
}

function removeIdentityProject(p: LogicalPlan): LogicalPlan {
  if (p.kind !== "project") return p;
  const out = p.child.output;
  const identity = p.list.length === out.length && p.list.every((n, i) => n.expr.kind === "ref" && n.expr.id === out[i].id && n.attr.id === out[i].id && n.attr.name === out[i].name);
  return identity ? p.child : p;
}

function idsOf(exprs: readonly RExpr[], into = new Set<number>()): Set<number> {
  for (const e of exprs) referencedIds(e, into);
  return into;
}

/** Column pruning: each node keeps only what its parent needs; scans read only those columns. */
function prune(p: LogicalPlan, required: ReadonlySet<number>): LogicalPlan {
  const need = (extra: readonly RExpr[]): Set<number> => idsOf(extra, new Set(required));
  switch (p.kind) {
    case "scan": {
      const columns = p.sourceOutput.map((a, i) => (required.has(a.id) ? i : -1)).filter((i) => i >= 0);
      if (columns.length === p.sourceOutput.length) return { ...p, output: p.sourceOutput, columns: undefined };
      return { ...p, columns, output: columns.map((i) => p.sourceOutput[i]) };
    }
    case "empty":
      return p;
    case "project": {
      const list = p.list.filter((n) => required.has(n.attr.id));
      return projectNode(prune(p.child, idsOf(list.map((n) => n.expr))), list);
    }
    case "filter":
      return refreshOutput({ ...p, child: prune(p.child, need([p.condition])) });
    case "sort":
      return refreshOutput({ ...p, child: prune(p.child, need(p.keys.map((k) => k.expr))) });
    case "limit":
    case "alias":
      return refreshOutput({ ...p, child: prune(p.child, required) });
    case "dedup": {
      const keep = p.keys.length === p.child.output.length ? new Set(p.child.output.map((a) => a.id)) : new Set([...required, ...p.keys.map((a) => a.id)]);
      return refreshOutput({ ...p, child: prune(p.child, keep) });
    }
    case "aggregate": {
      const aggs = p.aggs.filter((a) => required.has(a.attr.id));
      const ids = idsOf([...p.keys.map((k) => k.expr), ...aggs.flatMap((a) => childrenOf(a.expr))]);
      const child = prune(p.child, ids);
      return { ...p, child, aggs, output: [...p.keys.map((k) => k.attr), ...aggs.map((a) => a.attr)] };
    }
    case "window": {
      const exprs = p.exprs.filter((e) => required.has(e.attr.id));
      if (exprs.length === 0) return prune(p.child, required);
      return refreshOutput({ ...p, exprs, child: prune(p.child, idsOf(exprs.map((e) => e.expr), new Set(required))) });
    }
    case "generate":
      return refreshOutput({ ...p, child: prune(p.child, need([p.arg])) });
    case "join": {
      const ids = need(p.condition === null ? [] : [p.condition]);
      return refreshOutput({ ...p, left: prune(p.left, ids), right: prune(p.right, ids) });
    }
    case "union":
      return { ...p, children: p.children.map((c) => prune(c, new Set(c.output.map((a) => a.id)))) };
    case "flatMapGroupsWithState":
      // The function sees whole rows: the child keeps every column; the output is the function's.
      return { ...p, child: prune(p.child, new Set(p.child.output.map((a) => a.id))) };
  }
}

/** Converts a condition over scan columns into the source's terms (names as in its schema); null when it cannot. */
function toSourceExpr(e: RExpr, names: ReadonlyMap<number, string>): Expr | null {
  switch (e.kind) {
    case "ref": {
      const n = names.get(e.id);
      return n === undefined ? null : { kind: "col", name: n };
    }
    case "lit":
      return { kind: "lit", value: e.value, type: e.dataType };
    case "cast": {
      const c = toSourceExpr(e.child, names);
      return c === null ? null : { kind: "cast", child: c, to: e.dataType, ...(e.tryCast ? { tryCast: true } : {}) };
    }
    case "call": {
      const args = e.args.map((a) => toSourceExpr(a, names));
      return args.some((a) => a === null) || e.fn.nondeterministic === true ? null : { kind: "call", fn: e.name, args: args as Expr[] };
    }
    default:
      return null;
  }
}

/** Offers the conjuncts of a Filter sitting on a Scan to the source (which may skip data with them; the filter stays). */
function pushIntoScan(p: LogicalPlan): LogicalPlan {
  if (p.kind !== "filter" || p.child.kind !== "scan") return p;
  const scan = p.child;
  const names = new Map(scan.sourceOutput.map((a) => [a.id, a.name]));
  const pushed = splitConjuncts(p.condition).filter((c) => isDeterministic(c) && toSourceExpr(c, names) !== null);
  if (pushed.length === 0) return p;
  return { ...p, child: { ...scan, pushedFilters: pushed } };
}

/** The pushed filters of a scan in the source's terms. */
export function scanFilters(scan: Extract<LogicalPlan, { kind: "scan" }>): Expr[] {
  const names = new Map(scan.sourceOutput.map((a) => [a.id, a.name]));
  return scan.pushedFilters.map((c) => toSourceExpr(c, names)).filter((e): e is Expr => e !== null);
}

/** Applies `f` to every expression a node holds (whole expressions; aggregates and window functions included). */
export function mapAllExprs(p: LogicalPlan, f: (e: RExpr) => RExpr): LogicalPlan {
  const named = (xs: readonly NamedExpr[]): NamedExpr[] => xs.map((x) => ({ expr: f(x.expr), attr: x.attr }));
  switch (p.kind) {
    case "project":
      return { ...p, list: named(p.list) };
    case "filter":
      return { ...p, condition: f(p.condition) };
    case "aggregate":
      return { ...p, keys: named(p.keys), aggs: named(p.aggs) };
    case "window":
      return { ...p, exprs: named(p.exprs) };
    case "generate":
      return { ...p, arg: f(p.arg) };
    case "join":
      return { ...p, condition: p.condition === null ? null : f(p.condition) };
    case "sort":
      return { ...p, keys: p.keys.map((k) => ({ ...k, expr: f(k.expr) })) };
    default:
      return p;
  }
}

/** How the plan reads attributes: whole, or only through struct field extraction (`e.f`). */
interface AttributeUses {
  readonly whole: Set<number>;
  /** Attribute id → the field positions extracted from it. */
  readonly fields: Map<number, Set<number>>;
}

function exprUses(e: RExpr, u: AttributeUses): void {
  if (e.kind === "extract" && e.mode === "field" && e.child.kind === "ref") {
    let fs = u.fields.get(e.child.id);
    if (fs === undefined) u.fields.set(e.child.id, (fs = new Set()));
    fs.add(e.fieldIndex);
    exprUses(e.key, u);
    return;
  }
  if (e.kind === "ref") {
    u.whole.add(e.id);
    return;
  }
  for (const c of childrenOf(e)) exprUses(c, u);
}

function planUses(p: LogicalPlan, u: AttributeUses): void {
  const all = (xs: readonly RExpr[]): void => xs.forEach((x) => exprUses(x, u));
  switch (p.kind) {
    case "project":
      // A column passed through under its own id is not a use: its uses are those above.
      for (const n of p.list) if (!(n.expr.kind === "ref" && n.expr.id === n.attr.id)) exprUses(n.expr, u);
      break;
    case "filter":
      exprUses(p.condition, u);
      break;
    case "aggregate":
      all([...p.keys.map((k) => k.expr), ...p.aggs.map((a) => a.expr)]);
      break;
    case "window":
      all(p.exprs.map((x) => x.expr));
      break;
    case "generate":
      exprUses(p.arg, u);
      break;
    case "join":
      if (p.condition !== null) exprUses(p.condition, u);
      break;
    case "sort":
      all(p.keys.map((k) => k.expr));
      break;
    case "dedup":
      for (const a of p.keys) u.whole.add(a.id);
      break;
    case "union":
      for (const c of p.children) for (const a of c.output) u.whole.add(a.id);
      for (const a of p.output) u.whole.add(a.id);
      break;
    case "scan":
      all(p.pushedFilters);
      break;
    case "flatMapGroupsWithState":
      // The function reads whole rows (from_json structs included).
      for (const a of p.child.output) u.whole.add(a.id);
      break;
    default:
      break;
  }
  for (const c of planChildren(p)) planUses(c, u);
}

/** The fields a from_json call's result holds, as positions in its schema argument's struct. */
function keptFields(call: Extract<RExpr, { kind: "call" }>, width: number): readonly number[] {
  return fromJsonVariantOf(call.fn).keep ?? Array.from({ length: width }, (_, i) => i);
}

/** A struct from_json call (pruned or not) with more than one field. */
function isWideJsonStruct(e: RExpr): e is Extract<RExpr, { kind: "call" }> & { dataType: StructType } {
  return e.kind === "call" && isFromJson(e.fn) && e.dataType.kind === "struct" && e.dataType.fields.length > 1;
}

/** The call pruned to the fields at `positions` of its current result. */
function pruneCall(call: Extract<RExpr, { kind: "call" }> & { dataType: StructType }, positions: readonly number[]): RExpr {
  const kept = keptFields(call, call.dataType.fields.length);
  const dataType = struct(positions.map((i) => call.dataType.fields[i]));
  const v = fromJsonVariantOf(call.fn);
  return { ...call, fn: fromJsonVariant(positions.map((i) => kept[i]), v.bytesInput, dataType, v.malformed), dataType };
}

/**
 * `from_json(CAST(b AS STRING), ...)` of a binary `b` (a Kafka value) reads the bytes of `b`
 * itself, without building the string of the whole value first (see fromJsonVariant).
 */
function jsonFromBytes(x: RExpr): RExpr {
  if (x.kind !== "call" || !isFromJson(x.fn) || x.args.length === 0) return x;
  const arg = x.args[0];
  if (arg.kind !== "cast" || arg.dataType.kind !== "string" || arg.child.dataType.kind !== "binary") return x;
  const v = fromJsonVariantOf(x.fn);
  if (v.bytesInput) return x;
  return { ...x, fn: fromJsonVariant(v.keep, true, x.dataType, v.malformed), args: [arg.child, ...x.args.slice(1)] };
}

/**
 * Nested field pruning of from_json (Spark's OptimizeCsvJsonExprs with nested column
 * aliasing): a struct from_json builds only the fields the query reads when nothing reads the
 * struct whole — `from_json(v, s).f` in an expression, or `e.f` and `e.g` (anywhere above) of a
 * projected `from_json(v, s) AS e`. The struct's type shrinks to those fields and the
 * extractions' positions follow. What records are checked against is Spark's: the pruned
 * schema for a call without options, the whole schema otherwise (fromJsonVariant).
 */
function pruneJsonFields(plan: LogicalPlan): LogicalPlan {
  // `from_json(...).f` within one expression.
  const direct = (x: RExpr): RExpr => (x.kind === "extract" && x.mode === "field" && isWideJsonStruct(x.child) ? { ...x, child: pruneCall(x.child, [x.fieldIndex]), fieldIndex: 0 } : x);
  let p = mapUp(plan, (n) => mapAllExprs(n, (e) => transformUp(e, direct)));
  // `from_json(...) AS e`, read only as e.f, e.g.
  const uses: AttributeUses = { whole: new Set(p.output.map((a) => a.id)), fields: new Map() };
  planUses(p, uses);
  const targets = new Map<number, { readonly positions: number[]; readonly type: StructType; readonly remap: Map<number, number> }>();
  const find = (n: LogicalPlan): void => {
    if (n.kind === "project") {
      for (const item of n.list) {
        const fs = uses.fields.get(item.attr.id);
        if (!isWideJsonStruct(item.expr) || uses.whole.has(item.attr.id) || fs === undefined || fs.size >= item.expr.dataType.fields.length) continue;
        const positions = [...fs].sort((a, b) => a - b);
        const fields = item.expr.dataType.fields;
        targets.set(item.attr.id, { positions, type: struct(positions.map((i) => fields[i])), remap: new Map(positions.map((f, i) => [f, i])) });
      }
    }
    planChildren(n).forEach(find);
  };
  find(p);
  if (targets.size === 0) return p;
  const rewrite = (x: RExpr): RExpr => {
    if (x.kind === "ref") {
      const t = targets.get(x.id);
      return t === undefined ? x : { ...x, dataType: t.type };
    }
    if (x.kind === "extract" && x.mode === "field" && x.child.kind === "ref") {
      const t = targets.get(x.child.id);
      return t === undefined ? x : { ...x, fieldIndex: t.remap.get(x.fieldIndex)! };
    }
    return x;
  };
  p = mapUp(p, (n) => {
    const m = mapAllExprs(n, (e) => transformUp(e, rewrite));
    if (m.kind !== "project") return refreshOutput(m);
    const list = m.list.map((item): NamedExpr => {
      const t = targets.get(item.attr.id);
      if (t === undefined) return item;
      const attr = { ...item.attr, dataType: t.type };
      // The defining item (a pass-through reference was rewritten above).
      if (isWideJsonStruct(item.expr)) return { expr: pruneCall(item.expr, t.positions), attr };
      return { expr: item.expr, attr };
    });
    return projectNode(m.child, list);
  });
  return p;
}
