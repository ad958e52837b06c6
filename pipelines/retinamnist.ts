import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from 'medpipe';

export default pipeline('retinamnist', { seed: 42 })
  // Grades are ordered: task 'ordinal' reports quadratic-weighted kappa and the grade error beside the
  // multi-class metrics (an npz says nothing about order, so it is stated).
  .stage(ingest.npz({ file: '../../shared/data/retinamnist/retinamnist.npz', task: 'ordinal' }))
  .stage(normalize({ method: 'zscore', scope: 'dataset' })) // per channel, training split only
  // A fundus photograph mirrored either way is still a plausible fundus of the same grade.
  .stage(augment({ rotation: 15, zoom: 0.1, horizontalFlip: true, verticalFlip: true }))
  .stage(split()) // keeps MedMNIST's train / val / test
  .stage(build.tutorialCnn({ filters: [32, 64] }))
  // The search's choice (A0: plain cross-entropy, constant rate, no smoothing, no MixUp) with its epochs and
  // patience, early-stopped on the validation split's macro one-vs-rest AUC; 5 members averaged (fixed in advance).
  .stage(fit({ epochs: 40, batchSize: 32, ensemble: 5, earlyStopping: { monitor: 'val_auc', patience: 10, restoreBestWeights: true } }))
  // The same mirrors at test time: each score is the mean over the four copies.
  .stage(evaluate({ testTimeAugmentation: { horizontalFlip: true, verticalFlip: true } }));
