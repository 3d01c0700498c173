/** Test helpers: evaluate registry functions the way the engine does (coercion casts, null handling). */
import type { ArgInfo } from "../../../src/engine/expr/ast.js";
import type { DataType } from "../../../src/engine/types.js";
import { NullType } from "../../../src/engine/types.js";
import { buildCast } from "../../../src/engine/functions/cast.js";
import { literalType } from "../../../src/engine/functions/coercion.js";
import { lookupAggregate, lookupScalar } from "../../../src/engine/functions/registry.js";

/** An argument: a constant (type inferred unless given), or a non-constant column value. */
export interface Arg {
  readonly value: unknown;
  readonly type?: DataType;
  readonly column?: boolean;
}

/** A constant argument. */
export function lit(value: unknown, type?: DataType): Arg {
  return { value, type };
}

/** A column (non-foldable) argument. */
export function colv(value: unknown, type: DataType): Arg {
  return { value, type, column: true };
}

function toArg(a: unknown): Arg {
  return typeof a === "object" && a !== null && "value" in a && Object.keys(a).every((k) => ["value", "type", "column"].includes(k)) ? a : { value: a };
}

/** Resolves and evaluates scalar function `name` on the given arguments (plain values are constants). */
export function evalScalar(name: string, ...rawArgs: unknown[]): unknown {
  return evalWithType(name, ...rawArgs).value;
}

/** Like {@link evalScalar}, also returning the resolved type. */
export function evalWithType(name: string, ...rawArgs: unknown[]): { value: unknown; dataType: DataType } {
  const fn = lookupScalar(name);
  if (fn === undefined) throw new Error(`no scalar function ${name}`);
  const args = rawArgs.map(toArg);
  const infos: ArgInfo[] = args.map((a) => {
    const t = a.type ?? literalType(a.value);
    return a.column === true ? { dataType: t, nullable: true, foldable: false } : { dataType: t, nullable: a.value === null, foldable: true, value: a.value };
  });
  const res = fn.resolve(infos);
  const values: unknown[] = args.map((a) => a.value);
  const coerced: ArgInfo[] = infos.map((info, i) => {
    const to = res.coerceTo?.[i];
    if (to === undefined) return info;
    if (values[i] !== null) values[i] = buildCast(info.dataType, to, { ansi: true, tryCast: false })(values[i]);
    return { ...info, dataType: to, value: info.foldable ? values[i] : undefined };
  });
  const ev = fn.build(coerced);
  if (fn.nullIntolerant && values.some((v) => v === null)) return { value: null, dataType: res.dataType };
  return { value: ev(values), dataType: res.dataType };
}

/** Runs aggregate `name` over rows of argument values, split into `parts` partitions merged at the end. */
export function evalAggregate(name: string, types: DataType[], rows: unknown[][], opts: { distinct?: boolean; parts?: number; consts?: unknown[] } = {}): unknown {
  const fn = lookupAggregate(name);
  if (fn === undefined) throw new Error(`no aggregate ${name}`);
  const infos: ArgInfo[] = types.map((t, i) =>
    opts.consts !== undefined && i < opts.consts.length && opts.consts[i] !== undefined
      ? { dataType: t, nullable: false, foldable: true, value: opts.consts[i] }
      : { dataType: t, nullable: true, foldable: false },
  );
  fn.resolve(infos, opts.distinct ?? false);
  const acc = fn.build(infos, opts.distinct ?? false);
  const parts = Math.max(1, opts.parts ?? 1);
  const states: unknown[] = [];
  const size = Math.ceil(rows.length / parts) || 1;
  for (let p = 0; p < parts; p++) {
    let s = acc.init();
    for (const r of rows.slice(p * size, (p + 1) * size)) s = acc.update(s, r);
    states.push(s);
  }
  return acc.finish(states.reduce((a, b) => acc.merge(a, b)));
}

export { NullType };
