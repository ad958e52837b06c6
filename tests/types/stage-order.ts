// Type tests for the stage order, checked by `tsc --noEmit` (part of `npm test`). Each
// `@ts-expect-error` line must fail to compile; if one compiles, tsc reports "Unused
// '@ts-expect-error' directive" and the test suite fails.
//
// What a user sees for a wrong order is the parameter type of `.stage()`, a branded message, e.g.
// for `pipeline('x').stage(ingest.folder(...)).stage(normalize()).stage(split()).stage(fit())`:
//
//   error TS2345: Argument of type 'StageNode<BuiltModel, TrainedModel, "fit", FitConfig>' is not
//   assignable to parameter of type 'StageOrderError<"'fit' needs built model but the pipeline so
//   far produces splits: add build(...) before it">'.
//
// (tests/e2e/cli.test.ts compiles the wrong-order cases on their own and checks that text.)
import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from '../../src/index.ts';

const data = ingest.folder({ root: 'data' });

// The correct chain compiles, and each step's type names what it produces.
export const ok = pipeline('ok', { seed: 1 })
  .stage(data)
  .stage(normalize({ method: 'zscore', scope: 'dataset' }))
  .stage(augment({ rotation: 10 }))
  .stage(split({ fractions: { train: 0.7, val: 0.15, test: 0.15 } }))
  .stage(build.tutorialCnn({ filters: [4, 4] }))
  .stage(fit({ epochs: 1 }))
  .stage(evaluate());
// Stages between ingest and split may repeat and come in any order.
export const ok2 = pipeline('ok2').stage(ingest.npz({ file: 'a.npz' })).stage(augment()).stage(normalize()).stage(normalize()).stage(split());
export const ok3 = pipeline('ok3').stage(ingest.csv({ csv: 'a.csv' })).stage(split()).stage(build.custom((shape, tf) => tf.sequential()));

// fit before build
// @ts-expect-error 'fit' needs built model but the pipeline so far produces splits: add build(...) before it
pipeline('a').stage(data).stage(split()).stage(fit());

// evaluate before split (and before fit)
// @ts-expect-error 'evaluate' needs trained model but the pipeline so far produces images
pipeline('b').stage(data).stage(normalize()).stage(evaluate());

// evaluate right after split: still needs a trained model
// @ts-expect-error 'evaluate' needs trained model but the pipeline so far produces splits
pipeline('b2').stage(data).stage(split()).stage(evaluate());

// split before ingest
// @ts-expect-error 'split' needs images but the pipeline so far produces an empty pipeline: add ingest(...) before it
pipeline('c').stage(split());

// normalize as the first stage
// @ts-expect-error 'normalize' needs images but the pipeline so far produces an empty pipeline
pipeline('c2').stage(normalize());

// build on images (no split yet)
// @ts-expect-error 'build' needs splits but the pipeline so far produces images: add split(...) before it
pipeline('d').stage(data).stage(normalize()).stage(build.tutorialCnn());

// ingest in the middle
// @ts-expect-error 'ingest.folder' needs an empty pipeline but the pipeline so far produces images: it must be the first stage
pipeline('e').stage(data).stage(normalize()).stage(ingest.folder({ root: 'other' }));

// a second ingest after split
// @ts-expect-error 'ingest.npz' needs an empty pipeline but the pipeline so far produces splits
pipeline('e2').stage(data).stage(split()).stage(ingest.npz({ file: 'a.npz' }));

// fit twice
// @ts-expect-error 'fit' needs built model but the pipeline so far produces trained model
pipeline('f').stage(data).stage(split()).stage(build.tutorialCnn()).stage(fit()).stage(fit());

// augment after split (policies go before split)
// @ts-expect-error 'augment' needs images but the pipeline so far produces splits
pipeline('g').stage(data).stage(split()).stage(augment());

// A pipeline is immutable data: the stage list is readonly.
// @ts-expect-error stages is a readonly array
ok.stages.push(data);

// A pipeline is not a thenable (no `then`), so `await` returns it unchanged.
export async function notThenable() {
  const p = await pipeline('t').stage(data);
  // The awaited value still has the builder method.
  return p.stage(split());
}

// Config types are checked too.
// @ts-expect-error 'sideways' is not a normalize method
normalize({ method: 'sideways' });
// @ts-expect-error channels must be 1 or 3
ingest.folder({ root: 'data', channels: 2 });
