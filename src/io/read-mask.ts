/**
 * Reads a segmentation mask or region-of-interest image (PNG, GIF, TIFF, … through sharp) as a label
 * map of 8-bit class indices. Masks are never interpolated: a size change is nearest-neighbour.
 * - `binary`: foreground where the grey value is ≥ 128 (DRIVE's 0/255 manual masks and FOV masks,
 *   and its second observer's palette GIFs whose palette maps 0/1 to dark/bright grey);
 * - `labels`: the stored value is the class index (0 = background … K), checked against `classes`.
 */
import type sharp from 'sharp';
import { MedpipeError } from '../base/errors.ts';

export interface Mask {
  readonly height: number;
  readonly width: number;
  readonly data: Uint8Array;
}

export interface ReadMaskOptions {
  /** @default 'binary' */
  readonly kind?: 'binary' | 'labels';
  /** Number of classes including background, for `labels` (values ≥ it are an error). */
  readonly classes?: number;
}

export async function readMask(file: string, options: ReadMaskOptions = {}): Promise<Mask> {
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  // sharp (libvips) loads when a mask is read, not with the ports that name this module.
  const load = (await import('sharp')).default;
  try {
    // First channel of the decoded (palette-expanded) picture; masks are stored grey or as equal RGB.
    decoded = await load(file, { failOn: 'error', limitInputPixels: 1e9 }).extractChannel(0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new MedpipeError('BAD_FILE', `${file} cannot be decoded as a mask: ${reason}`, {
      file,
      fix: 'Give masks as PNG, GIF or TIFF images of the same size as their images.',
      cause: error,
    });
  }
  const { width, height } = decoded.info;
  const data = new Uint8Array(width * height);
  const kind = options.kind ?? 'binary';
  for (let i = 0; i < data.length; i++) {
    const v = decoded.data[i];
    data[i] = kind === 'binary' ? (v >= 128 ? 1 : 0) : v;
  }
  if (kind === 'labels' && options.classes !== undefined) {
    const bad = data.findIndex((v) => v >= options.classes!);
    if (bad >= 0) {
      throw new MedpipeError('BAD_FILE', `${file}: pixel value ${data[bad]} is not a class index (0..${options.classes - 1}).`, {
        file,
        fix: "Store label masks with values 0..K (0 = background) and list K + 1 class names, or use kind: 'binary' for 0/255 masks.",
      });
    }
  }
  return { height, width, data };
}

/** Nearest-neighbour resize (pixel centres aligned, as PIL's NEAREST): labels stay labels. */
export function resizeNearest(mask: Mask, height: number, width: number): Mask {
  if (mask.height === height && mask.width === width) return mask;
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / width));
      out[y * width + x] = mask.data[sy * mask.width + sx];
    }
  }
  return { height, width, data: out };
}

/** A mask whose size differs from its image is an error naming both files (never silently resized). */
export function checkMaskMatches(mask: Mask, maskFile: string, image: { height: number; width: number }, imageFile: string): void {
  if (mask.height !== image.height || mask.width !== image.width) {
    throw new MedpipeError('SHAPE_MISMATCH', `${maskFile} is ${mask.width}x${mask.height} but its image ${imageFile} is ${image.width}x${image.height}.`, {
      file: maskFile,
      fix: 'Pair each image with the mask drawn on it (same width and height); check the name pattern.',
    });
  }
}
