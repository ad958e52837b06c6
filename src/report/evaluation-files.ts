import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';
import { writeGradCamSet } from '../explain/grad-cam-set.ts';
import { csvField, csvPieces } from '../io/csv.ts';
import { jsonFilePieces } from '../base/json-chunks.ts';
import { exportModel } from '../train/export-model.ts';
import { ttaDescription } from '../train/tta.ts';
import { DEFINITIONS } from './evaluation-definitions.ts';
import { writeClassEvaluationFiles } from './class-evaluation-files.ts';
import { metricsWithIntervals, writeEvaluationFiles as writeClinicalFiles } from './evaluation-document.ts';
import type { BinaryEvaluated, Evaluated } from './evaluation.ts';

/**
 * Writes evaluate's files: metrics.json (with intervals), validation-metrics.json, predictions.csv,
 * validation-predictions.csv, curves.json, classification_report.txt, plots/ (with bands, the
 * reliability diagram and plots/gradcam/), calibration.json, operating-points.json, subgroups.json,
 * evaluation.json, report.html and model/; returns their paths.
 */
export async function writeEvaluationFiles(e: Evaluated, outDir: string): Promise<string[]> {
  return e.task === undefined ? writeBinaryEvaluationFiles(e, outDir) : writeClassEvaluationFiles(e, outDir);
}

async function writeBinaryEvaluationFiles(e: BinaryEvaluated, outDir: string): Promise<string[]> {
  const files: string[] = [];
  const write = async (name: string, text: string | Iterable<string>) => {
    const path = join(outDir, name);
    await writeFileAtomic(path, text);
    files.push(path);
  };
  const tta = ttaDescription(e.info.tta);
  const scores = tta ? { testTimeAugmentation: tta } : {};
  await write(
    'metrics.json',
    JSON.stringify(
      metricsWithIntervals(
        {
          split: 'test',
          positiveClass: e.positiveClass ?? e.classes[1] ?? '1',
          thresholdSource: e.thresholdSource,
          thresholdRule: e.thresholdRule,
          ...scores,
          ...e.metrics,
          definitions: DEFINITIONS,
        },
        e.clinical,
      ),
      null,
      2,
    ) + '\n',
  );
  await write('validation-metrics.json', JSON.stringify({ split: 'validation', ...scores, ...e.validation }, null, 2) + '\n');
  // predicted = score >= threshold, the rule every metric uses.
  const predictionsCsv = (predictions: BinaryEvaluated['predictions']) =>
    csvPieces('id,file,label,score,predicted', predictions.length, (i) => {
      const p = predictions[i]!;
      return [csvField(p.id), csvField(p.file), p.label, p.score, p.score >= e.metrics.threshold ? 1 : 0].join(',');
    });
  await write('predictions.csv', predictionsCsv(e.predictions));
  await write('validation-predictions.csv', predictionsCsv(e.validationPredictions));
  await write('curves.json', jsonFilePieces(e.curves));
  await write('classification_report.txt', e.report + '\n');
  const { writePlots, reliabilityInput } = await import('./index.ts');
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
  files.push(...(await writeClinicalFiles(outDir, e, gradCamFiles)));
  files.push(...(await exportModel(e.model, e.info, join(outDir, 'model'))));
  return files;
}
