/**
 * Seeded synthetic segmentation data with known masks: grey noisy images carrying a few bright
 * discs and rectangles (class 1) and, for three-class sets, darker ellipses (class 2), optionally
 * inside a circular region of interest (like a fundus field of view). Each image depends only on
 * (seed, index), so a test's data are the same on every machine.
 *
 * @example
 *   const samples = syntheticShapes(8, 32, { seed: 1 });
 *   await writeSyntheticShapes('tmp/shapes', 12, 48, { roi: true });  // images/, masks/, roi/ PNGs
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRng, deriveSeed } from '../base/rng.ts';
import type { SegmentationSample } from './segmentation-types.ts';

export interface ShapeOptions {
  /** @default 1 */
  readonly seed?: number;
  /** Classes including background: 2 (shapes) or 3 (shapes + ellipses). @default 2 */
  readonly classes?: 2 | 3;
  /** A circular ROI; shapes outside it are blanked. @default false */
  readonly roi?: boolean;
}

/** One image in [0, 1], its label map and ROI. */
export function renderShapes(index: number, size: number, options: ShapeOptions = {}): SegmentationSample {
  const rng = createRng(deriveSeed(options.seed ?? 1, 'shapes', index));
  const pixels = new Float32Array(size * size);
  const mask = new Uint8Array(size * size);
  const roi = new Uint8Array(size * size).fill(1);
  const c = (size - 1) / 2;
  if (options.roi) for (let i = 0; i < roi.length; i++) roi[i] = (Math.floor(i / size) - c) ** 2 + ((i % size) - c) ** 2 <= (0.48 * size) ** 2 ? 1 : 0;
  const shapes = 2 + rng.int(3);
  for (let s = 0; s < shapes; s++) {
    const cy = rng.uniform(0.15, 0.85) * size;
    const cx = rng.uniform(0.15, 0.85) * size;
    const r = rng.uniform(0.06, 0.16) * size;
    const rect = rng.next() < 0.4;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = rect ? Math.abs(y - cy) <= r && Math.abs(x - cx) <= r * 0.6 : (y - cy) ** 2 + (x - cx) ** 2 <= r * r;
        if (inside) mask[y * size + x] = 1;
      }
    }
  }
  if (options.classes === 3) {
    const cy = rng.uniform(0.2, 0.8) * size;
    const cx = rng.uniform(0.2, 0.8) * size;
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (((y - cy) / (0.12 * size)) ** 2 + ((x - cx) / (0.2 * size)) ** 2 <= 1) mask[y * size + x] = 2;
  }
  for (let i = 0; i < pixels.length; i++) {
    if (!roi[i]) mask[i] = 0;
    const level = mask[i] === 1 ? 0.75 : mask[i] === 2 ? 0.1 : 0.4;
    pixels[i] = roi[i] ? Math.min(1, Math.max(0, level + rng.normal() * 0.08)) : 0;
  }
  return { id: `shape_${String(index).padStart(3, '0')}.png`, height: size, width: size, channels: 1, pixels, mask, ...(options.roi ? { roi } : {}) };
}

export function syntheticShapes(count: number, size: number, options: ShapeOptions = {}): SegmentationSample[] {
  return Array.from({ length: count }, (_, i) => renderShapes(i, size, options));
}

/** Writes `images/<id>`, `masks/<id>` (0/255, or class indices for 3 classes) and `roi/<id>` PNGs. */
export async function writeSyntheticShapes(dir: string, count: number, size: number, options: ShapeOptions = {}): Promise<void> {
  for (const sub of ['images', 'masks', ...(options.roi ? ['roi'] : [])]) await mkdir(join(dir, sub), { recursive: true });
  const grey = (data: Uint8Array) => sharp(Buffer.from(data), { raw: { width: size, height: size, channels: 1 } }).png();
  for (const s of syntheticShapes(count, size, options)) {
    await grey(Uint8Array.from(s.pixels, (v) => Math.round(v * 255))).toFile(join(dir, 'images', s.id));
    await grey(options.classes === 3 ? s.mask : Uint8Array.from(s.mask, (v) => v * 255)).toFile(join(dir, 'masks', s.id));
    if (s.roi) await grey(Uint8Array.from(s.roi, (v) => v * 255)).toFile(join(dir, 'roi', s.id));
  }
}
