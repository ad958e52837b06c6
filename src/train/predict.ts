/**
 * Batched inference over a Float32Array of images, in inference mode (dropout off, BatchNorm
 * on its moving statistics), disposing every tensor it makes.
 *
 * @example
 * const scores = await predictScores(model, { x, y, count, shape: [64, 64, 1] });
 */
import * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../base/errors.ts';

export interface FitData {
  /** count · h · w · c pixels, NHWC, sample i at [i·h·w·c, (i+1)·h·w·c). */
  readonly x: Float32Array;
  /** count labels, 0 or 1. */
  readonly y: Float32Array;
  readonly count: number;
  /** [h, w, c] */
  readonly shape: readonly [number, number, number];
}

/** Throws SHAPE_MISMATCH when the buffers, the shape and the model's input disagree. */
export function checkData(model: tf.LayersModel, data: FitData, name: string): void {
  const [h, w, c] = data.shape;
  const size = h * w * c;
  if (!Number.isInteger(data.count) || data.count < 0 || data.x.length !== data.count * size || data.y.length !== data.count) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `The ${name} data says ${data.count} images of [${data.shape.join(', ')}] but holds ${data.x.length} pixel values and ${data.y.length} labels.`,
      {
        fix: `The ${name} pixel buffer must have count·h·w·c values and one label per image.`,
      },
    );
  }
  const input = model.inputs[0]?.shape ?? [];
  const fits = input.length === 4 && data.shape.every((d, i) => input[i + 1] == null || input[i + 1] === d);
  if (!fits) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `The model expects images of [${input
        .slice(1)
        .map((d) => d ?? '?')
        .join(', ')}] but the ${name} images are [${data.shape.join(', ')}].`,
      {
        fix: "Build the model with the data's shape (build stage after resize), or resize the images to the model's input.",
      },
    );
  }
  const out = model.outputs[0]?.shape ?? [];
  if (model.outputs.length !== 1 || out[out.length - 1] !== 1) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `The model's output is [${out.map((d) => d ?? '?').join(', ')}]; medpipe trains binary classifiers with one sigmoid unit.`,
      {
        fix: 'End the model with tf.layers.dense({ units: 1, activation: "sigmoid" }).',
      },
    );
  }
}

/** Copies images [start, start + n) of `data` (in the order of `order`, if given) into `into`. */
export function gatherImages(data: FitData, indices: ArrayLike<number>, start: number, n: number, into: Float32Array): void {
  const size = data.shape[0] * data.shape[1] * data.shape[2];
  for (let i = 0; i < n; i++) {
    const src = indices[start + i] * size;
    into.set(data.x.subarray(src, src + size), i * size);
  }
}

/** Scores (the sigmoid output) for every image, in order. */
export async function predictScores(model: tf.LayersModel, data: FitData, batchSize = 32): Promise<Float32Array> {
  checkData(model, data, 'prediction');
  const [h, w, c] = data.shape;
  const size = h * w * c;
  const scores = new Float32Array(data.count);
  for (let start = 0; start < data.count; start += batchSize) {
    const n = Math.min(batchSize, data.count - start);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(data.x.subarray(start * size, (start + n) * size), [n, h, w, c]);
      return model.predict(x) as tf.Tensor;
    });
    try {
      scores.set(await out.data(), start);
    } finally {
      out.dispose();
    }
  }
  return scores;
}
