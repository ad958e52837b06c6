/**
 * Bilinear resize of one single-channel map with half-pixel centres (what OpenCV's INTER_LINEAR and
 * `tf.image.resizeBilinear(..., halfPixelCenters: true)` do): the map's pixel centres land on the
 * right places of the larger image, so a coarse activation is not shifted by half a cell. Plain JS:
 * the maps are small, and it keeps the heatmaps out of tfjs (no tensors to dispose, same on every backend).
 *
 * @example
 *   const full = upsampleBilinear(cam, 7, 7, 28, 28); // a 7x7 Grad-CAM map over a 28x28 image
 */
export function upsampleBilinear(
  src: ArrayLike<number>,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  out: Float32Array = new Float32Array(outH * outW),
): Float32Array {
  const rows = weights(inH, outH);
  const cols = weights(inW, outW);
  for (let y = 0; y < outH; y++) {
    const r0 = rows.lo[y]! * inW;
    const r1 = rows.hi[y]! * inW;
    const fy = rows.frac[y]!;
    for (let x = 0; x < outW; x++) {
      const c0 = cols.lo[x]!;
      const c1 = cols.hi[x]!;
      const fx = cols.frac[x]!;
      const top = src[r0 + c0]! + (src[r0 + c1]! - src[r0 + c0]!) * fx;
      const bottom = src[r1 + c0]! + (src[r1 + c1]! - src[r1 + c0]!) * fx;
      out[y * outW + x] = top + (bottom - top) * fy;
    }
  }
  return out;
}

/** For each output index: the two source indices and the weight of the upper one (clamped at the borders). */
function weights(inSize: number, outSize: number): { lo: Int32Array; hi: Int32Array; frac: Float32Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const at = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    lo[i] = Math.floor(at);
    hi[i] = Math.min(lo[i]! + 1, inSize - 1);
    frac[i] = at - lo[i]!;
  }
  return { lo, hi, frac };
}
