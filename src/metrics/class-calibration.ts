/**
 * Calibration of K class probabilities (multi-class, ordinal) and of K independent finding scores
 * (multi-label): the multi-class Brier score, the top-label reliability curve and its ECE, and one
 * one-vs-rest reliability curve per class (scikit-learn's calibration_curve of that column).
 */
import { argmax } from './confusion-matrix.ts';
import { unitEdges } from './quantile.ts';
import { brierScore, calibrationCurve, eceOf, scoreHistogram, type Binning, type CalibrationCurve } from './calibration.ts';

/** A reliability curve with its expected calibration error and Brier score. */
export interface ReliabilityOf {
  readonly curve: CalibrationCurve;
  /** Σ over non-empty bins of (count / n)·|fraction positive − mean score|. */
  readonly ece: number;
  /** Mean (score − indicator)² of this column (scikit-learn's brier_score_loss). */
  readonly brier: number;
}

export interface ClassCalibration {
  /**
   * Multi-class / ordinal: mean over images of Σ_k (p_k − 1[y = k])², from 0 to 2 (scikit-learn's
   * brier_score_loss on K-class labels, newer than 1.2); multi-label: the mean of the K per-finding
   * Brier scores.
   */
  readonly brier: number;
  /**
   * Multi-class / ordinal only: the top-label reliability (confidence = the highest probability,
   * correct = it is the true class), whose ECE is the usual "ECE" of K-class models.
   */
  readonly topLabel?: { readonly curve: CalibrationCurve; readonly ece: number };
  /** Per class (finding): its own column against "is this class" (one-vs-rest). */
  readonly perClass: Readonly<Record<string, ReliabilityOf>>;
  /**
   * Under the reliability diagram: K classes, the top-label confidences of wrong and right
   * predictions; multi-label, every (image, finding) score with the finding absent and present.
   */
  readonly histogram: {
    readonly edges: readonly number[];
    readonly negatives: readonly number[];
    readonly positives: readonly number[];
    readonly names: readonly [string, string];
  };
}

/**
 * Mean over samples of Σ_k (p_k − 1[y = k])².
 * @example
 *   multiclassBrier([0, 2], [[0.8, 0.1, 0.1], [0.2, 0.2, 0.6]]); // (0.06 + 0.24) / 2
 */
export function multiclassBrier(labels: ArrayLike<number>, rows: readonly ArrayLike<number>[]): number {
  let sum = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    for (let c = 0; c < row.length; c++) sum += (row[c]! - (labels[i] === c ? 1 : 0)) ** 2;
  }
  return sum / rows.length;
}

/** Confidence (highest probability, ties to the lowest class) and whether that class is the true one. */
export function topLabel(labels: ArrayLike<number>, rows: readonly ArrayLike<number>[]): { correct: Float64Array; confidence: Float64Array } {
  const correct = new Float64Array(rows.length);
  const confidence = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    const p = argmax(row);
    confidence[i] = row[p]!;
    correct[i] = p === labels[i] ? 1 : 0;
  });
  return { correct, confidence };
}

/** Top-label ECE over `binning` (uniform 10 bins by default). */
export function topLabelEce(labels: ArrayLike<number>, rows: readonly ArrayLike<number>[], binning: Binning = {}): number {
  const { correct, confidence } = topLabel(labels, rows);
  return eceOf(calibrationCurve(correct, confidence, binning), rows.length);
}

function reliability(indicator: ArrayLike<number>, scores: ArrayLike<number>, binning: Binning): ReliabilityOf {
  const curve = calibrationCurve(indicator, scores, binning);
  return { curve, ece: eceOf(curve, indicator.length), brier: brierScore(indicator, scores) };
}

/**
 * @example
 *   const c = classCalibration(labels, probabilities, ['0', '1', '2'], { bins: 10 });
 *   c.brier; c.topLabel.ece; c.perClass['2'].curve.points;
 */
export function classCalibration(
  labels: ArrayLike<number>,
  rows: readonly ArrayLike<number>[],
  classes: readonly string[],
  binning: Binning = {},
): ClassCalibration {
  const { correct, confidence } = topLabel(labels, rows);
  const curve = calibrationCurve(correct, confidence, binning);
  const perClass: Record<string, ReliabilityOf> = {};
  classes.forEach((name, c) => {
    perClass[name] = reliability(
      Array.from({ length: rows.length }, (_, i) => (labels[i] === c ? 1 : 0)),
      rows.map((r) => r[c]!),
      binning,
    );
  });
  const histogram = { edges: curve.edges, ...scoreHistogram(correct, confidence, curve.edges), names: ['wrong', 'right'] as [string, string] };
  return { brier: multiclassBrier(labels, rows), topLabel: { curve, ece: eceOf(curve, rows.length) }, perClass, histogram };
}

/**
 * Multi-label: each finding's reliability curve, ECE and Brier score; `brier` is their mean.
 * @example
 *   labelCalibration([[1, 0], [0, 1]], [[0.9, 0.2], [0.3, 0.6]], ['effusion', 'nodule']).perClass.nodule.ece;
 */
export function labelCalibration(
  labels: readonly ArrayLike<number>[],
  rows: readonly ArrayLike<number>[],
  classes: readonly string[],
  binning: Binning = {},
): ClassCalibration {
  const perClass: Record<string, ReliabilityOf> = {};
  classes.forEach((name, j) => {
    perClass[name] = reliability(
      labels.map((y) => y[j]!),
      rows.map((r) => r[j]!),
      binning,
    );
  });
  const values = Object.values(perClass);
  // Equal-width bins for the histogram whatever the curves' strategy: the findings' quantiles differ.
  const edges = Array.from(unitEdges(binning.bins ?? 10));
  const histogram = {
    edges,
    ...scoreHistogram(
      labels.flatMap((y) => Array.from(y)),
      rows.flatMap((r) => Array.from(r)),
      edges,
    ),
    names: ['finding absent', 'finding present'] as [string, string],
  };
  return { brier: values.reduce((s, r) => s + r.brier, 0) / values.length, perClass, histogram };
}
