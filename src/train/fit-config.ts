import { z } from 'zod';
import { CLASS_EPOCH_METRIC_KEYS, LABEL_EPOCH_METRIC_KEYS, ORDINAL_EPOCH_METRIC_KEYS } from '../metrics/class-epoch-metrics.ts';
import { EPOCH_METRIC_KEYS } from '../metrics/epoch-metrics.ts';
import { epochLogKeys } from './epoch-log-keys.ts';

const positiveInt = z.number().int().positive();
const rate = z.number().min(0).lt(1);

type BinaryKey = (typeof EPOCH_METRIC_KEYS)[number];
type ClassKey = (typeof ORDINAL_EPOCH_METRIC_KEYS)[number];
type LabelKey = (typeof LABEL_EPOCH_METRIC_KEYS)[number];
type Monitored<Key extends string> = 'loss' | Key | 'val_loss' | `val_${Key}`;
/** The log keys early stopping can watch on a binary task: loss and the epoch metrics, on train and validation. */
export type BinaryMonitor = Monitored<BinaryKey>;
/** … on a multi-class task (qwk and mae: ordinal tasks only). */
export type ClassMonitor = Monitored<ClassKey>;
/** … on a multi-label task. */
export type LabelMonitor = Monitored<LabelKey>;
export type Monitor = BinaryMonitor | ClassMonitor | LabelMonitor;
export const MONITORS = [
  ...new Set([...epochLogKeys(EPOCH_METRIC_KEYS), ...epochLogKeys(ORDINAL_EPOCH_METRIC_KEYS), ...epochLogKeys(LABEL_EPOCH_METRIC_KEYS)]),
] as [Monitor, ...Monitor[]];

/** The epoch metric names logged for a task. */
export function epochMetricKeys(task: 'binary' | 'multiclass' | 'ordinal' | 'multilabel'): readonly string[] {
  return task === 'binary'
    ? EPOCH_METRIC_KEYS
    : task === 'multilabel'
      ? LABEL_EPOCH_METRIC_KEYS
      : task === 'ordinal'
        ? ORDINAL_EPOCH_METRIC_KEYS
        : CLASS_EPOCH_METRIC_KEYS;
}

/**
 * binaryCrossentropy: binary, and multi-label (per finding); categoricalCrossentropy: multi-class and
 * ordinal; softOrdinal: ordinal grades (cross-entropy against targets spread over the neighbouring
 * grades, q_c ∝ exp(−scale·(c − t)²), SORD); focal: any task.
 */
export const lossSchema = z.union([
  z.literal('binaryCrossentropy'),
  z.literal('categoricalCrossentropy'),
  z.strictObject({
    softOrdinal: z.strictObject({
      /** How fast the target falls off with the distance in grades; larger is closer to one-hot. @default 1 */
      scale: z.number().positive().optional(),
    }),
  }),
  z.strictObject({
    focal: z.strictObject({
      /** @default 2 */
      gamma: z.number().min(0).optional(),
      /** @default 0.25 */
      alpha: z.number().min(0).max(1).optional(),
    }),
  }),
]);

/** How fit (and every fold of crossValidate, every grid point of tune) trains a model. */
export const fitConfigSchema = z.strictObject({
  /** @default 50 */
  epochs: positiveInt.optional(),
  /** @default 32 */
  batchSize: positiveInt.optional(),
  /** Adam. @default { learningRate: 1e-3, beta1: 0.92, beta2: 0.999 } (the tutorial's) */
  optimizer: z
    .strictObject({ learningRate: z.number().positive().optional(), beta1: rate.optional(), beta2: rate.optional(), epsilon: z.number().positive().optional() })
    .optional(),
  /** 'cosine' anneals Adam's rate from learningRate to 0 over epochs × batches (early stopping may end sooner). @default 'constant' */
  schedule: z.enum(['constant', 'cosine']).optional(),
  /** @default 'binaryCrossentropy' (binary; multi-label: per finding), 'categoricalCrossentropy' (multi-class, ordinal) */
  loss: lossSchema.optional(),
  /**
   * Multi-class and ordinal tasks: train against (1 − ε)·one-hot + ε/K instead of the one-hot target
   * (Keras' label_smoothing; not with softOrdinal, whose targets are already spread). @default 0
   */
  labelSmoothing: z.number().min(0).lt(1).optional(),
  /**
   * MixUp (Zhang et al. 2018): each training batch is blended with a shuffled copy of itself,
   * λ·x + (1 − λ)·x[π], λ ~ Beta(alpha, alpha) per batch, and the loss is λ·L(y) + (1 − λ)·L(y[π]).
   * Any task and loss. @default off
   */
  mixup: z.strictObject({ /** Beta(alpha, alpha); small values mix little (0.2 is the paper's ImageNet value). */ alpha: z.number().positive() }).optional(),
  /**
   * 'balanced' = n / (K · count_c) over the classes present, scikit-learn's compute_class_weight
   * (multi-label: per finding, n / (2 · count) for its positives and its negatives). @default none
   */
  classWeight: z
    .union([z.literal('balanced'), z.record(z.string().regex(/^\d+$/, 'class weight keys are class indices (0, 1, ...)'), z.number().min(0)).readonly()])
    .optional(),
  /**
   * Train this many members and average their outputs (a deep ensemble). Each member is trained on
   * its own from the build stage's weights with its own seed (data order, augmentation draws, dropout
   * masks; member 1 uses the run's seed, so 1 is the plain fit) and early-stopped on its own; the
   * trained model is one model averaging the members' outputs. Training takes N times as long.
   * @default 1
   */
  ensemble: z.number().int().min(1).max(32).optional(),
  /** Repeat images of the smaller classes each epoch until every class is as frequent as the largest (single-label tasks). @default false */
  oversample: z.boolean().optional(),
  /**
   * Keras-style early stopping; `false` turns it off. `val_auc` is the ROC AUC on binary tasks and
   * the macro one-vs-rest ROC AUC on multi-class, ordinal and multi-label tasks.
   * @default { monitor: 'val_auc', mode: 'max', patience: 10, minDelta: 0, restoreBestWeights: true } (the tutorial's)
   */
  earlyStopping: z
    .union([
      z.literal(false),
      z.strictObject({
        monitor: z.enum(MONITORS).optional(),
        mode: z.enum(['min', 'max', 'auto']).optional(),
        patience: z.number().int().min(0).optional(),
        minDelta: z.number().min(0).optional(),
        restoreBestWeights: z.boolean().optional(),
      }),
    ])
    .optional(),
});

export type FitConfig = z.infer<typeof fitConfigSchema>;
