import { MedpipeError } from '../base/errors.ts';
import { binaryCurve, type BinaryCurve } from './binary-curve.ts';

/** The sensitivity target of `specificityAtSensitivity` when none is given (the tutorial's 0.8). */
export const DEFAULT_SENSITIVITY = 0.8;

/**
 * Specificity at a sensitivity target: the **maximum specificity over all thresholds whose
 * sensitivity is >= the target**, where the thresholds are every distinct observed score and the
 * rule is "predicted = score >= threshold". Sensitivity grows and specificity shrinks as the threshold
 * falls, so this is the specificity at the highest threshold that still reaches the target
 * (`thresholdForSensitivity`). Equivalently, with scikit-learn:
 * `fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False); max(1 - fpr[tpr >= target])`.
 *
 * Compared with Keras' `SpecificityAtSensitivity(0.8)` (tf >= 2.2): same definition (max specificity
 * subject to sensitivity >= target) but Keras only tries 200 evenly spaced thresholds with a strict
 * `score > t`, so its value can only be lower than or equal to this exact one; older Keras (tf 2.0/2.1)
 * took the grid threshold whose sensitivity was *closest* to the target instead.
 *
 * Returns NaN when only one class is present (sensitivity or specificity is 0/0 there).
 *
 * @example
 *   specificityAtSensitivity([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.8); // 0.5 (threshold 0.35)
 */
export function specificityAtSensitivity(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  /** @default 0.8 */
  sensitivity: number = DEFAULT_SENSITIVITY,
): number {
  return specificityAtSensitivityOf(binaryCurve(labels, scores), sensitivity);
}

export function specificityAtSensitivityOf(curve: BinaryCurve, sensitivity: number): number {
  checkSensitivity(sensitivity);
  if (curve.positives === 0 || curve.negatives === 0) return Number.NaN;
  const k = firstIndexReaching(curve, sensitivity);
  return (curve.negatives - curve.fps[k]) / curve.negatives;
}

/**
 * The highest threshold (an observed score) whose sensitivity is >= `sensitivity` under the rule
 * "predicted = score >= threshold". Used to pick the decision threshold on the validation split
 * before the test split is scored. Needs at least one positive sample.
 *
 * @example
 *   thresholdForSensitivity([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.8); // 0.35
 */
export function thresholdForSensitivity(labels: ArrayLike<number>, scores: ArrayLike<number>, sensitivity: number): number {
  return thresholdForSensitivityOf(binaryCurve(labels, scores), sensitivity);
}

export function thresholdForSensitivityOf(curve: BinaryCurve, sensitivity: number): number {
  checkSensitivity(sensitivity);
  if (curve.positives === 0) {
    throw new MedpipeError('NO_SAMPLES', 'Cannot choose a threshold for a target sensitivity: there is no positive sample.', {
      fix: 'The split used to choose the threshold (usually validation) needs samples of both classes; use a stratified split or a fixed threshold.',
    });
  }
  return curve.thresholds[firstIndexReaching(curve, sensitivity)];
}

/** First curve index (highest threshold) with TP/P >= target; the last index has TP/P = 1. */
function firstIndexReaching(curve: BinaryCurve, sensitivity: number): number {
  const { tps, positives } = curve;
  for (let k = 0; k < tps.length; k++) {
    if (tps[k] / positives >= sensitivity) return k;
  }
  return tps.length - 1;
}

function checkSensitivity(sensitivity: number): void {
  if (typeof sensitivity !== 'number' || !(sensitivity > 0 && sensitivity <= 1)) {
    throw new MedpipeError('INVALID_CONFIG', `The target sensitivity ${String(sensitivity)} is not in (0, 1].`, {
      fix: 'Use a sensitivity (recall) target such as 0.8 or 0.95.',
    });
  }
}
