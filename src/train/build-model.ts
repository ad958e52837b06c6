import { isAbsolute, resolve } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import type { BuildConfig } from './build-config.ts';
import { modelToData } from './model-data.ts';
import type { Built } from './trained.ts';

/** A pretrained model's folder: relative paths resolve against the pipeline file's folder. */
export function baseModelPath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/**
 * Makes the model to train for data of `dataShape`, as plain data (topology + initial weights).
 * `dataHash` (the split's output hash) is kept with it so keys chain through the model stages.
 * @example
 *   const built = await buildModel({ model: 'tutorial-cnn' }, [64, 64, 3], { seed: 42, baseDir: '.', dataHash });
 */
export async function buildModel(
  config: BuildConfig,
  dataShape: readonly [number, number, number],
  { seed, baseDir, dataHash, trainCount, log }: { seed: number; baseDir: string; dataHash: string; trainCount: number; log?: (message: string) => void },
): Promise<Built> {
  const tf = await import('@tensorflow/tfjs');
  const { tutorialCnn, toChannelsLast, loadBaseModel, modelSummary } = await import('./model.ts');
  const shape = [...dataShape] as [number, number, number];
  let model;
  if (config.model === 'tutorial-cnn') {
    if (config.inputShape) {
      const want = toChannelsLast(config.inputShape);
      if (want.join('x') !== shape.join('x')) {
        throw new MedpipeError('SHAPE_MISMATCH', `build expects input ${want.join('x')} but the data is ${shape.join('x')}.`, {
          fix: `Set size: [${want[0]}, ${want[1]}] and channels: ${want[2]} on ingest, or drop inputShape to follow the data.`,
        });
      }
    }
    const { inputShape: _ignored, model: _kind, batchNormMomentum, ...options } = config;
    let momentum = batchNormMomentum;
    if (momentum === 'auto') {
      const { batchNormMomentumFor } = await import('./batch-norm-momentum.ts');
      momentum = batchNormMomentumFor(trainCount);
      log?.(`BatchNorm momentum ${momentum.toFixed(3)} for ${Math.ceil(trainCount / 32)} batches of 32 per epoch`);
    }
    model = tutorialCnn(shape, { ...options, ...(momentum !== undefined ? { batchNormMomentum: momentum } : {}) }, seed);
  } else if (config.model === 'custom') {
    model = config.create(shape, tf);
    if (!(model instanceof tf.LayersModel)) {
      throw new MedpipeError('INVALID_CONFIG', 'build.custom: the function did not return a tf.LayersModel.', {
        fix: 'Return tf.sequential(...) or tf.model(...).',
      });
    }
    const out = model.outputs[0]!.shape;
    if (model.outputs.length !== 1 || out[out.length - 1] !== 1) {
      throw new MedpipeError('SHAPE_MISMATCH', `build.custom: the model's output is [${out.join(', ')}]; binary classification needs one sigmoid unit.`, {
        fix: "End the model with tf.layers.dense({ units: 1, activation: 'sigmoid' }).",
      });
    }
  } else {
    model = await loadBaseModel(baseModelPath(config.path, baseDir), { inputShape: shape, freeze: config.freeze ?? true, seed });
  }
  const summary = modelSummary(model);
  const result: Built = { model: await modelToData(model), summary, inputShape: shape, dataHash };
  model.dispose();
  return result;
}
