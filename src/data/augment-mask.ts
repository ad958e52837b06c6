/**
 * Joint augmentation for segmentation: one geometric transform applied identically to an image
 * (bilinear, plus the intensity changes) and to its mask and region of interest (nearest neighbour,
 * geometry only), so every label stays on the pixel it was drawn on.
 *
 * @example
 * const tr = sampleTransform(policy, [h, w, c], rng);
 * transformImage(img, 0, imgOut, 0, [h, w, c], tr, policy.fill);
 * transformMask(mask, maskOut, h, w, tr, policy.fill);
 */
import { fillIndex, inverseAffine, type ImageTransform } from './augment.ts';

/**
 * Samples `src` (one label per pixel) at the transform's inverse map with nearest-neighbour rounding.
 * Outside the image: 'nearest' and 'reflect' follow the image's fill, 'constant' gives 0 (background,
 * outside the ROI).
 */
export function transformMask(
  src: ArrayLike<number>,
  dst: Uint8Array | Float32Array,
  h: number,
  w: number,
  tr: ImageTransform,
  fill: 'nearest' | 'constant' | 'reflect' = 'nearest',
): void {
  const [a, b, e, c, d, f] = inverseAffine(tr, h, w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ix = fillIndex(Math.round(a * x + b * y + e), w, fill);
      const iy = fillIndex(Math.round(c * x + d * y + f), h, fill);
      dst[y * w + x] = ix < 0 || iy < 0 ? 0 : src[iy * w + ix];
    }
  }
}
