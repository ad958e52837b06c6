import { z } from 'zod';

const unitInterval = z.number().gt(0).max(1);

export const evaluateConfigSchema = z.strictObject({
  /**
   * Decision threshold (predicted positive when score ≥ threshold), or `{ sensitivity }` to choose
   * on the VALIDATION split the highest threshold reaching that sensitivity; it is frozen before the
   * test set is scored. @default 0.5
   */
  threshold: z.union([z.number().min(0).max(1), z.strictObject({ sensitivity: unitInterval })]).optional(),
  /** Target of "specificity at sensitivity". @default 0.8 (the tutorial's) */
  sensitivity: unitInterval.optional(),
  /** Also write PNG versions of the plots. @default true */
  png: z.boolean().optional(),
  /**
   * Grad-CAM heatmaps (where the positive-class evidence lies) for this many test images, written to
   * plots/gradcam/: round-robin over the most confident true positives, the worst false negatives,
   * the worst false positives and the most confident true negatives (8 → two of each); false turns
   * it off. @default 8
   */
  gradCam: z.union([z.number().int().min(0), z.literal(false)]).optional(),
  /**
   * How those heatmaps are made. 'hirescam' (Draelos & Carin 2020) weights each activation by its own
   * gradient; 'gradcam' (Selvaraju et al. 2017) by the gradient averaged over the map. For a model
   * ending in Flatten → Dense, like the tutorial CNN, Grad-CAM's averaged weights come out the same for
   * every image (so its maps say little about the image at hand) while HiResCAM's maps add up to the
   * layer's exact share of the logit; with a global-average-pooling head the two are identical.
   * @default 'hirescam'
   */
  gradCamMethod: z.enum(['gradcam', 'hirescam']).optional(),
});

export type EvaluateConfig = z.infer<typeof evaluateConfigSchema>;
