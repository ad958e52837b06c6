import { checkClassInput, type ProbabilityRows } from './class-input.ts';
import { averageRates, classRates, type AveragedRates, type ClassRates } from './class-rates.ts';
import { argmax, confusionMatrix, oneVsRestCounts } from './confusion-matrix.ts';
import { cohenKappa } from './kappa.ts';
import { multiclassLogLoss } from './log-loss.ts';
import { oneVsRest } from './one-vs-rest.ts';
import { topKAccuracy } from './top-k.ts';

/** One class's row of metrics.json: its one-vs-rest counts metrics and ranking metrics. */
export interface ClassMetrics extends ClassRates {
  /** One-vs-rest ROC AUC of this class's probability column; NaN when the class is absent from the labels. */
  auc: number;
  /** One-vs-rest average precision of that column; NaN where auc is. */
  averagePrecision: number;
}

export interface Averages extends AveragedRates {
  auc: number;
  averagePrecision: number;
}

export interface MulticlassMetrics {
  readonly task: 'multiclass' | 'ordinal';
  readonly classes: readonly string[];
  readonly n: number;
  /** Share of samples whose predicted class (highest probability, ties to the lowest index) is the true one. */
  accuracy: number;
  /** Mean recall over the classes present in the labels (scikit-learn's balanced_accuracy_score). */
  balancedAccuracy: number;
  /** Cohen's kappa of predicted vs true classes. */
  kappa: number;
  /** Macro one-vs-rest ROC AUC (mean over classes): the headline ranking number. */
  auc: number;
  /** Top-k accuracy for k = 2 … min(5, K − 1), keyed by k. */
  topKAccuracy: Record<string, number>;
  /** Mean −log p(true class) (scikit-learn's log_loss). */
  logLoss: number;
  /** Macro (unweighted mean over all K classes) and support-weighted averages. */
  macro: Averages;
  weighted: Averages;
  perClass: Record<string, ClassMetrics>;
  /** confusionMatrix[t][p]: samples of true class t predicted as p. */
  confusionMatrix: number[][];
  /** Ordinal tasks only: quadratic-weighted kappa over the K grades. */
  quadraticWeightedKappa?: number;
  /** Ordinal tasks only: mean |predicted − true grade| (scikit-learn's mean_absolute_error on the grade indices). */
  meanAbsoluteError?: number;
  /** Ordinal tasks only: share of predictions at most one grade off. */
  withinOneGradeAccuracy?: number;
  /** Why a value is NaN (null in JSON) or fell back to 0. */
  notes: string[];
}

export interface MulticlassMetricsOptions {
  /** 'ordinal' adds the ordinal metrics (the classes are grades in order). @default 'multiclass' */
  readonly task?: 'multiclass' | 'ordinal';
}

/**
 * Every single-label K-class metric of the evaluate stage, each equal to scikit-learn's with
 * `labels=range(K)` (see the field docs). The predicted class is the row's argmax.
 * @example
 *   const m = multiclassMetrics(labels, probabilities, ['glioma', 'meningioma', 'notumor', 'pituitary']);
 *   m.accuracy; m.auc; m.perClass.glioma.recall; m.confusionMatrix;
 */
export function multiclassMetrics(
  labels: ArrayLike<number>,
  rows: ProbabilityRows,
  classes: readonly string[],
  options: MulticlassMetricsOptions = {},
): MulticlassMetrics {
  const k = classes.length;
  const n = checkClassInput(labels, rows, k);
  const task = options.task ?? 'multiclass';
  const predicted = rows.map(argmax);
  const matrix = confusionMatrix(labels, predicted, k);
  const counts = oneVsRestCounts(matrix);
  const rates = counts.map(classRates);
  const ovr = oneVsRest(labels, rows, k);
  const notes: string[] = [];
  const absent = rates.flatMap((r, c) => (r.support === 0 ? [classes[c]!] : []));
  if (absent.length > 0) {
    notes.push(
      `class(es) ${absent.join(', ')} have no sample here: their recall and AUC are undefined (recall 0 by scikit-learn's zero_division rule, AUC null); ` +
        'balancedAccuracy and the AUC means are over the classes present, the macro recall/precision/F1 over all classes (labels=range(K)).',
    );
  }
  const unpredicted = counts.flatMap((c, j) => (c.tp + c.fp === 0 ? [classes[j]!] : []));
  if (unpredicted.length > 0)
    notes.push(`no sample is predicted as ${unpredicted.join(', ')}: their precision is 0/0, set to 0 as scikit-learn's zero_division default does.`);
  const present = rates.filter((r) => r.support > 0);
  const kappa = cohenKappa(matrix);
  if (Number.isNaN(kappa))
    notes.push("kappa: labels and predictions are all one same class, so Cohen's kappa is 0/0 (scikit-learn returns NaN); reported as null.");
  const hits = predicted.reduce((s, p, i) => s + (p === labels[i] ? 1 : 0), 0);
  const topK: Record<string, number> = {};
  for (let top = 2; top <= Math.min(5, k - 1); top++) topK[String(top)] = topKAccuracy(labels, rows, top);
  const perClass: Record<string, ClassMetrics> = {};
  classes.forEach((name, c) => (perClass[name] = { ...rates[c]!, auc: ovr.auc[c]!, averagePrecision: ovr.averagePrecision[c]! }));
  const metrics: MulticlassMetrics = {
    task,
    classes,
    n,
    accuracy: hits / n,
    balancedAccuracy: present.reduce((s, r) => s + r.recall, 0) / present.length,
    kappa,
    auc: ovr.macroAuc,
    topKAccuracy: topK,
    logLoss: multiclassLogLoss(labels, rows),
    macro: { ...averageRates(rates, 'macro'), auc: ovr.macroAuc, averagePrecision: ovr.macroAveragePrecision },
    weighted: { ...averageRates(rates, 'weighted'), auc: ovr.weightedAuc, averagePrecision: ovr.weightedAveragePrecision },
    perClass,
    confusionMatrix: matrix,
    notes,
  };
  if (task === 'ordinal') {
    let absolute = 0;
    let withinOne = 0;
    for (let i = 0; i < n; i++) {
      const off = Math.abs(predicted[i]! - labels[i]!);
      absolute += off;
      if (off <= 1) withinOne++;
    }
    metrics.quadraticWeightedKappa = cohenKappa(matrix, 'quadratic');
    metrics.meanAbsoluteError = absolute / n;
    metrics.withinOneGradeAccuracy = withinOne / n;
  }
  return metrics;
}
