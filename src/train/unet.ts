/**
 * A 2D U-Net (Ronneberger et al. 2015) in TensorFlow.js layers: at each of `depth` levels two 3x3
 * convolutions (+ BatchNorm) + ReLU, then 2x2 max pooling; a bottleneck; a decoder that upsamples,
 * concatenates the encoder's features of the same level (the skip connection) and convolves twice.
 * 'same' padding keeps the output the input's size. The head is a 1x1 convolution: one sigmoid unit
 * for a binary mask, K+1 softmax units for label maps with background plus K classes.
 *
 * @example
 *   const model = unet([64, 64, 3], 2, { depth: 3, baseFilters: 16 }, 42); // output [N, 64, 64, 1]
 */
import * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../base/errors.ts';
import { deriveSeed } from '../base/rng.ts';
import type { UnetOptions } from './unet-config.ts';

export function unet(inputShape: readonly [number, number, number], classes: number, options: UnetOptions = {}, seed?: number): tf.LayersModel {
  const [h, w, c] = inputShape;
  const depth = options.depth ?? 3;
  const base = options.baseFilters ?? 16;
  const batchNorm = options.batchNorm ?? true;
  const momentum = options.batchNormMomentum ?? 0.9;
  const rate = options.dropout ?? 0;
  const unit = 2 ** depth;
  if (h % unit !== 0 || w % unit !== 0) {
    throw new MedpipeError('SHAPE_MISMATCH', `A U-Net of depth ${depth} needs sides divisible by ${unit}; the input is ${h}x${w}.`, {
      fix: `Resize or crop patches to a multiple of ${unit} (e.g. ${Math.max(unit, Math.round(h / unit) * unit)}x${Math.max(unit, Math.round(w / unit) * unit)}), or lower depth.`,
    });
  }
  if (!Number.isInteger(classes) || classes < 2) {
    throw new MedpipeError('INVALID_CONFIG', `A U-Net needs at least 2 classes (background + 1), got ${classes}.`, {
      fix: 'Name the background and each foreground class.',
    });
  }
  let n = 0;
  const init = () => tf.initializers.heNormal({ seed: seed === undefined ? undefined : deriveSeed(seed, 'init', 'unet', String(n++)) });
  const convBlock = (x: tf.SymbolicTensor, filters: number): tf.SymbolicTensor => {
    for (let i = 0; i < 2; i++) {
      x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: !batchNorm, kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
      if (batchNorm) x = tf.layers.batchNormalization({ momentum }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    }
    return x;
  };
  const input = tf.input({ shape: [h, w, c] });
  const skips: tf.SymbolicTensor[] = [];
  let x = input;
  for (let level = 0; level < depth; level++) {
    x = convBlock(x, base * 2 ** level);
    skips.push(x);
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  }
  x = convBlock(x, base * 2 ** depth);
  if (rate > 0) x = tf.layers.dropout({ rate, seed: seed === undefined ? undefined : deriveSeed(seed, 'dropout', 'unet') }).apply(x) as tf.SymbolicTensor;
  for (let level = depth - 1; level >= 0; level--) {
    const filters = base * 2 ** level;
    if (options.upsampling === 'nearest') {
      x = tf.layers.upSampling2d({ size: [2, 2] }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.conv2d({ filters, kernelSize: 2, padding: 'same', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
    } else {
      x = tf.layers.conv2dTranspose({ filters, kernelSize: 2, strides: 2, padding: 'same', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.concatenate({ axis: -1 }).apply([skips[level], x]) as tf.SymbolicTensor;
    x = convBlock(x, filters);
  }
  const binary = classes === 2;
  const output = tf.layers
    .conv2d({
      filters: binary ? 1 : classes,
      kernelSize: 1,
      activation: binary ? 'sigmoid' : 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed === undefined ? undefined : deriveSeed(seed, 'init', 'unet', 'head') }),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'unet' });
}
