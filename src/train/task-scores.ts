import type { ClassificationTask } from '../data/task.ts';
import type { BinaryMetrics, MulticlassMetrics, MultilabelMetrics } from '../metrics/index.ts';
import { SUMMARY_METRIC_KEYS } from '../metrics/summary-keys.ts';

/** The single-number metrics tune ranks by and crossValidate summarises, per task (threshold 0.5 where one is needed). */
export const BINARY_SCORE_KEYS = SUMMARY_METRIC_KEYS;
export const CLASS_SCORE_KEYS = ['auc', 'accuracy', 'balancedAccuracy', 'kappa', 'macroF1', 'weightedF1', 'logLoss'] as const;
export const ORDINAL_SCORE_KEYS = [...CLASS_SCORE_KEYS, 'quadraticWeightedKappa', 'meanAbsoluteError'] as const;
export const LABEL_SCORE_KEYS = ['auc', 'microAuc', 'averagePrecision', 'macroF1', 'microF1', 'hammingLoss', 'subsetAccuracy'] as const;

/** Keys where lower is better. */
export const LOWER_IS_BETTER = new Set(['loss', 'logLoss', 'meanAbsoluteError', 'hammingLoss']);

export type TaskMetrics = BinaryMetrics | MulticlassMetrics | MultilabelMetrics;

export function scoreKeys(task: ClassificationTask): readonly string[] {
  return task === 'binary' ? BINARY_SCORE_KEYS : task === 'multilabel' ? LABEL_SCORE_KEYS : task === 'ordinal' ? ORDINAL_SCORE_KEYS : CLASS_SCORE_KEYS;
}

/**
 * The metrics of one scored set for its task: binaryMetrics at threshold 0.5, multiclassMetrics, or
 * multilabelMetrics at 0.5 per finding; plus the flat named numbers of `scoreKeys(task)`.
 * `labels` and `scores` are flat, as the training loop holds them.
 * @example
 *   const { metrics, values } = await taskScores('multiclass', y, scores, classes); values.auc;
 */
export async function taskScores(
  task: ClassificationTask,
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  classes: readonly string[],
): Promise<{ metrics: TaskMetrics; values: Record<string, number> }> {
  const m = await import('../metrics/index.ts');
  const k = classes.length;
  let metrics: TaskMetrics;
  if (task === 'binary') metrics = m.binaryMetrics(Array.from(labels), Array.from(scores), { threshold: 0.5, sensitivity: 0.8 });
  else if (task === 'multilabel') metrics = m.multilabelMetrics(m.rowsOf(labels, k), m.rowsOf(scores, k), classes, new Array<number>(k).fill(0.5));
  else metrics = m.multiclassMetrics(Array.from(labels), m.rowsOf(scores, k), classes, { task });
  return { metrics, values: valuesOf(metrics) };
}

/** The flat named numbers of `scoreKeys(task)` read off a task's metrics. */
export function valuesOf(metrics: TaskMetrics): Record<string, number> {
  if (!('task' in metrics)) return Object.fromEntries(BINARY_SCORE_KEYS.map((key) => [key, metrics[key]]));
  if (metrics.task === 'multilabel') {
    return {
      auc: metrics.auc,
      microAuc: metrics.microAuc,
      averagePrecision: metrics.averagePrecision,
      macroF1: metrics.macro.f1,
      microF1: metrics.micro.f1,
      hammingLoss: metrics.hammingLoss,
      subsetAccuracy: metrics.subsetAccuracy,
    };
  }
  const values: Record<string, number> = {
    auc: metrics.auc,
    accuracy: metrics.accuracy,
    balancedAccuracy: metrics.balancedAccuracy,
    kappa: metrics.kappa,
    macroF1: metrics.macro.f1,
    weightedF1: metrics.weighted.f1,
    logLoss: metrics.logLoss,
  };
  if (metrics.task === 'ordinal')
    Object.assign(values, { quadraticWeightedKappa: metrics.quadraticWeightedKappa, meanAbsoluteError: metrics.meanAbsoluteError });
  return values;
}

/** Cross-entropy of a set under its task's plain loss (binary: BCE with Keras' clipping; K classes: sklearn's log loss; findings: the mean BCE per finding). */
export async function plainLoss(task: ClassificationTask, labels: ArrayLike<number>, scores: ArrayLike<number>, k: number): Promise<number> {
  const m = await import('../metrics/index.ts');
  if (task === 'multiclass' || task === 'ordinal') return m.multiclassLogLoss(labels, m.rowsOf(scores, k));
  return m.binaryLogLoss(labels, scores);
}
