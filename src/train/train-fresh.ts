import type { LayersModel } from '@tensorflow/tfjs';
import type { UnitRunner } from '../base/units.ts';
import type { Work } from '../base/work.ts';
import type { SplitSet, Subset } from '../data/image-set.ts';
import { storeSource, type ImageSource } from '../data/loader/image-source.ts';
import type { RecordTable } from '../data/store/record-table.ts';
import type { AugmentPolicy } from '../data/augment.ts';
import type { FitConfig } from './fit-config.ts';
import type { FitData, FitResult } from './fit.ts';
import { modelFromData, type ModelData } from './model-data.ts';

/** A training call's seed, cancellation and event sink. */
export interface TrainJob extends Work {
  readonly seed: number;
  /** Where tune's trials and crossValidate's folds run (a run's executor); @default one after another here, uncached */
  readonly units?: UnitRunner;
}

export const DEFAULT_EARLY_STOPPING = { monitor: 'val_auc', mode: 'max', patience: 10, minDelta: 0, restoreBestWeights: true } as const;

/** A subset as the training loop's input: the loader over its records, plus labels as float32. */
export function toFitData(
  data: Pick<SplitSet, 'objectsDir' | 'recordShape' | 'preprocessing' | 'shape'>,
  subset: Subset,
): FitData & { readonly images: ImageSource } {
  const y = new Float32Array(subset.samples.length);
  subset.samples.forEach((s, i) => (y[i] = s.label));
  return rowsFitData(data, { table: subset.table, y });
}

/** Rows of the record table and their labels (a unit of work carries a subset so) as the training loop's input. */
export function rowsFitData(
  data: Pick<SplitSet, 'objectsDir' | 'recordShape' | 'preprocessing' | 'shape'>,
  rows: { readonly table: RecordTable; readonly y: Float32Array },
): FitData & { readonly images: ImageSource } {
  const images = storeSource(rows.table, { objectsDir: data.objectsDir, recordShape: data.recordShape, steps: data.preprocessing });
  return { images, y: rows.y, count: rows.y.length, shape: data.shape };
}

/**
 * Trains a fresh copy of `initial` with fit's defaults (early stopping on `val`'s metrics), emitting
 * epoch, batch and progress events; shared by fit, tune and crossValidate. The caller disposes the model.
 * @example
 *   const { model, result } = await trainFresh(built.model, train, val, { epochs: 5 }, { seed: 42, emit }, { note: 'fold 1/5' });
 */
export async function trainFresh(
  initial: ModelData,
  train: FitData,
  val: FitData,
  config: FitConfig,
  job: TrainJob,
  options: { readonly augment?: AugmentPolicy; readonly note?: string } = {},
): Promise<{ model: LayersModel; result: FitResult }> {
  const { fitModel } = await import('./fit.ts');
  const { epochMetrics } = await import('../metrics/index.ts');
  const model = await modelFromData(initial);
  try {
    const early = config.earlyStopping === false ? undefined : { ...DEFAULT_EARLY_STOPPING, ...config.earlyStopping };
    const epochs = config.epochs ?? 50;
    const note = options.note === undefined ? {} : { note: options.note };
    const result = await fitModel(model, train, val, {
      epochs,
      batchSize: config.batchSize ?? 32,
      seed: job.seed,
      optimizer: config.optimizer,
      loss: config.loss,
      classWeight: config.classWeight,
      oversample: config.oversample,
      augment: options.augment,
      earlyStopping: early,
      metrics: (labels, scores) => epochMetrics(labels, scores),
      signal: job.signal,
      onBatch: (e) => job.emit({ type: 'batch', ...e }),
      onEpoch: (e) => {
        job.emit({ type: 'epoch', ...e });
        job.emit({ type: 'stage-progress', done: e.epoch, total: e.epochs, unit: 'epochs', ...note });
      },
    });
    return { model, result };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
