/**
 * Hash aggregation in two phases, as Spark's HashAggregate: each input partition aggregates
 * into its own table (partial), then the tables are merged with Accumulator.merge (final), in
 * partition order. The partial phase touches no shared state, so it also runs on worker threads
 * (exec/parallel/): {@link compileAggregation} and {@link GroupTable} are shared with them. Also
 * the deduplication (distinct, dropDuplicates) operator, which has the same shape.
 */
import { assert } from "../../util/assert.js";
import type { Row } from "../types.js";
import type { Accumulator } from "../expr/ast.js";
import type { Attribute, NamedExpr, RExpr } from "../plan/expressions.js";
import { planString } from "../plan/names.js";
import { argInfo, compile, ordinals, type Evaluator } from "./bind.js";
import { keyFunction, keyNormalizer } from "./keys.js";
import { attrList, drainAll, lazyStream, type BatchStream, type ExecContext, type PhysicalOp } from "./operator.js";

/** One group: its key values and one accumulator state per aggregate. */
export interface Group {
  readonly keys: Row;
  readonly states: unknown[];
}

/** count(*) / count(1): the hottest aggregate, kept out of the generic accumulator path. */
const COUNT_ROWS: Accumulator = {
  init: () => 0,
  update: (s) => (s as number) + 1,
  merge: (a, b) => (a as number) + (b as number),
  finish: (s) => s,
};

function isCountRows(e: RExpr): boolean {
  return e.kind === "agg" && e.name === "count" && !e.distinct && e.args.length > 0 && e.args.every((a) => a.kind === "lit" && a.value !== null);
}

/**
 * True for `count(*)` / `count(<non-null literal>)` without a FILTER clause: an aggregate whose
 * state is the number of rows of its group, 0 to start with (exec/parallel/fused.ts counts such
 * aggregates without their accumulator).
 */
export function isCountRowsAggregate(e: RExpr): boolean {
  return isCountRows(e) && e.kind === "agg" && e.filter === undefined;
}

/** Groups rows by `keys` and computes `aggs` per group; output is the keys then the aggregates. */
export class HashAggregateExec implements PhysicalOp {
  readonly name = "HashAggregate";
  readonly children: readonly PhysicalOp[];
  readonly output: readonly Attribute[];

  constructor(
    readonly child: PhysicalOp,
    readonly keys: readonly NamedExpr[],
    readonly aggs: readonly NamedExpr[],
  ) {
    this.children = [child];
    this.output = [...keys.map((k) => k.attr), ...aggs.map((a) => a.attr)];
  }

  describe(): string {
    return `keys=[${this.keys.map((k) => planString(k.expr)).join(", ")}], functions=[${this.aggs.map((a) => planString(a.expr)).join(", ")}], output=${attrList(this.output)}`;
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const c = compileAggregation(this.keys, this.aggs, this.child.output);
    const streams = await this.child.open(ctx);
    return [
      lazyStream(async () => {
        const tables = streams.map(() => c.newTable());
        await drainAll(streams, (p, batch) => tables[p].addBatch(batch, c.argFns, c.filterFns));
        const merged = tables.length === 0 ? c.newTable() : tables[0];
        for (let t = 1; t < tables.length; t++) merged.merge(tables[t]);
        return c.finish(merged);
      }),
    ];
  }
}

/** An aggregation compiled against its input rows: what the partial and the final phase run. */
export interface CompiledAggregation {
  readonly accs: readonly Accumulator[];
  /** Per aggregate, its arguments' evaluators (none for count(*)). */
  readonly argFns: readonly Evaluator[][];
  /** Per aggregate, its FILTER clause's evaluator, or null. */
  readonly filterFns: readonly (Evaluator | null)[];
  /** An empty table of this aggregation's groups. */
  newTable(): GroupTable;
  /** The output rows (keys, then each aggregate's result) of the merged table. */
  finish(merged: GroupTable): Row[];
}

/** Compiles an aggregation's keys and aggregates against rows laid out as `input`. */
export function compileAggregation(keys: readonly NamedExpr[], aggs: readonly NamedExpr[], input: readonly Attribute[]): CompiledAggregation {
  const at = ordinals(input);
  const keyFns = keys.map((k) => compile(k.expr, at));
  const norms = keys.map((k) => keyNormalizer(k.expr.dataType));
  const accs: Accumulator[] = [];
  const argFns: Evaluator[][] = [];
  const filterFns: (Evaluator | null)[] = [];
  for (const a of aggs) {
    const e = a.expr;
    assert(e.kind === "agg", `not an aggregate: ${planString(e)}`);
    accs.push(isCountRows(e) ? COUNT_ROWS : e.fn.build(e.args.map(argInfo), e.distinct));
    argFns.push(isCountRows(e) ? [] : e.args.map((x) => compile(x, at)));
    filterFns.push(e.filter === undefined ? null : compile(e.filter, at));
  }
  const global = keys.length === 0;
  return {
    accs,
    argFns,
    filterFns,
    newTable: () => new GroupTable(keyFns, norms, accs),
    finish(merged) {
      // A global aggregate gives one row even without input (count 0, sum null).
      if (global && merged.groups.length === 0) merged.find([], []);
      const out: Row[] = [];
      for (const g of merged.groups) {
        const row = g.keys.slice();
        for (let i = 0; i < accs.length; i++) row.push(accs[i].finish(g.states[i]));
        out.push(row);
      }
      return out;
    },
  };
}

/**
 * A partition's groups, found through one Map level per key column (no per-row key string), in
 * the order they were first seen.
 */
export class GroupTable {
  private readonly root = new Map<unknown, unknown>();
  private single: Group | null = null;
  readonly groups: Group[] = [];

  constructor(
    private readonly keyFns: readonly Evaluator[],
    private readonly norms: readonly (((v: unknown) => unknown) | null)[],
    private readonly accs: readonly Accumulator[],
  ) {}

  /** The group of a row (keys computed by `keyFns`), created with fresh states when new. */
  find(row: Row, keyFns: readonly Evaluator[]): Group {
    const nk = keyFns.length;
    if (nk === 0) return (this.single ??= this.create(row, keyFns));
    let m = this.root;
    for (let i = 0; i < nk - 1; i++) {
      const norm = this.norms[i];
      const v = norm === null ? keyFns[i](row) : norm(keyFns[i](row));
      let next = m.get(v) as Map<unknown, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        m.set(v, next);
      }
      m = next;
    }
    const norm = this.norms[nk - 1];
    const v = norm === null ? keyFns[nk - 1](row) : norm(keyFns[nk - 1](row));
    let g = m.get(v) as Group | undefined;
    if (g === undefined) {
      g = this.create(row, keyFns);
      m.set(v, g);
    }
    return g;
  }

  private create(row: Row, keyFns: readonly Evaluator[]): Group {
    const keys = new Array<unknown>(keyFns.length);
    for (let i = 0; i < keyFns.length; i++) keys[i] = keyFns[i](row);
    const states = new Array<unknown>(this.accs.length);
    for (let i = 0; i < this.accs.length; i++) states[i] = this.accs[i].init();
    const g = { keys, states };
    this.groups.push(g);
    return g;
  }

  /** The partial phase over one batch; an aggregate with a FILTER clause skips rows where it is not true. */
  addBatch(batch: Row[], argFns: readonly Evaluator[][], filterFns: readonly (Evaluator | null)[]): void {
    const accs = this.accs;
    const na = accs.length;
    const keyFns = this.keyFns;
    const scratch: unknown[][] = argFns.map((fs) => new Array<unknown>(fs.length));
    for (let r = 0; r < batch.length; r++) {
      const row = batch[r];
      const states = this.find(row, keyFns).states;
      for (let i = 0; i < na; i++) {
        const keep = filterFns[i];
        if (keep !== null && keep(row) !== true) continue;
        const fs = argFns[i];
        const args = scratch[i];
        for (let j = 0; j < fs.length; j++) args[j] = fs[j](row);
        states[i] = accs[i].update(states[i], args);
      }
    }
  }

  /**
   * Takes a partition's groups, computed elsewhere (a worker's), as this empty table's own: the
   * table is then what that partition's table was (the first partition's table is the final
   * phase's starting point, states not merged with fresh ones).
   */
  adopt(groups: readonly Group[]): void {
    assert(this.groups.length === 0 && this.single === null, "adopt() needs an empty table");
    const byPosition = this.keyFns.map((_, i) => (keys: Row) => keys[i]);
    for (const g of groups) {
      const mine = this.find(g.keys, byPosition);
      for (let i = 0; i < this.accs.length; i++) mine.states[i] = g.states[i];
    }
  }

  /** The final phase: merges another partition's groups into this table. */
  merge(other: GroupTable): void {
    this.mergeGroups(other.groups);
  }

  /** Merges groups computed elsewhere (another partition's table, a worker's) into this table. */
  mergeGroups(groups: readonly Group[]): void {
    const byPosition = this.keyFns.map((_, i) => (keys: Row) => keys[i]);
    for (const g of groups) {
      const mine = this.find(g.keys, byPosition);
      for (let i = 0; i < this.accs.length; i++) mine.states[i] = this.accs[i].merge(mine.states[i], g.states[i]);
    }
  }
}

/** distinct() / dropDuplicates(): the first row seen per key (partition order), deduplicated per partition first. */
export class DedupExec implements PhysicalOp {
  readonly name = "Deduplicate";
  readonly children: readonly PhysicalOp[];
  readonly output: readonly Attribute[];

  constructor(
    readonly child: PhysicalOp,
    readonly keys: readonly Attribute[],
  ) {
    this.children = [child];
    this.output = child.output;
  }

  describe(): string {
    return attrList(this.keys);
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const input = ordinals(this.child.output);
    const refs = this.keys.map((a) => compile({ kind: "ref", id: a.id, name: a.name, dataType: a.dataType, nullable: a.nullable }, input));
    const keyOf = keyFunction(this.keys, refs, true);
    const streams = await this.child.open(ctx);
    return [
      lazyStream(async () => {
        const seen = streams.map(() => new Map<unknown, Row>());
        await drainAll(streams, (p, batch) => {
          const m = seen[p];
          for (const row of batch) {
            const k = keyOf(row);
            if (!m.has(k)) m.set(k, row);
          }
        });
        const first = new Map<unknown, Row>();
        for (const m of seen) for (const [k, row] of m) if (!first.has(k)) first.set(k, row);
        return [...first.values()];
      }),
    ];
  }
}

