import { splitConfigSchema, type SplitConfig } from '../data/split-config.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { segmentationOnly } from './core/stage-node.ts';
import { ports } from './core/ports.ts';
import { splitSegmentationStage, type SegmentationSplitConfig } from './split-segmentation.ts';

export type { SplitConfig } from '../data/split-config.ts';

export const splitStage = defineStage({
  kind: 'split',
  version: 1,
  in: ports.images,
  out: ports.splits,
  config: splitConfigSchema,
  seeded: true,
  load: async () => (await import('./split.run.ts')).default,
});

/**
 * Splits into train / validation / test (seeded, stratified, group-aware), fits any dataset-level
 * normalization on the training split only, and audits for leaks across splits.
 * @example
 *   split({ fractions: { train: 0.7, val: 0.15, test: 0.15 } })
 */
export function split(config: SplitConfig = {}) {
  return nodeOf(splitStage, config);
}

/** Splits segmentation images by whole image (the data's own split first). @example split.segmentation({ valFromTrain: 0.2 }) */
split.segmentation = (config: SegmentationSplitConfig = {}) => segmentationOnly(nodeOf(splitSegmentationStage, config));
