/**
 * Leaf operators: the scan of a {@link ScanSource} (one output partition per source partition,
 * with the projection and filters the optimizer pushed into it) and the empty relation.
 */
import type { Expr } from "../expr/ast.js";
import type { ScanSource } from "../source.js";
import { simpleString } from "../types.js";
import { exists, newAttribute, refTo, transformUp, type Attribute, type NamedExpr, type RExpr } from "../plan/expressions.js";
import { planString } from "../plan/names.js";
import { fromJsonVariantOf, isFromJson, type FromJsonVariant } from "../functions/json.js";
import { kafkaRangeOf, kafkaScanOf } from "../io/kafka-source.js";
import { VALUE, type ValueReader } from "../io/kafka-decode.js";
import { assert } from "../../util/assert.js";
import { argInfo } from "./bind.js";
import { attrList, type BatchStream, type ExecContext, type PhysicalOp } from "./operator.js";

type Call = Extract<RExpr, { kind: "call" }>;

/**
 * A Kafka scan whose value column is read by the `from_json` over it, in place: the decoder
 * hands the call each value's position in the fetched bytes (no Buffer view, no row of the
 * value), and the scan's output holds the call's result where the value was (see
 * {@link fuseValueJson}).
 */
export interface ValueJson {
  /** The call: a from_json over the value's UTF-8 bytes (`bytesInput`), the value its first argument. */
  readonly call: Call;
  /** The value attribute the call's result replaces in the scan's output. */
  readonly value: Attribute;
  /** The call's result in the scan's output. */
  readonly result: Attribute;
}

/** The reader of the value column of a scan fused with its from_json (see {@link ValueJson}). */
export function valueJsonReader(call: Call): ValueReader {
  const fn = call.fn as FromJsonVariant;
  assert(typeof fn.buildRange === "function", "a fused value is read by a from_json over bytes");
  return fn.buildRange(call.args.map(argInfo));
}

/** True for `from_json(<value>, ...)` over the UTF-8 bytes of the attribute `id`. */
function isJsonOfValue(x: RExpr, id: number): x is Call {
  return x.kind === "call" && isFromJson(x.fn) && fromJsonVariantOf(x.fn).bytesInput && x.args.length > 0 && x.args[0].kind === "ref" && x.args[0].id === id;
}

/**
 * Fuses a Project with the Kafka scan below it when the Project reads the value column once,
 * as the input of a from_json over its bytes (the optimizer's `from_json(CAST(value AS
 * STRING))`): the scan then reads the value with that call (see {@link ValueJson}) and the
 * Project reads the call's result. Rows, errors (a FAILFAST parse names its record) and results
 * are the unfused pipeline's; what goes is a Buffer view and a row per record. Null when the
 * plan does not have that shape.
 */
export function fuseValueJson(child: PhysicalOp, list: readonly NamedExpr[]): { scan: ScanExec; list: NamedExpr[] } | null {
  if (!(child instanceof ScanExec) || child.valueJson !== null || kafkaScanOf(child.source) === undefined) return null;
  const at = child.output.findIndex((_, i) => (child.columns === undefined ? i : child.columns[i]) === VALUE);
  if (at < 0) return null;
  const value = child.output[at];
  let refs = 0;
  let call: Call | null = null;
  for (const n of list) {
    exists(n.expr, (x) => {
      if (x.kind === "ref" && x.id === value.id) refs++;
      if (isJsonOfValue(x, value.id)) call = x;
      return false;
    });
  }
  if (refs !== 1 || call === null) return null;
  const c: Call = call;
  const result = newAttribute(planString(c), c.dataType, c.nullable);
  const fused = list.map((n): NamedExpr => ({ ...n, expr: transformUp(n.expr, (x) => (isJsonOfValue(x, value.id) ? refTo(result) : x)) }));
  const output = child.output.map((a, i) => (i === at ? result : a));
  return { scan: new ScanExec(child.source, output, child.columns, child.filters, child.filterText, { call: c, value, result }), list: fused };
}

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
    readonly filterText: readonly string[],
    /** The value column read by its from_json in place (a Kafka scan fused with it), or null. */
    readonly valueJson: ValueJson | null = null,
  ) {}

  /** The same scan over another source (of the same schema): the parallel aggregation's fallback reads partitions it already planned. */
  withSource(source: ScanSource): ScanExec {
    return new ScanExec(source, this.output, this.columns, this.filters, this.filterText, this.valueJson);
  }

  describe(): string {
    const parts = [`${this.source.description} ${attrList(this.output)}`];
    if (this.filterText.length > 0) parts.push(`PushedFilters: [${this.filterText.join(", ")}]`);
    const v = this.valueJson;
    const read = v === null ? this.output : this.output.map((a) => (a.id === v.result.id ? v.value : a));
    if (this.columns !== undefined) parts.push(`ReadSchema: struct<${read.map((a) => `${a.name}:${simpleString(a.dataType)}`).join(",")}>`);
    if (v !== null) parts.push(`ValueReadBy: ${planString(v.call)}`);
    return parts.join(", ");
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const partitions = await this.source.partitions();
    const opts = {
      ...(this.columns === undefined ? {} : { columns: this.columns }),
      ...(this.filters.length === 0 ? {} : { filters: this.filters }),
      signal: ctx.signal,
    };
    const v = this.valueJson;
    if (v === null) return partitions.map((p) => p.rows(opts));
    const reader = valueJsonReader(v.call);
    return partitions.map((p) => {
      const k = kafkaRangeOf(p);
      assert(k !== undefined, "a fused value scan reads a Kafka source");
      return k.readValues(opts, reader);
    });
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
