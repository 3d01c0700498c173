/**
 * `Window` and `WindowSpec`: Spark's window specifications. Without ORDER BY a window function
 * sees its whole partition; with ORDER BY the default frame is RANGE BETWEEN UNBOUNDED
 * PRECEDING AND CURRENT ROW (a running aggregate where rows with equal order values are peers).
 */
import type { Expr, WindowSpecData } from "../expr/ast.js";
import { CURRENT_ROW, UNBOUNDED_FOLLOWING, UNBOUNDED_PRECEDING } from "../expr/ast.js";
import { toExpr, type ColumnLike } from "./column.js";

function exprs(cols: readonly (ColumnLike | readonly ColumnLike[])[]): Expr[] {
  return cols.flat().map(toExpr);
}

/** An immutable window specification; every method returns a new one. */
export class WindowSpec {
  constructor(readonly spec: WindowSpecData = { partitionBy: [], orderBy: [] }) {}

  partitionBy(...cols: (ColumnLike | readonly ColumnLike[])[]): WindowSpec {
    return new WindowSpec({ ...this.spec, partitionBy: exprs(cols) });
  }

  orderBy(...cols: (ColumnLike | readonly ColumnLike[])[]): WindowSpec {
    return new WindowSpec({ ...this.spec, orderBy: exprs(cols) });
  }

  /** A frame of rows relative to the current row (negative: before it); use Window.unboundedPreceding etc. */
  rowsBetween(start: number, end: number): WindowSpec {
    return new WindowSpec({ ...this.spec, frame: { type: "rows", start, end } });
  }

  /** A frame of ORDER BY values relative to the current row's value. */
  rangeBetween(start: number, end: number): WindowSpec {
    return new WindowSpec({ ...this.spec, frame: { type: "range", start, end } });
  }
}

/** Spark's `Window` builder. */
export const Window = {
  unboundedPreceding: UNBOUNDED_PRECEDING,
  unboundedFollowing: UNBOUNDED_FOLLOWING,
  currentRow: CURRENT_ROW,
  partitionBy(...cols: (ColumnLike | readonly ColumnLike[])[]): WindowSpec {
    return new WindowSpec().partitionBy(...cols);
  },
  orderBy(...cols: (ColumnLike | readonly ColumnLike[])[]): WindowSpec {
    return new WindowSpec().orderBy(...cols);
  },
  rowsBetween(start: number, end: number): WindowSpec {
    return new WindowSpec().rowsBetween(start, end);
  },
  rangeBetween(start: number, end: number): WindowSpec {
    return new WindowSpec().rangeBetween(start, end);
  },
} as const;
