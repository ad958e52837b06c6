import { segmentationSplitSchema } from '../data/segmentation-config.ts';
import { defineStage } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export type { SegmentationSplitConfig } from '../data/segmentation-config.ts';

export const splitSegmentationStage = defineStage({
  kind: 'split.segmentation',
  version: 1,
  in: ports.segImages,
  out: ports.segSplits,
  config: segmentationSplitSchema,
  seeded: true,
  load: async () => (await import('./split-segmentation.run.ts')).default,
});
