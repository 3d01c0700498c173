/**
 * Physical planning: one operator per optimized logical node, choosing the join strategy (hash
 * join on equality keys, nested loop otherwise) and translating pushed scan filters.
 */
import type { RExpr } from "./expressions.js";
import { referencedIds, splitConjuncts } from "./expressions.js";
import type { LogicalPlan } from "./logical.js";
import { planString } from "./names.js";
import { conjunction } from "./resolve.js";
import { scanFilters } from "./optimizer.js";
import type { PhysicalOp } from "../exec/operator.js";
import { EmptyExec, ScanExec, fuseValueJson } from "../exec/scan.js";
import { FilterExec, GenerateExec, LimitExec, ProjectExec, UnionExec, fuseProjectIntoGenerate } from "../exec/narrow.js";
import { DedupExec, HashAggregateExec } from "../exec/aggregate.js";
import { parallelAggregate } from "../exec/parallel/aggregate.js";
import { JoinExec, type JoinKeys } from "../exec/join.js";
import { SortExec } from "../exec/sort.js";
import { SessionWindowAggregateExec } from "../exec/session-window.js";
import { WeirError } from "../../util/errors.js";
import { WindowExec } from "../exec/window.js";
import { FlatMapGroupsWithStateExec } from "../stream/group-state-exec.js";

/** Builds the operator tree of an optimized plan. */
export function physicalPlan(p: LogicalPlan): PhysicalOp {
  switch (p.kind) {
    case "scan":
      return new ScanExec(p.source, p.output, p.columns, scanFilters(p), p.pushedFilters.map(planString));
    case "empty":
      return new EmptyExec(p.output);
    case "project": {
      const child = physicalPlan(p.child);
      // A Kafka scan reads its values with the from_json over them, when that is all the Project does with them.
      const fused = fuseValueJson(child, p.list);
      if (fused !== null) return new ProjectExec(fused.scan, fused.list);
      // A Project that only picks columns of a Generate's rows: the Generate emits them directly.
      return fuseProjectIntoGenerate(child, p.list) ?? new ProjectExec(child, p.list);
    }
    case "filter":
      return new FilterExec(physicalPlan(p.child), p.condition);
    case "aggregate":
      // Grouped by a session window: sessions of a key merge (Spark's MergingSessionsExec).
      if (p.sessionWindow !== undefined) return new SessionWindowAggregateExec(physicalPlan(p.child), p.keys, p.aggs, p.sessionWindow);
      // On the session's worker threads when it reads a Kafka topic and qualifies (exec/parallel/).
      return parallelAggregate(new HashAggregateExec(physicalPlan(p.child), p.keys, p.aggs));
    case "window":
      return new WindowExec(physicalPlan(p.child), p.exprs, p.output);
    case "generate":
      return new GenerateExec(physicalPlan(p.child), p.generator, p.arg, p.generatorOutput, p.output);
    case "sort":
      return new SortExec(physicalPlan(p.child), p.keys);
    case "limit":
      return new LimitExec(physicalPlan(p.child), p.n);
    case "union":
      return new UnionExec(p.children.map(physicalPlan), p.output);
    case "dedup": {
      const dedup = new DedupExec(physicalPlan(p.child), p.keys);
      if (p.withinWatermark !== true) return dedup;
      // Streaming queries run it in stream/dedup.ts; a batch query fails when it runs (Spark's
      // UnsupportedOperationChecker.checkForBatch), while explain() still shows the plan.
      const refused = new WeirError("ANALYSIS", "dropDuplicatesWithinWatermark is not supported with batch DataFrames/DataSets", { details: { errorClass: "UNSUPPORTED_FEATURE" } });
      return { name: "DeduplicateWithinWatermark", output: dedup.output, children: dedup.children, describe: () => dedup.describe(), open: () => Promise.reject(refused) };
    }
    case "alias":
      return physicalPlan(p.child);
    case "flatMapGroupsWithState":
      return new FlatMapGroupsWithStateExec(physicalPlan(p.child), p.keys, p.spec, p.output);
    case "join": {
      const { keys, residual } = joinKeys(p);
      return new JoinExec(physicalPlan(p.left), physicalPlan(p.right), p.how, keys, residual, p.output);
    }
  }
}

/** Splits a join condition into equality keys (left side = right side) and the rest. */
function joinKeys(j: Extract<LogicalPlan, { kind: "join" }>): { keys: JoinKeys | null; residual: RExpr | null } {
  if (j.condition === null) return { keys: null, residual: null };
  const leftIds = new Set(j.left.output.map((a) => a.id));
  const rightIds = new Set(j.right.output.map((a) => a.id));
  const within = (e: RExpr, ids: Set<number>): boolean => {
    const r = referencedIds(e);
    return r.size > 0 && [...r].every((id) => ids.has(id));
  };
  const conjuncts = splitConjuncts(j.condition);
  const pick = (op: string): { left: RExpr[]; right: RExpr[]; used: Set<RExpr> } => {
    const left: RExpr[] = [];
    const right: RExpr[] = [];
    const used = new Set<RExpr>();
    for (const c of conjuncts) {
      if (c.kind !== "call" || c.name !== op || c.args.length !== 2) continue;
      const [a, b] = c.args;
      if (within(a, leftIds) && within(b, rightIds)) {
        left.push(a);
        right.push(b);
        used.add(c);
      } else if (within(b, leftIds) && within(a, rightIds)) {
        left.push(b);
        right.push(a);
        used.add(c);
      }
    }
    return { left, right, used };
  };
  let found = pick("=");
  let nullSafe = false;
  if (found.left.length === 0) {
    found = pick("<=>");
    nullSafe = true;
  }
  const rest = conjuncts.filter((c) => !found.used.has(c));
  return {
    keys: found.left.length === 0 ? null : { left: found.left, right: found.right, nullSafe },
    residual: rest.length === 0 ? null : conjunction(rest),
  };
}
