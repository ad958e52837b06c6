/**
 * Test-time augmentation by mirroring: the model's outputs averaged over the image and its mirrored
 * copies (left-right, up-down, both), for images whose mirror is still a plausible image of the same
 * class (fundus photographs, skin lesions, histology; not chest X-rays). Flips are exact pixel
 * permutations, so nothing is interpolated.
 *
 * @example
 *   const scores = await predictTta(model, data, { horizontalFlip: true, verticalFlip: true });
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageSource } from '../data/loader/image-source.ts';
import type { FitData } from './predict.ts';

export interface TtaConfig {
  readonly horizontalFlip?: boolean;
  readonly verticalFlip?: boolean;
}

/** The [left-right, up-down] flips averaged over, the unflipped image first. */
export function ttaVariants(tta: TtaConfig | undefined): [boolean, boolean][] {
  const out: [boolean, boolean][] = [[false, false]];
  if (tta?.horizontalFlip) out.push([true, false]);
  if (tta?.verticalFlip) out.push([false, true]);
  if (tta?.horizontalFlip && tta.verticalFlip) out.push([true, true]);
  return out;
}

/** A copy of `count` NHWC images, each mirrored left-right and/or up-down. */
export function flipImages(x: Float32Array, shape: readonly [number, number, number], count: number, horizontal: boolean, vertical: boolean): Float32Array {
  const [h, w, c] = shape;
  const out = new Float32Array(count * h * w * c);
  for (let i = 0; i < count; i++) {
    const base = i * h * w * c;
    for (let y = 0; y < h; y++) {
      const sy = vertical ? h - 1 - y : y;
      for (let xx = 0; xx < w; xx++) {
        const sx = horizontal ? w - 1 - xx : xx;
        const to = base + (y * w + xx) * c;
        const from = base + (sy * w + sx) * c;
        for (let k = 0; k < c; k++) out[to + k] = x[from + k]!;
      }
    }
  }
  return out;
}

/** `source` with every image it hands out mirrored (each batch flipped as it arrives). */
export function mirroredSource(source: ImageSource, horizontal: boolean, vertical: boolean): ImageSource {
  return {
    count: source.count,
    shape: source.shape,
    async *batches(indices, batchSize, augment, options) {
      for await (const batch of source.batches(indices, batchSize, augment, options)) {
        yield flipImages(batch, source.shape, batch.length / (source.shape[0] * source.shape[1] * source.shape[2]), horizontal, vertical);
      }
    },
  };
}

/** predictScores averaged over `ttaVariants(tta)` (the plain scores when no flip is asked for). */
export async function predictTta(model: tf.LayersModel, data: FitData, tta: TtaConfig | undefined, batchSize = 32): Promise<Float32Array> {
  const { imagesOf, predictScores } = await import('./predict.ts');
  const variants = ttaVariants(tta);
  if (variants.length === 1) return predictScores(model, data, batchSize);
  const { x: _memory, images: _source, ...rest } = data as FitData & { x?: unknown; images?: unknown };
  let sum: Float32Array | undefined;
  for (const [horizontal, vertical] of variants) {
    const images = horizontal || vertical ? mirroredSource(imagesOf(data), horizontal, vertical) : imagesOf(data);
    const scores = await predictScores(model, { ...rest, images }, batchSize);
    if (!sum) sum = Float32Array.from(scores);
    else for (let i = 0; i < sum.length; i++) sum[i] += scores[i]!;
  }
  for (let i = 0; i < sum!.length; i++) sum![i] /= variants.length;
  return sum!;
}

/** What metrics.json says its scores are when mirrored copies were averaged; undefined without TTA. */
export function ttaDescription(tta: TtaConfig | undefined): string | undefined {
  const variants = ttaVariants(tta);
  if (variants.length === 1) return undefined;
  const names = variants.slice(1).map(([h, v]) => (h && v ? 'its copy mirrored both ways' : h ? 'its left-right mirror' : 'its up-down mirror'));
  return `each score is the mean of the model's outputs over the image and ${names.join(', ')} (${variants.length} copies; test-time augmentation)`;
}
