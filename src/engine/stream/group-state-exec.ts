/**
 * flatMapGroupsWithState / mapGroupsWithState over a batch (non-streaming) DataFrame, as Spark
 * runs them there: the input is grouped by the key, and the function is called once per group
 * (in order of each key's first row) with the group's rows and an empty state that nothing
 * keeps afterwards; a timeout never fires.
 */
import type { Attribute, NamedExpr } from "../plan/expressions.js";
import { planString } from "../plan/names.js";
import { compile, ordinals } from "../exec/bind.js";
import { collectAll, lazyStream, type BatchStream, type ExecContext, type PhysicalOp } from "../exec/operator.js";
import { schemaOf } from "../plan/logical.js";
import type { Row } from "../types.js";
import { callGroupFunction, GroupStateImpl, plainToRow, rowToPlain, stateKeyEncoder, type GroupRow, type GroupStateSpec } from "./group-state.js";

/** The rows of one group, in arrival order. */
export interface RowGroup {
  readonly keyValues: Row;
  readonly rows: Row[];
}

/** Groups rows by the key expressions (compiled over `input`), keys in order of first appearance. */
export function groupRows(rows: readonly Row[], keys: readonly NamedExpr[], input: readonly Attribute[]): Map<string, RowGroup> {
  const at = ordinals(input);
  const fns = keys.map((k) => compile(k.expr, at));
  const encode = stateKeyEncoder(keys.map((k) => k.expr.dataType));
  const groups = new Map<string, RowGroup>();
  for (const row of rows) {
    const values = fns.map((f) => f(row));
    const k = encode(values);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = { keyValues: values, rows: [] }));
    g.rows.push(row);
  }
  return groups;
}

/** The object the function receives as its key: grouping values by grouping column name. */
export function keyToPlain(keys: readonly NamedExpr[]): (values: Row) => GroupRow {
  return rowToPlain(schemaOf(keys.map((k) => k.attr)));
}

/** See the module comment. */
export class FlatMapGroupsWithStateExec implements PhysicalOp {
  readonly name: string;
  readonly children: readonly PhysicalOp[];

  constructor(
    readonly child: PhysicalOp,
    readonly keys: readonly NamedExpr[],
    readonly spec: GroupStateSpec,
    readonly output: readonly Attribute[],
  ) {
    this.children = [child];
    this.name = spec.isMapGroups ? "MapGroupsWithState" : "FlatMapGroupsWithState";
  }

  describe(): string {
    return `[${this.keys.map((k) => planString(k.expr)).join(", ")}], ${this.spec.isMapGroups ? "" : `${this.spec.outputMode}, `}timeout ${this.spec.timeout}`;
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const inputs = await this.child.open(ctx);
    const childSchema = schemaOf(this.child.output);
    return [
      lazyStream(async () => {
        const rows = await collectAll(inputs);
        const groups = groupRows(rows, this.keys, this.child.output);
        const toRow = rowToPlain(childSchema);
        const toKey = keyToPlain(this.keys);
        const convert = plainToRow(this.spec.outputSchema);
        const now = Date.now();
        const out: Row[] = [];
        for (const g of groups.values()) {
          ctx.signal.throwIfAborted();
          const key = toKey(g.keyValues);
          const state = new GroupStateImpl({ value: undefined, timeout: this.spec.timeout, batchProcessingTimeMs: now, watermarkMs: null, hasTimedOut: false });
          for (const r of await callGroupFunction(this.spec, convert, key, g.rows.map(toRow), state)) out.push(r);
        }
        return out;
      }),
    ];
  }
}
