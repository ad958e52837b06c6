/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012): for every pixel, the
 * distance to the nearest feature pixel, with anisotropic pixel spacing. Equals
 * `scipy.ndimage.distance_transform_edt(~features, sampling=spacing)` (scipy measures from non-zero
 * pixels to the nearest zero; here the features play the zeros). O(pixels), two 1D passes.
 */
import type { Spacing } from './mask.ts';

/**
 * @returns distances (Infinity everywhere when there is no feature pixel)
 * @example distanceToFeatures(edges, 584, 565, [1, 1])
 */
export function distanceToFeatures(features: Uint8Array, height: number, width: number, spacing: Spacing): Float64Array {
  const [sy, sx] = spacing;
  const squared = new Float64Array(height * width);
  for (let i = 0; i < squared.length; i++) squared[i] = features[i] ? 0 : Infinity;
  // Columns first (along y), then rows (along x) on the column results.
  const maxLen = Math.max(height, width);
  const f = new Float64Array(maxLen);
  const out = new Float64Array(maxLen);
  const v = new Int32Array(maxLen);
  const z = new Float64Array(maxLen + 1);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = squared[y * width + x];
    lowerEnvelope(f, height, sy, out, v, z);
    for (let y = 0; y < height; y++) squared[y * width + x] = out[y];
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) f[x] = squared[row + x];
    lowerEnvelope(f, width, sx, out, v, z);
    for (let x = 0; x < width; x++) squared[row + x] = out[x];
  }
  for (let i = 0; i < squared.length; i++) squared[i] = Math.sqrt(squared[i]);
  return squared;
}

/** 1D squared distance transform of sampled function f at positions q·step: min_p f(p) + ((q-p)·step)². */
function lowerEnvelope(f: Float64Array, n: number, step: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue; // a pixel with no feature in its column adds no parabola
    const pq = q * step;
    while (k >= 0) {
      const pv = v[k] * step;
      const s = (f[q] + pq * pq - (f[v[k]] + pv * pv)) / (2 * (pq - pv));
      if (s <= z[k]) k--;
      else {
        k++;
        v[k] = q;
        z[k] = s;
        z[k + 1] = Infinity;
        break;
      }
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
    }
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q * step) j++;
    const d = (q - v[j]) * step;
    out[q] = d * d + f[v[j]];
  }
}
