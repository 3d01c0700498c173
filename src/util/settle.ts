/**
 * Waiting for several operations that must all finish before the caller goes on, even when one
 * fails (files still being written, handles still open).
 */

/**
 * Waits until every promise has settled, then throws the first failure (in the order given), or
 * returns the values. Unlike `Promise.all`, nothing is still running when it throws.
 */
export async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
