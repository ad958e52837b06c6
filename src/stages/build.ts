import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfigSchema, type BuildConfig, type CreateModel } from '../train/build-config.ts';
import { baseModelPath } from '../train/build-model.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { segmentationOnly } from './core/stage-node.ts';
import { ports } from './core/ports.ts';
import { buildUnetStage, type UnetBuildConfig } from './build-unet.ts';

export type { BuildConfig } from '../train/build-config.ts';

export const buildStage = defineStage({
  kind: 'build',
  version: 2,
  in: ports.splits,
  out: ports.builtModel,
  config: buildConfigSchema,
  seeded: true,
  usesTf: true,
  check: (config, { baseDir }) => {
    if (config.model !== 'pretrained') return [];
    const dir = baseModelPath(config.path, baseDir);
    return existsSync(join(dir, 'model.json')) || existsSync(dir) ? [] : [`base model ${dir} does not exist (needs model.json and its weights)`];
  },
  inputs: (config) => (config.model === 'pretrained' ? [config.path] : []),
  load: async () => (await import('./build.run.ts')).default,
});

/**
 * Makes the model to train.
 * @example
 *   build.tutorialCnn()                       // Conv2D(128,5x5) → Conv2D(64,3x3) … Dense(1, sigmoid) (Dense(K, softmax) for K classes)
 *   build.compactCnn({ filters: [16, 32, 64] })
 *   build.pretrained({ path: 'models/base', freeze: true })
 */
export const build = {
  /** The tutorial's CNN: Conv2D(128, 5x5) → Conv2D(64, 3x3) (L2 1e-3, relu) → MaxPool 2x2 → BatchNorm → Flatten (or `pooling: 'average'`) → Dropout 0.5 → Dense(1, sigmoid, GlorotNormal). */
  tutorialCnn: (options: Omit<Extract<BuildConfig, { model: 'tutorial-cnn' }>, 'model'> = {}) =>
    nodeOf(buildStage, { model: 'tutorial-cnn' as const, ...options }),
  /**
   * A compact CNN for small images on a CPU: 3x3 conv + 2x2 max-pool blocks (16, 32, 64 filters) →
   * Flatten (or global average pooling) → Dropout 0.5 → the task's head; a quarter of the tutorial
   * CNN's work at 64x64. `batchNorm: true` normalises each block's convolution output.
   */
  compactCnn: (options: Omit<Extract<BuildConfig, { model: 'compact-cnn' }>, 'model'> = {}) =>
    nodeOf(buildStage, { model: 'compact-cnn' as const, ...options }),
  /** Any tf.LayersModel (Sequential or functional) with one image input and the task's head: Dense(1, sigmoid); Dense(K, softmax); Dense(K, sigmoid). */
  custom: (create: CreateModel) => nodeOf(buildStage, { model: 'custom' as const, create }),
  /** Transfer learning from a local saved tfjs model; a new head for the task (Dense(1, sigmoid), Dense(K, softmax), Dense(K, sigmoid)) is added when needed. */
  pretrained: (options: { readonly path: string; readonly freeze?: boolean | number }) => nodeOf(buildStage, { model: 'pretrained' as const, ...options }),
  /** A 2D U-Net for segmentation splits: `depth` poolings, `baseFilters` doubling per level, BatchNorm, sigmoid (binary) or softmax head. */
  unet: (options: UnetBuildConfig = {}) => segmentationOnly(nodeOf(buildUnetStage, options)),
};
