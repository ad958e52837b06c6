// Type tests for tune and crossValidate, checked by `tsc --noEmit` (part of `npm test`). Each
// `@ts-expect-error` line must fail to compile; an unused directive fails the type check.
import { pipeline, ingest, split, build, fit, evaluate, tune, crossValidate, normalize } from '../../src/index.ts';

const data = ingest.folder({ root: 'data' });

// build → tune → evaluate: tune produces a trained model, like fit.
export const tuned = pipeline('tuned', { seed: 1 })
  .stage(data)
  .stage(split())
  .stage(build.tutorialCnn({ filters: [2, 2] }))
  .stage(tune({ grid: { learningRate: [1e-3, 1e-4], classWeight: ['balanced', null], loss: ['binaryCrossentropy', { focal: { gamma: 2 } }] }, monitor: 'val_loss', base: { epochs: 2 } }))
  .stage(evaluate());

// build → crossValidate.
export const validated = pipeline('cv').stage(data).stage(split()).stage(build.tutorialCnn()).stage(crossValidate({ folds: 3, fit: { epochs: 1 }, byGroup: false }));

// tune before build
// @ts-expect-error 'tune' needs built model but the pipeline so far produces splits: add build(...) before it
pipeline('a').stage(data).stage(split()).stage(tune({ grid: { epochs: [1, 2] } }));

// crossValidate before split
// @ts-expect-error 'crossValidate' needs built model but the pipeline so far produces images
pipeline('b').stage(data).stage(normalize()).stage(crossValidate());

// crossValidate right after split: still needs a model
// @ts-expect-error 'crossValidate' needs built model but the pipeline so far produces splits
pipeline('b2').stage(data).stage(split()).stage(crossValidate());

// fit after tune: the model is already trained
// @ts-expect-error 'fit' needs built model but the pipeline so far produces trained model
pipeline('c').stage(data).stage(split()).stage(build.tutorialCnn()).stage(tune({ grid: { epochs: [1] } })).stage(fit());

// evaluate after crossValidate: crossValidate is already an evaluation
// @ts-expect-error 'evaluate' needs trained model but the pipeline so far produces evaluation
validated.stage(evaluate());

// Config types are checked too.
// @ts-expect-error tune needs a grid
tune({});
// @ts-expect-error a monitor tune cannot compute
tune({ grid: { epochs: [1] }, monitor: 'val_dice' });
// @ts-expect-error classWeight in the grid is 'balanced' or null
tune({ grid: { classWeight: ['even'] } });
// @ts-expect-error learningRate values are numbers
tune({ grid: { learningRate: ['fast'] } });
// @ts-expect-error folds is a number
crossValidate({ folds: '5' });
