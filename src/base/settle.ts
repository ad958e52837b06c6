/**
 * Waits for every one of `writes` to settle (none is left going on), then returns their values in
 * order, or throws the first failure in order. For writes that must all be over before a failure
 * is reported: nothing then writes to the cache after the caller has thrown.
 * @example
 *   const [entry] = await settleAll([store.put(...), otherWrites]);
 */
export async function settleAll<T extends readonly unknown[]>(writes: readonly [...{ [K in keyof T]: Promise<T[K]> | T[K] }]): Promise<T> {
  const results = await Promise.allSettled(writes);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
