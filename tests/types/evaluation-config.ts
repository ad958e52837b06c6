// Type tests for the clinical evaluation options, checked by `tsc --noEmit` (part of `npm test`).
// Each `@ts-expect-error` line must fail to compile; an unused directive fails the type check.
import { pipeline, ingest, split, build, fit, evaluate, crossValidate } from '../../src/index.ts';

const trained = pipeline('t').stage(ingest.folder({ root: 'data' })).stage(split()).stage(build.tutorialCnn({ batchNormMomentum: 'auto' })).stage(fit());

export const rules = [
  trained.stage(evaluate()),
  trained.stage(evaluate({ threshold: 'youden' })),
  trained.stage(evaluate({ threshold: { sensitivity: 0.9 } })),
  trained.stage(evaluate({ threshold: { specificity: 0.95 } })),
  trained.stage(evaluate({ threshold: 0.3, bootstrap: { resamples: 5000, level: 0.9 }, calibration: { bins: 15, strategy: 'quantile', recalibrate: 'isotonic' }, subgroups: ['sex', 'site'] })),
  trained.stage(evaluate({ subgroups: false })),
];

// @ts-expect-error not a threshold rule
trained.stage(evaluate({ threshold: 'median' }));
// @ts-expect-error recalibration is 'platt' or 'isotonic'
trained.stage(evaluate({ calibration: { recalibrate: 'temperature' } }));
// @ts-expect-error batchNormMomentum is a number or 'auto'
build.tutorialCnn({ batchNormMomentum: 'fast' });

export const siteWise = pipeline('cv').stage(ingest.csv({ csv: 'data.csv' })).stage(split()).stage(build.tutorialCnn()).stage(crossValidate({ foldBy: 'site', innerValidation: 0.25 }));
