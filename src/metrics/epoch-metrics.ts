import { binaryCurve } from './binary-curve.ts';
import { confusionAt, DEFAULT_THRESHOLD } from './confusion.ts';
import { rocAucOf } from './roc-curve.ts';
import { DEFAULT_SENSITIVITY, specificityAtSensitivityOf } from './specificity-at-sensitivity.ts';

/** The metric names logged per epoch (before the prefix), in log order. */
export const EPOCH_METRIC_KEYS = ['tp', 'fp', 'tn', 'fn', 'accuracy', 'precision', 'recall', 'auc', 'specificity_at_sensitivity'] as const;
export type EpochMetricKey = (typeof EPOCH_METRIC_KEYS)[number];

/**
 * The flat record the training loop logs per epoch (it adds `loss` itself): the counts at threshold
 * 0.5 (predicted = score >= 0.5), accuracy, precision, recall, exact ROC AUC and specificity at
 * sensitivity 0.8. Keys are prefixed, e.g. `'val_'` gives `val_auc`. Sorts the scores once, so
 * 10^5 scores take a few milliseconds. auc and specificity_at_sensitivity are NaN when a split has
 * one class only: an EarlyStopping monitor must treat NaN as "no improvement".
 *
 * @example
 *   epochMetrics(valLabels, valScores, 'val_'); // { val_tp: 40, …, val_auc: 0.93, val_specificity_at_sensitivity: 0.88 }
 */
export function epochMetrics(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  /** @default '' */
  prefix = '',
): Record<string, number> {
  const curve = binaryCurve(labels, scores);
  const { tp, fp, tn, fn } = confusionAt(labels, scores, DEFAULT_THRESHOLD);
  const values: Record<EpochMetricKey, number> = {
    tp,
    fp,
    tn,
    fn,
    accuracy: (tp + tn) / (tp + fp + tn + fn),
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    auc: rocAucOf(curve),
    specificity_at_sensitivity: specificityAtSensitivityOf(curve, DEFAULT_SENSITIVITY),
  };
  const out: Record<string, number> = {};
  for (const key of EPOCH_METRIC_KEYS) out[prefix + key] = values[key];
  return out;
}
