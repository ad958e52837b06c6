/**
 * Losses and class weights. Binary: BCE and focal on a one-unit sigmoid; multi-class: categorical
 * cross-entropy and categorical focal on a K-way softmax; multi-label: either binary loss per finding. Both losses clip predictions
 * to [eps, 1 - eps] with Keras' epsilon (1e-7) and reduce like Keras' SUM_OVER_BATCH_SIZE:
 * mean over the batch of `weight_i * loss_i` (the divisor is the batch size, not the weight sum).
 *
 * @example
 * const loss = focalLoss({ gamma: 2, alpha: 0.25 })(yTrue, yPred);
 */
import * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../base/errors.ts';

/** Keras' backend epsilon. */
export const EPSILON = 1e-7;

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor) => tf.Scalar;

function reduce(perSample: tf.Tensor1D, sampleWeight?: tf.Tensor): tf.Scalar {
  return sampleWeight === undefined ? tf.mean(perSample) : tf.mean(tf.mul(perSample, tf.reshape(sampleWeight, [-1])));
}

/**
 * Mean binary cross-entropy like `keras.losses.binary_crossentropy`:
 * -(y·log(p + eps) + (1 - y)·log(1 - p + eps)) with p clipped to [eps, 1 - eps].
 */
export function binaryCrossEntropy(yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.reshape(tf.cast(yTrue, 'float32'), [-1]);
    const p = tf.clipByValue(tf.reshape(yPred, [-1]), EPSILON, 1 - EPSILON);
    const pos = tf.mul(y, tf.log(tf.add(p, EPSILON)));
    const neg = tf.mul(tf.sub(1, y), tf.log(tf.add(tf.sub(1, p), EPSILON)));
    return reduce(tf.neg(tf.add(pos, neg)) as tf.Tensor1D, sampleWeight);
  });
}

export interface FocalLossOptions {
  /** Focusing parameter: 0 gives (alpha-weighted) cross-entropy. @default 2 */
  readonly gamma?: number;
  /** Weight of the positive class; negatives get 1 - alpha. @default 0.25 */
  readonly alpha?: number;
}

/**
 * Binary focal loss of Lin et al. 2017, FL = -α_t (1 - p_t)^γ log(p_t), where p_t = p for a
 * positive and 1 - p for a negative, and α_t = α for a positive and 1 - α for a negative.
 * γ = 0 with α = 0.5 is half the binary cross-entropy.
 */
export function focalLoss(options: FocalLossOptions = {}): LossFn {
  const gamma = options.gamma ?? 2;
  const alpha = options.alpha ?? 0.25;
  if (!Number.isFinite(gamma) || gamma < 0) {
    throw new MedpipeError('INVALID_CONFIG', `focal loss gamma must be >= 0 (got ${gamma}).`, { fix: 'Use gamma >= 0, e.g. 2.' });
  }
  if (!Number.isFinite(alpha) || alpha < 0 || alpha > 1) {
    throw new MedpipeError('INVALID_CONFIG', `focal loss alpha must be in [0, 1] (got ${alpha}).`, { fix: 'Use alpha in [0, 1], e.g. 0.25.' });
  }
  return (yTrue, yPred, sampleWeight) =>
    tf.tidy(() => {
      const y = tf.reshape(tf.cast(yTrue, 'float32'), [-1]);
      const p = tf.clipByValue(tf.reshape(yPred, [-1]), EPSILON, 1 - EPSILON);
      // p_t and α_t written as blends so soft labels stay well defined.
      const pt = tf.add(tf.mul(y, p), tf.mul(tf.sub(1, y), tf.sub(1, p)));
      const alphaT = tf.add(tf.mul(y, alpha), tf.mul(tf.sub(1, y), 1 - alpha));
      const modulator = gamma === 0 ? tf.onesLike(pt) : tf.pow(tf.sub(1, pt), gamma);
      const perSample = tf.neg(tf.mul(tf.mul(alphaT, modulator), tf.log(pt)));
      return reduce(perSample as tf.Tensor1D, sampleWeight);
    });
}

/**
 * Class weights per class index. 'balanced' is scikit-learn's `compute_class_weight('balanced')`:
 * n_samples / (n_classes · count_c) over the classes present. A record is checked and returned as is.
 */
export function classWeights(labels: ArrayLike<number>, mode: 'balanced' | Record<number, number>): Record<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label)) {
      throw new MedpipeError('INVALID_CONFIG', `Class weights need integer class labels; label ${i} is ${label}.`, {
        fix: 'Use hard 0/1 labels for class weighting.',
      });
    }
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  if (mode === 'balanced') {
    if (labels.length === 0) {
      throw new MedpipeError('NO_SAMPLES', "classWeight 'balanced' needs at least one training label.", { fix: 'Check that the training split is not empty.' });
    }
    const weights: Record<number, number> = {};
    const classes = [...counts.keys()].sort((a, b) => a - b);
    for (const c of classes) weights[c] = labels.length / (classes.length * (counts.get(c) as number));
    return weights;
  }
  const out: Record<number, number> = {};
  for (const [key, value] of Object.entries(mode)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new MedpipeError('INVALID_CONFIG', `classWeight for class ${key} must be a number >= 0 (got ${String(value)}).`, {
        fix: 'Give every class a finite, non-negative weight.',
      });
    }
    out[Number(key)] = value;
  }
  for (const c of counts.keys()) {
    if (!(c in out)) {
      throw new MedpipeError('INVALID_CONFIG', `classWeight has no weight for class ${c}, which occurs in the training labels.`, {
        fix: `Add class ${c} to classWeight, or use 'balanced'.`,
      });
    }
  }
  return out;
}

/** Per-sample weights from class weights (for the labels of one batch). */
export function sampleWeightsFor(labels: ArrayLike<number>, weights: Record<number, number>): Float32Array {
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = weights[Math.round(labels[i])] ?? 1;
  return out;
}

/**
 * Categorical cross-entropy for a K-way softmax, like `keras.losses.categorical_crossentropy` on
 * probabilities: each row renormalised to sum 1 and clipped to [eps, 1 − eps], then −log p(true
 * class). `yTrue` holds class indices (one per sample); `yPred` is [n, K]. `labelSmoothing` ε trains
 * against (1 − ε)·one-hot + ε/K, Keras' `label_smoothing` (Szegedy et al. 2016).
 */
export function categoricalCrossEntropy(k: number, labelSmoothing = 0): LossFn {
  checkSmoothing(labelSmoothing);
  return (yTrue, yPred, sampleWeight) =>
    tf.tidy(() => {
      const { y, p } = oneHotAndProbabilities(yTrue, yPred, k, labelSmoothing);
      return reduce(tf.neg(tf.sum(tf.mul(y, tf.log(p)), -1)) as tf.Tensor1D, sampleWeight);
    });
}

/**
 * Categorical focal loss (Lin et al. 2017, as Keras' `CategoricalFocalCrossentropy`):
 * −Σ_c α (1 − p_c)^γ y_c log p_c, a scalar α for every class. γ = 0, α = 1 is the cross-entropy.
 * `labelSmoothing` as in categoricalCrossEntropy (Keras applies it the same way).
 */
export function categoricalFocalLoss(k: number, options: FocalLossOptions = {}, labelSmoothing = 0): LossFn {
  const gamma = options.gamma ?? 2;
  const alpha = options.alpha ?? 0.25;
  checkFocal(gamma, alpha);
  checkSmoothing(labelSmoothing);
  return (yTrue, yPred, sampleWeight) =>
    tf.tidy(() => {
      const { y, p } = oneHotAndProbabilities(yTrue, yPred, k, labelSmoothing);
      const modulator = gamma === 0 ? tf.onesLike(p) : tf.pow(tf.sub(1, p), gamma);
      const perSample = tf.neg(tf.sum(tf.mul(tf.mul(tf.mul(y, modulator), alpha), tf.log(p)), -1));
      return reduce(perSample as tf.Tensor1D, sampleWeight);
    });
}

function checkSmoothing(labelSmoothing: number): void {
  if (!Number.isFinite(labelSmoothing) || labelSmoothing < 0 || labelSmoothing >= 1) {
    throw new MedpipeError('INVALID_CONFIG', `labelSmoothing must be in [0, 1) (got ${labelSmoothing}).`, { fix: 'Use e.g. labelSmoothing: 0.1.' });
  }
}

/** One-hot targets (smoothed towards the uniform distribution by `smoothing`) and clipped, renormalised probabilities. */
function oneHotAndProbabilities(yTrue: tf.Tensor, yPred: tf.Tensor, k: number, smoothing = 0): { y: tf.Tensor; p: tf.Tensor } {
  const hard = tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), k);
  const y = smoothing === 0 ? hard : tf.add(tf.mul(hard, 1 - smoothing), smoothing / k);
  const raw = tf.reshape(yPred, [-1, k]);
  const p = tf.clipByValue(tf.div(raw, tf.sum(raw, -1, true)), EPSILON, 1 - EPSILON);
  return { y, p };
}

/**
 * A binary loss applied to each of K findings (multi-label, K sigmoids): the mean over every
 * (sample, finding) pair, as Keras averages `binary_crossentropy` over the last axis and then the
 * batch. `sampleWeight` may be per element ([n, K], per-label class weights) or per sample.
 */
export function perLabel(binary: LossFn, k: number): LossFn {
  return (yTrue, yPred, sampleWeight) =>
    tf.tidy(() => {
      const y = tf.reshape(yTrue, [-1]);
      const p = tf.reshape(yPred, [-1]);
      if (sampleWeight === undefined) return binary(y, p);
      const w = sampleWeight.size === y.size ? tf.reshape(sampleWeight, [-1]) : tf.reshape(tf.tile(tf.reshape(sampleWeight, [-1, 1]), [1, k]), [-1]);
      return binary(y, p, w);
    });
}

function checkFocal(gamma: number, alpha: number): void {
  if (!Number.isFinite(gamma) || gamma < 0) {
    throw new MedpipeError('INVALID_CONFIG', `focal loss gamma must be >= 0 (got ${gamma}).`, { fix: 'Use gamma >= 0, e.g. 2.' });
  }
  if (!Number.isFinite(alpha) || alpha < 0 || alpha > 1) {
    throw new MedpipeError('INVALID_CONFIG', `focal loss alpha must be in [0, 1] (got ${alpha}).`, { fix: 'Use alpha in [0, 1], e.g. 0.25.' });
  }
}

/**
 * Per-element weights for multi-label training: scikit-learn's 'balanced' applied to each finding's
 * 0/1 column on its own, n / (2 · count) for its positives and its negatives (1 for a finding that is
 * always or never present). Returns count·K weights in the layout of `labels`.
 * @example
 *   labelWeights(new Float32Array([1, 0, 0, 0]), 2); // finding 0: 1 positive of 2 → [1, 1, 1, 1]·…
 */
export function labelWeights(labels: ArrayLike<number>, k: number): (batch: ArrayLike<number>) => Float32Array {
  const n = labels.length / k;
  const positives = Array.from({ length: k }, (_, j) => {
    let p = 0;
    for (let i = 0; i < n; i++) p += labels[i * k + j]!;
    return p;
  });
  const weight = positives.map((p) => (p === 0 || p === n ? [1, 1] : [n / (2 * (n - p)), n / (2 * p)]));
  return (batch) => Float32Array.from(batch, (y, e) => weight[e % k]![y >= 0.5 ? 1 : 0]!);
}

/**
 * Soft ordinal labels (SORD: Díaz & Marathe 2019, "Soft Labels for Ordinal Regression"): the
 * cross-entropy against a target spread over the grades by their distance to the true one,
 * q_c ∝ exp(−scale · (c − t)²), so predicting a neighbouring grade costs less than a far one. A large
 * scale approaches the one-hot cross-entropy. `yTrue` holds grade indices; `yPred` is [n, K].
 */
export function softOrdinalLoss(k: number, options: { readonly scale?: number } = {}): LossFn {
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new MedpipeError('INVALID_CONFIG', `softOrdinal scale must be > 0 (got ${scale}).`, {
      fix: 'Use e.g. scale: 1 (larger: closer to plain cross-entropy).',
    });
  }
  // The K×K table of soft targets: row t is the target for true grade t.
  const table = Array.from({ length: k }, (_, t) => {
    const w = Array.from({ length: k }, (_, c) => Math.exp(-scale * (c - t) ** 2));
    const sum = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / sum);
  });
  return (yTrue, yPred, sampleWeight) =>
    tf.tidy(() => {
      const targets = tf.gather(tf.tensor2d(table), tf.cast(tf.reshape(yTrue, [-1]), 'int32'));
      const raw = tf.reshape(yPred, [-1, k]);
      const p = tf.clipByValue(tf.div(raw, tf.sum(raw, -1, true)), EPSILON, 1 - EPSILON);
      return reduce(tf.neg(tf.sum(tf.mul(targets, tf.log(p)), -1)) as tf.Tensor1D, sampleWeight);
    });
}
