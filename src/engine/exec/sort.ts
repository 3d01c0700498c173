/**
 * Global sort: reads every partition (in partition order), sorts stably, and gives one output
 * partition. Ascending keys put nulls first and descending keys nulls last unless the key says
 * otherwise; NaN sorts above every number (Spark's order).
 */
import type { Attribute, SortKey } from "../plan/expressions.js";
import { sortKeyString } from "../plan/names.js";
import { ordinals } from "./bind.js";
import { rowComparator } from "./keys.js";
import { collectAll, lazyStream, type BatchStream, type ExecContext, type PhysicalOp } from "./operator.js";

/** Sorts all rows by `keys`. */
export class SortExec implements PhysicalOp {
  readonly name = "Sort";
  readonly children: readonly PhysicalOp[];
  readonly output: readonly Attribute[];

  constructor(
    readonly child: PhysicalOp,
    readonly keys: readonly SortKey[],
  ) {
    this.children = [child];
    this.output = child.output;
  }

  describe(): string {
    return `[${this.keys.map((k) => sortKeyString(k, true)).join(", ")}], true`;
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const cmp = rowComparator(this.keys, ordinals(this.child.output));
    const streams = await this.child.open(ctx);
    return [
      lazyStream(async () => {
        const rows = await collectAll(streams);
        // Array.prototype.sort is stable, so equal keys keep their input order.
        return rows.sort(cmp);
      }),
    ];
  }
}
