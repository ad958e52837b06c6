import type { SegmentationSplitConfig } from '../data/segmentation-config.ts';
import type { SegmentationSet } from '../data/segmentation-set.ts';
import { splitSegmentation } from '../data/segmentation-split.ts';
import type { StageRun } from './core/define-stage.ts';

export default {
  run: async (set, config, ctx) => splitSegmentation(set, config, ctx.seed),
  summary: (set) =>
    `train ${set.splits!.train.length}, val ${set.splits!.val.length}, test ${set.splits!.test.length} images (${set.enhance ? 'enhanced, ' : ''}${set.intensity})`,
} satisfies StageRun<SegmentationSplitConfig, SegmentationSet, SegmentationSet>;
