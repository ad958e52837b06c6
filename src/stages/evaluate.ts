import { stageNode, type Evaluation, type StageNode, type TrainedModel } from '../pipeline.ts';

export interface EvaluateConfig {
  /**
   * Decision threshold (predicted positive when score ≥ threshold), or `{ sensitivity }` to choose
   * on the VALIDATION split the highest threshold reaching that sensitivity; it is frozen before the
   * test set is scored. @default 0.5
   */
  readonly threshold?: number | { readonly sensitivity: number };
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
