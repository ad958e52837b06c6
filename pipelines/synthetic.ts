/**
 * The demo: the tutorial's workflow on a synthetic "lesion / no lesion" set that medpipe makes
 * itself (scripts/make-synthetic.ts writes data/synthetic/{lesion,no_lesion}/*.png).
 *   npm run demo        # makes the images if needed, then runs this file
 * Sized to finish in about a minute on the pure-JavaScript backend; everything else is the
 * tutorial's: Adam(1e-3, 0.92, 0.999), early stopping on val_auc with the best weights restored,
 * augmentation without left-right flips.
 */
import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from 'medpipe';

export default pipeline('synthetic', { seed: 42 })
  // Positive class second: AUC, recall and precision are about 'lesion'.
  .stage(ingest.folder({ root: '../data/synthetic', classes: ['no_lesion', 'lesion'], size: [32, 32], channels: 1 }))
  .stage(normalize({ method: 'zscore', scope: 'dataset' }))
  // Small geometric jitter only: brightness/contrast changes would be as strong as the faint blob itself.
  .stage(augment({ rotation: 10, translate: 0.05, zoom: 0.05 }))
  .stage(split()) // stratified 64/16/20 (the data has no split of its own)
  // The tutorial's Conv(5x5)-Conv(3x3)-Pool-BN-Flatten-Dropout-Dense at 32x32x1 with 16/16 filters
  // instead of 128/64: the blob is a low-level feature, and the pure-JS backend stays fast.
  .stage(build.tutorialCnn({ filters: [8, 16] }))
  .stage(fit({ epochs: 15, batchSize: 16, earlyStopping: { monitor: 'val_auc', mode: 'max', patience: 5, restoreBestWeights: true } }))
  .stage(evaluate());
