/**
 * MixUp (Zhang et al. 2018, "mixup: Beyond Empirical Risk Minimization"): each training batch is
 * blended with a shuffled copy of itself, x̃ = λ·x + (1 − λ)·x[π], and trained against both label sets
 * with the same weights, λ·L(y, p) + (1 − λ)·L(y[π], p) — for cross-entropy exactly the loss on the
 * blended one-hot targets, and it keeps index labels, class weights and every loss usable as they are.
 * λ ~ Beta(α, α), one per batch (the paper's implementation); π a seeded permutation of the batch.
 */
import { shuffleInPlace, type Rng } from '../base/rng.ts';

/** One batch's mix: the weight of the batch itself and the permutation it is blended with. */
export interface BatchMix {
  readonly lambda: number;
  readonly permutation: Int32Array;
}

/**
 * A Gamma(shape, 1) draw: Marsaglia & Tsang (2000) for shape ≥ 1; for shape < 1 the boost
 * Gamma(shape) = Gamma(shape + 1) · U^(1/shape).
 */
export function gammaSample(rng: Rng, shape: number): number {
  if (shape < 1) return gammaSample(rng, shape + 1) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next(); // (0, 1], so the log is finite
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) draw as G_a / (G_a + G_b). */
export function betaSample(rng: Rng, a: number, b: number): number {
  const x = gammaSample(rng, a);
  const y = gammaSample(rng, b);
  return x / (x + y);
}

/** The mix of one batch of `n` images: λ ~ Beta(α, α) and a uniform random permutation. */
export function drawBatchMix(rng: Rng, alpha: number, n: number): BatchMix {
  const lambda = betaSample(rng, alpha, alpha);
  const permutation = new Int32Array(n);
  for (let i = 0; i < n; i++) permutation[i] = i;
  return { lambda, permutation: shuffleInPlace(permutation, rng) };
}

/** The rows of a flat label array (`width` values per image) in the order of `permutation`. */
export function permuteRows(values: Float32Array, width: number, permutation: Int32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < permutation.length; i++) out.set(values.subarray(permutation[i]! * width, (permutation[i]! + 1) * width), i * width);
  return out;
}
