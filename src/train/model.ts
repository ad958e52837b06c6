/**
 * Model builders: the tutorial's CNN, a saved tfjs model as a transfer-learning base, and the
 * text summary. Initial weights are seeded: every kernel initializer and dropout layer gets a seed
 * derived from `seed`, so the same seed builds the same initial weights.
 *
 * @example
 * const model = tutorialCnn(toChannelsLast([3, 64, 64]), { filters: [128, 64] }, 42);
 * console.log(modelSummary(model));
 */
import * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../base/errors.ts';
import { deriveSeed } from '../base/rng.ts';
import { loadModel, modelJsonPath } from './model-io.ts';
import { addClassifierHead } from './cnn-head.ts';
import type { TutorialCnnOptions } from './build-config.ts';

export { saveModel, loadModel, readModelMetadata, fileLoadHandler, fileSaveHandler } from './model-io.ts';

export type { TutorialCnnOptions } from './build-config.ts';

const CHANNEL_COUNTS = new Set([1, 3, 4]);

/** The output layer a task needs: Dense(1, sigmoid) binary, Dense(K, softmax) multi-class and ordinal, Dense(K, sigmoid) multi-label. */
export interface Head {
  readonly units: number;
  readonly activation: 'sigmoid' | 'softmax';
}

export const BINARY_HEAD: Head = { units: 1, activation: 'sigmoid' };

/**
 * Converts a channels-first shape [c, h, w] (the tutorial's `(3, 64, 64)`) to tfjs' channels-last
 * [h, w, c]. Rule: a 3-element shape whose FIRST dim is 1, 3 or 4 and whose LAST dim is not one of
 * those is channels-first and gets moved; every other 3-element shape is already [h, w, c] and is
 * returned unchanged (so [64, 64, 3] and the ambiguous [3, 4, 4] stay as they are).
 */
export function toChannelsLast(shape: readonly number[]): [number, number, number] {
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new MedpipeError('INVALID_CONFIG', `An image input shape needs 3 positive integers, got [${shape.join(', ')}].`, {
      fix: 'Give [height, width, channels] (or channels-first [channels, height, width]), e.g. [64, 64, 3].',
    });
  }
  const [a, b, c] = shape as [number, number, number];
  return CHANNEL_COUNTS.has(a) && !CHANNEL_COUNTS.has(c) ? [b, c, a] : [a, b, c];
}

function seeded(seed: number | undefined, ...parts: string[]): number | undefined {
  return seed === undefined ? undefined : deriveSeed(seed, 'init', ...parts);
}

function checkPositive(name: string, values: readonly number[], integer: boolean): void {
  for (const v of values) {
    if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw new MedpipeError('INVALID_CONFIG', `tutorialCnn ${name} must be positive ${integer ? 'integers' : 'numbers'}, got [${values.join(', ')}].`, {
        fix: `Pass ${name} like the tutorial's defaults.`,
      });
    }
  }
}

/**
 * The tutorial's CNN: Conv2D(128, 5x5) → Conv2D(64, 3x3) (both relu, L2, 'same') → MaxPool 2x2 →
 * BatchNorm → Flatten (or global average pooling) → Dropout → Dense(1, sigmoid, GlorotNormal) — or the task's `head`, e.g.
 * Dense(K, softmax). Both convolutions run at full resolution (one pooling, after them), as in the
 * tutorial. Convolutions use Keras' default GlorotUniform, seeded.
 * Without `seed`, initial weights are random (tfjs' unseeded initializers).
 */
export function tutorialCnn(
  inputShape: readonly [number, number, number],
  options: TutorialCnnOptions = {},
  seed?: number,
  head: Head = BINARY_HEAD,
): tf.Sequential {
  const [h, w, c] = toChannelsLast(inputShape);
  const filters = options.filters ?? [128, 64];
  const kernels = options.kernels ?? [5, 3];
  const l2 = options.l2 ?? 1e-3;
  const rate = options.dropout ?? 0.5;
  const padding = options.padding ?? 'same';
  const momentum = options.batchNormMomentum ?? 0.99;
  checkPositive('filters', filters, true);
  checkPositive('kernels', kernels, true);
  if (!Number.isFinite(l2) || l2 < 0)
    throw new MedpipeError('INVALID_CONFIG', `tutorialCnn l2 must be >= 0, got ${l2}.`, { fix: 'Use e.g. 1e-3, or 0 for none.' });
  if (!(rate >= 0 && rate < 1)) throw new MedpipeError('INVALID_CONFIG', `tutorialCnn dropout must be in [0, 1), got ${rate}.`, { fix: 'Use e.g. 0.5.' });
  // Outside [0, 1) the moving statistics diverge (> 1), go NaN, or never leave their start (1): inference would silently be wrong.
  if (!(momentum >= 0 && momentum < 1))
    throw new MedpipeError('INVALID_CONFIG', `tutorialCnn batchNormMomentum must be in [0, 1), got ${momentum}.`, {
      fix: 'Use 0.99 (the tutorial), or 0.9 for small data sets.',
    });
  if (padding !== 'same' && padding !== 'valid')
    throw new MedpipeError('INVALID_CONFIG', `tutorialCnn padding must be 'same' or 'valid', got ${String(padding)}.`, { fix: "Use 'same'." });

  // Spatial size after the two convolutions and the pooling, so an impossible shape fails here with a clear message.
  const convolved = padding === 'same' ? [h, w] : [h, w].map((d) => d - kernels[0] - kernels[1] + 2);
  if (convolved.some((d) => Math.floor(d / 2) < 1)) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `Images of ${h}x${w} are too small for the tutorial CNN (kernels ${kernels.join(', ')}, padding '${padding}', a 2x2 pooling).`,
      {
        fix: "Resize the images to at least 2x2 (more with padding 'valid'), or use padding 'same' / smaller kernels.",
      },
    );
  }

  const model = tf.sequential();
  for (let i = 0; i < 2; i++) {
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [h, w, c] } : {}),
        filters: filters[i],
        kernelSize: kernels[i],
        padding,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seeded(seed, 'conv', String(i)) }),
        kernelRegularizer: l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined,
      }),
    );
  }
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.batchNormalization({ momentum }));
  addClassifierHead(model, { pooling: options.pooling, dropout: rate, dropoutSeed: seeded(seed, 'dropout'), headSeed: seeded(seed, 'head') }, head);
  return model;
}

export interface LoadBaseModelOptions {
  /**
   * true freezes every layer of the base; a number n freezes all but its last n layers that have
   * weights (layers without weights — pooling, flatten — are not counted). The new head always trains.
   * @default false
   */
  readonly freeze?: boolean | number;
  /** The data's [h, w, c]; must fit the base model's input. */
  readonly inputShape: readonly [number, number, number];
  /** Seed of the new head's GlorotNormal initializer. */
  readonly seed?: number;
  /** The output the task needs. @default one sigmoid unit (binary) */
  readonly head?: Head;
}

function isHead(layer: tf.layers.Layer, outputShape: readonly (number | null)[], head: Head): boolean {
  const config = layer.getConfig() as { activation?: unknown };
  return outputShape.length === 2 && outputShape[1] === head.units && config.activation === head.activation;
}

/**
 * A saved tfjs Layers model as a transfer-learning base. If its output is already the task's head
 * (one sigmoid unit; K softmax units; K sigmoids) it is used as is; otherwise a final Dense
 * classifier (if any) is dropped and a new head is put on the features: GlobalAveragePooling2D for
 * feature maps, Flatten for other ranks > 2, then Dense(units, activation, GlorotNormal). Frozen BatchNorm layers run in inference mode during `fitModel`
 * (Keras' rule for fine-tuning).
 */
export async function loadBaseModel(dir: string, options: LoadBaseModelOptions): Promise<tf.LayersModel> {
  const jsonPath = modelJsonPath(dir);
  const base = await loadModel(dir);
  const want = toChannelsLast(options.inputShape);
  if (base.inputs.length !== 1) {
    throw new MedpipeError('MODEL_LOAD', `The base model at ${jsonPath} has ${base.inputs.length} inputs; medpipe feeds one image input.`, {
      file: jsonPath,
      fix: 'Use a base model with a single image input.',
    });
  }
  const got = base.inputs[0].shape;
  const fits = got.length === 4 && want.every((d, i) => got[i + 1] == null || got[i + 1] === d);
  if (!fits) {
    throw new MedpipeError(
      'MODEL_LOAD',
      `The base model at ${jsonPath} expects input [${got
        .slice(1)
        .map((d) => d ?? '?')
        .join(', ')}] but the images are [${want.join(', ')}].`,
      {
        file: jsonPath,
        fix: `Resize the images to the base model's input (a resize stage before build), or use a base model made for [${want.join(', ')}].`,
      },
    );
  }
  const last = base.layers[base.layers.length - 1];
  const outShape = base.outputs[0].shape;
  let kept = base.layers;
  let model: tf.LayersModel = base;
  const head = options.head ?? BINARY_HEAD;
  if (base.outputs.length !== 1 || !isHead(last, outShape, head)) {
    let features = base.outputs[0];
    if (last.getClassName() === 'Dense' && base.outputs.length === 1) {
      features = last.input as tf.SymbolicTensor;
      kept = base.layers.slice(0, -1);
    }
    if (features.shape.length === 4) features = tf.layers.globalAveragePooling2d({}).apply(features) as tf.SymbolicTensor;
    else if (features.shape.length > 2) features = tf.layers.flatten().apply(features) as tf.SymbolicTensor;
    const output = tf.layers
      .dense({
        units: head.units,
        activation: head.activation,
        kernelInitializer: tf.initializers.glorotNormal({ seed: options.seed === undefined ? undefined : deriveSeed(options.seed, 'init', 'head') }),
      })
      .apply(features) as tf.SymbolicTensor;
    model = tf.model({ inputs: base.inputs, outputs: output });
  }
  const freeze = options.freeze ?? false;
  if (freeze !== false) {
    if (typeof freeze === 'number' && !(Number.isInteger(freeze) && freeze >= 0)) {
      throw new MedpipeError('INVALID_CONFIG', `freeze must be true, false or a whole number of trainable last layers (got ${freeze}).`, {
        fix: 'Use e.g. freeze: true or freeze: 2.',
      });
    }
    // n counts layers that have weights: "train the last 2 layers" means the last 2 that can learn.
    let frozen = kept.length;
    if (freeze !== true && freeze > 0) {
      let seen = 0;
      for (frozen = kept.length - 1; frozen > 0; frozen--) {
        if (kept[frozen].weights.length > 0 && ++seen === freeze) break;
      }
    }
    kept.forEach((layer, i) => {
      layer.trainable = i >= frozen;
    });
  }
  return model;
}

/** The model's summary table as text (what `model.summary()` prints). */
export function modelSummary(model: tf.LayersModel): string {
  const lines: string[] = [];
  model.summary(undefined, undefined, (...parts: unknown[]) => {
    lines.push(parts.map(String).join(' '));
  });
  return lines.join('\n');
}
