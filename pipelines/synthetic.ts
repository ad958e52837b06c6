/**
 * The demo: the tutorial's workflow on a synthetic "lesion / no lesion" set that medpipe makes
 * itself (scripts/make-synthetic.ts writes data/synthetic/{lesion,no_lesion}/*.png, 300 of each).
 *   npm run demo        # makes the images if they are not there yet, then runs this file
 * Sized to finish in about a minute on the pure-JavaScript backend (`--backend cpu`); everything
 * else is the tutorial's: Adam(1e-3, 0.92, 0.999), early stopping on val_auc with the best weights
 * restored, augmentation without left-right flips.
 */
import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from 'medpipe';

export default pipeline('synthetic', { seed: 42 })
  // 'lesion' second = the positive class: AUC, recall and precision are about lesions. 20x20 grey
  // (from 64x64) still shows the blob (3-6 px across) and keeps the pure-JS backend quick.
  .stage(ingest.folder({ root: '../data/synthetic', classes: ['no_lesion', 'lesion'], size: [20, 20], channels: 1 }))
  .stage(normalize({ method: 'zscore', scope: 'dataset' })) // statistics from the training split only
  // Mild geometric jitter, no flips. No brightness/contrast jitter: it would be as strong as the faint blob.
  .stage(augment({ rotation: 10, translate: 0.05, zoom: 0.05 }))
  .stage(split()) // stratified 64/16/20: train 384 / val 96 / test 120
  // The tutorial's CNN (Conv 5x5 → Conv 3x3 → MaxPool → BatchNorm → Flatten → Dropout 0.5 → sigmoid)
  // with 8 + 8 filters instead of 128 + 64: a bright blob is a low-level feature, and 1.6k weights
  // train in a few seconds per epoch on pure JS. Batch-norm momentum 0.9 instead of 0.99: with
  // only 24 batches per epoch, 0.99's moving statistics lag and push every score to one side of 0.5.
  .stage(build.tutorialCnn({ filters: [8, 8], batchNormMomentum: 0.9 }))
  // Batch 16 rather than 32: twice the steps per epoch within the ~1 minute budget.
  .stage(fit({ epochs: 20, batchSize: 16, earlyStopping: { monitor: 'val_auc', mode: 'max', patience: 5, restoreBestWeights: true } }))
  .stage(evaluate());
