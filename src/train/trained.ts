/** What the model stages pass on: a model as data plus what later stages and `predict` need. */
import type { PreprocessStep } from '../data/preprocessing.ts';
import type { ModelData } from './model-data.ts';

/** build's output: an untrained model for the data's shape. */
export interface Built {
  readonly model: ModelData;
  readonly summary: string;
  readonly inputShape: readonly [number, number, number];
  /** Output hash of the split this model is for (so keys chain through the model stages). */
  readonly dataHash: string;
}

/** What predict needs to repeat: classes, input shape, decode and normalization steps, threshold. */
export interface ModelInfo {
  readonly classes: readonly string[];
  readonly inputShape: readonly [number, number, number];
  readonly preprocessing: readonly PreprocessStep[];
  readonly threshold: number;
  readonly thresholdSource: string;
}

/** fit's output (tune's extends it): the trained model and how training went. */
export interface Trained {
  readonly model: ModelData;
  readonly history: readonly Record<string, number>[];
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  readonly restoredBest: boolean;
  readonly epochsRun: number;
  readonly backend: string;
  readonly dataHash: string;
  readonly info: ModelInfo;
}
