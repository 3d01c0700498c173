/**
 * Aggregation grouped by a session window (Spark's MergingSessionsExec): the rows of each value
 * of the other grouping keys are sorted by the start of their own session (`[ts, ts + gap)`, the
 * `session_window` column computed below), and consecutive sessions merge while the next one
 * starts at or before the end of the current one (so sessions that only touch merge too, as in
 * Spark); the merged session ends at the latest end of its rows, i.e. the last event plus its
 * gap. Each merged session is one output row: the keys, with the session's `[start, end]` in the
 * session key's place, then the aggregates over its rows.
 *
 * {@link compileSessionAggregation} and {@link mergeSessions} are shared with the streaming
 * operator (stream/session-window.ts), which merges a batch's sessions with those kept in state.
 */
import { assert } from "../../util/assert.js";
import type { Accumulator } from "../expr/ast.js";
import type { Attribute, NamedExpr } from "../plan/expressions.js";
import { planString } from "../plan/names.js";
import type { Row } from "../types.js";
import { argInfo, compile, ordinals, type Evaluator } from "./bind.js";
import { keyFunction } from "./keys.js";
import { attrList, drainAll, lazyStream, type BatchStream, type ExecContext, type PhysicalOp } from "./operator.js";

/** One session: its bounds (microseconds) and one accumulator state per aggregate. */
export interface Session {
  start: number;
  end: number;
  states: unknown[];
}

/** A session-window aggregation compiled against its input rows. */
export interface CompiledSessionAggregation {
  readonly accs: readonly Accumulator[];
  /** The grouping key values other than the session, in key order. */
  otherKeys(row: Row): Row;
  /** The same, as one value a Map compares as Spark compares the keys. */
  groupKey(row: Row): unknown;
  /** The row's own session `[start, end]`, or null (such rows are dropped). */
  session(row: Row): [number, number] | null;
  /** Fresh accumulator states. */
  init(): unknown[];
  /** Adds a row to a session's states (FILTER clauses applied). */
  update(states: unknown[], row: Row): void;
  /** The output row of a session: the keys with `[start, end]` at the session key's index, then the aggregates. */
  output(otherKeys: Row, s: Session): Row;
}

/** Compiles the keys (one of which, at `sessionIndex`, is the session window) and aggregates against `input`. */
export function compileSessionAggregation(keys: readonly NamedExpr[], aggs: readonly NamedExpr[], sessionIndex: number, input: readonly Attribute[]): CompiledSessionAggregation {
  const at = ordinals(input);
  const others = keys.filter((_, i) => i !== sessionIndex);
  const otherFns = others.map((k) => compile(k.expr, at));
  const sessionFn = compile(keys[sessionIndex].expr, at);
  const keyOf = others.length === 0 ? (): unknown => "" : keyFunction(others.map((k) => k.expr), otherFns, true);
  const accs: Accumulator[] = [];
  const argFns: Evaluator[][] = [];
  const filterFns: (Evaluator | null)[] = [];
  for (const a of aggs) {
    const e = a.expr;
    assert(e.kind === "agg", `not an aggregate: ${planString(e)}`);
    accs.push(e.fn.build(e.args.map(argInfo), e.distinct));
    argFns.push(e.args.map((x) => compile(x, at)));
    filterFns.push(e.filter === undefined ? null : compile(e.filter, at));
  }
  return {
    accs,
    otherKeys: (row) => otherFns.map((f) => f(row)),
    groupKey: keyOf,
    session(row) {
      const s = sessionFn(row) as [number, number] | null;
      return s === null || s[0] === null || s[1] === null ? null : s;
    },
    init: () => accs.map((a) => a.init()),
    update(states, row) {
      for (let i = 0; i < accs.length; i++) {
        const keep = filterFns[i];
        if (keep !== null && keep(row) !== true) continue;
        states[i] = accs[i].update(
          states[i],
          argFns[i].map((f) => f(row)),
        );
      }
    },
    output(otherKeys, s) {
      const row: Row = otherKeys.slice();
      row.splice(sessionIndex, 0, [s.start, s.end]);
      for (let i = 0; i < accs.length; i++) row.push(accs[i].finish(s.states[i]));
      return row;
    },
  };
}

/** A row with its own session, as the fold below takes them. */
export interface SessionRow {
  readonly start: number;
  readonly end: number;
  readonly row: Row;
}

/**
 * Folds rows (of one key) into sessions: sorted by start (stably), a row starting at or before
 * the current session's end joins it and may extend it; any other row starts a new session.
 */
export function foldRowsIntoSessions(rows: SessionRow[], c: CompiledSessionAggregation): Session[] {
  rows.sort((a, b) => a.start - b.start);
  const out: Session[] = [];
  let cur: Session | null = null;
  for (const r of rows) {
    if (cur === null || r.start > cur.end) {
      cur = { start: r.start, end: r.end, states: c.init() };
      out.push(cur);
    } else if (r.end > cur.end) cur.end = r.end;
    c.update(cur.states, r.row);
  }
  return out;
}

/**
 * Merges sessions (of one key, from several sources: state and a batch) sorted by start with
 * Accumulator.merge, by the same rule as {@link foldRowsIntoSessions}. `sessions` is sorted in place.
 */
export function mergeSessions(sessions: Session[], accs: readonly Accumulator[]): Session[] {
  sessions.sort((a, b) => a.start - b.start);
  const out: Session[] = [];
  let cur: Session | null = null;
  for (const s of sessions) {
    if (cur === null || s.start > cur.end) {
      cur = { start: s.start, end: s.end, states: s.states.slice() };
      out.push(cur);
      continue;
    }
    if (s.end > cur.end) cur.end = s.end;
    for (let i = 0; i < accs.length; i++) cur.states[i] = accs[i].merge(cur.states[i], s.states[i]);
  }
  return out;
}

/** See the module comment. */
export class SessionWindowAggregateExec implements PhysicalOp {
  readonly name = "MergingSessions";
  readonly children: readonly PhysicalOp[];
  readonly output: readonly Attribute[];

  constructor(
    readonly child: PhysicalOp,
    readonly keys: readonly NamedExpr[],
    readonly aggs: readonly NamedExpr[],
    /** The index in `keys` of the session window key. */
    readonly sessionIndex: number,
  ) {
    this.children = [child];
    this.output = [...keys.map((k) => k.attr), ...aggs.map((a) => a.attr)];
  }

  describe(): string {
    return `keys=[${this.keys.map((k) => planString(k.expr)).join(", ")}], session=${planString(this.keys[this.sessionIndex].expr)}, functions=[${this.aggs.map((a) => planString(a.expr)).join(", ")}], output=${attrList(this.output)}`;
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const c = compileSessionAggregation(this.keys, this.aggs, this.sessionIndex, this.child.output);
    const streams = await this.child.open(ctx);
    return [
      lazyStream(async () => {
        const groups = new Map<unknown, { keys: Row; rows: SessionRow[] }>();
        await drainAll(streams, (_p, batch) => {
          for (const row of batch) {
            const s = c.session(row);
            if (s === null) continue;
            const k = c.groupKey(row);
            let g = groups.get(k);
            if (g === undefined) groups.set(k, (g = { keys: c.otherKeys(row), rows: [] }));
            g.rows.push({ start: s[0], end: s[1], row });
          }
        });
        const out: Row[] = [];
        for (const g of groups.values()) for (const s of foldRowsIntoSessions(g.rows, c)) out.push(c.output(g.keys, s));
        return out;
      }),
    ];
  }
}
