import { MedpipeError } from '../base/errors.ts';
import { quietWork, type Work } from '../base/work.ts';
import { createRng, type Rng } from '../base/rng.ts';
import { assignBins } from './assign-bins.ts';
import type { ImageSet, SplitSet, Subset } from './image-set.ts';
import { inOrder } from './loader/image-source.ts';
import { streamMoments } from './loader/moments.ts';
import type { FittedZscoreStep, PreprocessStep } from './preprocessing.ts';
import type { SplitConfig } from './split-config.ts';
import { contentIds } from './store/content-ids.ts';
import { selectRows } from './store/record-table.ts';
import { SPLITS, type SampleMeta, type SplitName } from './types.ts';
import { taskField, taskOf } from './task.ts';

const DEFAULT_FRACTIONS = { train: 0.64, val: 0.16, test: 0.2 };

function assign(set: ImageSet, indices: readonly number[], fractions: Record<SplitName, number>, config: SplitConfig, rng: Rng): Record<SplitName, number[]> {
  const [train, val, test] = assignBins(set, indices, SPLITS.map((name) => fractions[name]), config, rng);
  return { train: train!, val: val!, test: test! };
}

/** A split is an index list: its samples and their rows of the record table, never a copy of pixels. */
function subsetOf(set: ImageSet, indices: readonly number[]): Subset {
  return { samples: indices.map((i) => set.samples[i]!), table: selectRows(set.table, indices) };
}

/** Fits each deferred z-score on the training subset only, in one streaming pass each, and returns the fitted steps. */
async function fitDeferred(set: ImageSet, train: Subset, work: Work): Promise<FittedZscoreStep[]> {
  const steps: FittedZscoreStep[] = [];
  let current: readonly PreprocessStep[] = set.preprocessing;
  for (const step of set.deferred) {
    const { mean, std } = await streamMoments(train.table, inOrder(train.samples.length), {
      objectsDir: set.objectsDir,
      recordShape: set.recordShape,
      steps: current,
      perChannel: step.perChannel,
      ...(work.signal ? { signal: work.signal } : {}),
    });
    const fitted: FittedZscoreStep = { step: 'normalize', method: 'zscore', scope: 'dataset', fittedOn: 'train', mean, std, perChannel: step.perChannel };
    steps.push(fitted);
    current = [...current, fitted];
  }
  return steps;
}

/**
 * Identical pixel content (the same stored record) and shared group keys across splits; `pairs`
 * counts the duplicates by the split that has the image first and the one that repeats it
 * ("train→test": test images whose pixels are a training image's). Only the counts and examples are
 * stored (as before); the pairs go to the log.
 */
function audit(set: ImageSet, parts: Record<SplitName, number[]>): SplitSet['audit'] & { pairs: Record<string, number> } {
  const ids = contentIds(set.table, set.objectsDir);
  const seen = new Map<number, SplitName>();
  const groupSplit = new Map<string, SplitName>();
  let duplicateContent = 0;
  const shared = new Set<string>();
  const examples: string[] = [];
  const pairs: Record<string, number> = {};
  for (const name of SPLITS) {
    for (const i of parts[name]) {
      const digest = ids[i]!;
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
 * Splits into train / validation / test (seeded, stratified, group-aware) as index lists, fits any
 * deferred dataset z-score on train only (one streaming pass over its records), and audits for
 * leaks across splits.
 * @example
 *   await splitImageSet(set, { fractions: { train: 0.7, val: 0.15, test: 0.15 } }, 42, work)
 */
export async function splitImageSet(set: ImageSet, config: SplitConfig, seed: number, work: Work = quietWork): Promise<SplitSet> {
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
  const subsets: Record<SplitName, Subset> = {
    train: subsetOf(set, parts.train),
    val: subsetOf(set, parts.val),
    test: subsetOf(set, parts.test),
  };
  const steps = await fitDeferred(set, subsets.train, work);
  const task = taskOf(set);
  const has = (s: SampleMeta, c: number) => (task === 'multilabel' ? s.labels?.[c] === 1 : s.label === c);
  const counts = Object.fromEntries(SPLITS.map((name) => [name, set.classes.map((_, c) => subsets[name].samples.filter((s) => has(s, c)).length)])) as Record<
    SplitName,
    number[]
  >;
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
    recordShape: set.recordShape,
    objectsDir: set.objectsDir,
    ...subsets,
    augment: set.augment,
    preprocessing: [...set.preprocessing, ...steps],
    counts,
    audit: leaks,
  };
}
