import type { LayersModel } from '@tensorflow/tfjs';
import { z } from 'zod';

const pair = z.tuple([z.number().int().positive(), z.number().int().positive()]).readonly();

/**
 * How the last feature maps reach the head: 'flatten' (every position its own weights) or 'average'
 * (global average pooling: one value per channel, far fewer head weights). @default 'flatten'
 */
const poolingSchema = z.enum(['flatten', 'average']).optional();

/**
 * BatchNorm momentum, or 'auto': chosen from the training split's batches per epoch (at fit's default
 * batch size 32) so the moving statistics forget their start within one epoch (see batchNormMomentumFor).
 */
const batchNormMomentumSchema = z.union([z.number().min(0).lt(1), z.literal('auto')]).optional();

/** The tutorial CNN's knobs (see `tutorialCnn`). */
export const tutorialCnnOptionsSchema = z.strictObject({
  /** Filters of the two convolutions. @default [128, 64] */
  filters: pair.optional(),
  /** Square kernel sizes of the two convolutions. @default [5, 3] */
  kernels: pair.optional(),
  /** L2 factor on both convolution kernels (Keras `l2`: factor · Σw²); 0 turns it off. @default 1e-3 */
  l2: z.number().min(0).optional(),
  /** Dropout rate before the output layer. @default 0.5 */
  dropout: z.number().min(0).lt(1).optional(),
  /** Convolution padding. @default 'same' */
  padding: z.enum(['same', 'valid']).optional(),
  /**
   * Momentum of the BatchNorm moving statistics. Keras' (and the tutorial's) 0.99 needs many
   * hundreds of updates before inference-mode outputs settle: on a small data set, with few
   * batches per epoch, scores can all sit on one side of 0.5 although the AUC is good. 0.9 settles
   * in tens of updates. Must be in [0, 1). @default 0.99
   */
  batchNormMomentum: z.number().min(0).lt(1).optional(),
  pooling: poolingSchema,
});

export type TutorialCnnOptions = z.infer<typeof tutorialCnnOptionsSchema>;

/** The compact CNN's knobs (see `compactCnn`). */
export const compactCnnOptionsSchema = z.strictObject({
  /** Filters of each 3x3 conv + 2x2 max-pool block, in order. @default [16, 32, 64] */
  filters: z.array(z.number().int().positive()).min(1).max(6).readonly().optional(),
  /** Dropout rate before the output layer. @default 0.5 */
  dropout: z.number().min(0).lt(1).optional(),
  pooling: poolingSchema,
  /** BatchNorm after each block's convolution (conv + relu → BatchNorm → pool). @default false */
  batchNorm: z.boolean().optional(),
  /** Momentum of those BatchNorm layers (only with batchNorm). @default 0.99 (Keras) */
  batchNormMomentum: z.number().min(0).lt(1).optional(),
});

export type CompactCnnOptions = z.infer<typeof compactCnnOptionsSchema>;

/** Makes a model for the data's [height, width, channels]. */
export type CreateModel = (inputShape: [number, number, number], tf: typeof import('@tensorflow/tfjs')) => LayersModel;

export const buildConfigSchema = z.discriminatedUnion('model', [
  tutorialCnnOptionsSchema.extend({
    model: z.literal('tutorial-cnn'),
    /** Expected input; channels-first (3, 64, 64) is accepted and converted. @default the data's shape */
    inputShape: z.array(z.number().int().positive()).length(3).readonly().optional(),
    /** @default 0.99 (Keras, the tutorial) */
    batchNormMomentum: batchNormMomentumSchema,
  }),
  compactCnnOptionsSchema.extend({ model: z.literal('compact-cnn'), batchNormMomentum: batchNormMomentumSchema }),
  z.strictObject({
    model: z.literal('custom'),
    create: z.custom<CreateModel>((v) => typeof v === 'function', { error: 'build.custom needs a function (inputShape, tf) => tf.LayersModel' }),
  }),
  z.strictObject({
    model: z.literal('pretrained'),
    /** Folder with a saved tfjs model (model.json + weights). */
    path: z.string(),
    /** true, or freeze all but the last n layers. @default true */
    freeze: z.union([z.boolean(), z.number().int().min(0)]).optional(),
  }),
]);

export type BuildConfig = z.infer<typeof buildConfigSchema>;
