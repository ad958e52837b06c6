import { MedpipeError } from '../base/errors.ts';
import { binaryCurve } from './binary-curve.ts';
import { column, type ProbabilityRows } from './class-input.ts';
import { averageRates, classRates, microRates, type AveragedRates, type ClassRates } from './class-rates.ts';
import type { ClassCounts } from './confusion-matrix.ts';
import { definedMean } from './one-vs-rest.ts';
import { averagePrecisionOf } from './precision-recall-curve.ts';
import { rocAucOf } from './roc-curve.ts';

/** One finding's row of metrics.json. */
export interface LabelMetrics extends ClassRates {
  /** Predicted present when score >= threshold. */
  threshold: number;
  /** ROC AUC of this label's scores; NaN when the label is present in every sample or in none. */
  auc: number;
  averagePrecision: number;
}

export interface MultilabelMetrics {
  readonly task: 'multilabel';
  readonly classes: readonly string[];
  readonly n: number;
  /** Macro ROC AUC: the mean of the per-label AUCs over the labels where it is defined. */
  auc: number;
  /** Micro ROC AUC: one curve over every (sample, label) pair (scikit-learn's average='micro'). */
  microAuc: number;
  /** Support-weighted mean of the defined per-label AUCs. */
  weightedAuc: number;
  /** Macro and micro average precision, as the AUCs. */
  averagePrecision: number;
  microAveragePrecision: number;
  /** Share of wrong (sample, label) decisions (scikit-learn's hamming_loss). */
  hammingLoss: number;
  /** Share of samples whose every label is right (scikit-learn's accuracy_score on the label matrix). */
  subsetAccuracy: number;
  micro: AveragedRates;
  macro: AveragedRates;
  weighted: AveragedRates;
  /** Per-sample precision / recall / F1 averaged over samples (scikit-learn's average='samples'). */
  samples: Omit<AveragedRates, 'specificity'>;
  perLabel: Record<string, LabelMetrics>;
  notes: string[];
}

/** Checks an n×K 0/1 label matrix against an n×K score matrix and K thresholds. */
function checkInput(labels: readonly ArrayLike<number>[], rows: ProbabilityRows, k: number, thresholds: readonly number[]): number {
  const n = labels.length;
  if (n === 0)
    throw new MedpipeError('NO_SAMPLES', 'Cannot compute metrics on an empty set of samples.', { fix: 'Check that the split being evaluated is not empty.' });
  if (rows.length !== n)
    throw new MedpipeError('SHAPE_MISMATCH', `Metrics got ${n} label rows but ${rows.length} score rows.`, { fix: 'Pass one row of K scores per sample.' });
  if (thresholds.length !== k)
    throw new MedpipeError('SHAPE_MISMATCH', `Got ${thresholds.length} thresholds for ${k} labels.`, { fix: 'Pass one threshold per label.' });
  for (let i = 0; i < n; i++) {
    if (labels[i]!.length !== k || rows[i]!.length !== k) {
      throw new MedpipeError('SHAPE_MISMATCH', `Sample ${i} has ${labels[i]!.length} labels and ${rows[i]!.length} scores for ${k} findings.`, {
        fix: 'The model needs one sigmoid unit per finding.',
      });
    }
    for (let j = 0; j < k; j++) {
      const y = labels[i]![j];
      if (y !== 0 && y !== 1)
        throw new MedpipeError('INVALID_CONFIG', `Label ${j} of sample ${i} is ${String(y)}, not 0 or 1.`, { fix: 'Multi-label targets are 0/1 per finding.' });
      if (!Number.isFinite(rows[i]![j]!))
        throw new MedpipeError('INVALID_CONFIG', `Score ${j} of sample ${i} is ${String(rows[i]![j])}, not a finite number.`, {
          fix: 'A NaN score usually means the model diverged.',
        });
    }
  }
  return n;
}

/**
 * Every multi-label metric of the evaluate stage (K independent findings, each predicted present
 * when its score >= its own threshold), each equal to scikit-learn's on the n×K indicator matrices.
 * Where scikit-learn raises (a label present in every sample or in none has no AUC), the means are
 * over the defined labels and `notes` says which were left out.
 * @example
 *   const m = multilabelMetrics([[1, 0], [0, 1]], [[0.9, 0.2], [0.3, 0.6]], ['effusion', 'nodule'], [0.5, 0.5]);
 */
export function multilabelMetrics(
  labels: readonly ArrayLike<number>[],
  rows: ProbabilityRows,
  classes: readonly string[],
  thresholds: readonly number[],
): MultilabelMetrics {
  const k = classes.length;
  const n = checkInput(labels, rows, k, thresholds);
  const counts: ClassCounts[] = [];
  const auc: number[] = [];
  const ap: number[] = [];
  const perLabel: Record<string, LabelMetrics> = {};
  let wrong = 0;
  let exact = 0;
  const predicted = rows.map((row) => Array.from({ length: k }, (_, j) => (row[j]! >= thresholds[j]! ? 1 : 0)));
  for (let i = 0; i < n; i++) {
    let rowWrong = 0;
    for (let j = 0; j < k; j++) if (predicted[i]![j] !== labels[i]![j]) rowWrong++;
    wrong += rowWrong;
    if (rowWrong === 0) exact++;
  }
  for (let j = 0; j < k; j++) {
    const y = column(labels, j);
    const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (let i = 0; i < n; i++) {
      const p = predicted[i]![j]!;
      if (y[i] === 1) p ? c.tp++ : c.fn++;
      else p ? c.fp++ : c.tn++;
    }
    counts.push(c);
    const curve = binaryCurve(y, column(rows, j));
    auc.push(rocAucOf(curve));
    ap.push(averagePrecisionOf(curve));
    perLabel[classes[j]!] = { ...classRates(c), threshold: thresholds[j]!, auc: auc[j]!, averagePrecision: ap[j]! };
  }
  const rates = counts.map(classRates);
  const flatLabels = labels.flatMap((row) => Array.from(row));
  const flatScores = rows.flatMap((row) => Array.from(row));
  const microCurve = binaryCurve(flatLabels, flatScores);
  const notes: string[] = [];
  const undefinedLabels = auc.flatMap((v, j) => (Number.isNaN(v) ? [classes[j]!] : []));
  if (undefinedLabels.length > 0) {
    notes.push(
      `finding(s) ${undefinedLabels.join(', ')} are present in every sample or in none: their AUC and average precision are undefined (null) and left out of the means (scikit-learn raises here).`,
    );
  }
  return {
    task: 'multilabel',
    classes,
    n,
    auc: definedMean(auc, () => 1),
    microAuc: rocAucOf(microCurve),
    weightedAuc: definedMean(auc, (j) => rates[j]!.support),
    averagePrecision: definedMean(ap, () => 1),
    microAveragePrecision: averagePrecisionOf(microCurve),
    hammingLoss: wrong / (n * k),
    subsetAccuracy: exact / n,
    micro: microRates(counts),
    macro: averageRates(rates, 'macro'),
    weighted: averageRates(rates, 'weighted'),
    samples: samplesAverage(labels, predicted),
    perLabel,
    notes,
  };
}

/** scikit-learn's average='samples': precision, recall and F1 of each sample's label set, averaged (0/0 → 0). */
function samplesAverage(labels: readonly ArrayLike<number>[], predicted: readonly number[][]): Omit<AveragedRates, 'specificity'> {
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  labels.forEach((row, i) => {
    const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (let j = 0; j < row.length; j++) {
      if (row[j] === 1) predicted[i]![j] ? c.tp++ : c.fn++;
      else predicted[i]![j] ? c.fp++ : c.tn++;
    }
    const r = classRates(c);
    precision += r.precision;
    recall += r.recall;
    f1 += r.f1;
  });
  const n = labels.length;
  return { precision: precision / n, recall: recall / n, f1: f1 / n };
}

/**
 * The threshold of one finding chosen on the validation split: the one with the highest F1
 * (predicted present when score >= threshold), trying every distinct validation score; among equal
 * F1 the highest threshold (fewest false alarms). `fallback` when the split has no positive.
 * @example
 *   thresholdForMaxF1([0, 1, 1], [0.2, 0.6, 0.4]); // 0.4
 */
export function thresholdForMaxF1(labels: ArrayLike<number>, scores: ArrayLike<number>, fallback = 0.5): number {
  const curve = binaryCurve(labels, scores);
  if (curve.positives === 0) return fallback;
  let best = -1;
  let bestThreshold = fallback;
  for (let t = 0; t < curve.thresholds.length; t++) {
    const tp = curve.tps[t]!;
    const f1 = (2 * tp) / (tp + curve.fps[t]! + curve.positives);
    if (f1 > best) {
      best = f1;
      bestThreshold = curve.thresholds[t]!;
    }
  }
  return bestThreshold;
}
