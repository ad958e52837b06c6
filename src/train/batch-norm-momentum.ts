/**
 * BatchNorm momentum from the number of updates. Inference uses the moving statistics, which start
 * at mean 0 / variance 1 and move by (1 − momentum) per training batch: Keras' 0.99 needs hundreds of
 * batches to forget that start, so on a small data set (few batches per epoch) every score can sit
 * on one side of 0.5 although the ranking (AUC) is good. This picks the momentum whose moving
 * statistics keep under 1% of their start after one epoch: momentum^(batches per epoch) = 0.01.
 */

/** Clamped to [0.5, 0.99]: no smoother than Keras' default, no noisier than a two-batch window. */
const LIMITS = [0.5, 0.99] as const;

/**
 * @example
 *   batchNormMomentumFor(256, 32); // 8 batches per epoch → 0.562
 *   batchNormMomentumFor(2428, 32); // 76 batches → 0.941
 */
export function batchNormMomentumFor(trainSamples: number, batchSize = 32): number {
  const batches = Math.max(1, Math.ceil(trainSamples / batchSize));
  const momentum = Math.pow(0.01, 1 / batches);
  return Math.min(LIMITS[1], Math.max(LIMITS[0], momentum));
}
