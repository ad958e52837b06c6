import { z } from 'zod';

/** The U-Net's knobs (see `unet`). */
export const unetOptionsSchema = z.strictObject({
  /** Number of 2x2 poolings (the decoder has as many upsamplings); input sides must divide by 2^depth. @default 3 */
  depth: z.number().int().min(1).max(6).optional(),
  /** Filters of the first level; each level down doubles them. @default 16 */
  baseFilters: z.number().int().positive().optional(),
  /** BatchNorm after every convolution (before the ReLU). @default true */
  batchNorm: z.boolean().optional(),
  /** Dropout rate at the bottleneck. @default 0 */
  dropout: z.number().min(0).lt(1).optional(),
  /** Decoder upsampling: a learned 2x2 transposed convolution, or nearest upsampling then a 2x2 convolution. @default 'transpose' */
  upsampling: z.enum(['transpose', 'nearest']).optional(),
  /** Momentum of the BatchNorm moving statistics. @default 0.9 */
  batchNormMomentum: z.number().min(0).lt(1).optional(),
});

export type UnetOptions = z.infer<typeof unetOptionsSchema>;
