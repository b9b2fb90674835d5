/**
 * Work on many independent shipments at once, within a bound. A window's results are written per
 * shipment (each one its own conditional write); one after the other, a window of 1,000 shipments at
 * 10 ms a write takes 10 s of a 30 s budget, and a busy store stretches every wait. With a bound of
 * `STORE_CONCURRENCY` the waits overlap, and the store (DynamoDB, or the local stand-in) is never
 * sent more at once than its client's sockets take.
 */

/** Writes and reads of one run in flight at once (the SDK's HTTP agent keeps 50 sockets). */
export const STORE_CONCURRENCY = 16;

/**
 * `work` over `items` with at most `limit` in flight; the results in the order of the items. On a
 * failure no new item is started, the ones in flight are waited for, then the first error is thrown.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
