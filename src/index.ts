/**
 * medpipe: pipeline-as-code for training and evaluating CNNs on medical images.
 * @example
 *   import { pipeline, ingest, normalize, split, build, fit, evaluate } from 'medpipe';
 *   export default pipeline('xray')
 *     .stage(ingest.folder({ root: '../data/xray' }))
 *     .stage(normalize())
 *     .stage(split())
 *     .stage(build.tutorialCnn())
 *     .stage(fit({ epochs: 20 }))
 *     .stage(evaluate());
 */
export {
  pipeline,
  type Pipeline,
  type PipelineOptions,
  type StageNode,
  type Images,
  type Splits,
  type BuiltModel,
  type TrainedModel,
  type Evaluation,
} from './pipeline.ts';
export { ingest, type FolderIngestConfig, type CsvIngestConfig, type NpzIngestConfig, type OnBadFile } from './stages/ingest.ts';
export { normalize, type NormalizeConfig } from './stages/normalize.ts';
export { augment, type AugmentPolicy } from './stages/augment.ts';
export { split, type SplitConfig } from './stages/split.ts';
export { build, type BuildConfig } from './stages/build.ts';
export { fit, type FitConfig } from './stages/fit.ts';
export { evaluate, type EvaluateConfig } from './stages/evaluate.ts';
export type { SegmentationIngestConfig, SegmentationSource } from './stages/ingest-segmentation.ts';
export type { SegmentationSplitConfig } from './stages/split-segmentation.ts';
export type { UnetBuildConfig } from './stages/build-unet.ts';
export type { SegmentationFitConfig } from './stages/fit-segmentation.ts';
export type { SegmentationEvaluateConfig } from './stages/evaluate-segmentation.ts';
export { tune, type TuneConfig, type TuneGrid, type TuneMonitor } from './stages/tune.ts';
export { crossValidate, type CrossValidateConfig } from './stages/cross-validate.ts';
export { readImage, type ReadImageOptions } from './io/read-image.ts';
export { WINDOW_PRESETS, applyWindow, stackWindows, type WindowSpec, type WindowPreset } from './io/window.ts';
export { runPipeline, runToCompletion, pipelineStatus, type RunOptions, type StageStatus } from './runtime/run.ts';
export { MedpipeError, type MedpipeErrorCode } from './base/errors.ts';
export type { RunEvent, MissReason } from './runtime/events.ts';
export type { DecodedImage, ImageMeta, SampleMeta } from './data/types.ts';
