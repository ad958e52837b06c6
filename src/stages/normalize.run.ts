import type { ImageSet } from '../data/image-set.ts';
import { normalizeImageSet } from '../data/normalize.ts';
import type { NormalizeConfig } from '../data/normalize-config.ts';
import type { StageRun } from './core/define-stage.ts';

export default {
  run: async (input, config) => normalizeImageSet(input, config),
  summary: (set) =>
    `${set.samples.length} images ${set.shape.join('x')}${set.deferred.length ? ' (dataset z-score deferred to split: fitted on train only)' : ''}`,
} satisfies StageRun<NormalizeConfig, ImageSet, ImageSet>;
