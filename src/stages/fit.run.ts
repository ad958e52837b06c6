import { join } from 'node:path';
import type { SplitSet, Subset } from '../data/image-set.ts';
import { writeFileAtomic } from '../runtime/atomic.ts';
import type { StageContext, StageImpl } from '../runtime/stage-impl.ts';
import type { FitData, FitResult } from '../train/fit.ts';
import type { AugmentPolicy } from '../train/augment.ts';
import type { LayersModel } from '@tensorflow/tfjs';
import type { Built } from './build.run.ts';
import type { FitConfig } from './fit.ts';
import { decodeWithModel, encodeWithModel, modelFromData, modelToData, type ModelData } from './model-artifact.ts';

export interface Trained {
  readonly model: ModelData;
  readonly history: readonly Record<string, number>[];
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  readonly restoredBest: boolean;
  readonly epochsRun: number;
  readonly backend: string;
  readonly dataHash: string;
  /** What predict needs to repeat: classes, input shape, decode and normalization steps. */
  readonly info: ModelInfo;
}

export interface ModelInfo {
  readonly classes: readonly string[];
  readonly inputShape: readonly [number, number, number];
  readonly preprocessing: readonly unknown[];
  readonly threshold: number;
  readonly thresholdSource: string;
}

export const DEFAULT_EARLY_STOPPING = { monitor: 'val_auc', mode: 'max', patience: 10, minDelta: 0, restoreBestWeights: true } as const;

export function toFitData(subset: Subset, shape: readonly [number, number, number]) {
  const y = new Float32Array(subset.samples.length);
  subset.samples.forEach((s, i) => (y[i] = s.label));
  return { x: subset.pixels, y, count: subset.samples.length, shape };
}

/** Saves the model with what `medpipe predict` needs, in tfjs format. */
export async function exportModel(model: ModelData, info: ModelInfo, dir: string): Promise<string[]> {
  const { saveModel } = await import('../train/model.ts');
  const loaded = await modelFromData(model);
  await saveModel(loaded, dir, { metadata: { medpipe: info } });
  loaded.dispose();
  return [join(dir, 'model.json'), join(dir, 'weights.bin')];
}

/**
 * Trains a fresh copy of `initial` with fit's defaults (early stopping on `val`'s metrics), emitting
 * epoch, batch and progress events; shared by fit, tune and crossValidate. The caller disposes the model.
 * @example
 *   const { model, result } = await trainFresh(built.model, train, val, { epochs: 5 }, ctx, { note: 'fold 1/5' });
 */
export async function trainFresh(
  initial: ModelData,
  train: FitData,
  val: FitData,
  config: FitConfig,
  ctx: StageContext,
  options: { readonly augment?: AugmentPolicy; readonly note?: string } = {},
): Promise<{ model: LayersModel; result: FitResult }> {
  const { fitModel } = await import('../train/fit.ts');
  const { epochMetrics } = await import('../metrics/index.ts');
  const model = await modelFromData(initial);
  try {
    const early = config.earlyStopping === false ? undefined : { ...DEFAULT_EARLY_STOPPING, ...config.earlyStopping };
    const epochs = config.epochs ?? 50;
    const note = options.note === undefined ? {} : { note: options.note };
    const result = await fitModel(model, train, val, {
      epochs,
      batchSize: config.batchSize ?? 32,
      seed: ctx.seed,
      optimizer: config.optimizer,
      loss: config.loss,
      classWeight: config.classWeight,
      oversample: config.oversample,
      augment: options.augment,
      earlyStopping: early,
      metrics: (labels, scores) => epochMetrics(labels, scores),
      signal: ctx.signal,
      onBatch: (e) => ctx.emit({ type: 'batch', ...e }),
      onEpoch: (e) => {
        ctx.emit({ type: 'epoch', ...e });
        ctx.emit({ type: 'stage-progress', done: e.epoch, total: e.epochs, unit: 'epochs', ...note });
      },
    });
    return { model, result };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

export const fitImpl: StageImpl<FitConfig, Built, Trained> = {
  kind: 'fit',
  version: 2,
  seeded: true,
  usesTf: true,
  validate(config) {
    const problems: string[] = [];
    if (config.epochs !== undefined && !(Number.isInteger(config.epochs) && config.epochs > 0))
      problems.push(`epochs must be a positive integer, got ${config.epochs}`);
    if (config.batchSize !== undefined && !(Number.isInteger(config.batchSize) && config.batchSize > 0))
      problems.push(`batchSize must be a positive integer, got ${config.batchSize}`);
    return problems;
  },
  async run(built, config, ctx) {
    const backend = await ctx.backend();
    const data = (await ctx.ancestor('splits')) as SplitSet;
    const { model, result } = await trainFresh(built.model, toFitData(data.train, data.shape), toFitData(data.val, data.shape), config, ctx, {
      augment: data.augment,
    });
    try {
      return {
        model: await modelToData(model),
        history: result.history,
        bestEpoch: result.bestEpoch,
        stoppedEarly: result.stoppedEarly,
        restoredBest: result.restoredBest,
        epochsRun: result.epochsRun,
        backend,
        dataHash: built.dataHash,
        info: { classes: data.classes, inputShape: data.shape, preprocessing: data.preprocessing, threshold: 0.5, thresholdSource: 'default' },
      };
    } finally {
      model.dispose();
    }
  },
  encode: encodeWithModel,
  decode: (artifact) => decodeWithModel<Trained>(artifact),
  summary: (t) => {
    const best = t.history[t.bestEpoch - 1];
    const auc = best?.val_auc;
    return `${t.epochsRun} epoch(s) on ${t.backend}${t.stoppedEarly ? ', stopped early' : ''}; best epoch ${t.bestEpoch}${auc !== undefined ? ` (val_auc ${auc.toFixed(4)})` : ''}${t.restoredBest ? ', best weights restored' : ''}`;
  },
  async export(t, outDir) {
    const files = await exportModel(t.model, t.info, join(outDir, 'model'));
    const history = join(outDir, 'history.json');
    await writeFileAtomic(
      history,
      JSON.stringify(
        t.history.map((logs, i) => ({ epoch: i + 1, ...logs })),
        null,
        2,
      ) + '\n',
    );
    return [...files, history];
  },
};
