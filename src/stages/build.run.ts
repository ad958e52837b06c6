import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { SplitSet } from '../data/image-set.ts';
import { MedpipeError } from '../runtime/errors.ts';
import type { StageImpl } from '../runtime/stage-impl.ts';
import type { BuildConfig } from './build.ts';
import { decodeWithModel, encodeWithModel, modelFromData, modelToData, type ModelData } from './model-artifact.ts';

export interface Built {
  readonly model: ModelData;
  readonly summary: string;
  readonly inputShape: readonly [number, number, number];
  /** Output hash of the split this model is for (so keys chain through the model stages). */
  readonly dataHash: string;
}

function pathOf(config: { path: string }, baseDir: string): string {
  return isAbsolute(config.path) ? config.path : resolve(baseDir, config.path);
}

export const buildImpl: StageImpl<BuildConfig, SplitSet, Built> = {
  kind: 'build',
  version: 2,
  seeded: true,
  usesTf: true,
  validate(config, ctx) {
    if (config.model === 'pretrained') {
      const dir = pathOf(config, ctx.baseDir);
      if (!existsSync(join(dir, 'model.json')) && !existsSync(dir)) return [`base model ${dir} does not exist (needs model.json and its weights)`];
    }
    if (config.model === 'custom' && typeof config.create !== 'function') return ['build.custom needs a function (inputShape, tf) => tf.LayersModel'];
    return [];
  },
  async fingerprint(config, ctx) {
    if (config.model !== 'pretrained') return { files: {} };
    const dir = pathOf(config, ctx.baseDir);
    const files: Record<string, string> = {};
    for (const name of (await readdir(dir)).sort()) files[`${config.path}/${name}`] = await ctx.hasher.hash(join(dir, name));
    return { files };
  },
  async run(data, config, ctx) {
    await ctx.backend();
    const tf = await import('@tensorflow/tfjs');
    const { tutorialCnn, toChannelsLast, loadBaseModel, modelSummary } = await import('../train/model.ts');
    const shape = [...data.shape] as [number, number, number];
    let model;
    if (config.model === 'tutorial-cnn') {
      if (config.inputShape) {
        const want = toChannelsLast(config.inputShape);
        if (want.join('x') !== shape.join('x')) {
          throw new MedpipeError('SHAPE_MISMATCH', `build expects input ${want.join('x')} but the data is ${shape.join('x')}.`, {
            stage: ctx.stage,
            fix: `Set size: [${want[0]}, ${want[1]}] and channels: ${want[2]} on ingest, or drop inputShape to follow the data.`,
          });
        }
      }
      const { inputShape: _ignored, model: _kind, batchNormMomentum, ...options } = config;
      let momentum = batchNormMomentum;
      if (momentum === 'auto') {
        const { batchNormMomentumFor } = await import('../train/batch-norm-momentum.ts');
        momentum = batchNormMomentumFor(data.train.samples.length);
        ctx.emit({
          type: 'log',
          level: 'info',
          message: `BatchNorm momentum ${momentum.toFixed(3)} for ${Math.ceil(data.train.samples.length / 32)} batches of 32 per epoch`,
        });
      }
      model = tutorialCnn(shape, { ...options, ...(momentum !== undefined ? { batchNormMomentum: momentum } : {}) }, ctx.seed);
    } else if (config.model === 'custom') {
      model = config.create(shape, tf);
      if (!(model instanceof tf.LayersModel)) {
        throw new MedpipeError('INVALID_CONFIG', 'build.custom: the function did not return a tf.LayersModel.', {
          stage: ctx.stage,
          fix: 'Return tf.sequential(...) or tf.model(...).',
        });
      }
      const out = model.outputs[0]!.shape;
      if (model.outputs.length !== 1 || out[out.length - 1] !== 1) {
        throw new MedpipeError('SHAPE_MISMATCH', `build.custom: the model's output is [${out.join(', ')}]; binary classification needs one sigmoid unit.`, {
          stage: ctx.stage,
          fix: "End the model with tf.layers.dense({ units: 1, activation: 'sigmoid' }).",
        });
      }
    } else {
      model = await loadBaseModel(pathOf(config, ctx.baseDir), { inputShape: shape, freeze: config.freeze ?? true, seed: ctx.seed });
    }
    const summary = modelSummary(model);
    const result: Built = { model: await modelToData(model), summary, inputShape: shape, dataHash: ctx.upstreamHash ?? '' };
    model.dispose();
    return result;
  },
  encode: encodeWithModel,
  decode: (artifact) => decodeWithModel<Built>(artifact),
  summary: (built) => {
    const params = /Total params: ([\d,]+)/.exec(built.summary)?.[1];
    return `model for ${built.inputShape.join('x')}${params ? `, ${params} parameters` : ''}`;
  },
};

export { modelFromData };
