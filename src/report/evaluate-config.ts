import { z } from 'zod';

const unitInterval = z.number().gt(0).max(1);

/** A fixed threshold, or a rule applied on the validation split (see operating-point.ts). */
const thresholdRule = z.union([
  z.number().min(0).max(1),
  z.literal('youden'),
  z.strictObject({ sensitivity: unitInterval }),
  z.strictObject({ specificity: unitInterval }),
  z.literal('maxF1'),
]);

export const evaluateConfigSchema = z.strictObject({
  /**
   * Binary and multi-label tasks (multi-label: per finding): the decision threshold (predicted
   * positive when score ≥ threshold): a fixed number, or a rule applied to the VALIDATION split and
   * frozen before the test set is scored — 'youden' (maximum of sensitivity + specificity − 1),
   * `{ sensitivity }` (the highest threshold reaching it), `{ specificity }` (the lowest keeping it)
   * or 'maxF1' (the highest F1). Multi-class and ordinal tasks predict the most probable class and take
   * no threshold. @default 'youden' (binary; 0.5 when validation has one class), 'maxF1' per finding
   * (multi-label)
   */
  threshold: thresholdRule.optional(),
  /**
   * Confidence intervals of every test metric: a stratified bootstrap (by patient group where the
   * data has groups), seeded by the pipeline seed; percentile and BCa intervals.
   * @default { resamples: 2000, level: 0.95 }
   */
  bootstrap: z.strictObject({ resamples: z.number().int().min(100).optional(), level: z.number().gt(0).lt(1).optional() }).optional(),
  /**
   * Calibration: bins of the reliability diagram and ECE, and an optional recalibration ('platt' or
   * 'isotonic') fitted on the validation split and reported beside the raw scores.
   * @default { bins: 10, strategy: 'uniform' } (no recalibration)
   */
  calibration: z
    .strictObject({
      bins: z.number().int().min(2).max(100).optional(),
      strategy: z.enum(['uniform', 'quantile']).optional(),
      recalibrate: z.enum(['platt', 'isotonic']).optional(),
    })
    .optional(),
  /**
   * Metadata attributes (CSV columns, DICOM sex / ageBand / manufacturer / view, source folder) to
   * report test metrics for per value; false for none. @default every attribute with 2–20 values
   */
  subgroups: z.union([z.array(z.string()).readonly(), z.literal(false)]).optional(),
  /** Binary and multi-label tasks: target of "specificity at sensitivity". @default 0.8 (the tutorial's) */
  sensitivity: unitInterval.optional(),
  /**
   * Binary tasks: the class whose score, recall and precision are reported (the model's output is the
   * probability of the second class; naming the first reports 1 − score for it). @default the second class
   */
  positiveClass: z.string().optional(),
  /**
   * Multi-class, ordinal and multi-label tasks: explain this class (finding) in every Grad-CAM
   * picture instead of each image's predicted class. @default the predicted class
   */
  gradCamClass: z.string().optional(),
  /**
   * Test-time augmentation: score each validation and test image as the mean of the model's outputs
   * over the image and its mirrored copies (all four combinations when both are on). Only for images
   * whose mirror is a plausible image of the same class (fundus, skin, histology: yes; chest X-ray:
   * no). `predict` repeats it. Grad-CAM explains the unmirrored image. @default no mirroring
   */
  testTimeAugmentation: z.strictObject({ horizontalFlip: z.boolean().optional(), verticalFlip: z.boolean().optional() }).optional(),
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
