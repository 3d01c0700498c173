/**
 * The function registry: every scalar and aggregate function by its lower-case Spark name, plus
 * the names the engine's generate and window operators handle themselves.
 */
import type { AggregateFunction, ScalarFunction } from "../expr/ast.js";
import { AGGREGATE_FUNCTIONS } from "./aggregates.js";
import { ARITHMETIC_FUNCTIONS } from "./arithmetic.js";
import { COLLECTION_FUNCTIONS } from "./collections.js";
import { DATETIME_FUNCTIONS } from "./datetime.js";
import { JSON_FUNCTIONS } from "./json.js";
import { MISC_FUNCTIONS } from "./misc.js";
import { PREDICATE_FUNCTIONS } from "./predicates.js";
import { REGEX_FUNCTIONS } from "./regex.js";
import { SCORING_AGGREGATES, SCORING_FUNCTIONS } from "./scoring.js";
import { STRING_FUNCTIONS } from "./strings.js";
import { WINDOW_TIME_FUNCTIONS } from "./window-time.js";

const scalars = new Map<string, ScalarFunction>();
const aggregates = new Map<string, AggregateFunction>();

/** Registers a scalar function (under their own name and any aliases). */
export function registerScalar(fn: ScalarFunction, ...aliases: string[]): void {
  scalars.set(fn.name, fn);
  for (const a of aliases) scalars.set(a, fn);
}

/** Registers an aggregate function (under their own name and any aliases). */
export function registerAggregate(fn: AggregateFunction, ...aliases: string[]): void {
  aggregates.set(fn.name, fn);
  for (const a of aliases) aggregates.set(a, fn);
}

/** The scalar function (or operator) of this name, case-insensitive; undefined when unknown. */
export function lookupScalar(name: string): ScalarFunction | undefined {
  return scalars.get(name.toLowerCase());
}

/** The aggregate function of this name, case-insensitive; undefined when unknown. */
export function lookupAggregate(name: string): AggregateFunction | undefined {
  return aggregates.get(name.toLowerCase());
}

for (const family of [ARITHMETIC_FUNCTIONS, PREDICATE_FUNCTIONS, STRING_FUNCTIONS, REGEX_FUNCTIONS, DATETIME_FUNCTIONS, JSON_FUNCTIONS, COLLECTION_FUNCTIONS, MISC_FUNCTIONS, WINDOW_TIME_FUNCTIONS, SCORING_FUNCTIONS]) {
  for (const [fn, ...aliases] of family) registerScalar(fn, ...aliases);
}
for (const [fn, ...aliases] of [...AGGREGATE_FUNCTIONS, ...SCORING_AGGREGATES]) registerAggregate(fn, ...aliases);

const GENERATORS = new Set(["explode", "explode_outer", "posexplode", "posexplode_outer", "inline", "inline_outer"]);
const WINDOW_FUNCTIONS = new Set(["row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "nth_value"]);

/** True for generator functions (explode and friends), which the generate operator executes. */
export function isGenerator(name: string): boolean {
  return GENERATORS.has(name.toLowerCase());
}

/** True for ranking/offset window functions, which the window operator executes. */
export function isWindowFunction(name: string): boolean {
  return WINDOW_FUNCTIONS.has(name.toLowerCase());
}

/** Every known function name (scalars, aggregates, generators, window functions), for "did you mean" suggestions. */
export function functionNames(): string[] {
  const names = new Set<string>([...scalars.keys(), ...aggregates.keys(), ...GENERATORS, ...WINDOW_FUNCTIONS]);
  return [...names].filter((n) => /^[a-z_]/.test(n)).sort();
}
