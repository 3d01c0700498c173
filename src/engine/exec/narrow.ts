/**
 * Operators that work on each partition alone: project, filter, generate (explode), union (which
 * just lists its children's partitions) and limit (which reads partitions in order and stops
 * the upstream pipeline as soon as it has enough rows).
 */
import type { Row } from "../types.js";
import type { Attribute, NamedExpr, RExpr } from "../plan/expressions.js";
import type { GeneratorKind } from "../plan/logical.js";
import { planString } from "../plan/names.js";
import { assert } from "../../util/assert.js";
import { windowDurations, windowsFor } from "../functions/window-time.js";
import { argInfo, compile, compilePredicate, ordinals, type Evaluator } from "./bind.js";
import { attrList, mapBatches, type BatchStream, type ExecContext, type PhysicalOp } from "./operator.js";

/** Computes a list of expressions per row. */
export class ProjectExec implements PhysicalOp {
  readonly name = "Project";
  readonly output: readonly Attribute[];
  readonly children: readonly PhysicalOp[];

  constructor(
    readonly child: PhysicalOp,
    readonly list: readonly NamedExpr[],
  ) {
    this.output = list.map((n) => n.attr);
    this.children = [child];
  }

  describe(): string {
    return `[${this.list.map((n) => (n.expr.kind === "ref" && n.expr.id === n.attr.id ? planString(n.expr) : `${planString(n.expr)} AS ${n.attr.name}#${n.attr.id}`)).join(", ")}]`;
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const input = ordinals(this.child.output);
    const refs = this.list.map((n) => (n.expr.kind === "ref" ? input.get(n.expr.id)! : -1));
    const streams = await this.child.open(ctx);
    if (refs.every((i) => i >= 0)) {
      // The rows as they are (new names only, e.g. above a scan fused with its from_json).
      if (refs.length === this.child.output.length && refs.every((r, i) => r === i)) return streams;
      // Only column moves: copy by position.
      const n = refs.length;
      return streams.map((s) =>
        mapBatches(s, (batch) => {
          const out = new Array<Row>(batch.length);
          for (let r = 0; r < batch.length; r++) {
            const row = batch[r];
            const o = new Array<unknown>(n);
            for (let i = 0; i < n; i++) o[i] = row[refs[i]];
            out[r] = o;
          }
          return out;
        }),
      );
    }
    const fns: Evaluator[] = this.list.map((n) => compile(n.expr, input));
    const n = fns.length;
    return streams.map((s) =>
      mapBatches(s, (batch) => {
        const out = new Array<Row>(batch.length);
        for (let r = 0; r < batch.length; r++) {
          const row = batch[r];
          const o = new Array<unknown>(n);
          for (let i = 0; i < n; i++) o[i] = fns[i](row);
          out[r] = o;
        }
        return out;
      }),
    );
  }
}

/** Keeps the rows whose condition is true (not false, not null). */
export class FilterExec implements PhysicalOp {
  readonly name = "Filter";
  readonly children: readonly PhysicalOp[];
  readonly output: readonly Attribute[];

  constructor(
    readonly child: PhysicalOp,
    readonly condition: RExpr,
  ) {
    this.children = [child];
    this.output = child.output;
  }

  describe(): string {
    return planString(this.condition);
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const keep = compilePredicate(this.condition, ordinals(this.child.output));
    const streams = await this.child.open(ctx);
    return streams.map((s) => mapBatches(s, (batch) => batch.filter(keep)));
  }
}

/** explode / explode_outer / posexplode(_outer): the input row followed by the generated columns. */
export class GenerateExec implements PhysicalOp {
  readonly name = "Generate";
  readonly children: readonly PhysicalOp[];

  constructor(
    readonly child: PhysicalOp,
    readonly generator: GeneratorKind,
    readonly arg: RExpr,
    readonly generatorOutput: readonly Attribute[],
    readonly output: readonly Attribute[],
    /**
     * When set, the Project above was fused in (see {@link fuseProjectIntoGenerate}): each output
     * row is built directly from these positions of the unfused row (the child's columns, then
     * the generated ones), so no row of all the columns is made per generated value.
     */
    readonly picks: readonly number[] | null = null,
  ) {
    this.children = [child];
  }

  describe(): string {
    const base = `${this.generator}(${planString(this.arg)}), ${attrList(this.generatorOutput)}`;
    return this.picks === null ? base : `${base}, Output: ${attrList(this.output)}`;
  }

  private openTimeWindows(ctx: ExecContext): Promise<BatchStream[]> {
    return openTimeWindowsOf(this, ctx);
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    if (this.generator === "time_window") return this.openTimeWindows(ctx);
    const arg = compile(this.arg, ordinals(this.child.output));
    const outer = this.generator.endsWith("_outer");
    const withPos = this.generator.startsWith("pos");
    const isMap = this.arg.dataType.kind === "map";
    const extra = this.generatorOutput.length;
    const streams = await this.child.open(ctx);
    const picks = this.picks;
    const w = this.child.output.length;
    const generated = new Array<unknown>(extra);
    const emit = (out: Row[], row: Row, pos: number | null, a: unknown, b: unknown): void => {
      if (picks !== null) {
        let k = 0;
        if (withPos) generated[k++] = pos;
        generated[k++] = a;
        if (isMap) generated[k] = b;
        const o = new Array<unknown>(picks.length);
        for (let i = 0; i < picks.length; i++) {
          const at = picks[i];
          o[i] = at < w ? row[at] : generated[at - w];
        }
        out.push(o);
        return;
      }
      const n = row.length;
      const o = new Array<unknown>(n + extra);
      for (let i = 0; i < n; i++) o[i] = row[i];
      let k = n;
      if (withPos) o[k++] = pos;
      o[k++] = a;
      if (isMap) o[k] = b;
      out.push(o);
    };
    return streams.map((s) =>
      mapBatches(s, (batch) => {
        const out: Row[] = [];
        for (const row of batch) {
          const v = arg(row);
          if (v === null || (isMap ? (v as Map<unknown, unknown>).size === 0 : (v as unknown[]).length === 0)) {
            if (outer) emit(out, row, null, null, null);
            continue;
          }
          let pos = 0;
          if (isMap) for (const [k, x] of v as Map<unknown, unknown>) emit(out, row, pos++, k, x);
          else for (const x of v as unknown[]) emit(out, row, pos++, x ?? null, null);
        }
        return out;
      }),
    );
  }
}

/**
 * Fuses a Project that only picks and renames columns into the Generate below it (Spark's
 * Generate drops the child columns its parent does not need in the same spirit): the Generate
 * then emits the Project's rows directly. Null when the Project computes anything, or the
 * Generate is a time-window expansion or already fused.
 */
export function fuseProjectIntoGenerate(child: PhysicalOp, list: readonly NamedExpr[]): GenerateExec | null {
  if (!(child instanceof GenerateExec) || child.picks !== null || child.generator === "time_window") return null;
  const positions = new Map(child.output.map((a, i) => [a.id, i]));
  const picks: number[] = [];
  for (const n of list) {
    const at = n.expr.kind === "ref" ? positions.get(n.expr.id) : undefined;
    if (at === undefined) return null;
    picks.push(at);
  }
  return new GenerateExec(child.child, child.generator, child.arg, child.generatorOutput, list.map((n) => n.attr), picks);
}

/**
 * Opens the time-window expansion: each row once per sliding window its timestamp falls in,
 * followed by that window's `[start, end]` struct.
 */
async function openTimeWindowsOf(op: GenerateExec, ctx: ExecContext): Promise<BatchStream[]> {
  const call = op.arg;
  assert(call.kind === "call", "time_window expects the window() call");
  const ts = compile(call.args[0], ordinals(op.child.output));
  const [size, slide, start] = windowDurations(call.args.map(argInfo));
  const streams = await op.child.open(ctx);
  return streams.map((s) =>
    mapBatches(s, (batch) => {
      const out: Row[] = [];
      for (const row of batch) {
        const t = ts(row) as number | null;
        if (t === null) continue;
        for (const w of windowsFor(t, size, slide, start)) {
          const o = row.slice();
          o.push(w);
          out.push(o);
        }
      }
      return out;
    }),
  );
}

/** The partitions of every child, one after the other (rows keep their positions). */
export class UnionExec implements PhysicalOp {
  readonly name = "Union";

  constructor(
    readonly children: readonly PhysicalOp[],
    readonly output: readonly Attribute[],
  ) {}

  describe(): string {
    return "";
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const all = await Promise.all(this.children.map((c) => c.open(ctx)));
    return all.flat();
  }
}

/** The first `n` rows, reading partitions in order; stops upstream work once it has them. */
export class LimitExec implements PhysicalOp {
  readonly name = "GlobalLimit";
  readonly children: readonly PhysicalOp[];
  readonly output: readonly Attribute[];

  constructor(
    readonly child: PhysicalOp,
    readonly n: number,
  ) {
    this.children = [child];
    this.output = child.output;
  }

  describe(): string {
    return String(this.n);
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    if (this.n === 0) return [limited([], 0)];
    const streams = await this.child.open(ctx);
    return [limited(streams, this.n)];
  }
}

async function* limited(streams: readonly BatchStream[], n: number): BatchStream {
  let left = n;
  for (const s of streams) {
    if (left <= 0) return;
    // Breaking out of for-await calls return() on the upstream generators, which ends the scan.
    for await (const batch of s) {
      if (batch.length >= left) {
        yield batch.length === left ? batch : batch.slice(0, left);
        left = 0;
        break;
      }
      left -= batch.length;
      yield batch;
    }
  }
}
