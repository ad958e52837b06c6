export type Outcome = 'TP' | 'FP' | 'TN' | 'FN';
/** Where a K-class prediction lands: the true class, or another. */
export type ClassOutcome = 'correct' | 'misclassified';

/** Where one image lands in the confusion matrix (positive = class 1, predicted when score ≥ threshold). */
export function outcomeOf(label: number, score: number, threshold: number): Outcome {
  const predicted = score >= threshold;
  return label === 1 ? (predicted ? 'TP' : 'FN') : predicted ? 'FP' : 'TN';
}
