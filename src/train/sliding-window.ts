/**
 * Whole-image prediction with a model trained on patches, as MONAI's `sliding_window_inference`
 * (mode 'gaussian', sigma_scale 0.125): windows of the patch size cover the image with the given
 * overlap (the last window of a row or column is flush with the edge), each window's output is
 * weighted by a Gaussian centred on it, and the weighted sum is divided by the summed weights.
 * An image smaller than the window is padded with zeros (and the padding cropped off again).
 *
 * @example
 * const probs = await slidingWindowPredict(model, sample.pixels, [584, 565, 3], { size: 48, overlap: 0.5 });
 */
import * as tf from '@tensorflow/tfjs';

export interface WindowOptions {
  readonly size: number;
  /** Fraction of a window shared with the next one. @default 0.5 */
  readonly overlap?: number;
  /** Windows per forward pass. @default 16 */
  readonly batchSize?: number;
}

/** Window start positions along one axis of length n (n ≥ size). */
export function windowStarts(n: number, size: number, overlap: number): number[] {
  const stride = Math.max(1, Math.floor(size * (1 - overlap)));
  const starts: number[] = [];
  for (let s = 0; s + size < n; s += stride) starts.push(s);
  starts.push(n - size);
  return starts;
}

/** Gaussian importance map: exp(-d²/2σ²) with σ = 0.125·size per axis, normalised to max 1 (MONAI clamps the minimum away from 0). */
export function gaussianMap(size: number): Float32Array {
  const sigma = 0.125 * size;
  const centre = (size - 1) / 2;
  const out = new Float32Array(size * size);
  let min = Infinity;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = Math.exp(-((y - centre) ** 2 + (x - centre) ** 2) / (2 * sigma * sigma));
      out[y * size + x] = v;
      if (v > 0 && v < min) min = v;
    }
  }
  for (let i = 0; i < out.length; i++) if (out[i] === 0) out[i] = min;
  return out;
}

/** Probabilities [h, w, outChannels] of the whole image. */
export async function slidingWindowPredict(
  model: tf.LayersModel,
  pixels: Float32Array,
  shape: readonly [number, number, number],
  options: WindowOptions,
): Promise<Float32Array> {
  const [h0, w0, c] = shape;
  const size = options.size;
  const h = Math.max(h0, size);
  const w = Math.max(w0, size);
  let image = pixels;
  if (h !== h0 || w !== w0) {
    image = new Float32Array(h * w * c);
    for (let y = 0; y < h0; y++) image.set(pixels.subarray(y * w0 * c, (y + 1) * w0 * c), y * w * c);
  }
  const outShape = model.outputs[0].shape;
  const k = outShape[outShape.length - 1] as number;
  const weights = gaussianMap(size);
  const sum = new Float32Array(h * w * k);
  const norm = new Float32Array(h * w);
  const windows: [number, number][] = [];
  for (const y of windowStarts(h, size, options.overlap ?? 0.5)) for (const x of windowStarts(w, size, options.overlap ?? 0.5)) windows.push([y, x]);
  const batch = options.batchSize ?? 16;
  for (let start = 0; start < windows.length; start += batch) {
    const group = windows.slice(start, start + batch);
    const input = new Float32Array(group.length * size * size * c);
    group.forEach(([y0, x0], n) => {
      for (let y = 0; y < size; y++) {
        const row = ((y0 + y) * w + x0) * c;
        input.set(image.subarray(row, row + size * c), (n * size + y) * size * c);
      }
    });
    const out = tf.tidy(() => model.predict(tf.tensor4d(input, [group.length, size, size, c])) as tf.Tensor);
    const probs = await out.data();
    out.dispose();
    group.forEach(([y0, x0], n) => {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const g = weights[y * size + x];
          const p = (y0 + y) * w + x0 + x;
          norm[p] += g;
          const o = ((n * size + y) * size + x) * k;
          for (let j = 0; j < k; j++) sum[p * k + j] += g * probs[o + j];
        }
      }
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const result = new Float32Array(h0 * w0 * k);
  for (let y = 0; y < h0; y++) {
    for (let x = 0; x < w0; x++) {
      const p = y * w + x;
      for (let j = 0; j < k; j++) result[(y * w0 + x) * k + j] = sum[p * k + j] / norm[p];
    }
  }
  return result;
}

/** Class index per pixel: probability ≥ threshold for one sigmoid channel, else the arg-max channel. */
export function labelsOf(probs: Float32Array, pixels: number, channels: number, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    if (channels === 1) out[i] = probs[i] >= threshold ? 1 : 0;
    else {
      let best = 0;
      for (let j = 1; j < channels; j++) if (probs[i * channels + j] > probs[i * channels + best]) best = j;
      out[i] = best;
    }
  }
  return out;
}
