/**
 * A compact CNN for small images on a CPU: blocks of 3x3 convolution (relu, 'same') + 2x2 max-pool,
 * then Flatten (or global average pooling) → Dropout → the task's head. With `batchNorm` each block is
 * conv + relu → BatchNorm → pool (the tutorial CNN's order: normalised after the nonlinearity). Each block halves the resolution, so the later (wider)
 * convolutions run on small maps: for 64x64 inputs the default 16-32-64 blocks cost about 10 M
 * multiply-adds per image, a quarter of the tutorial CNN with 32+32 filters (whose convolutions both
 * run at full resolution), and the last block's units see most of the image. Initializers seeded.
 *
 * @example
 *   const model = compactCnn([64, 64, 1], { filters: [16, 32, 64] }, 42, { units: 4, activation: 'softmax' });
 */
import * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../base/errors.ts';
import { deriveSeed } from '../base/rng.ts';
import type { CompactCnnOptions } from './build-config.ts';
import { addClassifierHead } from './cnn-head.ts';
import { BINARY_HEAD, type Head } from './model.ts';

export function compactCnn(
  inputShape: readonly [number, number, number],
  options: CompactCnnOptions = {},
  seed?: number,
  head: Head = BINARY_HEAD,
): tf.Sequential {
  const filters = options.filters ?? [16, 32, 64];
  const rate = options.dropout ?? 0.5;
  const [h, w] = inputShape;
  if (Math.min(h, w) >> filters.length < 1) {
    throw new MedpipeError('SHAPE_MISMATCH', `Images of ${h}x${w} are too small for ${filters.length} pooling blocks (each halves the size).`, {
      fix: `Use at most ${Math.floor(Math.log2(Math.min(h, w)))} blocks (filters), or larger images.`,
    });
  }
  const seeded = (...parts: string[]) => (seed === undefined ? undefined : deriveSeed(seed, 'init', 'compact', ...parts));
  const model = tf.sequential();
  filters.forEach((count, i) => {
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [...inputShape] } : {}),
        filters: count,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seeded('conv', String(i)) }),
      }),
    );
    if (options.batchNorm) model.add(tf.layers.batchNormalization({ momentum: options.batchNormMomentum ?? 0.99 }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  addClassifierHead(model, { pooling: options.pooling, dropout: rate, dropoutSeed: seeded('dropout'), headSeed: seeded('head') }, head);
  return model;
}
