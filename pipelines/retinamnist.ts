/**
 * Five diabetic-retinopathy grades on real fundus photographs: RetinaMNIST (28x28 colour), keeping
 * MedMNIST's own train / val / test split (1080 / 120 / 400 images).
 *   node bin/medpipe.js run pipelines/retinamnist.ts
 * MedMNIST v2's best entry on this test set: mean one-vs-rest AUC 0.750, accuracy 0.531 (Google AutoML Vision).
 *
 * Chosen blind (experiments/retinamnist/GRID.md, committed before any candidate ran). Each candidate was
 * scored by 3-fold cross-validation on train + val only (the test split never read). The rule was the
 * highest pooled out-of-fold macro AUC over the 1,200 images:
 *   A0 cross-entropy 0.7210 (chosen) · A1 balanced class weights 0.7097 · A2 soft ordinal targets 0.6965
 *   A3 label smoothing 0.1 0.7062 · A4 cosine schedule 0.7058 · A5 MixUp α 0.2 0.7189 · A6 64 px input 0.6714
 * No change beat A0 by the stated 0.005, so no combination was run. Argmax is kept: the expected-grade rule
 * scored a lower out-of-fold accuracy (0.355 vs 0.481). The 5-member ensemble and the test-time mirrors were
 * fixed in advance.
 * The test split was then scored once (seed 42, 19:12–19:27 UTC): accuracy 0.545 (95% CI 0.505–0.585),
 * macro AUC 0.735 (0.698–0.770), quadratic-weighted kappa 0.549 (0.470–0.623), percentile bootstrap.
 * Accuracy is above the AutoML entry; the AUC is not.
 * Caveat: the previous session had already scored nearly this configuration on test (epochs 60, patience 12):
 * 0.5325 / 0.7391. The search did not use that number, but this test set is not untouched.
 */
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
