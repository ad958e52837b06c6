import { evaluateConfigSchema, type EvaluateConfig } from '../report/evaluate-config.ts';
import { taskOptionProblems } from '../report/task-options.ts';
import type { Evaluated } from '../report/evaluation.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';
import { evaluateSegmentationStage, type SegmentationEvaluateConfig } from './evaluate-segmentation.ts';
import { withTask, type Restricted, type TaskKind, type TaskRule } from './core/stage-node.ts';

export type { EvaluateConfig } from '../report/evaluate-config.ts';

export const evaluateStage = defineStage({
  kind: 'evaluate',
  // 6: validation-predictions.csv (the validation scores join the stage's output); 7: intervals,
  // calibration, operating points, subgroups, report.html, the threshold chosen on validation by default;
  // 8: the same for multi-class, ordinal and multi-label results (a v7 K-class result has no intervals).
  version: 8,
  in: ports.trainedModel,
  out: ports.evaluation.as<Evaluated>(),
  config: evaluateConfigSchema,
  // The bootstrap is seeded by the pipeline seed.
  seeded: true,
  usesTf: true,
  taskProblems: taskOptionProblems,
  load: async () => (await import('./evaluate.run.ts')).default,
});

type Without<K extends keyof EvaluateConfig> = { readonly [P in K]?: undefined };
type Thresholds = 'threshold' | 'sensitivity';
/** Recalibration (Platt, isotonic) maps one score per image: binary pipelines only; intervals, binning and subgroups fit every task. */
type WithoutRecalibration = { readonly calibration?: Omit<NonNullable<EvaluateConfig['calibration']>, 'recalibrate'> & { readonly recalibrate?: undefined } };

/**
 * Scores the test split: metrics.json with intervals, predictions.csv, curves, calibration, operating
 * points, subgroups, classification report, plots and report.html; the threshold is chosen on validation
 * (Youden's J by default) and frozen before test. Options that belong to some tasks restrict the
 * pipelines it fits (checked by the types when the ingest states its task): threshold and sensitivity
 * (binary, multi-label), positiveClass and calibration.recalibrate (binary), gradCamClass (multi-class,
 * ordinal, multi-label).
 * @example
 *   evaluate({ threshold: { sensitivity: 0.9 } })
 *   evaluate({ gradCamClass: 'meningioma' })
 */
export function evaluate(config?: EvaluateConfig & Without<Thresholds | 'positiveClass' | 'gradCamClass'> & WithoutRecalibration): ReturnType<typeof anyTask>;
export function evaluate(config: EvaluateConfig & { readonly positiveClass: string } & Without<'gradCamClass'>): ReturnType<typeof binaryOnly>;
export function evaluate(config: EvaluateConfig & Without<'positiveClass' | 'gradCamClass'> & WithoutRecalibration): ReturnType<typeof thresholded>;
export function evaluate(
  config: EvaluateConfig & { readonly gradCamClass: string } & Without<Thresholds | 'positiveClass'> & WithoutRecalibration,
): ReturnType<typeof classExplained>;
export function evaluate(
  config: EvaluateConfig & { readonly gradCamClass: string } & Without<'positiveClass'> & WithoutRecalibration,
): ReturnType<typeof labelsOnly>;
export function evaluate(config: EvaluateConfig & Without<'gradCamClass'>): ReturnType<typeof recalibrated>;
export function evaluate(config: EvaluateConfig = {}): Restricted<ReturnType<typeof anyTask>, TaskRule> {
  return anyTask(config);
}

const anyTask = (config: EvaluateConfig) => withTask<TaskKind>()(nodeOf(evaluateStage, config));
const binaryOnly = (config: EvaluateConfig) =>
  withTask<'binary', never, 'positiveClass is for binary pipelines (two classes)'>()(nodeOf(evaluateStage, config));
const thresholded = (config: EvaluateConfig) =>
  withTask<
    'binary' | 'multilabel',
    never,
    'threshold and sensitivity are for binary and multi-label pipelines (a multi-class model predicts its most probable class)'
  >()(nodeOf(evaluateStage, config));
const classExplained = (config: EvaluateConfig) =>
  withTask<
    'multiclass' | 'ordinal' | 'multilabel',
    never,
    'gradCamClass is for multi-class and multi-label pipelines (a binary model explains its positive class)'
  >()(nodeOf(evaluateStage, config));
const recalibrated = (config: EvaluateConfig) =>
  withTask<'binary', never, 'calibration.recalibrate is for binary pipelines (Platt and isotonic map one score per image)'>()(nodeOf(evaluateStage, config));
const labelsOnly = (config: EvaluateConfig) =>
  withTask<'multilabel', never, 'threshold with gradCamClass is for multi-label pipelines'>()(nodeOf(evaluateStage, config));

/** Dice, IoU, HD95, ASSD, NSD per image and aggregated, mask PNGs and overlays. @example evaluate.segmentation({ tolerance: 2 }) */
evaluate.segmentation = (config: SegmentationEvaluateConfig = {}) => nodeOf(evaluateSegmentationStage, config);
