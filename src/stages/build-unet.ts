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
  load: async () => (await import('./build-unet.run.ts')).default,
});
