import { z } from 'zod';

const amount = z.number().min(0);

/**
 * The augmentation policy: random affine and intensity changes applied by fit to training batches
 * only, fresh each epoch. Every component is off (0 / false) unless set.
 */
export const augmentPolicySchema = z.strictObject({
  /** Max rotation in degrees; the angle is uniform in [-r, r]. @default 0 */
  rotation: amount.max(360).optional(),
  /** Max shift as a fraction of the image size (per axis), uniform in [-t, t]. @default 0 */
  translate: amount.lt(1).optional(),
  /** Isotropic scale uniform in [1-z, 1+z] (> 1 magnifies). Must be < 1. @default 0 */
  zoom: amount.lt(1).optional(),
  /** Max shear angle in degrees (x shear), uniform in [-s, s]. @default 0 */
  shear: amount.lt(90).optional(),
  /**
   * Additive shift, uniform in [-b, b] times the image's own value range (max - min), so it means the
   * same whether pixels are in [0, 1], [0, 255] or z-scored. @default 0
   */
  brightness: amount.optional(),
  /** Multiplicative contrast about each channel's mean, factor uniform in [1-c, 1+c]. @default 0 */
  contrast: amount.lt(1).optional(),
  /**
   * Left-right flip with probability 0.5. @default false — a horizontally flipped chest X-ray shows
   * the heart on the right (fake dextrocardia), an anatomy the model should not learn as normal:
   * keep it off for chest radiographs.
   */
  horizontalFlip: z.boolean().optional(),
  /** Up-down flip with probability 0.5. @default false */
  verticalFlip: z.boolean().optional(),
  /**
   * How pixels that come from outside the image are filled: 'nearest' repeats the edge,
   * 'reflect' mirrors the image (d c b a | a b c d | d c b a), 'constant' uses `fillValue`.
   * @default 'nearest'
   */
  fill: z.enum(['nearest', 'constant', 'reflect']).optional(),
  /** Value used by `fill: 'constant'`. @default 0 */
  fillValue: z.number().optional(),
});

export type AugmentPolicy = z.infer<typeof augmentPolicySchema>;
