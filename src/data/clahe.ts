/**
 * Contrast-limited adaptive histogram equalization (CLAHE, Zuiderveld 1994) of an 8-bit grey image,
 * computed as OpenCV's `cv2.createCLAHE(clipLimit, tileGridSize).apply(img)` does (imgproc/clahe.cpp),
 * so a pipeline written after a paper that used OpenCV gets the same image:
 * - the image is cut into `tiles` = [rows, columns] tiles; when a side does not divide, the image is
 *   padded below and to the right by reflection (BORDER_REFLECT_101) by `tiles − side % tiles` pixels
 *   on both axes (OpenCV pads both whenever either side does not divide) and the tiles grow to match;
 * - each tile's 256-bin histogram is clipped at max(1, ⌊clipLimit · tilePixels / 256⌋); the clipped
 *   count is spread evenly over all bins and its remainder one by one at a stride of ⌊256 / remainder⌋;
 * - the tile's lookup table is its cumulative histogram · 255 / tilePixels, rounded;
 * - each pixel is bilinearly interpolated between the tables of the four nearest tile centres (in
 *   float32, rounded to the nearest integer, ties to even).
 * Tested against OpenCV 4.6 on a fixture (tests/reference/clahe_fixture.py): equal within one grey level.
 *
 * @example const out = clahe(u8, 584, 565, { clipLimit: 2, tiles: [8, 8] });
 */
import { MedpipeError } from '../base/errors.ts';

export interface ClaheOptions {
  /** Histogram clip limit relative to a flat histogram (OpenCV's clipLimit). @default 2 */
  readonly clipLimit?: number;
  /** Tile grid [rows, columns] (OpenCV's tileGridSize is (columns, rows)). @default [8, 8] */
  readonly tiles?: readonly [number, number];
}

const BINS = 256;
const f32 = Math.fround;

/** Round half to even, as cvRound / saturate_cast<uchar>(float). */
function roundEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const clampU8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** OpenCV's BORDER_REFLECT_101 index (…, 2, 1 | 0, 1, 2, …, n−1 | n−2, …). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/** One tile's lookup table: clipped, redistributed, cumulated histogram. */
function tileLut(hist: Int32Array, clipLimit: number, lutScale: number, out: Uint8Array, offset: number): void {
  if (clipLimit > 0) {
    let clipped = 0;
    for (let i = 0; i < BINS; i++) {
      if (hist[i]! > clipLimit) {
        clipped += hist[i]! - clipLimit;
        hist[i] = clipLimit;
      }
    }
    const batch = Math.floor(clipped / BINS);
    let residual = clipped - batch * BINS;
    for (let i = 0; i < BINS; i++) hist[i] += batch;
    if (residual !== 0) {
      const step = Math.max(Math.floor(BINS / residual), 1);
      for (let i = 0; i < BINS && residual > 0; i += step, residual--) hist[i]++;
    }
  }
  let sum = 0;
  for (let i = 0; i < BINS; i++) {
    sum += hist[i]!;
    out[offset + i] = clampU8(roundEven(f32(sum * lutScale)));
  }
}

export function clahe(src: Uint8Array, height: number, width: number, options: ClaheOptions = {}): Uint8Array {
  const [tilesY, tilesX] = options.tiles ?? [8, 8];
  const limit = options.clipLimit ?? 2;
  if (!(tilesY >= 1 && tilesX >= 1 && Number.isInteger(tilesY) && Number.isInteger(tilesX)) || tilesY > height || tilesX > width) {
    throw new MedpipeError('INVALID_CONFIG', `CLAHE tiles ${tilesY}x${tilesX} do not fit a ${width}x${height} image.`, { fix: 'Use fewer tiles (at most one per pixel row and column).' });
  }
  if (src.length !== height * width) throw new MedpipeError('INTERNAL', `CLAHE got ${src.length} pixels for a ${width}x${height} image.`);
  const divides = height % tilesY === 0 && width % tilesX === 0;
  const extH = divides ? height : height + tilesY - (height % tilesY);
  const extW = divides ? width : width + tilesX - (width % tilesX);
  const tileH = extH / tilesY;
  const tileW = extW / tilesX;
  const tilePixels = tileH * tileW;
  const lutScale = f32(f32(BINS - 1) / tilePixels);
  const clipLimit = limit > 0 ? Math.max(Math.trunc((limit * tilePixels) / BINS), 1) : 0;
  const luts = new Uint8Array(tilesY * tilesX * BINS);
  const hist = new Int32Array(BINS);
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      hist.fill(0);
      for (let y = ty * tileH; y < (ty + 1) * tileH; y++) {
        const row = reflect101(y, height) * width;
        for (let x = tx * tileW; x < (tx + 1) * tileW; x++) hist[src[row + reflect101(x, width)]!]++;
      }
      tileLut(hist, clipLimit, lutScale, luts, (ty * tilesX + tx) * BINS);
    }
  }
  // Per column: the two neighbouring tiles and the weight of the right one.
  const invW = f32(1 / tileW);
  const invH = f32(1 / tileH);
  const left = new Int32Array(width);
  const right = new Int32Array(width);
  const xa = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const txf = f32(f32(x * invW) - 0.5);
    const tx1 = Math.floor(txf);
    xa[x] = f32(txf - tx1);
    left[x] = Math.max(tx1, 0) * BINS;
    right[x] = Math.min(tx1 + 1, tilesX - 1) * BINS;
  }
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    const tyf = f32(f32(y * invH) - 0.5);
    const ty1 = Math.floor(tyf);
    const ya = f32(tyf - ty1);
    const ya1 = f32(1 - ya);
    const top = Math.max(ty1, 0) * tilesX * BINS;
    const bottom = Math.min(ty1 + 1, tilesY - 1) * tilesX * BINS;
    for (let x = 0; x < width; x++) {
      const v = src[y * width + x]!;
      const a = xa[x]!;
      const a1 = f32(1 - a);
      const upper = f32(f32(luts[top + left[x]! + v]! * a1) + f32(luts[top + right[x]! + v]! * a));
      const lower = f32(f32(luts[bottom + left[x]! + v]! * a1) + f32(luts[bottom + right[x]! + v]! * a));
      out[y * width + x] = clampU8(roundEven(f32(f32(upper * ya1) + f32(lower * ya))));
    }
  }
  return out;
}
