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
import { outputUnits, type ClassificationTask } from '../data/task.ts';

/** The images and labels a training or inference pass reads. */
export type FitData = {
  /** The labels: count values 0/1 (binary), count class indices (multi-class, ordinal) or count·K 0/1 findings (multi-label). */
  readonly y: Float32Array;
  readonly count: number;
  /** [h, w, c] */
  readonly shape: readonly [number, number, number];
  /** What `y` holds. @default 'binary' */
  readonly task?: ClassificationTask;
  /** Classes or findings K. @default 2 */
  readonly classes?: number;
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

/** Output units the model must have for `data`: 1 (binary) or K. */
export function unitsOf(data: Pick<FitData, 'task' | 'classes'>): number {
  return outputUnits(data.task ?? 'binary', data.classes ?? 2);
}

/** Label values per sample in `y`: K for multi-label, else 1. */
export function labelWidth(data: Pick<FitData, 'task' | 'classes'>): number {
  return data.task === 'multilabel' ? (data.classes ?? 2) : 1;
}

/** Throws SHAPE_MISMATCH when the buffers, the shape, the model's input and its head disagree. */
export function checkData(model: tf.LayersModel, data: FitData, name: string): void {
  const [h, w, c] = data.shape;
  const size = h * w * c;
  const values = 'x' in data ? data.x.length : data.images.count * size;
  const sameShape = 'x' in data || data.images.shape.every((d, i) => d === data.shape[i]);
  if (!Number.isInteger(data.count) || data.count < 0 || values !== data.count * size || data.y.length !== data.count * labelWidth(data) || !sameShape) {
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
  const units = unitsOf(data);
  if (model.outputs.length !== 1 || out.length !== 2 || out[1] !== units) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `The model's output is [${out.map((d) => d ?? '?').join(', ')}]; this ${data.task ?? 'binary'} task needs ${headWords(data)}.`,
      {
        fix: `End the model with ${headCode(data)}.`,
      },
    );
  }
}

/** The head a task needs, in words and as code (for errors). */
export function headWords(data: Pick<FitData, 'task' | 'classes'>): string {
  const task = data.task ?? 'binary';
  const k = data.classes ?? 2;
  return task === 'binary' ? 'one sigmoid unit' : task === 'multilabel' ? `${k} sigmoid units (one per finding)` : `${k} softmax units (one per class)`;
}

export function headCode(data: Pick<FitData, 'task' | 'classes'>): string {
  const task = data.task ?? 'binary';
  return `tf.layers.dense({ units: ${unitsOf(data)}, activation: '${task === 'binary' || task === 'multilabel' ? 'sigmoid' : 'softmax'}' })`;
}

/** Scores (the model's output) for every image, in order: one per image (binary), or K per image, row by row. */
export async function predictScores(model: tf.LayersModel, data: FitData, batchSize = 32): Promise<Float32Array> {
  checkData(model, data, 'prediction');
  const [h, w, c] = data.shape;
  const size = h * w * c;
  const units = unitsOf(data);
  const scores = new Float32Array(data.count * units);
  let start = 0;
  // Each batch's tensor is disposed before the next is asked for: its buffer can be refilled.
  for await (const pixels of imagesOf(data).batches(inOrder(data.count), batchSize, undefined, { reuse: true })) {
    const n = pixels.length / size;
    const out = tf.tidy(() => {
      const x = tf.tensor4d(pixels, [n, h, w, c]);
      return model.predict(x) as tf.Tensor;
    });
    try {
      scores.set(await out.data(), start * units);
    } finally {
      out.dispose();
    }
    start += n;
  }
  return scores;
}
