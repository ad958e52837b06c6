/**
 * Splits a segmentation set by whole images — and by whole groups (a CSV's group column, e.g. the
 * patient), so one patient never spans two splits: an image with a split of its own (its source's)
 * keeps it; when the data gives training images but no validation ones, a seeded share of the
 * training groups becomes validation; images without a split are shuffled (seeded, by group) into
 * train/val/test by the fractions.
 */
import { MedpipeError } from '../base/errors.ts';
import { createRng, deriveSeed, shuffleInPlace, type Rng } from '../base/rng.ts';
import type { SegmentationSplitConfig } from './segmentation-config.ts';
import type { SegmentationSet } from './segmentation-set.ts';
import type { SplitName } from './types.ts';

/** The rows grouped (one group per image when there are no group keys), in a seeded random order. */
function shuffledGroups(set: SegmentationSet, rows: readonly number[], rng: Rng): number[][] {
  const units = new Map<string, number[]>();
  for (const row of rows) {
    const key = set.samples[row]!.group ?? `#${row}`;
    units.set(key, [...(units.get(key) ?? []), row]);
  }
  const groups = [...units.values()];
  return Array.from(shuffleInPlace(Int32Array.from(groups, (_, i) => i), rng), (i) => groups[i]!);
}

/** Deals groups out until each split has its quota of images; the rest goes to the last split. */
function deal(groups: readonly number[][], quotas: readonly [SplitName, number][], rest: SplitName, into: Record<SplitName, number[]>): void {
  const filled = new Map(quotas.map(([name]) => [name, 0]));
  for (const group of groups) {
    const open = quotas.find(([name, quota]) => filled.get(name)! < quota);
    const name = open ? open[0] : rest;
    into[name].push(...group);
    if (open) filled.set(name, filled.get(name)! + group.length);
  }
}

export function splitSegmentation(set: SegmentationSet, config: SegmentationSplitConfig, seed: number): SegmentationSet {
  const rows: Record<SplitName, number[]> = { train: [], val: [], test: [] };
  const free: number[] = [];
  set.samples.forEach((s, i) => (s.split ? rows[s.split].push(i) : free.push(i)));
  const rng = createRng(deriveSeed(seed, 'split.segmentation'));
  if (free.length > 0) {
    const f = config.fractions ?? { train: 0.6, val: 0.2, test: 0.2 };
    const total = f.train + f.val + f.test;
    const quota = (x: number) => Math.round((free.length * x) / total);
    deal(shuffledGroups(set, free, rng), [['val', quota(f.val)], ['test', quota(f.test)]], 'train', rows);
  }
  if (rows.val.length === 0 && rows.train.length > 1) {
    const train = rows.train;
    rows.train = [];
    deal(shuffledGroups(set, train, rng), [['val', Math.max(1, Math.round(train.length * (config.valFromTrain ?? 0.2)))]], 'train', rows);
  }
  if (rows.train.length === 0) {
    throw new MedpipeError('NO_SAMPLES', `No training images after splitting ${set.samples.length} images.`, { fix: 'Give more images or larger train fractions.' });
  }
  for (const name of ['train', 'val', 'test'] as const) rows[name].sort((a, b) => a - b);
  return { ...set, splits: rows, intensity: config.intensity ?? 'zscore', ...(config.enhance ? { enhance: config.enhance } : {}) };
}
