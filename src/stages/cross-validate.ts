import type { CrossValidated } from '../train/cross-validate.ts';
import { fitTaskProblems } from '../train/fit-task.ts';
import { crossValidateConfigSchema, type CrossValidateConfig } from '../train/cross-validate-config.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export type { CrossValidateConfig } from '../train/cross-validate-config.ts';

export const crossValidateStage = defineStage({
  kind: 'crossValidate',
  version: 2,
  in: ports.builtModel,
  out: ports.evaluation.as<CrossValidated>(),
  config: crossValidateConfigSchema,
  seeded: true,
  usesTf: true,
  taskProblems: (config, task) => fitTaskProblems(config.fit ?? {}, task, 'crossValidate.fit'),
  load: async () => (await import('./cross-validate.run.ts')).default,
});

/**
 * k-fold cross-validation of the built model on the pooled train + validation splits (the test
 * split is never read): seeded stratified, group-aware folds (or the values of `foldBy`); each fold
 * trains a fresh copy of the same initial weights on the other k−1 folds, early-stopping on an inner
 * validation split carved from them, with dataset z-score statistics refitted on the inner training
 * part; the held-out fold is only ever scored (at threshold 0.5; K classes: the most probable class,
 * auc the macro one-vs-rest AUC). Reports per-fold metrics, mean ± sample standard deviation (n−1)
 * and the pooled out-of-fold AUC (cv-metrics.json, cv-folds.csv, cv-predictions.csv).
 * @example
 *   pipeline('xray').stage(ingest.folder({ root: 'data' })).stage(split()).stage(build.tutorialCnn())
 *     .stage(crossValidate({ folds: 5, fit: { epochs: 20 } }))
 */
export function crossValidate(config: CrossValidateConfig = {}) {
  return nodeOf(crossValidateStage, config);
}
