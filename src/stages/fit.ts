import { stageNode, type BuiltModel, type StageNode, type TrainedModel } from '../pipeline.ts';

export interface FitConfig {
  /** @default 50 */
  readonly epochs?: number;
  /** @default 32 */
  readonly batchSize?: number;
  /** Adam. @default { learningRate: 1e-3, beta1: 0.92, beta2: 0.999 } (the tutorial's) */
  readonly optimizer?: { readonly learningRate?: number; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number };
  /** @default 'binaryCrossentropy' */
  readonly loss?: 'binaryCrossentropy' | { readonly focal: { /** @default 2 */ readonly gamma?: number; /** @default 0.25 */ readonly alpha?: number } };
  /** 'balanced' = n / (2 · count_c), like scikit-learn. @default none */
  readonly classWeight?: 'balanced' | Readonly<Record<number, number>>;
  /** Repeat minority-class images each epoch until classes are even. @default false */
  readonly oversample?: boolean;
  /**
   * Keras-style early stopping; `false` turns it off.
   * @default { monitor: 'val_auc', mode: 'max', patience: 10, minDelta: 0, restoreBestWeights: true } (the tutorial's)
   */
  readonly earlyStopping?:
    | false
    | {
        readonly monitor?: string;
        readonly mode?: 'min' | 'max' | 'auto';
        readonly patience?: number;
        readonly minDelta?: number;
        readonly restoreBestWeights?: boolean;
      };
}

/**
 * Trains the model; applies the augmentation policy to training batches only.
 * @example
 *   fit({ epochs: 30, classWeight: 'balanced' })
 */
export function fit(config: FitConfig = {}): StageNode<BuiltModel, TrainedModel, 'fit', FitConfig> {
  return stageNode('fit', config, { in: 'built model', out: 'trained model' });
}
