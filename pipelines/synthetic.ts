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
  // 'lesion' second = the positive class: AUC, recall and precision are about lesions. 24x24 grey
  // (from 64x64) still shows the blob (2-4 px across) and keeps the pure-JS backend quick.
  .stage(ingest.folder({ root: '../data/synthetic', classes: ['no_lesion', 'lesion'], size: [24, 24], channels: 1 }))
  .stage(normalize({ method: 'zscore', scope: 'dataset' })) // statistics from the training split only
  // Mild geometric jitter, no flips. No brightness/contrast jitter: it would be as strong as the faint blob.
  .stage(augment({ rotation: 10, translate: 0.05, zoom: 0.05 }))
  .stage(split()) // stratified 64/16/20: train 384 / val 96 / test 120
  // The tutorial's CNN (5x5 then 3x3 convolutions, pool, batch norm, dropout 0.5, sigmoid) with 8 and
  // 16 filters instead of 128 and 64: a bright blob is a low-level feature, and 2k weights train in
  // seconds per epoch on the pure-JS backend.
  .stage(build.tutorialCnn({ filters: [8, 16] }))
  // Batch 16 rather than 32: twice the steps per epoch, so the model (and batch norm's moving
  // statistics) settle within the 15 epochs the time budget allows.
  .stage(fit({ epochs: 15, batchSize: 16, earlyStopping: { monitor: 'val_auc', mode: 'max', patience: 5, restoreBestWeights: true } }))
  .stage(evaluate());
