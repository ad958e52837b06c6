import { z } from 'zod';
import { fitConfigSchema } from './fit-config.ts';

export const crossValidateConfigSchema = z.strictObject({
  /** Number of folds k (at least 2). @default 5 */
  folds: z.number().int().min(2).optional(),
  /**
   * How each fold's model is trained; early stopping watches the held-out fold's `val_` metrics,
   * as fit watches the validation split. @default fit's defaults
   */
  fit: fitConfigSchema.optional(),
  /** Keep class proportions (near) equal across folds. @default true */
  stratify: z.boolean().optional(),
  /** Keep each group (patient) in one fold. @default true */
  byGroup: z.boolean().optional(),
});

export type CrossValidateConfig = z.infer<typeof crossValidateConfigSchema>;
