/**
 * Pointwise bootstrap bands around the ROC and precision–recall curves: each resample's curve is
 * read at fixed grid points and the band is the percentile interval of those readings per point.
 * ROC: vertical averaging (Fawcett 2006) — sensitivity at each false-positive rate is the best
 * reached at or below it. PR: interpolated precision — the best precision at or above each recall.
 */
import { binaryCurve, type BinaryCurve } from './binary-curve.ts';
import { pick, type BootstrapPlan } from './bootstrap.ts';
import { quantileSorted } from './quantile.ts';

export interface CurveBand {
  /** 'roc': x = false-positive rate, y = sensitivity; 'pr': x = recall, y = precision. */
  readonly kind: 'roc' | 'pr';
  readonly x: readonly number[];
  /** The curve of all samples read at x the same way. */
  readonly estimate: readonly number[];
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  readonly level: number;
  readonly resamples: number;
  readonly method: string;
}

/** Grid of `points` evenly spaced values over [0, 1]. @default 101 points */
function grid(points: number): Float64Array {
  return Float64Array.from({ length: points }, (_, i) => i / (points - 1));
}

/** Sensitivity at each false-positive rate: the highest reached with FPR ≤ x (the curve starts at (0, 0)). */
export function rocAtGrid(curve: BinaryCurve, xs: Float64Array): Float64Array {
  const out = new Float64Array(xs.length);
  let k = 0;
  let best = 0;
  for (let g = 0; g < xs.length; g++) {
    while (k < curve.thresholds.length && curve.fps[k]! / curve.negatives <= xs[g]! + 1e-12) {
      best = Math.max(best, curve.tps[k]! / curve.positives);
      k++;
    }
    out[g] = best;
  }
  return out;
}

/** Interpolated precision at each recall: the highest precision among points with recall ≥ x. */
export function prAtGrid(curve: BinaryCurve, xs: Float64Array): Float64Array {
  const m = curve.thresholds.length;
  const bestFrom = new Float64Array(m + 1);
  bestFrom[m] = 0;
  for (let k = m - 1; k >= 0; k--) bestFrom[k] = Math.max(bestFrom[k + 1]!, curve.tps[k]! / (curve.tps[k]! + curve.fps[k]!));
  const out = new Float64Array(xs.length);
  let k = 0;
  for (let g = 0; g < xs.length; g++) {
    while (k < m && curve.tps[k]! / curve.positives < xs[g]! - 1e-12) k++;
    out[g] = bestFrom[k]!;
  }
  return out;
}

/**
 * The bootstrap band of the ROC or PR curve on `plan`'s resamples (stratified: every resample has
 * both classes).
 * @example
 *   const band = curveBand('roc', labels, scores, plan); // band.lower[50] = lower sensitivity at FPR 0.5
 */
export function curveBand(
  kind: 'roc' | 'pr',
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  plan: BootstrapPlan,
  level = 0.95,
  points = 101,
): CurveBand {
  const xs = grid(points);
  const read = kind === 'roc' ? rocAtGrid : prAtGrid;
  const estimate = read(binaryCurve(labels, scores), xs);
  const columns = Array.from({ length: points }, () => new Float64Array(plan.resamples));
  let used = 0;
  for (let b = 0; b < plan.resamples; b++) {
    const idx = plan.resample(b);
    const curve = binaryCurve(pick(labels, idx), pick(scores, idx));
    if (curve.positives === 0 || curve.negatives === 0) continue;
    const ys = read(curve, xs);
    for (let g = 0; g < points; g++) columns[g]![used] = ys[g]!;
    used++;
  }
  const alpha = (1 - level) / 2;
  const lower: number[] = [];
  const upper: number[] = [];
  for (const column of columns) {
    const sorted = column.subarray(0, used).sort();
    lower.push(quantileSorted(sorted, alpha));
    upper.push(quantileSorted(sorted, 1 - alpha));
  }
  const method =
    kind === 'roc'
      ? `pointwise ${level * 100}% percentile band of ${used} bootstrap ROC curves, each read as the best sensitivity at or below each false-positive rate (vertical averaging)`
      : `pointwise ${level * 100}% percentile band of ${used} bootstrap PR curves, each read as the interpolated precision (best precision at or above each recall)`;
  return { kind, x: Array.from(xs), estimate: Array.from(estimate), lower, upper, level, resamples: used, method };
}
