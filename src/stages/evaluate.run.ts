import { join } from 'node:path';
import type { SplitSet, Subset } from '../data/image-set.ts';
import type { BinaryMetrics } from '../metrics/index.ts';
import { writeFileAtomic } from '../runtime/atomic.ts';
import type { StageImpl } from '../runtime/stage-impl.ts';
import type { EvaluateConfig } from './evaluate.ts';
import { exportModel, toFitData, type ModelInfo, type Trained } from './fit.run.ts';
import { decodeWithModel, encodeWithModel, modelFromData, type ModelData } from './model-artifact.ts';
import { explainSplit, gradCamFromBlobs, gradCamToBlobs, writeGradCamSet, type GradCamSet } from '../explain/grad-cam-set.ts';
import type { ClinicalEvaluation } from '../metrics/clinical-evaluation.ts';
import type { EvaluationContext } from '../report/evaluation-context.ts';
import type { Built } from './build.run.ts';

interface Prediction {
  readonly id: string;
  readonly file: string;
  readonly label: number;
  readonly score: number;
  readonly group?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

interface Curves {
  readonly roc: Record<string, { fpr: number[]; tpr: number[]; thresholds: number[]; auc: number }>;
  readonly pr: Record<string, { precision: number[]; recall: number[]; thresholds: number[]; averagePrecision: number; prevalence: number }>;
}

export interface Evaluated {
  readonly metrics: BinaryMetrics;
  readonly validation: BinaryMetrics;
  readonly thresholdSource: string;
  readonly predictions: readonly Prediction[];
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

/** What each number in metrics.json is; the names follow the textbook (and scikit-learn), not the tutorial. */
const DEFINITIONS = {
  predicted: 'positive when score >= threshold',
  tp: 'true positives',
  fp: 'false positives',
  tn: 'true negatives',
  fn: 'false negatives',
  accuracy: '(TP+TN)/N',
  precision: 'positive predictive value = TP/(TP+FP)',
  recall: 'sensitivity = true positive rate = TP/(TP+FN)',
  specificity: 'true negative rate = TN/(TN+FP)',
  npv: 'negative predictive value = TN/(TN+FN)',
  f1: '2·precision·recall/(precision+recall)',
  balancedAccuracy: '(recall+specificity)/2',
  kappa: "Cohen's kappa of predicted vs true labels",
  auc: 'area under the ROC curve from all scores (sklearn roc_auc_score)',
  averagePrecision: 'sklearn average_precision_score',
  specificityAtSensitivity: 'maximum specificity over thresholds whose sensitivity >= sensitivityTarget',
};

async function scores(model: import('@tensorflow/tfjs').LayersModel, subset: Subset, shape: readonly [number, number, number]): Promise<Prediction[]> {
  const { predictScores } = await import('../train/predict.ts');
  const data = toFitData(subset, shape);
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

export const evaluateImpl: StageImpl<EvaluateConfig, Trained, Evaluated> = {
  kind: 'evaluate',
  version: 6,
  seeded: true,
  usesTf: true,
  async validate(config) {
    const { evaluationConfigProblems } = await import('../metrics/clinical-config.ts');
    const problems: string[] = evaluationConfigProblems(config);
    const s = config.sensitivity;
    if (s !== undefined && !(s > 0 && s <= 1)) problems.push(`sensitivity must be in (0, 1], got ${s}`);
    const g = config.gradCam;
    if (g !== undefined && g !== false && !(Number.isInteger(g) && g >= 0))
      problems.push(`gradCam must be a whole number of images (0 or more) or false, got ${g}`);
    const gm = config.gradCamMethod;
    if (gm !== undefined && gm !== 'gradcam' && gm !== 'hirescam') problems.push(`gradCamMethod must be 'hirescam' or 'gradcam', got ${String(gm)}`);
    return problems;
  },
  async run(trained, config, ctx) {
    await ctx.backend();
    const data = (await ctx.ancestor('splits')) as SplitSet;
    const m = await import('../metrics/index.ts');
    const model = await modelFromData(trained.model);
    let train: Prediction[], val: Prediction[], test: Prediction[];
    try {
      ctx.emit({ type: 'stage-progress', done: 0, total: 3, unit: 'splits' });
      train = await scores(model, data.train, data.shape);
      ctx.emit({ type: 'stage-progress', done: 1, total: 3, unit: 'splits' });
      val = await scores(model, data.val, data.shape);
      ctx.emit({ type: 'stage-progress', done: 2, total: 3, unit: 'splits' });
      test = await scores(model, data.test, data.shape);
      ctx.emit({ type: 'stage-progress', done: 3, total: 3, unit: 'splits' });
    } finally {
      model.dispose();
    }
    const labels = (p: Prediction[]) => p.map((x) => x.label);
    const values = (p: Prediction[]) => p.map((x) => x.score);
    const sensitivity = config.sensitivity ?? 0.8;
    const { thresholdForEvaluation } = await import('../metrics/operating-point.ts');
    const chosen = thresholdForEvaluation(labels(val), values(val), config.threshold);
    if (chosen.warning) ctx.emit({ type: 'log', level: 'warn', message: chosen.warning });
    const { threshold, source: thresholdSource } = chosen;
    if (test.length === 0) {
      const { MedpipeError } = await import('../runtime/errors.ts');
      throw new MedpipeError('NO_SAMPLES', 'The test split is empty; there is nothing to evaluate.', {
        stage: ctx.stage,
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
        : await explainSplit(trained.model, data.test, data.shape, test, threshold, config.gradCam ?? 8, { method: config.gradCamMethod ?? 'hirescam' });
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
    const { deriveSeed } = await import('../train/rng.ts');
    const clinical = clinicalEvaluation(val, test, {
      threshold,
      sensitivityTarget: sensitivity,
      seed: deriveSeed(ctx.seed, 'bootstrap'),
      resamples: config.bootstrap?.resamples,
      level: config.bootstrap?.level,
      binning: config.calibration,
      recalibrate: config.calibration?.recalibrate,
      subgroups: config.subgroups,
    });
    const { evaluationContext } = await import('../report/evaluation-context.ts');
    const context = evaluationContext(data, (await ctx.ancestor('built model')) as Built, trained);
    return {
      metrics,
      validation,
      clinical,
      context,
      thresholdSource,
      predictions: test,
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
  },
  encode: (e) => gradCamToBlobs(encodeWithModel(e)),
  decode: (artifact) => decodeWithModel<Evaluated>(gradCamFromBlobs(artifact)),
  summary: (e) =>
    `test: auc ${fmt(e.metrics.auc)}${ciText(e.clinical.intervals.auc)}, accuracy ${fmt(e.metrics.accuracy)}, recall ${fmt(e.metrics.recall)}, specificity ${fmt(e.metrics.specificity)} at threshold ${fmt(e.metrics.threshold)}`,
  async export(e, outDir) {
    const files: string[] = [];
    const write = async (name: string, text: string) => {
      const path = join(outDir, name);
      await writeFileAtomic(path, text);
      files.push(path);
    };
    const { metricsWithIntervals, writeEvaluationFiles } = await import('../report/evaluation-document.ts');
    await write(
      'metrics.json',
      JSON.stringify(
        metricsWithIntervals(
          { split: 'test', positiveClass: e.classes[1] ?? '1', thresholdSource: e.thresholdSource, ...e.metrics, definitions: DEFINITIONS },
          e.clinical,
        ),
        null,
        2,
      ) + '\n',
    );
    await write('validation-metrics.json', JSON.stringify({ split: 'validation', ...e.validation }, null, 2) + '\n');
    const rows = e.predictions.map((p) => [csvField(p.id), csvField(p.file), p.label, p.score, p.score >= e.metrics.threshold ? 1 : 0].join(','));
    await write('predictions.csv', ['id,file,label,score,predicted', ...rows].join('\n') + '\n');
    await write('curves.json', JSON.stringify(e.curves) + '\n');
    await write('classification_report.txt', e.report + '\n');
    const { writePlots, reliabilityInput } = await import('../report/index.ts');
    files.push(
      ...(await writePlots(join(outDir, 'plots'), {
        history: e.history.map((logs, i) => ({ epoch: i + 1, ...logs })),
        bestEpoch: e.bestEpoch,
        confusion: e.metrics,
        classNames: e.classes,
        threshold: e.metrics.threshold,
        roc: Object.entries(e.curves.roc).map(([name, c]) => ({
          name,
          fpr: c.fpr,
          tpr: c.tpr,
          auc: c.auc,
          ...(name === 'test' ? { band: e.clinical.bands.roc } : {}),
        })),
        pr: Object.entries(e.curves.pr).map(([name, c]) => ({
          name,
          precision: c.precision,
          recall: c.recall,
          averagePrecision: c.averagePrecision,
          prevalence: c.prevalence,
          ...(name === 'test' ? { band: e.clinical.bands.pr } : {}),
        })),
        reliability: reliabilityInput(e.clinical, e.classes),
        png: e.png,
      })),
    );
    const gradCamFiles = await writeGradCamSet(e.gradCam, e.classes, join(outDir, 'plots', 'gradcam'));
    files.push(...gradCamFiles);
    files.push(...(await writeEvaluationFiles(outDir, e, gradCamFiles)));
    files.push(...(await exportModel(e.model, e.info, join(outDir, 'model'))));
    return files;
  },
};

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : 'n/a';
}

/** " (95% CI 0.949–0.982)" from the BCa interval, or nothing when it is undefined. */
function ciText(ci: { readonly bca: { lower: number; upper: number } | null; readonly level: number } | undefined): string {
  return ci?.bca && Number.isFinite(ci.bca.lower) ? ` (${Math.round(ci.level * 100)}% CI ${ci.bca.lower.toFixed(3)}–${ci.bca.upper.toFixed(3)})` : '';
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
