/**
 * Binary search over ascending arrays (strings compared by code unit, numbers by value), as
 * numpy's `searchsorted(side='left')`: the first index whose element is not below `value`.
 */
export function lowerBound<T extends string | number>(sorted: ArrayLike<T>, value: T): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of `value` in the ascending `sorted`, or -1 when it is absent. */
export function indexOfSorted<T extends string | number>(sorted: ArrayLike<T>, value: T): number {
  const at = lowerBound(sorted, value);
  return at < sorted.length && sorted[at] === value ? at : -1;
}
