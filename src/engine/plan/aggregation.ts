/**
 * Analysis of aggregations and window functions: aggregate calls are pulled out of output
 * expressions (`round(sum(x) / count(x), 2)` aggregates sum(x) and count(x), then computes the
 * rest on the aggregated row), grouping expressions are matched, and any other column use is
 * Spark's MISSING_AGGREGATION error. Window expressions become a Window node under a projection.
 */
import { WeirError } from "../../util/errors.js";
import type { Attribute, NamedExpr, RExpr } from "./expressions.js";
import { childrenOf, exists, mapChildren, newAttribute, refTo, sameExpr } from "./expressions.js";
import type { LogicalPlan } from "./logical.js";
import { projectNode } from "./logical.js";
import { prettyName } from "./names.js";

/** One entry of an output list before attributes are assigned: the expression and its name. */
export interface OutputItem {
  readonly expr: RExpr;
  readonly name: string;
  /** The attribute, when the item passes an input column through unchanged. */
  readonly attr?: Attribute;
}

/** Gives an item its output attribute: a pass-through column keeps its attribute (and id). */
export function named(item: OutputItem): NamedExpr {
  if (item.attr !== undefined && item.expr.kind === "ref" && item.attr.name === item.name) return { expr: item.expr, attr: item.attr };
  return { expr: item.expr, attr: newAttribute(item.name, item.expr.dataType, item.expr.nullable) };
}

/**
 * Builds Aggregate(keys, aggregates) with a Project on top computing `items` from the
 * aggregated row. `keys` and `items` are resolved against `child.output`.
 */
export function buildAggregate(child: LogicalPlan, keys: readonly OutputItem[], items: readonly OutputItem[], keysInOutput: boolean): LogicalPlan {
  for (const k of keys) {
    if (exists(k.expr, (x) => x.kind === "agg" || x.kind === "window")) {
      throw new WeirError("ANALYSIS", `[GROUP_BY_AGGREGATE] Aggregate functions are not allowed in GROUP BY, but found ${prettyName(k.expr)}.`);
    }
  }
  const keyNamed = keys.map(named);
  const aggs: NamedExpr[] = [];
  const rewrite = (e: RExpr): RExpr => {
    const key = keyNamed.find((k) => sameExpr(k.expr, e));
    if (key !== undefined) return refTo(key.attr);
    switch (e.kind) {
      case "agg": {
        let a = aggs.find((x) => sameExpr(x.expr, e));
        if (a === undefined) {
          a = { expr: e, attr: newAttribute(prettyName(e), e.dataType, e.nullable) };
          aggs.push(a);
        }
        return refTo(a.attr);
      }
      case "ref": {
        const shown = prettyName(e);
        if (keys.length === 0) {
          throw new WeirError(
            "ANALYSIS",
            `[MISSING_GROUP_BY] The query does not include a GROUP BY clause, but "${shown}" is neither aggregated nor constant. Add groupBy(...), aggregate the column, or turn it into a window function using over().`,
            { details: { column: e.name } },
          );
        }
        throw new WeirError(
          "ANALYSIS",
          `[MISSING_AGGREGATION] The non-aggregating expression "${shown}" is based on columns which are not participating in the GROUP BY clause. ` +
            `Add the columns or the expression to the GROUP BY, aggregate the expression, or use "any_value(${shown})" if you do not care which of the values within a group is returned.`,
          { details: { column: e.name, groupBy: keys.map((k) => k.name) } },
        );
      }
      case "window":
        throw new WeirError("ANALYSIS", `[UNSUPPORTED_FEATURE] window functions over aggregated results (${prettyName(e)}) are not supported yet; aggregate first, then select the window function.`);
      default:
        return mapChildren(e, rewrite);
    }
  };
  // An aggregate selected as a whole takes its output name directly (no projection needed to rename it).
  for (const it of items) {
    const e = it.expr;
    if (e.kind === "agg" && !aggs.some((x) => sameExpr(x.expr, e))) aggs.push({ expr: e, attr: newAttribute(it.name, e.dataType, e.nullable) });
  }
  const outItems = items.map((it) => ({ name: it.name, expr: rewrite(it.expr) }));
  const aggregate: LogicalPlan = {
    kind: "aggregate",
    child,
    keys: keyNamed,
    aggs,
    output: [...keyNamed.map((k) => k.attr), ...aggs.map((a) => a.attr)],
  };
  const list: NamedExpr[] = [];
  if (keysInOutput) for (const k of keyNamed) list.push({ expr: refTo(k.attr), attr: k.attr });
  for (const it of outItems) {
    const agg = it.expr.kind === "ref" ? aggregate.output.find((a) => a.id === (it.expr as { id: number }).id) : undefined;
    list.push(agg !== undefined && agg.name === it.name ? { expr: it.expr, attr: agg } : named({ expr: it.expr, name: it.name }));
  }
  return projectNode(aggregate, list);
}

/** True when an expression uses an aggregate outside of any window function. */
export function hasAggregate(e: RExpr): boolean {
  if (e.kind === "agg") return true;
  if (e.kind === "window") return false;
  return childrenOf(e).some(hasAggregate);
}

/** Lifts window expressions out of `items` into a Window node over `child`; returns the items rewritten. */
export function liftWindows(child: LogicalPlan, items: readonly OutputItem[]): { plan: LogicalPlan; items: OutputItem[] } {
  const windows: NamedExpr[] = [];
  const rewrite = (e: RExpr): RExpr => {
    if (e.kind === "window") {
      let w = windows.find((x) => sameExpr(x.expr, e) && sameWindow(x.expr, e));
      if (w === undefined) {
        w = { expr: e, attr: newAttribute(prettyName(e), e.dataType, e.nullable) };
        windows.push(w);
      }
      return refTo(w.attr);
    }
    return mapChildren(e, rewrite);
  };
  const out = items.map((it) => ({ ...it, expr: rewrite(it.expr) }));
  if (windows.length === 0) return { plan: child, items: out };
  const plan: LogicalPlan = { kind: "window", child, exprs: windows, output: [...child.output, ...windows.map((w) => w.attr)] };
  return { plan, items: out };
}

function sameWindow(a: RExpr, b: RExpr): boolean {
  if (a.kind !== "window" || b.kind !== "window") return false;
  return (
    a.frame.type === b.frame.type &&
    a.frame.start === b.frame.start &&
    a.frame.end === b.frame.end &&
    a.orderBy.length === b.orderBy.length &&
    a.orderBy.every((k, i) => k.ascending === b.orderBy[i].ascending && k.nullsFirst === b.orderBy[i].nullsFirst)
  );
}
