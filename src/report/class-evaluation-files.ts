import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';
import { writeGradCamSet } from '../explain/grad-cam-set.ts';
import { csvField } from '../io/csv.ts';
import { jsonFilePieces } from '../base/json-chunks.ts';
import { argmax } from '../metrics/confusion-matrix.ts';
import { exportModel } from '../train/export-model.ts';
import { ttaDescription } from '../train/tta.ts';
import { CLASS_DEFINITIONS, LABEL_DEFINITIONS, LEAKAGE_DEFINITION } from './class-definitions.ts';
import { classBarsSpec } from './class-bars-spec.ts';
import { classConfusionSpec } from './class-confusion-spec.ts';
import { classClinicalDefinitions, classEvaluationDocument, classIntervalFields, writeClassClinicalFiles } from './class-evaluation-document.ts';
import type { ClassEvaluated, ClassPrediction } from './evaluation-classes.ts';
import type { LabelEvaluated, LabelPrediction } from './evaluation-labels.ts';
import { lossCurveSpec } from './loss-curve-spec.ts';
import { metricCurvesSpec } from './metric-curves-spec.ts';
import { prCurveSpec } from './pr-curve-spec.ts';
import { rocCurveSpec } from './roc-curve-spec.ts';
import type { VegaLiteSpec } from './vega-lite-spec.ts';
import { writeSpecs } from './write-plots.ts';

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

/** predictions.csv of a K-class task: the true class, one probability column per class, then the predicted class (index and name). */
export function classPredictionsCsv(predictions: readonly ClassPrediction[], classes: readonly string[]): string {
  const header = ['id', 'file', 'label', 'true_class', ...classes.map((c) => csvField(`p_${c}`)), 'predicted', 'predicted_class'];
  const rows = predictions.map((p) => {
    const predicted = argmax(p.probabilities);
    return [csvField(p.id), csvField(p.file), p.label, csvField(classes[p.label]!), ...p.probabilities, predicted, csvField(classes[predicted]!)].join(',');
  });
  return [header.join(','), ...rows].join('\n') + '\n';
}

/** predictions.csv of a multi-label task: per finding its 0/1 truth (y_), score (p_) and decision at its threshold (pred_). */
export function labelPredictionsCsv(predictions: readonly LabelPrediction[], classes: readonly string[], thresholds: readonly number[]): string {
  const header = [
    'id',
    'file',
    ...classes.map((c) => csvField(`y_${c}`)),
    ...classes.map((c) => csvField(`p_${c}`)),
    ...classes.map((c) => csvField(`pred_${c}`)),
  ];
  const rows = predictions.map((p) =>
    [csvField(p.id), csvField(p.file), ...p.labels, ...p.scores, ...p.scores.map((s, j) => (s >= thresholds[j]! ? 1 : 0))].join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}

/**
 * Writes evaluate's files for a multi-class, ordinal or multi-label task: metrics.json and
 * validation-metrics.json (with their definitions), predictions.csv and validation-predictions.csv,
 * curves.json, classification_report.txt, calibration.json, subgroups.json, class-evaluation.json, plots/ (loss, metrics, the K×K confusion matrix as counts
 * and row-normalised, per-class ROC and PR on one chart each, per-class metric bars; plots/gradcam/)
 * and model/; returns their paths.
 */
export async function writeClassEvaluationFiles(e: ClassEvaluated | LabelEvaluated, outDir: string): Promise<string[]> {
  const files: string[] = [];
  const write = async (name: string, text: string | Iterable<string>) => {
    const path = join(outDir, name);
    await writeFileAtomic(path, text);
    files.push(path);
  };
  const labels = e.task === 'multilabel';
  const tta = ttaDescription(e.info.tta);
  const head = {
    ...(labels ? { thresholdSource: e.thresholdSource, thresholds: Object.fromEntries(e.classes.map((c, j) => [c, e.thresholds[j]])) } : {}),
    ...(tta ? { testTimeAugmentation: tta } : {}),
  };
  await write(
    'metrics.json',
    json({
      split: 'test',
      ...head,
      ...e.metrics,
      leakage: e.leakage,
      ...classIntervalFields(e.clinical),
      definitions: { ...(labels ? LABEL_DEFINITIONS : CLASS_DEFINITIONS), leakage: LEAKAGE_DEFINITION, ...classClinicalDefinitions(e.clinical, e.task) },
    }),
  );
  await write('validation-metrics.json', json({ split: 'validation', ...head, ...e.validation }));
  if (e.task === 'multilabel') {
    await write('predictions.csv', labelPredictionsCsv(e.predictions, e.classes, e.thresholds));
    await write('validation-predictions.csv', labelPredictionsCsv(e.validationPredictions, e.classes, e.thresholds));
  } else {
    await write('predictions.csv', classPredictionsCsv(e.predictions, e.classes));
    await write('validation-predictions.csv', classPredictionsCsv(e.validationPredictions, e.classes));
  }
  await write('curves.json', jsonFilePieces(e.curves));
  await write('classification_report.txt', e.report + '\n');
  files.push(...(await writeSpecs(join(outDir, 'plots'), classPlots(e), { png: e.png })));
  const gradCamFiles = await writeGradCamSet(e.gradCam, e.classes, join(outDir, 'plots', 'gradcam'));
  files.push(...gradCamFiles);
  files.push(...(await writeClassClinicalFiles(outDir, classEvaluationDocument(e, outDir, gradCamFiles, tta))));
  files.push(...(await exportModel(e.model, e.info, join(outDir, 'model'))));
  return files;
}

function classPlots(e: ClassEvaluated | LabelEvaluated): [string, VegaLiteSpec][] {
  const plots: [string, VegaLiteSpec][] = [];
  const history = e.history.map((logs, i) => ({ epoch: i + 1, ...logs }));
  if (history.length > 0) {
    plots.push(['loss', lossCurveSpec(history, { bestEpoch: e.bestEpoch })]);
    plots.push(['metrics', metricCurvesSpec(history)]);
  }
  if (e.task !== 'multilabel') {
    plots.push(['confusion_matrix', classConfusionSpec(e.metrics.confusionMatrix, e.classes, { split: 'test' })]);
    plots.push(['confusion_matrix_normalized', classConfusionSpec(e.metrics.confusionMatrix, e.classes, { split: 'test', normalize: true })]);
  }
  const roc = Object.entries(e.curves.roc).map(([name, c]) => ({ name, fpr: c.fpr, tpr: c.tpr, auc: c.auc }));
  const pr = Object.entries(e.curves.pr).map(([name, c]) => ({
    name,
    precision: c.precision,
    recall: c.recall,
    averagePrecision: c.averagePrecision,
    prevalence: c.prevalence,
  }));
  const what = e.task === 'multilabel' ? 'per finding' : 'one-vs-rest';
  if (roc.length > 0) plots.push(['roc', rocCurveSpec(roc, { title: `ROC curves ${what}, test split (macro AUC ${fmt(e.metrics.auc)})` })]);
  if (pr.length > 0) plots.push(['pr', prCurveSpec(pr, { title: `Precision-recall curves ${what}, test split` })]);
  const perClass = e.task === 'multilabel' ? e.metrics.perLabel : e.metrics.perClass;
  plots.push([
    'per_class_metrics',
    classBarsSpec(
      e.classes.map((name) => ({ name, ...perClass[name]! })),
      { split: 'test', title: e.task === 'multilabel' ? 'Per-finding metrics on the test split' : undefined },
    ),
  ]);
  return plots;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
