import type { Work } from '../base/work.ts';
import { testLeakage, type TestLeakage } from '../data/duplicates.ts';
import type { SplitSet, Subset } from '../data/image-set.ts';
import type { ClassClinicalEvaluation } from '../metrics/class-clinical.ts';
import type { MultilabelMetrics } from '../metrics/index.ts';
import type { Trained } from '../train/trained.ts';
import type { EvaluateConfig } from './evaluate-config.ts';
import { scoreValTest } from './evaluation-classes.ts';
import { classGradCam, clinicalOptions, evaluatedCommon, sampleKeys } from './evaluated-common.ts';
import { evaluationContext, type EvaluationContext } from './evaluation-context.ts';
import type { Curves, EvaluatedCommon, EvaluationRun } from './evaluation.ts';

/** One scored image of a multi-label task: its 0/1 findings and the K scores. */
export interface LabelPrediction {
  readonly id: string;
  readonly file: string;
  readonly labels: readonly number[];
  readonly scores: readonly number[];
  readonly group?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** evaluate's result for multi-label tasks. */
export interface LabelEvaluated extends EvaluatedCommon {
  readonly task: 'multilabel';
  readonly metrics: MultilabelMetrics;
  readonly validation: MultilabelMetrics;
  /** Each finding's threshold, and how it was chosen. */
  readonly thresholds: readonly number[];
  readonly thresholdSource: string;
  readonly predictions: readonly LabelPrediction[];
  readonly validationPredictions: readonly LabelPrediction[];
  /** Test images that repeat a training or validation image exactly (see testLeakage). */
  readonly leakage: TestLeakage;
  /** Intervals on every test metric, calibration and subgroups (at the frozen thresholds). */
  readonly clinical: ClassClinicalEvaluation;
  /** Data, model and training summary for the report. */
  readonly context: EvaluationContext;
}

/**
 * Scores validation and test with a K-sigmoid model, picks each finding's threshold on the
 * VALIDATION split (highest F1 by default, or a target sensitivity; or one fixed threshold for all),
 * freezes them, and computes the multi-label metrics, per-finding curves and report on test.
 * Grad-CAM explains, per picture, the image's most probable finding (or `gradCamClass`).
 * @example
 *   const e = await evaluateLabels(trained, splits, { threshold: 'maxF1' }, work);
 */
export async function evaluateLabels(trained: Trained, data: SplitSet, config: EvaluateConfig, work: Work, run: EvaluationRun): Promise<LabelEvaluated> {
  const m = await import('../metrics/index.ts');
  const scored = await scoreValTest(trained, data, config, work);
  const predictionsOf = (subset: Subset, rows: number[][]): LabelPrediction[] =>
    subset.samples.map((s, i) => ({ id: s.id, file: s.file, labels: s.labels ?? [], scores: rows[i]!, ...sampleKeys(s) }));
  const val = predictionsOf(data.val, scored.val);
  const test = predictionsOf(data.test, scored.test);
  const k = data.classes.length;
  const columnOf = (set: LabelPrediction[], key: 'labels' | 'scores', j: number) => set.map((p) => p[key][j]!);
  // Each finding's threshold by the rule on its validation column; a finding with one class only
  // there has nothing to choose on and keeps 0.5 (said in thresholdSource).
  const rule = config.threshold ?? 'maxF1';
  const { chooseThreshold } = await import('../metrics/operating-point.ts');
  const oneClass = data.classes.filter((_, j) => {
    const y = columnOf(val, 'labels', j);
    return typeof rule !== 'number' && (!y.includes(1) || !y.includes(0));
  });
  const chosen = data.classes.map((c, j) => (oneClass.includes(c) ? undefined : chooseThreshold(columnOf(val, 'labels', j), columnOf(val, 'scores', j), rule)));
  const thresholds = chosen.map((c) => c?.threshold ?? 0.5);
  const thresholdSource =
    typeof rule === 'number'
      ? `configured: ${rule} for every finding`
      : `chosen per finding on the validation split for ${RULE_WORDS(rule)}, frozen before scoring test` +
        (oneClass.length ? `; ${oneClass.join(', ')}: one class only in validation, 0.5` : '');
  const metrics = m.multilabelMetrics(
    test.map((p) => p.labels),
    test.map((p) => p.scores),
    data.classes,
    thresholds,
  );
  const validation = m.multilabelMetrics(
    val.map((p) => p.labels),
    val.map((p) => p.scores),
    data.classes,
    thresholds,
  );
  const predicted = test.map((p) => p.scores.map((s, j) => (s >= thresholds[j]! ? 1 : 0)));
  const report = m.multilabelReport(
    test.map((p) => p.labels),
    predicted,
    data.classes,
    { digits: 4 },
  );
  const curves: Curves = { roc: {}, pr: {} };
  for (let j = 0; j < k; j++) {
    const y = columnOf(test, 'labels', j);
    const s = columnOf(test, 'scores', j);
    if (!y.includes(0) || !y.includes(1)) continue;
    const name = data.classes[j]!;
    curves.roc[name] = { ...m.rocCurve(y, s, { dropIntermediate: true }), auc: metrics.perLabel[name]!.auc };
    curves.pr[name] = {
      ...m.precisionRecallCurve(y, s),
      averagePrecision: metrics.perLabel[name]!.averagePrecision,
      prevalence: y.filter((v) => v === 1).length / y.length,
    };
  }
  // Grad-CAM's picker groups by one class per image: the image's first finding (or none: -1 → its top score).
  const asClasses = test.map((p) => ({ id: p.id, label: Math.max(0, p.labels.indexOf(1)), probabilities: p.scores }));
  const gradCam = await classGradCam(trained, data, config, asClasses);
  const info = { ...trained.info, thresholds, thresholdSource, ...(config.testTimeAugmentation ? { tta: config.testTimeAugmentation } : {}) };
  return {
    ...evaluatedCommon(trained, config, { curves, report: report.text, classes: data.classes, info, gradCam }),
    task: 'multilabel',
    metrics,
    validation,
    thresholds,
    thresholdSource,
    predictions: test,
    validationPredictions: val,
    leakage: testLeakage(data),
    clinical: (await import('../metrics/class-clinical.ts')).labelClinicalEvaluation(test, data.classes, thresholds, clinicalOptions(config, run.seed)),
    context: evaluationContext(data, run.built, trained),
  };
}

const RULE_WORDS = (rule: 'youden' | 'maxF1' | { readonly sensitivity: number } | { readonly specificity: number }): string =>
  rule === 'maxF1'
    ? 'the highest F1'
    : rule === 'youden'
      ? "Youden's J (sensitivity + specificity − 1)"
      : 'sensitivity' in rule
        ? `sensitivity >= ${rule.sensitivity}`
        : `specificity >= ${rule.specificity}`;
