/**
 * What crosses between the main thread and the aggregation workers, as plain data that
 * `postMessage` copies faithfully (the structured clone algorithm):
 *
 * - resolved expressions ({@link RExpr}) without their function objects: a function travels by
 *   its registry name and is looked up again on the other side, so only functions found by
 *   their name qualify (no UDFs, nothing non-deterministic; from_json's optimizer variants by
 *   their data, `keep` and `bytesInput`);
 * - values (literals, group keys, aggregate states): the structured clone turns a Buffer into a
 *   plain Uint8Array and copies a view's whole underlying memory, so Buffers travel as Uint8Arrays
 *   of exactly their bytes and become Buffers again on arrival;
 * - errors: code, message, details and cause, rebuilt as the same {@link WeirError}.
 */
import { WeirError, isWeirError, type WeirErrorCode } from "../../../util/errors.js";
import type { DataType } from "../../types.js";
import type { Attribute, NamedExpr, RExpr } from "../../plan/expressions.js";
import { lookupAggregate, lookupScalar } from "../../functions/registry.js";
import { fromJsonVariant, fromJsonVariantOf, isFromJson } from "../../functions/json.js";

/** A resolved expression as plain data (see the module comment). */
export type PlainExpr =
  | { readonly kind: "ref"; readonly id: number; readonly name: string; readonly dataType: DataType; readonly nullable: boolean }
  | { readonly kind: "lit"; readonly value: unknown; readonly dataType: DataType; readonly nullable: boolean }
  | {
      readonly kind: "call";
      readonly name: string;
      readonly args: readonly PlainExpr[];
      readonly dataType: DataType;
      readonly nullable: boolean;
      /** For from_json as the optimizer rewrote it: the variant's data. */
      readonly fromJson?: { readonly keep: readonly number[] | null; readonly bytesInput: boolean };
    }
  | { readonly kind: "cast"; readonly child: PlainExpr; readonly dataType: DataType; readonly nullable: boolean; readonly tryCast: boolean; readonly implicit: boolean }
  | { readonly kind: "case"; readonly branches: readonly (readonly [PlainExpr, PlainExpr])[]; readonly otherwise: PlainExpr | null; readonly dataType: DataType; readonly nullable: boolean }
  | {
      readonly kind: "extract";
      readonly child: PlainExpr;
      readonly mode: "field" | "item" | "key";
      readonly key: PlainExpr;
      readonly fieldIndex: number;
      readonly fieldName: string;
      readonly dataType: DataType;
      readonly nullable: boolean;
    }
  | {
      readonly kind: "agg";
      readonly name: string;
      readonly args: readonly PlainExpr[];
      readonly distinct: boolean;
      readonly filter?: PlainExpr;
      readonly dataType: DataType;
      readonly nullable: boolean;
    };

/** A project list entry as plain data. */
export interface PlainNamed {
  readonly expr: PlainExpr;
  readonly attr: Attribute;
}

/**
 * The aggregates (by their function's name) whose states are plain data and merge in any
 * grouping of partitions that keeps their order: checked one by one in functions/aggregates.ts
 * and functions/scoring.ts. An aggregate added later stays on the calling thread until it is
 * checked and listed here.
 */
const PLAIN_STATE_AGGREGATES = new Set([
  "count",
  "count_distinct",
  "count_if",
  "sum",
  "sum_distinct",
  "avg",
  "min",
  "max",
  "first",
  "last",
  "any_value",
  "collect_list",
  "collect_set",
  "approx_count_distinct",
  "stddev",
  "stddev_pop",
  "variance",
  "var_pop",
  "bool_and",
  "bool_or",
  "max_by",
  "min_by",
  "zscore",
  "is_anomaly",
]);

/** Why an expression cannot run on a worker (thrown by {@link toPlainExpr}, caught by the planner). */
export class NotParallel extends Error {
  override readonly name = "NotParallel";
}

/** The plain form of a resolved expression; throws {@link NotParallel} when it has none. */
export function toPlainExpr(e: RExpr): PlainExpr {
  switch (e.kind) {
    case "ref":
      return { kind: "ref", id: e.id, name: e.name, dataType: e.dataType, nullable: e.nullable };
    case "lit":
      return { kind: "lit", value: packValue(e.value), dataType: e.dataType, nullable: e.nullable };
    case "call": {
      const args = e.args.map(toPlainExpr);
      const base = { kind: "call" as const, name: e.name, args, dataType: e.dataType, nullable: e.nullable };
      if (e.fn.nondeterministic === true) throw new NotParallel(`${e.name} is not deterministic`);
      if (lookupScalar(e.name) === e.fn) return base;
      if (isFromJson(e.fn) && e.name === "from_json") {
        // A streaming query's from_json counts malformed records into its source's counter, on this thread.
        const counter = (e.fn as { readonly malformed?: unknown }).malformed;
        if (counter !== undefined && counter !== null) throw new NotParallel("this from_json counts malformed records for a streaming query");
        const v = fromJsonVariantOf(e.fn);
        return { ...base, fromJson: { keep: v.keep === null ? null : [...v.keep], bytesInput: v.bytesInput } };
      }
      throw new NotParallel(`the function of ${e.name} is not the registry's`);
    }
    case "cast":
      return { kind: "cast", child: toPlainExpr(e.child), dataType: e.dataType, nullable: e.nullable, tryCast: e.tryCast, implicit: e.implicit };
    case "case":
      return {
        kind: "case",
        branches: e.branches.map(([c, v]) => [toPlainExpr(c), toPlainExpr(v)] as const),
        otherwise: e.otherwise === null ? null : toPlainExpr(e.otherwise),
        dataType: e.dataType,
        nullable: e.nullable,
      };
    case "extract":
      return {
        kind: "extract",
        child: toPlainExpr(e.child),
        mode: e.mode,
        key: toPlainExpr(e.key),
        fieldIndex: e.fieldIndex,
        fieldName: e.fieldName,
        dataType: e.dataType,
        nullable: e.nullable,
      };
    case "agg": {
      if (lookupAggregate(e.name) !== e.fn) throw new NotParallel(`the aggregate ${e.name} is not the registry's`);
      if (!PLAIN_STATE_AGGREGATES.has(e.fn.name)) throw new NotParallel(`the states of ${e.name} are not known to cross threads`);
      const args = e.args.map(toPlainExpr);
      const base = { kind: "agg" as const, name: e.name, args, distinct: e.distinct, dataType: e.dataType, nullable: e.nullable };
      return e.filter === undefined ? base : { ...base, filter: toPlainExpr(e.filter) };
    }
    case "udf":
      throw new NotParallel(`the user-defined function ${e.name} runs on the calling thread only`);
    case "rank":
    case "window":
      throw new NotParallel(`${e.kind} expressions are planned by the window operator`);
  }
}

/** The resolved expression of a plain one, its functions looked up again. */
export function fromPlainExpr(p: PlainExpr): RExpr {
  switch (p.kind) {
    case "ref":
      return p;
    case "lit":
      return { ...p, value: unpackValue(p.value) };
    case "call": {
      const args = p.args.map(fromPlainExpr);
      const fn = p.fromJson !== undefined ? fromJsonVariant(p.fromJson.keep, p.fromJson.bytesInput, p.dataType) : lookupScalar(p.name);
      if (fn === undefined) throw new WeirError("EXECUTION", `a worker thread does not know the function ${p.name}`, { details: { function: p.name } });
      return { kind: "call", name: p.name, fn, args, dataType: p.dataType, nullable: p.nullable };
    }
    case "cast":
      return { ...p, child: fromPlainExpr(p.child) };
    case "case":
      return { ...p, branches: p.branches.map(([c, v]) => [fromPlainExpr(c), fromPlainExpr(v)] as const), otherwise: p.otherwise === null ? null : fromPlainExpr(p.otherwise) };
    case "extract":
      return { ...p, child: fromPlainExpr(p.child), key: fromPlainExpr(p.key) };
    case "agg": {
      const fn = lookupAggregate(p.name);
      if (fn === undefined) throw new WeirError("EXECUTION", `a worker thread does not know the aggregate ${p.name}`, { details: { function: p.name } });
      const args = p.args.map(fromPlainExpr);
      const base = { kind: "agg" as const, name: p.name, fn, args, distinct: p.distinct, dataType: p.dataType, nullable: p.nullable };
      return p.filter === undefined ? base : { ...base, filter: fromPlainExpr(p.filter) };
    }
  }
}

/** The plain form of a project list entry. */
export function toPlainNamed(n: NamedExpr): PlainNamed {
  return { expr: toPlainExpr(n.expr), attr: n.attr };
}

/** The project list entry of a plain one. */
export function fromPlainNamed(n: PlainNamed): NamedExpr {
  return { expr: fromPlainExpr(n.expr), attr: n.attr };
}

/**
 * A value (internal representation, or an aggregate state) made ready for `postMessage`: every
 * Buffer (or other byte view) becomes a Uint8Array of its own bytes only; arrays, Maps, Sets
 * and plain objects are copied with their contents packed. Other objects are refused: states
 * and values are plain data by contract.
 */
export function packValue(v: unknown): unknown {
  if (v === null || typeof v !== "object") {
    if (typeof v === "function" || typeof v === "symbol") throw new NotParallel(`a ${typeof v} cannot cross threads`);
    return v;
  }
  if (ArrayBuffer.isView(v)) {
    if (v instanceof Uint8Array) return new Uint8Array(v);
    throw new NotParallel(`a ${v.constructor.name} cannot cross threads`);
  }
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = packValue(v[i]);
    return out;
  }
  if (v instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, x] of v) out.set(packValue(k), packValue(x));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    for (const x of v) out.add(packValue(x));
    return out;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new NotParallel(`an object of class ${v.constructor.name} cannot cross threads`);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = packValue(x);
  return out;
}

/** A packed value back in the internal representation: Uint8Arrays become Buffers (views, no copy); containers are updated in place. */
export function unpackValue(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Uint8Array) return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x !== null && typeof x === "object") v[i] = unpackValue(x);
    }
    return v;
  }
  if (v instanceof Map) {
    const entries = [...v];
    v.clear();
    for (const [k, x] of entries) v.set(unpackValue(k), unpackValue(x));
    return v;
  }
  if (v instanceof Set) {
    const items = [...v];
    v.clear();
    for (const x of items) v.add(unpackValue(x));
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x !== null && typeof x === "object") o[k] = unpackValue(x);
  }
  return o;
}

/** An error as plain data. */
export interface PlainError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: WeirErrorCode;
  readonly retriable?: boolean;
  readonly details?: Record<string, unknown>;
  readonly cause?: PlainError;
}

const CAUSE_DEPTH_MAX = 8;

/** The plain form of anything thrown (a WeirError keeps its code, details and cause chain). */
export function encodeError(e: unknown, depth = 0): PlainError {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const cause = e.cause !== undefined && depth < CAUSE_DEPTH_MAX ? { cause: encodeError(e.cause, depth + 1) } : {};
  const stack = e.stack === undefined ? {} : { stack: e.stack };
  if (!isWeirError(e)) return { name: e.name, message: e.message, ...stack, ...cause };
  return { name: e.name, message: e.message, ...stack, code: e.code, retriable: e.retriable, details: cloneableDetails(e.details), ...cause };
}

/** Details as `postMessage` can copy them: a value it cannot copy becomes its text. */
function cloneableDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) {
    try {
      out[k] = packValue(v);
    } catch {
      out[k] = String(v);
    }
  }
  return out;
}

/**
 * The error of a plain one: a WeirError with the same code, message, details and cause; any
 * other error as an Error of the same name and message. The worker's stack follows the main
 * thread's, marked as such.
 */
export function decodeError(p: PlainError): Error {
  const cause = p.cause === undefined ? undefined : decodeError(p.cause);
  let e: Error;
  if (p.code !== undefined) {
    e = new WeirError(p.code, p.message, {
      ...(cause === undefined ? {} : { cause }),
      retriable: p.retriable ?? false,
      details: (unpackValue(p.details ?? {}) as Record<string, unknown>),
    });
  } else {
    e = new Error(p.message, cause === undefined ? undefined : { cause });
    if (p.name !== "Error") Object.defineProperty(e, "name", { value: p.name, configurable: true, writable: true });
  }
  if (p.stack !== undefined && e.stack !== undefined) e.stack = `${e.stack}\n    --- in the worker thread ---\n${p.stack.split("\n").slice(1).join("\n")}`;
  return e;
}
