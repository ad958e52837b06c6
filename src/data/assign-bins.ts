import type { Rng } from '../base/rng.ts';
import { iterativeStratification, type LabelUnit } from './iterative-stratification.ts';
import type { SplitConfig } from './split-config.ts';
import type { SampleMeta } from './types.ts';

type Samples = { readonly samples: readonly SampleMeta[] };

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Samples that must stay together (one group) with their majority label. */
interface Unit {
  readonly indices: number[];
  label: number;
}

function unitsOf(set: Samples, indices: readonly number[], byGroup: boolean): Unit[] {
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

/** Multi-label units: one per group (or ungrouped sample), with positives per finding. */
function labelUnitsOf(set: Samples, indices: readonly number[], byGroup: boolean): LabelUnit[] {
  const byKey = new Map<string, number[]>();
  const units: number[][] = [];
  for (const i of indices) {
    const group = byGroup ? set.samples[i]!.group : undefined;
    if (group === undefined) units.push([i]);
    else byKey.set(group, [...(byKey.get(group) ?? []), i]);
  }
  units.push(...byKey.values());
  units.sort((a, b) => a[0]! - b[0]!);
  return units.map((members) => ({
    indices: members,
    counts: set.samples[members[0]!]!.labels!.map((_, j) => members.reduce((n, i) => n + set.samples[i]!.labels![j]!, 0)),
  }));
}

/**
 * Assigns units to bins (splits or folds) so that each class (when stratified) gets close to the
 * target weights: units are shuffled, then each goes to the bin with the largest remaining shortfall.
 * Multi-label samples (with `labels`) are stratified iteratively over their findings.
 */
export function assignBins(set: Samples, indices: readonly number[], weights: readonly number[], config: Pick<SplitConfig, 'stratify' | 'byGroup'>, rng: Rng): number[][] {
  const multiLabel = indices.length > 0 && set.samples[indices[0]!]!.labels !== undefined;
  if (multiLabel && (config.stratify ?? true)) return iterativeStratification(labelUnitsOf(set, indices, config.byGroup ?? true), weights, rng);
  const out: number[][] = weights.map(() => []);
  const units = unitsOf(set, indices, config.byGroup ?? true);
  // Sort for determinism before the seeded shuffle (Map order depends on input order only, but be explicit).
  units.sort((a, b) => a.indices[0]! - b.indices[0]!);
  const strata = new Map<number, Unit[]>();
  for (const unit of units) {
    const key = config.stratify ?? true ? unit.label : 0;
    const stratum = strata.get(key);
    if (stratum) stratum.push(unit);
    else strata.set(key, [unit]); // appended in place: copying the stratum per unit made split quadratic (133 s at 10^5 images)
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

/**
 * Splits `samples` into k folds of near-equal size with split's rules: stratified by class and
 * group-aware (a group never lands in two folds). Returns each fold's sample indices, sorted.
 * @example
 *   const folds = assignFolds(pooled, 5, { stratify: true, byGroup: true }, createRng(seed));
 */
export function assignFolds(samples: readonly SampleMeta[], k: number, config: Pick<SplitConfig, 'stratify' | 'byGroup'>, rng: Rng): number[][] {
  return assignBins({ samples }, samples.map((_, i) => i), Array.from({ length: k }, () => 1), config, rng);
}
