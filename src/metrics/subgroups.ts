/**
 * Subgroup analysis: the test metrics, with bootstrap intervals, per value of each metadata
 * attribute (a CSV column, a non-identifying DICOM tag such as sex or age band, the source folder),
 * with counts and a warning where a subgroup is too small for its numbers to mean much.
 */
import { bootstrapIntervals, bootstrapPlan, pick, type BootstrapInterval } from './bootstrap.ts';
import { confusionAt } from './confusion.ts';
import { countMetrics } from './binary-metrics.ts';
import { rocAuc } from './roc-curve.ts';

export interface SubgroupSample {
  readonly label: number;
  readonly score: number;
  readonly group?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface SubgroupOptions {
  /** Frozen decision threshold (predicted = score ≥ threshold). */
  readonly threshold: number;
  readonly seed: number;
  /** @default 2000 */
  readonly resamples?: number;
  /** @default 0.95 */
  readonly level?: number;
  /** Attributes to analyse, or 'auto': every attribute with 2 to `maxValues` distinct values. @default 'auto' */
  readonly attributes?: readonly string[] | 'auto';
  /** 'auto' skips attributes with more distinct values than this (ids, free text). @default 20 */
  readonly maxValues?: number;
  /** Warn below this many samples. @default 30 */
  readonly minSize?: number;
  /** Warn below this many samples of either class. @default 10 */
  readonly minPerClass?: number;
}

export const SUBGROUP_METRICS = ['auc', 'sensitivity', 'specificity', 'ppv', 'npv', 'accuracy'] as const;
export type SubgroupMetric = (typeof SUBGROUP_METRICS)[number];

export interface SubgroupResult {
  readonly attribute: string;
  readonly value: string;
  readonly n: number;
  readonly positives: number;
  readonly negatives: number;
  /** Intervals per metric; undefined where the metric cannot be computed (a class is absent). */
  readonly metrics: Partial<Record<SubgroupMetric, BootstrapInterval>>;
  /** Set when the subgroup is too small to say anything with confidence. */
  readonly warning?: string;
}

/**
 * Metrics per subgroup of each attribute; samples without the attribute form no subgroup.
 * @example
 *   subgroupMetrics(test, { threshold: 0.42, seed: 42, attributes: ['sex'] });
 */
export function subgroupMetrics(samples: readonly SubgroupSample[], options: SubgroupOptions): SubgroupResult[] {
  const out: SubgroupResult[] = [];
  for (const attribute of attributesToAnalyse(samples, options)) {
    const values = new Map<string, number[]>();
    samples.forEach((s, i) => {
      const v = s.attributes?.[attribute];
      if (v === undefined || v === '') return;
      const list = values.get(v);
      if (list) list.push(i);
      else values.set(v, [i]);
    });
    for (const value of [...values.keys()].sort())
      out.push(
        oneSubgroup(
          attribute,
          value,
          values.get(value)!.map((i) => samples[i]!),
          options,
        ),
      );
  }
  return out;
}

/** The attributes 'auto' picks: present on some sample, with 2..maxValues distinct values. */
export function attributesToAnalyse(samples: readonly SubgroupSample[], options: Pick<SubgroupOptions, 'attributes' | 'maxValues'>): string[] {
  if (options.attributes && options.attributes !== 'auto') return [...options.attributes];
  const distinct = new Map<string, Set<string>>();
  for (const s of samples) {
    for (const [k, v] of Object.entries(s.attributes ?? {})) {
      if (v === '') continue;
      const set = distinct.get(k) ?? new Set<string>();
      set.add(v);
      distinct.set(k, set);
    }
  }
  const max = options.maxValues ?? 20;
  return [...distinct.entries()]
    .filter(([, set]) => set.size >= 2 && set.size <= max)
    .map(([k]) => k)
    .sort();
}

function oneSubgroup(attribute: string, value: string, members: readonly SubgroupSample[], options: SubgroupOptions): SubgroupResult {
  const labels = members.map((s) => s.label);
  const scores = members.map((s) => s.score);
  const positives = labels.filter((y) => y === 1).length;
  const negatives = labels.length - positives;
  const minSize = options.minSize ?? 30;
  const minPerClass = options.minPerClass ?? 10;
  const reasons: string[] = [];
  if (members.length < minSize) reasons.push(`${members.length} samples (< ${minSize})`);
  if (positives < minPerClass) reasons.push(`${positives} positive (< ${minPerClass})`);
  if (negatives < minPerClass) reasons.push(`${negatives} negative (< ${minPerClass})`);
  const warning = reasons.length > 0 ? `too small to say much: ${reasons.join(', ')}; its intervals are wide or undefined` : undefined;
  const plan = bootstrapPlan(labels, { seed: options.seed, resamples: options.resamples, groups: members.map((s) => s.group) });
  const statistic = (idx: Int32Array) => {
    const y = pick(labels, idx);
    const s = pick(scores, idx);
    const c = countMetrics(confusionAt(y, s, options.threshold));
    const values: Partial<Record<SubgroupMetric, number>> = { accuracy: c.accuracy };
    if (positives > 0) values.sensitivity = c.recall;
    if (negatives > 0) values.specificity = c.specificity;
    if (positives > 0 && negatives > 0) values.auc = rocAuc(y, s);
    // PPV/NPV are undefined (not 0) when nothing is predicted positive/negative in a resample.
    const predictedPositive = countPredicted(s, options.threshold);
    values.ppv = predictedPositive > 0 ? c.precision : Number.NaN;
    values.npv = predictedPositive < s.length ? c.npv : Number.NaN;
    return values as Record<SubgroupMetric, number>;
  };
  const metrics = bootstrapIntervals(plan, statistic, { level: options.level });
  return { attribute, value, n: members.length, positives, negatives, metrics, ...(warning ? { warning } : {}) };
}

function countPredicted(scores: Float64Array, threshold: number): number {
  let k = 0;
  for (const s of scores) if (s >= threshold) k++;
  return k;
}
