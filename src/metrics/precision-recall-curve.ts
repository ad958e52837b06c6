import { binaryCurve, type BinaryCurve } from './binary-curve.ts';

export interface PrecisionRecallCurve {
  /** One entry per threshold, then a final 1 (scikit-learn's convention for the recall-0 end). */
  precision: number[];
  /** Decreasing; one entry per threshold, then a final 0. */
  recall: number[];
  /** Increasing distinct scores; point k means "predict positive when score >= thresholds[k]". */
  thresholds: number[];
}

/**
 * Precision-recall pairs for every distinct score, identical to scikit-learn 1.2's
 * `precision_recall_curve`: thresholds increasing, precision 0 where nothing is predicted positive,
 * and — when there is no positive sample — recall set to 1 everywhere as scikit-learn does.
 *
 * @example
 *   precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 *   // precision [0.5, 0.667, 0.5, 1, 1], recall [1, 1, 0.5, 0.5, 0], thresholds [0.1, 0.35, 0.4, 0.8]
 */
export function precisionRecallCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): PrecisionRecallCurve {
  return precisionRecallCurveOf(binaryCurve(labels, scores));
}

export function precisionRecallCurveOf(curve: BinaryCurve): PrecisionRecallCurve {
  const { tps, fps, thresholds, positives } = curve;
  const m = tps.length;
  const precision: number[] = [];
  const recall: number[] = [];
  const thr: number[] = [];
  for (let k = m - 1; k >= 0; k--) {
    const predictedPositive = tps[k] + fps[k];
    precision.push(predictedPositive === 0 ? 0 : tps[k] / predictedPositive);
    recall.push(positives === 0 ? 1 : tps[k] / positives);
    thr.push(thresholds[k]);
  }
  precision.push(1);
  recall.push(0);
  return { precision, recall, thresholds: thr };
}

/**
 * Average precision, scikit-learn's `average_precision_score`: the step-wise (not interpolated)
 * area under the precision-recall curve, sum over thresholds of (R_k - R_{k-1}) * P_k.
 *
 * Returns NaN when only one class is present. Deliberate difference from scikit-learn, which returns
 * 1 (all positive) or 0 (no positive, with a warning): with one class those numbers are the same for
 * every possible set of scores, so they say nothing about the model.
 *
 * @example
 *   averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.8333…
 */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  return averagePrecisionOf(binaryCurve(labels, scores));
}

export function averagePrecisionOf(curve: BinaryCurve): number {
  const { tps, fps, positives, negatives } = curve;
  if (positives === 0 || negatives === 0) return Number.NaN;
  // Summed from the lowest threshold up, in the order scikit-learn sums, to agree to the last bits.
  let sum = 0;
  for (let k = tps.length - 1; k >= 0; k--) {
    const prevRecall = k === 0 ? 0 : tps[k - 1] / positives;
    const recall = tps[k] / positives;
    const predictedPositive = tps[k] + fps[k];
    const precision = predictedPositive === 0 ? 0 : tps[k] / predictedPositive;
    sum += (recall - prevRecall) * precision;
  }
  return sum;
}
