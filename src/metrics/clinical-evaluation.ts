/**
 * Everything a reviewer asks of a test-set evaluation beyond point estimates, in one plain-data
 * result: bootstrap intervals on every metric (DeLong's beside the AUC's), calibration with an
 * optional recalibration fitted on validation, operating points chosen on validation, subgroups,
 * and ROC/PR bands. The evaluate stage calls this once; the report and metrics.json only read it.
 */
import { binaryMetrics, type BinaryMetrics } from './binary-metrics.ts';
import {
  bootstrapIntervals,
  bootstrapPlan,
  bootstrapSummary,
  pick,
  DEFAULT_LEVEL,
  DEFAULT_RESAMPLES,
  type BootstrapInterval,
  type BootstrapPlan,
  type BootstrapSummary,
} from './bootstrap.ts';
import {
  brierScore,
  calibrationCurve,
  eceOf,
  logisticCalibration,
  scoreHistogram,
  type Binning,
  type CalibrationCurve,
  type LogisticCalibration,
} from './calibration.ts';
import { confusionAt } from './confusion.ts';
import { countMetrics } from './binary-metrics.ts';
import { curveBand, type CurveBand } from './curve-bands.ts';
import { delongAuc, type DelongAuc } from './delong.ts';
import { chooseThreshold } from './operating-point.ts';
import { applyRecalibration, fitRecalibration, type Recalibration, type RecalibrationMethod } from './recalibration.ts';
import { rocAuc } from './roc-curve.ts';
import { subgroupMetrics, type SubgroupResult, type SubgroupSample } from './subgroups.ts';
import { SUMMARY_METRIC_KEYS } from './summary-keys.ts';

/** The metrics of metrics.json that get an interval (the counts tp/fp/tn/fn are counts, not estimates). */
export const CI_METRICS = SUMMARY_METRIC_KEYS;
export const CALIBRATION_METRICS = ['brier', 'ece', 'calibrationIntercept', 'calibrationSlope'] as const;
export type CiMetric = (typeof CI_METRICS)[number] | (typeof CALIBRATION_METRICS)[number];

/** Sensitivity targets of the operating-point table. */
export const OPERATING_TARGETS = [0.8, 0.9, 0.95] as const;

export interface MetricInterval extends BootstrapInterval {
  /** How the interval was made, in words (resampling unit, stratification, resamples, seed). */
  readonly method: string;
  /** AUC only: DeLong's interval (normal approximation, clipped to [0, 1]) and standard error. */
  readonly delong?: { readonly lower: number; readonly upper: number; readonly se: number };
}

export interface OperatingPoint {
  readonly targetSensitivity: number;
  /** Chosen on validation: the highest threshold reaching the target there. */
  readonly threshold: number;
  readonly validation: { readonly sensitivity: number; readonly specificity: number };
  /** Test metrics at that frozen threshold, with intervals (threshold-selection uncertainty not included). */
  readonly test: Record<'sensitivity' | 'specificity' | 'ppv' | 'npv', MetricInterval>;
}

export interface CalibrationReport {
  readonly binning: { readonly strategy: 'uniform' | 'quantile'; readonly bins: number; readonly rule: string };
  readonly curve: CalibrationCurve;
  /** Scores per class over the curve's bins (the histogram under the reliability diagram). */
  readonly histogram: { readonly edges: readonly number[]; readonly positives: readonly number[]; readonly negatives: readonly number[] };
  readonly notes: readonly string[];
  /** Present when recalibration was asked for: fitted on validation, applied to test. */
  readonly recalibrated?: {
    readonly map: Recalibration;
    readonly fittedOn: 'validation';
    readonly auc: number;
    readonly curve: CalibrationCurve;
    readonly metrics: Record<(typeof CALIBRATION_METRICS)[number], MetricInterval>;
  };
}

export interface ClinicalEvaluation {
  readonly bootstrap: BootstrapSummary;
  readonly intervals: Record<CiMetric, MetricInterval>;
  readonly delong: DelongAuc;
  readonly calibration: CalibrationReport;
  readonly operatingPoints: readonly OperatingPoint[];
  readonly subgroups: readonly SubgroupResult[];
  readonly bands: { readonly roc: CurveBand; readonly pr: CurveBand };
}

export interface ClinicalOptions {
  /** The frozen decision threshold of the main metrics. */
  readonly threshold: number;
  /** Target of specificityAtSensitivity. */
  readonly sensitivityTarget: number;
  readonly seed: number;
  /** @default 2000 */
  readonly resamples?: number;
  /** @default 0.95 */
  readonly level?: number;
  /** @default { bins: 10, strategy: 'uniform' } */
  readonly binning?: Binning;
  /** Fit on validation, report on test beside the raw scores. @default none */
  readonly recalibrate?: RecalibrationMethod;
  /** @default 'auto' (see subgroupMetrics) */
  readonly subgroups?: readonly string[] | 'auto' | false;
  /** @default [0.8, 0.9, 0.95] */
  readonly operatingTargets?: readonly number[];
}

type Scored = SubgroupSample;

/**
 * @example
 *   const clinical = clinicalEvaluation(valPredictions, testPredictions, { threshold: 0.42, sensitivityTarget: 0.8, seed: 42 });
 *   clinical.intervals.auc.bca; // { lower, upper }
 */
export function clinicalEvaluation(val: readonly Scored[], test: readonly Scored[], options: ClinicalOptions): ClinicalEvaluation {
  const level = options.level ?? DEFAULT_LEVEL;
  const labels = test.map((p) => p.label);
  const scores = test.map((p) => p.score);
  const plan = bootstrapPlan(labels, { seed: options.seed, resamples: options.resamples ?? DEFAULT_RESAMPLES, groups: test.map((p) => p.group) });
  const method = describe(plan);
  const binning = { bins: options.binning?.bins ?? 10, strategy: options.binning?.strategy ?? 'uniform' } as const;

  const allFit = logisticCalibration(labels, scores);
  const main = labelled(
    bootstrapIntervals(
      plan,
      (idx) => {
        const y = pick(labels, idx);
        const s = pick(scores, idx);
        const m: BinaryMetrics = binaryMetrics(y, s, { threshold: options.threshold, sensitivity: options.sensitivityTarget });
        return { ...Object.fromEntries(CI_METRICS.map((k) => [k, m[k]])), ...calibrationValues(y, s, binning, allFit) } as Record<CiMetric, number>;
      },
      { level },
    ),
    method,
  );
  const delong = delongAuc(labels, scores, level);
  const intervals = { ...main, auc: { ...main.auc, ...(delong.ci ? { delong: { ...delong.ci, se: delong.se } } : {}) } };

  const curve = calibrationCurve(labels, scores, binning);
  const calibration: CalibrationReport = {
    binning: {
      ...binning,
      rule: `${binning.bins} ${binning.strategy === 'uniform' ? 'equal-width' : 'equal-count (quantile)'} bins over [0, 1]; a score on an inner edge falls in the lower bin (scikit-learn calibration_curve)`,
    },
    curve,
    histogram: { edges: curve.edges, ...scoreHistogram(labels, scores, curve.edges) },
    notes: allFit.notes,
    ...(options.recalibrate ? { recalibrated: recalibrated(options.recalibrate, val, labels, scores, plan, binning, level, method) } : {}),
  };

  const operatingPoints = (options.operatingTargets ?? OPERATING_TARGETS).map((target) => operatingPoint(target, val, labels, scores, plan, level, method));
  const subgroups =
    options.subgroups === false
      ? []
      : subgroupMetrics(test, { threshold: options.threshold, seed: options.seed, resamples: plan.resamples, level, attributes: options.subgroups ?? 'auto' });
  const bands = { roc: curveBand('roc', labels, scores, plan, level), pr: curveBand('pr', labels, scores, plan, level) };
  return {
    bootstrap: bootstrapSummary(plan, level, method),
    intervals,
    delong,
    calibration,
    operatingPoints,
    subgroups,
    bands,
  };
}

/** Brier, ECE, calibration intercept and slope of one (re)sample; `start` (the all-sample fit) speeds the fits up. */
function calibrationValues(
  y: Float64Array,
  s: Float64Array,
  binning: Binning,
  start?: LogisticCalibration,
): Record<(typeof CALIBRATION_METRICS)[number], number> {
  const fit = logisticCalibration(y, s, start);
  return { brier: brierScore(y, s), ece: eceOf(calibrationCurve(y, s, binning), y.length), calibrationIntercept: fit.intercept, calibrationSlope: fit.slope };
}

function describe(plan: BootstrapPlan): string {
  const unit = plan.unit === 'group' ? `patient groups (${plan.units} groups)` : `samples`;
  return `${plan.stratified ? 'stratified ' : ''}bootstrap: ${plan.resamples} resamples of ${unit}${plan.stratified ? ' drawn within each class' : ''}, seed ${plan.seed}`;
}

function operatingPoint(
  target: number,
  val: readonly Scored[],
  labels: number[],
  scores: number[],
  plan: BootstrapPlan,
  level: number,
  method: string,
): OperatingPoint {
  const chosen = chooseThreshold(
    val.map((p) => p.label),
    val.map((p) => p.score),
    { sensitivity: target },
  );
  const ci = bootstrapIntervals(
    plan,
    (idx) => {
      const s = pick(scores, idx);
      const c = confusionAt(pick(labels, idx), s, chosen.threshold);
      const m = countMetrics(c);
      return {
        sensitivity: m.recall,
        specificity: m.specificity,
        // Undefined, not scikit-learn's 0, when nothing is predicted positive (negative) in a resample.
        ppv: c.tp + c.fp > 0 ? m.precision : Number.NaN,
        npv: c.tn + c.fn > 0 ? m.npv : Number.NaN,
      };
    },
    { level },
  );
  return { targetSensitivity: target, threshold: chosen.threshold, validation: chosen.onChoiceSplit!, test: labelled(ci, method) };
}

function recalibrated(
  methodName: RecalibrationMethod,
  val: readonly Scored[],
  labels: number[],
  scores: number[],
  plan: BootstrapPlan,
  binning: Binning,
  level: number,
  method: string,
): NonNullable<CalibrationReport['recalibrated']> {
  const map = fitRecalibration(
    methodName,
    val.map((p) => p.label),
    val.map((p) => p.score),
  );
  const calibrated = applyRecalibration(map, scores);
  const start = logisticCalibration(labels, calibrated);
  const ci = bootstrapIntervals(plan, (idx) => calibrationValues(pick(labels, idx), pick(calibrated, idx), binning, start), { level });
  return { map, fittedOn: 'validation', auc: rocAuc(labels, calibrated), curve: calibrationCurve(labels, calibrated, binning), metrics: labelled(ci, method) };
}

/** Each interval with the words saying how it was made. */
function labelled<K extends string>(ci: Record<K, BootstrapInterval>, method: string): Record<K, MetricInterval> {
  return Object.fromEntries(Object.entries<BootstrapInterval>(ci).map(([k, v]) => [k, { ...v, method }])) as Record<K, MetricInterval>;
}
