import type { ProbabilityRows } from './class-input.ts';

/**
 * Top-k accuracy, scikit-learn's `top_k_accuracy_score(y, P, k=k, labels=range(K))`: the share of
 * samples whose true class is among the k highest scores. Ties are broken as scikit-learn breaks them
 * (a stable ascending sort, reversed): among equal scores the HIGHER class index ranks first.
 * @example
 *   topKAccuracy([0, 2], [[0.5, 0.3, 0.2], [0.4, 0.4, 0.2]], 2); // 0.5
 */
export function topKAccuracy(labels: ArrayLike<number>, rows: ProbabilityRows, k: number): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = rows[i]!;
    const y = labels[i]!;
    const own = row[y]!;
    // Classes ranked above the true class: a higher score, or the same score and a higher index.
    let above = 0;
    for (let j = 0; j < row.length; j++) if (row[j]! > own || (row[j] === own && j > y)) above++;
    if (above < k) hits++;
  }
  return hits / labels.length;
}
