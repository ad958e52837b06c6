/**
 * A 2D mask or label map as the segmentation metrics take it: one value per pixel, row-major,
 * with its size and the physical size of a pixel. Label maps hold class indices 0..K (0 = background).
 */
import { MedpipeError } from '../base/errors.ts';

export interface LabelMap {
  readonly height: number;
  readonly width: number;
  /** Class index per pixel, row-major (y * width + x). */
  readonly data: ArrayLike<number>;
}

/** Physical size of a pixel along [y, x] (millimetres where known). @default [1, 1] (pixels) */
export type Spacing = readonly [number, number];

export const PIXEL_SPACING: Spacing = [1, 1];

/** Throws when two masks (or a mask and its region of interest) differ in size. */
export function checkSameSize(what: string, a: LabelMap, b: LabelMap): void {
  const n = a.height * a.width;
  if (a.height !== b.height || a.width !== b.width || a.data.length !== n || b.data.length !== b.height * b.width) {
    throw new MedpipeError('SHAPE_MISMATCH', `${what}: sizes differ (${a.height}x${a.width} vs ${b.height}x${b.width}).`, {
      fix: 'Resize masks with nearest-neighbour to the image size before scoring.',
    });
  }
}

/** 1 where `map` equals `label` (and the ROI, when given, is non-zero), else 0. */
export function binaryOf(map: LabelMap, label: number, roi?: LabelMap): Uint8Array {
  const out = new Uint8Array(map.height * map.width);
  for (let i = 0; i < out.length; i++) out[i] = map.data[i] === label && (roi === undefined || roi.data[i] !== 0) ? 1 : 0;
  return out;
}
