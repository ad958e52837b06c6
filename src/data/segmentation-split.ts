/**
 * Splits a segmentation set by whole images: an image with a split of its own (its source's) keeps
 * it; when the data gives training images but no validation ones, a seeded share of the training
 * images becomes validation; images without a split are shuffled (seeded) into train/val/test by
 * the fractions.
 */
import { MedpipeError } from '../base/errors.ts';
import { createRng, deriveSeed, shuffleInPlace } from '../base/rng.ts';
import type { SegmentationSplitConfig } from './segmentation-config.ts';
import type { SegmentationSet } from './segmentation-set.ts';
import type { SplitName } from './types.ts';

export function splitSegmentation(set: SegmentationSet, config: SegmentationSplitConfig, seed: number): SegmentationSet {
  const rows: Record<SplitName, number[]> = { train: [], val: [], test: [] };
  const free: number[] = [];
  set.samples.forEach((s, i) => (s.split ? rows[s.split].push(i) : free.push(i)));
  const rng = createRng(deriveSeed(seed, 'split.segmentation'));
  if (free.length > 0) {
    const f = config.fractions ?? { train: 0.6, val: 0.2, test: 0.2 };
    const total = f.train + f.val + f.test;
    const order = shuffleInPlace(Int32Array.from(free), rng);
    const nVal = Math.round((order.length * f.val) / total);
    const nTest = Math.round((order.length * f.test) / total);
    order.forEach((row, k) => (k < nVal ? rows.val : k < nVal + nTest ? rows.test : rows.train).push(row));
  }
  if (rows.val.length === 0 && rows.train.length > 1) {
    const order = shuffleInPlace(Int32Array.from(rows.train), rng);
    const n = Math.max(1, Math.round(order.length * (config.valFromTrain ?? 0.2)));
    rows.val = Array.from(order.subarray(0, n));
    rows.train = Array.from(order.subarray(n));
  }
  if (rows.train.length === 0) {
    throw new MedpipeError('NO_SAMPLES', `No training images after splitting ${set.samples.length} images.`, { fix: 'Give more images or larger train fractions.' });
  }
  for (const name of ['train', 'val', 'test'] as const) rows[name].sort((a, b) => a - b);
  return { ...set, splits: rows, intensity: config.intensity ?? 'zscore' };
}
