/**
 * Random training patches from whole images, like MONAI's `RandCropByPosNegLabel`: each patch is
 * centred on a foreground pixel with probability pos / (pos + neg), else on a background pixel
 * (inside the ROI when there is one), so rare structures (vessels ≈ 9% of DRIVE) are seen often.
 * Each patch then gets one geometric transform, applied identically to image, mask and ROI
 * (bilinear / nearest), and the intensity changes on the image only.
 *
 * @example
 * const batch = samplePatches(samples, { size: 48, count: 16, positive: 1, negative: 1 }, rng, policy);
 */
import { MedpipeError } from '../base/errors.ts';
import type { Rng } from '../base/rng.ts';
import type { AugmentPolicy } from '../data/augment-policy.ts';
import type { SegmentationSample } from '../data/segmentation-types.ts';
import { IDENTITY_TRANSFORM, isIdentityPolicy, sampleTransform, transformImage } from '../data/augment.ts';
import { transformMask } from '../data/augment-mask.ts';

export interface PatchOptions {
  /** Square patch side in pixels. */
  readonly size: number;
  readonly count: number;
  /** Relative weight of foreground-centred patches. @default 1 */
  readonly positive?: number;
  /** Relative weight of background-centred patches. @default 1 */
  readonly negative?: number;
}

export interface PatchBatch {
  readonly count: number;
  readonly size: number;
  readonly channels: number;
  /** [count, size, size, channels] */
  readonly x: Float32Array;
  /** [count, size, size] class indices */
  readonly mask: Uint8Array;
  /** [count, size, size] 1 inside the ROI (all 1 without one) */
  readonly roi: Uint8Array;
}

/** Pixel indices of each image's foreground and (in-ROI) background, computed once per training run. */
export interface PatchIndex {
  readonly foreground: readonly Int32Array[];
  readonly background: readonly Int32Array[];
}

export function indexPixels(samples: readonly SegmentationSample[]): PatchIndex {
  const foreground: Int32Array[] = [];
  const background: Int32Array[] = [];
  for (const s of samples) {
    const fg: number[] = [];
    const bg: number[] = [];
    for (let i = 0; i < s.mask.length; i++) {
      if (s.mask[i] !== 0) fg.push(i);
      else if (!s.roi || s.roi[i] !== 0) bg.push(i);
    }
    foreground.push(Int32Array.from(fg));
    background.push(Int32Array.from(bg));
  }
  return { foreground, background };
}

export function samplePatches(samples: readonly SegmentationSample[], index: PatchIndex, options: PatchOptions, rng: Rng, policy?: AugmentPolicy): PatchBatch {
  const { size, count } = options;
  const channels = samples[0]?.channels ?? 1;
  for (const s of samples) {
    if (s.height < size || s.width < size) {
      throw new MedpipeError('SHAPE_MISMATCH', `${s.id} is ${s.width}x${s.height}, smaller than the ${size}x${size} training patch.`, {
        fix: 'Use a smaller patch size, or larger images.',
      });
    }
  }
  const pos = options.positive ?? 1;
  const neg = options.negative ?? 1;
  const x = new Float32Array(count * size * size * channels);
  const mask = new Uint8Array(count * size * size);
  const roi = new Uint8Array(count * size * size);
  const crop = new Float32Array(size * size * channels);
  const cropMask = new Uint8Array(size * size);
  const cropRoi = new Uint8Array(size * size);
  const augment = policy && !isIdentityPolicy(policy) ? policy : undefined;
  for (let n = 0; n < count; n++) {
    const k = rng.int(samples.length);
    const s = samples[k];
    const wantForeground = rng.next() * (pos + neg) < pos;
    const pool =
      wantForeground && index.foreground[k].length > 0 ? index.foreground[k] : index.background[k].length > 0 ? index.background[k] : index.foreground[k];
    const centre = pool.length > 0 ? pool[rng.int(pool.length)] : rng.int(s.height * s.width);
    const cy = Math.floor(centre / s.width);
    const cx = centre % s.width;
    const y0 = Math.min(Math.max(cy - (size >> 1), 0), s.height - size);
    const x0 = Math.min(Math.max(cx - (size >> 1), 0), s.width - size);
    for (let y = 0; y < size; y++) {
      const row = (y0 + y) * s.width + x0;
      crop.set(s.pixels.subarray(row * channels, (row + size) * channels), y * size * channels);
      cropMask.set(s.mask.subarray(row, row + size), y * size);
      if (s.roi) cropRoi.set(s.roi.subarray(row, row + size), y * size);
      else cropRoi.fill(1, y * size, (y + 1) * size);
    }
    const tr = augment ? sampleTransform(augment, [size, size, channels], rng) : IDENTITY_TRANSFORM;
    const fill = augment?.fill ?? 'nearest';
    transformImage(crop, 0, x, n * size * size * channels, [size, size, channels], tr, fill, augment?.fillValue ?? 0);
    transformMask(cropMask, mask.subarray(n * size * size, (n + 1) * size * size), size, size, tr, fill);
    transformMask(cropRoi, roi.subarray(n * size * size, (n + 1) * size * size), size, size, tr, fill);
  }
  return { count, size, channels, x, mask, roi };
}
