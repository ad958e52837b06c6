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
