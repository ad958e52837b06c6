import type { ImageSet } from '../data/image-set.ts';
import type { AugmentPolicy } from '../data/augment-policy.ts';
import type { StageRun } from './core/define-stage.ts';

export default {
  run: async (input, policy) => ({ ...input, augment: policy }),
  summary: (set) => `policy ${JSON.stringify(set.augment)} (applied by fit to training batches)`,
} satisfies StageRun<AugmentPolicy, ImageSet, ImageSet>;
