import { MedpipeError } from '../base/errors.ts';
import type { Work } from '../base/work.ts';
import { testLeakage, type TestLeakage } from '../data/duplicates.ts';
import type { SplitSet, Subset } from '../data/image-set.ts';
import { taskOf } from '../data/task.ts';
import type { ClassClinicalEvaluation } from '../metrics/class-clinical.ts';
import type { MulticlassMetrics } from '../metrics/index.ts';
import { modelFromData } from '../train/model-data.ts';
import type { Trained } from '../train/trained.ts';
import { toFitData } from '../train/train-fresh.ts';
import type { EvaluateConfig } from './evaluate-config.ts';
import { classGradCam, clinicalOptions, evaluatedCommon, sampleKeys } from './evaluated-common.ts';
import { evaluationContext, type EvaluationContext } from './evaluation-context.ts';
import type { Curves, EvaluatedCommon, EvaluationRun } from './evaluation.ts';

/** One scored image of a K-class task: its true class and the K class probabilities. */
export interface ClassPrediction {
  readonly id: string;
  readonly file: string;
  readonly label: number;
  readonly probabilities: readonly number[];
  readonly group?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** evaluate's result for multi-class and ordinal tasks (`curves`: per-class one-vs-rest ROC and PR of the test split, keyed by class name). */
export interface ClassEvaluated extends EvaluatedCommon {
  readonly task: 'multiclass' | 'ordinal';
  readonly metrics: MulticlassMetrics;
  readonly validation: MulticlassMetrics;
  readonly predictions: readonly ClassPrediction[];
  readonly validationPredictions: readonly ClassPrediction[];
  /** Test images that repeat a training or validation image exactly (see testLeakage). */
  readonly leakage: TestLeakage;
  /** Intervals on every test metric, calibration and subgroups. */
  readonly clinical: ClassClinicalEvaluation;
  /** Data, model and training summary for the report. */
  readonly context: EvaluationContext;
}

/** Scores a subset: one row of K probabilities per image. */
export async function scoreRows(
  model: import('@tensorflow/tfjs').LayersModel,
  subset: Subset,
  data: SplitSet,
  tta?: EvaluateConfig['testTimeAugmentation'],
): Promise<{ rows: number[][]; flat: Float32Array }> {
  const { unitsOf } = await import('../train/predict.ts');
  const { predictTta } = await import('../train/tta.ts');
  const fit = toFitData(data, subset);
  const k = unitsOf(fit);
  const flat = fit.count === 0 ? new Float32Array(0) : await predictTta(model, fit, tta);
  return { rows: Array.from({ length: fit.count }, (_, i) => Array.from(flat.subarray(i * k, (i + 1) * k))), flat };
}

/** The validation and test rows of a K-output model (test-time flips as configured); the test split must not be empty. */
export async function scoreValTest(trained: Trained, data: SplitSet, config: EvaluateConfig, work: Work): Promise<{ val: number[][]; test: number[][] }> {
  if (data.test.samples.length === 0) {
    throw new MedpipeError('NO_SAMPLES', 'The test split is empty; there is nothing to evaluate.', {
      fix: 'Give split a test fraction > 0, or provide a test folder.',
    });
  }
  const model = await modelFromData(trained.model);
  try {
    work.emit({ type: 'stage-progress', done: 0, total: 2, unit: 'splits' });
    const val = (await scoreRows(model, data.val, data, config.testTimeAugmentation)).rows;
    work.emit({ type: 'stage-progress', done: 1, total: 2, unit: 'splits' });
    const test = (await scoreRows(model, data.test, data, config.testTimeAugmentation)).rows;
    work.emit({ type: 'stage-progress', done: 2, total: 2, unit: 'splits' });
    return { val, test };
  } finally {
    model.dispose();
  }
}

/**
 * Scores validation and test with a K-way softmax model and computes the multi-class (and, for
 * ordered grades, ordinal) metrics, per-class curves, the classification report and Grad-CAM of the
 * predicted class (or `config.gradCamClass`). The predicted class is the most probable one; no
 * threshold is involved, so nothing is chosen on validation.
 * @example
 *   const e = await evaluateClasses(trained, splits, {}, work);
 */
export async function evaluateClasses(trained: Trained, data: SplitSet, config: EvaluateConfig, work: Work, run: EvaluationRun): Promise<ClassEvaluated> {
  const m = await import('../metrics/index.ts');
  const task = taskOf(data) as 'multiclass' | 'ordinal';
  const scored = await scoreValTest(trained, data, config, work);
  const predictionsOf = (subset: Subset, rows: number[][]): ClassPrediction[] =>
    subset.samples.map((s, i) => ({ id: s.id, file: s.file, label: s.label, probabilities: rows[i]!, ...sampleKeys(s) }));
  const val = predictionsOf(data.val, scored.val);
  const test = predictionsOf(data.test, scored.test);
  const labels = (p: ClassPrediction[]) => p.map((x) => x.label);
  const rows = (p: ClassPrediction[]) => p.map((x) => x.probabilities);
  const metrics = m.multiclassMetrics(labels(test), rows(test), data.classes, { task });
  const validation = m.multiclassMetrics(labels(val), rows(val), data.classes, { task });
  const predicted = rows(test).map(m.argmax);
  const report = m.classificationReport(labels(test), predicted, data.classes, { digits: 4 });
  const curves: Curves = { roc: {}, pr: {} };
  data.classes.forEach((name, c) => {
    const y = labels(test).map((label) => (label === c ? 1 : 0));
    const s = rows(test).map((r) => r[c]!);
    if (!y.includes(0) || !y.includes(1)) return;
    curves.roc[name] = { ...m.rocCurve(y, s, { dropIntermediate: true }), auc: metrics.perClass[name]!.auc };
    curves.pr[name] = {
      ...m.precisionRecallCurve(y, s),
      averagePrecision: metrics.perClass[name]!.averagePrecision,
      prevalence: y.filter((v) => v === 1).length / y.length,
    };
  });
  const gradCam = await classGradCam(trained, data, config, test);
  const info = {
    ...trained.info,
    thresholdSource: 'none: the predicted class is the most probable one',
    ...(config.testTimeAugmentation ? { tta: config.testTimeAugmentation } : {}),
  };
  return {
    ...evaluatedCommon(trained, config, { curves, report: report.text, classes: data.classes, info, gradCam }),
    task,
    metrics,
    validation,
    predictions: test,
    validationPredictions: val,
    leakage: testLeakage(data),
    clinical: (await import('../metrics/class-clinical.ts')).classClinicalEvaluation(test, data.classes, task, clinicalOptions(config, run.seed)),
    context: evaluationContext(data, run.built, trained),
  };
}
