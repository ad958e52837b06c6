/**
 * A record's own statistics, per channel: count, sum and sum of squared deviations from its mean
 * (M2), computed by ingest while the record is in memory. A dataset z-score over any subset of
 * records is then a pass over these few numbers (loader/moments.ts merges them), not over pixels.
 */
import type { Samples } from '../../io/decode-bytes.ts';

/**
 * [n, sum, M2] for each of `channels` channels of channels-last samples: the sum in pixel order,
 * then M2 = Σ d·d with d = v − sum/n. The codec addon computes the same numbers the same way while
 * it decodes (native/codec/src/addon.cc), so both give identical bits.
 */
export function recordMoments(data: Samples, channels: number): number[] {
  const out: number[] = [];
  const pixels = data.length / channels;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let k = c; k < data.length; k += channels) sum += data[k]!;
    const mean = sum / pixels;
    let m2 = 0;
    for (let k = c; k < data.length; k += channels) {
      const d = data[k]! - mean;
      m2 += d * d;
    }
    out.push(pixels, sum, m2);
  }
  return out;
}
