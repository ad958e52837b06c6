import { outcomeOf } from './outcome.ts';
import type { Outcome } from './outcome.ts';

export interface Example {
  /** Index of the image in its split (its row in predictions.csv, from 0). */
  readonly index: number;
  readonly outcome: Outcome;
}

/**
 * Which images to explain, as a reader reviewing a model would pick them: the most confident true
 * positives (does the model look at the finding?), the worst false negatives (positives it scored
 * lowest: what did it miss?), the worst false positives (negatives it scored highest: what fooled
 * it?) and the most confident true negatives. Taken round-robin in that order, so `count` 8 gives two
 * of each when every group has two; a short group's places go to the next groups. Returned grouped
 * (TP, FN, FP, TN), each group most telling first; ties go to the lower index (deterministic).
 *
 * @example
 *   pickExamples([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], 0.5, 4)
 *   // → TP #0, FN #2, FP #1, TN #3
 */
export function pickExamples(labels: readonly number[], scores: ArrayLike<number>, threshold: number, count: number): Example[] {
  const groups: Record<Outcome, number[]> = { TP: [], FN: [], FP: [], TN: [] };
  labels.forEach((label, i) => groups[outcomeOf(label, scores[i]!, threshold)].push(i));
  // TP and FP: highest score first; FN and TN: lowest first.
  const byScore = (descending: boolean) => (a: number, b: number) => (descending ? scores[b]! - scores[a]! : scores[a]! - scores[b]!) || a - b;
  groups.TP.sort(byScore(true));
  groups.FP.sort(byScore(true));
  groups.FN.sort(byScore(false));
  groups.TN.sort(byScore(false));
  const order: Outcome[] = ['TP', 'FN', 'FP', 'TN'];
  const taken: Record<Outcome, number> = { TP: 0, FN: 0, FP: 0, TN: 0 };
  let total = 0;
  const want = Math.max(0, Math.min(Math.floor(count), labels.length));
  while (total < want) {
    for (const outcome of order) {
      if (total < want && taken[outcome] < groups[outcome].length) {
        taken[outcome]++;
        total++;
      }
    }
  }
  return order.flatMap((outcome) => groups[outcome].slice(0, taken[outcome]).map((index) => ({ index, outcome })));
}
