import { stageNode, type BuiltModel, type Evaluation, type StageNode } from '../pipeline.ts';
import type { FitConfig } from './fit.ts';

export interface CrossValidateConfig {
  /** Number of folds k (at least 2). @default 5 */
  readonly folds?: number;
  /**
   * How each fold's model is trained; early stopping watches an inner validation split carved from
   * the fold's training part, never the held-out fold. @default fit's defaults
   */
  readonly fit?: FitConfig;
  /**
   * Share of each fold's training part held out as its inner validation split (stratified,
   * group-aware), for early stopping. @default 0.2
   */
  readonly innerValidation?: number;
  /**
   * A metadata attribute whose values are the folds (a CSV `fold` column; `site` or `source` for
   * leave-one-site-out). @default seeded stratified, group-aware folds
   */
  readonly foldBy?: string;
  /** Keep class proportions (near) equal across folds. @default true */
  readonly stratify?: boolean;
  /** Keep each group (patient) in one fold. @default true */
  readonly byGroup?: boolean;
}

/**
 * k-fold cross-validation of the built model on the pooled train + validation splits (the test
 * split is never read): seeded stratified, group-aware folds (or the values of `foldBy`); each fold
 * trains a fresh copy of the same initial weights on the other k−1 folds, early-stopping on an inner
 * validation split carved from them, with dataset z-score statistics refitted on the inner training
 * part; the held-out fold is only ever scored (at threshold 0.5). Reports per-fold metrics, mean ±
 * sample standard deviation (n−1) and the pooled out-of-fold AUC (cv-metrics.json, cv-folds.csv,
 * cv-predictions.csv).
 * @example
 *   pipeline('xray').stage(ingest.folder({ root: 'data' })).stage(split()).stage(build.tutorialCnn())
 *     .stage(crossValidate({ folds: 5, fit: { epochs: 20 } }))
 */
export function crossValidate(config: CrossValidateConfig = {}): StageNode<BuiltModel, Evaluation, 'crossValidate', CrossValidateConfig> {
  return stageNode('crossValidate', config, { in: 'built model', out: 'evaluation' });
}
