import { stageNode, type BuiltModel, type Evaluation, type StageNode } from '../pipeline.ts';
import type { FitConfig } from './fit.ts';

export interface CrossValidateConfig {
  /** Number of folds k (at least 2). @default 5 */
  readonly folds?: number;
  /**
   * How each fold's model is trained; early stopping watches the held-out fold's `val_` metrics,
   * as fit watches the validation split. @default fit's defaults
   */
  readonly fit?: FitConfig;
  /** Keep class proportions (near) equal across folds. @default true */
  readonly stratify?: boolean;
  /** Keep each group (patient) in one fold. @default true */
  readonly byGroup?: boolean;
}

/**
 * k-fold cross-validation of the built model on the pooled train + validation splits (the test
 * split is never read): seeded stratified, group-aware folds; each fold trains a fresh copy of the
 * same initial weights on the other k−1 folds and is scored at threshold 0.5. Reports per-fold
 * metrics, mean ± sample standard deviation (n−1) and the pooled out-of-fold AUC
 * (cv-metrics.json, cv-folds.csv, cv-predictions.csv). Dataset-level z-score statistics come from
 * split, fitted on the training split: the held-out folds taken from it are not fully unseen by them.
 * @example
 *   pipeline('xray').stage(ingest.folder({ root: 'data' })).stage(split()).stage(build.tutorialCnn())
 *     .stage(crossValidate({ folds: 5, fit: { epochs: 20 } }))
 */
export function crossValidate(config: CrossValidateConfig = {}): StageNode<BuiltModel, Evaluation, 'crossValidate', CrossValidateConfig> {
  return stageNode('crossValidate', config, { in: 'built model', out: 'evaluation' });
}
