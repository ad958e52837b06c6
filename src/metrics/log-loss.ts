import type { ProbabilityRows } from './class-input.ts';

/**
 * Plain binary cross-entropy with Keras' clipping (scores clipped to [1e-7, 1 − 1e-7]), the mean over
 * samples: scikit-learn's log_loss up to that clipping. NaN for no samples.
 * @example
 *   binaryLogLoss([0, 1], [0.2, 0.9]) // ≈ 0.164
 */
export function binaryLogLoss(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const eps = 1e-7;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, scores[i]!));
    sum -= labels[i]! * Math.log(p) + (1 - labels[i]!) * Math.log(1 - p);
  }
  return labels.length ? sum / labels.length : NaN;
}

/** float64's machine epsilon: scikit-learn's log_loss clips with it for float64 input (eps='auto'). */
const FLOAT64_EPS = 2.220446049250313e-16;

/**
 * Multi-class cross-entropy, scikit-learn 1.2's `log_loss(y, P, labels=range(K))`: each row clipped
 * to [eps, 1 − eps] (eps = float64 epsilon), renormalised to sum 1, then the mean of −log p(true
 * class). NaN for no samples.
 * @example
 *   multiclassLogLoss([0, 2], [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]) // ≈ 0.290
 */
export function multiclassLogLoss(labels: ArrayLike<number>, rows: ProbabilityRows): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = rows[i]!;
    let total = 0;
    for (let j = 0; j < row.length; j++) total += clip(row[j]!);
    sum -= Math.log(clip(row[labels[i]!]!) / total);
  }
  return labels.length ? sum / labels.length : NaN;
}

const clip = (p: number) => Math.min(1 - FLOAT64_EPS, Math.max(FLOAT64_EPS, p));
