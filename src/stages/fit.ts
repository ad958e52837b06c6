import { fitTaskProblems } from '../train/fit-task.ts';
import { fitConfigSchema, type BinaryMonitor, type ClassMonitor, type FitConfig, type LabelMonitor, type Monitor } from '../train/fit-config.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';
import { fitSegmentationStage, type SegmentationFitConfig } from './fit-segmentation.ts';
import type { ClassificationTask } from '../data/task.ts';
import { segmentationOnly, withTask, type TaskWords } from './core/stage-node.ts';

export type { FitConfig } from '../train/fit-config.ts';

export const fitStage = defineStage({
  kind: 'fit',
  version: 2,
  in: ports.builtModel,
  out: ports.trainedModel,
  config: fitConfigSchema,
  seeded: true,
  usesTf: true,
  taskProblems: (config, task) => fitTaskProblems(config, task),
  load: async () => (await import('./fit.run.ts')).default,
});

type Loss = NonNullable<FitConfig['loss']>;
type EarlyStopping = Exclude<NonNullable<FitConfig['earlyStopping']>, false>;
type ClassOnlyMonitor = Exclude<ClassMonitor, 'loss' | 'val_loss' | 'qwk' | 'val_qwk' | 'mae' | 'val_mae'>;

/** The tasks a loss fits. */
type LossTasks<L> = [L] extends [never]
  ? ClassificationTask
  : L extends 'binaryCrossentropy'
    ? 'binary' | 'multilabel'
    : L extends 'categoricalCrossentropy'
      ? 'multiclass' | 'ordinal'
      : L extends { readonly softOrdinal: unknown }
        ? 'ordinal'
        : ClassificationTask;
/** The tasks that log an early-stopping monitor. */
type MonitorTasks<M> = [M] extends [never]
  ? ClassificationTask
  : | (M extends BinaryMonitor ? 'binary' : never)
    | (M extends ClassOnlyMonitor ? 'multiclass' | 'ordinal' : M extends ClassMonitor ? 'ordinal' : never)
    | (M extends LabelMonitor ? 'multilabel' : never);
type OversampleTasks<O> = [O] extends [never] ? ClassificationTask : [O] extends [true] ? Exclude<ClassificationTask, 'multilabel'> : ClassificationTask;
/** Label smoothing spreads one-hot targets: multi-class and ordinal (0 changes nothing anywhere). */
type SmoothingTasks<S> = [S] extends [never] ? ClassificationTask : [S] extends [0] ? ClassificationTask : 'multiclass' | 'ordinal';
type Part<P> = [P] extends [never] ? '' : P;
type Strip<S> = S extends `; ${infer R}` ? R : S;
type Why<
  L,
  M,
  O,
  S = never,
> = Strip<`${Part<[L] extends [string] ? `; loss '${L}' is for ${TaskWords<LossTasks<L>>} pipelines` : [L] extends [{ readonly softOrdinal: unknown }] ? '; loss softOrdinal is for ordinal pipelines' : never>}${Part<`; early stopping's '${M & string}' is logged on ${TaskWords<MonitorTasks<M>>} pipelines`>}${[O] extends [never] ? '' : [O] extends [true] ? '; oversample needs one class per image (not multi-label)' : ''}${[S] extends [never] ? '' : [S] extends [0] ? '' : '; labelSmoothing is for multi-class and ordinal pipelines'}`>;

/**
 * Trains the model; applies the augmentation policy to training batches only. A loss, monitor,
 * oversampling or label smoothing of some tasks restricts the pipelines it fits (checked by the types when the ingest
 * states its task).
 * @example
 *   fit({ epochs: 30, classWeight: 'balanced' })
 */
export function fit<const L extends Loss = never, const M extends Monitor = never, const O extends boolean = never, const S extends number = never>(
  config: FitConfig & {
    readonly loss?: L;
    readonly oversample?: O;
    readonly labelSmoothing?: S;
    readonly earlyStopping?: false | (EarlyStopping & { readonly monitor?: M });
  } = {},
) {
  return withTask<LossTasks<L> & MonitorTasks<M> & OversampleTasks<O> & SmoothingTasks<S>, never, Why<L, M, O, S>>()(nodeOf(fitStage, config as FitConfig));
}

/** Trains a U-Net on random patches inside the ROI, early stopping on validation Dice. @example fit.segmentation({ epochs: 20, steps: 20 }) */
fit.segmentation = (config: SegmentationFitConfig = {}) => segmentationOnly(nodeOf(fitSegmentationStage, config));
