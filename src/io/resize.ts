import type { ImageShape } from './types.ts';

/**
 * Bilinear resize of a channels-last float image (pixel centres aligned, as in OpenCV/PIL
 * `align_corners=False`). Used for data that sharp cannot take (DICOM/NIfTI values in HU, arrays).
 */
export function resizeBilinear(data: Float32Array, shape: ImageShape, height: number, width: number): Float32Array {
  const [h, w, c] = shape;
  if (h === height && w === width) return data;
  const out = new Float32Array(height * width * c);
  const sy = h / height;
  const sx = w / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const wx = fx - x0;
      for (let k = 0; k < c; k++) {
        const a = data[(y0 * w + x0) * c + k]!;
        const b = data[(y0 * w + x1) * c + k]!;
        const d = data[(y1 * w + x0) * c + k]!;
        const e = data[(y1 * w + x1) * c + k]!;
        out[(y * width + x) * c + k] = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
      }
    }
  }
  return out;
}

/** Converts between 1 and 3 channels: grey → RGB replicates; RGB → grey uses Rec. 601 luma (as sharp/libvips and PIL do). */
export function convertChannels(data: Float32Array, shape: ImageShape, channels: number): { data: Float32Array; shape: ImageShape } {
  const [h, w, c] = shape;
  if (c === channels) return { data, shape };
  const n = h * w;
  const out = new Float32Array(n * channels);
  if (c === 1 && channels === 3) {
    for (let i = 0; i < n; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[i]!;
  } else if (c >= 3 && channels === 1) {
    for (let i = 0; i < n; i++) out[i] = 0.299 * data[i * c]! + 0.587 * data[i * c + 1]! + 0.114 * data[i * c + 2]!;
  } else if (c >= 3 && channels === 3) {
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) out[i * 3 + k] = data[i * c + k]!;
  } else {
    for (let i = 0; i < n; i++) for (let k = 0; k < channels; k++) out[i * channels + k] = data[i * c + Math.min(k, c - 1)]!;
  }
  return { data: out, shape: [h, w, channels] };
}
