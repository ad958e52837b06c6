/**
 * Random training patches from whole images, like MONAI's `RandCropByPosNegLabel`: each patch is
 * centred on a foreground pixel with probability pos / (pos + neg), else on a background pixel
 * (inside the ROI when there is one), so rare structures (vessels ≈ 9% of DRIVE) are seen often.
 * Each patch then gets one geometric transform, applied identically to image, mask and ROI
 * (bilinear / nearest), and the intensity changes on the image only.
 *
 * Two halves, so the loader (patch-source.ts) can cut patches in a worker thread while the model
 * trains: `drawPatches` makes every random choice (image, centre, transform) from the stream, in
 * the order the single-threaded sampler always did; `cutPatches` only copies and transforms pixels.
 * `samplePatches` = both on the calling thread (same patches for the same stream).
 *
 * @example
 * const batch = samplePatches(samples, indexPixels(samples), { size: 48, count: 16, positive: 1, negative: 1 }, rng, policy);
 */
import { MedpipeError } from '../../base/errors.ts';
import type { Rng } from '../../base/rng.ts';
import type { AugmentPolicy } from '../augment-policy.ts';
import { IDENTITY_TRANSFORM, isIdentityPolicy, sampleTransform, transformImage, type ImageTransform } from '../augment.ts';
import { transformMask } from '../augment-mask.ts';
import type { SegmentationSample } from '../segmentation-types.ts';

export interface PatchOptions {
  /** Square patch side in pixels. */
  readonly size: number;
  readonly count: number;
  /** Relative weight of foreground-centred patches. @default 1 */
  readonly positive?: number;
  /** Relative weight of background-centred patches. @default 1 */
  readonly negative?: number;
}

/** What patches are cut from: an image with its label map and optional ROI. */
export type PatchImage = Pick<SegmentationSample, 'id' | 'height' | 'width' | 'channels' | 'pixels' | 'mask' | 'roi'>;

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

/** One patch to cut: image `image`, top-left corner (y0, x0), its transform. */
export interface PatchDraw {
  readonly image: number;
  readonly y0: number;
  readonly x0: number;
  readonly transform: ImageTransform;
}

/** The random choices of one batch, and what `cutPatches` needs besides the images. */
export interface PatchPlan {
  readonly size: number;
  readonly draws: readonly PatchDraw[];
  readonly fill: NonNullable<AugmentPolicy['fill']>;
  readonly fillValue: number;
}

export function indexPixels(samples: readonly PatchImage[]): PatchIndex {
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

/** A clear error before training when an image is smaller than the patch. */
export function checkPatchFits(samples: readonly PatchImage[], size: number): void {
  for (const s of samples) {
    if (s.height < size || s.width < size) {
      throw new MedpipeError('SHAPE_MISMATCH', `${s.id} is ${s.width}x${s.height}, smaller than the ${size}x${size} training patch.`, {
        fix: 'Use a smaller patch size, or larger images.',
      });
    }
  }
}

/** Every random choice of a batch, drawn from `rng` in a fixed order per patch: image, side, centre, transform. */
export function drawPatches(samples: readonly PatchImage[], index: PatchIndex, options: PatchOptions, rng: Rng, policy?: AugmentPolicy): PatchPlan {
  const { size, count } = options;
  checkPatchFits(samples, size);
  const pos = options.positive ?? 1;
  const neg = options.negative ?? 1;
  const channels = samples[0]?.channels ?? 1;
  const augment = policy && !isIdentityPolicy(policy) ? policy : undefined;
  const draws: PatchDraw[] = [];
  for (let n = 0; n < count; n++) {
    const k = rng.int(samples.length);
    const s = samples[k]!;
    const wantForeground = rng.next() * (pos + neg) < pos;
    const pool =
      wantForeground && index.foreground[k]!.length > 0 ? index.foreground[k]! : index.background[k]!.length > 0 ? index.background[k]! : index.foreground[k]!;
    const centre = pool.length > 0 ? pool[rng.int(pool.length)]! : rng.int(s.height * s.width);
    const cy = Math.floor(centre / s.width);
    const cx = centre % s.width;
    const y0 = Math.min(Math.max(cy - (size >> 1), 0), s.height - size);
    const x0 = Math.min(Math.max(cx - (size >> 1), 0), s.width - size);
    const transform = augment ? sampleTransform(augment, [size, size, channels], rng) : IDENTITY_TRANSFORM;
    draws.push({ image: k, y0, x0, transform });
  }
  return { size, draws, fill: augment?.fill ?? 'nearest', fillValue: augment?.fillValue ?? 0 };
}

/** Copies and transforms the planned patches (no random numbers here). */
export function cutPatches(samples: readonly PatchImage[], plan: PatchPlan): PatchBatch {
  const { size, draws } = plan;
  const count = draws.length;
  const channels = samples[0]?.channels ?? 1;
  const x = new Float32Array(count * size * size * channels);
  const mask = new Uint8Array(count * size * size);
  const roi = new Uint8Array(count * size * size);
  const crop = new Float32Array(size * size * channels);
  const cropMask = new Uint8Array(size * size);
  const cropRoi = new Uint8Array(size * size);
  draws.forEach(({ image, y0, x0, transform: tr }, n) => {
    const s = samples[image]!;
    for (let y = 0; y < size; y++) {
      const row = (y0 + y) * s.width + x0;
      crop.set(s.pixels.subarray(row * channels, (row + size) * channels), y * size * channels);
      cropMask.set(s.mask.subarray(row, row + size), y * size);
      if (s.roi) cropRoi.set(s.roi.subarray(row, row + size), y * size);
      else cropRoi.fill(1, y * size, (y + 1) * size);
    }
    transformImage(crop, 0, x, n * size * size * channels, [size, size, channels], tr, plan.fill, plan.fillValue);
    transformMask(cropMask, mask.subarray(n * size * size, (n + 1) * size * size), size, size, tr, plan.fill);
    transformMask(cropRoi, roi.subarray(n * size * size, (n + 1) * size * size), size, size, tr, plan.fill);
  });
  return { count, size, channels, x, mask, roi };
}

/** Draws and cuts one batch on the calling thread. */
export function samplePatches(samples: readonly PatchImage[], index: PatchIndex, options: PatchOptions, rng: Rng, policy?: AugmentPolicy): PatchBatch {
  return cutPatches(samples, drawPatches(samples, index, options, rng, policy));
}
