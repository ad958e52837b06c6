import type { SegmentationSet } from '../data/segmentation-set.ts';
import { buildUnet } from '../train/build-unet.ts';
import type { UnetBuildConfig } from '../train/segmentation-config.ts';
import type { SegmentationBuilt } from '../train/segmentation-model.ts';
import type { StageRun } from './core/define-stage.ts';

export default {
  async run(data, config, ctx) {
    await ctx.backend();
    return buildUnet(config, data.shape, data.classes, { seed: ctx.seed, dataHash: ctx.upstreamHash ?? '' });
  },
  summary: (built) => {
    const params = /Total params: ([\d,]+)/.exec(built.summary)?.[1];
    return `U-Net for ${built.inputShape.join('x')} patches, ${built.classes.length} classes${params ? `, ${params} parameters` : ''}`;
  },
} satisfies StageRun<UnetBuildConfig, SegmentationSet, SegmentationBuilt>;
