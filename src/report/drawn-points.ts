/**
 * The points of a curve worth drawing. A 360-pixel plot of a 10^5-sample ROC or precision-recall
 * curve gets one point per distinct score, tens of thousands of them, and vega builds a tuple and a
 * scene item for each: the plots' memory grew with the data set (about 2 KiB per test+train sample
 * for each page drawn). A point is kept when it lies at least `step` (of the unit axis) from the
 * last kept point in x or y; every skipped point lies within `step` of a kept one in both axes, so
 * the drawn line moves by less than that (1/2000: under 0.4 px at the PNG's double scale). The first
 * and last points are always kept. A monotone curve (ROC) keeps at most 2/step points.
 * @example
 *   drawnPoints([0, 0.0001, 0.5, 1], [0, 0.3, 0.3, 1]) // [0, 1, 2, 3]; [0, 0.00001, 1] → [0, 2]
 */
export const DRAW_STEP = 1 / 2000;

/** Indices of the points to draw, in order; non-finite points are left out. */
export function drawnPoints(x: readonly number[], y: readonly number[], step = DRAW_STEP): number[] {
  const kept: number[] = [];
  let lastX = NaN;
  let lastY = NaN;
  let skipped = -1;
  for (let i = 0; i < x.length; i++) {
    const px = x[i]!;
    const py = y[i]!;
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    if (kept.length > 0 && Math.abs(px - lastX) < step && Math.abs(py - lastY) < step) {
      skipped = i;
      continue;
    }
    kept.push(i);
    lastX = px;
    lastY = py;
    skipped = -1;
  }
  if (skipped >= 0) kept.push(skipped); // the curve's end, where it was near the last kept point
  return kept;
}
