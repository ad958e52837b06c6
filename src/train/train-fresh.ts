import type { LayersModel } from '@tensorflow/tfjs';
import type { UnitRunner } from '../base/units.ts';
import type { Work } from '../base/work.ts';
import { MedpipeError } from '../base/errors.ts';
import type { SplitSet, Subset } from '../data/image-set.ts';
import { storeSource, type ImageSource } from '../data/loader/image-source.ts';
import { rowCount, type RecordTable } from '../data/store/record-table.ts';
import { taskOf } from '../data/task.ts';
import type { AugmentPolicy } from '../data/augment.ts';
import type { FitConfig } from './fit-config.ts';
import { fitTaskProblems } from './fit-task.ts';
import type { FitData, FitResult } from './fit.ts';
import { modelFromData, type ModelData } from './model-data.ts';

/** A training call's seed, cancellation and event sink. */
export interface TrainJob extends Work {
  readonly seed: number;
  /** Where tune's trials and crossValidate's folds run (a run's executor); @default one after another here, uncached */
  readonly units?: UnitRunner;
}

export const DEFAULT_EARLY_STOPPING = { monitor: 'val_auc', mode: 'max', patience: 10, minDelta: 0, restoreBestWeights: true } as const;

/**
 * A subset as the training loop's input: the loader over its records, plus labels as float32 — the
 * class index of each sample, or for a multi-label set its K 0/1 findings. Binary data keeps the
 * plain layout.
 */
export function toFitData(
  data: Pick<SplitSet, 'objectsDir' | 'recordShape' | 'preprocessing' | 'shape' | 'classes' | 'task'>,
  subset: Subset,
): FitData & { readonly images: ImageSource } {
  return rowsFitData(data, { table: subset.table, y: labelsOf(data, subset) });
}

/** The labels of a subset as float32: the class index of each sample, or for a multi-label set its K 0/1 findings. */
export function labelsOf(data: Pick<SplitSet, 'classes' | 'task'>, subset: Subset): Float32Array {
  const count = subset.samples.length;
  if (taskOf(data) === 'multilabel') {
    const k = data.classes.length;
    const y = new Float32Array(count * k);
    subset.samples.forEach((s, i) => y.set(s.labels ?? [], i * k));
    return y;
  }
  const y = new Float32Array(count);
  subset.samples.forEach((s, i) => (y[i] = s.label));
  return y;
}

/** Rows of the record table and their labels (labelsOf; a unit of work carries a subset so) as the training loop's input. */
export function rowsFitData(
  data: Pick<SplitSet, 'objectsDir' | 'recordShape' | 'preprocessing' | 'shape' | 'classes' | 'task'>,
  rows: { readonly table: RecordTable; readonly y: Float32Array },
): FitData & { readonly images: ImageSource } {
  const task = taskOf(data);
  const k = data.classes.length;
  const count = rowCount(rows.table);
  const images = storeSource(rows.table, { objectsDir: data.objectsDir, recordShape: data.recordShape, steps: data.preprocessing });
  const { y } = rows;
  return task === 'binary' ? { images, y, count, shape: data.shape } : { images, y, count, shape: data.shape, task, classes: k };
}

/** The per-epoch metrics of a task, as the training loop calls them (flat labels and scores). */
async function epochMetricsFor(data: FitData): Promise<(labels: Float32Array, scores: Float32Array) => Record<string, number>> {
  const m = await import('../metrics/index.ts');
  const k = data.classes ?? 2;
  if (data.task === 'multilabel') return (labels, scores) => m.labelEpochMetrics(labels, scores, k);
  if (data.task === 'multiclass' || data.task === 'ordinal') return (labels, scores) => m.classEpochMetrics(labels, scores, k, data.task === 'ordinal');
  return (labels, scores) => m.epochMetrics(labels, scores);
}

/** Throws before training, listing every fit option that does not fit the data's task. */
function checkTask(config: FitConfig, data: FitData): void {
  const task = data.task ?? 'binary';
  const problems = fitTaskProblems(config, task);
  if (problems.length > 0) {
    throw new MedpipeError('INVALID_CONFIG', `${problems.join('; ')}.`, {
      issues: problems,
      fix: `Change ${problems.length > 1 ? 'these options' : 'this option'} for a ${task} task (val_auc is the ${task === 'binary' ? 'ROC AUC' : 'macro ROC AUC'} there).`,
    });
  }
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
  const metrics = await epochMetricsFor(train);
  const early = config.earlyStopping === false ? undefined : { ...DEFAULT_EARLY_STOPPING, ...config.earlyStopping };
  checkTask(config, train);
  const model = await modelFromData(initial);
  try {
    const epochs = config.epochs ?? 50;
    const note = options.note === undefined ? {} : { note: options.note };
    const result = await fitModel(model, train, val, {
      epochs,
      batchSize: config.batchSize ?? 32,
      seed: job.seed,
      optimizer: config.optimizer,
      loss: config.loss,
      schedule: config.schedule,
      labelSmoothing: config.labelSmoothing,
      mixup: config.mixup,
      classWeight: config.classWeight,
      oversample: config.oversample,
      augment: options.augment,
      earlyStopping: early,
      metrics,
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
