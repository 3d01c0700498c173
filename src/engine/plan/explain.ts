/**
 * explain(): logical and physical plans as Spark prints them, one node per line, children below
 * with `+- ` (last child) and `:- ` (others) connectors.
 */
import type { PhysicalOp } from "../exec/operator.js";
import type { LogicalPlan } from "./logical.js";
import { planChildren } from "./logical.js";
import { planString, sortKeyString } from "./names.js";
import type { Attribute, NamedExpr } from "./expressions.js";
import { simpleString } from "../types.js";

function attrs(xs: readonly Attribute[]): string {
  return `[${xs.map((a) => `${a.name}#${a.id}`).join(", ")}]`;
}

function namedList(xs: readonly NamedExpr[]): string {
  return `[${xs.map((n) => (n.expr.kind === "ref" && n.expr.id === n.attr.id ? planString(n.expr) : `${planString(n.expr)} AS ${n.attr.name}#${n.attr.id}`)).join(", ")}]`;
}

const JOIN_NAMES = { inner: "Inner", left: "LeftOuter", right: "RightOuter", full: "FullOuter", semi: "LeftSemi", anti: "LeftAnti", cross: "Cross" } as const;

/** One line describing a logical node. */
function logicalLine(p: LogicalPlan): string {
  switch (p.kind) {
    case "scan": {
      const pushed = p.pushedFilters.length === 0 ? "" : `, PushedFilters: [${p.pushedFilters.map(planString).join(", ")}]`;
      return `Relation ${p.source.description}${attrs(p.output)}${pushed}`;
    }
    case "project":
      return `Project ${namedList(p.list)}`;
    case "filter":
      return `Filter ${planString(p.condition)}`;
    case "aggregate":
      return `Aggregate [${p.keys.map((k) => planString(k.expr)).join(", ")}], ${namedList([...p.keys.map((k) => ({ expr: k.expr, attr: k.attr })), ...p.aggs])}`;
    case "window":
      return `Window ${namedList(p.exprs)}`;
    case "generate":
      return `Generate ${p.generator}(${planString(p.arg)}), ${attrs(p.generatorOutput)}`;
    case "join":
      return `Join ${JOIN_NAMES[p.how]}${p.condition === null ? "" : `, ${planString(p.condition)}`}`;
    case "sort":
      return `Sort [${p.keys.map((k) => sortKeyString(k, true)).join(", ")}], true`;
    case "limit":
      return `GlobalLimit ${p.n}`;
    case "union":
      return "Union";
    case "dedup":
      if (p.withinWatermark === true) return `DeduplicateWithinWatermark ${attrs(p.keys)}`;
      return `${p.keys.length === p.output.length ? "Distinct" : "Deduplicate"} ${attrs(p.keys)}`;
    case "alias":
      return `SubqueryAlias ${p.name}`;
    case "flatMapGroupsWithState":
      return `${p.spec.isMapGroups ? "MapGroupsWithState" : "FlatMapGroupsWithState"} [${p.keys.map((k) => planString(k.expr)).join(", ")}], ${p.spec.outputMode}, timeout ${p.spec.timeout}, ${attrs(p.output)}`;
    case "empty":
      return `LocalRelation <empty>, ${attrs(p.output)}`;
  }
}

function tree<T>(root: T, line: (n: T) => string, children: (n: T) => readonly T[]): string {
  const out: string[] = [];
  const walk = (n: T, prefix: string, connector: string): void => {
    out.push(prefix + connector + line(n));
    const kids = children(n);
    const childPrefix = prefix + (connector === "" ? "" : connector === "+- " ? "   " : ":  ");
    kids.forEach((k, i) => walk(k, childPrefix, i === kids.length - 1 ? "+- " : ":- "));
  };
  walk(root, "", "");
  return out.join("\n");
}

/** The logical plan as a tree. */
export function logicalTreeString(p: LogicalPlan): string {
  return tree(p, logicalLine, planChildren);
}

/** The physical plan as a tree. */
export function physicalTreeString(op: PhysicalOp): string {
  return tree(
    op,
    (o) => {
      const d = o.describe();
      return d === "" ? o.name : `${o.name} ${d}`;
    },
    (o) => o.children,
  );
}

/** Spark's explain text: the physical plan, or (extended) the analyzed, optimized and physical plans. */
export function explainString(analyzed: LogicalPlan, optimized: LogicalPlan, physical: PhysicalOp, extended: boolean): string {
  const phys = `== Physical Plan ==\n${physicalTreeString(physical)}\n`;
  if (!extended) return phys;
  const schema = analyzed.output.map((a) => `${a.name}: ${simpleString(a.dataType)}`).join(", ");
  return `== Analyzed Logical Plan ==\n${schema}\n${logicalTreeString(analyzed)}\n\n== Optimized Logical Plan ==\n${logicalTreeString(optimized)}\n\n${phys}`;
}
