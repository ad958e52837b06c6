/**
 * The segmentation training loop: Adam on a dense loss (soft Dice, CE or both) counted inside the
 * ROI, over random patches drawn each step (foreground/background-balanced, jointly augmented, cut
 * ahead of the step in the loader's worker threads: data/loader/patch-source.ts);
 * after each epoch the validation images are predicted whole by sliding windows and scored, and
 * early stopping watches `val_dice` (mean over validation images of the foreground Dice inside the
 * ROI at threshold 0.5), restoring the best epoch's weights.
 *
 * Epoch logs: `loss` = mean of the epoch's batch losses; `val_dice` as above (absent without
 * validation images).
 *
 * @example
 * const result = await fitSegmentation(model, train, val, { epochs: 10, steps: 20, batchSize: 8, patch: 48, seed: 1 });
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../backend/fused-adam.ts';
import { MedpipeError } from '../base/errors.ts';
import { createRng, deriveSeed } from '../base/rng.ts';
import type { AugmentPolicy } from '../data/augment-policy.ts';
import type { SegmentationSample } from '../data/segmentation-types.ts';
import { overlapCounts, overlapMetrics } from '../metrics/segmentation-overlap.ts';
import { EarlyStopping, restoreWeights, type EarlyStoppingOptions } from './early-stopping.ts';
import { checkPatchFits, drawPatches, indexPixels } from '../data/loader/patch-sampler.ts';
import { patchSource } from '../data/loader/patch-source.ts';
import { segmentationLoss, type SegmentationLossName } from './segmentation-losses.ts';
import { labelsOf, slidingWindowPredict } from './sliding-window.ts';
import { frozenNormsInInferenceMode } from './frozen-norms.ts';
import { scheduledRate, type LearningRateSchedule } from './lr-schedule.ts';

export interface SegmentationFitOptions {
  readonly epochs: number;
  /** Optimizer steps (batches of patches) per epoch. */
  readonly steps: number;
  readonly batchSize: number;
  /** Patch side; the images' own size trains on whole images. */
  readonly patch: number;
  /** Classes including background (2 = binary, one sigmoid channel). */
  readonly classes: number;
  readonly seed: number;
  /** @default 'dice+ce' */
  readonly loss?: SegmentationLossName;
  /** @default 1e-3 */
  readonly learningRate?: number;
  /** 'cosine': the rate falls from `learningRate` to 0 over all planned steps (SGDR without restarts). @default 'constant' */
  readonly schedule?: LearningRateSchedule;
  /** Foreground:background patch centres. @default [1, 1] */
  readonly posNeg?: readonly [number, number];
  readonly augment?: AugmentPolicy;
  /** @default { monitor: 'val_dice', patience: 5, restoreBestWeights: true } when there is validation data */
  readonly earlyStopping?: EarlyStoppingOptions;
  /** Sliding-window overlap for validation. @default 0.5 */
  readonly overlap?: number;
  readonly signal?: AbortSignal;
  readonly onBatch?: (e: { epoch: number; batch: number; batches: number; loss: number }) => void;
  readonly onEpoch?: (e: { epoch: number; epochs: number; logs: Record<string, number> }) => void;
}

export interface SegmentationFitResult {
  readonly history: Record<string, number>[];
  readonly bestEpoch: number;
  readonly epochsRun: number;
  readonly stoppedEarly: boolean;
}

/** Mean over images of the foreground Dice inside the ROI (classes averaged; undefined ones left out). */
export async function meanDice(model: tf.LayersModel, samples: readonly SegmentationSample[], patch: number, classes: number, overlap = 0.5): Promise<number> {
  const values: number[] = [];
  for (const s of samples) {
    const probs = await slidingWindowPredict(model, s.pixels, [s.height, s.width, s.channels], { size: patch, overlap });
    const predicted = labelsOf(probs, s.height * s.width, classes === 2 ? 1 : classes);
    const truth = { height: s.height, width: s.width, data: s.mask };
    const roi = s.roi ? { height: s.height, width: s.width, data: s.roi } : undefined;
    for (let k = 1; k < classes; k++) {
      const dice = overlapMetrics(overlapCounts(truth, { height: s.height, width: s.width, data: predicted }, k, roi)).dice;
      if (dice !== null) values.push(dice);
    }
  }
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export async function fitSegmentation(
  model: tf.LayersModel,
  train: readonly SegmentationSample[],
  val: readonly SegmentationSample[],
  options: SegmentationFitOptions,
): Promise<SegmentationFitResult> {
  if (train.length === 0) throw new MedpipeError('NO_SAMPLES', 'The training split has no images.', { fix: 'Check the data folders and the split fractions.' });
  const lossFn = segmentationLoss(options.loss ?? 'dice+ce');
  const rate = options.learningRate ?? 1e-3;
  const optimizer = adam(rate, 0.9, 0.999, 1e-7);
  // FusedAdam reads its rate at every step.
  const setRate = (step: number) => {
    (optimizer as unknown as { learningRate: number }).learningRate = scheduledRate(options.schedule, rate, step, options.epochs * options.steps);
  };
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const restoreNorms = frozenNormsInInferenceMode(model.layers); // a frozen transferred encoder keeps its statistics
  const stopper = val.length > 0 ? new EarlyStopping(options.earlyStopping ?? { monitor: 'val_dice', patience: 5, restoreBestWeights: true }) : undefined;
  const { patch, batchSize, classes } = options;
  checkPatchFits(train, patch);
  const index = indexPixels(train);
  const source = patchSource(train);
  const patchOptions = { size: patch, count: batchSize, positive: options.posNeg?.[0], negative: options.posNeg?.[1] };
  const channels = classes === 2 ? 1 : classes;
  const history: Record<string, number>[] = [];
  let stoppedEarly = false;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const rng = createRng(deriveSeed(options.seed, 'patches', epoch));
    let lossSum = 0;
    let b = 0;
    for await (const batch of source.batches(options.steps, () => drawPatches(train, index, patchOptions, rng, options.augment))) {
      if (options.signal?.aborted) throw new MedpipeError('CANCELLED', 'Training was cancelled.', { cause: options.signal.reason });
      setRate((epoch - 1) * options.steps + b);
      const cost = tf.tidy(() => {
        const x = tf.tensor4d(batch.x, [batchSize, patch, patch, batch.channels]);
        const labels = tf.tensor3d(batch.mask, [batchSize, patch, patch], 'int32');
        const y = (channels === 1 ? tf.expandDims(tf.cast(labels, 'float32'), -1) : tf.oneHot(labels, channels)) as tf.Tensor4D;
        const roi = tf.tensor4d(Float32Array.from(batch.roi), [batchSize, patch, patch, 1]);
        return optimizer.minimize(() => lossFn(y, model.apply(x, { training: true }) as tf.Tensor4D, roi), true, variables) as tf.Scalar;
      });
      const loss = (await cost.data())[0];
      cost.dispose();
      lossSum += loss;
      options.onBatch?.({ epoch, batch: ++b, batches: options.steps, loss });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const logs: Record<string, number> = { loss: lossSum / options.steps };
    if (val.length > 0) logs.val_dice = await meanDice(model, val, patch, classes, options.overlap);
    history.push(logs);
    options.onEpoch?.({ epoch, epochs: options.epochs, logs });
    if (stopper?.update(epoch, logs, model)) {
      stoppedEarly = epoch < options.epochs;
      break;
    }
  }
  if (stopper?.restoreBestWeights && stopper.bestWeights && stopper.bestEpoch !== history.length) restoreWeights(model, stopper.bestWeights);
  restoreNorms();
  optimizer.dispose();
  return { history, bestEpoch: stopper && stopper.bestEpoch > 0 ? stopper.bestEpoch : history.length, epochsRun: history.length, stoppedEarly };
}
