import { segmentationEvaluateSchema } from '../train/segmentation-config.ts';
import { defineStage } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export type { SegmentationEvaluateConfig } from '../train/segmentation-config.ts';

export const evaluateSegmentationStage = defineStage({
  kind: 'evaluate.segmentation',
  // 2: images that ingest resized are scored at their own size (resolution: 'original'); the model is exported for predict.
  version: 2,
  in: ports.segTrained,
  out: ports.segEvaluation,
  config: segmentationEvaluateSchema,
  usesTf: true,
  load: async () => (await import('./evaluate-segmentation.run.ts')).default,
});
