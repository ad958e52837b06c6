// Type tests for the segmentation stages, checked by `tsc --noEmit` (part of `npm test`). Each
// `@ts-expect-error` line must fail to compile; an unused directive fails the type check.
import { pipeline, ingest, split, build, fit, evaluate, normalize, type Pipeline } from '../../src/index.ts';
import type { Flow } from '../../src/pipeline.ts';

const pairs = ingest.segmentation({ sources: [{ images: 'images', masks: 'masks', roi: 'fov' }] });

export const segmented = pipeline('seg')
  .stage(pairs)
  .stage(split.segmentation())
  .stage(build.unet({ depth: 2 }))
  .stage(fit.segmentation({ epochs: 1 }))
  .stage(evaluate.segmentation());

// A classification split after segmentation ingest: masks would be lost
// @ts-expect-error 'split' needs images but the pipeline so far produces segmentation images
pipeline('a').stage(pairs).stage(split());

// normalize is a classification stage (split.segmentation scales intensities)
// @ts-expect-error 'normalize' needs images but the pipeline so far produces segmentation images
pipeline('b').stage(pairs).stage(normalize());

// The tutorial CNN cannot take segmentation splits, nor the U-Net classification splits.
// @ts-expect-error 'build' needs splits but the pipeline so far produces segmentation splits
pipeline('c').stage(pairs).stage(split.segmentation()).stage(build.tutorialCnn());
// @ts-expect-error 'build.unet' needs segmentation splits but the pipeline so far produces splits
pipeline('d').stage(ingest.folder({ root: 'data' })).stage(split()).stage(build.unet());

// A classification fit or evaluate on a U-Net.
// @ts-expect-error 'fit' needs built model but the pipeline so far produces segmentation model
pipeline('e').stage(pairs).stage(split.segmentation()).stage(build.unet()).stage(fit());
// @ts-expect-error 'evaluate' needs trained model but the pipeline so far produces trained segmentation model
segmented.stage(evaluate());

// Config types are checked too.
// @ts-expect-error a source needs masks
ingest.segmentation({ sources: [{ images: 'images' }] });
// @ts-expect-error unknown loss
fit.segmentation({ loss: 'hinge' });

// The task travels in the pipeline's type: ingest.segmentation states 'segmentation', and every stage
// of the chain runs on segmentation pipelines only.
type TaskOf<P> = P extends Pipeline<unknown, infer T> ? T : never;
export const segmentationTask: TaskOf<typeof segmented> = 'segmentation';
// @ts-expect-error a segmentation pipeline's task is not binary
export const notBinary: TaskOf<typeof segmented> = 'binary';
// @ts-expect-error ingest.folder's task is a classification task; segmentation has its own ingest
ingest.folder({ root: 'data', task: 'segmentation' });
declare const binaryWithSegModel: Pipeline<Flow<'segmentation model'>, 'binary'>;
// @ts-expect-error 'fit.segmentation' does not fit this binary pipeline: it is a segmentation stage (a class per pixel): it follows ingest.segmentation
binaryWithSegModel.stage(fit.segmentation());
// @ts-expect-error 'fit' needs built model but the pipeline so far produces segmentation model
binaryWithSegModel.stage(fit());
