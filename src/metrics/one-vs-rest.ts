import { binaryCurve } from './binary-curve.ts';
import { column, type ProbabilityRows } from './class-input.ts';
import { averagePrecisionOf } from './precision-recall-curve.ts';
import { rocAucOf } from './roc-curve.ts';

/** Ranking quality of each class's score against all other classes (one-vs-rest). */
export interface OneVsRest {
  /** Per class: ROC AUC of "this class vs the rest" from its score column; NaN when the class is absent (or is every sample). */
  auc: number[];
  /** Per class: scikit-learn's average_precision_score of that column; NaN where auc is. */
  averagePrecision: number[];
  /** Mean over the classes where it is defined (all of them: scikit-learn's roc_auc_score(multi_class='ovr', average='macro')). */
  macroAuc: number;
  /** Support-weighted mean over the defined classes (all of them: scikit-learn's average='weighted'). */
  weightedAuc: number;
  macroAveragePrecision: number;
  weightedAveragePrecision: number;
  /** Classes whose AUC is undefined (absent from the labels, or the only class present). */
  undefined: number[];
}

/**
 * One-vs-rest ROC AUC and average precision for every class, and their macro and weighted means.
 * With every class present (and absent from no sample) the means equal scikit-learn's
 * `roc_auc_score(y, P, multi_class='ovr', average=…)`; scikit-learn raises when a class is absent,
 * medpipe averages over the classes that are present and lists the others in `undefined`.
 * @example
 *   oneVsRest([0, 1, 2], [[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7]], 3).macroAuc; // 1
 */
export function oneVsRest(labels: ArrayLike<number>, rows: ProbabilityRows, k: number): OneVsRest {
  const auc: number[] = [];
  const averagePrecision: number[] = [];
  const support: number[] = [];
  for (let c = 0; c < k; c++) {
    const y = Array.from(labels, (label) => (label === c ? 1 : 0));
    const curve = binaryCurve(y, column(rows, c));
    auc.push(rocAucOf(curve));
    averagePrecision.push(averagePrecisionOf(curve));
    support.push(curve.positives);
  }
  return {
    auc,
    averagePrecision,
    macroAuc: definedMean(auc, () => 1),
    weightedAuc: definedMean(auc, (c) => support[c]!),
    macroAveragePrecision: definedMean(averagePrecision, () => 1),
    weightedAveragePrecision: definedMean(averagePrecision, (c) => support[c]!),
    undefined: auc.flatMap((v, c) => (Number.isNaN(v) ? [c] : [])),
  };
}

/** Weighted mean over the finite values; NaN when there is none. */
export function definedMean(values: readonly number[], weight: (index: number) => number): number {
  let sum = 0;
  let total = 0;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    sum += weight(i) * v;
    total += weight(i);
  });
  return total === 0 ? Number.NaN : sum / total;
}
