/**
 * The recorded preprocessing steps replayed on one image: what the loader does to every record it
 * reads (training, evaluation, Grad-CAM) and what `predict` does to a new file, so the two can never
 * disagree. Each step writes float32, exactly as when normalize materialised whole arrays.
 */
import { stackWindows } from '../io/window.ts';
import type { ImageShape } from './types.ts';
import { isFittedZscore, type PreprocessStep } from './preprocessing.ts';

export interface TransformedImage {
  readonly pixels: Float32Array;
  readonly shape: ImageShape;
}

/** The shape an image of `shape` has after `steps` (only windowing changes it). */
export function shapeAfter(shape: ImageShape, steps: readonly PreprocessStep[]): ImageShape {
  let out = shape;
  for (const step of steps) if (step.step === 'normalize' && step.method === 'window') out = [out[0], out[1], step.windows.length];
  return out;
}

/**
 * Applies every normalize step of `steps` in order to one image (in place where the shape stays).
 * A dataset z-score whose statistics are not fitted yet is skipped: `split` fits it on the training
 * split and appends the fitted step.
 * @example
 *   const { pixels } = applySteps(record, [28, 28, 1], [0, 255], splits.preprocessing);
 */
export function applySteps(pixels: Float32Array, shape: ImageShape, range: readonly [number, number], steps: readonly PreprocessStep[]): TransformedImage {
  let image = pixels;
  let current = shape;
  let [rangeLo, rangeHi] = range;
  for (const step of steps) {
    if (step.step !== 'normalize') continue;
    if (isFittedZscore(step)) {
      const c = current[2];
      if (!step.perChannel || c === 1) {
        const mean = step.mean[0]!;
        const std = step.std[0]!;
        for (let k = 0; k < image.length; k++) image[k] = (image[k]! - mean) / std;
      } else {
        for (let k = 0; k < image.length; k++) image[k] = (image[k]! - step.mean[k % c]!) / step.std[k % c]!;
      }
      continue;
    }
    switch (step.method) {
      case 'rescale': {
        const lo = Math.min(0, rangeLo);
        const scale = rangeHi > lo ? 1 / (rangeHi - lo) : 1;
        for (let k = 0; k < image.length; k++) image[k] = (image[k]! - lo) * scale;
        break;
      }
      case 'minmax': {
        let lo = Infinity;
        let hi = -Infinity;
        for (let k = 0; k < image.length; k++) {
          const v = image[k]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const scale = hi > lo ? 1 / (hi - lo) : 0;
        for (let k = 0; k < image.length; k++) image[k] = (image[k]! - lo) * scale;
        break;
      }
      case 'zscore': {
        if ((step.scope ?? 'dataset') === 'dataset') break; // fitted later; its fitted step follows
        let sum = 0;
        for (let k = 0; k < image.length; k++) sum += image[k]!;
        const mean = sum / image.length;
        let sq = 0;
        for (let k = 0; k < image.length; k++) sq += (image[k]! - mean) ** 2;
        const std = Math.sqrt(sq / image.length) || 1;
        for (let k = 0; k < image.length; k++) image[k] = (image[k]! - mean) / std;
        break;
      }
      case 'clip': {
        const { low, high } = step;
        for (let k = 0; k < image.length; k++) image[k] = (Math.min(Math.max(image[k]!, low), high) - low) / (high - low);
        break;
      }
      case 'window': {
        const stacked = stackWindows(image, current, step.windows);
        image = stacked.data;
        current = stacked.shape;
        [rangeLo, rangeHi] = [0, 1];
        break;
      }
    }
  }
  return { pixels: image, shape: current };
}
