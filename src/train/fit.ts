/**
 * The training loop: Adam on the task's loss (binary / categorical / per-label cross-entropy or
 * focal) plus the model's regularisation (L2) losses,
 * seeded shuffling / oversampling / augmentation / dropout, early stopping with
 * restoreBestWeights, cancellation between batches, and no tensor leaks.
 *
 * What the epoch logs mean (documented choice):
 * - `loss`: the mean of the epoch's training batch losses, weighted by batch size (as Keras reports
 *   it): with dropout, augmentation, class weights and the L2 term, while the weights change.
 * - train metrics (`auc`, `accuracy`, …): by default (`trainMetrics: 'inference'`) from a clean
 *   inference pass over the whole, un-augmented, un-oversampled training set at the end of the
 *   epoch — the honest number, comparable with the validation one. `'running'` uses the scores of
 *   the training batches instead (Keras' running values; saves one forward pass per epoch; with
 *   MixUp they are the blended images' scores against each image's own label).
 * - `val_loss`: the unweighted loss on the validation set plus the L2 term (Keras includes
 *   regularisation in val_loss and applies class weights to training only); `val_*`: metrics on it.
 * Epoch and batch numbers in events and `bestEpoch` are 1-based; `history[i]` is epoch i + 1.
 *
 * @example
 * const result = await fitModel(model, train, val, { epochs: 10, batchSize: 32, seed: 1, metrics });
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../backend/fused-adam.ts';
import { MedpipeError } from '../base/errors.ts';
import { isIdentityPolicy, validateAugmentPolicy, type AugmentPolicy } from '../data/augment.ts';
import type { BatchOptions } from '../data/loader/image-source.ts';
import { EarlyStopping, restoreWeights, type EarlyStoppingOptions } from './early-stopping.ts';
import { lossFor, type LossConfig } from './loss-for.ts';
import { classWeights, labelWeights, sampleWeightsFor } from './losses.ts';
import { checkData, imagesOf, labelWidth, predictScores, unitsOf, type FitData } from './predict.ts';
import { createRng, deriveSeed, shuffleInPlace } from '../base/rng.ts';
import { frozenNormsInInferenceMode } from './frozen-norms.ts';
import { scheduledRate, type LearningRateSchedule } from './lr-schedule.ts';
import { drawBatchMix, permuteRows, type BatchMix } from './mixup.ts';

export { predictScores } from './predict.ts';
export { epochLogKeys } from './epoch-log-keys.ts';
export type { FitData } from './predict.ts';
export type { EarlyStoppingOptions } from './early-stopping.ts';

export interface FitOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Seeds shuffling, oversampling, augmentation and dropout masks. */
  readonly seed: number;
  /** Adam. @default { learningRate: 1e-3, beta1: 0.92, beta2: 0.999, epsilon: 1e-7 } */
  readonly optimizer?: { readonly learningRate?: number; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number };
  /** @default 'binaryCrossentropy' (binary, multi-label: per finding), 'categoricalCrossentropy' (multi-class, ordinal) */
  readonly loss?: LossConfig;
  /** 'cosine': the rate falls from `optimizer.learningRate` to 0 over epochs × batches. @default 'constant' */
  readonly schedule?: LearningRateSchedule;
  /** Multi-class and ordinal: (1 − ε)·one-hot + ε/K targets. @default 0 */
  readonly labelSmoothing?: number;
  /** MixUp with λ ~ Beta(alpha, alpha) per training batch (train/mixup.ts). @default off */
  readonly mixup?: { readonly alpha: number };
  /**
   * Per-class loss weights for training batches; 'balanced' = n / (classes · count_c) from the
   * training labels (multi-label: per finding, for its positives and negatives). Combined with
   * `oversample` it compensates twice: usually pick one. @default none
   */
  readonly classWeight?: 'balanced' | Readonly<Record<number, number>>;
  /** Adds random repeats of every smaller class each epoch until all classes are as frequent as the largest. @default false */
  readonly oversample?: boolean;
  /** Applied to training batches only, with fresh random transforms each epoch. @default none */
  readonly augment?: AugmentPolicy;
  readonly earlyStopping?: EarlyStoppingOptions;
  /** Computes the metrics of one set from its labels and scores, e.g. { auc, accuracy, … }. */
  readonly metrics: (labels: Float32Array, scores: Float32Array) => Record<string, number>;
  /** Checked between batches; a fired signal throws MedpipeError('CANCELLED'). */
  readonly signal?: AbortSignal;
  readonly onBatch?: (e: { epoch: number; batch: number; batches: number; loss: number }) => void;
  readonly onEpoch?: (e: {
    epoch: number;
    epochs: number;
    logs: Record<string, number>;
    best?: { monitor: string; value: number; epoch: number };
    patienceLeft?: number;
  }) => void;
  /** Yield to the event loop every n batches (UI redraws, cancellation). @default 1 */
  readonly yieldEvery?: number;
  /** How train metrics are computed (see the file comment). @default 'inference' */
  readonly trainMetrics?: 'inference' | 'running';
  /** Batch size of the inference passes. @default batchSize */
  readonly predictBatchSize?: number;
}

export interface FitResult {
  /** One log record per epoch run. */
  history: Record<string, number>[];
  /** 1-based epoch of the best monitored value; the last epoch without early stopping. */
  bestEpoch: number;
  stoppedEarly: boolean;
  epochsRun: number;
  /** True when the final weights were set back to an earlier (best) epoch's. */
  restoredBest: boolean;
}

const DROPOUT_LAYERS = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'AlphaDropout', 'GaussianDropout', 'GaussianNoise']);

/** Every leaf layer, descending into nested models. */
function leafLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) out.push(...leafLayers(layer));
    else out.push(layer);
  }
  return out;
}

/** Sum of the regularisation losses (kernel L2 …) of every layer; null when there are none. */
export function regularizationLoss(model: tf.LayersModel): tf.Scalar | null {
  const losses = leafLayers(model).flatMap((layer) => layer.calculateLosses());
  if (losses.length === 0) return null;
  return losses.length === 1 ? losses[0] : tf.addN(losses);
}

function positiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new MedpipeError('INVALID_CONFIG', `fit ${name} must be a whole number >= 1 (got ${value}).`, {
      fix: `Set ${name} to e.g. ${name === 'epochs' ? 10 : 32}.`,
    });
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MedpipeError('CANCELLED', 'Training was cancelled.', { cause: signal.reason });
}

/**
 * Indices of one epoch: every sample once (plus, when oversampling, random repeats of each smaller
 * class up to the largest class's count), shuffled. `labels` are class indices (0/1 for binary).
 */
export function epochOrder(labels: Float32Array, oversample: boolean, seed: number, epoch: number): Int32Array {
  const n = labels.length;
  let extra: number[] = [];
  if (oversample) {
    const members: number[][] = [];
    for (let i = 0; i < n; i++) (members[labels[i] >= 0.5 ? Math.round(labels[i]) : 0] ??= []).push(i);
    const largest = Math.max(...members.map((m) => m?.length ?? 0));
    const rng = createRng(deriveSeed(seed, 'oversample', epoch));
    // Classes in index order, one random stream: for two classes exactly the minority repeats of before.
    for (const minority of members) {
      if (!minority || minority.length === largest) continue;
      extra.push(...Array.from({ length: largest - minority.length }, () => minority[rng.int(minority.length)]!));
    }
  }
  const order = new Int32Array(n + extra.length);
  for (let i = 0; i < n; i++) order[i] = i;
  order.set(extra, n);
  return shuffleInPlace(order, createRng(deriveSeed(seed, 'shuffle', epoch)));
}

export interface EpochBatches {
  /** Sample indices of the epoch in training order. */
  readonly order: Int32Array;
  /** Number of batches. */
  readonly count: number;
  /** The epoch's batches in order: pixels (augmented when a policy is given, assembled ahead by the loader) and labels. */
  /** `reuse`: see BatchOptions (the pixels of a batch are refilled once the next is asked for). */
  batches(options?: BatchOptions): AsyncGenerator<{ pixels: Float32Array; labels: Float32Array }, void, undefined>;
}

/**
 * The training batches of one epoch: seeded order (with oversampling), pixels read by index and
 * augmented with the epoch's own random stream (one transform per image, drawn in training order),
 * so every epoch sees fresh transforms. The source images are never modified.
 */
export function epochBatches(
  data: FitData,
  options: { readonly batchSize: number; readonly seed: number; readonly oversample?: boolean; readonly augment?: AugmentPolicy },
  epoch: number,
): EpochBatches {
  if (options.oversample && data.task === 'multilabel') {
    throw new MedpipeError(
      'INVALID_CONFIG',
      'oversample repeats images of the smaller classes, which a multi-label set does not have (an image carries several findings).',
      {
        fix: "Use classWeight: 'balanced' (per finding) instead of oversample.",
      },
    );
  }
  const order = epochOrder(data.task === 'multilabel' ? new Float32Array(data.count) : data.y, options.oversample ?? false, options.seed, epoch);
  const augment = options.augment && !isIdentityPolicy(options.augment) ? options.augment : undefined;
  const rng = createRng(deriveSeed(options.seed, 'augment', epoch));
  const width = labelWidth(data);
  return {
    order,
    count: Math.ceil(order.length / options.batchSize),
    async *batches(batchOptions) {
      let start = 0;
      for await (const pixels of imagesOf(data).batches(order, options.batchSize, augment ? { policy: augment, rng } : undefined, batchOptions)) {
        const n = Math.min(options.batchSize, order.length - start);
        const labels = new Float32Array(n * width);
        for (let i = 0; i < n; i++) labels.set(data.y.subarray(order[start + i]! * width, (order[start + i]! + 1) * width), i * width);
        start += n;
        yield { pixels, labels };
      }
    },
  };
}

function prefixed(prefix: string, values: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) out[prefix + k] = v;
  return out;
}

/** A training step whose loss has not been read yet. */
interface PendingStep {
  readonly cost: tf.Scalar;
  readonly scores: tf.Tensor | undefined;
  readonly start: number;
  readonly labels: Float32Array;
  /** 0-based. */
  readonly batch: number;
}

/**
 * Trains `model` in place and returns the history. With `earlyStopping.restoreBestWeights` the
 * model ends with the weights of the best epoch (also when training ran all epochs).
 */
export async function fitModel(model: tf.LayersModel, train: FitData, val: FitData, options: FitOptions): Promise<FitResult> {
  positiveInteger(options.epochs, 'epochs');
  positiveInteger(options.batchSize, 'batchSize');
  const yieldEvery = options.yieldEvery ?? 1;
  positiveInteger(yieldEvery, 'yieldEvery');
  checkData(model, train, 'training');
  checkData(model, val, 'validation');
  if (train.count === 0) throw new MedpipeError('NO_SAMPLES', 'The training set is empty.', { fix: 'Check the data folder and the split fractions.' });
  if (options.augment) {
    const issues = validateAugmentPolicy(options.augment);
    if (issues.length > 0)
      throw new MedpipeError('INVALID_CONFIG', `Invalid augmentation policy: ${issues.join('; ')}.`, { issues, fix: 'Correct the listed augment options.' });
  }
  const lossFn = lossFor(options.loss, train, options.labelSmoothing ?? 0);
  if (options.mixup !== undefined && !(Number.isFinite(options.mixup.alpha) && options.mixup.alpha > 0)) {
    throw new MedpipeError('INVALID_CONFIG', `mixup alpha must be > 0 (got ${options.mixup.alpha}).`, { fix: 'Use e.g. mixup: { alpha: 0.2 }.' });
  }
  const multiLabel = train.task === 'multilabel';
  const k = train.classes ?? 2;
  if (multiLabel && options.classWeight !== undefined && options.classWeight !== 'balanced') {
    throw new MedpipeError(
      'INVALID_CONFIG',
      'classWeight as a record of class indices is for single-label tasks; a multi-label set weighs each finding on its own.',
      { fix: "Use classWeight: 'balanced'." },
    );
  }
  const weights =
    options.classWeight === undefined || multiLabel ? undefined : classWeights(train.y, options.classWeight as 'balanced' | Record<number, number>);
  const findingWeights = multiLabel && options.classWeight === 'balanced' ? labelWeights(train.y, k) : undefined;
  const units = unitsOf(train);
  const width = labelWidth(train);
  const stopper = options.earlyStopping ? new EarlyStopping(options.earlyStopping) : undefined;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  if (variables.length === 0) {
    throw new MedpipeError('INVALID_CONFIG', 'The model has no trainable weights (everything is frozen).', {
      fix: 'Use freeze: false or a number of trainable last layers.',
    });
  }
  const augment = options.augment && !isIdentityPolicy(options.augment) ? options.augment : undefined;
  const predictBatch = options.predictBatchSize ?? options.batchSize;
  const opt = options.optimizer ?? {};
  const learningRate = opt.learningRate ?? 1e-3;
  const optimizer = adam(learningRate, opt.beta1 ?? 0.92, opt.beta2 ?? 0.999, opt.epsilon ?? 1e-7);
  // The planned number of steps, for the schedule (oversampling adds the same number of repeats every epoch).
  const totalSteps =
    options.schedule === 'cosine'
      ? options.epochs * epochBatches(train, { batchSize: options.batchSize, seed: options.seed, oversample: options.oversample }, 1).count
      : 0;
  let step = 0;
  // Per-sample loss weights of a batch's labels (class weights; per finding for multi-label).
  const sampleWeightsOf = (labels: Float32Array): tf.Tensor1D | undefined =>
    weights ? tf.tensor1d(sampleWeightsFor(labels, weights)) : findingWeights ? tf.tensor1d(findingWeights(labels)) : undefined;

  // Dropout masks: tfjs reuses a layer's fixed seed for every call (same mask each step), so each
  // step gets its own derived seed; the original seeds are put back at the end.
  const layers = leafLayers(model);
  const dropouts = layers.filter((l) => DROPOUT_LAYERS.has(l.getClassName())) as (tf.layers.Layer & { seed?: number })[];
  const originalSeeds = dropouts.map((l) => l.seed);
  const restoreNorms = frozenNormsInInferenceMode(layers);

  const [h, w, c] = train.shape;
  const history: Record<string, number>[] = [];
  let stoppedEarly = false;
  let restoredBest = false;
  let pending: PendingStep | undefined;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const batchList = epochBatches(train, { batchSize: options.batchSize, seed: options.seed, oversample: options.oversample, augment }, epoch);
      const batches = batchList.count;
      const running =
        options.trainMetrics === 'running'
          ? { labels: new Float32Array(batchList.order.length * width), scores: new Float32Array(batchList.order.length * units) }
          : undefined;
      let lossSum = 0;
      // A batch's loss is read after the next batch has been queued, so a GPU backend always has the next
      // step in hand while the host waits for numbers (the CPU backends compute eagerly either way).
      const settle = async (step: PendingStep): Promise<void> => {
        const loss = (await step.cost.data())[0];
        step.cost.dispose();
        if (running && step.scores) {
          running.scores.set(await step.scores.data(), step.start * units);
          running.labels.set(step.labels, step.start * width);
          step.scores.dispose();
        }
        lossSum += loss * (step.labels.length / width);
        options.onBatch?.({ epoch, batch: step.batch + 1, batches, loss });
      };
      let b = 0;
      // The step's input tensor is disposed (tidy) before the next batch is asked for.
      for await (const { pixels, labels } of batchList.batches({ reuse: true })) {
        if (b % yieldEvery === 0) await yieldToEventLoop();
        throwIfCancelled(options.signal);
        const start = b * options.batchSize;
        const n = labels.length / width;
        dropouts.forEach((l, i) => {
          l.seed = deriveSeed(options.seed, 'dropout', epoch, b, i);
        });
        let batchScores: tf.Tensor | undefined;
        // FusedAdam reads its rate at every step.
        (optimizer as unknown as { learningRate: number }).learningRate = scheduledRate(options.schedule, learningRate, step++, totalSteps);
        const mix: BatchMix | undefined = options.mixup
          ? drawBatchMix(createRng(deriveSeed(options.seed, 'mixup', epoch, b)), options.mixup.alpha, n)
          : undefined;
        const cost = tf.tidy(() => {
          const original = tf.tensor4d(pixels, [n, h, w, c]);
          const y = tf.tensor1d(labels);
          const sw = sampleWeightsOf(labels);
          let x: tf.Tensor4D = original;
          let lossOf = (pred: tf.Tensor) => lossFn(y, pred, sw);
          if (mix) {
            const mixedLabels = permuteRows(labels, width, mix.permutation);
            const y2 = tf.tensor1d(mixedLabels);
            const sw2 = sampleWeightsOf(mixedLabels);
            x = tf.add(tf.mul(original, mix.lambda), tf.mul(tf.gather(original, tf.tensor1d(mix.permutation, 'int32')), 1 - mix.lambda));
            lossOf = (pred) => tf.add(tf.mul(lossFn(y, pred, sw), mix.lambda), tf.mul(lossFn(y2, pred, sw2), 1 - mix.lambda)) as tf.Scalar;
          }
          return optimizer.minimize(
            () => {
              const pred = model.apply(x, { training: true }) as tf.Tensor;
              if (running) batchScores = tf.keep(tf.reshape(pred, [-1]));
              const loss = lossOf(pred);
              const reg = regularizationLoss(model);
              return reg ? tf.add(loss, reg) : loss;
            },
            true,
            variables,
          ) as tf.Scalar;
        });
        const previous = pending;
        pending = { cost, scores: batchScores, start, labels, batch: b };
        if (previous) await settle(previous);
        b++;
      }
      if (pending) {
        const last = pending;
        pending = undefined;
        await settle(last);
      }
      throwIfCancelled(options.signal);

      const logs: Record<string, number> = { loss: lossSum / batchList.order.length };
      if (running) Object.assign(logs, options.metrics(running.labels, running.scores));
      else Object.assign(logs, options.metrics(train.y, await predictScores(model, train, predictBatch)));
      if (val.count > 0) {
        const valScores = await predictScores(model, val, predictBatch);
        logs.val_loss = tf.tidy(() => {
          const loss = lossFn(tf.tensor1d(val.y), tf.tensor1d(valScores));
          const reg = regularizationLoss(model);
          return (reg ? tf.add(loss, reg) : loss).dataSync()[0];
        });
        Object.assign(logs, prefixed('val_', options.metrics(val.y, valScores)));
      }
      history.push(logs);
      const stop = stopper ? stopper.update(epoch, logs, model) : false;
      options.onEpoch?.({
        epoch,
        epochs: options.epochs,
        logs,
        ...(stopper && stopper.bestEpoch > 0
          ? { best: { monitor: stopper.monitor, value: stopper.best, epoch: stopper.bestEpoch }, patienceLeft: stopper.patienceLeft }
          : {}),
      });
      if (stop) {
        stoppedEarly = epoch < options.epochs;
        break;
      }
    }
    const epochsRun = history.length;
    if (stopper?.restoreBestWeights && stopper.bestWeights && stopper.bestEpoch !== epochsRun) {
      restoreWeights(model, stopper.bestWeights);
      restoredBest = true;
    }
    return {
      history,
      bestEpoch: stopper && stopper.bestEpoch > 0 ? stopper.bestEpoch : epochsRun,
      stoppedEarly,
      epochsRun,
      restoredBest,
    };
  } finally {
    if (pending) tf.dispose([pending.cost, ...(pending.scores ? [pending.scores] : [])]);
    dropouts.forEach((l, i) => {
      l.seed = originalSeeds[i];
    });
    restoreNorms();
    optimizer.dispose();
  }
}
