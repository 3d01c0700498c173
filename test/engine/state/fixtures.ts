// Shared helpers of the state store tests: a plain-Map model and value generators.
import assert from "node:assert/strict";
import fc from "fast-check";
import type { StateStore } from "../../../src/engine/state/store.js";
import { mulberry32 } from "../../../src/util/random.js";

/** One change of a batch: a put (with a value) or a remove. */
export type Op = { kind: "put"; key: string; value: unknown } | { kind: "remove"; key: string };

/** Applies `ops` to a store and to a copy of the model, returning the model's new version. */
export function apply(store: StateStore, model: ReadonlyMap<string, unknown>, ops: readonly Op[]): Map<string, unknown> {
  const next = new Map(model);
  for (const op of ops) {
    if (op.kind === "put") {
      store.put(op.key, op.value);
      next.set(op.key, op.value);
    } else {
      store.remove(op.key);
      next.delete(op.key);
    }
  }
  return next;
}

/** Entries sorted by key, for comparing a store with a model. */
export function sorted(entries: Iterable<[string, unknown]>): [string, unknown][] {
  return [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Asserts that `store` holds exactly `model`, through entries(), get(), has() and size. */
export function assertHolds(store: StateStore, model: ReadonlyMap<string, unknown>, label = ""): void {
  assert.deepEqual(sorted(store.entries()), sorted(model), `entries ${label}`);
  assert.equal(store.size, model.size, `size ${label}`);
  for (const [k, v] of model) {
    assert.equal(store.has(k), true, `has ${k} ${label}`);
    assert.deepEqual(store.get(k), v, `get ${k} ${label}`);
  }
}

/** Values of every kind a state may hold. */
export const stateValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.bigInt(),
  fc.array(fc.oneof(fc.integer(), fc.array(fc.string(), { maxLength: 3 })), { maxLength: 4 }),
  fc.array(fc.tuple(fc.string(), fc.integer()), { maxLength: 4 }).map((kv) => new Map(kv)),
  fc.array(fc.integer(), { maxLength: 4 }).map((xs) => new Set(xs)),
  fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)),
  fc.array(fc.double(), { maxLength: 4 }).map((xs) => Float64Array.from(xs)),
);

/** Random operations over a small key space, so keys are often overwritten and removed. */
export const batchOps: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("put" as const), key: fc.integer({ min: 0, max: 15 }).map(String), value: stateValue }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("remove" as const), key: fc.integer({ min: 0, max: 15 }).map(String) }) },
  ),
  { maxLength: 12 },
);

/** A deterministic batch for crash tests: the same seed always gives the same operations. */
export function seededOps(seed: number, count = 8): Op[] {
  const rnd = mulberry32(seed);
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    const key = `k${Math.floor(rnd() * 12)}`;
    const r = rnd();
    if (r < 0.25) ops.push({ kind: "remove", key });
    else if (r < 0.5) ops.push({ kind: "put", key, value: Math.floor(rnd() * 1000) });
    else if (r < 0.75) ops.push({ kind: "put", key, value: new Map<string, unknown>([["n", seed], ["xs", [i, String(r)]]]) });
    else ops.push({ kind: "put", key, value: Buffer.from(`v${seed}-${i}`) });
  }
  return ops;
}
