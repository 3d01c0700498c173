/**
 * Assertions for programmer errors: a broken invariant inside Weir. They crash loudly and are
 * never used for bad input from outside (that is a {@link WeirError}).
 */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

/** Throws an {@link AssertionError} when `condition` is false. */
export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Marks a branch the type system proves unreachable; crashes if reached at run time. */
export function unreachable(value: never, message = "unreachable"): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
