/**
 * Joins. With equality keys, a hash join: one side (the build side, the right one except for a
 * right outer join) is read whole into a hash table, then each partition of the other side
 * probes it as it streams. Without keys, the same operator compares every pair (a nested loop).
 * Null keys never match (SQL's `=`), except under `<=>`. Rows are the left columns then the right
 * ones; semi and anti joins give the left columns only.
 */
import type { Row } from "../types.js";
import type { Attribute, RExpr } from "../plan/expressions.js";
import type { JoinType } from "../plan/logical.js";
import { planString } from "../plan/names.js";
import { compile, compilePredicate, ordinals } from "./bind.js";
import { keyFunction } from "./keys.js";
import { collectAll, type BatchStream, type ExecContext, type PhysicalOp, BATCH_ROWS } from "./operator.js";

/** Equality keys of a join: left[i] = right[i] (or <=> when nullSafe[i]). */
export interface JoinKeys {
  readonly left: readonly RExpr[];
  readonly right: readonly RExpr[];
  readonly nullSafe: boolean;
}

/** Build side contents: rows and, with keys, the rows per key (as row indexes). */
interface Built {
  readonly rows: Row[];
  readonly table: Map<unknown, number[]> | null;
}

/** Hash join (with keys) or nested-loop join (without), for every join type. */
export class JoinExec implements PhysicalOp {
  readonly name: string;
  readonly children: readonly PhysicalOp[];

  constructor(
    readonly left: PhysicalOp,
    readonly right: PhysicalOp,
    readonly how: JoinType,
    readonly keys: JoinKeys | null,
    /** Conditions that are not equality keys, over the left then right columns. */
    readonly residual: RExpr | null,
    readonly output: readonly Attribute[],
  ) {
    this.children = [left, right];
    this.name = keys === null ? "NestedLoopJoin" : "HashJoin";
  }

  describe(): string {
    const parts: string[] = [];
    if (this.keys !== null) {
      parts.push(`[${this.keys.left.map(planString).join(", ")}]`, `[${this.keys.right.map(planString).join(", ")}]`);
    }
    parts.push(this.how === "semi" ? "LeftSemi" : this.how === "anti" ? "LeftAnti" : this.how === "full" ? "FullOuter" : this.how === "left" ? "LeftOuter" : this.how === "right" ? "RightOuter" : this.how === "cross" ? "Cross" : "Inner");
    if (this.keys !== null) parts.push(`BuildSide ${this.how === "right" ? "left" : "right"}`);
    if (this.residual !== null) parts.push(planString(this.residual));
    return parts.join(", ");
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const mirrored = this.how === "right";
    const probeOp = mirrored ? this.right : this.left;
    const buildOp = mirrored ? this.left : this.right;
    const probeIn = ordinals(probeOp.output);
    const buildIn = ordinals(buildOp.output);
    const probeKeyExprs = this.keys === null ? [] : mirrored ? this.keys.right : this.keys.left;
    const buildKeyExprs = this.keys === null ? [] : mirrored ? this.keys.left : this.keys.right;
    const nullIsKey = this.keys?.nullSafe ?? false;
    const probeKey = keyFunction(probeKeyExprs, probeKeyExprs.map((e) => compile(e, probeIn)), nullIsKey);
    const buildKey = keyFunction(buildKeyExprs, buildKeyExprs.map((e) => compile(e, buildIn)), nullIsKey);
    const leftWidth = this.left.output.length;
    const rightWidth = this.right.output.length;
    const residual = this.residual === null ? null : compilePredicate(this.residual, ordinals([...this.left.output, ...this.right.output]));
    const combine = mirrored ? (p: Row, b: Row): Row => b.concat(p) : (p: Row, b: Row): Row => p.concat(b);
    const hasKeys = this.keys !== null;

    const [probeStreams, buildStreams] = await Promise.all([probeOp.open(ctx), buildOp.open(ctx)]);
    let built: Promise<Built> | null = null;
    const build = (): Promise<Built> =>
      (built ??= collectAll(buildStreams).then((rows) => {
        if (!hasKeys) return { rows, table: null };
        const table = new Map<unknown, number[]>();
        for (let i = 0; i < rows.length; i++) {
          const k = buildKey(rows[i]);
          if (k === undefined) continue;
          const list = table.get(k);
          if (list === undefined) table.set(k, [i]);
          else list.push(i);
        }
        return { rows, table };
      }));
    const how = this.how;
    const nullsLeft = new Array<unknown>(leftWidth).fill(null);
    const nullsRight = new Array<unknown>(rightWidth).fill(null);
    const allIndexes = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

    const probe = async function* (stream: BatchStream, matchedBuild: Uint8Array | null): BatchStream {
      const b = await build();
      const everything = b.table === null ? allIndexes(b.rows.length) : null;
      let out: Row[] = [];
      for await (const batch of stream) {
        for (const row of batch) {
          let candidates: number[] | undefined;
          if (everything !== null) candidates = everything;
          else {
            const k = probeKey(row);
            candidates = k === undefined ? undefined : b.table!.get(k);
          }
          let matched = false;
          if (candidates !== undefined) {
            for (const ci of candidates) {
              const joined = combine(row, b.rows[ci]);
              if (residual !== null && !residual(joined)) continue;
              matched = true;
              if (how === "semi" || how === "anti") break;
              if (matchedBuild !== null) matchedBuild[ci] = 1;
              out.push(joined);
            }
          }
          if (how === "semi" && matched) out.push(row);
          else if (how === "anti" && !matched) out.push(row);
          else if (!matched && (how === "left" || how === "full")) out.push(row.concat(nullsRight));
          else if (!matched && how === "right") out.push(nullsLeft.concat(row));
          if (out.length >= BATCH_ROWS) {
            yield out;
            out = [];
          }
        }
      }
      if (out.length > 0) yield out;
    };

    if (how !== "full") return probeStreams.map((s) => probe(s, null));
    // Full outer: after every probe partition, the build rows nothing matched, with null left columns.
    const full = async function* (): BatchStream {
      const b = await build();
      const matched = new Uint8Array(b.rows.length);
      for (const s of probeStreams) yield* probe(s, matched);
      let out: Row[] = [];
      for (let i = 0; i < b.rows.length; i++) {
        if (matched[i] === 0) out.push(nullsLeft.concat(b.rows[i]));
        if (out.length >= BATCH_ROWS) {
          yield out;
          out = [];
        }
      }
      if (out.length > 0) yield out;
    };
    return [full()];
  }
}
