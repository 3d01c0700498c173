/**
 * `GroupedData`: what `df.groupBy(...)` returns. `agg` takes aggregate Columns or Spark's map
 * form (`{ amount: "sum", "*": "count" }`); the shortcuts (`count`, `sum`...) name their columns
 * as Spark does (`count`, `sum(x)`).
 */
import { WeirError } from "../../util/errors.js";
import type { Expr } from "../expr/ast.js";
import { isNumeric } from "../types.js";
import { aggregate, flatMapGroupsWithState } from "../plan/analyzer.js";
import { groupStateSpec, type FlatMapGroupsWithStateOptions, type JsonValue, type MapGroupsWithStateOptions } from "../stream/group-state.js";
import { Column } from "./column.js";
import type { DataFrame } from "./dataframe.js";
import { avg, count, max, min, sum } from "./functions.js";

const MAP_FUNCTIONS: Record<string, (c: string) => Column> = {
  count: (c) => count(c === "*" ? "*" : c),
  sum,
  avg,
  mean: avg,
  min,
  max,
};

/** See the module comment. */
export class GroupedData {
  constructor(
    private readonly df: DataFrame,
    private readonly keys: readonly Expr[],
  ) {}

  /** Aggregates per group: the grouping columns, then one column per expression. */
  agg(...exprs: (Column | Readonly<Record<string, string>>)[]): DataFrame {
    const list: Expr[] = [];
    for (const e of exprs) {
      if (e instanceof Column) {
        list.push(e.expr);
        continue;
      }
      for (const [name, fn] of Object.entries(e)) {
        const build = MAP_FUNCTIONS[fn.toLowerCase()];
        if (build === undefined) {
          throw new WeirError("ANALYSIS", `[UNRESOLVED_ROUTINE] agg() map form: unknown aggregate '${fn}' for column ${name}; use one of ${Object.keys(MAP_FUNCTIONS).join(", ")}, or pass Columns.`);
        }
        list.push(build(name).expr);
      }
    }
    if (list.length === 0) throw new WeirError("INVALID_ARGUMENT", "agg() needs at least one aggregate expression.");
    return this.df.withPlan(aggregate(this.df.plan, this.keys, list));
  }

  /** The number of rows per group, in a column named `count`. */
  count(): DataFrame {
    return this.agg(count("*").alias("count"));
  }

  /** Sums of the given (or all numeric) columns. */
  sum(...columns: string[]): DataFrame {
    return this.numeric("sum", columns, sum);
  }

  avg(...columns: string[]): DataFrame {
    return this.numeric("avg", columns, avg);
  }

  mean(...columns: string[]): DataFrame {
    return this.numeric("avg", columns, avg);
  }

  min(...columns: string[]): DataFrame {
    return this.numeric("min", columns, min);
  }

  max(...columns: string[]): DataFrame {
    return this.numeric("max", columns, max);
  }

  /**
   * Spark's flatMapGroupsWithState: calls `func(key, rows, state)` for each group of rows (and,
   * on a streaming frame, for each group whose timeout fired) and emits the rows it returns, of
   * `outputSchema`. On a streaming frame `state` is kept per key in the checkpoint across
   * batches and restarts; on a batch frame each group is called once with empty state. Rows, keys
   * and output rows are objects keyed by column name (timestamps in µs); state values must be
   * JSON values. See docs/engine.md, "Arbitrary state".
   *
   * ```ts
   * df.groupBy("user").flatMapGroupsWithState({
   *   outputMode: "update", timeout: "processingTime", outputSchema: "user STRING, count BIGINT",
   *   func: (key, rows, state) => {
   *     if (state.hasTimedOut) { state.remove(); return []; }
   *     const count = ((state.getOption() as number | undefined) ?? 0) + rows.length;
   *     state.update(count);
   *     state.setTimeoutDuration("10 minutes");
   *     return [{ user: key.user, count }];
   *   },
   * });
   * ```
   */
  flatMapGroupsWithState<S = JsonValue>(options: FlatMapGroupsWithStateOptions<S>): DataFrame {
    return this.df.withPlan(flatMapGroupsWithState(this.df.plan, this.keys, groupStateSpec(options, false)));
  }

  /**
   * Spark's mapGroupsWithState: as {@link flatMapGroupsWithState} with exactly one output row
   * per call; on a streaming frame only in update output mode.
   */
  mapGroupsWithState<S = JsonValue>(options: MapGroupsWithStateOptions<S>): DataFrame {
    return this.df.withPlan(flatMapGroupsWithState(this.df.plan, this.keys, groupStateSpec(options, true)));
  }

  private numeric(fn: string, columns: readonly string[], build: (c: string) => Column): DataFrame {
    const fields = this.df.schema.fields;
    const names = columns.length > 0 ? columns : fields.filter((f) => isNumeric(f.dataType)).map((f) => f.name);
    for (const n of columns) {
      const f = fields.find((x) => x.name.toLowerCase() === n.toLowerCase());
      if (f !== undefined && !isNumeric(f.dataType)) {
        throw new WeirError("ANALYSIS", `[DATATYPE_MISMATCH] "${n}" is not a numeric column (it is ${f.dataType.kind}); ${fn}() of GroupedData takes numeric columns.`);
      }
    }
    if (names.length === 0) return this.df.withPlan(aggregate(this.df.plan, this.keys, []));
    return this.agg(...names.map(build));
  }
}
