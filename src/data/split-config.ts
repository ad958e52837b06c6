import { z } from 'zod';

const fraction = z.number().min(0);

export const splitConfigSchema = z.strictObject({
  /** Fractions for data that has no split of its own. @default { train: 0.64, val: 0.16, test: 0.2 } (a 20% test set, then the tutorial's 80/20 train/validation) */
  fractions: z
    .strictObject({ train: fraction.positive(), val: fraction.positive(), test: fraction })
    .refine((f) => Math.abs(f.train + f.val + f.test - 1) <= 1e-6, { error: (issue) => {
      const f = issue.input as { train: number; val: number; test: number };
      return `fractions must add up to 1, got ${f.train + f.val + f.test}`;
    } })
    .optional(),
  /** Keep the train/val/test split the data comes with (folders or arrays). @default true */
  keepExisting: z.boolean().optional(),
  /** When the data brings train and test but no validation set, this fraction of train becomes validation. @default 0.2 */
  valFraction: z.number().gt(0).lt(1).optional(),
  /** Keep class proportions equal across splits. @default true */
  stratify: z.boolean().optional(),
  /** Keep each group (patient) in one split. Groups come from ingest (groupPattern, a CSV group column, DICOM PatientID as a salted hash). @default true */
  byGroup: z.boolean().optional(),
});

export type SplitConfig = z.infer<typeof splitConfigSchema>;
