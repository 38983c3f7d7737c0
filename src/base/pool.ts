/**
 * Calls `fn` on every item with at most `limit` calls in flight, starting them in the order of
 * `items` (a call starts as soon as an earlier one settles). Resolves once every call has.
 *
 * - The first call that throws rejects the returned promise at once, with its error; no item is
 *   started after it, and the calls still in flight run on, their outcome ignored.
 * - With `signal`: once it is aborted, no item is started; the promise rejects with
 *   `signal.reason` when the next item would have been, leaving the calls in flight to `fn`.
 */
export async function forEachAtMost<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      signal?.throwIfAborted();
      const index = next++;
      try {
        await fn(items[index]!, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
