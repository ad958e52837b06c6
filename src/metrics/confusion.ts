import { MedpipeError } from '../base/errors.ts';
import { checkBinaryInput } from './binary-curve.ts';

/** The four cells of a binary confusion matrix (class 1 = positive). */
export interface ConfusionCounts {
  /** Label 1, predicted 1. */
  tp: number;
  /** Label 0, predicted 1. */
  fp: number;
  /** Label 0, predicted 0. */
  tn: number;
  /** Label 1, predicted 0. */
  fn: number;
}

/** The decision threshold used when none is given. */
export const DEFAULT_THRESHOLD = 0.5;

/**
 * Counts the confusion matrix for the rule **predicted = 1 when score >= threshold** (inclusive,
 * so a score exactly at the threshold is positive; Keras' `Precision`/`Recall` use a strict `>`).
 *
 * @example
 *   confusionAt([0, 1, 1], [0.2, 0.5, 0.4]); // { tp: 1, fp: 0, tn: 1, fn: 1 }
 */
export function confusionAt(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  /** @default 0.5 */
  threshold: number = DEFAULT_THRESHOLD,
): ConfusionCounts {
  checkThreshold(threshold);
  const { n } = checkBinaryInput(labels, scores);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < n; i++) {
    const predicted = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

/**
 * Counts the confusion matrix of hard 0/1 predictions (e.g. read back from predictions.csv).
 *
 * @example
 *   confusionOfPredictions([0, 1, 1], [0, 1, 0]); // { tp: 1, fp: 0, tn: 1, fn: 1 }
 */
export function confusionOfPredictions(labels: ArrayLike<number>, predicted: ArrayLike<number>): ConfusionCounts {
  const { n } = checkBinaryInput(labels, predicted, 'predictions');
  const counts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < n; i++) {
    const p = predicted[i];
    if (p !== 0 && p !== 1) {
      throw new MedpipeError('INVALID_CONFIG', `Prediction ${String(p)} at index ${i} is not 0 or 1.`, {
        fix: 'Pass hard predictions (0/1); to threshold scores use confusionAt(labels, scores, threshold).',
      });
    }
    if (labels[i] === 1) {
      if (p === 1) counts.tp++;
      else counts.fn++;
    } else if (p === 1) counts.fp++;
    else counts.tn++;
  }
  return counts;
}

export function checkThreshold(threshold: number): void {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new MedpipeError('INVALID_CONFIG', `The decision threshold ${String(threshold)} is not a number.`, {
      fix: 'Use a threshold between 0 and 1 (0.5 by default), or let evaluate choose one on the validation split.',
    });
  }
}
