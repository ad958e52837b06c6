import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SplitSet } from '../data/image-set.ts';
import type { BuildConfig } from '../train/build-config.ts';
import { taskOf } from '../data/task.ts';
import { baseModelPath, buildModel } from '../train/build-model.ts';
import type { Built } from '../train/trained.ts';
import type { StageRun } from './core/define-stage.ts';

export default {
  async fingerprint(config, ctx) {
    if (config.model !== 'pretrained') return { files: {} };
    const dir = baseModelPath(config.path, ctx.baseDir);
    const files: Record<string, string> = {};
    for (const name of (await readdir(dir)).sort()) files[`${config.path}/${name}`] = await ctx.hash(join(dir, name));
    return { files };
  },
  async run(data, config, ctx) {
    await ctx.backend();
    return buildModel(config, data.shape, {
      seed: ctx.seed,
      baseDir: ctx.baseDir,
      dataHash: ctx.upstreamHash ?? '',
      task: taskOf(data),
      classes: data.classes.length,
      trainCount: data.train.samples.length,
      log: (message) => ctx.emit({ type: 'log', level: 'info', message }),
    });
  },
  summary: (built) => {
    const params = /Total params: ([\d,]+)/.exec(built.summary)?.[1];
    return `model for ${built.inputShape.join('x')}${params ? `, ${params} parameters` : ''}`;
  },
} satisfies StageRun<BuildConfig, SplitSet, Built>;
