// Type tests for task kinds, checked by `tsc --noEmit` (part of `npm test`). A task stated on the
// ingest (task: 'multiclass' | 'ordinal' | 'multilabel' | 'binary') is carried by the pipeline's
// type, and an option of another task does not compile. Each `@ts-expect-error` line must fail to
// compile; an unused directive fails the type check. What a user reads, e.g. for positiveClass:
//
//   Argument of type 'StageNode<TrainedModel, Evaluation, "evaluate", …>' is not assignable to
//   parameter of type 'StageOrderError<"'evaluate' does not fit this multiclass pipeline:
//   positiveClass is for binary pipelines (two classes)">'.
import { pipeline, ingest, split, build, fit, evaluate, tune, runPipeline } from '../../src/index.ts';

const multiclass = pipeline('mc')
  .stage(ingest.folder({ root: 'data', task: 'multiclass' }))
  .stage(split())
  .stage(build.tutorialCnn());
const ordinal = pipeline('ord')
  .stage(ingest.npz({ file: 'retina.npz', task: 'ordinal' }))
  .stage(split())
  .stage(build.tutorialCnn());
const multilabel = pipeline('ml')
  .stage(ingest.csv({ csv: 'findings.csv', task: 'multilabel' }))
  .stage(split())
  .stage(build.tutorialCnn());
const binary = pipeline('bin')
  .stage(ingest.folder({ root: 'data', task: 'binary' }))
  .stage(split())
  .stage(build.tutorialCnn());
const unstated = pipeline('any')
  .stage(ingest.folder({ root: 'data' }))
  .stage(split())
  .stage(build.tutorialCnn());

// What compiles: each task with its own options, and an unstated task with any (checked at run time).
export const ok = [
  multiclass.stage(fit({ epochs: 5, loss: 'categoricalCrossentropy', oversample: true })).stage(evaluate({ gradCamClass: 'meningioma' })),
  multiclass.stage(fit({ loss: { focal: { gamma: 2 } }, earlyStopping: { monitor: 'val_balanced_accuracy' } })).stage(evaluate()),
  ordinal.stage(fit({ earlyStopping: { monitor: 'val_qwk' } })).stage(evaluate()),
  ordinal.stage(tune({ grid: { learningRate: [1e-3, 3e-4] }, monitor: 'val_quadraticWeightedKappa' })).stage(evaluate()),
  multilabel
    .stage(fit({ classWeight: 'balanced', earlyStopping: { monitor: 'val_micro_auc' } }))
    .stage(evaluate({ threshold: 'maxF1', gradCamClass: 'effusion' })),
  binary.stage(fit({ loss: 'binaryCrossentropy', oversample: true })).stage(evaluate({ positiveClass: 'pneumonia', threshold: { sensitivity: 0.9 } })),
  unstated.stage(fit()).stage(evaluate({ positiveClass: 'pneumonia' })),
  unstated.stage(fit()).stage(evaluate({ gradCamClass: 'glioma' })),
  binary.stage(fit()).stage(evaluate({ bootstrap: { resamples: 500 }, calibration: { bins: 5 }, subgroups: ['sex'], threshold: 'youden' })),
  unstated.stage(fit()).stage(evaluate({ calibration: { recalibrate: 'platt' } })),
  multiclass.stage(fit()).stage(evaluate({ subgroups: false, gradCamClass: 'glioma' })),
];
// A typed pipeline is still a pipeline the runtime takes.
export const running = runPipeline(multiclass.stage(fit()).stage(evaluate()));

// A single positive class on a multi-class pipeline
// @ts-expect-error 'evaluate' does not fit this multiclass pipeline: positiveClass is for binary pipelines (two classes)
multiclass.stage(fit()).stage(evaluate({ positiveClass: 'glioma' }));

// A threshold on a multi-class or ordinal pipeline (the prediction is the most probable class)
// @ts-expect-error 'evaluate' does not fit this multiclass pipeline: threshold and sensitivity are for binary and multi-label pipelines
multiclass.stage(fit()).stage(evaluate({ threshold: 0.3 }));
// @ts-expect-error 'evaluate' does not fit this ordinal pipeline
ordinal.stage(fit()).stage(evaluate({ threshold: { sensitivity: 0.9 } }));

// positiveClass on a multi-label pipeline
// @ts-expect-error 'evaluate' does not fit this multilabel pipeline: positiveClass is for binary pipelines
multilabel.stage(fit()).stage(evaluate({ positiveClass: 'effusion' }));

// A class to explain on a binary pipeline
// @ts-expect-error 'evaluate' does not fit this binary pipeline: gradCamClass is for multi-class and multi-label pipelines
binary.stage(fit()).stage(evaluate({ gradCamClass: 'normal' }));

// Binary cross-entropy on a softmax, categorical cross-entropy on a binary or multi-label model
// @ts-expect-error 'fit' does not fit this multiclass pipeline: loss 'binaryCrossentropy' is for binary and multi-label pipelines
multiclass.stage(fit({ loss: 'binaryCrossentropy' }));
// @ts-expect-error 'fit' does not fit this binary pipeline: loss 'categoricalCrossentropy' is for multi-class and ordinal pipelines
binary.stage(fit({ loss: 'categoricalCrossentropy' }));

// Oversampling classes of a multi-label set (an image has several findings)
// @ts-expect-error 'fit' does not fit this multilabel pipeline: oversample needs one class per image
multilabel.stage(fit({ oversample: true }));

// Label smoothing spreads one-hot targets: K-class pipelines only
// @ts-expect-error 'fit' does not fit this binary pipeline: labelSmoothing is for multi-class and ordinal pipelines
binary.stage(fit({ labelSmoothing: 0.1 }));
// @ts-expect-error 'fit' does not fit this multilabel pipeline: labelSmoothing is for multi-class and ordinal pipelines
multilabel.stage(fit({ labelSmoothing: 0.1, mixup: { alpha: 0.2 } }));
ordinal.stage(fit({ labelSmoothing: 0.1, mixup: { alpha: 0.2 }, schedule: 'cosine' })).stage(evaluate());
binary.stage(fit({ mixup: { alpha: 0.2 }, schedule: 'cosine' })).stage(evaluate());

// Early stopping on a metric the task does not log
// @ts-expect-error 'fit' does not fit this multiclass pipeline: early stopping's 'val_specificity_at_sensitivity' is logged on binary pipelines
multiclass.stage(fit({ earlyStopping: { monitor: 'val_specificity_at_sensitivity' } }));
// @ts-expect-error 'fit' does not fit this multiclass pipeline: early stopping's 'val_qwk' is logged on ordinal pipelines
multiclass.stage(fit({ earlyStopping: { monitor: 'val_qwk' } }));
// @ts-expect-error 'fit' does not fit this binary pipeline: early stopping's 'val_hamming_loss' is logged on multi-label pipelines
binary.stage(fit({ earlyStopping: { monitor: 'val_hamming_loss' } }));

// tune ranking by a metric the task does not compute
// @ts-expect-error 'tune' does not fit this binary pipeline: tune's monitor 'val_quadraticWeightedKappa' is computed on ordinal pipelines
binary.stage(tune({ grid: { epochs: [1, 2] }, monitor: 'val_quadraticWeightedKappa' }));

// The task is checked as a value too, and the config still rejects unknown keys.
// @ts-expect-error 'nominal' is not a task kind
ingest.folder({ root: 'data', task: 'nominal' });
// @ts-expect-error 'clases' is not an option (did you mean 'classes'?)
ingest.folder({ root: 'data', task: 'multiclass', clases: ['a', 'b', 'c'] });

// The clinical evaluation (intervals, calibration binning, subgroups) fits every task; recalibration
// maps one score per image and is for binary pipelines only.
export const clinicalEverywhere = [
  multiclass.stage(fit()).stage(evaluate({ bootstrap: { resamples: 500 } })),
  multilabel.stage(fit()).stage(evaluate({ threshold: 'maxF1', calibration: { bins: 5 } })),
  ordinal.stage(fit()).stage(evaluate({ subgroups: ['sex'], calibration: { strategy: 'quantile' } })),
];
// @ts-expect-error 'evaluate' does not fit this multiclass pipeline: calibration.recalibrate is for binary pipelines
multiclass.stage(fit()).stage(evaluate({ calibration: { recalibrate: 'platt' } }));
// @ts-expect-error 'evaluate' does not fit this multilabel pipeline
multilabel.stage(fit()).stage(evaluate({ threshold: 'maxF1', calibration: { bins: 5, recalibrate: 'isotonic' } }));
