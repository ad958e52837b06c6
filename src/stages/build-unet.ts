import { existsSync } from 'node:fs';
import { encoderModelJson } from '../train/build-unet.ts';
import { unetBuildSchema } from '../train/segmentation-config.ts';
import { defineStage } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export type { UnetBuildConfig } from '../train/segmentation-config.ts';

export const buildUnetStage = defineStage({
  kind: 'build.unet',
  version: 1,
  in: ports.segSplits,
  out: ports.segModel,
  config: unetBuildSchema,
  seeded: true,
  usesTf: true,
  check: (config, { baseDir }) => {
    if (!config.encoder) return [];
    const file = encoderModelJson(config.encoder.from, baseDir);
    return existsSync(file) ? [] : [`build.unet encoder.from: ${file} does not exist (a model folder with model.json and its weights)`];
  },
  inputs: (config) => (config.encoder ? [config.encoder.from] : []),
  load: async () => (await import('./build-unet.run.ts')).default,
});
