import { stageNode, type BuiltModel, type StageNode, type TrainedModel } from '../pipeline.ts';
import type { FitConfig } from './fit.ts';

/** The values to try; each key left out keeps `base`'s value. Every combination is trained. */
export interface TuneGrid {
  /** Adam learning rates. */
  readonly learningRate?: readonly number[];
  readonly batchSize?: readonly number[];
  readonly epochs?: readonly number[];
  /** `null` = no class weights. */
  readonly classWeight?: readonly ('balanced' | null)[];
  readonly loss?: readonly NonNullable<FitConfig['loss']>[];
}

/** The monitors tune can rank by: the returned model's metrics on the validation split at threshold 0.5. */
export type TuneMonitor =
  | 'val_loss'
  | 'val_auc'
  | 'val_averagePrecision'
  | 'val_accuracy'
  | 'val_balancedAccuracy'
  | 'val_precision'
  | 'val_recall'
  | 'val_specificity'
  | 'val_npv'
  | 'val_f1'
  | 'val_kappa'
  | 'val_specificityAtSensitivity';

export interface TuneConfig {
  /** At most 64 combinations. */
  readonly grid: TuneGrid;
  /**
   * What picks the winner, measured on the validation split (never test) with each candidate's
   * final (best-restored) weights; `val_loss` is plain binary cross-entropy, so candidates trained
   * with different losses compare fairly. Higher wins, except for val_loss. Ties go to the earlier
   * grid point. @default 'val_auc'
   */
  readonly monitor?: TuneMonitor;
  /** Settings shared by every grid point (as fit's config). @default fit's defaults */
  readonly base?: FitConfig;
}

/**
 * Grid search: trains one model per combination on the training split (from the same initial
 * weights, with the same seed), scores each on the validation split and passes on the winner,
 * like fit does, so `evaluate()` can follow. Writes tune-results.json and tune-results.csv.
 * @example
 *   tune({ grid: { learningRate: [1e-3, 3e-4], classWeight: ['balanced', null] }, base: { epochs: 20 } })
 */
export function tune(config: TuneConfig): StageNode<BuiltModel, TrainedModel, 'tune', TuneConfig> {
  return stageNode('tune', config, { in: 'built model', out: 'trained model' });
}
