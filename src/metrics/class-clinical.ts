/**
 * The clinical evaluation of K-class (multi-class, ordinal) and multi-label runs, as
 * clinical-evaluation.ts does for binary ones: a seeded bootstrap interval on every number of
 * metrics.json, calibration (multi-class Brier, top-label ECE, per-class reliability) and subgroups.
 */
import {
  bootstrapIntervals,
  bootstrapPlan,
  bootstrapSummary,
  pick,
  DEFAULT_LEVEL,
  DEFAULT_RESAMPLES,
  type BootstrapPlan,
  type BootstrapSummary,
} from './bootstrap.ts';
import type { Binning } from './calibration.ts';
import { classCalibration, labelCalibration, multiclassBrier, topLabelEce, type ClassCalibration } from './class-calibration.ts';
import type { MetricInterval } from './clinical-evaluation.ts';
import { metricLeaves, nestLeaves, type Nested } from './metric-leaves.ts';
import { multiclassMetrics } from './multiclass-metrics.ts';
import { multilabelMetrics } from './multilabel-metrics.ts';
import type { SubgroupSample } from './subgroups.ts';
import { taskSubgroups, type TaskSubgroupResult } from './task-subgroups.ts';

type Sample = Pick<SubgroupSample, 'group' | 'attributes'>;
/** One test image of a K-class task: its class and K probabilities. */
export type ClassScored = Sample & { readonly label: number; readonly probabilities: readonly number[] };
/** One test image of a multi-label task: its 0/1 findings and K scores. */
export type LabelScored = Sample & { readonly labels: readonly number[]; readonly scores: readonly number[] };

export interface ClassClinicalOptions {
  readonly seed: number;
  /** @default 2000 */
  readonly resamples?: number;
  /** @default 0.95 */
  readonly level?: number;
  /** @default { bins: 10, strategy: 'uniform' } */
  readonly binning?: Binning;
  /** @default 'auto' */
  readonly subgroups?: readonly string[] | 'auto' | false;
}

export interface ClassClinicalEvaluation {
  readonly bootstrap: BootstrapSummary;
  /** An interval for every estimate of metrics.json, in its shape (perClass.<class>.recall, macro.f1, …), plus brier and ece. */
  readonly intervals: Nested<MetricInterval>;
  readonly calibration: ClassCalibration & { readonly binning: { readonly strategy: 'uniform' | 'quantile'; readonly bins: number; readonly rule: string } };
  readonly subgroups: readonly TaskSubgroupResult[];
}

/**
 * @example
 *   const clinical = classClinicalEvaluation(test, classes, 'ordinal', { seed: 42 });
 *   clinical.intervals.accuracy; // { estimate, percentile, bca, … , method }
 */
export function classClinicalEvaluation(
  test: readonly ClassScored[],
  classes: readonly string[],
  task: 'multiclass' | 'ordinal',
  options: ClassClinicalOptions,
): ClassClinicalEvaluation {
  const labels = test.map((p) => p.label);
  const rows = test.map((p) => p.probabilities);
  const binning = binningOf(options.binning);
  const plan = bootstrapPlan(labels, { seed: options.seed, resamples: options.resamples ?? DEFAULT_RESAMPLES, groups: test.map((p) => p.group) });
  const of = (idx: ArrayLike<number>) => ({ y: pick(labels, idx as Int32Array), r: Array.from(idx, (i) => rows[i]!) });
  const statistic = (idx: Int32Array) => {
    const { y, r } = of(idx);
    return { ...metricLeaves(multiclassMetrics(y, r, classes, { task })), brier: multiclassBrier(y, r), ece: topLabelEce(y, r, binning) };
  };
  const subgroupStatistic = (idx: Int32Array) => {
    const { y, r } = of(idx);
    const m = multiclassMetrics(y, r, classes, { task });
    return {
      accuracy: m.accuracy,
      balancedAccuracy: m.balancedAccuracy,
      auc: m.auc,
      macroF1: m.macro.f1,
      ...(task === 'ordinal' ? { quadraticWeightedKappa: m.quadraticWeightedKappa! } : { kappa: m.kappa }),
    };
  };
  return {
    ...intervalsOf(plan, statistic, options),
    calibration: { binning: describeBinning(binning), ...classCalibration(labels, rows, classes, binning) },
    subgroups:
      options.subgroups === false
        ? []
        : taskSubgroups(
            test,
            { classes, classesOf: (i) => [labels[i]!], strata: labels, statistic: subgroupStatistic },
            { seed: options.seed, resamples: plan.resamples, level: options.level, attributes: options.subgroups },
          ),
  };
}

/**
 * Multi-label: images are resampled whole (all their findings together) and not stratified — a
 * stratum per combination of findings would hold a single image for rare combinations, which then
 * never varies; a per-finding metric undefined in a resample (the finding absent) is left out of
 * that metric's interval and counted in `valid`.
 * @example
 *   const clinical = labelClinicalEvaluation(test, ['effusion', 'nodule'], [0.4, 0.6], { seed: 42 });
 */
export function labelClinicalEvaluation(
  test: readonly LabelScored[],
  classes: readonly string[],
  thresholds: readonly number[],
  options: ClassClinicalOptions,
): ClassClinicalEvaluation {
  const labels = test.map((p) => p.labels);
  const rows = test.map((p) => p.scores);
  const binning = binningOf(options.binning);
  const plan = bootstrapPlan(
    test.map(() => 0),
    { seed: options.seed, resamples: options.resamples ?? DEFAULT_RESAMPLES, groups: test.map((p) => p.group), stratify: false },
  );
  const of = (idx: ArrayLike<number>) => ({ y: Array.from(idx, (i) => labels[i]!), r: Array.from(idx, (i) => rows[i]!) });
  const statistic = (idx: Int32Array) => {
    const { y, r } = of(idx);
    return { ...metricLeaves(multilabelMetrics(y, r, classes, thresholds)), brier: labelCalibration(y, r, classes, binning).brier };
  };
  const subgroupStatistic = (idx: Int32Array) => {
    const { y, r } = of(idx);
    const m = multilabelMetrics(y, r, classes, thresholds);
    return { auc: m.auc, microAuc: m.microAuc, macroF1: m.macro.f1, hammingLoss: m.hammingLoss, subsetAccuracy: m.subsetAccuracy };
  };
  return {
    ...intervalsOf(plan, statistic, options),
    calibration: { binning: describeBinning(binning), ...labelCalibration(labels, rows, classes, binning) },
    subgroups:
      options.subgroups === false
        ? []
        : taskSubgroups(
            test,
            { classes, classesOf: (i) => labels[i]!.flatMap((v, j) => (v === 1 ? [j] : [])), statistic: subgroupStatistic },
            { seed: options.seed, resamples: plan.resamples, level: options.level, attributes: options.subgroups },
          ),
  };
}

function intervalsOf(
  plan: BootstrapPlan,
  statistic: (idx: Int32Array) => Record<string, number>,
  options: ClassClinicalOptions,
): Pick<ClassClinicalEvaluation, 'bootstrap' | 'intervals'> {
  const level = options.level ?? DEFAULT_LEVEL;
  const method = describePlan(plan);
  const ci = bootstrapIntervals(plan, statistic, { level });
  const labelled = Object.fromEntries(Object.entries(ci).map(([k, v]) => [k, { ...v, method }]));
  return {
    bootstrap: bootstrapSummary(plan, level, method),
    intervals: nestLeaves<MetricInterval>(labelled),
  };
}

function binningOf(binning: Binning | undefined): Required<Binning> {
  return { bins: binning?.bins ?? 10, strategy: binning?.strategy ?? 'uniform' };
}

function describeBinning(binning: Required<Binning>) {
  return {
    ...binning,
    rule: `${binning.bins} ${binning.strategy === 'uniform' ? 'equal-width' : 'equal-count (quantile)'} bins over [0, 1]; a score on an inner edge falls in the lower bin (scikit-learn calibration_curve)`,
  };
}

function describePlan(plan: BootstrapPlan): string {
  const unit = plan.unit === 'group' ? `patient groups (${plan.units} groups)` : 'images';
  return `${plan.stratified ? 'stratified ' : ''}bootstrap: ${plan.resamples} resamples of ${unit}${plan.stratified ? ' drawn within each class' : ', all findings of an image together'}, seed ${plan.seed}`;
}
