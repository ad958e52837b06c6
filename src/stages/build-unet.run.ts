import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SegmentationSet } from '../data/segmentation-set.ts';
import { buildUnet, encoderModelJson } from '../train/build-unet.ts';
import type { UnetBuildConfig } from '../train/segmentation-config.ts';
import type { SegmentationBuilt } from '../train/segmentation-model.ts';
import type { StageRun } from './core/define-stage.ts';

export default {
  async fingerprint(config, ctx) {
    if (!config.encoder) return { files: {} };
    const json = encoderModelJson(config.encoder.from, ctx.baseDir);
    const dir = dirname(json);
    const files: Record<string, string> = {};
    for (const name of (await readdir(dir)).sort())
      if (name === basename(json) || name.endsWith('.bin')) files[`(encoder) ${name}`] = await ctx.hash(join(dir, name));
    return { files };
  },
  async run(data, config, ctx) {
    await ctx.backend();
    return buildUnet(config, data.shape, data.classes, {
      seed: ctx.seed,
      dataHash: ctx.upstreamHash ?? '',
      baseDir: ctx.baseDir,
      log: (message) => ctx.emit({ type: 'log', level: 'info', message }),
    });
  },
  summary: (built) => {
    const params = /Total params: ([\d,]+)/.exec(built.summary)?.[1];
    return `${built.slices ? `2.5D U-Net (${built.slices} slices as channels)` : 'U-Net'} for ${built.inputShape.join('x')} patches, ${built.classes.length} classes${params ? `, ${params} parameters` : ''}`;
  },
} satisfies StageRun<UnetBuildConfig, SegmentationSet, SegmentationBuilt>;
