/**
 * How stateful operators name a grouping key in their state store and pick its state partition:
 * the key values (normalised as the batch engine compares them) as JSON, Buffers as base64 and
 * bigints as text; the partition is FNV-1a of that string modulo the checkpoint's fixed number of
 * state partitions. The streaming aggregation (stateful.ts) uses the same encoding.
 */
import { keyNormalizer } from "../exec/keys.js";
import type { DataType, Row } from "../types.js";

/** A key's string form in the store. */
export function encodeStateKey(keys: Row): string {
  return JSON.stringify(keys, (_k, v: unknown) => (Buffer.isBuffer(v) ? { $b: v.toString("base64") } : typeof v === "bigint" ? { $n: v.toString() } : (v as object)));
}

/** FNV-1a of a string modulo `n`: the key's state partition. */
export function statePartitionOf(key: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % n;
}

/** Encodes key values of the given types after normalising them (so keys equal by Spark's rules encode the same). */
export function stateKeyEncoder(types: readonly DataType[]): (keys: Row) => string {
  const norms = types.map(keyNormalizer);
  return (keys) =>
    encodeStateKey(
      keys.map((v, i) => {
        const norm = norms[i];
        return norm === null ? v : norm(v);
      }),
    );
}
