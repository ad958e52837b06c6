import { createHash } from 'node:crypto';
import { decodeSplitSet, encodeSplitSet, sampleSize, type ImageSet, type SplitSet, type Subset } from '../data/image-set.ts';
import { SPLITS, type SplitName } from '../data/types.ts';
import { MedpipeError } from '../runtime/errors.ts';
import type { StageContext, StageImpl } from '../runtime/stage-impl.ts';
import { createRng, type Rng } from '../train/rng.ts';
import { applyZscore, fitZscore } from '../data/zscore.ts';
import type { SplitConfig } from './split.ts';

const DEFAULT_FRACTIONS = { train: 0.64, val: 0.16, test: 0.2 };

/** Samples that must stay together (one group) with their majority label. */
interface Unit {
  readonly indices: number[];
  label: number;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function unitsOf(set: Pick<ImageSet, 'samples'>, indices: readonly number[], byGroup: boolean): Unit[] {
  const groups = new Map<string, number[]>();
  const units: Unit[] = [];
  for (const i of indices) {
    const group = byGroup ? set.samples[i]!.group : undefined;
    if (group === undefined) units.push({ indices: [i], label: set.samples[i]!.label });
    else {
      const list = groups.get(group) ?? [];
      list.push(i);
      groups.set(group, list);
    }
  }
  for (const list of groups.values()) {
    const votes = new Map<number, number>();
    for (const i of list) votes.set(set.samples[i]!.label, (votes.get(set.samples[i]!.label) ?? 0) + 1);
    const label = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
    units.push({ indices: list, label });
  }
  return units;
}

/**
 * Assigns units to bins (splits or folds) so that each class (when stratified) gets close to the
 * target weights: units are shuffled, then each goes to the bin with the largest remaining shortfall.
 */
function assignBins(
  set: Pick<ImageSet, 'samples'>,
  indices: readonly number[],
  weights: readonly number[],
  config: Pick<SplitConfig, 'stratify' | 'byGroup'>,
  rng: Rng,
): number[][] {
  const out: number[][] = weights.map(() => []);
  const units = unitsOf(set, indices, config.byGroup ?? true);
  // Sort for determinism before the seeded shuffle (Map order depends on input order only, but be explicit).
  units.sort((a, b) => a.indices[0]! - b.indices[0]!);
  const strata = new Map<number, Unit[]>();
  for (const unit of units) {
    const key = (config.stratify ?? true) ? unit.label : 0;
    strata.set(key, [...(strata.get(key) ?? []), unit]);
  }
  const total = weights.reduce((a, b) => a + b, 0);
  for (const key of [...strata.keys()].sort((a, b) => a - b)) {
    const stratum = shuffle(strata.get(key)!, rng);
    const size = stratum.reduce((n, u) => n + u.indices.length, 0);
    const filled = weights.map(() => 0);
    for (const unit of stratum) {
      let best = 0;
      let bestGap = -Infinity;
      weights.forEach((weight, bin) => {
        if (weight <= 0) return;
        const gap = (weight / total) * size - filled[bin]!;
        if (gap > bestGap) {
          bestGap = gap;
          best = bin;
        }
      });
      filled[best] += unit.indices.length;
      out[best]!.push(...unit.indices);
    }
  }
  for (const bin of out) bin.sort((a, b) => a - b);
  return out;
}

function assign(set: ImageSet, indices: readonly number[], fractions: Record<SplitName, number>, config: SplitConfig, rng: Rng): Record<SplitName, number[]> {
  const [train, val, test] = assignBins(
    set,
    indices,
    SPLITS.map((name) => fractions[name]),
    config,
    rng,
  );
  return { train: train!, val: val!, test: test! };
}

/**
 * Splits `samples` into k folds of near-equal size with split's rules: stratified by class and
 * group-aware (a group never lands in two folds). Returns each fold's sample indices, sorted.
 * @example
 *   const folds = assignFolds(pooled, 5, { stratify: true, byGroup: true }, createRng(seed));
 */
export function assignFolds(samples: ImageSet['samples'], k: number, config: Pick<SplitConfig, 'stratify' | 'byGroup'>, rng: Rng): number[][] {
  return assignBins(
    { samples },
    samples.map((_, i) => i),
    Array.from({ length: k }, () => 1),
    config,
    rng,
  );
}

function subsetOf(set: ImageSet, indices: readonly number[]): Subset {
  const size = sampleSize(set.shape);
  const pixels = new Float32Array(indices.length * size);
  indices.forEach((i, k) => pixels.set(set.pixels.subarray(i * size, (i + 1) * size), k * size));
  return { samples: indices.map((i) => set.samples[i]!), pixels };
}

/** Fits mean/std on the training subset only and applies them to every subset. */
function applyDeferred(set: ImageSet, subsets: Record<SplitName, Subset>): { subsets: Record<SplitName, Subset>; steps: unknown[] } {
  const steps: unknown[] = [];
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

/** Identical pixel content and shared group keys across splits. */
function audit(set: ImageSet, parts: Record<SplitName, number[]>): SplitSet['audit'] {
  const size = sampleSize(set.shape);
  const seen = new Map<string, SplitName>();
  const groupSplit = new Map<string, SplitName>();
  let duplicateContent = 0;
  const shared = new Set<string>();
  const examples: string[] = [];
  for (const name of SPLITS) {
    for (const i of parts[name]) {
      const view = set.pixels.subarray(i * size, (i + 1) * size);
      const digest = createHash('sha1')
        .update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength))
        .digest('hex');
      const other = seen.get(digest);
      if (other !== undefined && other !== name) {
        duplicateContent++;
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
  return { duplicateContent, sharedGroups: shared.size, examples };
}

export function splitImageSet(set: ImageSet, config: SplitConfig, seed: number, ctx?: StageContext): SplitSet {
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
  const counts = Object.fromEntries(
    SPLITS.map((name) => [name, set.classes.map((_, c) => subsets[name].samples.filter((s) => s.label === c).length)]),
  ) as Record<SplitName, number[]>;
  const leaks = audit(set, parts);
  if (ctx) {
    for (const name of SPLITS) {
      ctx.emit({ type: 'log', level: 'info', message: `${name}: ${set.classes.map((c, k) => `${c} ${counts[name][k]}`).join(', ')}` });
    }
    if (leaks.duplicateContent > 0 || leaks.sharedGroups > 0) {
      ctx.emit({
        type: 'log',
        level: 'warn',
        message: `leak audit: ${leaks.duplicateContent} image(s) with identical pixels across splits, ${leaks.sharedGroups} group(s) in more than one split${leaks.examples.length ? ` (e.g. ${leaks.examples[0]})` : ''}`,
      });
    }
  }
  return {
    classes: set.classes,
    shape: set.shape,
    ...subsets,
    augment: set.augment,
    preprocessing: [...set.preprocessing, ...steps],
    counts,
    audit: leaks,
  };
}

export const splitImpl: StageImpl<SplitConfig, ImageSet, SplitSet> = {
  kind: 'split',
  version: 1,
  seeded: true,
  validate(config) {
    const problems: string[] = [];
    const f = config.fractions;
    if (f) {
      const values = [f.train, f.val, f.test];
      if (values.some((v) => typeof v !== 'number' || v < 0) || f.train <= 0 || f.val <= 0) problems.push('fractions need train > 0, val > 0, test ≥ 0');
      else if (Math.abs(values.reduce((a, b) => a + b, 0) - 1) > 1e-6) problems.push(`fractions must add up to 1, got ${values.reduce((a, b) => a + b, 0)}`);
    }
    if (config.valFraction !== undefined && !(config.valFraction > 0 && config.valFraction < 1)) problems.push('valFraction must be in (0, 1)');
    return problems;
  },
  run: async (input, config, ctx) => splitImageSet(input, config, ctx.seed, ctx),
  encode: encodeSplitSet,
  decode: decodeSplitSet,
  summary: (s) =>
    `train ${s.train.samples.length} / val ${s.val.samples.length} / test ${s.test.samples.length}` +
    (s.audit.duplicateContent || s.audit.sharedGroups
      ? `; leak audit: ${s.audit.duplicateContent} duplicate image(s), ${s.audit.sharedGroups} shared group(s)`
      : ''),
};
