import { stageNode, type Images, type StageNode } from '../pipeline.ts';
import type { AugmentPolicy } from '../train/augment.ts';

export type { AugmentPolicy };

/**
 * Declares the augmentation policy. Nothing is computed here: `fit` applies it on the fly to
 * training batches only, differently each epoch; validation and test images are never augmented.
 * Horizontal flips are off by default: a left-right flipped chest X-ray shows dextrocardia.
 * @example
 *   augment({ rotation: 10, zoom: 0.1, translate: 0.1 })
 */
export function augment(policy: AugmentPolicy = {}): StageNode<Images, Images, 'augment', AugmentPolicy> {
  return stageNode('augment', policy, { in: 'images', out: 'images' });
}
