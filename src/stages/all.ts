/**
 * Every stage kind medpipe knows: one line per definition. The registry (src/stages/registry.ts),
 * the `StageKind` type and the docs derive from this list; a factory whose definition is missing
 * here does not compile.
 */
export { augmentStage } from './augment.ts';
export { buildStage } from './build.ts';
export { buildUnetStage } from './build-unet.ts';
export { crossValidateStage } from './cross-validate.ts';
export { evaluateStage } from './evaluate.ts';
export { evaluateSegmentationStage } from './evaluate-segmentation.ts';
export { fitStage } from './fit.ts';
export { fitSegmentationStage } from './fit-segmentation.ts';
export { ingestCsvStage, ingestFolderStage, ingestNpzStage } from './ingest.ts';
export { ingestSegmentationStage } from './ingest-segmentation.ts';
export { normalizeStage } from './normalize.ts';
export { splitStage } from './split.ts';
export { splitSegmentationStage } from './split-segmentation.ts';
export { tuneStage } from './tune.ts';
