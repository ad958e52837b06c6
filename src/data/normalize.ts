import { MedpipeError } from '../base/errors.ts';
import { stackWindows } from '../io/window.ts';
import { sampleSize, type ImageSet } from './image-set.ts';
import type { NormalizeConfig } from './normalize-config.ts';

/** Applies a per-image function to every sample of a contiguous buffer. */
function perImage(set: ImageSet, fn: (image: Float32Array, index: number) => void): Float32Array {
  const size = sampleSize(set.shape);
  const pixels = set.pixels.slice();
  for (let i = 0; i < set.samples.length; i++) fn(pixels.subarray(i * size, (i + 1) * size), i);
  return pixels;
}

/**
 * Normalizes every image of a set (dataset z-score is only recorded here: split fits it on train).
 * @example
 *   normalizeImageSet(set, { method: 'clip', low: -1000, high: 400 })
 */
export function normalizeImageSet(set: ImageSet, config: NormalizeConfig): ImageSet {
  if (config.method === 'window' && set.shape[2] !== 1) {
    throw new MedpipeError('SHAPE_MISMATCH', `Windowing needs single-channel images, got ${set.shape[2]} channels.`, {
      fix: 'Set channels: 1 on the ingest stage; windows on grey values (HU) are stacked into channels.',
    });
  }
  const step = { step: 'normalize' as const, ...config };
  switch (config.method) {
    case 'rescale': {
      const pixels = perImage(set, (image, i) => {
        const lo = Math.min(0, set.ranges[i * 2]!);
        const hi = set.ranges[i * 2 + 1]!;
        const scale = hi > lo ? 1 / (hi - lo) : 1;
        for (let k = 0; k < image.length; k++) image[k] = (image[k]! - lo) * scale;
      });
      return { ...set, pixels, preprocessing: [...set.preprocessing, step] };
    }
    case 'minmax': {
      const pixels = perImage(set, (image) => {
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of image) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const scale = hi > lo ? 1 / (hi - lo) : 0;
        for (let k = 0; k < image.length; k++) image[k] = (image[k]! - lo) * scale;
      });
      return { ...set, pixels, preprocessing: [...set.preprocessing, step] };
    }
    case 'zscore': {
      if ((config.scope ?? 'dataset') === 'dataset') {
        // Fitted later on the training split only (see split.run.ts).
        return { ...set, deferred: [...set.deferred, { method: 'zscore', perChannel: config.perChannel ?? false }] };
      }
      const pixels = perImage(set, (image) => {
        let sum = 0;
        for (const v of image) sum += v;
        const mean = sum / image.length;
        let sq = 0;
        for (const v of image) sq += (v - mean) ** 2;
        const std = Math.sqrt(sq / image.length) || 1;
        for (let k = 0; k < image.length; k++) image[k] = (image[k]! - mean) / std;
      });
      return { ...set, pixels, preprocessing: [...set.preprocessing, step] };
    }
    case 'clip': {
      const { low, high } = config;
      const pixels = perImage(set, (image) => {
        for (let k = 0; k < image.length; k++) image[k] = (Math.min(Math.max(image[k]!, low), high) - low) / (high - low);
      });
      return { ...set, pixels, preprocessing: [...set.preprocessing, step] };
    }
    case 'window': {
      const [h, w] = set.shape;
      const n = config.windows.length;
      const size = sampleSize(set.shape);
      const pixels = new Float32Array(set.samples.length * h * w * n);
      for (let i = 0; i < set.samples.length; i++) {
        const stacked = stackWindows(set.pixels.subarray(i * size, (i + 1) * size), set.shape, config.windows);
        pixels.set(stacked.data, i * h * w * n);
      }
      const ranges = new Float32Array(set.samples.length * 2).map((_, k) => (k % 2 === 0 ? 0 : 1));
      return { ...set, pixels, ranges, shape: [h, w, n], preprocessing: [...set.preprocessing, step] };
    }
  }
}
