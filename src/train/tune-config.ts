import { z } from 'zod';
import { fitConfigSchema, lossSchema } from './fit-config.ts';
import { BINARY_SCORE_KEYS, LABEL_SCORE_KEYS, ORDINAL_SCORE_KEYS } from './task-scores.ts';

/** Grid keys in the order combinations are enumerated (the last one varies fastest). */
export const GRID_KEYS = ['learningRate', 'batchSize', 'epochs', 'classWeight', 'loss'] as const;
export const MAX_GRID_POINTS = 64;

/** The validation metrics a candidate is ranked by on a binary task (binaryMetrics names, at threshold 0.5). */
export const VAL_KEYS = BINARY_SCORE_KEYS;
type ValKey = (typeof BINARY_SCORE_KEYS | typeof ORDINAL_SCORE_KEYS | typeof LABEL_SCORE_KEYS)[number];
/**
 * The monitors tune can rank by: the returned model's metrics on the validation split (threshold 0.5
 * where one is needed): binaryMetrics names on binary tasks; auc (macro one-vs-rest), accuracy,
 * balancedAccuracy, kappa, macroF1, weightedF1, logLoss (and quadraticWeightedKappa, meanAbsoluteError
 * for ordinal grades) on K classes; auc, microAuc, averagePrecision, macroF1, microF1, hammingLoss,
 * subsetAccuracy on findings.
 */
export const TUNE_MONITORS = [
  'val_loss',
  ...[...new Set<ValKey>([...BINARY_SCORE_KEYS, ...ORDINAL_SCORE_KEYS, ...LABEL_SCORE_KEYS])].map((k) => `val_${k}` as const),
] as ['val_loss', ...`val_${ValKey}`[]];
export type TuneMonitor = 'val_loss' | `val_${ValKey}`;

const values = <T extends z.ZodType>(item: T) => z.array(item).min(1).readonly().optional();

/** The values to try; each key left out keeps `base`'s value. Every combination is trained. */
export const tuneGridSchema = z.strictObject({
  /** Adam learning rates. */
  learningRate: values(z.number().positive()),
  batchSize: values(z.number().int().positive()),
  epochs: values(z.number().int().positive()),
  /** `null` = no class weights. */
  classWeight: values(z.union([z.literal('balanced'), z.null()])),
  loss: values(lossSchema),
});

export type TuneGrid = z.infer<typeof tuneGridSchema>;

export const tuneConfigSchema = z.strictObject({
  /** At most 64 combinations. */
  grid: tuneGridSchema,
  /**
   * What picks the winner, measured on the validation split (never test) with each candidate's
   * final (best-restored) weights; `val_loss` is the plain cross-entropy of the task (binary,
   * categorical, or per finding), so candidates trained with different losses compare fairly. Higher
   * wins, except for val_loss, val_logLoss, val_meanAbsoluteError and val_hammingLoss. Ties go to the
   * earlier grid point. @default 'val_auc' (macro one-vs-rest for K classes)
   */
  monitor: z.enum(TUNE_MONITORS).optional(),
  /** Settings shared by every grid point (as fit's config). @default fit's defaults */
  // Each fold / grid point trains one model: fit's `ensemble` is fit's own.
  base: fitConfigSchema.omit({ ensemble: true }).optional(),
});

export type TuneConfig = z.infer<typeof tuneConfigSchema>;

/**
 * What the schema cannot say about a grid (it reads the grid as written, so these come out in the
 * same pass as the schema's own problems): it must vary something, and not too much.
 */
export function gridSizeProblems(grid: unknown): string[] {
  if (typeof grid !== 'object' || grid === null) return [];
  const lengths = GRID_KEYS.flatMap((key) => {
    const values = (grid as Record<string, unknown>)[key];
    return Array.isArray(values) ? [[key, values.length] as const] : [];
  });
  if (lengths.length === 0) return ['grid has no values to try: give at least one of learningRate, batchSize, epochs, classWeight, loss (or use fit)'];
  const size = lengths.reduce((n, [, length]) => n * length, 1);
  if (size <= MAX_GRID_POINTS) return [];
  const sizes = lengths.map(([key, length]) => `${length} ${key}`);
  return [
    `grid has ${size} combinations (${sizes.join(' × ')}), more than ${MAX_GRID_POINTS}: drop values, or tune in rounds (coarse first, then around the best)`,
  ];
}
