import { binaryCurve, type BinaryCurve } from './binary-curve.ts';

export interface RocCurveOptions {
  /**
   * Drop points that lie on a straight segment between their neighbours, exactly as scikit-learn's
   * `roc_curve(drop_intermediate=True)` does (fewer points, same area).
   * @default false  (every distinct score is a point, like `drop_intermediate=False`)
   */
  readonly dropIntermediate?: boolean;
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /**
   * Decreasing. `thresholds[0]` is an artificial "predict nothing" point set to
   * `max(score) + 1`, as scikit-learn 1.2 does (scikit-learn >= 1.3 writes `inf` there; +1 keeps it
   * JSON-serialisable). Every other entry is an observed score, and point k means
   * "predict positive when score >= thresholds[k]".
   */
  thresholds: number[];
}

/**
 * ROC curve points, identical to scikit-learn 1.2's `roc_curve(y, s, drop_intermediate=False)`
 * (or `=True` with `{ dropIntermediate: true }`). Tied scores form a single point.
 * When one class is absent the matching rate is 0/0: scikit-learn returns NaN there, and so does this.
 *
 * @example
 *   rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 *   // { fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1], thresholds: [1.8, 0.8, 0.4, 0.35, 0.1] }
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>, options: RocCurveOptions = {}): RocCurve {
  return rocCurveOf(binaryCurve(labels, scores), options);
}

export function rocCurveOf(curve: BinaryCurve, options: RocCurveOptions = {}): RocCurve {
  const { tps, fps, thresholds, positives, negatives } = curve;
  let keep: number[];
  const m = tps.length;
  if (options.dropIntermediate && m > 2) {
    // scikit-learn keeps a point when the second difference of fps or tps is non-zero there.
    keep = [0];
    for (let k = 1; k < m - 1; k++) {
      if (fps[k + 1] - 2 * fps[k] + fps[k - 1] !== 0 || tps[k + 1] - 2 * tps[k] + tps[k - 1] !== 0) keep.push(k);
    }
    keep.push(m - 1);
  } else {
    keep = Array.from({ length: m }, (_, k) => k);
  }
  const fpr = [0];
  const tpr = [0];
  const thr = [thresholds[0] + 1];
  for (const k of keep) {
    fpr.push(fps[k] / negatives);
    tpr.push(tps[k] / positives);
    thr.push(thresholds[k]);
  }
  if (negatives === 0) fpr.fill(Number.NaN);
  if (positives === 0) tpr.fill(Number.NaN);
  return { fpr, tpr, thresholds: thr };
}

/**
 * Area under the ROC curve from all scores: the trapezoid rule over the ROC points, with tied scores
 * as one threshold — the same number as scikit-learn's `roc_auc_score` (and as the Mann-Whitney U
 * statistic with ties counted 1/2). Computed on integer counts, then divided once.
 * Returns NaN when only one class is present (scikit-learn raises "Only one class present in y_true").
 *
 * @example
 *   rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  return rocAucOf(binaryCurve(labels, scores));
}

export function rocAucOf(curve: BinaryCurve): number {
  const { tps, fps, positives, negatives } = curve;
  if (positives === 0 || negatives === 0) return Number.NaN;
  // Twice the area in count units: sum of (dFP) * (TP_prev + TP). Integers below 2^53, so exact.
  let twiceArea = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let k = 0; k < tps.length; k++) {
    twiceArea += (fps[k] - prevFp) * (tps[k] + prevTp);
    prevTp = tps[k];
    prevFp = fps[k];
  }
  return twiceArea / (2 * positives * negatives);
}
