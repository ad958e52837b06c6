/**
 * Scoring at the files' own size when ingest resized the images: the model's probabilities (at the
 * stored size) are resized bilinearly to the original size and only then thresholded (or arg-maxed),
 * and compared with the masks as the files drew them (never interpolated). Why the probabilities and
 * not the mask: an interpolated probability map crosses the threshold between stored pixels, so a
 * boundary (or a vessel one stored pixel wide) stays smooth at the finer grid, where a
 * nearest-neighbour upsampled mask is a staircase of whole stored pixels — nnU-Net resamples its
 * softmax the same way before exporting a segmentation.
 *
 * @example
 *   const view = atOriginalSize(sample, probs, 1, [1, 1]); // view.sample.mask is the original mask
 */
import type { SegmentationSample } from '../data/segmentation-types.ts';
import { resizeBilinear } from '../io/resize.ts';

/** One image as it is scored: the sample (at the scoring size), its probabilities there and its pixel spacing. */
export interface ScoredImage {
  readonly sample: SegmentationSample;
  readonly probs: Float32Array;
  readonly spacing: readonly [number, number];
}

/** `probs` [h, w, k] resized bilinearly (pixel centres aligned) to height x width. */
export function resizeProbabilities(probs: Float32Array, height: number, width: number, k: number, toHeight: number, toWidth: number): Float32Array {
  return resizeBilinear(probs, [height, width, k], toHeight, toWidth);
}

/** The sample and its probabilities at the files' own size (unchanged when ingest did not resize it); `spacing` is the stored pixels'. */
export function atOriginalSize(sample: SegmentationSample, probs: Float32Array, outChannels: number, spacing: readonly [number, number]): ScoredImage {
  const o = sample.original;
  if (!o) return { sample, probs, spacing };
  const { original: _, ...rest } = sample;
  return {
    sample: {
      ...rest,
      height: o.height,
      width: o.width,
      // Only the overlay's background: the image is never scored.
      pixels: resizeBilinear(sample.pixels, [sample.height, sample.width, sample.channels], o.height, o.width),
      mask: o.mask,
      ...(o.roi ? { roi: o.roi } : sample.roi ? { roi: new Uint8Array(o.height * o.width).fill(1) } : {}),
      ...(o.observer ? { observer: o.observer } : {}),
    },
    probs: resizeProbabilities(probs, sample.height, sample.width, outChannels, o.height, o.width),
    spacing: o.spacing,
  };
}
