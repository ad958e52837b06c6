/**
 * Seeded, stratified, group-aware bootstrap: resample plans and percentile / BCa intervals.
 *
 * Resampling unit: a sample, or — when group keys (patients) exist — a whole group, so images of one
 * patient are drawn together and the interval reflects the number of patients, not of images.
 * Stratified: units are drawn with replacement within each class (a group's class is its majority
 * label), keeping the class counts of every resample equal to the original's, so every resample has
 * both classes and every ranking metric is defined.
 */
import { MedpipeError } from '../base/errors.ts';
import { createRng, deriveSeed } from '../base/rng.ts';
import { normalCdf, normalQuantile } from './normal.ts';
import { quantileSorted } from './quantile.ts';

/** Resamples by default (the issue's and most clinical papers' 2,000). */
export const DEFAULT_RESAMPLES = 2000;
/** Two-sided confidence level by default. */
export const DEFAULT_LEVEL = 0.95;
/** Above this many units, BCa's acceleration comes from a jackknife over this many blocks of units. */
const MAX_JACKKNIFE = 1000;

export interface ResampleOptions {
  /** Number of bootstrap resamples. @default 2000 */
  readonly resamples?: number;
  /** Seeds every resample (resample b draws from its own stream, so plans are reproducible piecewise). */
  readonly seed: number;
  /** Keep each class's count in every resample. @default true */
  readonly stratify?: boolean;
  /** Group key (patient) per sample; undefined entries are their own unit. @default none */
  readonly groups?: readonly (string | undefined)[];
}

/** Which samples each resample draws; made by `bootstrapPlan`. */
export interface BootstrapPlan {
  readonly n: number;
  readonly resamples: number;
  readonly seed: number;
  readonly stratified: boolean;
  /** 'group' when whole groups are drawn (some sample had a group key). */
  readonly unit: 'sample' | 'group';
  /** Number of units (samples or groups). */
  readonly units: number;
  /** Sample indices of resample b (0 ≤ b < resamples); duplicates are repeated draws. */
  resample(b: number): Int32Array;
  /** Jackknife replicates for BCa, made one at a time: sample indices with one unit (or one block of units) left out. */
  jackknife(): Iterable<Int32Array>;
}

/** What metrics.json says about the bootstrap behind its intervals (binary and K-class alike). */
export interface BootstrapSummary {
  readonly resamples: number;
  readonly seed: number;
  readonly level: number;
  readonly stratified: boolean;
  readonly unit: 'sample' | 'group';
  readonly units: number;
  readonly method: string;
}

export function bootstrapSummary(plan: BootstrapPlan, level: number, method: string): BootstrapSummary {
  return { resamples: plan.resamples, seed: plan.seed, level, stratified: plan.stratified, unit: plan.unit, units: plan.units, method };
}

/**
 * Makes the resampling plan for `labels` (class index per sample, any number of classes).
 * @example
 *   const plan = bootstrapPlan(labels, { seed: 42, groups: patientIds });
 *   const auc = bootstrapIntervals(plan, (idx) => ({ auc: rocAuc(pick(labels, idx), pick(scores, idx)) })).auc;
 */
export function bootstrapPlan(labels: ArrayLike<number>, options: ResampleOptions): BootstrapPlan {
  const n = labels.length;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  if (!(Number.isInteger(resamples) && resamples >= 1)) {
    throw new MedpipeError('INVALID_CONFIG', `The number of bootstrap resamples must be a whole number >= 1, got ${resamples}.`, {
      fix: 'Use e.g. 2000 (the default).',
    });
  }
  if (n === 0) throw new MedpipeError('NO_SAMPLES', 'Cannot bootstrap an empty set of samples.', { fix: 'Check that the split being evaluated is not empty.' });
  if (options.groups && options.groups.length !== n) {
    throw new MedpipeError('SHAPE_MISMATCH', `Bootstrap got ${n} labels but ${options.groups.length} group keys.`, {
      fix: 'Pass one group key (or undefined) per sample.',
    });
  }
  const stratified = options.stratify ?? true;
  const units = unitsOf(labels, options.groups);
  const strata = new Map<number, number[]>();
  units.forEach((unit, u) => {
    const key = stratified ? unit.label : 0;
    const list = strata.get(key);
    if (list) list.push(u);
    else strata.set(key, [u]);
  });
  const strataList = [...strata.keys()].sort((a, b) => a - b).map((k) => strata.get(k)!);
  const seed = options.seed;
  // Without groups every unit is one sample and every resample has n of them: fill a typed array directly.
  const single = units.every((u) => u.indices.length === 1) ? strataList.map((stratum) => Int32Array.from(stratum, (u) => units[u]!.indices[0]!)) : undefined;
  return {
    n,
    resamples,
    seed,
    stratified,
    unit: units.some((u) => u.indices.length > 1) || (options.groups?.some((g) => g !== undefined) ?? false) ? 'group' : 'sample',
    units: units.length,
    resample(b: number): Int32Array {
      const rng = createRng(deriveSeed(seed, 'bootstrap', b));
      if (single) {
        const out = new Int32Array(n);
        let at = 0;
        for (const stratum of single) for (let k = 0; k < stratum.length; k++) out[at++] = stratum[rng.int(stratum.length)]!;
        return out;
      }
      const out: number[] = [];
      for (const stratum of strataList) {
        for (let k = 0; k < stratum.length; k++) for (const i of units[stratum[rng.int(stratum.length)]!]!.indices) out.push(i);
      }
      return Int32Array.from(out);
    },
    *jackknife(): Generator<Int32Array, void, undefined> {
      // One replicate at a time, straight into its typed array: with up to MAX_JACKKNIFE replicates
      // of nearly n indices each, holding them all was 60 MB at n = 15,000 (and twice that as arrays of numbers).
      const blocks = jackknifeBlocks(units.length, seed);
      const blockOf = new Int32Array(units.length);
      blocks.forEach((members, k) => members.forEach((u) => (blockOf[u] = k)));
      for (let k = 0; k < blocks.length; k++) {
        let size = n;
        for (const u of blocks[k]!) size -= units[u]!.indices.length;
        const kept = new Int32Array(size);
        let at = 0;
        units.forEach((unit, u) => {
          if (blockOf[u] !== k) for (const i of unit.indices) kept[at++] = i;
        });
        yield kept;
      }
    },
  };
}

interface Unit {
  readonly indices: number[];
  readonly label: number;
}

/** Samples grouped by key (undefined = alone), each with its majority label (ties: the lower). */
function unitsOf(labels: ArrayLike<number>, groups: readonly (string | undefined)[] | undefined): Unit[] {
  const byGroup = new Map<string, number[]>();
  const units: Unit[] = [];
  for (let i = 0; i < labels.length; i++) {
    const g = groups?.[i];
    if (g === undefined) units.push({ indices: [i], label: labels[i]! });
    else {
      const list = byGroup.get(g);
      if (list) list.push(i);
      else byGroup.set(g, [i]);
    }
  }
  for (const indices of byGroup.values()) {
    const votes = new Map<number, number>();
    for (const i of indices) votes.set(labels[i]!, (votes.get(labels[i]!) ?? 0) + 1);
    const label = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
    units.push({ indices, label });
  }
  return units.sort((a, b) => a.indices[0]! - b.indices[0]!);
}

/** One unit per block, or MAX_JACKKNIFE seeded blocks of near-equal size for many units. */
function jackknifeBlocks(count: number, seed: number): number[][] {
  if (count <= MAX_JACKKNIFE) return Array.from({ length: count }, (_, u) => [u]);
  const order = Array.from({ length: count }, (_, u) => u);
  const rng = createRng(deriveSeed(seed, 'jackknife'));
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const blocks: number[][] = Array.from({ length: MAX_JACKKNIFE }, () => []);
  order.forEach((u, k) => blocks[k % MAX_JACKKNIFE]!.push(u));
  return blocks;
}

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/** A statistic's bootstrap intervals, with what a reader needs to judge them. */
export interface BootstrapInterval {
  /** The statistic on all samples. */
  readonly estimate: number;
  /** Percentile interval: the (1−level)/2 and (1+level)/2 quantiles of the resampled values. */
  readonly percentile: Interval;
  /**
   * Bias-corrected and accelerated interval (Efron 1987): bias from the share of resampled values
   * below the estimate (ties count half), acceleration from a jackknife. Null when undefined
   * (every resampled value on one side of the estimate, or a constant statistic).
   */
  readonly bca: Interval | null;
  /** Standard deviation of the resampled values (the bootstrap standard error). */
  readonly se: number;
  readonly level: number;
  readonly resamples: number;
  /** Resamples where the statistic was defined (finite); intervals use only these. */
  readonly valid: number;
}

export interface IntervalOptions {
  /** Two-sided confidence level. @default 0.95 */
  readonly level?: number;
  /** Compute BCa (needs one statistic evaluation per jackknife replicate). @default true */
  readonly bca?: boolean;
}

/**
 * Evaluates `statistic` (several named values at once, e.g. every metric of one resample after a
 * single sort) on all samples and on each resample of `plan`, and returns each value's intervals.
 *
 * @example
 *   const ci = bootstrapIntervals(plan, (idx) => ({ mean: mean(pick(x, idx)) }));
 *   ci.mean.bca; // { lower, upper }
 */
export function bootstrapIntervals<K extends string>(
  plan: BootstrapPlan,
  statistic: (indices: Int32Array) => Readonly<Record<K, number>>,
  options: IntervalOptions = {},
): Record<K, BootstrapInterval> {
  const level = options.level ?? DEFAULT_LEVEL;
  if (!(level > 0 && level < 1)) throw new MedpipeError('INVALID_CONFIG', `The confidence level must be in (0, 1), got ${level}.`, { fix: 'Use e.g. 0.95.' });
  const all = Int32Array.from({ length: plan.n }, (_, i) => i);
  const estimate = statistic(all);
  const keys = Object.keys(estimate) as K[];
  const draws = Object.fromEntries(keys.map((k) => [k, new Float64Array(plan.resamples)])) as Record<K, Float64Array>;
  for (let b = 0; b < plan.resamples; b++) {
    const values = statistic(plan.resample(b));
    for (const k of keys) draws[k][b] = values[k];
  }
  const jack = (options.bca ?? true) ? Array.from(plan.jackknife(), (idx) => statistic(idx)) : [];
  const out = {} as Record<K, BootstrapInterval>;
  for (const k of keys) {
    out[k] = intervalOf(estimate[k], draws[k], (options.bca ?? true) ? jack.map((j) => j[k]) : undefined, level);
  }
  return out;
}

/**
 * Percentile and BCa intervals from resampled values `draws` (non-finite ones are dropped) and
 * jackknife values (for the acceleration; omitted = no BCa). Exposed for tests against SciPy.
 */
export function intervalOf(estimate: number, draws: ArrayLike<number>, jackknife: readonly number[] | undefined, level: number): BootstrapInterval {
  const valid = Float64Array.from(Array.from(draws).filter((v) => Number.isFinite(v))).sort();
  const alpha = (1 - level) / 2;
  const nan = { lower: Number.NaN, upper: Number.NaN };
  const resamples = draws.length;
  if (valid.length === 0 || !Number.isFinite(estimate)) {
    return { estimate, percentile: nan, bca: null, se: Number.NaN, level, resamples, valid: valid.length };
  }
  const percentile = { lower: quantileSorted(valid, alpha), upper: quantileSorted(valid, 1 - alpha) };
  const mean = valid.reduce((a, v) => a + v, 0) / valid.length;
  const se = valid.length > 1 ? Math.sqrt(valid.reduce((a, v) => a + (v - mean) ** 2, 0) / (valid.length - 1)) : Number.NaN;
  const bca = jackknife ? bcaInterval(estimate, valid, jackknife, alpha) : null;
  return { estimate, percentile, bca, se, level, resamples, valid: valid.length };
}

function bcaInterval(estimate: number, sorted: Float64Array, jackknife: readonly number[], alpha: number): Interval | null {
  let below = 0;
  let atOrBelow = 0;
  for (const v of sorted) {
    if (v < estimate) below++;
    if (v <= estimate) atOrBelow++;
  }
  const z0 = normalQuantile((below + atOrBelow) / (2 * sorted.length));
  if (!Number.isFinite(z0)) return null;
  const jack = jackknife.filter((v) => Number.isFinite(v));
  if (jack.length < 2) return null;
  const jackMean = jack.reduce((a, v) => a + v, 0) / jack.length;
  let num = 0;
  let den = 0;
  for (const v of jack) {
    const d = jackMean - v;
    num += d ** 3;
    den += d ** 2;
  }
  const a = den === 0 ? 0 : num / (6 * den ** 1.5);
  const level = (z: number) => {
    const shifted = z0 + z;
    return normalCdf(z0 + shifted / (1 - a * shifted));
  };
  const lo = level(normalQuantile(alpha));
  const hi = level(normalQuantile(1 - alpha));
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  return { lower: quantileSorted(sorted, lo), upper: quantileSorted(sorted, hi) };
}

/** Values of `array` at `indices` (a resample), as a Float64Array. */
export function pick(array: ArrayLike<number>, indices: Int32Array): Float64Array {
  const out = new Float64Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = array[indices[i]!]!;
  return out;
}
