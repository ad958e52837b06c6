import { binaryCurve, type BinaryCurve } from './binary-curve.ts';
import { checkThreshold, confusionAt, DEFAULT_THRESHOLD, type ConfusionCounts } from './confusion.ts';
import { averagePrecisionOf } from './precision-recall-curve.ts';
import { rocAucOf } from './roc-curve.ts';
import { DEFAULT_SENSITIVITY, specificityAtSensitivityOf } from './specificity-at-sensitivity.ts';

/** The metrics that depend only on the confusion matrix, with scikit-learn's names and zero-division rule. */
export interface CountMetrics {
  /** (TP+TN)/n. */
  accuracy: number;
  /** PPV = TP/(TP+FP); 0 when nothing is predicted positive (scikit-learn's zero_division default). */
  precision: number;
  /** Sensitivity = TPR = TP/(TP+FN); 0 when there is no positive sample. */
  recall: number;
  /** TNR = TN/(TN+FP) (scikit-learn: recall of class 0); 0 when there is no negative sample. */
  specificity: number;
  /** TN/(TN+FN) (scikit-learn: precision of class 0); 0 when nothing is predicted negative. */
  npv: number;
  /** 2TP/(2TP+FP+FN), the harmonic mean of precision and recall; 0 when TP+FP+FN = 0. */
  f1: number;
  /**
   * (sensitivity + specificity)/2; with one class only, the rate of the class present
   * (scikit-learn's `balanced_accuracy_score` drops the undefined class).
   */
  balancedAccuracy: number;
  /** Cohen's kappa of labels vs predictions; NaN when both are one same class (0/0, as in scikit-learn). */
  kappa: number;
}

export interface BinaryMetrics extends ConfusionCounts, CountMetrics {
  /** The decision rule is predicted = score >= threshold. */
  threshold: number;
  /** ROC AUC from all scores (ties as one threshold); NaN with one class. */
  auc: number;
  /** scikit-learn's average_precision_score; NaN with one class. */
  averagePrecision: number;
  /** Max specificity over thresholds with sensitivity >= sensitivityTarget; NaN with one class. */
  specificityAtSensitivity: number;
  sensitivityTarget: number;
  support: { positive: number; negative: number };
  /**
   * Why a value is NaN (written as null by JSON.stringify) or fell back to 0 by scikit-learn's
   * zero-division rule. Empty when every metric is well defined.
   */
  notes: string[];
}

export interface BinaryMetricsOptions {
  /** Decision threshold; predicted = score >= threshold. @default 0.5 */
  readonly threshold?: number;
  /** Sensitivity target for `specificityAtSensitivity`. @default 0.8 */
  readonly sensitivity?: number;
}

/**
 * Every binary metric of the evaluate stage, each equal to scikit-learn's (see the field docs).
 * Sorts the scores once. NaN values serialise as `null` with `JSON.stringify`; `notes` says why.
 *
 * @example
 *   const m = binaryMetrics(labels, scores, { threshold: 0.42 });
 *   fs.writeFileSync('metrics.json', JSON.stringify(m, null, 2));
 */
export function binaryMetrics(labels: ArrayLike<number>, scores: ArrayLike<number>, options: BinaryMetricsOptions = {}): BinaryMetrics {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const sensitivityTarget = options.sensitivity ?? DEFAULT_SENSITIVITY;
  checkThreshold(threshold);
  const curve: BinaryCurve = binaryCurve(labels, scores);
  const counts = confusionAt(labels, scores, threshold);
  const notes: string[] = [];
  const rates = countMetrics(counts, notes);
  const specAtSens = specificityAtSensitivityOf(curve, sensitivityTarget);
  if (curve.positives === 0 || curve.negatives === 0) {
    const present = curve.positives === 0 ? 'negative (0)' : 'positive (1)';
    notes.push(
      `auc, averagePrecision, specificityAtSensitivity: only ${present} samples are present, so these ranking metrics are undefined and reported as null.`,
    );
  }
  return {
    threshold,
    ...counts,
    ...rates,
    auc: rocAucOf(curve),
    averagePrecision: averagePrecisionOf(curve),
    specificityAtSensitivity: specAtSens,
    sensitivityTarget,
    support: { positive: curve.positives, negative: curve.negatives },
    notes,
  };
}

/**
 * The confusion-matrix metrics, scikit-learn's way. Appends to `notes` each zero-division fallback.
 *
 * @example
 *   countMetrics({ tp: 8, fp: 2, tn: 6, fn: 4 }).f1; // 0.7272…
 */
export function countMetrics(counts: ConfusionCounts, notes: string[] = []): CountMetrics {
  const { tp, fp, tn, fn } = counts;
  const n = tp + fp + tn + fn;
  const positives = tp + fn;
  const negatives = tn + fp;
  const ratio = (num: number, den: number, name: string, why: string): number => {
    if (den !== 0) return num / den;
    notes.push(`${name}: ${why}; set to 0 as scikit-learn's zero_division default does.`);
    return 0;
  };
  const precision = ratio(tp, tp + fp, 'precision', 'no sample is predicted positive (TP+FP = 0)');
  const recall = ratio(tp, positives, 'recall', 'there is no positive sample (TP+FN = 0)');
  const specificity = ratio(tn, negatives, 'specificity', 'there is no negative sample (TN+FP = 0)');
  const npv = ratio(tn, tn + fn, 'npv', 'no sample is predicted negative (TN+FN = 0)');
  const f1 = ratio(2 * tp, 2 * tp + fp + fn, 'f1', 'TP+FP+FN = 0');
  let balancedAccuracy: number;
  if (positives === 0) balancedAccuracy = tn / negatives;
  else if (negatives === 0) balancedAccuracy = tp / positives;
  else balancedAccuracy = (tp / positives + tn / negatives) / 2;
  // scikit-learn: kappa = 1 - sum(off-diagonal observed) / sum(off-diagonal expected), expected from the margins.
  const predictedPositive = tp + fp;
  const predictedNegative = tn + fn;
  const expectedDisagreement = (predictedNegative * positives + predictedPositive * negatives) / n;
  let kappa: number;
  if (expectedDisagreement === 0) {
    notes.push("kappa: labels and predictions are all one same class, so Cohen's kappa is 0/0 (scikit-learn returns NaN); reported as null.");
    kappa = Number.NaN;
  } else {
    kappa = 1 - (fp + fn) / expectedDisagreement;
  }
  return { accuracy: (tp + tn) / n, precision, recall, specificity, npv, f1, balancedAccuracy, kappa };
}
