/**
 * Logical plan nodes. A DataFrame holds one of these, already resolved: every node knows its
 * output attributes, and expressions refer to attributes by id. The optimizer rewrites these trees;
 * physical planning (physical.ts) turns them into operators.
 */
import type { ScanSource } from "../source.js";
import type { StructType } from "../types.js";
import { field, struct } from "../types.js";
import type { Attribute, NamedExpr, RExpr, SortKey } from "./expressions.js";
import type { GroupStateSpec } from "../stream/group-state.js";

/** Spark's join types, normalised (`left_outer` → `left`, `left_semi` → `semi`...). */
export type JoinType = "inner" | "left" | "right" | "full" | "semi" | "anti" | "cross";

/** The generators the generate operator runs. */
export type GeneratorKind = "explode" | "explode_outer" | "posexplode" | "posexplode_outer" | "time_window";

/** A logical plan node; `output` is what its rows hold, in order. */
export type LogicalPlan =
  | {
      readonly kind: "scan";
      readonly source: ScanSource;
      /** The source's columns as attributes (all of them, in schema order). */
      readonly sourceOutput: readonly Attribute[];
      /** The columns read (indexes into sourceOutput); all when absent. */
      readonly columns?: readonly number[];
      /** Conjuncts offered to the source as ScanOptions.filters. */
      readonly pushedFilters: readonly RExpr[];
      readonly output: readonly Attribute[];
    }
  | { readonly kind: "project"; readonly child: LogicalPlan; readonly list: readonly NamedExpr[]; readonly output: readonly Attribute[] }
  | { readonly kind: "filter"; readonly child: LogicalPlan; readonly condition: RExpr; readonly output: readonly Attribute[] }
  | {
      readonly kind: "aggregate";
      readonly child: LogicalPlan;
      readonly keys: readonly NamedExpr[];
      /** Each expr is an `agg` expression. */
      readonly aggs: readonly NamedExpr[];
      readonly output: readonly Attribute[];
      /**
       * The index in `keys` of a `session_window` key, when the aggregation groups by one: rows
       * of the same other keys whose sessions overlap are merged into one group (Spark's
       * MergingSessionsExec; exec/session-window.ts, stream/session-window.ts).
       */
      readonly sessionWindow?: number;
    }
  | {
      readonly kind: "window";
      readonly child: LogicalPlan;
      /** Each expr is a `window` expression; output is the child's columns then these. */
      readonly exprs: readonly NamedExpr[];
      readonly output: readonly Attribute[];
    }
  | {
      readonly kind: "generate";
      readonly child: LogicalPlan;
      readonly generator: GeneratorKind;
      readonly arg: RExpr;
      /** pos (posexplode), then col (array) or key, value (map). */
      readonly generatorOutput: readonly Attribute[];
      readonly output: readonly Attribute[];
    }
  | {
      readonly kind: "join";
      readonly left: LogicalPlan;
      readonly right: LogicalPlan;
      readonly how: JoinType;
      readonly condition: RExpr | null;
      readonly output: readonly Attribute[];
    }
  | { readonly kind: "sort"; readonly child: LogicalPlan; readonly keys: readonly SortKey[]; readonly output: readonly Attribute[] }
  | { readonly kind: "limit"; readonly child: LogicalPlan; readonly n: number; readonly output: readonly Attribute[] }
  | { readonly kind: "union"; readonly children: readonly LogicalPlan[]; readonly output: readonly Attribute[] }
  | {
      /** distinct() (keys: every column) or dropDuplicates(subset): the first row seen per key. */
      readonly kind: "dedup";
      readonly child: LogicalPlan;
      readonly keys: readonly Attribute[];
      readonly output: readonly Attribute[];
      /**
       * dropDuplicatesWithinWatermark(subset) (Spark's DeduplicateWithinWatermark): in a streaming
       * query a key is kept only until the watermark passes its first row's event time plus the
       * watermark's delay (stream/dedup.ts); refused in batch queries, as Spark refuses it.
       */
      readonly withinWatermark?: boolean;
    }
  | { readonly kind: "alias"; readonly child: LogicalPlan; readonly name: string; readonly output: readonly Attribute[] }
  | {
      /**
       * groupBy(keys).flatMapGroupsWithState / mapGroupsWithState: the user's function over each
       * group's rows and state (stream/group-state.ts); output is the spec's outputSchema.
       */
      readonly kind: "flatMapGroupsWithState";
      readonly child: LogicalPlan;
      readonly keys: readonly NamedExpr[];
      readonly spec: GroupStateSpec;
      readonly output: readonly Attribute[];
    }
  /** No rows (a filter the optimizer proved false). */
  | { readonly kind: "empty"; readonly output: readonly Attribute[] };

/** The children of a node. */
export function planChildren(p: LogicalPlan): readonly LogicalPlan[] {
  switch (p.kind) {
    case "scan":
    case "empty":
      return [];
    case "join":
      return [p.left, p.right];
    case "union":
      return p.children;
    default:
      return [p.child];
  }
}

/** The schema a plan's output makes (what df.schema shows). */
export function schemaOf(output: readonly Attribute[]): StructType {
  return struct(output.map((a) => field(a.name, a.dataType, a.nullable)));
}

/** A scan of all columns of a source. */
export function scanNode(source: ScanSource, sourceOutput: readonly Attribute[]): LogicalPlan {
  return { kind: "scan", source, sourceOutput, pushedFilters: [], output: sourceOutput };
}

/** A projection. */
export function projectNode(child: LogicalPlan, list: readonly NamedExpr[]): LogicalPlan {
  return { kind: "project", child, list, output: list.map((n) => n.attr) };
}

/** A filter. */
export function filterNode(child: LogicalPlan, condition: RExpr): LogicalPlan {
  return { kind: "filter", child, condition, output: child.output };
}

/** A sort. */
export function sortNode(child: LogicalPlan, keys: readonly SortKey[]): LogicalPlan {
  return { kind: "sort", child, keys, output: child.output };
}

/** A limit. */
export function limitNode(child: LogicalPlan, n: number): LogicalPlan {
  return { kind: "limit", child, n, output: child.output };
}

/** Replaces the children of a node, keeping everything else. */
export function withChildren(p: LogicalPlan, children: readonly LogicalPlan[]): LogicalPlan {
  switch (p.kind) {
    case "scan":
    case "empty":
      return p;
    case "join":
      return { ...p, left: children[0], right: children[1] };
    case "union":
      return { ...p, children };
    default:
      return { ...p, child: children[0] };
  }
}

/** A join's output: left then right columns (left only for semi/anti), the outer side's made nullable. */
export function joinOutput(left: LogicalPlan, right: LogicalPlan, how: JoinType): Attribute[] {
  const nullable = (xs: readonly Attribute[]): Attribute[] => xs.map((a) => ({ ...a, nullable: true }));
  switch (how) {
    case "semi":
    case "anti":
      return [...left.output];
    case "left":
      return [...left.output, ...nullable(right.output)];
    case "right":
      return [...nullable(left.output), ...right.output];
    case "full":
      return [...nullable(left.output), ...nullable(right.output)];
    default:
      return [...left.output, ...right.output];
  }
}

/** Recomputes the output of a node whose output follows from its children (after they changed). */
export function refreshOutput(p: LogicalPlan): LogicalPlan {
  switch (p.kind) {
    case "filter":
    case "sort":
    case "limit":
    case "dedup":
      return { ...p, output: p.child.output };
    case "alias":
      return { ...p, output: p.child.output.map((a) => ({ ...a, qualifier: p.name })) };
    case "window":
      return { ...p, output: [...p.child.output, ...p.exprs.map((e) => e.attr)] };
    case "generate":
      return { ...p, output: [...p.child.output, ...p.generatorOutput] };
    case "join":
      return { ...p, output: joinOutput(p.left, p.right, p.how) };
    default:
      return p;
  }
}
