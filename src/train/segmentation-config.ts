import { z } from 'zod';
import { augmentPolicySchema } from '../data/augment-policy.ts';
import { unetOptionsSchema } from './unet-config.ts';

/** build.unet's options: the U-Net's knobs and the patch side it is built for. */
export const unetBuildSchema = unetOptionsSchema.extend({
  /** Side of the square training patch (= the model's input; whole images are predicted by sliding windows). Must divide by 2^depth. @default the largest multiple of 2^depth ≤ min(64, image side) */
  patch: z.number().int().min(8).optional(),
  /**
   * Transfer into the encoder (the levels before the first upsampling) from a local model: a model folder
   * (e.g. another pipeline's out/<name>/model) or a model.json; convolutions and BatchNorms are matched in
   * order and must have the same shapes. `freeze` keeps them fixed during fit. @default none (random init)
   */
  encoder: z.strictObject({ from: z.string().min(1), freeze: z.boolean().optional() }).optional(),
  /**
   * 2.5D: this many adjacent slices of a volume (odd; the slice and (n − 1) / 2 neighbours each side,
   * edges replicated) go in as channels, and the centre slice's mask comes out. Needs NIfTI volumes. @default 1 (2D)
   */
  slices: z
    .number()
    .int()
    .min(1)
    .refine((n) => n % 2 === 1, 'slices must be odd (a centre slice and as many neighbours on each side)')
    .optional(),
});
export type UnetBuildConfig = z.infer<typeof unetBuildSchema>;

/** fit.segmentation's options. */
export const segmentationFitSchema = z.strictObject({
  /** @default 20 */
  epochs: z.number().int().positive().optional(),
  /** Optimizer steps (batches of random patches) per epoch. @default 20 */
  steps: z.number().int().positive().optional(),
  /** Patches per batch. @default 16 */
  batchSize: z.number().int().positive().optional(),
  /** 'dice' (soft Dice), 'ce' (cross-entropy), 'dice+ce' (their sum), 'tversky' (α 0.3 on FP, β 0.7 on FN), 'focal' (γ 2) or 'dice+focal', all inside the ROI. @default 'dice+ce' */
  loss: z.enum(['dice', 'ce', 'dice+ce', 'tversky', 'focal', 'dice+focal']).optional(),
  /** Adam's learning rate. @default 1e-3 */
  learningRate: z.number().positive().optional(),
  /** 'cosine' anneals the rate from learningRate to 0 over epochs × steps (early stopping may end sooner). @default 'constant' */
  schedule: z.enum(['constant', 'cosine']).optional(),
  /** Relative weights of foreground- and background-centred patches (MONAI RandCropByPosNegLabel). @default [1, 1] */
  posNeg: z
    .tuple([z.number().min(0), z.number().min(0)])
    .readonly()
    .optional(),
  /** Geometric transforms go to image, mask and ROI alike (nearest for masks); intensity ones to the image only. @default none */
  augment: augmentPolicySchema.optional(),
  /** Early stopping on the validation Dice (whole images, sliding windows), best weights restored. @default { patience: 5 } */
  earlyStopping: z.strictObject({ patience: z.number().int().min(0).optional(), minDelta: z.number().min(0).optional() }).optional(),
  /** Sliding-window overlap for validation and evaluation. @default 0.5 */
  overlap: z.number().min(0).lt(1).optional(),
});
export type SegmentationFitConfig = z.infer<typeof segmentationFitSchema>;

/** evaluate.segmentation's options. */
export const segmentationEvaluateSchema = z.strictObject({
  /** Decision threshold on the foreground probability (binary masks): a number, or 'validation' = the one maximising mean validation Dice on a 0.05 grid. @default 'validation' */
  threshold: z.union([z.number().gt(0).lt(1), z.literal('validation')]).optional(),
  /** Normalized surface Dice tolerance in the spacing's unit. @default 2 */
  tolerance: z.number().positive().optional(),
  /** Sliding-window overlap. @default the fit's */
  overlap: z.number().min(0).lt(1).optional(),
  /**
   * Where images that ingest resized are scored: 'original' = at their files' own size (probabilities
   * resized bilinearly, then thresholded; masks as drawn); 'ingested' = at the stored size. @default 'original'
   */
  resolution: z.enum(['original', 'ingested']).optional(),
});
export type SegmentationEvaluateConfig = z.infer<typeof segmentationEvaluateSchema>;
