/**
 * Malformed records per micro-batch, for progress: `sources[i].metrics.numMalformedRecords` is
 * the number of records of source i that did not parse in that batch, whatever the parse mode
 * did with them (PERMISSIVE: a row of nulls plus the corrupt-record column; DROPMALFORMED:
 * skipped), and the query keeps running (FAILFAST fails it, naming the record).
 *
 * Two places parse: a file source's reader (JSON, CSV), which counts into the batch's own scan
 * (file-stream.ts reports it), and `from_json` in the query, whose malformed records are counted
 * here: each from_json call of the plan is bound, per batch, to the counter of the streaming
 * source its input comes from (found once per query by following attribute ids down to the
 * sources' scans: {@link relationLineage}). A from_json over rows of several sources (after a
 * union) counts into the first of them. Records are counted each time the batch's rows are
 * computed: a foreachBatch function running several actions over its DataFrame counts a
 * malformed record once per action that parses it.
 */
import { fromJsonVariant, fromJsonVariantOf, isFromJson } from "../functions/json.js";
import { referencedIds, transformUp, type NamedExpr, type RExpr } from "../plan/expressions.js";
import type { LogicalPlan } from "../plan/logical.js";
import { planChildren } from "../plan/logical.js";
import { mapAllExprs } from "../plan/optimizer.js";
import { MalformedRecords } from "../io/parse-mode.js";
import { isStreamingRelation, type StreamingRelation } from "./source.js";

/** For each attribute id of a plan, the indexes of the streaming relations its values come from (ascending). */
export type RelationLineage = ReadonlyMap<number, readonly number[]>;

/** Follows every attribute of `plan` down to the streaming relations (by their index in `relations`) it derives from. */
export function relationLineage(plan: LogicalPlan, relations: readonly StreamingRelation[]): RelationLineage {
  const lineage = new Map<number, Set<number>>();
  const of = (ids: Iterable<number>): Set<number> => {
    const out = new Set<number>();
    for (const id of ids) for (const r of lineage.get(id) ?? []) out.add(r);
    return out;
  };
  const add = (id: number, rels: Set<number>): void => {
    if (rels.size === 0) return;
    const cur = lineage.get(id);
    if (cur === undefined) lineage.set(id, new Set(rels));
    else for (const r of rels) cur.add(r);
  };
  const named = (list: readonly NamedExpr[]): void => {
    for (const n of list) add(n.attr.id, of(referencedIds(n.expr)));
  };
  const walk = (p: LogicalPlan): void => {
    for (const c of planChildren(p)) walk(c);
    switch (p.kind) {
      case "scan":
        if (isStreamingRelation(p.source)) {
          const i = relations.indexOf(p.source);
          if (i >= 0) for (const a of p.output) add(a.id, new Set([i]));
        }
        break;
      case "project":
        named(p.list);
        break;
      case "aggregate":
        named(p.keys);
        named(p.aggs);
        break;
      case "window":
        named(p.exprs);
        break;
      case "generate": {
        const rels = of(referencedIds(p.arg));
        for (const a of p.generatorOutput) add(a.id, rels);
        break;
      }
      case "union":
        p.output.forEach((a, i) => {
          for (const c of p.children) if (c.output[i] !== undefined) add(a.id, of([c.output[i].id]));
        });
        break;
      default: {
        // Operators whose output columns are their children's (filter, sort, join...), or new
        // columns computed from all of their input (the group-state functions).
        const own = new Set(planChildren(p).flatMap((c) => c.output.map((a) => a.id)));
        const all = of(own);
        for (const a of p.output) if (!own.has(a.id)) add(a.id, all);
        break;
      }
    }
  };
  walk(plan);
  return new Map([...lineage].map(([id, rels]) => [id, [...rels].sort((a, b) => a - b)]));
}

/** True when a from_json call of `plan` reads rows of some streaming relation. */
export function fromJsonSources(plan: LogicalPlan, lineage: RelationLineage): Set<number> {
  const out = new Set<number>();
  const visit = (e: RExpr): RExpr => {
    if (e.kind === "call" && isFromJson(e.fn) && e.args.length > 0) {
      const first = firstRelation(e.args[0], lineage);
      if (first !== null) out.add(first);
    }
    return e;
  };
  const walk = (p: LogicalPlan): void => {
    mapAllExprs(p, (e) => transformUp(e, visit));
    planChildren(p).forEach(walk);
  };
  walk(plan);
  return out;
}

function firstRelation(e: RExpr, lineage: RelationLineage): number | null {
  let best: number | null = null;
  for (const id of referencedIds(e)) for (const r of lineage.get(id) ?? []) if (best === null || r < best) best = r;
  return best;
}

/** One batch's malformed-record counters, one per streaming source. */
export class BatchMalformedCounts {
  readonly perSource: MalformedRecords[];
  constructor(sources: number) {
    this.perSource = Array.from({ length: sources }, () => new MalformedRecords());
  }
}

/**
 * `p` itself with each from_json call of its own expressions counting into the counter of the
 * source its input comes from (children are left as they are). `p` unchanged when it has none.
 */
export function bindMalformedCounters(p: LogicalPlan, lineage: RelationLineage, counts: BatchMalformedCounts): LogicalPlan {
  let changed = false;
  const bind = (e: RExpr): RExpr => {
    if (e.kind !== "call" || !isFromJson(e.fn) || e.args.length === 0) return e;
    const rel = firstRelation(e.args[0], lineage);
    if (rel === null) return e;
    const v = fromJsonVariantOf(e.fn);
    changed = true;
    return { ...e, fn: fromJsonVariant(v.keep, v.bytesInput, e.dataType, counts.perSource[rel]) };
  };
  const out = mapAllExprs(p, (e) => transformUp(e, bind));
  return changed ? out : p;
}

