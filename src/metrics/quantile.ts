/**
 * The q-quantile (0 ≤ q ≤ 1) of ascending `sorted` values, by linear interpolation between order
 * statistics (Hyndman & Fan type 7): numpy's default `np.percentile(x, 100 q)`, including its way
 * of interpolating (from the upper neighbour when the fraction is ≥ 0.5), so equal inputs give
 * bit-equal outputs. NaN for an empty array.
 *
 * @example
 *   quantileSorted(Float64Array.of(1, 2, 3, 4), 0.5); // 2.5
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0 || Number.isNaN(q)) return Number.NaN;
  const at = Math.min(Math.max(q, 0), 1) * (n - 1);
  const below = Math.min(Math.max(Math.floor(at), 0), n - 1);
  const above = Math.min(below + 1, n - 1);
  const t = at - below;
  const a = sorted[below]!;
  const b = sorted[above]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** numpy's `np.linspace(0, 1, bins + 1)`, bit for bit: i·(1/bins), with the last edge exactly 1. */
export function unitEdges(bins: number): Float64Array {
  const edges = new Float64Array(bins + 1);
  const step = 1 / bins;
  for (let i = 0; i < bins; i++) edges[i] = i * step;
  edges[bins] = 1;
  return edges;
}
