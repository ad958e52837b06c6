import { createHash } from 'node:crypto';
import { MedpipeError } from '../base/errors.ts';
import { quietWork, type Work } from '../base/work.ts';
import { createRng, type Rng } from '../base/rng.ts';
import { assignBins } from './assign-bins.ts';
import { sampleSize, type ImageSet, type SplitSet, type Subset } from './image-set.ts';
import type { FittedZscoreStep } from './preprocessing.ts';
import type { SplitConfig } from './split-config.ts';
import { SPLITS, type SampleMeta, type SplitName } from './types.ts';
import { taskField, taskOf } from './task.ts';
import { fitZscore, applyZscore } from './zscore.ts';

const DEFAULT_FRACTIONS = { train: 0.64, val: 0.16, test: 0.2 };

function assign(set: ImageSet, indices: readonly number[], fractions: Record<SplitName, number>, config: SplitConfig, rng: Rng): Record<SplitName, number[]> {
  const [train, val, test] = assignBins(set, indices, SPLITS.map((name) => fractions[name]), config, rng);
  return { train: train!, val: val!, test: test! };
}

function subsetOf(set: ImageSet, indices: readonly number[]): Subset {
  const size = sampleSize(set.shape);
  const pixels = new Float32Array(indices.length * size);
  indices.forEach((i, k) => pixels.set(set.pixels.subarray(i * size, (i + 1) * size), k * size));
  return { samples: indices.map((i) => set.samples[i]!), pixels };
}

/** Fits mean/std on the training subset only and applies them to every subset. */
function applyDeferred(set: ImageSet, subsets: Record<SplitName, Subset>): { subsets: Record<SplitName, Subset>; steps: FittedZscoreStep[] } {
  const steps: FittedZscoreStep[] = [];
  let current = subsets;
  const channels = set.shape[2];
  for (const step of set.deferred) {
    const { mean, std } = fitZscore(current.train.pixels, channels, step.perChannel);
    const apply = (pixels: Float32Array) => applyZscore(pixels, channels, mean, std, step.perChannel);
    current = {
      train: { ...current.train, pixels: apply(current.train.pixels) },
      val: { ...current.val, pixels: apply(current.val.pixels) },
      test: { ...current.test, pixels: apply(current.test.pixels) },
    };
    steps.push({ step: 'normalize', method: 'zscore', scope: 'dataset', fittedOn: 'train', mean, std, perChannel: step.perChannel });
  }
  return { subsets: current, steps };
}

/**
 * Identical pixel content and shared group keys across splits; `pairs` counts the duplicates by the
 * split that has the image first and the one that repeats it ("train→test": test images whose
 * pixels are a training image's). Only the counts and examples are stored (as before); the pairs go
 * to the log.
 */
function audit(set: ImageSet, parts: Record<SplitName, number[]>): SplitSet['audit'] & { pairs: Record<string, number> } {
  const size = sampleSize(set.shape);
  const seen = new Map<string, SplitName>();
  const groupSplit = new Map<string, SplitName>();
  let duplicateContent = 0;
  const shared = new Set<string>();
  const examples: string[] = [];
  const pairs: Record<string, number> = {};
  for (const name of SPLITS) {
    for (const i of parts[name]) {
      const view = set.pixels.subarray(i * size, (i + 1) * size);
      const digest = createHash('sha1').update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('hex');
      const other = seen.get(digest);
      if (other !== undefined && other !== name) {
        duplicateContent++;
        pairs[`${other}→${name}`] = (pairs[`${other}→${name}`] ?? 0) + 1;
        if (examples.length < 3) examples.push(`${set.samples[i]!.id} (${name}) has the same pixels as an image in ${other}`);
      } else if (other === undefined) seen.set(digest, name);
      const group = set.samples[i]!.group;
      if (group !== undefined) {
        const first = groupSplit.get(group);
        if (first === undefined) groupSplit.set(group, name);
        else if (first !== name) shared.add(group);
      }
    }
  }
  return { duplicateContent, sharedGroups: shared.size, examples, pairs };
}

/**
 * Splits into train / validation / test (seeded, stratified, group-aware), fits any deferred
 * dataset z-score on train only, and audits for leaks across splits.
 * @example
 *   splitImageSet(set, { fractions: { train: 0.7, val: 0.15, test: 0.15 } }, 42, work)
 */
export function splitImageSet(set: ImageSet, config: SplitConfig, seed: number, work: Work = quietWork): SplitSet {
  const rng = createRng(seed ^ 0x5eed5);
  const all = set.samples.map((_, i) => i);
  const keepExisting = config.keepExisting ?? true;
  const given = set.samples.every((s) => s.split !== undefined);
  let parts: Record<SplitName, number[]>;
  if (keepExisting && given) {
    parts = { train: [], val: [], test: [] };
    set.samples.forEach((s, i) => parts[s.split!].push(i));
    if (parts.val.length === 0) {
      const valFraction = config.valFraction ?? 0.2;
      const carved = assign(set, parts.train, { train: 1 - valFraction, val: valFraction, test: 0 }, config, rng);
      parts = { train: carved.train, val: carved.val, test: parts.test };
    }
  } else {
    parts = assign(set, all, config.fractions ?? DEFAULT_FRACTIONS, config, rng);
  }
  for (const name of ['train', 'val'] as const) {
    if (parts[name].length === 0) {
      throw new MedpipeError('NO_SAMPLES', `The ${name} split is empty (${set.samples.length} images in all).`, {
        fix: 'Add data or change the split fractions.',
      });
    }
  }
  const subsets0: Record<SplitName, Subset> = {
    train: subsetOf(set, parts.train),
    val: subsetOf(set, parts.val),
    test: subsetOf(set, parts.test),
  };
  const { subsets, steps } = applyDeferred(set, subsets0);
  const task = taskOf(set);
  const has = (s: SampleMeta, c: number) => (task === 'multilabel' ? s.labels?.[c] === 1 : s.label === c);
  const counts = Object.fromEntries(SPLITS.map((name) => [name, set.classes.map((_, c) => subsets[name].samples.filter((s) => has(s, c)).length)])) as Record<SplitName, number[]>;
  const { pairs, ...leaks } = audit(set, parts);
  {
    for (const name of SPLITS) {
      work.emit({ type: 'log', level: 'info', message: `${name}: ${set.classes.map((c, k) => `${c} ${counts[name][k]}`).join(', ')}` });
    }
    if (leaks.duplicateContent > 0 || leaks.sharedGroups > 0) {
      work.emit({
        type: 'log',
        level: 'warn',
        message:
          `leak audit: ${leaks.duplicateContent} image(s) with identical pixels across splits` +
          (leaks.duplicateContent ? ` (${Object.entries(pairs).map(([pair, n]) => `${pair} ${n}`).join(', ')})` : '') +
          `, ${leaks.sharedGroups} group(s) in more than one split${leaks.examples.length ? ` (e.g. ${leaks.examples[0]})` : ''}`,
      });
    }
  }
  return {
    classes: set.classes,
    ...taskField(task),
    shape: set.shape,
    ...subsets,
    augment: set.augment,
    preprocessing: [...set.preprocessing, ...steps],
    counts,
    audit: leaks,
  };
}
