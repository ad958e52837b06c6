/**
 * Subgroup analysis for K-class and multi-label tasks: the headline metrics, with bootstrap
 * intervals, per value of each metadata attribute, with class counts and a warning where a subgroup
 * is too small. (Binary tasks: subgroups.ts, whose metrics are sensitivity, specificity, PPV, NPV.)
 */
import { bootstrapIntervals, bootstrapPlan, type BootstrapInterval } from './bootstrap.ts';
import { attributesToAnalyse, type SubgroupSample } from './subgroups.ts';

export interface TaskSubgroupOptions {
  readonly seed: number;
  /** @default 2000 */
  readonly resamples?: number;
  /** @default 0.95 */
  readonly level?: number;
  /** Attributes to analyse, or 'auto' (every attribute with 2 to 20 values). @default 'auto' */
  readonly attributes?: readonly string[] | 'auto';
  /** Warn below this many samples. @default 30 */
  readonly minSize?: number;
  /** Warn when a class (finding) of the test split has fewer samples than this in the subgroup. @default 10 */
  readonly minPerClass?: number;
}

export interface TaskSubgroupResult {
  readonly attribute: string;
  readonly value: string;
  readonly n: number;
  /** Samples of each class (multi-label: images with each finding). */
  readonly counts: Readonly<Record<string, number>>;
  /** Intervals per metric; a metric undefined on the subgroup (e.g. AUC with one class) has NaN bounds and valid 0. */
  readonly metrics: Readonly<Record<string, BootstrapInterval>>;
  readonly warning?: string;
}

export interface SubgroupTask {
  /** Class names (findings). */
  readonly classes: readonly string[];
  /** Per sample, the classes it counts for (one class, or its findings). */
  readonly classesOf: (i: number) => readonly number[];
  /** Bootstrap strata per sample (its class), or undefined for an unstratified bootstrap. */
  readonly strata?: readonly number[];
  /** The subgroup metrics on the samples at these (global) indices. */
  readonly statistic: (indices: Int32Array) => Record<string, number>;
}

/**
 * @example
 *   taskSubgroups(test, { classes, classesOf: (i) => [labels[i]], strata: labels, statistic }, { seed: 42 });
 */
export function taskSubgroups(
  samples: readonly Pick<SubgroupSample, 'group' | 'attributes'>[],
  task: SubgroupTask,
  options: TaskSubgroupOptions,
): TaskSubgroupResult[] {
  const out: TaskSubgroupResult[] = [];
  const withLabels = samples.map((s) => ({ ...s, label: 0, score: 0 }));
  const inTest = new Set(samples.flatMap((_, i) => task.classesOf(i)));
  for (const attribute of attributesToAnalyse(withLabels, { attributes: options.attributes ?? 'auto' })) {
    const values = new Map<string, number[]>();
    samples.forEach((s, i) => {
      const v = s.attributes?.[attribute];
      if (v === undefined || v === '') return;
      values.set(v, [...(values.get(v) ?? []), i]);
    });
    for (const value of [...values.keys()].sort()) {
      const members = values.get(value)!;
      const counts = Object.fromEntries(task.classes.map((name) => [name, 0]));
      for (const i of members) for (const c of task.classesOf(i)) counts[task.classes[c]!]!++;
      const minSize = options.minSize ?? 30;
      const minPerClass = options.minPerClass ?? 10;
      const reasons: string[] = [];
      if (members.length < minSize) reasons.push(`${members.length} samples (< ${minSize})`);
      const few = task.classes.filter((name, c) => inTest.has(c) && counts[name]! < minPerClass);
      if (few.length > 0) reasons.push(`fewer than ${minPerClass} of ${few.join(', ')}`);
      const plan = bootstrapPlan(task.strata ? members.map((i) => task.strata![i]!) : members.map(() => 0), {
        seed: options.seed,
        resamples: options.resamples,
        stratify: task.strata !== undefined,
        groups: members.map((i) => samples[i]!.group),
      });
      const metrics = bootstrapIntervals(plan, (idx) => task.statistic(Int32Array.from(idx, (k) => members[k]!)), { level: options.level, bca: false });
      out.push({
        attribute,
        value,
        n: members.length,
        counts,
        metrics,
        ...(reasons.length > 0 ? { warning: `too small to say much: ${reasons.join(', ')}; its intervals are wide or undefined` } : {}),
      });
    }
  }
  return out;
}
