/**
 * Window functions: rows are grouped by the PARTITION BY values, each group sorted by the ORDER
 * BY keys, and every window expression computed over its frame. Output rows are the input row
 * followed by one value per window expression. Ranking functions (row_number, rank, dense_rank)
 * count peers (rows with equal ORDER BY values); aggregates run over ROWS or RANGE frames, growing
 * one accumulator while the frame starts at the partition's first row and recomputing otherwise.
 */
import type { Row } from "../types.js";
import type { Accumulator } from "../expr/ast.js";
import { UNBOUNDED_FOLLOWING, UNBOUNDED_PRECEDING } from "../expr/ast.js";
import type { Attribute, NamedExpr, RExpr, ResolvedFrame, SortKey } from "../plan/expressions.js";
import { planString } from "../plan/names.js";
import { argInfo, compile, ordinals, type Evaluator } from "./bind.js";
import { keyFunction, rowComparator } from "./keys.js";
import { collectAll, lazyStream, type BatchStream, type ExecContext, type PhysicalOp } from "./operator.js";

type WindowExpr = Extract<RExpr, { kind: "window" }>;

/** Computes window expressions; output is the child's columns then one column per expression. */
export class WindowExec implements PhysicalOp {
  readonly name = "Window";
  readonly children: readonly PhysicalOp[];

  constructor(
    readonly child: PhysicalOp,
    readonly exprs: readonly NamedExpr[],
    readonly output: readonly Attribute[],
  ) {
    this.children = [child];
  }

  describe(): string {
    return `[${this.exprs.map((e) => `${planString(e.expr)} AS ${e.attr.name}#${e.attr.id}`).join(", ")}]`;
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const input = ordinals(this.child.output);
    const width = this.child.output.length;
    const exprs = this.exprs.map((e) => e.expr as WindowExpr);
    const streams = await this.child.open(ctx);
    return [
      lazyStream(async () => {
        const rows = await collectAll(streams);
        const out = rows.map((r) => {
          const o = r.slice();
          o.length = width + exprs.length;
          return o;
        });
        let order: Row[] = out;
        exprs.forEach((w, i) => {
          const groups = partitionRows(out, w, input);
          for (const g of groups) computeWindow(g, w, width + i, input);
          if (i === 0) order = groups.flat();
        });
        return order;
      }),
    ];
  }
}

function partitionRows(rows: Row[], w: WindowExpr, input: ReadonlyMap<number, number>): Row[][] {
  const cmp = rowComparator(w.orderBy, input);
  let groups: Row[][];
  if (w.partitionBy.length === 0) groups = [rows.slice()];
  else {
    const keyOf = keyFunction(
      w.partitionBy,
      w.partitionBy.map((p) => compile(p, input)),
      true,
    );
    const byKey = new Map<unknown, Row[]>();
    for (const r of rows) {
      const k = keyOf(r);
      const g = byKey.get(k);
      if (g === undefined) byKey.set(k, [r]);
      else g.push(r);
    }
    groups = [...byKey.values()];
  }
  if (w.orderBy.length > 0) for (const g of groups) g.sort(cmp);
  return groups;
}

/** Copies array results so a later update of a growing accumulator cannot change them. */
function snapshot(v: unknown): unknown {
  return Array.isArray(v) ? v.slice() : v;
}

function computeWindow(rows: Row[], w: WindowExpr, slot: number, input: ReadonlyMap<number, number>): void {
  const n = rows.length;
  const cmp = rowComparator(w.orderBy, input);
  const fn = w.fn;
  if (fn.kind === "rank") {
    computeRanking(rows, fn, slot, cmp, input);
    return;
  }
  if (fn.kind !== "agg") return;
  const acc: Accumulator = fn.fn.build(fn.args.map(argInfo), fn.distinct);
  const argFns: Evaluator[] = fn.args.map((a) => compile(a, input));
  const args = new Array<unknown>(argFns.length);
  const add = (state: unknown, row: Row): unknown => {
    for (let j = 0; j < argFns.length; j++) args[j] = argFns[j](row);
    return acc.update(state, args);
  };
  const bounds = frameBounds(rows, w.frame, w.orderBy, cmp, input);
  let run = acc.init();
  let runHi = -1;
  for (let i = 0; i < n; i++) {
    const [lo, hi] = bounds(i);
    let value: unknown;
    if (lo > hi) value = acc.finish(acc.init());
    else if (lo === 0 && hi >= runHi) {
      while (runHi < hi) run = add(run, rows[++runHi]);
      value = snapshot(acc.finish(run));
    } else {
      let s = acc.init();
      for (let j = lo; j <= hi; j++) s = add(s, rows[j]);
      value = acc.finish(s);
    }
    rows[i][slot] = value;
  }
}

/** Ranking and offset functions over one sorted partition. */
function computeRanking(rows: Row[], fn: Extract<RExpr, { kind: "rank" }>, slot: number, cmp: (a: Row, b: Row) => number, input: ReadonlyMap<number, number>): void {
  const n = rows.length;
  if (fn.name === "lag" || fn.name === "lead") {
    const value = compile(fn.args[0], input);
    const offset = (fn.args[1] as { value: number }).value;
    const dflt = compile(fn.args[2], input);
    // Read every source value before writing, since a row's slot is written as we go.
    const values = rows.map(value);
    for (let i = 0; i < n; i++) {
      const j = fn.name === "lag" ? i - offset : i + offset;
      rows[i][slot] = j >= 0 && j < n ? values[j] : dflt(rows[i]);
    }
    return;
  }
  if (fn.name === "ntile") {
    const k = (fn.args[0] as { value: number }).value;
    // Spark's NTILE: n / k rows per bucket, the first n % k buckets one row more.
    const base = Math.floor(n / k);
    const rem = n % k;
    const big = rem * (base + 1);
    for (let i = 0; i < n; i++) rows[i][slot] = i < big ? Math.floor(i / (base + 1)) + 1 : rem + Math.floor((i - big) / base) + 1;
    return;
  }
  let lastPeer: number[] = [];
  if (fn.name === "cume_dist") {
    lastPeer = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) lastPeer[i] = i < n - 1 && cmp(rows[i], rows[i + 1]) === 0 ? lastPeer[i + 1] : i;
  }
  let rank = 0;
  let dense = 0;
  for (let i = 0; i < n; i++) {
    const newPeer = i === 0 || cmp(rows[i - 1], rows[i]) !== 0;
    if (newPeer) {
      rank = i + 1;
      dense++;
    }
    switch (fn.name) {
      case "row_number":
        rows[i][slot] = i + 1;
        break;
      case "rank":
        rows[i][slot] = rank;
        break;
      case "dense_rank":
        rows[i][slot] = dense;
        break;
      case "percent_rank":
        rows[i][slot] = n === 1 ? 0 : (rank - 1) / (n - 1);
        break;
      default:
        // cume_dist: the share of rows up to the current row's last peer.
        rows[i][slot] = (lastPeer[i] + 1) / n;
    }
  }
}

/** The inclusive [lo, hi] row range of each row's frame (lo > hi for an empty frame). */
function frameBounds(rows: Row[], frame: ResolvedFrame, orderBy: readonly SortKey[], cmp: (a: Row, b: Row) => number, input: ReadonlyMap<number, number>): (i: number) => [number, number] {
  const n = rows.length;
  if (frame.type === "rows") {
    return (i) => [
      frame.start === UNBOUNDED_PRECEDING ? 0 : Math.max(0, i + frame.start),
      frame.end === UNBOUNDED_FOLLOWING ? n - 1 : Math.min(n - 1, i + frame.end),
    ];
  }
  // RANGE: CURRENT ROW means the row's peers; value offsets compare the single ORDER BY value.
  const firstPeer = new Array<number>(n);
  const lastPeer = new Array<number>(n);
  for (let i = 0; i < n; i++) firstPeer[i] = i > 0 && cmp(rows[i - 1], rows[i]) === 0 ? firstPeer[i - 1] : i;
  for (let i = n - 1; i >= 0; i--) lastPeer[i] = i < n - 1 && cmp(rows[i], rows[i + 1]) === 0 ? lastPeer[i + 1] : i;
  const key = orderBy.length === 1 ? compile(orderBy[0].expr, input) : null;
  const asc = orderBy.length === 1 ? orderBy[0].ascending : true;
  const bound = (i: number, offset: number, isStart: boolean): number => {
    if (offset === UNBOUNDED_PRECEDING) return 0;
    if (offset === UNBOUNDED_FOLLOWING) return n - 1;
    if (offset === 0 || key === null) return isStart ? firstPeer[i] : lastPeer[i];
    const v = key(rows[i]) as number | null;
    if (v === null) return isStart ? firstPeer[i] : lastPeer[i];
    // In ORDER BY order, the frame holds values between v + start and v + end (ascending) or v - start and v - end (descending).
    const target = asc ? v + offset : v - offset;
    const inside = (x: number): boolean => (isStart ? (asc ? x >= target : x <= target) : asc ? x <= target : x >= target);
    if (isStart) {
      let j = 0;
      while (j < n && (key(rows[j]) === null || !inside(key(rows[j]) as number))) j++;
      return j;
    }
    let j = n - 1;
    while (j >= 0 && (key(rows[j]) === null || !inside(key(rows[j]) as number))) j--;
    return j;
  };
  return (i) => [bound(i, frame.start, true), bound(i, frame.end, false)];
}
