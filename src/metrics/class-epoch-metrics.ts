import { checkClassInput, rowsOf } from './class-input.ts';
import { argmax, confusionMatrix } from './confusion-matrix.ts';
import { cohenKappa } from './kappa.ts';
import { multilabelMetrics } from './multilabel-metrics.ts';
import { oneVsRest } from './one-vs-rest.ts';

/** The metric names logged per epoch for K exclusive classes (ordinal tasks add qwk and mae). */
export const CLASS_EPOCH_METRIC_KEYS = ['accuracy', 'balanced_accuracy', 'auc', 'kappa'] as const;
export const ORDINAL_EPOCH_METRIC_KEYS = [...CLASS_EPOCH_METRIC_KEYS, 'qwk', 'mae'] as const;
/** The metric names logged per epoch for K findings (at threshold 0.5). */
export const LABEL_EPOCH_METRIC_KEYS = ['auc', 'micro_auc', 'hamming_loss', 'subset_accuracy'] as const;

/**
 * The flat record the training loop logs per epoch for a K-class softmax: accuracy (argmax),
 * balanced accuracy, macro one-vs-rest ROC AUC (over the classes present: early stopping's default
 * monitor), Cohen's kappa, and for ordinal grades the quadratic-weighted kappa and the mean absolute
 * grade error. `scores` is the [n, K] output, row by row.
 * @example
 *   classEpochMetrics(valLabels, valScores, 4, false, 'val_'); // { val_accuracy: 0.91, …, val_auc: 0.98, … }
 */
export function classEpochMetrics(labels: ArrayLike<number>, scores: ArrayLike<number>, k: number, ordinal: boolean, prefix = ''): Record<string, number> {
  const rows = rowsOf(scores, k);
  checkClassInput(labels, rows, k);
  const predicted = rows.map(argmax);
  const matrix = confusionMatrix(labels, predicted, k);
  const n = labels.length;
  const recalls = matrix.flatMap((row, c) => {
    const support = row.reduce((a, b) => a + b, 0);
    return support > 0 ? [row[c]! / support] : [];
  });
  const values: Record<string, number> = {
    accuracy: matrix.reduce((s, row, c) => s + row[c]!, 0) / n,
    balanced_accuracy: recalls.reduce((a, b) => a + b, 0) / recalls.length,
    auc: oneVsRest(labels, rows, k).macroAuc,
    kappa: cohenKappa(matrix),
  };
  if (ordinal) {
    values.qwk = cohenKappa(matrix, 'quadratic');
    values.mae = predicted.reduce((s, p, i) => s + Math.abs(p - labels[i]!), 0) / n;
  }
  return prefixed(values, prefix);
}

/**
 * The per-epoch record for K findings (multi-label): macro and micro ROC AUC, hamming loss and
 * subset accuracy at threshold 0.5. `labels` and `scores` are [n, K], row by row.
 */
export function labelEpochMetrics(labels: ArrayLike<number>, scores: ArrayLike<number>, k: number, prefix = ''): Record<string, number> {
  const names = Array.from({ length: k }, (_, j) => String(j));
  const m = multilabelMetrics(rowsOf(labels, k), rowsOf(scores, k), names, new Array<number>(k).fill(0.5));
  return prefixed({ auc: m.auc, micro_auc: m.microAuc, hamming_loss: m.hammingLoss, subset_accuracy: m.subsetAccuracy }, prefix);
}

function prefixed(values: Record<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(values)) out[prefix + key] = value;
  return out;
}
