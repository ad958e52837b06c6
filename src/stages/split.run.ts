import type { ImageSet, SplitSet } from '../data/image-set.ts';
import type { SplitConfig } from '../data/split-config.ts';
import { splitImageSet } from '../data/split-set.ts';
import type { StageRun } from './core/define-stage.ts';

export default {
  run: async (input, config, ctx) => splitImageSet(input, config, ctx.seed, ctx),
  summary: (s) =>
    `train ${s.train.samples.length} / val ${s.val.samples.length} / test ${s.test.samples.length}` +
    (s.audit.duplicateContent || s.audit.sharedGroups
      ? `; leak audit: ${s.audit.duplicateContent} duplicate image(s), ${s.audit.sharedGroups} shared group(s)`
      : ''),
} satisfies StageRun<SplitConfig, ImageSet, SplitSet>;
