/**
 * Batched inference over a set of images (in memory, or read from the cache's shards by the
 * loader), in inference mode (dropout off, BatchNorm on its moving statistics), disposing every
 * tensor it makes.
 *
 * @example
 * const scores = await predictScores(model, { x, y, count, shape: [64, 64, 1] });
 */
import * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../base/errors.ts';
import { inOrder, memorySource, type ImageSource } from '../data/loader/image-source.ts';

/** The images and labels a training or inference pass reads. */
export type FitData = {
  /** count labels, 0 or 1. */
  readonly y: Float32Array;
  readonly count: number;
  /** [h, w, c] */
  readonly shape: readonly [number, number, number];
} & (
  | {
      /** count · h · w · c pixels, NHWC, sample i at [i·h·w·c, (i+1)·h·w·c). */
      readonly x: Float32Array;
    }
  | {
      /** The loader over the cache's shards. */
      readonly images: ImageSource;
    }
);

/** The data's images as a source of batches. */
export function imagesOf(data: FitData): ImageSource {
  return 'images' in data ? data.images : memorySource(data.x, data.shape);
}

/** Throws SHAPE_MISMATCH when the buffers, the shape and the model's input disagree. */
export function checkData(model: tf.LayersModel, data: FitData, name: string): void {
  const [h, w, c] = data.shape;
  const size = h * w * c;
  const values = 'x' in data ? data.x.length : data.images.count * size;
  const sameShape = 'x' in data || data.images.shape.every((d, i) => d === data.shape[i]);
  if (!Number.isInteger(data.count) || data.count < 0 || values !== data.count * size || data.y.length !== data.count || !sameShape) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `The ${name} data says ${data.count} images of [${data.shape.join(', ')}] but holds ${values} pixel values and ${data.y.length} labels.`,
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

/** Scores (the sigmoid output) for every image, in order. */
export async function predictScores(model: tf.LayersModel, data: FitData, batchSize = 32): Promise<Float32Array> {
  checkData(model, data, 'prediction');
  const [h, w, c] = data.shape;
  const size = h * w * c;
  const scores = new Float32Array(data.count);
  let start = 0;
  for await (const pixels of imagesOf(data).batches(inOrder(data.count), batchSize)) {
    const n = pixels.length / size;
    const out = tf.tidy(() => {
      const x = tf.tensor4d(pixels, [n, h, w, c]);
      return model.predict(x) as tf.Tensor;
    });
    try {
      scores.set(await out.data(), start);
    } finally {
      out.dispose();
    }
    start += n;
  }
  return scores;
}
