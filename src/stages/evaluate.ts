import type { ThresholdRule } from '../metrics/operating-point.ts';
import type { RecalibrationMethod } from '../metrics/recalibration.ts';
import { stageNode, type Evaluation, type StageNode, type TrainedModel } from '../pipeline.ts';

export interface EvaluateConfig {
  /**
   * Decision threshold (predicted positive when score ≥ threshold): a fixed number, or a rule applied
   * to the VALIDATION split and frozen before the test set is scored — 'youden' (maximum of
   * sensitivity + specificity − 1), `{ sensitivity }` (the highest threshold reaching it) or
   * `{ specificity }` (the lowest keeping it). @default 'youden' (0.5 when validation has one class)
   */
  readonly threshold?: ThresholdRule;
  /**
   * Confidence intervals of every test metric: a stratified bootstrap (by patient group where the
   * data has groups), seeded by the pipeline seed; percentile and BCa intervals.
   * @default { resamples: 2000, level: 0.95 }
   */
  readonly bootstrap?: { readonly resamples?: number; readonly level?: number };
  /**
   * Calibration: bins of the reliability diagram and ECE, and an optional recalibration ('platt' or
   * 'isotonic') fitted on the validation split and reported beside the raw scores.
   * @default { bins: 10, strategy: 'uniform' } (no recalibration)
   */
  readonly calibration?: { readonly bins?: number; readonly strategy?: 'uniform' | 'quantile'; readonly recalibrate?: RecalibrationMethod };
  /**
   * Metadata attributes (CSV columns, DICOM sex / ageBand / manufacturer / view, source folder) to
   * report test metrics for per value; false for none. @default every attribute with 2–20 values
   */
  readonly subgroups?: readonly string[] | false;
  /** Target of "specificity at sensitivity". @default 0.8 (the tutorial's) */
  readonly sensitivity?: number;
  /** Also write PNG versions of the plots. @default true */
  readonly png?: boolean;
  /**
   * Grad-CAM heatmaps (where the positive-class evidence lies) for this many test images, written to
   * plots/gradcam/: round-robin over the most confident true positives, the worst false negatives,
   * the worst false positives and the most confident true negatives (8 → two of each); false turns
   * it off. @default 8
   */
  readonly gradCam?: number | false;
  /**
   * How those heatmaps are made. 'hirescam' (Draelos & Carin 2020) weights each activation by its own
   * gradient; 'gradcam' (Selvaraju et al. 2017) by the gradient averaged over the map. For a model
   * ending in Flatten → Dense, like the tutorial CNN, Grad-CAM's averaged weights come out the same for
   * every image (so its maps say little about the image at hand) while HiResCAM's maps add up to the
   * layer's exact share of the logit; with a global-average-pooling head the two are identical.
   * @default 'hirescam'
   */
  readonly gradCamMethod?: 'gradcam' | 'hirescam';
}

/**
 * Scores the test split: metrics.json, predictions.csv, curves, classification report and plots.
 * @example
 *   evaluate({ threshold: { sensitivity: 0.9 } })
 */
export function evaluate(config: EvaluateConfig = {}): StageNode<TrainedModel, Evaluation, 'evaluate', EvaluateConfig> {
  return stageNode('evaluate', config, { in: 'trained model', out: 'evaluation' });
}
