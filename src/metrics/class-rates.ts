import type { ClassCounts } from './confusion-matrix.ts';

/** The count metrics of one class (one-vs-rest), scikit-learn's names and zero-division rule (0/0 → 0). */
export interface ClassRates {
  /** TP/(TP+FP): positive predictive value of the class. */
  precision: number;
  /** TP/(TP+FN): sensitivity of the class. */
  recall: number;
  /** TN/(TN+FP): the rest of the samples recognised as not this class. */
  specificity: number;
  /** 2·precision·recall/(precision+recall), from the zero-filled precision and recall (scikit-learn 1.2). */
  f1: number;
  /** Samples whose true class (or label) this is. */
  support: number;
}

const divide = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** The rates of one class from its one-vs-rest counts. */
export function classRates(counts: ClassCounts): ClassRates {
  const precision = divide(counts.tp, counts.tp + counts.fp);
  const recall = divide(counts.tp, counts.tp + counts.fn);
  const denominator = precision + recall;
  return {
    precision,
    recall,
    specificity: divide(counts.tn, counts.tn + counts.fp),
    f1: denominator === 0 ? 0 : (2 * precision * recall) / denominator,
    support: counts.tp + counts.fn,
  };
}

export type AveragedRates = Omit<ClassRates, 'support'>;

/**
 * scikit-learn's `average='macro'` (the plain mean over every class, absent ones included) or
 * `'weighted'` (weighted by support; 0 when no class has support).
 */
export function averageRates(rates: readonly ClassRates[], average: 'macro' | 'weighted'): AveragedRates {
  const weights = rates.map((r) => (average === 'macro' ? 1 : r.support));
  const total = weights.reduce((a, b) => a + b, 0);
  const mean = (pick: (r: ClassRates) => number) => (total === 0 ? 0 : rates.reduce((s, r, c) => s + weights[c]! * pick(r), 0) / total);
  return { precision: mean((r) => r.precision), recall: mean((r) => r.recall), specificity: mean((r) => r.specificity), f1: mean((r) => r.f1) };
}

/** scikit-learn's `average='micro'`: precision, recall and F1 of the counts summed over classes. */
export function microRates(counts: readonly ClassCounts[]): AveragedRates {
  const sum = (pick: (c: ClassCounts) => number) => counts.reduce((s, c) => s + pick(c), 0);
  const { support: _support, ...rates } = classRates({ tp: sum((c) => c.tp), fp: sum((c) => c.fp), fn: sum((c) => c.fn), tn: sum((c) => c.tn) });
  return rates;
}
