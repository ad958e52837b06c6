import { MedpipeError } from '../base/errors.ts';
import type { Work } from '../base/work.ts';
import type { SplitSet, Subset } from '../data/image-set.ts';
import { explainSplit, type GradCamSet } from '../explain/grad-cam-set.ts';
import type { ClinicalEvaluation } from '../metrics/clinical-evaluation.ts';
import type { ThresholdRule } from '../metrics/operating-point.ts';
import type { BinaryMetrics } from '../metrics/index.ts';
import { modelFromData, type ModelData } from '../train/model-data.ts';
import type { ModelInfo, Trained } from '../train/trained.ts';
import { toFitData } from '../train/train-fresh.ts';
import { evaluatedCommon, testGradCam } from './evaluated-common.ts';
import type { EvaluateConfig } from './evaluate-config.ts';
import { evaluateClasses, type ClassEvaluated } from './evaluation-classes.ts';
import type { EvaluationContext } from './evaluation-context.ts';
import { evaluateLabels, type LabelEvaluated } from './evaluation-labels.ts';
import { checkTaskOptions } from './task-options.ts';
import { taskOf } from '../data/task.ts';

export interface Prediction {
  readonly id: string;
  readonly file: string;
  readonly label: number;
  readonly score: number;
  readonly group?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface Curves {
  readonly roc: Record<string, { fpr: number[]; tpr: number[]; thresholds: number[]; auc: number }>;
  readonly pr: Record<string, { precision: number[]; recall: number[]; thresholds: number[]; averagePrecision: number; prevalence: number }>;
}

/** What evaluate returns for every task: the test curves, the report, training history, the model and how to export it. */
export interface EvaluatedCommon {
  readonly curves: Curves;
  readonly report: string;
  readonly history: readonly Record<string, number>[];
  readonly bestEpoch: number;
  readonly classes: readonly string[];
  readonly model: ModelData;
  readonly info: ModelInfo;
  /** Write PNG versions of the plots too. */
  readonly png: boolean;
  /** Grad-CAM of a few test images (config.gradCam); absent when turned off. */
  readonly gradCam?: GradCamSet;
}

/** evaluate's result for a binary task. */
export interface BinaryEvaluated extends EvaluatedCommon {
  readonly task?: undefined;
  readonly metrics: BinaryMetrics;
  readonly validation: BinaryMetrics;
  readonly thresholdSource: string;
  /** The rule the threshold came from ('youden', { sensitivity }, { specificity }, or the number itself). */
  readonly thresholdRule: ThresholdRule;
  readonly predictions: readonly Prediction[];
  /** The validation split's scores (the threshold may have been chosen on them). */
  readonly validationPredictions: readonly Prediction[];
  /** The class the scores are the probability of, when it is not the second (evaluate's positiveClass). */
  readonly positiveClass?: string;
  /** Intervals, calibration, operating points, subgroups and curve bands of the test split. */
  readonly clinical: ClinicalEvaluation;
  /** Data, model and training summary for the report. */
  readonly context: EvaluationContext;
}

/** evaluate's result: binary (as before task kinds), K classes, or K findings. */
export type Evaluated = BinaryEvaluated | ClassEvaluated | LabelEvaluated;

/** The model's scores of a split, in its samples' order. */
async function scoresOf(
  model: import('@tensorflow/tfjs').LayersModel,
  set: SplitSet,
  subset: Subset,
  tta?: EvaluateConfig['testTimeAugmentation'],
): Promise<Float32Array> {
  const { predictTta } = await import('../train/tta.ts');
  const data = toFitData(set, subset);
  return data.count === 0 ? new Float32Array(0) : predictTta(model, data, tta);
}

async function scores(
  model: import('@tensorflow/tfjs').LayersModel,
  set: SplitSet,
  subset: Subset,
  tta?: EvaluateConfig['testTimeAugmentation'],
): Promise<Prediction[]> {
  const out = await scoresOf(model, set, subset, tta);
  return subset.samples.map((s, i) => ({
    id: s.id,
    file: s.file,
    label: s.label,
    score: out[i]!,
    ...(s.group !== undefined ? { group: s.group } : {}),
    ...(s.attributes ? { attributes: s.attributes } : {}),
  }));
}

/**
 * A split's labels and scores as columns, for what needs only them (the train split's curves): no
 * object per sample (70,000 of them at 10^5 images). `flip` reports the first class's probability.
 */
async function scoreColumns(
  model: import('@tensorflow/tfjs').LayersModel,
  set: SplitSet,
  subset: Subset,
  tta: EvaluateConfig['testTimeAugmentation'],
  flip: boolean,
) {
  const out = await scoresOf(model, set, subset, tta);
  const labels = Float64Array.from(subset.samples, (s) => (flip ? 1 - s.label : s.label));
  const scores = Float64Array.from(out, (v) => (flip ? 1 - v : v));
  return { labels, scores };
}

/** What evaluate needs besides the model, the data and its config: the bootstrap's seed and the built model's summary. */
export interface EvaluationRun {
  readonly seed: number;
  readonly built?: { readonly summary?: string };
}

/**
 * Evaluates a trained model on the task of its data: binary (a threshold on one score), multi-class
 * and ordinal (the most probable class) or multi-label (a threshold per finding). Options of another
 * task are an error that names them.
 * @example
 *   const e = await evaluateModel(trained, splits, { threshold: { sensitivity: 0.9 } }, work, { seed: 42, built });
 */
export async function evaluateModel(trained: Trained, data: SplitSet, config: EvaluateConfig, work: Work, run: EvaluationRun): Promise<Evaluated> {
  const task = taskOf(data);
  checkTaskOptions(config, task);
  if (task === 'multiclass' || task === 'ordinal') return evaluateClasses(trained, data, config, work, run);
  if (task === 'multilabel') return evaluateLabels(trained, data, config, work, run);
  return evaluateBinary(trained, data, config, work, run);
}

/**
 * Scores train, validation and test with the trained model, picks the threshold (configured, or
 * chosen on validation by a rule and frozen before test is scored), and computes the test and
 * validation metrics, curves, classification report, Grad-CAM examples and the clinical evaluation
 * (intervals, calibration, operating points, subgroups; `seed` seeds the bootstrap).
 */
async function evaluateBinary(trained: Trained, data: SplitSet, config: EvaluateConfig, work: Work, { seed, built }: EvaluationRun): Promise<BinaryEvaluated> {
  const m = await import('../metrics/index.ts');
  // positiveClass naming the first class: report its probability, 1 − score, with the labels swapped.
  const positive = config.positiveClass === undefined ? 1 : data.classes.indexOf(config.positiveClass);
  if (positive < 0) {
    throw new MedpipeError('INVALID_CONFIG', `evaluate.positiveClass '${config.positiveClass}' is not one of the classes (${data.classes.join(', ')}).`, {
      fix: `Use '${data.classes[1]}' (the default) or '${data.classes[0]}'.`,
    });
  }
  const model = await modelFromData(trained.model);
  let train: { labels: Float64Array; scores: Float64Array }, val: Prediction[], test: Prediction[];
  try {
    work.emit({ type: 'stage-progress', done: 0, total: 3, unit: 'splits' });
    train = await scoreColumns(model, data, data.train, config.testTimeAugmentation, positive === 0);
    work.emit({ type: 'stage-progress', done: 1, total: 3, unit: 'splits' });
    val = await scores(model, data, data.val, config.testTimeAugmentation);
    work.emit({ type: 'stage-progress', done: 2, total: 3, unit: 'splits' });
    test = await scores(model, data, data.test, config.testTimeAugmentation);
    work.emit({ type: 'stage-progress', done: 3, total: 3, unit: 'splits' });
  } finally {
    model.dispose();
  }
  const classes = positive === 1 ? data.classes : [data.classes[1]!, data.classes[0]!];
  if (positive === 0) [val, test] = [val, test].map((set) => set.map((p) => ({ ...p, label: 1 - p.label, score: 1 - p.score })));
  const labels = (p: Prediction[]) => p.map((x) => x.label);
  const values = (p: Prediction[]) => p.map((x) => x.score);
  const sensitivity = config.sensitivity ?? 0.8;
  const { thresholdForEvaluation } = await import('../metrics/operating-point.ts');
  const chosen = thresholdForEvaluation(labels(val), values(val), config.threshold);
  if (chosen.warning) work.emit({ type: 'log', level: 'warn', message: chosen.warning });
  const { threshold, source: thresholdSource, rule: thresholdRule } = chosen;
  if (test.length === 0) {
    throw new MedpipeError('NO_SAMPLES', 'The test split is empty; there is nothing to evaluate.', {
      fix: 'Give split a test fraction > 0, or provide a test folder.',
    });
  }
  const metrics = m.binaryMetrics(labels(test), values(test), { threshold, sensitivity });
  const validation = m.binaryMetrics(labels(val), values(val), { threshold, sensitivity });
  const predicted = test.map((p) => (p.score >= threshold ? 1 : 0));
  const report = m.classificationReport(labels(test), predicted, classes.length === 2 ? classes : ['0', '1'], { digits: 4 });
  const gradCam = await testGradCam(data, config, (images, count, method) =>
    explainSplit(trained.model, images, data.shape, test, threshold, count, { method, ...(positive === 0 ? { negate: true } : {}) }),
  );
  const curves: Curves = { roc: {}, pr: {} };
  for (const [name, y, s] of [
    ['train', train.labels, train.scores],
    ['test', labels(test), values(test)],
  ] as const) {
    if (!y.includes(0) || !y.includes(1)) continue;
    curves.roc[name] = { ...m.rocCurve(y, s), auc: m.rocAuc(y, s) };
    curves.pr[name] = { ...m.precisionRecallCurve(y, s), averagePrecision: m.averagePrecision(y, s), prevalence: y.filter((v) => v === 1).length / y.length };
  }
  const { clinicalEvaluation } = await import('../metrics/clinical-evaluation.ts');
  const { deriveSeed } = await import('../base/rng.ts');
  const clinical = clinicalEvaluation(val, test, {
    threshold,
    sensitivityTarget: sensitivity,
    seed: deriveSeed(seed, 'bootstrap'),
    resamples: config.bootstrap?.resamples,
    level: config.bootstrap?.level,
    binning: config.calibration,
    recalibrate: config.calibration?.recalibrate,
    subgroups: config.subgroups,
  });
  const { evaluationContext } = await import('./evaluation-context.ts');
  const context = evaluationContext(data, built, trained);
  const info = {
    ...trained.info,
    threshold,
    thresholdSource,
    ...(positive === 0 ? { positiveClass: classes[1] } : {}),
    ...(config.testTimeAugmentation ? { tta: config.testTimeAugmentation } : {}),
  };
  return {
    ...evaluatedCommon(trained, config, { curves, report: report.text, classes, info, gradCam }),
    metrics,
    validation,
    clinical,
    context,
    thresholdSource,
    thresholdRule,
    predictions: test,
    validationPredictions: val,
    ...(positive === 0 ? { positiveClass: classes[1] } : {}),
  };
}
