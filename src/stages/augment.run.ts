import { decodeImageSet, encodeImageSet, type ImageSet } from '../data/image-set.ts';
import type { StageImpl } from '../runtime/stage-impl.ts';
import { validateAugmentPolicy, type AugmentPolicy } from '../train/augment.ts';

export const augmentImpl: StageImpl<AugmentPolicy, ImageSet, ImageSet> = {
  kind: 'augment',
  version: 1,
  validate: (policy) => validateAugmentPolicy(policy ?? {}),
  run: async (input, policy) => ({ ...input, augment: policy }),
  encode: encodeImageSet,
  decode: decodeImageSet,
  summary: (set) => `policy ${JSON.stringify(set.augment)} (applied by fit to training batches)`,
};
