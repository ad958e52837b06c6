/**
 * On-the-fly augmentation of training batches: one random affine transform per image
 * (rotation, zoom, shear, translation and flips composed into a single matrix, sampled once with
 * bilinear interpolation), then brightness and contrast. Pure JS over Float32Array (NHWC), so it
 * costs the same on every backend and never allocates tensors.
 *
 * @example
 * const rng = createRng(7);
 * const out = augmentBatch(batch, [64, 64, 1], 32, { rotation: 10, zoom: 0.1 }, rng);
 */
import { MedpipeError } from '../base/errors.ts';
import type { Rng } from '../base/rng.ts';
import { nativeCodec, type NativeCodec } from '../io/native-codec.ts';
import type { AugmentPolicy } from './augment-policy.ts';

export { createRng, deriveSeed } from '../base/rng.ts';
export type { Rng } from '../base/rng.ts';

export type { AugmentPolicy } from './augment-policy.ts';

/** The random draw for one image. Angles in degrees, shifts in pixels. */
export interface ImageTransform {
  readonly rotation: number;
  readonly shear: number;
  readonly scale: number;
  readonly tx: number;
  readonly ty: number;
  readonly flipH: boolean;
  readonly flipV: boolean;
  /** Additive shift in pixel units (already multiplied by the image range). */
  readonly brightness: number;
  /** Contrast factor (1 = unchanged). */
  readonly contrast: number;
}

export const IDENTITY_TRANSFORM: ImageTransform = Object.freeze({
  rotation: 0,
  shear: 0,
  scale: 1,
  tx: 0,
  ty: 0,
  flipH: false,
  flipV: false,
  brightness: 0,
  contrast: 1,
});

/** Every problem in a policy (empty when valid), for validation before a run starts. */
export function validateAugmentPolicy(policy: AugmentPolicy): string[] {
  const issues: string[] = [];
  const nonNegative = (key: keyof AugmentPolicy, max?: number, maxText?: string): void => {
    const v = policy[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) issues.push(`augment.${key} must be a number >= 0 (got ${String(v)})`);
    else if (max !== undefined && v >= max) issues.push(`augment.${key} must be < ${maxText ?? max} (got ${v})`);
  };
  nonNegative('rotation', 360.0001, '360');
  nonNegative('translate', 1);
  nonNegative('zoom', 1);
  nonNegative('shear', 90);
  nonNegative('brightness');
  nonNegative('contrast', 1);
  if (policy.fill !== undefined && !['nearest', 'constant', 'reflect'].includes(policy.fill)) {
    issues.push(`augment.fill must be 'nearest', 'constant' or 'reflect' (got ${String(policy.fill)})`);
  }
  if (policy.fillValue !== undefined && !Number.isFinite(policy.fillValue)) issues.push('augment.fillValue must be a finite number');
  return issues;
}

/** True when the policy can never change an image (then augmentation is skipped entirely). */
export function isIdentityPolicy(policy: AugmentPolicy): boolean {
  return (
    !policy.rotation &&
    !policy.translate &&
    !policy.zoom &&
    !policy.shear &&
    !policy.brightness &&
    !policy.contrast &&
    !policy.horizontalFlip &&
    !policy.verticalFlip
  );
}

/** Draws one image's transform. Only enabled components consume random numbers. */
export function sampleTransform(policy: AugmentPolicy, shape: readonly [number, number, number], rng: Rng, range = 1): ImageTransform {
  const [h, w] = shape;
  const r = policy.rotation ?? 0;
  const t = policy.translate ?? 0;
  const z = policy.zoom ?? 0;
  const s = policy.shear ?? 0;
  const b = policy.brightness ?? 0;
  const c = policy.contrast ?? 0;
  return {
    rotation: r > 0 ? rng.uniform(-r, r) : 0,
    tx: t > 0 ? rng.uniform(-t, t) * w : 0,
    ty: t > 0 ? rng.uniform(-t, t) * h : 0,
    scale: z > 0 ? rng.uniform(1 - z, 1 + z) : 1,
    shear: s > 0 ? rng.uniform(-s, s) : 0,
    flipH: policy.horizontalFlip ? rng.next() < 0.5 : false,
    flipV: policy.verticalFlip ? rng.next() < 0.5 : false,
    brightness: b > 0 ? rng.uniform(-b, b) * range : 0,
    contrast: c > 0 ? rng.uniform(1 - c, 1 + c) : 1,
  };
}

/**
 * The inverse map [a, b, e, c, d, f]: output pixel (x = column, y = row) samples the source at
 * (a·x + b·y + e, c·x + d·y + f). Geometry is about the image centre; a positive rotation turns
 * the picture counter-clockwise as displayed (like `np.rot90`).
 */
export function inverseAffine(tr: ImageTransform, h: number, w: number): [number, number, number, number, number, number] {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const th = (tr.rotation * Math.PI) / 180;
  const cos = Math.cos(th);
  const sin = Math.sin(th);
  const k = Math.tan((tr.shear * Math.PI) / 180);
  // A = S^-1 · Sh^-1 · R^-1 where R^-1 = [[cos, -sin], [sin, cos]] and Sh^-1 = [[1, k], [0, 1]].
  const inv = 1 / tr.scale;
  let a = (cos + k * sin) * inv;
  let b = (-sin + k * cos) * inv;
  let c = sin * inv;
  let d = cos * inv;
  // src = A · (out - C - T) + C
  const ox = cx + tr.tx;
  const oy = cy + tr.ty;
  let e = cx - (a * ox + b * oy);
  let f = cy - (c * ox + d * oy);
  if (tr.flipH) {
    a = -a;
    b = -b;
    e = w - 1 - e;
  }
  if (tr.flipV) {
    c = -c;
    d = -d;
    f = h - 1 - f;
  }
  return [a, b, e, c, d, f];
}

function isGeometricIdentity(tr: ImageTransform): boolean {
  return tr.rotation === 0 && tr.shear === 0 && tr.scale === 1 && tr.tx === 0 && tr.ty === 0 && !tr.flipH && !tr.flipV;
}

/** Maps an integer index outside [0, n) to the one the fill mode uses; -1 = use the fill value. */
export function fillIndex(i: number, n: number, mode: 'nearest' | 'constant' | 'reflect'): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'nearest') return i < 0 ? 0 : n - 1;
  if (mode === 'constant') return -1;
  const period = 2 * n;
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

const FILL_CODES = { nearest: 0, constant: 1, reflect: 2 } as const;

/**
 * The geometric part of transformImage: bilinear samples of `src` through the inverse map
 * (inverseAffine). In the codec addon when it is built (several times faster, the same float32
 * numbers: native/codec/src/loader.cc), else in this loop; `native` null forces the loop (tests).
 */
export function resampleAffine(
  src: Float32Array,
  srcOffset: number,
  dst: Float32Array,
  dstOffset: number,
  shape: readonly [number, number, number],
  map: readonly [number, number, number, number, number, number],
  fill: 'nearest' | 'constant' | 'reflect',
  fillValue: number,
  native: NativeCodec['affine'] | null = nativeCodec()?.affine,
): void {
  const [h, w, ch] = shape;
  if (native) {
    native(src, srcOffset, dst, dstOffset, h, w, ch, map, FILL_CODES[fill], fillValue);
    return;
  }
  const [a, b, e, c, d, f] = map;
  for (let y = 0; y < h; y++) {
    let sx = b * y + e;
    let sy = d * y + f;
    for (let x = 0; x < w; x++, sx += a, sy += c) {
      // Snap values within 1e-9 of an integer so exact grid maps (flips, 90° turns) copy exactly.
      const rx = Math.round(sx);
      const ry = Math.round(sy);
      const px = Math.abs(sx - rx) < 1e-9 ? rx : sx;
      const py = Math.abs(sy - ry) < 1e-9 ? ry : sy;
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      const o = dstOffset + (y * w + x) * ch;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h && fx !== 0 && fy !== 0) {
        // Interior fast path: all four neighbours exist and all weights are non-zero.
        const q00 = srcOffset + (y0 * w + x0) * ch;
        const q10 = q00 + w * ch;
        const a00 = (1 - fx) * (1 - fy);
        const a01 = fx * (1 - fy);
        const a10 = (1 - fx) * fy;
        const a11 = fx * fy;
        for (let k = 0; k < ch; k++) {
          dst[o + k] = a00 * src[q00 + k] + a01 * src[q00 + ch + k] + a10 * src[q10 + k] + a11 * src[q10 + ch + k];
        }
        continue;
      }
      const ix0 = fillIndex(x0, w, fill);
      const ix1 = fillIndex(x0 + 1, w, fill);
      const iy0 = fillIndex(y0, h, fill);
      const iy1 = fillIndex(y0 + 1, h, fill);
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const p00 = iy0 < 0 || ix0 < 0 ? -1 : srcOffset + (iy0 * w + ix0) * ch;
      const p01 = iy0 < 0 || ix1 < 0 ? -1 : srcOffset + (iy0 * w + ix1) * ch;
      const p10 = iy1 < 0 || ix0 < 0 ? -1 : srcOffset + (iy1 * w + ix0) * ch;
      const p11 = iy1 < 0 || ix1 < 0 ? -1 : srcOffset + (iy1 * w + ix1) * ch;
      for (let k = 0; k < ch; k++) {
        // Zero weights are skipped so exact grid positions reproduce the source value exactly.
        let v = 0;
        if (w00 !== 0) v += w00 * (p00 < 0 ? fillValue : src[p00 + k]);
        if (w01 !== 0) v += w01 * (p01 < 0 ? fillValue : src[p01 + k]);
        if (w10 !== 0) v += w10 * (p10 < 0 ? fillValue : src[p10 + k]);
        if (w11 !== 0) v += w11 * (p11 < 0 ? fillValue : src[p11 + k]);
        dst[o + k] = v;
      }
    }
  }
}

/**
 * Applies one transform to one image: reads `src` at `srcOffset`, writes `dst` at `dstOffset`.
 * Exported for tests and for callers that want a fixed transform (e.g. test-time augmentation).
 */
export function transformImage(
  src: Float32Array,
  srcOffset: number,
  dst: Float32Array,
  dstOffset: number,
  shape: readonly [number, number, number],
  tr: ImageTransform,
  fill: 'nearest' | 'constant' | 'reflect' = 'nearest',
  fillValue = 0,
): void {
  const [h, w, ch] = shape;
  const size = h * w * ch;
  if (isGeometricIdentity(tr)) dst.set(src.subarray(srcOffset, srcOffset + size), dstOffset);
  else resampleAffine(src, srcOffset, dst, dstOffset, shape, inverseAffine(tr, h, w), fill, fillValue);
  if (tr.contrast !== 1 || tr.brightness !== 0) {
    const pixels = h * w;
    for (let k = 0; k < ch; k++) {
      let mean = 0;
      if (tr.contrast !== 1) {
        for (let p = 0; p < pixels; p++) mean += dst[dstOffset + p * ch + k];
        mean /= pixels;
      }
      for (let p = 0; p < pixels; p++) {
        const i = dstOffset + p * ch + k;
        dst[i] = (dst[i] - mean) * tr.contrast + mean + tr.brightness;
      }
    }
  }
}

export function imageRange(src: Float32Array, offset: number, size: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = offset; i < offset + size; i++) {
    const v = src[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > lo ? hi - lo : 0;
}

/**
 * Augments `count` images of `shape` (NHWC, contiguous) into a new buffer. Each image gets its own
 * random transform from `rng`; the same rng state gives the same output.
 */
export function augmentBatch(pixels: Float32Array, shape: readonly [number, number, number], count: number, policy: AugmentPolicy, rng: Rng): Float32Array {
  const size = shape[0] * shape[1] * shape[2];
  if (!(size > 0) || pixels.length < count * size) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `augmentBatch: ${count} images of shape [${shape.join(', ')}] need ${count * size} values, the buffer has ${pixels.length}.`,
      {
        fix: 'Pass the batch shape [height, width, channels] that matches the pixel buffer.',
      },
    );
  }
  const issues = validateAugmentPolicy(policy);
  if (issues.length > 0) {
    throw new MedpipeError('INVALID_CONFIG', `Invalid augmentation policy: ${issues.join('; ')}.`, { issues, fix: 'Correct the listed augment options.' });
  }
  const out = new Float32Array(count * size);
  if (isIdentityPolicy(policy)) {
    out.set(pixels.subarray(0, count * size));
    return out;
  }
  const fill = policy.fill ?? 'nearest';
  const fillValue = policy.fillValue ?? 0;
  const needsRange = (policy.brightness ?? 0) > 0;
  for (let n = 0; n < count; n++) {
    const offset = n * size;
    const range = needsRange ? imageRange(pixels, offset, size) : 1;
    const tr = sampleTransform(policy, shape, rng, range);
    transformImage(pixels, offset, out, offset, shape, tr, fill, fillValue);
  }
  return out;
}
