/**
 * What a person looks at: the image in grey with the prediction's agreement and errors in colour —
 * true positives green, false positives red, false negatives blue — and everything outside the ROI
 * darkened. RGB bytes, row-major.
 */
import type { SegmentationSample } from '../data/segmentation-types.ts';

export const OVERLAY_LEGEND = 'green = predicted and true (TP), red = predicted, not true (FP), blue = missed (FN); outside the ROI darkened';

export function segmentationOverlay(sample: SegmentationSample, predicted: Uint8Array): Uint8Array {
  const n = sample.height * sample.width;
  const grey = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let v = 0;
    for (let k = 0; k < sample.channels; k++) v += sample.pixels[p * sample.channels + k];
    grey[p] = v / sample.channels;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grey) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
  const span = hi - lo || 1;
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const g = Math.round(((grey[p] - lo) / span) * 200);
    const t = sample.mask[p] !== 0;
    const q = predicted[p] !== 0;
    const inside = !sample.roi || sample.roi[p] !== 0;
    let rgb: [number, number, number] = [g, g, g];
    if (!inside) rgb = [g >> 2, g >> 2, g >> 2];
    else if (t && q) rgb = [0, 200, 0];
    else if (q) rgb = [230, 30, 30];
    else if (t) rgb = [40, 90, 255];
    out.set(rgb, p * 3);
  }
  return out;
}
