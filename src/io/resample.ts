/**
 * The JavaScript twin of the codec addon's pixel maths (native/codec/src), for images decoded by
 * sharp: PIL's bilinear resize (triangle filter widened by the downscale factor; 8-bit in PIL's
 * 22-bit fixed point, bit for bit) and PIL's RGB → grey (ITU-R 601-2 luma in 16-bit fixed point).
 * Integer samples in, integer samples out: 8-bit stays 8-bit, 16-bit stays 16-bit.
 */
import type { ImageShape } from './types.ts';

const PRECISION = 22;

interface Coefficients {
  readonly ksize: number;
  readonly bounds: Int32Array;
  readonly weights: Float64Array;
}

function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Float64Array(outSize * ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      weights[xx * ksize + x] = w;
      total += w;
    }
    if (total !== 0) for (let x = 0; x < xmax; x++) weights[xx * ksize + x]! /= total;
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function fixedPoint(weights: Float64Array): Int32Array {
  const out = new Int32Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]! * (1 << PRECISION);
    out[i] = Math.trunc(w < 0 ? w - 0.5 : w + 0.5);
  }
  return out;
}

const clip8 = (v: number) => (v >= 2 ** (PRECISION + 8) ? 255 : v <= 0 ? 0 : Math.floor(v / 2 ** PRECISION));
const clip16 = (v: number) => (v <= 0 ? 0 : v >= 65535 ? 65535 : Math.trunc(v + 0.5));

/** One pass along x (horizontal) or y; `step` is the distance between neighbours along that axis. */
function pass<T extends Uint8Array | Uint16Array>(input: T, [h, w, c]: ImageShape, outH: number, outW: number, horizontal: boolean): T {
  const out = new (input.constructor as new (n: number) => T)(outH * outW * c);
  const co = coefficients(horizontal ? w : h, horizontal ? outW : outH);
  const eight = input instanceof Uint8Array;
  const k = eight ? fixedPoint(co.weights) : co.weights;
  const start = eight ? 2 ** (PRECISION - 1) : 0;
  const clip = eight ? clip8 : clip16;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const o = horizontal ? x : y;
      const min = co.bounds[o * 2]!;
      const count = co.bounds[o * 2 + 1]!;
      const base = o * co.ksize;
      for (let ch = 0; ch < c; ch++) {
        let ss = start;
        if (horizontal) {
          const row = (y * w + min) * c + ch;
          for (let i = 0; i < count; i++) ss += input[row + i * c]! * k[base + i]!;
        } else {
          const col = x * c + ch;
          for (let i = 0; i < count; i++) ss += input[(min + i) * w * c + col]! * k[base + i]!;
        }
        out[(y * outW + x) * c + ch] = clip(ss);
      }
    }
  }
  return out;
}

/**
 * PIL's `Image.resize((width, height), Image.BILINEAR)` on integer samples (channels-last).
 * @example
 *   const small = resampleBilinear(pixels, [512, 512, 1], 224, 224);
 */
export function resampleBilinear<T extends Uint8Array | Uint16Array>(data: T, shape: ImageShape, height: number, width: number): T {
  const [h, w, c] = shape;
  let out = data;
  if (width !== w) out = pass(out, [h, w, c], h, width, true);
  if (height !== h) out = pass(out, [h, width, c], height, width, false);
  return out;
}

/** 1 ↔ 3 channels on integer samples: grey is replicated; RGB → grey is PIL's luma, (R·19595 + G·38470 + B·7471 + 0x8000) >> 16. */
export function convertIntegerChannels<T extends Uint8Array | Uint16Array>(data: T, shape: ImageShape, channels: number): { data: T; shape: ImageShape } {
  const [h, w, c] = shape;
  if (c === channels) return { data, shape };
  const n = h * w;
  const out = new (data.constructor as new (n: number) => T)(n * channels);
  if (c === 1) {
    for (let i = 0; i < n; i++) for (let k = 0; k < channels; k++) out[i * channels + k] = data[i]!;
  } else if (channels === 1) {
    for (let i = 0; i < n; i++)
      out[i] = Math.min(
        Math.floor((data[i * c]! * 19595 + data[i * c + 1]! * 38470 + data[i * c + 2]! * 7471 + 0x8000) / 65536),
        data instanceof Uint8Array ? 255 : 65535,
      );
  } else {
    for (let i = 0; i < n; i++) for (let k = 0; k < channels; k++) out[i * channels + k] = data[i * c + Math.min(k, c - 1)]!;
  }
  return { data: out, shape: [h, w, channels] };
}
