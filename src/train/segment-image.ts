/**
 * Segments one new image as evaluate.segmentation did: decoded as ingest decoded the training images
 * (resize, channels), scaled as split.segmentation scaled them (per image, inside the ROI when one is
 * given), sliding-window probabilities, resized bilinearly back to the file's own size and only then
 * thresholded (binary) or arg-maxed — the same rule as evaluate's `resolution: 'original'`.
 *
 * @example
 *   const { mask, height, width } = await segmentImage(model, info, await readFile(f), f);
 */
import type * as tf from '@tensorflow/tfjs';
import { decodeSegmentationImage } from '../data/segmentation-decode.ts';
import { scaleIntensity } from '../data/segmentation-set.ts';
import { toFloat32 } from '../io/decode-bytes.ts';
import { resizeNearest, type Mask } from '../io/read-mask.ts';
import { resizeProbabilities } from './original-size.ts';
import type { SegmentationModelInfo } from './segmentation-model.ts';
import { labelsOf, slidingWindowPredict } from './sliding-window.ts';

export interface SegmentedImage {
  readonly height: number;
  readonly width: number;
  /** Class index per pixel at the file's own size. */
  readonly mask: Uint8Array;
  /** Probabilities [height, width, k] (k = 1 for binary: the foreground's). */
  readonly probs: Float32Array;
  readonly channels: number;
}

export async function segmentImage(
  model: tf.LayersModel,
  info: SegmentationModelInfo,
  bytes: Uint8Array,
  file: string,
  options: { readonly roi?: Mask; readonly threshold?: number } = {},
): Promise<SegmentedImage> {
  const image = await decodeSegmentationImage(bytes, file, info.input);
  const [h, w, c] = image.shape;
  const roi = options.roi ? resizeNearest(options.roi, h, w).data : undefined;
  const pixels = scaleIntensity(toFloat32(image.data), c, image.range, roi, info.intensity);
  return segmentPixels(model, info, pixels, [h, w, c], image.own, options.threshold);
}

/** The same for pixels already decoded and scaled (a NIfTI slice). */
export async function segmentPixels(
  model: tf.LayersModel,
  info: SegmentationModelInfo,
  pixels: Float32Array,
  shape: readonly [number, number, number],
  own: { readonly height: number; readonly width: number },
  threshold = info.threshold,
): Promise<SegmentedImage> {
  const [h, w] = shape;
  const stored = await slidingWindowPredict(model, pixels, shape, { size: info.inputShape[0], overlap: info.overlap });
  const k = info.classes.length === 2 ? 1 : info.classes.length;
  const probs = own.height === h && own.width === w ? stored : resizeProbabilities(stored, h, w, k, own.height, own.width);
  return { height: own.height, width: own.width, mask: labelsOf(probs, own.height * own.width, k, threshold), probs, channels: k };
}
