import { outcomeOf } from './outcome.ts';
import type { ClassOutcome, Outcome } from './outcome.ts';

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

/**
 * Which images of a K-class task to explain: for each true class in turn, its most confident correct
 * prediction, then its most confident mistake (the images a reviewer would open first), round-robin
 * over the classes until `count`. Ties go to the lower index.
 * @example
 *   pickClassExamples([0, 1, 1], [0, 1, 0], [0.9, 0.8, 0.7], 2, 3)
 *   // → #0 correct, #1 correct, #2 misclassified
 */
export function pickClassExamples(
  labels: readonly number[],
  predicted: readonly number[],
  confidence: readonly number[],
  k: number,
  count: number,
): { index: number; outcome: ClassOutcome }[] {
  const queues: { index: number; outcome: ClassOutcome }[][] = [];
  for (let c = 0; c < k; c++) {
    const of = (correct: boolean) =>
      labels
        .map((label, i) => i)
        .filter((i) => labels[i] === c && (predicted[i] === c) === correct)
        .sort((a, b) => confidence[b]! - confidence[a]! || a - b);
    const right = of(true);
    const wrong = of(false);
    const queue: { index: number; outcome: ClassOutcome }[] = [];
    for (let r = 0; r < Math.max(right.length, wrong.length); r++) {
      if (r < right.length) queue.push({ index: right[r]!, outcome: 'correct' });
      if (r < wrong.length) queue.push({ index: wrong[r]!, outcome: 'misclassified' });
    }
    queues.push(queue);
  }
  const want = Math.max(0, Math.min(Math.floor(count), labels.length));
  const out: { index: number; outcome: ClassOutcome }[] = [];
  for (let r = 0; out.length < want; r++) {
    for (const queue of queues) if (out.length < want && r < queue.length) out.push(queue[r]!);
  }
  return out;
}
