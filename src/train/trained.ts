/** What the model stages pass on: a model as data plus what later stages and `predict` need. */
import type { PreprocessStep } from '../data/preprocessing.ts';
import { taskField, taskOf, type TaskKind } from '../data/task.ts';
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
  /** Absent for binary models (one sigmoid: the score of classes[1]). */
  readonly task?: Exclude<TaskKind, 'binary'>;
  /** Multi-label: each finding's threshold (predicted present when its score >= it). */
  readonly thresholds?: readonly number[];
  /** Binary: the class the reported score is the probability of, when it is the first (evaluate's positiveClass): score = 1 − output. */
  readonly positiveClass?: string;
  /** Scores are averaged over these mirrored copies (evaluate's testTimeAugmentation); predict repeats it. */
  readonly tta?: { readonly horizontalFlip?: boolean; readonly verticalFlip?: boolean };
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
  /** fit's `ensemble` > 1: each member's training (history, bestEpoch … above are member 1's). */
  readonly members?: readonly { readonly seed: number; readonly bestEpoch: number; readonly epochsRun: number; readonly best?: number }[];
}

/** What every model stage records about the data it was trained for (task absent for binary, as before task kinds). */
export function modelInfo(data: {
  readonly classes: readonly string[];
  readonly task?: Exclude<TaskKind, 'binary'>;
  readonly shape: readonly [number, number, number];
  readonly preprocessing: readonly PreprocessStep[];
}): ModelInfo {
  return {
    classes: data.classes,
    ...taskField(taskOf(data)),
    inputShape: data.shape,
    preprocessing: data.preprocessing,
    threshold: 0.5,
    thresholdSource: 'default',
  };
}
