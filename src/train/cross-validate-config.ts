import { z } from 'zod';
import { fitConfigSchema } from './fit-config.ts';

export const crossValidateConfigSchema = z.strictObject({
  /** Number of folds k (at least 2). @default 5 */
  folds: z.number().int().min(2).optional(),
  /**
   * How each fold's model is trained; early stopping watches an inner validation split carved from
   * the fold's training part, never the held-out fold. @default fit's defaults
   */
  // Each fold / grid point trains one model: fit's `ensemble` is fit's own.
  fit: fitConfigSchema.omit({ ensemble: true }).optional(),
  /**
   * Share of each fold's training part held out as its inner validation split (stratified,
   * group-aware), for early stopping. @default 0.2
   */
  innerValidation: z.number().min(0.05).max(0.5).optional(),
  /**
   * A metadata attribute whose values are the folds (a CSV `fold` column; `site` or `source` for
   * leave-one-site-out). @default seeded stratified, group-aware folds
   */
  foldBy: z.string().min(1).optional(),
  /** Keep class proportions (near) equal across folds. @default true */
  stratify: z.boolean().optional(),
  /** Keep each group (patient) in one fold. @default true */
  byGroup: z.boolean().optional(),
});

export type CrossValidateConfig = z.infer<typeof crossValidateConfigSchema>;
