import { isAbsolute, resolve } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import { outputUnits, type ClassificationTask } from '../data/task.ts';
import type { BuildConfig } from './build-config.ts';
import { modelToData } from './model-data.ts';
import type { Built } from './trained.ts';

/** A pretrained model's folder: relative paths resolve against the pipeline file's folder. */
export function baseModelPath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** The output layer of a task with `classes` classes (or findings). */
export function headFor(task: ClassificationTask, classes: number): { units: number; activation: 'sigmoid' | 'softmax' } {
  return { units: outputUnits(task, classes), activation: task === 'multiclass' || task === 'ordinal' ? 'softmax' : 'sigmoid' };
}

/**
 * Makes the model to train for data of `dataShape`, as plain data (topology + initial weights),
 * with the head the task needs (Dense(1, sigmoid), Dense(K, softmax), Dense(K, sigmoid)).
 * `dataHash` (the split's output hash) is kept with it so keys chain through the model stages.
 * @example
 *   const built = await buildModel({ model: 'tutorial-cnn' }, [64, 64, 3], { seed: 42, baseDir: '.', dataHash, trainCount: 800, task: 'multiclass', classes: 4 });
 */
export async function buildModel(
  config: BuildConfig,
  dataShape: readonly [number, number, number],
  {
    seed,
    baseDir,
    dataHash,
    trainCount,
    log,
    task = 'binary',
    classes = 2,
  }: { seed: number; baseDir: string; dataHash: string; trainCount: number; log?: (message: string) => void; task?: ClassificationTask; classes?: number },
): Promise<Built> {
  const tf = await import('@tensorflow/tfjs');
  const { tutorialCnn, toChannelsLast, loadBaseModel, modelSummary } = await import('./model.ts');
  const head = headFor(task, classes);
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
    const momentum = await resolveMomentum(batchNormMomentum, trainCount, log);
    model = tutorialCnn(shape, { ...options, ...(momentum !== undefined ? { batchNormMomentum: momentum } : {}) }, seed, head);
  } else if (config.model === 'compact-cnn') {
    const { compactCnn } = await import('./compact-cnn.ts');
    const { model: _kind, batchNormMomentum, ...options } = config;
    if (batchNormMomentum !== undefined && !options.batchNorm) {
      throw new MedpipeError('INVALID_CONFIG', 'build.compactCnn: batchNormMomentum is set but batchNorm is off, so there is no BatchNorm layer to use it.', {
        fix: 'Add batchNorm: true, or drop batchNormMomentum.',
      });
    }
    const momentum = await resolveMomentum(batchNormMomentum, trainCount, log);
    model = compactCnn(shape, { ...options, ...(momentum !== undefined ? { batchNormMomentum: momentum } : {}) }, seed, head);
  } else if (config.model === 'custom') {
    model = config.create(shape, tf);
    if (!(model instanceof tf.LayersModel)) {
      throw new MedpipeError('INVALID_CONFIG', 'build.custom: the function did not return a tf.LayersModel.', {
        fix: 'Return tf.sequential(...) or tf.model(...).',
      });
    }
    checkCustomHead(model, task, head);
  } else {
    model = await loadBaseModel(baseModelPath(config.path, baseDir), { inputShape: shape, freeze: config.freeze ?? true, seed, head });
  }
  const summary = modelSummary(model);
  const result: Built = { model: await modelToData(model), summary, inputShape: shape, dataHash };
  model.dispose();
  return result;
}

/** 'auto' momentum from the training split's size (see batchNormMomentumFor); a number or undefined as given. */
async function resolveMomentum(momentum: number | 'auto' | undefined, trainCount: number, log?: (message: string) => void): Promise<number | undefined> {
  if (momentum !== 'auto') return momentum;
  const { batchNormMomentumFor } = await import('./batch-norm-momentum.ts');
  const value = batchNormMomentumFor(trainCount);
  log?.(`BatchNorm momentum ${value.toFixed(3)} for ${Math.ceil(trainCount / 32)} batches of 32 per epoch`);
  return value;
}

/** A custom model must end in the task's head: the right number of units and activation. */
function checkCustomHead(model: import('@tensorflow/tfjs').LayersModel, task: ClassificationTask, head: { units: number; activation: string }): void {
  const out = model.outputs[0]!.shape;
  const last = model.layers[model.layers.length - 1]!;
  const activation = (last.getConfig() as { activation?: unknown }).activation;
  const want = `Dense(${head.units}, ${head.activation})`;
  const code = `tf.layers.dense({ units: ${head.units}, activation: '${head.activation}' })`;
  if (model.outputs.length !== 1 || out.length !== 2 || out[1] !== head.units) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `build.custom: the model's output is [${out.join(', ')}]; this ${task} task needs ${head.units} unit(s): ${want}.`,
      { fix: `End the model with ${code}.` },
    );
  }
  if (activation !== undefined && activation !== head.activation) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `build.custom: the model ends in '${String(activation)}'; this ${task} task needs ${want} (the metrics read its output as ${head.activation === 'softmax' ? 'class probabilities that sum to 1' : 'independent probabilities'}).`,
      {
        fix: `End the model with ${code}.`,
      },
    );
  }
}
