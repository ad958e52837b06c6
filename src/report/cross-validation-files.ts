import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';
import { csvField } from '../io/csv.ts';
import { taskOf } from '../data/task.ts';
import type { CrossValidated } from '../train/cross-validate.ts';
import { scoreKeys, valuesOf } from '../train/task-scores.ts';

/** Writes cv-metrics.json, cv-folds.csv and cv-predictions.csv; returns their paths. */
export async function writeCrossValidationFiles(cv: CrossValidated, outDir: string): Promise<string[]> {
  const metricsFile = join(outDir, 'cv-metrics.json');
  const foldsFile = join(outDir, 'cv-folds.csv');
  const predictionsFile = join(outDir, 'cv-predictions.csv');
  const task = taskOf(cv);
  const keys = scoreKeys(task);
  const column = (stat: 'mean' | 'std') => Object.fromEntries(keys.map((key) => [key, cv.summary[key]![stat]]));
  const report = {
    folds: cv.k,
    ...(cv.foldBy !== undefined ? { foldBy: cv.foldBy } : {}),
    innerValidation: cv.innerValidation,
    ...(task === 'binary' ? { positiveClass: cv.classes[1] ?? '1' } : { task, classes: cv.classes }),
    threshold: cv.threshold,
    sensitivityTarget: cv.sensitivityTarget,
    pooledFrom: { ...cv.pooledFrom, test: 0 },
    mean: column('mean'),
    std: column('std'),
    definedIn: Object.fromEntries(keys.map((key) => [key, cv.summary[key]!.n])),
    pooledOutOfFoldAuc: cv.pooled.auc,
    pooled: cv.pooled,
    perFold: cv.folds.map((f) => ({
      fold: f.fold,
      ...(f.value !== undefined ? { value: f.value } : {}),
      heldOut: f.heldOut.length,
      trainCount: f.trainCount,
      innerValCount: f.innerValCount,
      normalization: f.normalization,
      counts: f.counts,
      bestEpoch: f.bestEpoch,
      epochsRun: f.epochsRun,
      stoppedEarly: f.stoppedEarly,
      ...f.metrics,
    })),
    definitions: {
      mean: 'mean over the folds where the metric is defined (definedIn of them)',
      std: 'sample standard deviation (n−1) over those folds',
      pooledOutOfFoldAuc: 'ROC AUC of every out-of-fold score together',
      metrics:
        task === 'binary'
          ? 'binaryMetrics of a fold’s held-out scores, predicted positive when score >= threshold'
          : task === 'multilabel'
            ? 'multilabelMetrics of a fold’s held-out scores, each finding predicted present when its score >= threshold'
            : 'multiclassMetrics of a fold’s held-out probabilities, predicted = the most probable class (auc: macro one-vs-rest)',
      training:
        'each fold trains on the other folds minus an inner validation split (innerValidation of them, stratified, group-aware) that early stopping watches; dataset z-score statistics are refitted on that inner training part; the held-out fold is only scored',
    },
  };
  await writeFileAtomic(metricsFile, JSON.stringify(report, null, 2) + '\n');
  const cell = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? String(x) : '');
  const header = ['fold', 'held_out', 'train', ...cv.classes.map((c) => `n_${csvField(c)}`), 'best_epoch', 'epochs_run', ...keys];
  const rows = cv.folds.map((f) => {
    const values = valuesOf(f.metrics);
    return [f.fold, f.heldOut.length, f.trainCount, ...f.counts, f.bestEpoch, f.epochsRun, ...keys.map((key) => cell(values[key]))].join(',');
  });
  const blanks = Array.from({ length: 4 + cv.classes.length }, () => '');
  for (const stat of ['mean', 'std'] as const) rows.push([stat, ...blanks, ...keys.map((key) => cell(cv.summary[key]![stat]))].join(','));
  await writeFileAtomic(foldsFile, [header.join(','), ...rows].join('\n') + '\n');
  const probabilities = cv.classes.map((c) => csvField(`p_${c}`));
  const predictionRows = cv.predictions.map((p) =>
    task === 'binary'
      ? [csvField(p.id), csvField(p.file), p.label, p.score, p.fold].join(',')
      : task === 'multilabel'
        ? [csvField(p.id), csvField(p.file), ...(p.labels ?? []), ...(p.scores ?? []), p.fold].join(',')
        : [csvField(p.id), csvField(p.file), p.label, ...(p.scores ?? []), p.fold].join(','),
  );
  const predictionHeader =
    task === 'binary'
      ? 'id,file,label,score,fold'
      : task === 'multilabel'
        ? ['id', 'file', ...cv.classes.map((c) => csvField(`y_${c}`)), ...probabilities, 'fold'].join(',')
        : ['id', 'file', 'label', ...probabilities, 'fold'].join(',');
  await writeFileAtomic(predictionsFile, [predictionHeader, ...predictionRows].join('\n') + '\n');
  return [metricsFile, foldsFile, predictionsFile];
}
