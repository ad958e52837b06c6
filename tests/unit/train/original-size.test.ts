// Scoring at the files' own size: the stored-size probabilities are resized bilinearly (pixel
// centres aligned) and thresholded there; the masks are the original ones, never interpolated.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SegmentationSample } from '../../../src/data/segmentation-types.ts';
import { atOriginalSize } from '../../../src/train/original-size.ts';
import { labelsOf } from '../../../src/train/sliding-window.ts';

const S = suite('atOriginalSize');

const stored = (original?: SegmentationSample['original']): SegmentationSample => ({
  id: 'a.png',
  height: 2,
  width: 2,
  channels: 1,
  pixels: Float32Array.from([0, 1, 1, 0]),
  mask: Uint8Array.from([0, 1, 1, 0]),
  roi: Uint8Array.from([1, 1, 1, 1]),
  ...(original ? { original } : {}),
});

S('probabilities resized bilinearly to 4x4, then thresholded; masks, ROI and spacing are the original ones', () => {
  const mask = Uint8Array.from([0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
  const roi = new Uint8Array(16).fill(1);
  roi[0] = 0;
  const view = atOriginalSize(stored({ height: 4, width: 4, spacing: [0.25, 0.5], mask, roi }), Float32Array.from([0.2, 0.8, 0.8, 0.2]), 1, [0.5, 1]);
  assert.is(view.sample.height, 4);
  assert.is(view.sample.mask, mask);
  assert.is(view.sample.roi, roi);
  assert.equal(view.spacing, [0.25, 0.5]);
  assert.is(view.sample.original, undefined);
  // Output pixel centres at 0.5/4·2 − 0.5 = −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1) of the stored grid.
  const row0 = Array.from(view.probs.subarray(0, 4), (v) => Math.round(v * 1000) / 1000);
  assert.equal(row0, [0.2, 0.35, 0.65, 0.8]);
  const centre = view.probs[1 * 4 + 1]!; // (0.25, 0.25): 0.2·0.75² + 0.8·2·0.75·0.25 + 0.2·0.25²
  assert.ok(Math.abs(centre - (0.2 * 0.5625 + 0.8 * 0.375 + 0.2 * 0.0625)) < 1e-6);
  // The boundary moves with the threshold by fractions of a stored pixel (at 0.7: three original
  // pixels of four below it), which a nearest-neighbour upsampled mask (2x2 blocks) cannot do.
  assert.equal(Array.from(labelsOf(view.probs, 16, 1, 0.5)), [0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
  assert.equal(Array.from(labelsOf(view.probs, 16, 1, 0.6)).slice(0, 4), [0, 0, 1, 1]);
  assert.equal(Array.from(labelsOf(view.probs, 16, 1, 0.7)).slice(0, 4), [0, 0, 0, 1]);
});

S('a sample ingest did not resize is scored as stored', () => {
  const sample = stored();
  const probs = Float32Array.from([0.1, 0.9, 0.9, 0.1]);
  const view = atOriginalSize(sample, probs, 1, [1, 1]);
  assert.is(view.sample, sample);
  assert.is(view.probs, probs);
});

S('K-class probabilities resize per channel', () => {
  const probs = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0]); // 2x2 pixels, 3 classes
  const view = atOriginalSize(stored({ height: 4, width: 4, spacing: [1, 1], mask: new Uint8Array(16) }), probs, 3, [1, 1]);
  assert.is(view.probs.length, 48);
  assert.equal(Array.from(view.probs.subarray(0, 3)), [1, 0, 0]);
  assert.equal(Array.from(view.probs.subarray(15 * 3, 16 * 3)), [0, 1, 0]);
  assert.is(
    view.sample.roi!.every((v) => v === 1),
    true,
    'no ROI file: every original pixel inside',
  );
});

S.run();
