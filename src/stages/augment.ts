import { augmentPolicySchema, type AugmentPolicy } from '../data/augment-policy.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export type { AugmentPolicy } from '../data/augment-policy.ts';

export const augmentStage = defineStage({
  kind: 'augment',
  version: 1,
  in: ports.images,
  out: ports.images,
  config: augmentPolicySchema,
  load: async () => (await import('./augment.run.ts')).default,
});

/**
 * Declares the augmentation policy. Nothing is computed here: `fit` applies it on the fly to
 * training batches only, differently each epoch; validation and test images are never augmented.
 * Horizontal flips are off by default: a left-right flipped chest X-ray shows dextrocardia.
 * @example
 *   augment({ rotation: 10, zoom: 0.1, translate: 0.1 })
 */
export function augment(policy: AugmentPolicy = {}) {
  return nodeOf(augmentStage, policy);
}
