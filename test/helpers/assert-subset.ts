import assert from "node:assert/strict";

/**
 * Fails unless every field given in `expected` has that value in `actual` (fields `expected`
 * leaves out are not checked); arrays must match in length. Buffers compare by content.
 */
export function assertSubset(actual: unknown, expected: unknown, path: string): void {
  if (expected !== null && typeof expected === "object" && !Buffer.isBuffer(expected)) {
    assert.ok(actual !== null && typeof actual === "object", `${path}: expected an object or array, got ${String(actual)}`);
    if (Array.isArray(expected)) assert.equal((actual as unknown[]).length, expected.length, `${path}.length`);
    for (const [k, v] of Object.entries(expected)) assertSubset((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  assert.deepStrictEqual(actual, expected, path);
}
