import { fitConfigSchema, type FitConfig } from '../train/fit-config.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';
import { fitSegmentationStage, type SegmentationFitConfig } from './fit-segmentation.ts';

export type { FitConfig } from '../train/fit-config.ts';

export const fitStage = defineStage({
  kind: 'fit',
  version: 2,
  in: ports.builtModel,
  out: ports.trainedModel,
  config: fitConfigSchema,
  seeded: true,
  usesTf: true,
  load: async () => (await import('./fit.run.ts')).default,
});

/**
 * Trains the model; applies the augmentation policy to training batches only.
 * @example
 *   fit({ epochs: 30, classWeight: 'balanced' })
 */
export function fit(config: FitConfig = {}) {
  return nodeOf(fitStage, config);
}

/** Trains a U-Net on random patches inside the ROI, early stopping on validation Dice. @example fit.segmentation({ epochs: 20, steps: 20 }) */
fit.segmentation = (config: SegmentationFitConfig = {}) => nodeOf(fitSegmentationStage, config);
