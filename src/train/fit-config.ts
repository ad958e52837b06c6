import { z } from 'zod';
import { EPOCH_METRIC_KEYS } from '../metrics/epoch-metrics.ts';
import { epochLogKeys } from './epoch-log-keys.ts';

const positiveInt = z.number().int().positive();
const rate = z.number().min(0).lt(1);

type Key = (typeof EPOCH_METRIC_KEYS)[number];
/** The log keys early stopping can watch: loss and the epoch metrics, on train and validation. */
export type Monitor = 'loss' | Key | 'val_loss' | `val_${Key}`;
export const MONITORS = epochLogKeys(EPOCH_METRIC_KEYS) as [Monitor, ...Monitor[]];

export const lossSchema = z.union([
  z.literal('binaryCrossentropy'),
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
  /** @default 'binaryCrossentropy' */
  loss: lossSchema.optional(),
  /** 'balanced' = n / (2 · count_c), like scikit-learn. @default none */
  classWeight: z
    .union([z.literal('balanced'), z.record(z.string().regex(/^\d+$/, 'class weight keys are class indices (0, 1, ...)'), z.number().min(0)).readonly()])
    .optional(),
  /** Repeat minority-class images each epoch until classes are even. @default false */
  oversample: z.boolean().optional(),
  /**
   * Keras-style early stopping; `false` turns it off.
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
