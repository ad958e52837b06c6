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
import type { EvaluateConfig } from './evaluate-config.ts';
import type { EvaluationContext } from './evaluation-context.ts';

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

export interface Evaluated {
  readonly metrics: BinaryMetrics;
  readonly validation: BinaryMetrics;
  readonly thresholdSource: string;
  /** The rule the threshold came from ('youden', { sensitivity }, { specificity }, or the number itself). */
  readonly thresholdRule: ThresholdRule;
  readonly predictions: readonly Prediction[];
  /** The validation split's scores (the threshold may have been chosen on them). */
  readonly validationPredictions: readonly Prediction[];
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
  /** Intervals, calibration, operating points, subgroups and curve bands of the test split. */
  readonly clinical: ClinicalEvaluation;
  /** Data, model and training summary for the report. */
  readonly context: EvaluationContext;
}

async function scores(model: import('@tensorflow/tfjs').LayersModel, set: SplitSet, subset: Subset): Promise<Prediction[]> {
  const { predictScores } = await import('../train/predict.ts');
  const data = toFitData(set, subset);
  const out = data.count === 0 ? new Float32Array(0) : await predictScores(model, data);
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
 * Scores train, validation and test with the trained model, picks the threshold (configured, or
 * chosen on validation by a rule and frozen before test is scored), and computes the test and
 * validation metrics, curves, classification report, Grad-CAM examples and the clinical evaluation
 * (intervals, calibration, operating points, subgroups; `seed` seeds the bootstrap).
 * @example
 *   const e = await evaluateModel(trained, splits, { threshold: { sensitivity: 0.9 } }, work, { seed: 42, built });
 */
export async function evaluateModel(
  trained: Trained,
  data: SplitSet,
  config: EvaluateConfig,
  work: Work,
  { seed, built }: { readonly seed: number; readonly built?: { readonly summary?: string } },
): Promise<Evaluated> {
  const m = await import('../metrics/index.ts');
  const model = await modelFromData(trained.model);
  let train: Prediction[], val: Prediction[], test: Prediction[];
  try {
    work.emit({ type: 'stage-progress', done: 0, total: 3, unit: 'splits' });
    train = await scores(model, data, data.train);
    work.emit({ type: 'stage-progress', done: 1, total: 3, unit: 'splits' });
    val = await scores(model, data, data.val);
    work.emit({ type: 'stage-progress', done: 2, total: 3, unit: 'splits' });
    test = await scores(model, data, data.test);
    work.emit({ type: 'stage-progress', done: 3, total: 3, unit: 'splits' });
  } finally {
    model.dispose();
  }
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
  const report = m.classificationReport(labels(test), predicted, data.classes.length === 2 ? data.classes : ['0', '1'], { digits: 4 });
  const gradCam =
    config.gradCam === false
      ? undefined
      : await explainSplit(trained.model, toFitData(data, data.test).images, data.shape, test, threshold, config.gradCam ?? 8, {
          method: config.gradCamMethod ?? 'hirescam',
        });
  const curves: Curves = { roc: {}, pr: {} };
  for (const [name, set] of [
    ['train', train],
    ['test', test],
  ] as const) {
    const y = labels(set);
    const s = values(set);
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
  return {
    metrics,
    validation,
    clinical,
    context,
    thresholdSource,
    thresholdRule,
    predictions: test,
    validationPredictions: val,
    curves,
    report: report.text,
    history: trained.history,
    bestEpoch: trained.bestEpoch,
    classes: data.classes,
    model: trained.model,
    info: { ...trained.info, threshold, thresholdSource },
    png: config.png ?? true,
    ...(gradCam ? { gradCam } : {}),
  };
}
