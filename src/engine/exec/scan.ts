/**
 * Leaf operators: the scan of a {@link ScanSource} (one output partition per source partition,
 * with the projection and filters the optimizer pushed into it) and the empty relation.
 */
import type { Expr } from "../expr/ast.js";
import type { ScanSource } from "../source.js";
import { simpleString } from "../types.js";
import type { Attribute } from "../plan/expressions.js";
import { attrList, type BatchStream, type ExecContext, type PhysicalOp } from "./operator.js";

/** Reads a source; rows hold `output`, which is the source's columns at `columns` (or all). */
export class ScanExec implements PhysicalOp {
  readonly name = "Scan";
  readonly children: readonly PhysicalOp[] = [];

  constructor(
    readonly source: ScanSource,
    readonly output: readonly Attribute[],
    readonly columns: readonly number[] | undefined,
    readonly filters: readonly Expr[],
    /** The pushed filters as explain() shows them. */
    private readonly filterText: readonly string[],
  ) {}

  /** The same scan over another source (of the same schema): the parallel aggregation's fallback reads partitions it already planned. */
  withSource(source: ScanSource): ScanExec {
    return new ScanExec(source, this.output, this.columns, this.filters, this.filterText);
  }

  describe(): string {
    const parts = [`${this.source.description} ${attrList(this.output)}`];
    if (this.filterText.length > 0) parts.push(`PushedFilters: [${this.filterText.join(", ")}]`);
    if (this.columns !== undefined) parts.push(`ReadSchema: struct<${this.output.map((a) => `${a.name}:${simpleString(a.dataType)}`).join(",")}>`);
    return parts.join(", ");
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const partitions = await this.source.partitions();
    const opts = {
      ...(this.columns === undefined ? {} : { columns: this.columns }),
      ...(this.filters.length === 0 ? {} : { filters: this.filters }),
      signal: ctx.signal,
    };
    return partitions.map((p) => p.rows(opts));
  }
}

/** No rows at all (a filter proved false), with one empty partition. */
export class EmptyExec implements PhysicalOp {
  readonly name = "LocalTableScan";
  readonly children: readonly PhysicalOp[] = [];

  constructor(readonly output: readonly Attribute[]) {}

  describe(): string {
    return `<empty>, ${attrList(this.output)}`;
  }

  open(): Promise<BatchStream[]> {
    return Promise.resolve([emptyStream()]);
  }
}

async function* emptyStream(): BatchStream {
  // An empty partition: ends at once.
}
