import { segmentationFitSchema } from '../train/segmentation-config.ts';
import { defineStage } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export type { SegmentationFitConfig } from '../train/segmentation-config.ts';

export const fitSegmentationStage = defineStage({
  kind: 'fit.segmentation',
  version: 1,
  in: ports.segModel,
  out: ports.segTrained,
  config: segmentationFitSchema,
  seeded: true,
  usesTf: true,
  load: async () => (await import('./fit-segmentation.run.ts')).default,
});
